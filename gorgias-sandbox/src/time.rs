//! Datetimes: the fixed epoch of seeded data, the wall clock for writes, formatting in the
//! forms Gorgias sends, and a lenient parser that turns any of them into an instant.

use chrono::{DateTime, Datelike, Timelike, Utc};
use std::fmt::Write as _;

/// Microseconds since the Unix epoch, UTC. Every datetime in the store is kept as this.
pub type Micros = i64;

/// One second in microseconds.
pub const SECOND: Micros = 1_000_000;
/// One day in microseconds.
pub const DAY: Micros = 86_400 * SECOND;

/// The fixed "now" of seeded data: 2026-09-01T00:00:00Z. Seeded datetimes all lie in the two
/// years before it, so generated data never depends on the wall clock.
pub const SEED_EPOCH: Micros = 1_788_220_800 * SECOND;

/// How far back seeded data reaches (about two years).
pub const SEED_SPAN: Micros = 730 * DAY;

/// The textual form a datetime is rendered in (Gorgias mixes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `2024-11-14T14:18:25.095107+00:00` (what current responses carry).
    Micros,
    /// `2024-11-14T14:18:25+00:00` (no fraction).
    Seconds,
    /// `2019-04-13T03:27:56.973873` (naive, no offset, as in the official examples).
    Naive,
}

/// The wall clock now, in microseconds.
pub fn wall_now() -> Micros {
    Utc::now().timestamp_micros()
}

/// Renders an instant in the given style.
pub fn format(t: Micros, style: Style) -> String {
    let mut s = String::with_capacity(32);
    let dt = DateTime::<Utc>::from_timestamp_micros(t).unwrap_or_default();
    let _ = write!(
        s,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let frac = t.rem_euclid(SECOND);
    match style {
        Style::Micros => {
            let _ = write!(s, ".{frac:06}+00:00");
        }
        Style::Seconds => s.push_str("+00:00"),
        Style::Naive => {
            let _ = write!(s, ".{frac:06}");
        }
    }
    s
}

/// Renders an instant the way Gorgias's responses do (Python's `isoformat()` of an aware UTC
/// datetime): `2026-08-26T18:39:33.916276+00:00`, and without the fraction when it is zero
/// (`2026-08-26T18:45:00+00:00`, recorded: Nango test custom-fields).
pub fn iso(t: Micros) -> String {
    if t.rem_euclid(SECOND) == 0 {
        format(t, Style::Seconds)
    } else {
        format(t, Style::Micros)
    }
}

/// The naive form (no offset, fraction omitted when zero) Gorgias puts in page cursors, e.g.
/// `2026-08-26T18:39:21.578374` (recorded: Nango test list-events).
pub fn naive_iso(t: Micros) -> String {
    let s = iso(t);
    s.strip_suffix("+00:00").map_or(s.clone(), str::to_owned)
}

/// Renders an instant the way the sandbox renders datetimes it writes itself.
pub fn format_now_style(t: Micros) -> String {
    iso(t)
}

/// Parses a datetime leniently: `YYYY-MM-DD`, optionally followed by `T` or a space and
/// `HH:MM[:SS[.fraction]]`, optionally followed by `Z`, `+HH:MM`, `+HHMM` or `+HH` (or `-`).
/// A missing offset means UTC. Returns `None` for anything else.
pub fn parse(input: &str) -> Option<Micros> {
    let b = input.trim().as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0i64, |a, d| {
            a.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = num(&b[0..4])?;
    let month = num(&b[5..7])?;
    let day = num(&b[8..10])?;
    let date =
        chrono::NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month as u32, day as u32)?;
    let mut micros = date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(micros);
    }
    if rest[0] != b'T' && rest[0] != b't' && rest[0] != b' ' {
        return None;
    }
    rest = &rest[1..];
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    let hour = num(&rest[0..2])?;
    let minute = num(&rest[3..5])?;
    rest = &rest[5..];
    let mut second = 0;
    if rest.first() == Some(&b':') {
        if rest.len() < 3 {
            return None;
        }
        second = num(&rest[1..3])?;
        rest = &rest[3..];
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    micros += (hour * 3600 + minute * 60 + second) * SECOND;
    if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
        rest = &rest[1..];
        let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        let mut frac = 0i64;
        for (i, d) in rest[..digits].iter().enumerate() {
            if i < 6 {
                frac = frac * 10 + i64::from(d - b'0');
            }
        }
        for _ in digits..6 {
            frac *= 10;
        }
        micros += frac;
        rest = &rest[digits..];
    }
    match rest {
        [] | [b'Z'] | [b'z'] => Some(micros),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (num(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                _ => return None,
            };
            let offset = (h * 3600 + m * 60) * SECOND;
            Some(if *sign == b'+' {
                micros - offset
            } else {
                micros + offset
            })
        }
        _ => None,
    }
}

