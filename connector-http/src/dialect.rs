//! What is specific to one API, behind one small trait: the shape of its error bodies, its list
//! envelope and page cursors, and the statuses it uses in its own way. Everything else (pacing,
//! retries, deadlines, body caps, redirects, the generic status mapping, the list walk, actions)
//! is the toolkit's and is the same for every connector.

use std::fmt;

use connector_sdk::Error;
use connector_sdk::redact::excerpt;
use serde_json::Value;

use crate::page::{ParsedPage, cursor_params};

/// A non-2xx answer, as a [`Dialect`] sees it when it may map the status its own way.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The request path (no query).
    pub path: &'a str,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body (at most the client's body cap).
    pub body: &'a [u8],
}

impl Answer<'_> {
    /// Whether the body is an HTML page (by its content type or its first character).
    pub fn is_html(&self) -> bool {
        self.content_type
            .is_some_and(|v| v.to_ascii_lowercase().contains("html"))
            || self.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
    }
}

/// One API's conventions. A connector implements it once; the client, the list walk and the
/// generic action ask it whenever a convention differs between APIs.
pub trait Dialect: Send + Sync + fmt::Debug + 'static {
    /// The service's name for messages, e.g. `Gorgias`.
    fn service(&self) -> &str;

    /// The human message of an error body (raw upstream text: the client scrubs it before it
    /// leaves in an error). The default reads `error.message`, `error` as a string, `message`
    /// or `detail`, else a short excerpt ([`default_error_message`]).
    fn error_message(&self, body: &[u8]) -> String {
        default_error_message(body)
    }

    /// Parses a 2xx list page into raw record slices and the next page's cursor.
    fn parse_page<'a>(&self, body: &'a [u8]) -> Result<ParsedPage<'a>, Error>;

    /// The query parameters that ask for the page at `cursor` (default
    /// [`cursor_params`]: `cursor=<cursor>`, or the pairs of an [`encode_query`] cursor).
    ///
    /// [`encode_query`]: crate::page::encode_query
    fn cursor_params(&self, cursor: &str) -> Vec<(String, String)> {
        cursor_params(cursor)
    }

    /// The query parameter that sets the page size (default `limit`).
    fn limit_param(&self) -> &str {
        "limit"
    }

    /// The query parameter that carries a declared ordering such as `updated_at:asc` (default
    /// `order_by`).
    fn order_param(&self) -> &str {
        "order_by"
    }

    /// The query parameter that asks for records whose `cursor` is at or after a datetime, for
    /// [`IncrementalStrategy::ServerFilter`](connector_sdk::IncrementalStrategy) (default
    /// `<cursor>[gte]`).
    fn since_param(&self, cursor: &str) -> String {
        format!("{cursor}[gte]")
    }

    /// The error for a non-2xx answer the generic mapping would get wrong (e.g. an HTML 404
    /// that means "no such account"), or `None` for the generic mapping (401 auth, 403
    /// permission, 404 not found, 409 conflict, 408/5xx retryable, 429 rate limited, other
    /// statuses upstream errors with [`Dialect::error_message`]). Errors returned here are
    /// never retried.
    fn status_error(&self, answer: &Answer<'_>) -> Option<Error> {
        let _ = answer;
        None
    }

    /// How a parameter of a multi-parameter page cursor appears in a list action's
    /// `next_page` output (default: as the string it is), so it can be passed back as the
    /// action's input.
    fn page_param(&self, key: &str, value: String) -> Value {
        let _ = key;
        Value::String(value)
    }
}

/// The usual places APIs put their message: `error.message`, `error.msg`, `error` (a string),
/// `message`, `detail`; otherwise a short excerpt of the body (never cut inside a character,
/// control characters dropped), or `(empty body)`.
pub fn default_error_message(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let msg = v
            .pointer("/error/message")
            .or_else(|| v.pointer("/error/msg"))
            .and_then(Value::as_str)
            .or_else(|| v.get("error").and_then(Value::as_str))
            .or_else(|| v.get("message").and_then(Value::as_str))
            .or_else(|| v.get("detail").and_then(Value::as_str));
        if let Some(msg) = msg {
            return excerpt(msg, 1000);
        }
    }
    body_excerpt(body)
}

/// A short excerpt of a body for an error message: at most 200 characters of its first 4 KiB,
/// control characters dropped, never cut inside a character; `(empty body)` when empty.
pub fn body_excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let cleaned: String = text.chars().filter(|c| !c.is_control()).collect();
    let short = excerpt(cleaned.trim(), 200);
    if short.is_empty() {
        "(empty body)".into()
    } else {
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_messages_are_read_defensively() {
        for (body, want) in [
            (&br#"{"error":{"message":"Bad token"}}"#[..], "Bad token"),
            (br#"{"error":{"msg":"Unauthorized."}}"#, "Unauthorized."),
            (br#"{"message":"Unauthorized"}"#, "Unauthorized"),
            (br#"{"detail":"Not found."}"#, "Not found."),
            (br#"{"error":"boom"}"#, "boom"),
            (b"", "(empty body)"),
            (b"  \n ", "(empty body)"),
        ] {
            assert_eq!(default_error_message(body), want);
        }
        assert!(
            default_error_message(b"<html><body>Not Found</body></html>").starts_with("<html>")
        );
        // Excerpts of multi-byte text are cut between characters.
        let body = "ü".repeat(300);
        assert_eq!(default_error_message(body.as_bytes()).chars().count(), 201);
    }

    #[test]
    fn html_answers_are_recognised() {
        let answer = |content_type, body| Answer {
            status: 200,
            path: "/",
            content_type,
            body,
        };
        assert!(answer(Some("text/html; charset=utf-8"), b"{}").is_html());
        assert!(answer(None, b"  \n<!doctype html>").is_html());
        assert!(!answer(Some("application/json"), b"{\"a\":1}").is_html());
    }
}
