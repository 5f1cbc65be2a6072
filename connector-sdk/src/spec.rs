//! Descriptors: what a connector declares about itself, as plain serialisable data.
//!
//! What a connector declares is what runs: the declared rate limit configures its pacer, the
//! declared schemas are what config, action inputs and records are validated against, the
//! declared sync modes decide what a host may ask for. The conformance suite gates its checks on
//! these declarations, the way OpenDAL gates behaviour tests on `Capability`.

use std::sync::{Arc, OnceLock};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything a host needs to know about a connector before it has a config.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ConnectorSpec {
    /// Machine name, snake_case, e.g. `gorgias`.
    pub name: String,
    /// Human name, e.g. `Gorgias`.
    pub title: String,
    /// The connector's version (semver).
    pub version: String,
    /// Where a user reads how to configure it.
    pub documentation_url: String,
    /// JSON Schema (draft 2020-12) of the config document.
    pub config_schema: Value,
    /// The ways of authenticating that the config accepts.
    pub auth_kinds: Vec<AuthKind>,
    /// How changes are discovered.
    pub polling: PollingMode,
    /// The service's request budgets, one per auth scheme where they differ.
    pub rate_limits: Vec<RateLimit>,
    /// Whether the connector writes changes back to mirror another system (never, here).
    pub supports_two_way_sync: bool,
    /// Whether the connector can receive pushed events (webhooks).
    pub supports_events: bool,
    /// Every stream the connector can read.
    pub streams: Vec<StreamDescriptor>,
    /// Every action the connector can run.
    pub actions: Vec<ActionDescriptor>,
}

impl ConnectorSpec {
    /// The stream called `name`, if declared.
    pub fn stream(&self, name: &str) -> Option<&StreamDescriptor> {
        self.streams.iter().find(|s| s.name == name)
    }

    /// Every OAuth scope a stream or an action declares, sorted and without repeats: what a
    /// consent flow asks for to use the whole connector.
    pub fn scopes(&self) -> Vec<String> {
        let all: std::collections::BTreeSet<&String> = self
            .streams
            .iter()
            .flat_map(|s| &s.scopes)
            .chain(self.actions.iter().flat_map(|a| &a.scopes))
            .collect();
        all.into_iter().cloned().collect()
    }

    /// The action called `name`, if declared.
    pub fn action(&self, name: &str) -> Option<&ActionDescriptor> {
        self.actions.iter().find(|a| a.name == name)
    }

    /// The rate limit that applies to requests made with `scheme`: the one declared for that
    /// scheme, else one declared for any scheme.
    pub fn rate_limit_for(&self, scheme: AuthScheme) -> Option<&RateLimit> {
        self.rate_limits
            .iter()
            .find(|r| r.auth_scheme == Some(scheme))
            .or_else(|| self.rate_limits.iter().find(|r| r.auth_scheme.is_none()))
    }
}

/// The HTTP authentication scheme an auth kind uses on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthScheme {
    /// `Authorization: Basic base64(username:password)`.
    Basic,
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// A key in a custom header.
    ApiKeyHeader,
    /// No authentication.
    None,
}

/// One way of authenticating that the config accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuthKind {
    /// The wire scheme.
    pub scheme: AuthScheme,
    /// The value of the config's discriminator (`auth.type`) that selects this kind.
    pub config_type: String,
    /// Human title, e.g. `API key (HTTP Basic)`.
    pub title: String,
    /// When to use it.
    pub description: String,
    /// The config paths (dotted) holding its secrets; each must be marked secret in the schema.
    pub secret_fields: Vec<String>,
}

/// How the connector learns about changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PollingMode {
    /// How changes are discovered.
    pub kind: ChangeDetection,
    /// The interval a host should poll at, in seconds.
    pub recommended_interval_secs: u64,
    /// Why that interval (e.g. what fits the rate budget).
    pub note: String,
}

/// How changes are discovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeDetection {
    /// The host calls `read` on a schedule with the saved state.
    Polled,
    /// The service pushes events to the host.
    Pushed,
}

/// Who shares a request budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RateLimitScope {
    /// Every client of one account shares it.
    Account,
    /// Each set of credentials has its own.
    Credentials,
    /// One budget for everything.
    Global,
}

/// A request budget the service enforces, e.g. 40 requests per 20 s per account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RateLimit {
    /// The scheme this limit applies to; `None` means every scheme.
    pub auth_scheme: Option<AuthScheme>,
    /// Requests allowed per window (also the burst: a leaky bucket of this capacity).
    pub requests: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
    /// Who shares the budget.
    pub scope: RateLimitScope,
    /// The response header that reports usage as `used/limit`, if any.
    pub usage_header: Option<String>,
    /// The response header that says how many seconds to wait after a 429, if any.
    pub retry_after_header: Option<String>,
    /// Free text: where the figure comes from, what differs by plan.
    pub note: String,
}

impl RateLimit {
    /// The window as a [`std::time::Duration`].
    pub fn window(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.window_ms)
    }
}

/// A sync mode, as the Airbyte protocol names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Read everything every time.
    FullRefresh,
    /// Read what changed since the saved state.
    Incremental,
}

/// How a stream finds what changed since its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncrementalStrategy {
    /// The service filters by the cursor (e.g. `created_datetime[gte]=`): only new pages are read.
    ServerFilter,
    /// The service orders newest first by the cursor; reading stops at the first older record.
    SortedFeed,
    /// The service can neither filter nor order by the cursor: every page is read and records
    /// not newer than the state are dropped on the client. Costs a full read, emits only changes.
    ClientFilter,
}

