//! Gorgias's conventions, as the toolkit's [`Dialect`]: its error bodies, its list envelopes,
//! its view-items page links, and the HTML 404 of an unknown subdomain.
//!
//! A list page is the envelope `{"object":"list","uri":..,"data":[..],"meta":{"next_cursor":..}}`
//! (recorded: Nango test list-tickets), the view-items envelope `{"data":[..],"meta":{
//! "next_items":..,"prev_items":..,"current_cursor":..}}` (recorded: Nango test
//! list-view-items), or, as some examples of developers.gorgias.com show, a bare JSON array.

use connector_http::dialect::{Answer, Dialect, body_excerpt};
use connector_http::page::{ParsedPage, encode_query};
use connector_sdk::Error;
use connector_sdk::redact::excerpt;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// Gorgias for one account (its subdomain names the account in messages).
#[derive(Debug, Clone)]
pub struct GorgiasDialect {
    subdomain: String,
}

impl GorgiasDialect {
    /// The dialect for the account at `subdomain`.
    pub fn new(subdomain: impl Into<String>) -> Self {
        GorgiasDialect {
            subdomain: subdomain.into(),
        }
    }
}

impl Dialect for GorgiasDialect {
    fn service(&self) -> &str {
        "Gorgias"
    }

    fn error_message(&self, body: &[u8]) -> String {
        error_message(body)
    }

    fn parse_page<'a>(&self, body: &'a [u8]) -> Result<ParsedPage<'a>, Error> {
        parse_page(body)
    }

    /// An unknown subdomain answers 404 with Gorgias's HTML page, not a JSON error; a 403
    /// naming a scope (`... Missing scope: write:all.`, recorded: Nango test unarchive-macros)
    /// is [`Error::MissingScope`].
    fn status_error(&self, answer: &Answer<'_>) -> Option<Error> {
        if answer.status == 403 {
            let message = error_message(answer.body);
            return missing_scope(&message).map(|scope| Error::MissingScope { scope, message });
        }
        (answer.status == 404 && answer.is_html()).then(|| Error::NotFound {
            what: format!("Gorgias account at subdomain {}", self.subdomain),
            message: format!(
                "no Gorgias account at subdomain {}; check the subdomain in the config",
                self.subdomain
            ),
        })
    }

    /// `ignored_item` (of a view-items page link) is a ticket id: an integer in the input schema.
    fn page_param(&self, key: &str, value: String) -> Value {
        match value.parse::<i64>() {
            Ok(n) if key == "ignored_item" => Value::from(n),
            _ => Value::String(value),
        }
    }
}

/// Gorgias's message from an error body: `error.msg` (+ its field errors, recorded: Nango test
/// create-ticket-missing-channel), `error` as a string, or `message`; otherwise a short excerpt
/// (never cut inside a character). Raw upstream text: the client scrubs it before it leaves in
/// an error.
pub fn error_message(body: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    if let Some(v) = &parsed {
        let msg = v
            .pointer("/error/msg")
            .and_then(Value::as_str)
            .or_else(|| v.get("error").and_then(Value::as_str))
            .or_else(|| v.get("message").and_then(Value::as_str));
        if let Some(msg) = msg {
            let mut out = msg.to_string();
            if let Some(fields) = v.pointer("/error/data").and_then(Value::as_object) {
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| {
                        let reasons = match v {
                            Value::Array(a) => a
                                .iter()
                                .map(|x| {
                                    x.as_str()
                                        .map(str::to_string)
                                        .unwrap_or_else(|| x.to_string())
                                })
                                .collect::<Vec<_>>()
                                .join(" "),
                            other => other.to_string(),
                        };
                        format!("{k}: {reasons}")
                    })
                    .collect();
                if !parts.is_empty() {
                    out.push_str(&format!(" ({})", parts.join("; ")));
                }
            }
            return excerpt(&out, 1000);
        }
    }
    body_excerpt(body)
}

/// The scope a 403 message names: `Missing scope: write:all.` gives `write:all` (recorded:
/// Nango test unarchive-macros). Only scope-shaped words (letters, digits, `_`, `:`, `.`, `-`)
/// are taken, without the sentence's final dot.
pub fn missing_scope(message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("missing scope")?;
    let rest = &message[at + "missing scope".len()..];
    let rest = rest
        .strip_prefix('s')
        .unwrap_or(rest)
        .trim_start_matches([':', ' ']);
    let scope: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))
        .collect();
    let scope = scope.trim_end_matches('.');
    (!scope.is_empty() && scope.len() <= 64).then(|| scope.to_string())
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
            excerpt(&String::from_utf8_lossy(&body[..body.len().min(480)]), 120),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_scope_is_named() {
        for (message, want) in [
            (
                "You do not have enough permissions to perform this action. Missing scope: write:all.",
                Some("write:all"),
            ),
            (
                "Missing scopes: satisfaction_survey:write",
                Some("satisfaction_survey:write"),
            ),
            ("missing scope:", None),
            ("You do not have enough permissions.", None),
        ] {
            assert_eq!(missing_scope(message).as_deref(), want, "{message}");
        }
        let d = GorgiasDialect::new("acme");
        let body = br#"{"error":{"msg":"You do not have enough permissions to perform this action. Missing scope: write:all."}}"#;
        let answer = |status| Answer {
            status,
            path: "/api/macros/unarchive",
            content_type: Some("application/json"),
            body,
        };
        let e = d.status_error(&answer(403)).unwrap();
        assert!(
            matches!(&e, Error::MissingScope { scope, .. } if scope == "write:all"),
            "{e}"
        );
        assert!(
            e.to_string().contains("reconnect the app with `write:all`"),
            "{e}"
        );
        assert!(d.status_error(&answer(400)).is_none());
    }

    #[test]
    fn error_messages_are_read_defensively() {
        assert_eq!(
            error_message(br#"{"error":{"msg":"Unauthorized."}}"#),
            "Unauthorized."
        );
        assert_eq!(
            error_message(br#"{"error":{"msg":"Failed to create ticket","data":{"channel":["Missing data for required field."]}}}"#),
            "Failed to create ticket (channel: Missing data for required field.)"
        );
        assert_eq!(
            error_message(br#"{"message":"Unauthorized"}"#),
            "Unauthorized"
        );
        assert_eq!(error_message(br#"{"error":"boom"}"#), "boom");
        assert_eq!(error_message(b""), "(empty body)");
        assert!(error_message(b"<html><body>Not Found</body></html>").starts_with("<html>"));
    }

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
        let want = [
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
}
