//! Datetimes in records and outputs: where a schema declares them (`format: date-time`), and
//! the rewrite of the ISO 8601 forms RFC 3339 refuses into RFC 3339, so destinations that
//! type such fields as timestamps (Airbyte's `format: date-time` and `airbyte_type:
//! timestamp_with_timezone`) get values they can read.
//!
//! Normalised, and only at a path the schema declares a datetime: a value without an offset
//! (read as UTC, as [`parse_datetime`] does), a space or a lowercase `t` between date and
//! time, an offset without its colon (`+0000`) or without minutes (`+02`), a time without
//! seconds, a lowercase `z`. Only the syntax changes: the digits stay as sent, a missing
//! offset becomes `+00:00` (`2019-04-13 03:27:56.973873` gives
//! `2019-04-13T03:27:56.973873+00:00`), an offset keeps its value (`+0200` gives `+02:00`). A
//! value already RFC 3339 is left as it is, and so is anything that does not parse as a
//! datetime.
//!
//! Records travel as raw JSON ([`RawValue`]); a record is rewritten only when a cheap scan of
//! its bytes finds a datetime-looking string that is not RFC 3339 (none does, in the common
//! case), and then only along the declared paths: every other byte of the record is copied
//! as it came.

use connector_sdk::cursor::parse_datetime;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;

/// Where a schema's datetime fields are: built once per stream or output schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatetimeFields {
    root: Node,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    /// The value itself is a datetime.
    leaf: bool,
    /// Properties that hold datetimes, sorted by name.
    props: Vec<(String, Node)>,
    /// Array items that hold datetimes.
    items: Option<Box<Node>>,
}

/// Deeper schemas are not followed (hand-written schemas are a few levels deep).
const MAX_DEPTH: usize = 32;

impl Node {
    fn of(schema: &Value, depth: usize) -> Node {
        let mut node = Node::default();
        if depth > MAX_DEPTH {
            return node;
        }
        let Some(s) = schema.as_object() else {
            return node;
        };
        node.leaf = s.get("format").and_then(Value::as_str) == Some("date-time");
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (name, sub) in props {
                let child = Node::of(sub, depth + 1);
                if !child.is_empty() {
                    node.props.push((name.clone(), child));
                }
            }
        }
        if let Some(items) = s.get("items") {
            let child = Node::of(items, depth + 1);
            if !child.is_empty() {
                node.items = Some(Box::new(child));
            }
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            for branch in s.get(key).and_then(Value::as_array).into_iter().flatten() {
                node.merge(Node::of(branch, depth + 1));
            }
        }
        node.props.sort_by(|a, b| a.0.cmp(&b.0));
        node
    }

    fn merge(&mut self, other: Node) {
        self.leaf |= other.leaf;
        for (name, child) in other.props {
            match self.props.iter_mut().find(|(n, _)| *n == name) {
                Some((_, mine)) => mine.merge(child),
                None => self.props.push((name, child)),
            }
        }
        match (&mut self.items, other.items) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine @ None, theirs) => *mine = theirs,
            (Some(_), None) => {}
        }
    }

    fn is_empty(&self) -> bool {
        !self.leaf && self.props.is_empty() && self.items.is_none()
    }

    fn prop(&self, name: &str) -> Option<&Node> {
        self.props
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| &self.props[i].1)
    }
}

impl DatetimeFields {
    /// The datetime fields `schema` declares (`format: date-time`), at any depth, through
    /// properties, array items and `anyOf`/`oneOf`/`allOf` branches.
    pub fn of(schema: &Value) -> Self {
        DatetimeFields {
            root: Node::of(schema, 0),
        }
    }

    /// Whether the schema declares no datetime at all.
    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// The record with its declared datetimes in RFC 3339: the same allocation, untouched,
    /// when nothing needs it (see the module docs).
    pub fn normalise_raw(&self, raw: Box<RawValue>) -> Box<RawValue> {
        if self.is_empty() || !needs_look(raw.get().as_bytes()) {
            return raw;
        }
        match fix_raw(raw.get(), &self.root).and_then(|s| RawValue::from_string(s).ok()) {
            Some(fixed) => fixed,
            None => raw,
        }
    }

    /// `value` with its declared datetimes in RFC 3339 (an action's output).
    pub fn normalise_value(&self, value: &mut Value) {
        if !self.is_empty() {
            fix_value(value, &self.root);
        }
    }
}

