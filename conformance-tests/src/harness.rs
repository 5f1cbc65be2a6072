//! What a connector's author implements to run the suite: a [`Harness`] (static facts, and how
//! to start a backend) and a [`Backend`] (one started service the connector talks to, and how to
//! observe and change it).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_sdk::Definition;
use serde_json::Value;

/// An insta redaction (`"[redacted]".into()`, [`insta::dynamic_redaction`], ...).
pub use insta::internals::Redaction;

/// Any error a harness reports while starting or changing its backend.
pub type HarnessError = Box<dyn std::error::Error + Send + Sync>;

/// What the harness's backends let the suite observe and do. Checks that need a capability are
/// registered only when it is declared (the way OpenDAL gates behaviour tests on its
/// `Capability`), and a declared capability whose method then returns `None` fails the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capabilities {
    /// [`Backend::requests`] counts every request the backend received, rejected ones included.
    /// Enables the "no request before validation" and "no request from `build`" proofs.
    pub counts_requests: bool,
    /// [`Backend::request_instants`] logs when each request arrived. Enables the rate-limit check.
    pub logs_request_instants: bool,
    /// [`Backend::rate_limited`] counts the 429 responses sent. Adds "no 429" to the rate-limit check.
    pub counts_rate_limited: bool,
    /// [`Backend::change`] can change the records of every incremental stream between two reads,
    /// in the way the stream's descriptor calls for ([`ChangeKind::for_stream`]). Registers
    /// `incremental::changed_records_come_back` for *every* incremental stream (derived from the
    /// descriptors, never listed by hand): a stream the backend cannot change fails its check.
    pub changes_records: bool,
    /// Every [`Harness::start`] returns a backend of its own (the default). When `false` the
    /// backend is shared, and the suite runs one check at a time so request counts and data
    /// changes of one check cannot leak into another.
    pub isolated_backends: bool,
    /// The ways [`Backend::set_hostile`] can make this backend misbehave on purpose. Each one
    /// registers its `hostile::*` check. Empty by default.
    pub hostile: Vec<Hostile>,
}

/// How [`Backend::change`] must change the records of a stream so an incremental read sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Update existing records so their cursor moves forward (the stream captures updates: its
    /// cursor is an update time).
    Update,
    /// Create new records (the stream does not capture updates: its cursor is a creation time or
    /// an id).
    Insert,
}

impl ChangeKind {
    /// The change the descriptor of `stream` calls for: [`ChangeKind::Update`] when its
    /// incremental declaration `captures_updates`, else [`ChangeKind::Insert`]. `None` for a
    /// stream that is not incremental.
    pub fn for_stream(stream: &connector_sdk::StreamDescriptor) -> Option<ChangeKind> {
        let inc = stream.incremental.as_ref()?;
        Some(if inc.captures_updates {
            ChangeKind::Update
        } else {
            ChangeKind::Insert
        })
    }
}

/// A way a backend can be made to misbehave on purpose, for the `hostile::*` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hostile {
    /// Every JSON response is pretty-printed: newlines and indentation between tokens, inside records.
    PrettyPrint,
    /// Records carry a raw line that is a complete protocol message: [`crate::forged_line`].
    ForgedLine,
    /// Every request is answered with an error whose text echoes the request's headers, credentials included.
    EchoCredentials,
}

impl Default for Capabilities {
    fn default() -> Self {
        Capabilities {
            counts_requests: false,
            logs_request_instants: false,
            counts_rate_limited: false,
            changes_records: false,
            isolated_backends: true,
            hostile: Vec::new(),
        }
    }
}

