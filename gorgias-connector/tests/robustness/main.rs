//! Fault tolerance: the connector survives every fault the sandbox can inject, loses no record
//! across crashes, refuses bad input before any request, never shows a secret, never lets a
//! config point it at another host, shares a rate-limited account with another host, and never
//! panics on hostile bytes; and its command line is what people and PyAirbyte expect.
//!
//! One test binary (so the workspace links it once); every test is deterministic (fixed seeds,
//! no assertion on timings) and sized to run in seconds against the in-process sandbox.

mod bad_input;
mod canary;
mod cli;
mod crash_resume;
mod datetime_forms;
mod faults;
mod hostile_downloads;
mod hostile_hosts;
mod hostile_upstreams;
mod properties;
mod resume;
mod shared_account;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use connector_sdk::{Connector, ConnectorExt, Error, Message, ReadRequest};
use futures::StreamExt as _;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use gorgias_sandbox::{ObjectKind, SandboxHandle};
use serde_json::{Value, json};

/// The streams these tests read when the connector declares them, with the sandbox object
/// each one mirrors. Only declared ones are read, so the tests follow the catalog as it grows.
pub const STREAMS: &[(&str, ObjectKind)] = &[
    ("tickets", ObjectKind::Tickets),
    ("ticket_messages", ObjectKind::Messages),
    ("customers", ObjectKind::Customers),
];

/// Retry options with millisecond delays (the production ones wait seconds).
pub fn fast_retry(max_retries: usize) -> RetryOptions {
    RetryOptions {
        max_retries,
        max_rate_limited: 6,
        min_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
        ..RetryOptions::default()
    }
}

/// A definition without pacing (the tests' sandboxes have their limit off) and fast retries.
pub fn definition(retry: RetryOptions) -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Off,
        retry,
    })
}

/// The config of account `index` (API key auth) pointed at `sandbox`, plus `extra` fields.
pub fn config(sandbox: &SandboxHandle, index: usize, extra: Value) -> Value {
    let a = &sandbox.accounts()[index];
    let mut c = json!({
        "subdomain": a.subdomain,
        "auth": {"type": "basic", "email": a.email, "api_key": a.api_key},
        "base_url": sandbox.base_url(),
    });
    if let (Some(c), Value::Object(extra)) = (c.as_object_mut(), extra) {
        c.extend(extra);
    }
    c
}

/// The streams of [`STREAMS`] the connector declares.
pub fn declared(connector: &dyn Connector) -> Vec<(&'static str, ObjectKind)> {
    STREAMS
        .iter()
        .filter(|(name, _)| connector.spec().stream(name).is_some())
        .copied()
        .collect()
}

/// Every id the sandbox holds for `kind` in its first account.
pub fn sandbox_ids(sandbox: &SandboxHandle, kind: ObjectKind) -> BTreeSet<i64> {
    let sub = sandbox.accounts()[0].subdomain.clone();
    sandbox
        .all_ids(&sub, kind)
        .expect("known account")
        .into_iter()
        .collect()
}

/// Total requests the sandbox has seen, authenticated or not.
pub fn requests_seen(sandbox: &SandboxHandle) -> u64 {
    let stats = sandbox.stats();
    stats.unauthenticated
        + stats
            .accounts
            .values()
            .map(|a| a.total_requests)
            .sum::<u64>()
}

/// What reading one stream (possibly over several attempts) produced.
#[derive(Debug, Default)]
pub struct Harvest {
    /// Records by primary key (`id`), de-duplicated; the value counts deliveries.
    pub keys: BTreeMap<i64, u32>,
    /// Records that arrived without an integer id (must stay empty).
    pub keyless: Vec<String>,
    /// The last state checkpoint.
    pub state: Option<Value>,
    /// The errors that ended attempts.
    pub errors: Vec<Error>,
}

impl Harvest {
    /// The de-duplicated key set.
    pub fn key_set(&self) -> BTreeSet<i64> {
        self.keys.keys().copied().collect()
    }
}

/// Reads `stream` incrementally from `harvest.state` until it ends or fails; records and
/// checkpoints go into `harvest`. Returns whether the read completed.
pub async fn read_once(connector: &dyn Connector, stream: &str, harvest: &mut Harvest) -> bool {
    let request = ReadRequest::incremental(harvest.state.clone());
    let mut s = connector
        .read_stream(stream, request)
        .expect("declared stream");
    while let Some(item) = s.next().await {
        match item {
            Ok(Message::Record(r)) => match r.value().ok().and_then(|v| v["id"].as_i64()) {
                Some(id) => *harvest.keys.entry(id).or_default() += 1,
                None => harvest
                    .keyless
                    .push(r.data.get().chars().take(80).collect()),
            },
            Ok(Message::State(c)) => harvest.state = Some(c.state),
            Ok(Message::Log(_)) => {}
            Err(e) => {
                harvest.errors.push(e);
                return false;
            }
        }
    }
    true
}

/// Reads `stream` to completion, resuming from the last checkpoint after each failure, at
/// most `attempts` times. Returns the harvest and whether it completed.
pub async fn read_resuming(
    connector: &dyn Connector,
    stream: &str,
    attempts: usize,
) -> (Harvest, bool) {
    let mut harvest = Harvest::default();
    for _ in 0..attempts {
        if read_once(connector, stream, &mut harvest).await {
            return (harvest, true);
        }
    }
    (harvest, false)
}
