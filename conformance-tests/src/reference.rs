//! The reference harness: the SDK's in-memory test connector
//! ([`connector_sdk::testing`]). It is what `tests/reference.rs` runs, a model for a
//! connector's own harness, and (with [`ReferenceHarness::wrapped`]) the base of the deliberately
//! broken connectors the suite's own tests use.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use connector_sdk::testing::{MemoryBackend, MemoryDefinition};
use connector_sdk::{
    Action, ActionDescriptor, Connector, ConnectorSpec, Definition, Message, ReadRequest, Result,
    Stream, StreamDescriptor, ValidConfig, ValidInput,
};
use futures::StreamExt as _;
use futures::stream::BoxStream;
use serde_json::{Value, json};

use crate::harness::{Backend, Capabilities, ChangeKind, Harness, HarnessError, Redaction};

/// The token the memory backend accepts (long and unique, so an echo is caught).
pub const TOKEN: &str = "letmein-CANARY-7f3a9c21";

/// How many books a fresh memory backend holds.
pub const BOOKS: usize = 23;

/// Wraps the example definition (e.g. to break it on purpose); gets the backend it serves.
pub type Wrap =
    Arc<dyn Fn(Arc<dyn Definition>, MemoryBackend) -> Arc<dyn Definition> + Send + Sync>;

/// The harness of the SDK's in-memory test connector: a fresh in-memory library of [`BOOKS`] books per
/// check, requests counted and their instants logged, books changed with
/// [`MemoryBackend::touch`].
#[derive(Clone)]
pub struct ReferenceHarness {
    name: String,
    wrap: Option<Wrap>,
    snapshots: bool,
    capabilities: Capabilities,
}

