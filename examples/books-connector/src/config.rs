//! What a user fills in: where the library's API is, a bearer token, and two knobs.

use connector_http::Credentials;
use connector_sdk::Error;
use connector_sdk::cursor::parse_datetime;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// # Books API connection
/// How to reach one library's Books API.
// Field doc comments are end-user text (schemars makes them titles and descriptions).
#[allow(rustdoc::bare_urls)]
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BooksConfig {
    /// # API address
    /// The library's API root, e.g. https://books.example.com/libraries/acme. It must use
    /// https unless it is a loopback address (a local fake).
    #[schemars(length(min = 1, max = 2000), example = &"https://books.example.com/libraries/acme", extend("order" = 0))]
    pub base_url: String,
    /// # Authentication
    /// A bearer token issued by the library.
    #[schemars(extend("order" = 1))]
    pub auth: Auth,
    /// # Page size
    /// Records per request (at most 100; 50 when left out).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100), extend("order" = 2))]
    pub page_size: Option<u32>,
    /// # Start date
    /// Only records created or changed on or after this date are read on the first sync. A
    /// date (2024-01-31) or a date and time (2024-01-31T00:00:00Z); leave empty to read all.
    #[serde(default)]
    #[schemars(
        regex(pattern = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"),
        example = &"2024-01-31T00:00:00Z",
        extend("order" = 3, "pattern_descriptor" = "YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
    )]
    pub start_date: Option<String>,
}

/// How the connector authenticates (one branch per method; the Books API has one).
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
#[schemars(extend("discriminator" = {"propertyName": "type"}))]
pub enum Auth {
    /// # Bearer token
    /// A token from the library's settings, sent as `Authorization: Bearer <token>`.
    #[serde(rename = "bearer")]
    Bearer {
        /// # Token
        /// The API token.
        #[schemars(with = "String", length(min = 1), extend("writeOnly" = true, "airbyte_secret" = true))]
        token: SecretString,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Bearer { token: [redacted] }")
    }
}

impl std::fmt::Debug for BooksConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BooksConfig")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field("page_size", &self.page_size)
            .field("start_date", &self.start_date)
            .finish()
    }
}

/// A config after the rules the schema cannot express.
#[derive(Debug)]
pub struct Resolved {
    /// The API root, ending in `/` (so request paths join below it).
    pub base_url: url::Url,
    /// The `Authorization` header (marked sensitive) and the redactor of the token.
    pub credentials: Credentials,
    /// Records per request.
    pub page_size: u32,
    /// The first-sync lower bound.
    pub start_date: Option<chrono::DateTime<chrono::Utc>>,
}

impl BooksConfig {
    /// Checks what the schema cannot: a usable http(s) address, a sendable token, the page size
    /// and start date. (https unless loopback is the client's rule, checked when it is built.)
    pub fn resolve(self) -> Result<Resolved, Error> {
        let refuse = |why: &str| Error::invalid_config("base_url", why.to_string());
        let mut base_url =
            url::Url::parse(self.base_url.trim()).map_err(|_| refuse("is not a URL"))?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(refuse("must be an http(s) address"));
        }
        if !base_url.username().is_empty() || base_url.password().is_some() {
            return Err(refuse("must not contain user information"));
        }
        if base_url.query().is_some() || base_url.fragment().is_some() {
            return Err(refuse("must not have a query or fragment"));
        }
        if !base_url.path().ends_with('/') {
            base_url.set_path(&format!("{}/", base_url.path()));
        }
        let Auth::Bearer { token } = &self.auth;
        let token = token.expose_secret();
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::invalid_config(
                "auth.token",
                "contains spaces or control characters; paste the token again without them",
            ));
        }
        let credentials = Credentials::bearer(token, "auth.token")?;
        let page_size = self.page_size.unwrap_or(50);
        if !(1..=100).contains(&page_size) {
            return Err(Error::invalid_config(
                "page_size",
                "must be between 1 and 100",
            ));
        }
        let start_date = match self.start_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(parse_datetime(s).ok_or_else(|| {
                Error::invalid_config("start_date", "must be a date like 2024-01-31")
            })?),
        };
        Ok(Resolved {
            base_url,
            credentials,
            page_size,
            start_date,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(base_url: &str) -> Result<Resolved, Error> {
        let config =
            serde_json::json!({"base_url": base_url, "auth": {"type": "bearer", "token": "t0k"}});
        serde_json::from_value::<BooksConfig>(config)
            .expect("parses")
            .resolve()
    }

    #[test]
    fn base_urls_are_normalised_or_refused() {
        let ok = resolve("https://books.example.com/libraries/acme").unwrap();
        assert_eq!(
            ok.base_url.as_str(),
            "https://books.example.com/libraries/acme/"
        );
        for bad in [
            "not a url",
            "ftp://x.test",
            "https://u:p@x.test",
            "https://x.test/?a=1",
        ] {
            let e = resolve(bad).expect_err(bad).to_string();
            assert!(e.starts_with("invalid config: base_url:"), "{e}");
        }
        let debug = format!("{:?}", resolve("http://127.0.0.1:1").unwrap());
        assert!(!debug.contains("t0k"), "{debug}");
    }
}
