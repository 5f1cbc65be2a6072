//! # gorgias-connector
//!
//! Every object the Gorgias REST API exposes, as polled streams and actions on the
//! [`connector_sdk`] contract, over one paced, retrying HTTP client per account.
//!
//! ```no_run
//! use connector_sdk::{ConnectorExt, DefinitionExt, ReadRequest};
//! use futures::StreamExt;
//! # async fn demo() -> connector_sdk::Result<()> {
//! let definition = gorgias_connector::GorgiasDefinition::new();
//! let connector = definition.connect(&serde_json::json!({
//!     "subdomain": "acme",
//!     "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "..."}
//! }))?;
//! connector.check().await?;
//! let mut tickets = connector.read_stream("tickets", ReadRequest::incremental(None))?;
//! while let Some(message) = tickets.next().await {
//!     let _message = message?; // records, then a state checkpoint after every page
//! }
//! # Ok(()) }
//! ```
//!
//! Layout: [`config`] (what a user fills in), [`oauth`] (the OAuth2 consent flow for a
//! Gorgias app; the `oauth2` auth kind refreshes its tokens itself), [`dialect`] (Gorgias's error bodies, envelopes
//! and special statuses, for the `connector-http` toolkit, which does the pacing, retries, list
//! walks and actions), [`objects`] (one module per Gorgias object: its record schema, stream
//! and actions, as declarations), [`schema`] (Gorgias's schema pieces).
#![deny(missing_docs)]

pub mod config;
pub mod dialect;
pub mod oauth;
pub mod objects;
mod options;
#[cfg(feature = "sandbox")]
pub mod sandbox_preset;
pub mod schema;

use std::sync::{Arc, OnceLock};

use connector_sdk::{
    ActionDescriptor, AuthKind, AuthScheme, ChangeDetection, ConfigSink, Connector, ConnectorSpec,
    Definition, PollingMode, RateLimit, RateLimitScope, Result, StreamDescriptor, ValidConfig,
};

pub use config::GorgiasConfig;
#[cfg(feature = "testing")]
pub use connector_http::RetryOptions;
use connector_http::{AccountOptions, Catalog, SharedHttp};
pub use connector_http::{ClientStats, HttpConnector};
pub use dialect::GorgiasDialect;
#[cfg(feature = "testing")]
pub use options::{ClientOptions, Pacing};
#[cfg(not(feature = "testing"))]
use options::{ClientOptions, Pacing};

/// The usage header Gorgias sends on every response (`used/limit`).
pub const USAGE_HEADER: &str = "X-Gorgias-Account-Api-Call-Limit";
/// The header Gorgias sends with 429 (seconds to wait).
pub const RETRY_AFTER_HEADER: &str = "Retry-after";

/// The environment variable that overrides the pacing of [`GorgiasDefinition::new`] (and so of
/// the binary): `declared` (the default), `off`, or a window such as `10s` or `2000ms` over
/// which the declared request counts are spread (Enterprise accounts have a 10 s window).
pub const PACING_ENV: &str = "GORGIAS_PACING";

/// The Gorgias connector definition: its spec, and a factory of per-account connectors.
///
/// The spec and the object declarations are built once per process; the HTTP client (TLS
/// configuration, connection pools) is built once per definition and shared by every account's
/// connector, each of which keeps its own credentials, pacer and retry state.
#[derive(Debug)]
pub struct GorgiasDefinition {
    options: ClientOptions,
    http: SharedHttp,
}

/// The object declarations with their descriptors and the spec, built once per process.
fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        Catalog::with_composites(
            objects::streams(),
            objects::actions(),
            objects::composites(),
            spec,
        )
    })
}

impl Default for GorgiasDefinition {
    fn default() -> Self {
        Self::new()
    }
}

/// The declared rate limits: 40 per 20 s with an API key, 80 per 20 s with OAuth2, per account.
pub fn rate_limits() -> Vec<RateLimit> {
    let limit = |scheme, requests, note: &str| RateLimit {
        auth_scheme: Some(scheme),
        requests,
        window_ms: 20_000,
        scope: RateLimitScope::Account,
        usage_header: Some(USAGE_HEADER.into()),
        retry_after_header: Some(RETRY_AFTER_HEADER.into()),
        note: note.into(),
    };
    vec![
        limit(
            AuthScheme::Basic,
            40,
            "API-key integrations: a leaky bucket of 40 requests per 20 s per account (Enterprise accounts: the same count per 10 s).",
        ),
        limit(
            AuthScheme::Bearer,
            80,
            "OAuth2 apps (a bearer access token, or the oauth2 kind's refreshed ones; its token requests are paced within the same budget): a leaky bucket of 80 requests per 20 s per account (Enterprise accounts: the same count per 10 s).",
        ),
    ]
}

