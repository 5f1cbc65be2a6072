//! A dialect for the toolkit's own tests: pages are `{"data": [..], "next_cursor": ..}` or a
//! bare array.

use connector_sdk::Error;
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
