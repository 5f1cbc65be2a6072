//! Pieces of the toolkit's own tests: a dialect whose pages are `{"data": [..], "next_cursor":
//! ..}`, and a plain rate limit.

use connector_sdk::{Error, RateLimit, RateLimitScope};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::dialect::Dialect;
use crate::page::ParsedPage;

/// The test dialect.
#[derive(Debug)]
pub struct JsonDialect;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
    #[serde(default)]
    next_cursor: Option<String>,
}

impl Dialect for JsonDialect {
    fn service(&self) -> &str {
        "Test"
    }

    fn parse_page<'a>(&self, body: &'a [u8]) -> Result<ParsedPage<'a>, Error> {
        let env: Envelope<'a> = serde_json::from_slice(body)
            .map_err(|e| Error::invalid_response("a JSON list page", e.to_string()))?;
        Ok(ParsedPage {
            records: env.data,
            next_cursor: env.next_cursor,
        })
    }
}

/// A rate limit of `requests` per `window_ms`, without headers.
pub fn limit(requests: u32, window_ms: u64) -> RateLimit {
    RateLimit {
        auth_scheme: None,
        requests,
        window_ms,
        scope: RateLimitScope::Account,
        usage_header: None,
        retry_after_header: None,
        note: String::new(),
    }
}