/// The RFC 3339 form of an ISO 8601 datetime RFC 3339 refuses; `None` when `text` is RFC 3339
/// already or is no datetime. Only the syntax changes: the digits stay as sent (the fraction
/// keeps its length), a missing offset becomes `+00:00`, an offset keeps its value.
pub fn normalise_datetime(text: &str) -> Option<String> {
    let b = text.as_bytes();
    if is_rfc3339(b) {
        return None;
    }
    // The lenient parser decides what is a datetime (real dates and times, sane offsets).
    parse_datetime(text)?;
    let b = text.trim().as_bytes();
    let date = std::str::from_utf8(&b[..10]).ok()?;
    if b.len() == 10 {
        return Some(format!("{date}T00:00:00+00:00"));
    }
    let mut out = String::with_capacity(b.len() + 8);
    out.push_str(date);
    out.push('T');
    out.push_str(std::str::from_utf8(&b[11..16]).ok()?);
    let mut i = 16;
    if b.get(16) == Some(&b':') {
        out.push_str(std::str::from_utf8(&b[16..19]).ok()?);
        i = 19;
    } else {
        out.push_str(":00");
    }
    if matches!(b.get(i), Some(b'.' | b',')) {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        out.push('.');
        out.push_str(std::str::from_utf8(&b[i + 1..i + 1 + frac]).ok()?);
        i += 1 + frac;
    }
    match &b[i..] {
        [] => out.push_str("+00:00"),
        [b'Z' | b'z'] => out.push('Z'),
        [sign, h1, h2] => out.extend([*sign, *h1, *h2, b':', b'0', b'0'].map(char::from)),
        [sign, h1, h2, m1, m2] | [sign, h1, h2, b':', m1, m2] => {
            out.extend([*sign, *h1, *h2, b':', *m1, *m2].map(char::from))
        }
        _ => return None,
    }
    Some(out)
}

