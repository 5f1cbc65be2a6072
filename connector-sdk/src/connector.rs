//! The three traits a connector implements, the definition that builds it, and the extension
//! traits hosts call.
//!
//! The traits are small and object safe so a host can hold connectors of different types side
//! by side (`Vec<Box<dyn Connector>>`); conveniences live in the blanket-implemented
//! [`ConnectorExt`], [`DefinitionExt`] and [`ActionExt`] (do not implement those).

use std::sync::Arc;

use async_trait::async_trait;
use futures::StreamExt as _;
use futures::stream::BoxStream;
use serde_json::Value;

use crate::control::ConfigSink;
use crate::error::{Error, Result};
use crate::message::Message;
use crate::spec::{ActionDescriptor, ConnectorSpec, StreamDescriptor, SyncMode};
use crate::validate::{ValidConfig, ValidInput};

/// Builds connectors: knows the spec without a config, and turns a checked config into a
/// [`Connector`]. One definition serves any number of accounts.
pub trait Definition: Send + Sync {
    /// The connector's spec. Needs no config and makes no request.
    fn spec(&self) -> &ConnectorSpec;

    /// Builds a connector from a config already checked against `spec().config_schema`.
    ///
    /// Rules: makes no request (use [`Connector::check`] for that); refuses values the schema
    /// cannot express (e.g. a base URL that is not loopback) with [`Error::InvalidConfig`].
    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>>;

    /// [`Definition::build`], with a sink for updated configs: a connector whose credentials
    /// change while it runs (a rotated OAuth2 refresh token) hands the whole updated config to
    /// `updates`, and waits for it to be stored, before it uses them (see [`crate::control`]).
    ///
    /// The default ignores the sink: a connector whose config never changes need not implement
    /// it. One that does makes `build` call it with [`ConfigSink::none`].
    fn build_with_updates(
        &self,
        config: ValidConfig,
        updates: ConfigSink,
    ) -> Result<Box<dyn Connector>> {
        let _ = updates;
        self.build(config)
    }
}

/// A connector configured for one account.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The spec (the same as the definition's).
    fn spec(&self) -> &ConnectorSpec;

    /// Verifies that the service is reachable and accepts the credentials, with one cheap
    /// request. Rules: bad credentials give [`Error::AuthRejected`]; never retries 4xx.
    async fn check(&self) -> Result<()>;

    /// Every stream, in the order of `spec().streams`.
    fn streams(&self) -> Vec<Arc<dyn Stream>>;

    /// Every action, in the order of `spec().actions`.
    fn actions(&self) -> Vec<Arc<dyn Action>>;
}

/// What a host asks of one read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadRequest {
    /// Full refresh ignores `state`; incremental resumes from it.
    pub sync_mode: SyncMode,
    /// The last state checkpoint this stream emitted, if any.
    pub state: Option<Value>,
}

impl ReadRequest {
    /// A full-refresh read.
    pub fn full_refresh() -> Self {
        ReadRequest {
            sync_mode: SyncMode::FullRefresh,
            state: None,
        }
    }

    /// An incremental read from `state` (`None`: from the start).
    pub fn incremental(state: Option<Value>) -> Self {
        ReadRequest {
            sync_mode: SyncMode::Incremental,
            state,
        }
    }
}

/// One readable stream of records.
pub trait Stream: Send + Sync {
    /// What the stream declares.
    fn descriptor(&self) -> &StreamDescriptor;

    /// Reads lazily, page by page: memory never grows with the number of records.
    ///
    /// State shape: a JSON object the stream defines and hands back unchanged; an incremental
    /// stream keeps its position under `"cursor"` (a datetime string or an integer), which is
    /// what hosts and the conformance suite compare. `{}` or a `null` cursor means "from the
    /// start". Other fields are the stream's own (Gorgias keeps where an unfinished walk
    /// stopped under `"resume"`); hosts store them and hand them back untouched.
    ///
    /// Rules: an empty account yields an empty stream, not an error; every record validates
    /// against `descriptor().schema`; a [`Message::State`] follows every page and is safe to
    /// resume from (nothing emitted before it is lost, records after it may repeat); in
    /// incremental mode a state never moves backwards; the first `Err` ends the stream.
    fn read(&self, request: ReadRequest) -> BoxStream<'static, Result<Message>>;
}

/// One operation on the service.
#[async_trait]
pub trait Action: Send + Sync {
    /// What the action declares.
    fn descriptor(&self) -> &ActionDescriptor;