impl std::fmt::Debug for ReferenceHarness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceHarness")
            .field("name", &self.name)
            .field("wrapped", &self.wrap.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for ReferenceHarness {
    fn default() -> Self {
        Self::new()
    }
}

impl ReferenceHarness {
    /// The in-memory connector as the SDK ships it, snapshotted as `memory`.
    pub fn new() -> Self {
        ReferenceHarness {
            name: "memory".into(),
            wrap: None,
            snapshots: true,
            capabilities: Capabilities {
                counts_requests: true,
                logs_request_instants: true,
                counts_rate_limited: false,
                changes_records: true,
                isolated_backends: true,
                hostile: Vec::new(),
            },
        }
    }

    /// The in-memory connector wrapped by `wrap` (no snapshots).
    pub fn wrapped(
        name: &str,
        wrap: impl Fn(Arc<dyn Definition>, MemoryBackend) -> Arc<dyn Definition> + Send + Sync + 'static,
    ) -> Self {
        ReferenceHarness {
            name: name.into(),
            wrap: Some(Arc::new(wrap)),
            snapshots: false,
            ..Self::new()
        }
    }

    /// Replaces the declared capabilities (to test the suite's gating).
    pub fn with_capabilities(mut self, capabilities: Capabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    fn definition_for(&self, backend: &MemoryBackend) -> Arc<dyn Definition> {
        let base: Arc<dyn Definition> = Arc::new(MemoryDefinition::new(backend.clone()));
        match &self.wrap {
            Some(w) => w(base, backend.clone()),
            None => base,
        }
    }
}

#[async_trait]
impl Harness for ReferenceHarness {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn definition(&self) -> Arc<dyn Definition> {
        self.definition_for(&MemoryBackend::new(0, TOKEN))
    }

    async fn start(&self) -> Result<Box<dyn Backend>, HarnessError> {
        let backend = MemoryBackend::new(BOOKS, TOKEN);
        let probe = Probe {
            backend: backend.clone(),
            epoch: Instant::now(),
            log: Arc::new(Mutex::new((0, Vec::new()))),
        };
        let definition = Arc::new(Probed {
            inner: self.definition_for(&backend),
            probe: probe.clone(),
        });
        Ok(Box::new(Example {
            backend,
            definition,
            probe,
        }))
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn action_samples(&self) -> BTreeMap<String, Vec<Value>> {
        BTreeMap::from([
            ("get_book".into(), vec![json!({"id": 1}), json!({"id": 23})]),
            (
                "add_book".into(),
                vec![json!({"title": "The Conformance Suite", "author": "CI"})],
            ),
            ("delete_book".into(), vec![json!({"id": 2})]),
        ])
    }

    fn snapshot_dir(&self) -> Option<PathBuf> {
        self.snapshots
            .then(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots")))
    }

    fn redactions(&self, snapshot: &str) -> Vec<(String, Redaction)> {
        match snapshot {
            // What a write generates; stable in memory, but a real service would not be.
            "action.add_book" => vec![
                ("[].output.id".into(), "[generated id]".into()),
                ("[].output.updated_at".into(), "[write time]".into()),
            ],
            _ => Vec::new(),
        }
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(20)
    }
}

/// One memory backend and the probed definition over it.
struct Example {
    backend: MemoryBackend,
    definition: Arc<dyn Definition>,
    probe: Probe,
}

#[async_trait]
impl Backend for Example {
    fn definition(&self) -> Arc<dyn Definition> {
        self.definition.clone()
    }

    fn valid_config(&self) -> Value {
        json!({"token": TOKEN, "page_size": 10})
    }

    fn bad_credentials_config(&self) -> Value {
        json!({"token": "wrong-token-0000", "page_size": 10})
    }

    async fn requests(&self) -> Option<u64> {
        Some(self.backend.requests())
    }

    async fn request_instants(&self) -> Option<Vec<Duration>> {
        self.probe.sync();
        Some(
            self.probe
                .log
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .1
                .clone(),
        )
    }

    async fn change(&self, stream: &str, kind: ChangeKind) -> Result<usize, HarnessError> {
        match (stream, kind) {
            ("books", ChangeKind::Update) => Ok(self.backend.touch(5).len()),
            (other, kind) => Err(format!("cannot change `{other}` by {kind:?}").into()),
        }
    }
}

/// The memory backend only counts requests; the probe turns the count into arrival instants by
/// looking at it after every step of the connector (a page fetch, a check, an action), which
/// is when a request can have happened.
#[derive(Clone)]
struct Probe {
    backend: MemoryBackend,
    epoch: Instant,
    log: Arc<Mutex<(u64, Vec<Duration>)>>,
}

impl Probe {
    fn sync(&self) {
        let now = self.backend.requests();
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        let at = self.epoch.elapsed();
        while log.0 < now {
            log.0 += 1;
            log.1.push(at);
        }
    }
}

struct Probed {
    inner: Arc<dyn Definition>,
    probe: Probe,
}

impl Definition for Probed {
    fn spec(&self) -> &ConnectorSpec {
        self.inner.spec()
    }

    fn build(&self, config: ValidConfig) -> Result<Box<dyn Connector>> {
        let inner = self.inner.build(config);
        self.probe.sync();
        Ok(Box::new(ProbedConnector {
            inner: inner?,
            probe: self.probe.clone(),
        }))
    }
}

struct ProbedConnector {
    inner: Box<dyn Connector>,
    probe: Probe,
}

#[async_trait]
impl Connector for ProbedConnector {
    fn spec(&self) -> &ConnectorSpec {
        self.inner.spec()
    }

    async fn check(&self) -> Result<()> {
        let r = self.inner.check().await;
        self.probe.sync();
        r
    }

    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        self.inner
            .streams()
            .into_iter()
            .map(|inner| {
                Arc::new(ProbedStream {
                    inner,
                    probe: self.probe.clone(),
                }) as Arc<dyn Stream>
            })
            .collect()
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        self.inner
            .actions()
            .into_iter()
            .map(|inner| {
                Arc::new(ProbedAction {
                    inner,
                    probe: self.probe.clone(),
                }) as Arc<dyn Action>
            })
            .collect()
    }
}

struct ProbedStream {
    inner: Arc<dyn Stream>,
    probe: Probe,
}

impl Stream for ProbedStream {
    fn descriptor(&self) -> &StreamDescriptor {
        self.inner.descriptor()
    }

    fn read(&self, request: ReadRequest) -> BoxStream<'static, Result<Message>> {
        let probe = self.probe.clone();
        self.inner
            .read(request)
            .inspect(move |_| probe.sync())
            .boxed()
    }
}

struct ProbedAction {
    inner: Arc<dyn Action>,
    probe: Probe,
}

#[async_trait]
impl Action for ProbedAction {
    fn descriptor(&self) -> &ActionDescriptor {
        self.inner.descriptor()
    }

    async fn run(&self, input: ValidInput) -> Result<Value> {
        let r = self.inner.run(input).await;
        self.probe.sync();
        r
    }
}