fn digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Strict RFC 3339 (section 5.6): `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`, uppercase.
fn is_rfc3339(b: &[u8]) -> bool {
    if b.len() < 20
        || !looks_like_datetime(b)
        || b[10] != b'T'
        || b.get(16) != Some(&b':')
        || !digits(&b[17..19])
    {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    match &b[i..] {
        [b'Z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => digits(&[*h1, *h2, *m1, *m2]),
        _ => false,
    }
}

/// `YYYY-MM-DD?HH:MM` at the start, `?` a `T`, `t` or space.
fn looks_like_datetime(b: &[u8]) -> bool {
    b.len() >= 16
        && digits(&b[0..4])
        && b[4] == b'-'
        && digits(&b[5..7])
        && b[7] == b'-'
        && digits(&b[8..10])
        && matches!(b[10], b'T' | b't' | b' ')
        && digits(&b[11..13])
        && b[13] == b':'
        && digits(&b[14..16])
}

/// Whether the JSON text holds a string that looks like a datetime and is not RFC 3339: one
/// pass over the text's `-` bytes, looking for `"YYYY-` string starts.
fn needs_look(json: &[u8]) -> bool {
    for i in memchr::memchr_iter(b'-', json) {
        if i < 5 || json[i - 5] != b'"' || !digits(&json[i - 4..i]) {
            continue;
        }
        let start = i - 4;
        // Datetimes hold no escapes: the string ends at the next quote (or is no datetime).
        let Some(len) = memchr::memchr2(b'"', b'\\', &json[start..]) else {
            return false;
        };
        let s = &json[start..start + len];
        if json[start + len] == b'"' && looks_like_datetime(s) && !is_rfc3339(s) {
            return true;
        }
    }
    false
}

/// The rewritten JSON text of `text` (a value at `node`), or `None` when nothing changed.
fn fix_raw(text: &str, node: &Node) -> Option<String> {
    match text.as_bytes().first()? {
        b'"' if node.leaf => {
            let s: std::borrow::Cow<'_, str> = serde_json::from_str(text).ok()?;
            let fixed = normalise_datetime(&s)?;
            serde_json::to_string(&fixed).ok()
        }
        b'{' if !node.props.is_empty() => {
            let entries = Entries::parse(text)?;
            let mut changed = false;
            let mut parts: Vec<(&str, std::borrow::Cow<'_, str>)> = Vec::new();
            for (key, value) in &entries.0 {
                let fixed = node.prop(key).and_then(|child| fix_raw(value.get(), child));
                changed |= fixed.is_some();
                parts.push((key, fixed.map_or(value.get().into(), Into::into)));
            }
            if !changed {
                return None;
            }
            let mut out = String::with_capacity(text.len() + 16);
            out.push('{');
            for (n, (key, value)) in parts.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(key).ok()?);
                out.push(':');
                out.push_str(value);
            }
            out.push('}');
            Some(out)
        }
        b'[' => {
            let child = node.items.as_deref()?;
            let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            let fixed: Vec<Option<String>> =
                items.iter().map(|v| fix_raw(v.get(), child)).collect();
            if fixed.iter().all(Option::is_none) {
                return None;
            }
            let mut out = String::with_capacity(text.len() + 16);
            out.push('[');
            for (n, (item, fix)) in items.iter().zip(&fixed).enumerate() {
                if n > 0 {
                    out.push(',');
                }
                out.push_str(fix.as_deref().unwrap_or(item.get()));
            }
            out.push(']');
            Some(out)
        }
        _ => None,
    }
}

fn fix_value(value: &mut Value, node: &Node) {
    match value {
        Value::String(s) if node.leaf => {
            if let Some(fixed) = normalise_datetime(s) {
                *s = fixed;
            }
        }
        Value::Object(map) => {
            for (key, child) in &node.props {
                if let Some(v) = map.get_mut(key) {
                    fix_value(v, child);
                }
            }
        }
        Value::Array(items) => {
            if let Some(child) = node.items.as_deref() {
                items.iter_mut().for_each(|v| fix_value(v, child));
            }
        }
        _ => {}
    }
}

/// An object's entries in order (duplicates kept), each value as raw JSON.
struct Entries<'a>(Vec<(std::borrow::Cow<'a, str>, &'a RawValue)>);

impl<'a> Entries<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let mut de = serde_json::Deserializer::from_str(text);
        let entries = (&mut de).deserialize_map(EntriesVisitor).ok()?;
        de.end().ok()?;
        Some(entries)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Entries<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            out.push((key, map.next_value::<&'de RawValue>()?));
        }
        Ok(Entries(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        let dt = json!({"type": ["string", "null"], "format": "date-time"});
        json!({
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "created_datetime": dt,
                "note": {"type": "string"},
                "customer": {"type": ["object", "null"], "properties": {"updated_datetime": dt}},
                "messages": {"type": "array", "items": {"type": "object", "properties": {"sent_datetime": dt}}},
                "either": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"at": dt}}]},
                "meta": {"type": "object", "additionalProperties": true},
            }
        })
    }

    #[test]
    fn values_become_rfc3339_only_where_needed() {
        // (value, normalised or None when it stays as it is)
        let table = [
            (
                "2019-04-13T03:27:56.973873",
                Some("2019-04-13T03:27:56.973873+00:00"),
            ),
            (
                "2019-04-13 03:27:56.973873",
                Some("2019-04-13T03:27:56.973873+00:00"),
            ),
            (
                "2019-04-13 03:27:56+00:00",
                Some("2019-04-13T03:27:56+00:00"),
            ),
            ("2019-04-13t03:27:56z", Some("2019-04-13T03:27:56Z")),
            (
                "2019-04-13T03:27:56+0000",
                Some("2019-04-13T03:27:56+00:00"),
            ),
            ("2019-04-13T05:27:56+02", Some("2019-04-13T05:27:56+02:00")),
            (
                "2019-04-13T05:27:56,25-0530",
                Some("2019-04-13T05:27:56.25-05:30"),
            ),
            (
                "2024-09-01T00:00:00.002000",
                Some("2024-09-01T00:00:00.002000+00:00"),
            ),
            ("2019-04-13T03:27", Some("2019-04-13T03:27:00+00:00")),
            ("2019-04-13T03:27:56.5", Some("2019-04-13T03:27:56.5+00:00")),
            ("2019-04-13", Some("2019-04-13T00:00:00+00:00")),
            // Already RFC 3339: kept as sent, whatever the offset.
            ("2019-04-13T03:27:56.973873+00:00", None),
            ("2019-04-13T03:27:56Z", None),
            ("2019-04-13T03:27:56-05:00", None),
            // Not datetimes: left for the schema to report.
            ("yesterday", None),
            ("2019-13-45T03:27:56", None),
            ("", None),
        ];
        for (value, want) in table {
            assert_eq!(normalise_datetime(value).as_deref(), want, "{value}");
        }
    }

    #[test]
    fn the_scan_finds_exactly_the_strings_to_look_at() {
        let table = [
            (r#"{"a":"2019-04-13T03:27:56.973873+00:00"}"#, false),
            (r#"{"a":"2019-04-13T03:27:56Z","b":"x-y"}"#, false),
            (r#"{"a":"2019-04-13T03:27:56.973873"}"#, true),
            (r#"{"a":"2019-04-13 03:27:56+00:00"}"#, true),
            (r#"{"a":"note: \"2019-04-13 03:27\" was late"}"#, false),
            (r#"{"a":"2019-04-13","b":-1}"#, false),
            (r#"{"a":"1234-"}"#, false),
            (r#""2019-04-13T03:27"#, false),
            ("", false),
        ];
        for (json, want) in table {
            assert_eq!(needs_look(json.as_bytes()), want, "{json}");
        }
    }

    fn raw(v: &str) -> Box<RawValue> {
        RawValue::from_string(v.to_string()).unwrap()
    }

    #[test]
    fn records_are_rewritten_along_declared_paths_only() {
        let fields = DatetimeFields::of(&schema());
        let cases = [
            // Nothing to do: the same text back.
            (
                r#"{"id":1,"created_datetime":"2019-04-13T03:27:56+00:00"}"#,
                r#"{"id":1,"created_datetime":"2019-04-13T03:27:56+00:00"}"#,
            ),
            // A declared field, nested and in arrays; order, spacing of other values and
            // undeclared look-alikes kept.
            (
                r#"{"id":1, "note":"2019-04-13 03:27:56","created_datetime":"2019-04-13 03:27:56","customer":{"updated_datetime":"2020-01-02T03:04:05.123456","x":[1, 2]},"messages":[{"sent_datetime":"2020-01-02T03:04:05Z"},{"sent_datetime":"2020-01-02 03:04:05"}],"meta":{"created_datetime":"2019-04-13 03:27:56"}}"#,
                r#"{"id":1,"note":"2019-04-13 03:27:56","created_datetime":"2019-04-13T03:27:56+00:00","customer":{"updated_datetime":"2020-01-02T03:04:05.123456+00:00","x":[1, 2]},"messages":[{"sent_datetime":"2020-01-02T03:04:05Z"},{"sent_datetime":"2020-01-02T03:04:05+00:00"}],"meta":{"created_datetime":"2019-04-13 03:27:56"}}"#,
            ),
            // Through an anyOf branch; null kept.
            (
                r#"{"either":{"at":"2019-04-13 03:27:56"},"customer":null}"#,
                r#"{"either":{"at":"2019-04-13T03:27:56+00:00"},"customer":null}"#,
            ),
            // Only undeclared look-alikes: untouched.
            (
                r#"{"note":"2019-04-13 03:27:56", "id": 2}"#,
                r#"{"note":"2019-04-13 03:27:56", "id": 2}"#,
            ),
            // Escaped keys survive the rewrite.
            (
                r#"{"k\"ey":"\u00e9","created_datetime":"2019-04-13 03:27:56"}"#,
                r#"{"k\"ey":"\u00e9","created_datetime":"2019-04-13T03:27:56+00:00"}"#,
            ),
        ];
        for (input, want) in cases {
            let out = fields.normalise_raw(raw(input));
            assert_eq!(out.get(), want, "{input}");
            let mut value: Value = serde_json::from_str(input).unwrap();
            fields.normalise_value(&mut value);
            assert_eq!(
                value,
                serde_json::from_str::<Value>(want).unwrap(),
                "{input}"
            );
        }
    }

    #[test]
    fn a_record_that_needs_nothing_is_not_copied() {
        let fields = DatetimeFields::of(&schema());
        let record = raw(r#"{"id":1,"created_datetime":"2019-04-13T03:27:56+00:00"}"#);
        let at = record.get().as_ptr();
        assert_eq!(fields.normalise_raw(record).get().as_ptr(), at);
    }

    #[test]
    fn schemas_without_datetimes_declare_nothing() {
        assert!(DatetimeFields::of(&json!({"type": "object"})).is_empty());
        assert!(DatetimeFields::of(&json!(true)).is_empty());
        assert!(!DatetimeFields::of(&schema()).is_empty());
        let mut deep = json!({"type": "string", "format": "date-time"});
        for _ in 0..100 {
            deep = json!({"type": "object", "properties": {"a": deep}});
        }
        // Past the depth bound, nothing is followed (and nothing overflows).
        assert!(DatetimeFields::of(&deep).is_empty());
    }

    #[test]
    fn malformed_records_pass_through_unchanged() {
        let fields = DatetimeFields::of(&schema());
        for text in [
            r#"{"created_datetime":"2019-04-13 03:27:56","#,
            r#"["2019-04-13 03:27:56"]"#,
            r#""2019-04-13 03:27:56""#,
        ] {
            // RawValue refuses the truncated text; the others are valid but not records.
            if let Ok(r) = RawValue::from_string(text.to_string()) {
                assert_eq!(fields.normalise_raw(r).get(), text);
            }
        }
    }
}
