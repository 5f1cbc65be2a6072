//! Cursor values and lenient datetime parsing.
//!
//! Services write datetimes in many shapes (Gorgias alone sends `2024-11-14T14:18:25.095107+00:00`,
//! `2019-04-13T03:27:56.973873` with no offset, and space-separated forms). [`parse_datetime`]
//! accepts all of them and is fast enough to run on every record.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde_json::Value;

/// Parses an ISO-8601 datetime leniently: `T` or space between date and time; optional
/// fraction (any number of digits); offset `Z`, `+HH:MM`, `+HHMM`, `+HH` or none (read as UTC);
/// a bare date `YYYY-MM-DD` is midnight UTC. Returns `None` for anything else, and for instants
/// outside the years 1 to 9999 once the offset is applied (`9999-12-31T23:30:00-01:00` is in
/// year 10000, which RFC 3339, and so a saved state, cannot hold).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let b = text.trim().as_bytes();
    let num = |s: &[u8]| -> Option<u32> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(s.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0')))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = num(&b[0..4])? as i32;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if b.len() == 10 {
        return Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?));
    }
    if !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let hour = num(&b[11..13])?;
    let minute = num(&b[14..16])?;
    let mut i = 16;
    let mut second = 0;
    if b.len() >= 19 && b[16] == b':' {
        second = num(&b[17..19])?;
        i = 19;
    }
    let mut nanos = 0u32;
    if i < b.len() && (b[i] == b'.' || b[i] == b',') {
        let start = i + 1;
        let mut end = start;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
        if end == start {
            return None;
        }
        let digits = &b[start..end.min(start + 9)];
        nanos = num(digits)? * 10u32.pow(9 - digits.len() as u32);
        i = end;
    }
    let offset_secs: i32 = match &b[i..] {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [h1, h2] => (num(&[*h1, *h2])?, 0),
                [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                [h1, h2, b':', m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = (h * 3600 + m * 60) as i32;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    let naive = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    let utc = naive.checked_sub_signed(chrono::Duration::seconds(i64::from(offset_secs)))?;
    if !(1..=9999).contains(&chrono::Datelike::year(&utc)) {
        return None;
    }
    Some(Utc.from_utc_datetime(&utc))
}

/// Formats a datetime the way states store it: RFC 3339, UTC, microseconds, `Z`.
pub fn format_datetime(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A comparable cursor value read from a record or a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorValue {
    /// An integer cursor (e.g. an id).
    Int(i64),
    /// A datetime cursor.
    Time(DateTime<Utc>),
    /// Any other string, compared as text.
    Text(String),
}

impl CursorValue {
    /// Reads a cursor from JSON: integers, datetimes (leniently), other strings. `null` and
    /// other shapes give `None`.
    pub fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::Number(n) => n.as_i64().map(CursorValue::Int),
            Value::String(s) => Some(
                parse_datetime(s)
                    .map(CursorValue::Time)
                    .unwrap_or_else(|| CursorValue::Text(s.clone())),
            ),
            _ => None,
        }
    }

    /// Compares two cursors of the same kind; `None` when the kinds differ.
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (CursorValue::Int(a), CursorValue::Int(b)) => Some(a.cmp(b)),
            (CursorValue::Time(a), CursorValue::Time(b)) => Some(a.cmp(b)),
            (CursorValue::Text(a), CursorValue::Text(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> String {
        format_datetime(parse_datetime(s).unwrap_or_else(|| panic!("{s} did not parse")))
    }

    #[test]
    fn every_documented_form_parses() {
        let micro = "2024-11-14T14:18:25.095107Z";
        assert_eq!(at("2024-11-14T14:18:25.095107+00:00"), micro);
        assert_eq!(at("2024-11-14T14:18:25.095107+0000"), micro);
        assert_eq!(at("2024-11-14T14:18:25.095107Z"), micro);
        assert_eq!(at("2024-11-14T14:18:25.095107"), micro);
        assert_eq!(at("2024-11-14 14:18:25.095107+00:00"), micro);
        assert_eq!(
            at("2024-11-14 14:18:25+00:00"),
            "2024-11-14T14:18:25.000000Z"
        );
        assert_eq!(at("2024-11-14T14:18:25"), "2024-11-14T14:18:25.000000Z");
        assert_eq!(at("2024-11-14T14:18"), "2024-11-14T14:18:00.000000Z");
        assert_eq!(at("2024-11-14"), "2024-11-14T00:00:00.000000Z");
        assert_eq!(
            at("2024-11-14T16:18:25.5+02:00"),
            "2024-11-14T14:18:25.500000Z"
        );
        assert_eq!(at("2024-11-14T10:18:25-04"), "2024-11-14T14:18:25.000000Z");
        assert_eq!(
            at("2024-11-14T14:18:25.123456789123Z"),
            "2024-11-14T14:18:25.123456Z"
        );
    }

    #[test]
    fn garbage_is_refused() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30T00:00:00",
            "2024-11-14X14:18:25",
            "2024-11-14T25:00:00",
            "2024-11-14T14:18:25.",
            "2024-11-14T14:18:25+5",
            "2024-11-14T14:18:25+00:00junk",
            "٢٠٢٤-11-14",
            "9999-12-31T23:30:00-01:00",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:30:00+01:00",
        ] {
            assert!(parse_datetime(bad).is_none(), "{bad:?} parsed");
        }
    }

    #[test]
    fn cursors_compare_within_their_kind() {
        let a = CursorValue::from_json(&"2024-01-01T00:00:00+00:00".into()).unwrap();
        let b = CursorValue::from_json(&"2024-01-01 01:00:00".into()).unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Less));
        let n = CursorValue::from_json(&5.into()).unwrap();
        assert_eq!(n.compare(&a), None);
        assert!(CursorValue::from_json(&Value::Null).is_none());
    }
}
