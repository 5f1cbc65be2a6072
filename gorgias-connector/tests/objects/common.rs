//! Shared helpers of the end-to-end tests: start a sandbox, connect to it, read, validate.

#![allow(dead_code)]

use std::time::Duration;

use connector_sdk::validate::{check_record, violations};
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Message, ReadRequest};
use futures::StreamExt;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use gorgias_sandbox::{DataSizes, Sandbox, SandboxHandle, SandboxOptions};
use serde_json::{Value, json};

/// A running sandbox and a connector to its first account.
pub struct Env {
    pub sandbox: SandboxHandle,
    pub connector: Box<dyn Connector>,
}

/// A definition for tests: no pacing (the sandbox limit is off by default here), fast retries.
pub fn definition() -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Off,
        retry: RetryOptions {
            max_retries: 4,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            ..RetryOptions::default()
        },
    })
}

/// Small data, every object present, rate limit off.
pub fn options() -> SandboxOptions {
    SandboxOptions::default().without_rate_limit()
}

/// Sandbox options with `sizes` for the default account.
pub fn sized(sizes: DataSizes) -> SandboxOptions {
    options().sizes(sizes)
}

/// The config for account `index` of `sandbox`, Basic or Bearer.
pub fn config(sandbox: &SandboxHandle, index: usize, bearer: bool) -> Value {
    let a = &sandbox.accounts()[index];
    let auth = if bearer {
        json!({"type": "bearer", "token": a.bearer_token})
    } else {
        json!({"type": "basic", "email": a.email, "api_key": a.api_key})
    };
    json!({"subdomain": a.subdomain, "auth": auth, "base_url": sandbox.base_url()})
}

/// Starts a sandbox with `options` and connects to its first account with an API key.
pub async fn start_with(options: SandboxOptions) -> Env {
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let connector = definition()
        .connect(&config(&sandbox, 0, false))
        .expect("config is valid");
    Env { sandbox, connector }
}

/// Starts a sandbox with the default small data set.
pub async fn start() -> Env {
    start_with(options()).await
}

/// What one read returned.
#[derive(Debug, Default)]
pub struct Read {
    pub records: Vec<Value>,
    pub states: Vec<Value>,
}

impl Read {
    /// The last state emitted.
    pub fn last_state(&self) -> Value {
        self.states.last().cloned().unwrap_or(Value::Null)
    }

    /// The values of a field, e.g. the ids.
    pub fn ids(&self) -> Vec<i64> {
        self.records
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect()
    }
}

/// Reads a stream to the end, failing the test on an error.
pub async fn read(connector: &dyn Connector, stream: &str, request: ReadRequest) -> Read {
    let mut s = connector
        .read_stream(stream, request)
        .expect("stream exists");
    let mut out = Read::default();
    while let Some(m) = s.next().await {
        match m.unwrap_or_else(|e| panic!("reading {stream}: {e}")) {
            Message::Record(r) => out.records.push(r.value().expect("record is JSON")),
            Message::State(s) => out.states.push(s.state),
            Message::Log(_) => {}
        }
    }
    out
}

/// Asserts every record validates against the stream's declared schema.
pub fn assert_records_valid(connector: &dyn Connector, stream: &str, records: &[Value]) {
    let descriptor = connector.spec().stream(stream).expect("declared stream");
    for r in records {
        if let Err(v) = check_record(descriptor, r) {
            panic!("{stream} record {} violates its schema: {v:?}", r["id"]);
        }
    }
}

/// Asserts an action's output validates against its declared output schema.
pub fn assert_output_valid(connector: &dyn Connector, action: &str, output: &Value) {
    let descriptor = connector.spec().action(action).expect("declared action");
    let found = violations(&descriptor.output_schema, output).expect("output schema compiles");
    assert!(
        found.is_empty(),
        "{action} output violates its schema: {found:?}\n{output}"
    );
}

/// Runs an action, asserting its output is valid, and returns the output.
pub async fn run(connector: &dyn Connector, action: &str, input: Value) -> Value {
    let out = connector
        .run_action(action, input)
        .await
        .unwrap_or_else(|e| panic!("{action}: {e}"));
    assert_output_valid(connector, action, &out);
    out
}

/// A state far in the future: an incremental read from it must return nothing.
pub fn future_state() -> Value {
    json!({"cursor": "2999-01-01T00:00:00Z"})
}