/// How the suite runs one connector. Implement it once, in the connector's test file, and hand
/// it to [`crate::run`].
///
/// Every check calls [`Harness::start`] for a fresh backend with the same seeded data, so checks
/// are independent, may run in parallel, and snapshots are deterministic. The methods with a
/// default are optional.
#[async_trait]
pub trait Harness: Send + Sync + 'static {
    /// A short snake_case name of the connector run, e.g. `gorgias`: the snapshot suffix
    /// (`spec@gorgias.snap`).
    fn name(&self) -> String;

    /// The connector's definition, used to plan the checks and for the checks of the spec
    /// alone. Asked once per run and shared. Must make no request (it may be built over a
    /// backend that is never started).
    fn definition(&self) -> Arc<dyn Definition>;

    /// Starts a backend (a sandbox, a mock server, an in-memory service) with its seeded data.
    /// Called once by every check that talks to a backend, from inside the suite's tokio
    /// runtime (or [`Harness::runtime`]): a server spawned here lives as long as that runtime.
    async fn start(&self) -> Result<Box<dyn Backend>, HarnessError>;

    /// What the backends can observe and do.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }

    /// Streams whose paged list action (`list_<stream>`), with its default parameters, lists
    /// only part of what the stream reads, with the reason (e.g. `macros`: the stream also reads
    /// archived macros, which the list shows only with `archived=true`). For these the
    /// `browse` check requires only that every listed record is one the stream reads.
    fn partial_lists(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// Valid inputs per action name, run in order on one backend: each output must validate
    /// against the action's output schema and is snapshotted. The first input of an action is
    /// also the base its invalid inputs are made from.
    fn action_samples(&self) -> BTreeMap<String, Vec<Value>> {
        BTreeMap::new()
    }

    /// Streams that are empty on this backend, each with the reason (streams whose descriptor
    /// sets `may_be_empty` need not be listed). Their "yields a record" check is not registered.
    fn empty_streams(&self) -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    /// Where snapshots live: give `concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")` so
    /// they land in your crate. `None` registers no snapshot check.
    fn snapshot_dir(&self) -> Option<PathBuf> {
        None
    }

    /// Redactions for the snapshot called `snapshot` (`spec`, `catalog`, `config_errors`,
    /// `records.<stream>`, `action.<action>`), as insta selectors: records snapshots are a list of
    /// records (`"[].updated_at"`), action snapshots a list of `{"input", "output"}`
    /// (`"[].output.id"`). Redact what changes from run to run: generated ids, write times.
    fn redactions(&self, snapshot: &str) -> Vec<(String, Redaction)> {
        let _ = snapshot;
        Vec::new()
    }

    /// A multi-thread runtime the checks should run on (e.g. the one that owns a shared
    /// sandbox). `None`: the suite makes one multi-thread runtime shared by every check.
    fn runtime(&self) -> Option<tokio::runtime::Handle> {
        None
    }

    /// How long one check may take before it fails (a read that never ends, a hung request).
    fn timeout(&self) -> Duration {
        Duration::from_secs(60)
    }

    /// The most records one read may yield before the suite calls it endless.
    fn max_records(&self) -> usize {
        100_000
    }
}

/// One started backend and the connector pointed at it. Dropped at the end of the check.
#[async_trait]
pub trait Backend: Send + Sync {
    /// The definition to build connectors for this backend with (it may hold the backend, or
    /// be tuned for it, e.g. pacing matched to a sandbox's scaled rate-limit window). Its spec
    /// must equal [`Harness::definition`]'s.
    fn definition(&self) -> Arc<dyn Definition>;

    /// A config that is valid and whose credentials this backend accepts.
    fn valid_config(&self) -> Value;

    /// A config that is valid in shape but whose credentials this backend rejects (HTTP 401).
    fn bad_credentials_config(&self) -> Value;

    /// Requests received so far, rejected ones included (see [`Capabilities::counts_requests`]).
    async fn requests(&self) -> Option<u64> {
        None
    }

    /// Arrival instants of the requests so far, oldest first, on any monotonic clock (see
    /// [`Capabilities::logs_request_instants`]).
    async fn request_instants(&self) -> Option<Vec<Duration>> {
        None
    }

    /// 429 responses sent so far (see [`Capabilities::counts_rate_limited`]).
    async fn rate_limited(&self) -> Option<u64> {
        None
    }

    /// Changes some records of `stream` the way `kind` says (update them so their cursor moves,
    /// or create new ones; the suite derives `kind` from the stream's descriptor with
    /// [`ChangeKind::for_stream`]); returns how many records changed. Called for every
    /// incremental stream when [`Capabilities::changes_records`] is declared: an error fails that
    /// stream's check.
    async fn change(&self, stream: &str, kind: ChangeKind) -> Result<usize, HarnessError> {
        Err(format!("this backend cannot change the records of `{stream}` ({kind:?})").into())
    }

    /// Makes the backend misbehave in the way `hostile` says from the next request on, or
    /// behave again with `None` (see [`Capabilities::hostile`]). The data it serves stays the
    /// same.
    async fn set_hostile(&self, hostile: Option<Hostile>) -> Result<(), HarnessError> {
        let _ = hostile;
        Err("this backend cannot misbehave".into())
    }

    /// The rate-limit window this backend enforces for a declared `window` (a sandbox may scale
    /// time down); the declared number of requests is kept.
    fn rate_limit_window(&self, declared: Duration) -> Duration {
        declared
    }
}