/// `body` (a JSON document) with every datetime in the sandbox's own rendering ([`iso`]) put in
/// `style`; `None` when the body is not JSON or nothing changed.
pub fn restyle(body: &[u8], style: crate::options::DatetimeStyle) -> Option<Vec<u8>> {
    use crate::options::DatetimeStyle;
    use serde_json::Value;
    fn walk(v: &mut Value, style: DatetimeStyle, changed: &mut bool) {
        match v {
            Value::String(s) => {
                let ours = s.len() >= 25
                    && s.as_bytes()[10] == b'T'
                    && s.ends_with("+00:00")
                    && parse(s).is_some();
                if !ours {
                    return;
                }
                match style {
                    DatetimeStyle::Recorded => return,
                    DatetimeStyle::Naive => s.truncate(s.len() - "+00:00".len()),
                    DatetimeStyle::Spaced => s.replace_range(10..11, " "),
                }
                *changed = true;
            }
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, style, changed)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, style, changed)),
            _ => {}
        }
    }
    if style == DatetimeStyle::Recorded {
        return None;
    }
    let mut value: Value = serde_json::from_slice(body).ok()?;
    let mut changed = false;
    walk(&mut value, style, &mut changed);
    if !changed {
        return None;
    }
    serde_json::to_vec(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form_to_the_same_instant() {
        let a = parse("2024-11-14T14:18:25.095107+00:00").unwrap();
        assert_eq!(parse("2024-11-14 14:18:25.095107+0000"), Some(a));
        assert_eq!(parse("2024-11-14T14:18:25.095107"), Some(a));
        assert_eq!(parse("2024-11-14T14:18:25.095107Z"), Some(a));
        assert_eq!(parse("2024-11-14T16:18:25.095107+02:00"), Some(a));
        assert_eq!(parse("2024-11-14T14:18:25+00:00"), Some(a - 95_107));
        assert_eq!(
            parse("2024-11-14"),
            Some(a - (14 * 3600 + 18 * 60 + 25) * SECOND - 95_107)
        );
        assert_eq!(parse("nope"), None);
        assert_eq!(parse("2024-13-01"), None);
        assert_eq!(parse("2024-11-14T14:18:25+0"), None);
    }

    #[test]
    fn formats_round_trip() {
        let t = SEED_EPOCH - 12_345_678_901;
        for style in [Style::Micros, Style::Naive] {
            assert_eq!(parse(&format(t, style)), Some(t));
        }
        assert_eq!(
            parse(&format(t, Style::Seconds)),
            Some(t - t.rem_euclid(SECOND))
        );
        assert_eq!(
            format(SEED_EPOCH, Style::Seconds),
            "2026-09-01T00:00:00+00:00"
        );
    }

    #[test]
    fn restyling_changes_only_the_sandbox_rendering_and_keeps_the_instant() {
        use crate::options::DatetimeStyle as D;
        let body = br#"{"data":[{"created_datetime":"2024-11-14T14:18:25.095107+00:00","closed":"2024-11-14T14:18:25+00:00","note":"2024-11-14 14:18","n":1,"cursor":null}]}"#;
        assert_eq!(restyle(body, D::Recorded), None);
        let naive = String::from_utf8(restyle(body, D::Naive).unwrap()).unwrap();
        assert_eq!(
            naive,
            r#"{"data":[{"created_datetime":"2024-11-14T14:18:25.095107","closed":"2024-11-14T14:18:25","note":"2024-11-14 14:18","n":1,"cursor":null}]}"#
        );
        let spaced = String::from_utf8(restyle(body, D::Spaced).unwrap()).unwrap();
        assert!(spaced.contains(r#""created_datetime":"2024-11-14 14:18:25.095107+00:00""#));
        for text in [&naive, &spaced] {
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                parse(v["data"][0]["created_datetime"].as_str().unwrap()),
                parse("2024-11-14T14:18:25.095107+00:00")
            );
        }
        assert_eq!(restyle(b"not json", D::Naive), None);
        assert_eq!(restyle(br#"{"a":1}"#, D::Naive), None);
    }
}
