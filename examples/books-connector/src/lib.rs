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

use async_trait::async_trait;
use connector_http::{Client, RetryOptions, action, list};
use connector_sdk::{
    Action, ActionDescriptor, AuthKind, AuthScheme, ChangeDetection, Connector, ConnectorSpec,
    Definition, PollingMode, RateLimit, RateLimitScope, Result, Stream, StreamDescriptor,
    ValidConfig,
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
struct Catalog {
    streams: Vec<(Arc<StreamDescriptor>, Arc<list::StreamDecl>)>,
    actions: Vec<(Arc<ActionDescriptor>, Arc<action::ActionDecl>)>,
    spec: ConnectorSpec,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let streams: Vec<_> = objects::streams()
            .into_iter()
            .map(|d| (Arc::new(d.descriptor()), Arc::new(d)))
            .collect();
        let actions: Vec<_> = objects::actions()
            .into_iter()
            .map(|d| (Arc::new(d.descriptor()), Arc::new(d)))
            .collect();
        let spec = ConnectorSpec {
            name: "books".into(),
            title: "Books API".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            documentation_url: "https://github.com/connector-toolkit/gorgias/tree/main/examples/books-connector".into(),
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
            streams: streams.iter().map(|(d, _)| (**d).clone()).collect(),
            actions: actions.iter().map(|(d, _)| (**d).clone()).collect(),
        };
        Catalog {
            streams,
            actions,
            spec,
        }
    })
}

/// The Books API connector definition: its spec, and a factory of per-library connectors that
/// share one HTTP client (connection pools, TLS).
#[derive(Debug, Default)]
pub struct BooksDefinition {
    http: OnceLock<reqwest::Client>,
}

impl BooksDefinition {
    /// The definition with production client options.
    pub fn new() -> Self {
        Self::default()
    }

    fn http(&self) -> Result<reqwest::Client> {
        if let Some(c) = self.http.get() {
            return Ok(c.clone());
        }
        let built = Client::shared_http(concat!("books-connector/", env!("CARGO_PKG_VERSION")))?;
        Ok(self.http.get_or_init(|| built).clone())
    }
}

impl Definition for BooksDefinition {
    fn spec(&self) -> &ConnectorSpec {
        &catalog().spec
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        let config = config.parse::<BooksConfig>()?.resolve()?;
        let catalog = catalog();
        let dialect = Arc::new(BooksDialect::new(config.base_url.as_str()));
        let client = Client::new(
            self.http()?,
            config.base_url,
            dialect,
            config.header,
            std::time::Duration::from_secs(30),
            catalog.spec.rate_limit_for(AuthScheme::Bearer),
            RetryOptions::default(),
        )?;
        let client = Arc::new(client.with_redactor(config.redactor));
        let streams = catalog
            .streams
            .iter()
            .map(|(d, decl)| {
                let (page_size, start) = (config.page_size, config.start_date);
                let s = list::ListStream::new(
                    decl.clone(),
                    d.clone(),
                    client.clone(),
                    page_size,
                    start,
                );
                Arc::new(s) as Arc<dyn Stream>
            })
            .collect();
        let actions = catalog
            .actions
            .iter()
            .map(|(d, decl)| {
                Arc::new(action::HttpAction::new(
                    decl.clone(),
                    d.clone(),
                    client.clone(),
                )) as Arc<dyn Action>
            })
            .collect();
        Ok(Box::new(BooksConnector {
            client,
            streams,
            actions,
        }))
    }
}

/// The connector for one library.
pub struct BooksConnector {
    client: Arc<Client>,
    streams: Vec<Arc<dyn Stream>>,
    actions: Vec<Arc<dyn Action>>,
}

impl std::fmt::Debug for BooksConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BooksConnector")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Connector for BooksConnector {
    fn spec(&self) -> &ConnectorSpec {
        &catalog().spec
    }

    async fn check(&self) -> Result<()> {
        self.client.check("/v1/library").await.map(|_| ())
    }

    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        self.streams.clone()
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        self.actions.clone()
    }
}

#[cfg(test)]
mod tests {
    use connector_sdk::validate::compile;

    #[test]
    fn every_declared_schema_compiles() {
        let spec = &super::catalog().spec;
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
