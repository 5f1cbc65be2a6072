//! Parsing list pages without re-encoding records.
//!
//! A page is the envelope `{"object":"list","uri":..,"data":[..],"meta":{"next_cursor":..}}`,
//! the view-items envelope `{"data":[..],"meta":{"next_items":..,"prev_items":..,
//! "current_cursor":..}}` (recorded: Nango test list-view-items), or, as some Gorgias spec
//! examples show, a bare JSON array. Records are kept as raw JSON slices of
//! the response (passed through byte for byte); only the fields the connector needs (a cursor,
//! an id) are read, with a visitor that skips everything else.

use std::fmt;

use connector_sdk::Error;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

/// One parsed page.
#[derive(Debug)]
pub struct ParsedPage<'a> {
    /// The records, as raw JSON.
    pub records: Vec<&'a RawValue>,
    /// The next page's cursor, if any: Gorgias's `meta.next_cursor`, or for view items the
    /// query of `meta.next_items` encoded by [`encode_query`] (it starts with `?`).
    pub next_cursor: Option<String>,
}

/// The query parameters a view-items `meta.next_items` asks to send for the next page.
///
/// Recorded only as `null` (Nango test list-view-items); its non-null form is UNCONFIRMED, so
/// every plausible one is read: a path with a query (`/api/views/1/items?cursor=..&direction=
/// next&ignored_item=9`), an absolute URL, a bare query string with or without `?`, or a bare
/// cursor token. A public tap had to resend `direction` and `ignored_item` (not only `cursor`)
/// to stop a pagination loop (source: brooklyn-data/tap-gorgias commit 7a8d99f), so every
/// parameter but `limit` is kept.
pub fn next_items_params(next_items: &str) -> Option<Vec<(String, String)>> {
    let text = next_items.trim();
    if text.is_empty() {
        return None;
    }
    let query = match text.split_once('?') {
        Some((_, q)) => q,
        None if text.contains('=') => text,
        None => return Some(vec![("cursor".into(), text.to_string())]),
    };
    let query = query.split('#').next().unwrap_or("");
    let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, v)| k != "limit" && !v.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    params.iter().any(|(k, _)| k == "cursor").then_some(params)
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

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<&'a RawValue>>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    next_items: Option<String>,
}

/// Parses a page body (envelope or bare array).
pub fn parse_page(body: &[u8]) -> Result<ParsedPage<'_>, Error> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => {
            let records: Vec<&RawValue> = serde_json::from_slice(body)
                .map_err(|e| Error::invalid_response("a JSON list page", e.to_string()))?;
            Ok(ParsedPage {
                records,
                next_cursor: None,
            })
        }
        Some(b'{') => {
            let env: Envelope<'_> = serde_json::from_slice(body)
                .map_err(|e| Error::invalid_response("a JSON list page", e.to_string()))?;
            let data = env.data.ok_or_else(|| {
                Error::invalid_response("a list page with `data`", "the page has no `data` field")
            })?;
            let next_cursor = env.meta.and_then(|m| {
                m.next_cursor.filter(|c| !c.is_empty()).or_else(|| {
                    let params = next_items_params(m.next_items.as_deref()?)?;
                    Some(encode_query(&params))
                })
            });
            Ok(ParsedPage {
                records: data,
                next_cursor,
            })
        }
        _ => Err(Error::invalid_response(
            "a JSON list page",
            connector_sdk::redact::excerpt(
                &String::from_utf8_lossy(&body[..body.len().min(480)]),
                120,
            ),
        )),
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

/// Adds `"key": value` as the first field of a raw record (e.g. `view_id` on view items).
pub fn with_field(record: &RawValue, key: &str, value: i64) -> Result<Box<RawValue>, Error> {
    let text = record.get().trim_start();
    let rest = text.strip_prefix('{').ok_or_else(|| {
        Error::invalid_response(
            "a JSON object record",
            connector_sdk::redact::excerpt(text, 80),
        )
    })?;
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
    fn envelope_and_bare_array() {
        let body = br#"{"object":"list","uri":"/api/tickets?limit=2","data":[{"id":1,"b":{"x":[1,2]}},{"id":2}],"meta":{"prev_cursor":null,"next_cursor":"WyJuZXh0Il0="}}"#;
        let p = parse_page(body).unwrap();
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].get(), r#"{"id":1,"b":{"x":[1,2]}}"#);
        assert_eq!(p.next_cursor.as_deref(), Some("WyJuZXh0Il0="));
        let p = parse_page(br#" [{"id":1}]"#).unwrap();
        assert_eq!(p.records.len(), 1);
        assert!(p.next_cursor.is_none());
        let p = parse_page(br#"{"data":[],"meta":{"next_cursor":null}}"#).unwrap();
        assert!(p.records.is_empty() && p.next_cursor.is_none());
        let p = parse_page(br#"{"data":[],"meta":{"next_items":"/api/views/1/items?cursor=abc%3D&direction=next"}}"#).unwrap();
        assert_eq!(
            p.next_cursor.as_deref(),
            Some("?cursor=abc%3D&direction=next")
        );
        let p = parse_page(br#"{"data":[{"id":1}],"meta":{"next_items":null,"prev_items":null,"current_cursor":null}}"#).unwrap();
        assert!(p.next_cursor.is_none() && p.records.len() == 1);
    }

    /// Every plausible non-null form of `next_items` (UNCONFIRMED) gives the same parameters.
    #[test]
    fn next_items_in_every_plausible_form() {
        let want = vec![
            ("cursor".to_string(), "abc=".to_string()),
            ("direction".to_string(), "next".to_string()),
            ("ignored_item".to_string(), "9".to_string()),
        ];
        for form in [
            "/api/views/1/items?cursor=abc%3D&direction=next&ignored_item=9",
            "/api/views/1/items?limit=30&cursor=abc%3D&direction=next&ignored_item=9",
            "https://acme.gorgias.com/api/views/1/items?cursor=abc%3D&direction=next&ignored_item=9",
            "?cursor=abc%3D&direction=next&ignored_item=9",
            "cursor=abc%3D&direction=next&ignored_item=9",
            "/api/views/1/items/?cursor=abc%3D&direction=next&ignored_item=9#x",
        ] {
            assert_eq!(
                next_items_params(form).as_deref(),
                Some(&want[..]),
                "{form}"
            );
        }
        assert_eq!(
            next_items_params("YWJj"),
            Some(vec![("cursor".to_string(), "YWJj".to_string())])
        );
        for none in [
            "",
            "  ",
            "/api/views/1/items?direction=next",
            "/api/views/1/items?cursor=",
        ] {
            assert_eq!(next_items_params(none), None, "{none}");
        }
        let encoded = encode_query(&want);
        assert_eq!(cursor_params(&encoded), want);
        assert_eq!(
            cursor_params("WyJuZXh0Il0="),
            vec![("cursor".to_string(), "WyJuZXh0Il0=".to_string())]
        );
    }

    #[test]
    fn broken_pages_are_errors() {
        for bad in [
            &b""[..],
            b"<html>",
            b"{\"data\":[{\"id\":1}",
            b"{\"object\":\"list\"}",
            b"42",
        ] {
            assert!(parse_page(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
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
