//! # books-connector
//!
//! The toolkit's example: a connector for a small invented REST API of a library (the "Books
//! API": books and authors), written the way a second connector is written on
//! [`connector_http`]: a [`config`], a [`dialect`], its [`objects`] as declarations, and this
//! file, which binds them to one paced client per account. The `fake` feature adds the `fake`
//! module, a tiny Books API to run it against (and the binary's `--fake` flag).
//!
//! ```no_run
//! use connector_sdk::{ConnectorExt, DefinitionExt, ReadRequest};
//! use futures::StreamExt;
//! # async fn demo() -> connector_sdk::Result<()> {
//! let connector = books_connector::BooksDefinition::new().connect(&serde_json::json!({
//!     "base_url": "https://books.example.com/libraries/acme",
//!     "auth": {"type": "bearer", "token": "..."}
//! }))?;
//! connector.check().await?;
//! let mut books = connector.read_stream("books", ReadRequest::incremental(None))?;
//! while let Some(message) = books.next().await {
//!     let _message = message?; // records, and a state checkpoint after every page
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod config;
pub mod dialect;
#[cfg(feature = "fake")]
pub mod fake;
pub mod objects;

use std::sync::{Arc, OnceLock};

use connector_http::{AccountOptions, Catalog, Client, SharedHttp};
use connector_sdk::{
    ActionDescriptor, AuthKind, AuthScheme, ChangeDetection, Connector, ConnectorSpec, Definition,
    PollingMode, RateLimit, RateLimitScope, Result, StreamDescriptor, ValidConfig,
};

pub use config::BooksConfig;
pub use dialect::BooksDialect;

/// The header the Books API reports its bucket in, as `used/limit`.
pub const USAGE_HEADER: &str = "X-RateLimit-Used";

/// The declared rate limit: a leaky bucket of 20 requests per 2 s per token.
pub fn rate_limit() -> RateLimit {
    RateLimit {
        auth_scheme: Some(AuthScheme::Bearer),
        requests: 20,
        window_ms: 2_000,
        scope: RateLimitScope::Credentials,
        usage_header: Some(USAGE_HEADER.into()),
        retry_after_header: Some("Retry-After".into()),
        note: "A leaky bucket of 20 requests per 2 s per token; 429 with Retry-After beyond it."
            .into(),
    }
}

/// The declarations and the spec, built once per process.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::new(objects::streams(), objects::actions(), spec))
}

fn spec(streams: Vec<StreamDescriptor>, actions: Vec<ActionDescriptor>) -> ConnectorSpec {
    ConnectorSpec {
        name: "books".into(),
        title: "Books API".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        documentation_url:
            "https://github.com/connector-toolkit/gorgias/tree/main/examples/books-connector"
                .into(),
        config_schema: connector_sdk::schema::schema_for::<BooksConfig>(),
        auth_kinds: vec![AuthKind {
            scheme: AuthScheme::Bearer,
            config_type: "bearer".into(),
            title: "Bearer token".into(),
            description: "A token from the library's settings.".into(),
            secret_fields: vec!["auth.token".into()],
        }],
        polling: PollingMode {
            kind: ChangeDetection::Polled,
            recommended_interval_secs: 600,
            note: "The Books API has no change feed: poll. An incremental sync costs one request per page of changes per stream.".into(),
        },
        rate_limits: vec![rate_limit()],
        supports_two_way_sync: false,
        supports_events: false,
        streams,
        actions,
    }
}

/// The Books API connector definition: its spec, and a factory of per-library connectors that
/// share one HTTP client (connection pools, TLS).
#[derive(Debug)]
pub struct BooksDefinition {
    http: SharedHttp,
}

impl Default for BooksDefinition {
    fn default() -> Self {
        Self::new()
    }
}

impl BooksDefinition {
    /// The definition.
    pub fn new() -> Self {
        BooksDefinition {
            http: SharedHttp::new(concat!("books-connector/", env!("CARGO_PKG_VERSION"))),
        }
    }
}

impl Definition for BooksDefinition {
    fn spec(&self) -> &ConnectorSpec {
        catalog().spec()
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        let config = config.parse::<BooksConfig>()?.resolve()?;
        let catalog = catalog();
        let dialect = Arc::new(BooksDialect::new(config.base_url.as_str()));
        let limit = catalog.spec().rate_limit_for(AuthScheme::Bearer).cloned();
        let client = Client::builder(
            self.http.get()?,
            config.base_url,
            dialect,
            config.credentials,
        )
        .rate_limit(limit)
        .build()?;
        let client = Arc::new(client);
        Ok(Box::new(catalog.connect(
            client,
            AccountOptions {
                check_path: "/v1/library",
                page_size: config.page_size,
                start_date: config.start_date,
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::validate::compile;

    #[test]
    fn every_declared_schema_compiles() {
        let spec = super::catalog().spec();
        compile(&spec.config_schema).expect("config schema");
        for s in &spec.streams {
            compile(&s.schema).unwrap_or_else(|e| panic!("stream {}: {e}", s.name));
        }
        for a in &spec.actions {
            compile(&a.input_schema).unwrap_or_else(|e| panic!("{} input: {e}", a.name));
            compile(&a.output_schema).unwrap_or_else(|e| panic!("{} output: {e}", a.name));
        }
    }
}