    /// Runs the action. The input has been checked against the input schema (the type says
    /// so); the output must validate against the output schema.
    async fn run(&self, input: ValidInput) -> Result<Value>;
}

/// Conveniences on every [`Definition`]. Do not implement; it is blanket-implemented.
pub trait DefinitionExt: Definition {
    /// Checks `config` against the config schema; errors name the field.
    fn validate_config(&self, config: &Value) -> Result<ValidConfig> {
        ValidConfig::check(&self.spec().config_schema, config)
    }

    /// Validates `config` and builds a connector from it.
    fn connect(&self, config: &Value) -> Result<Box<dyn Connector>> {
        self.build(self.validate_config(config)?)
    }

    /// Validates `config` and builds a connector that hands updated configs to `updates`
    /// ([`Definition::build_with_updates`]).
    fn connect_with_updates(
        &self,
        config: &Value,
        updates: ConfigSink,
    ) -> Result<Box<dyn Connector>> {
        self.build_with_updates(self.validate_config(config)?, updates)
    }
}

impl<T: Definition + ?Sized> DefinitionExt for T {}

fn unknown(kind: &'static str, name: &str, known: impl Iterator<Item = String>) -> Error {
    Error::Unknown {
        kind,
        name: name.to_string(),
        known: known.collect::<Vec<_>>().join(", "),
    }
}

/// Conveniences on every [`Connector`]. Do not implement; it is blanket-implemented.
#[async_trait]
pub trait ConnectorExt: Connector {
    /// The stream called `name`.
    fn stream(&self, name: &str) -> Result<Arc<dyn Stream>> {
        self.streams()
            .into_iter()
            .find(|s| s.descriptor().name == name)
            .ok_or_else(|| {
                unknown(
                    "stream",
                    name,
                    self.spec().streams.iter().map(|s| s.name.clone()),
                )
            })
    }

    /// The action called `name`.
    fn action(&self, name: &str) -> Result<Arc<dyn Action>> {
        self.actions()
            .into_iter()
            .find(|a| a.descriptor().name == name)
            .ok_or_else(|| {
                unknown(
                    "action",
                    name,
                    self.spec().actions.iter().map(|a| a.name.clone()),
                )
            })
    }

    /// Validates `input` and runs the action called `name`.
    async fn run_action(&self, name: &str, input: Value) -> Result<Value> {
        self.action(name)?.invoke(input).await
    }

    /// Reads the stream called `name`, refusing a sync mode it does not declare.
    fn read_stream(
        &self,
        name: &str,
        request: ReadRequest,
    ) -> Result<BoxStream<'static, Result<Message>>> {
        let stream = self.stream(name)?;
        if !stream.descriptor().supports(request.sync_mode) {
            return Err(Error::invalid_config(
                format!("catalog.{name}.sync_mode"),
                format!(
                    "stream `{name}` does not support {:?}; use one of {:?}",
                    request.sync_mode,
                    stream.descriptor().sync_modes
                ),
            ));
        }
        Ok(stream.read(request))
    }
}

impl<T: Connector + ?Sized> ConnectorExt for T {}

/// Conveniences on every [`Action`]. Do not implement; it is blanket-implemented.
#[async_trait]
pub trait ActionExt: Action {
    /// Checks `input` against the input schema, then runs the action. An invalid input fails
    /// with [`Error::InvalidInput`] before any request is made.
    async fn invoke(&self, input: Value) -> Result<Value> {
        let input = ValidInput::check(self.descriptor(), input)?;
        self.run(input).await
    }
}

impl<T: Action + ?Sized> ActionExt for T {}

/// Collects a whole read into memory (for tests and small streams; hosts should stream).
pub async fn collect(stream: BoxStream<'static, Result<Message>>) -> Result<Vec<Message>> {
    let mut out = Vec::new();
    let mut stream = stream;
    while let Some(item) = stream.next().await {
        out.push(item?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Compile-time proof that the traits are object safe and thread safe.
    #[allow(dead_code)]
    fn object_safe(_: &dyn Definition, _: &dyn Connector, _: &dyn Stream, _: &dyn Action) {}
    #[allow(dead_code)]
    fn send_sync<T: Send + Sync + ?Sized>() {}
    #[allow(dead_code)]
    fn all_send_sync() {
        send_sync::<dyn Definition>();
        send_sync::<dyn Connector>();
        send_sync::<dyn Stream>();
        send_sync::<dyn Action>();
    }
}
