//! The Books API's conventions, as the toolkit's [`Dialect`]:
//!
//! * a list page is `{"items": [..], "next": "<opaque token>" | null}`, and the next page is
//!   asked for with `page_token=<token>` (not the toolkit's default `cursor=`);
//! * an error is `{"error": {"code": "...", "message": "..."}}`: the message names its code;
//! * 404 with code `no_such_library` means the configured address is not a library at all
//!   (rather than "no such book"): [`Error::NotFound`] naming the base URL.

use connector_http::dialect::{Answer, Dialect, body_excerpt};
use connector_http::page::ParsedPage;
use connector_sdk::Error;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The Books API for one library (its base URL names it in messages).
#[derive(Debug, Clone)]
pub struct BooksDialect {
    base_url: String,
}

impl BooksDialect {
    /// The dialect for the library at `base_url`.
    pub fn new(base_url: impl Into<String>) -> Self {
        BooksDialect {
            base_url: base_url.into(),
        }
    }
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    #[serde(default)]
    message: String,
}

fn error_of(body: &[u8]) -> Option<ErrorDetail> {
    serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .map(|b| b.error)
}

impl Dialect for BooksDialect {
    fn service(&self) -> &str {
        "Books API"
    }

    fn error_message(&self, body: &[u8]) -> String {
        match error_of(body) {
            Some(e) => format!("{} ({})", e.message, e.code),
            None => body_excerpt(body),
        }
    }

    fn parse_page<'a>(&self, body: &'a [u8]) -> Result<ParsedPage<'a>, Error> {
        let page: Page<'a> = serde_json::from_slice(body).map_err(|e| {
            Error::invalid_response("a Books API page {items, next}", e.to_string())
        })?;
        Ok(ParsedPage {
            records: page.items,
            next_cursor: page.next.filter(|n| !n.is_empty()),
        })
    }

    fn cursor_params(&self, cursor: &str) -> Vec<(String, String)> {
        vec![("page_token".into(), cursor.into())]
    }

    fn status_error(&self, answer: &Answer<'_>) -> Option<Error> {
        let code = error_of(answer.body).map(|e| e.code);
        (answer.status == 404 && code.as_deref() == Some("no_such_library")).then(|| {
            Error::NotFound {
                what: format!("Books API library at {}", self.base_url),
                message: format!(
                    "{} serves no library; check base_url in the config",
                    self.base_url
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_errors_and_the_library_404() {
        let d = BooksDialect::new("https://books.example.com/x/");
        let p = d
            .parse_page(br#"{"items":[{"id":1},{"id":2}],"next":"b2Zmc2V0PTI"}"#)
            .unwrap();
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.next_cursor.as_deref(), Some("b2Zmc2V0PTI"));
        assert!(
            d.parse_page(br#"{"items":[],"next":null}"#)
                .unwrap()
                .next_cursor
                .is_none()
        );
        assert!(d.parse_page(br#"{"data":[]}"#).is_err());
        let body = br#"{"error":{"code":"no_such_book","message":"No book 9."}}"#;
        assert_eq!(d.error_message(body), "No book 9. (no_such_book)");
        let answer = |body: &'static [u8]| Answer {
            status: 404,
            path: "/v1/books",
            content_type: Some("application/json"),
            body,
        };
        assert!(d.status_error(&answer(body)).is_none());
        let lib = br#"{"error":{"code":"no_such_library","message":"?"}}"#;
        let e = d.status_error(&answer(lib)).unwrap().to_string();
        assert!(e.contains("https://books.example.com/x/"), "{e}");
    }
}