impl GorgiasDefinition {
    /// The definition with production client options: the declared pacing (over the config's
    /// `rate_limit_window_secs`) unless [`PACING_ENV`] says otherwise, default retries.
    pub fn new() -> Self {
        Self::with_client_options(ClientOptions::from_env())
    }

    /// The definition with other client options (tests and benchmarks: the `testing` feature).
    #[cfg(feature = "testing")]
    pub fn with_options(options: ClientOptions) -> Self {
        Self::with_client_options(options)
    }

    /// The definition with other client options.
    pub(crate) fn with_client_options(options: ClientOptions) -> Self {
        GorgiasDefinition {
            options,
            http: SharedHttp::new(concat!("gorgias-connector/", env!("CARGO_PKG_VERSION"))),
        }
    }
}

/// The spec, from the stream and action descriptors.
fn spec(streams: Vec<StreamDescriptor>, actions: Vec<ActionDescriptor>) -> ConnectorSpec {
    ConnectorSpec {
        name: "gorgias".into(),
        title: "Gorgias".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        documentation_url: "https://developers.gorgias.com/reference/introduction".into(),
        config_schema: connector_sdk::schema::schema_for::<GorgiasConfig>(),
        auth_kinds: vec![
            AuthKind {
                scheme: AuthScheme::Basic,
                config_type: "basic".into(),
                title: "API key (HTTP Basic)".into(),
                description: "The key owner's email and a REST API key, as Gorgias's REST reference documents.".into(),
                secret_fields: vec!["auth.api_key".into()],
            },
            AuthKind {
                scheme: AuthScheme::Bearer,
                config_type: "bearer".into(),
                title: "Access token (Bearer)".into(),
                description: "An OAuth2 access token of a Gorgias app (or an API key sent as a bearer token).".into(),
                secret_fields: vec!["auth.token".into()],
            },
            AuthKind {
                scheme: AuthScheme::Bearer,
                config_type: "oauth2".into(),
                title: "OAuth2 app (refreshing tokens)".into(),
                description: "A Gorgias OAuth2 app's client id and secret with the refresh token of its consent (offline scope): the connector gets and refreshes access tokens at the account's /oauth/token before they expire, and hands a rotated refresh token to the host as an updated config.".into(),
                secret_fields: vec![
                    "auth.client_secret".into(),
                    "auth.refresh_token".into(),
                    "auth.access_token".into(),
                ],
            },
        ],
        polling: PollingMode {
            kind: ChangeDetection::Polled,
            recommended_interval_secs: 900,
            note: "Gorgias has no change feed for connectors: poll. An incremental sync costs about one request per 100 changed records per stream plus one, so every 15 minutes fits the 40-per-20-s budget of busy accounts.".into(),
        },
        rate_limits: rate_limits(),
        supports_two_way_sync: false,
        supports_events: false,
        streams,
        actions,
    }
}

impl Definition for GorgiasDefinition {
    fn spec(&self) -> &ConnectorSpec {
        catalog().spec()
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        self.build_with_updates(config, ConfigSink::none())
    }

    /// Builds the account's connector; with the `oauth2` auth kind, a rotated refresh token is
    /// handed to `updates` (the whole config, updated) before the new tokens are used.
    fn build_with_updates(
        &self,
        config: ValidConfig,
        updates: ConfigSink,
    ) -> Result<Box<dyn Connector>> {
        let document = config.value().clone();
        let config: GorgiasConfig = config.parse()?;
        let resolved = config.resolve()?;
        let scheme = resolved.auth.scheme();
        let catalog = catalog();
        let declared = catalog.spec().rate_limit_for(scheme).cloned();
        // The account's window (20 s, 10 s on Enterprise plans, less for a sandbox), unless a
        // test overrides the pacing.
        let window = match &self.options.pacing {
            Pacing::Declared => Some(resolved.window),
            Pacing::Window(w) => Some(*w),
            Pacing::Off => None,
        };
        let limit = match (window, declared) {
            (Some(w), Some(mut d)) => {
                d.window_ms = u64::try_from(w.as_millis()).unwrap_or(u64::MAX);
                Some(d)
            }
            (None, _) | (_, None) => None,
        };
        let credentials = resolved.auth.credentials(&document, updates)?;
        let dialect = Arc::new(GorgiasDialect::new(resolved.subdomain.clone()));
        let client = connector_http::Client::builder(
            self.http.get()?,
            resolved.base_url.clone(),
            dialect,
            credentials,
        )
        .timeout(resolved.timeout)
        .rate_limit(limit)
        .retry(self.options.retry.clone())
        .build()?;
        let client = Arc::new(client);
        Ok(Box::new(catalog.connect(
            client,
            AccountOptions {
                check_path: "/api/account",
                page_size: resolved.page_size,
                start_date: resolved.start_date,
            },
        )))
    }
}
