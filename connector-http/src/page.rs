//! List pages without re-encoding records: a [`Dialect`](crate::Dialect) parses its API's
//! envelope into a [`ParsedPage`] of raw JSON slices of the response (passed through byte for
//! byte); only the fields the walk needs (a cursor, an id) are read, by [`field`], a visitor
//! that skips everything else. Multi-parameter page cursors travel as one string
//! ([`encode_query`], [`cursor_params`]).

use std::fmt;

use connector_sdk::Error;
use connector_sdk::redact::excerpt;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One parsed page.
#[derive(Debug)]
pub struct ParsedPage<'a> {
    /// The records, as raw JSON.
    pub records: Vec<&'a RawValue>,
    /// The next page's cursor, if any: an opaque token, or several query parameters encoded
    /// by [`encode_query`] (it starts with `?`).
    pub next_cursor: Option<String>,
}

/// A query to send for the next page, as one cursor string: `?` and the form-encoded pairs.
pub fn encode_query(params: &[(String, String)]) -> String {
    let mut out = String::from("?");
    out.push_str(
        &url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish(),
    );
    out
}

/// The query pairs a cursor stands for: [`encode_query`]'s form gives its pairs, any other
/// string is a plain `cursor`.
pub fn cursor_params(cursor: &str) -> Vec<(String, String)> {
    match cursor.strip_prefix('?') {
        Some(q) => url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
        None => vec![("cursor".into(), cursor.to_string())],
    }
}

/// A scalar read from a record: what cursors and ids are made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    /// A string value.
    Str(String),
    /// An integer value.
    Int(i64),
    /// null, absent, or another shape.
    Other,
}

struct FieldSeed<'f>(&'f str);

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = Scalar;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldSeed<'_> {
    type Value = Scalar;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        let mut found = Scalar::Other;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == self.0 {
                found = match map.next_value::<serde_json::Value>()? {
                    serde_json::Value::String(s) => Scalar::Str(s),
                    serde_json::Value::Number(n) => {
                        n.as_i64().map(Scalar::Int).unwrap_or(Scalar::Other)
                    }
                    _ => Scalar::Other,
                };
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Reads one top-level field of a raw record, skipping the rest.
pub fn field(record: &RawValue, name: &str) -> Result<Scalar, Error> {
    let mut de = serde_json::Deserializer::from_str(record.get());
    FieldSeed(name)
        .deserialize(&mut de)
        .map_err(|e| Error::invalid_response("a JSON object record", e.to_string()))
}

/// Adds `"key": value` as the first field of a raw record (e.g. a parent id on child records).
pub fn with_field(record: &RawValue, key: &str, value: i64) -> Result<Box<RawValue>, Error> {
    let text = record.get().trim_start();
    let rest = text
        .strip_prefix('{')
        .ok_or_else(|| Error::invalid_response("a JSON object record", excerpt(text, 80)))?;
    let sep = if rest.trim_start().starts_with('}') {
        ""
    } else {
        ","
    };
    RawValue::from_string(format!("{{\"{key}\":{value}{sep}{rest}"))
        .map_err(|e| Error::invalid_response("a JSON object record", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_parameter_cursors_round_trip() {
        let pairs = vec![
            ("cursor".to_string(), "abc=".to_string()),
            ("direction".to_string(), "next".to_string()),
        ];
        let encoded = encode_query(&pairs);
        assert_eq!(encoded, "?cursor=abc%3D&direction=next");
        assert_eq!(cursor_params(&encoded), pairs);
        assert_eq!(
            cursor_params("WyJuZXh0Il0="),
            vec![("cursor".to_string(), "WyJuZXh0Il0=".to_string())]
        );
    }

    #[test]
    fn fields_are_read_and_injected() {
        let raw = RawValue::from_string(r#"{"id":7,"nested":{"updated_datetime":"x"},"updated_datetime":"2024-01-01T00:00:00","s":null}"#.into()).unwrap();
        assert_eq!(field(&raw, "id").unwrap(), Scalar::Int(7));
        assert_eq!(
            field(&raw, "updated_datetime").unwrap(),
            Scalar::Str("2024-01-01T00:00:00".into())
        );
        assert_eq!(field(&raw, "s").unwrap(), Scalar::Other);
        assert_eq!(field(&raw, "missing").unwrap(), Scalar::Other);
        let with = with_field(&raw, "view_id", 3).unwrap();
        assert!(with.get().starts_with(r#"{"view_id":3,"id":7"#));
        let empty = RawValue::from_string("{}".into()).unwrap();
        assert_eq!(
            with_field(&empty, "view_id", 3).unwrap().get(),
            r#"{"view_id":3}"#
        );
    }
}