/// How incremental reads work for one stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Incremental {
    /// The strategy.
    pub strategy: IncrementalStrategy,
    /// Seconds re-read before the saved cursor, to catch late writes (records may repeat).
    pub lookback_secs: u64,
    /// Whether changes to existing records are seen (false when the cursor is a creation date).
    pub captures_updates: bool,
    /// What a user should know, e.g. "score changes after creation are not captured".
    pub note: String,
    /// The field that stands in for the cursor on records whose cursor is null (a Gorgias macro
    /// never edited has `updated_datetime: null`; its `created_datetime` is its last change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_fallback: Option<String>,
}

/// One readable stream.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StreamDescriptor {
    /// Machine name, snake_case, unique in the connector.
    pub name: String,
    /// What the records are.
    pub description: String,
    /// JSON Schema (draft 2020-12) every record satisfies.
    pub schema: Value,
    /// The top-level fields whose values identify a record.
    pub primary_key: Vec<String>,
    /// The top-level field incremental reads track, if any.
    pub cursor_field: Option<String>,
    /// The sync modes a host may ask for.
    pub sync_modes: Vec<SyncMode>,
    /// How incremental works, when [`SyncMode::Incremental`] is supported.
    pub incremental: Option<Incremental>,
    /// Set when the stream may legitimately be empty on a test backend, with the reason.
    pub may_be_empty: Option<String>,
    /// The OAuth scopes a token needs to read it (all of them), e.g. `tickets:read`; empty for
    /// a connector without scoped auth.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) validator: ValidatorCell,
}

impl StreamDescriptor {
    /// A full-refresh-only stream; add incremental with [`StreamDescriptor::incremental`].
    pub fn new(
        name: impl Into<String>,
        description: impl Into<String>,
        schema: Value,
        primary_key: &[&str],
    ) -> Self {
        StreamDescriptor {
            name: name.into(),
            description: description.into(),
            schema,
            primary_key: primary_key.iter().map(|s| s.to_string()).collect(),
            cursor_field: None,
            sync_modes: vec![SyncMode::FullRefresh],
            incremental: None,
            may_be_empty: None,
            scopes: Vec::new(),
            validator: ValidatorCell::default(),
        }
    }

    /// Declares a cursor field without incremental support (informational).
    pub fn cursor(mut self, field: impl Into<String>) -> Self {
        self.cursor_field = Some(field.into());
        self
    }

    /// Declares incremental support on `cursor_field`.
    pub fn incremental(
        mut self,
        cursor_field: impl Into<String>,
        incremental: Incremental,
    ) -> Self {
        self.cursor_field = Some(cursor_field.into());
        if !self.sync_modes.contains(&SyncMode::Incremental) {
            self.sync_modes.push(SyncMode::Incremental);
        }
        self.incremental = Some(incremental);
        self
    }

    /// Declares the OAuth scopes reading the stream needs.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the stream supports `mode`.
    pub fn supports(&self, mode: SyncMode) -> bool {
        self.sync_modes.contains(&mode)
    }

    /// The sync mode to use when a host does not say: incremental where supported.
    pub fn default_sync_mode(&self) -> SyncMode {
        if self.supports(SyncMode::Incremental) {
            SyncMode::Incremental
        } else {
            SyncMode::FullRefresh
        }
    }
}

/// What an action does to the service's data, so a host can ask before destructive calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionEffect {
    /// Reads only.
    Read,
    /// Creates new data.
    Create,
    /// Changes existing data.
    Update,
    /// Removes data (destructive).
    Delete,
}

impl ActionEffect {
    /// Whether the action can destroy or overwrite data.
    pub fn is_destructive(self) -> bool {
        matches!(self, ActionEffect::Delete)
    }
}

/// One action: a named operation with validated input and typed output.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ActionDescriptor {
    /// Machine name, snake_case, unique in the connector.
    pub name: String,
    /// Human title, e.g. `Create a ticket`.
    pub title: String,
    /// What it does, and its rules.
    pub description: String,
    /// What it does to the service's data.
    pub effect: ActionEffect,
    /// Whether running it twice with the same input has the same effect as once (then a client
    /// may retry it after a transport error).
    pub idempotent: bool,
    /// JSON Schema (draft 2020-12) of the input; inputs are validated before any request.
    pub input_schema: Value,
    /// JSON Schema (draft 2020-12) of the output.
    pub output_schema: Value,
    /// The OAuth scopes a token needs to run it (all of them), e.g. `tickets:write`; empty for
    /// a connector without scoped auth.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Whether the action reads or writes files on the machine it runs on (an upload from a
    /// local path, a download into `save_to`). Hosts that serve callers other than the
    /// machine's user (an MCP server handing tools to a model) leave such actions out.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub local_files: bool,
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) validator: ValidatorCell,
}

impl ActionDescriptor {
    /// Builds a descriptor; idempotency defaults to true for reads, updates and deletes.
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
        effect: ActionEffect,
        input_schema: Value,
        output_schema: Value,
    ) -> Self {
        ActionDescriptor {
            name: name.into(),
            title: title.into(),
            description: description.into(),
            effect,
            idempotent: effect != ActionEffect::Create,
            input_schema,
            output_schema,
            scopes: Vec::new(),
            local_files: false,
            validator: ValidatorCell::default(),
        }
    }

    /// Overrides the idempotency flag.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Declares that the action reads or writes local files (see [`ActionDescriptor::local_files`]).
    pub fn local_files(mut self, local_files: bool) -> Self {
        self.local_files = local_files;
        self
    }

    /// Declares the OAuth scopes the action needs.
    pub fn scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }
}

/// A lazily compiled JSON Schema validator, shared by clones of a descriptor.
#[derive(Clone, Default)]
pub(crate) struct ValidatorCell(pub(crate) Arc<OnceLock<Result<jsonschema::Validator, String>>>);

impl std::fmt::Debug for ValidatorCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ValidatorCell")
    }
}
