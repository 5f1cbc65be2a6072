//! # conformance-tests
//!
//! The generic conformance suite for connectors built on `connector-sdk`. A connector's author
//! implements [`Harness`] (how to start a backend, a valid and a bad-credentials config, how to
//! observe the backend) in one test file with `harness = false` and calls [`run`]:
//!
//! ```no_run
//! # use conformance_tests::reference::ReferenceHarness;
//! fn main() {
//!     conformance_tests::run(ReferenceHarness::new()).exit()
//! }
//! ```
//!
//! [`run`] registers each check as its own named test (via `libtest-mimic`), so a failure names
//! the family, the check and the stream or action, e.g.
//! `read::records_match_schema::tickets`, and the usual filters work
//! (`cargo test --test my_connector -- incremental::`). Each family registers its own checks
//! (`checks::<family>::register`, from a [`Plan`] of the connector's declarations and the
//! harness's facts; [`checks::FAMILIES`] lists them in order), and only the checks those call
//! for are registered: incremental checks for incremental streams (and
//! `changed_records_come_back` for every one of them when the harness declares
//! [`Capabilities::changes_records`]: the suite derives which streams must change, and how
//! ([`ChangeKind`]), from the descriptors), action checks when actions exist, the rate-limit
//! check when the harness logs request instants, the `hostile` checks for each way the
//! harness's backend can misbehave on purpose ([`Capabilities::hostile`]), snapshots when it
//! names a snapshot folder.
//!
//! Families: `harness`, `spec`, `export` (the exported schema files and uiSchemas, from the
//! spec alone), `config`, `check`, `discover`, `read`, `full_refresh`, `incremental`,
//! `actions`, `bad_input` (bad configs and action inputs derived from the schemas), `limits`,
//! `protocol`, `hostile`, `snapshot`; see [`checks`](mod@checks).
//! Every check is also a public async function, and [`run_check`] runs one by its name, so the
//! suite's own tests prove that each check catches the breakage it is about.
#![deny(missing_docs)]

/// `plain!(family, "name", path::to::check)`: a check about the connector as a whole.
macro_rules! plain {
    ($family:expr, $name:literal, $f:path) => {
        $crate::Check::new($family, $name, |h| async move { $f(&*h).await })
    };
}

/// `about!(family, "name", path::to::check, subject)`: a check about one stream or action.
macro_rules! about {
    ($family:expr, $name:literal, $f:path, $subject:expr) => {
        $crate::Check::about(
            $family,
            $name,
            $subject,
            |h, s| async move { $f(&*h, &s).await },
        )
    };
}

pub mod checks;
mod failure;
mod harness;
pub mod reference;
mod schema;
mod support;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use futures::FutureExt as _;
use futures::future::BoxFuture;
use libtest_mimic::{Arguments, Conclusion, Failed, Trial};

pub use async_trait::async_trait;
pub use checks::hostile::forged_line;
pub use failure::{Failure, Outcome};
pub use harness::{Backend, Capabilities, ChangeKind, Harness, HarnessError, Hostile, Redaction};
pub use {insta, libtest_mimic};

type Runner = Arc<dyn Fn(Arc<dyn Harness>) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// One registered check: a family, a name, and the stream or action it is about.
#[derive(Clone)]
pub struct Check {
    family: &'static str,
    name: &'static str,
    subject: Option<String>,
    runner: Runner,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Check").field(&self.id()).finish()
    }
}

fn serial() -> &'static tokio::sync::Mutex<()> {
    static SERIAL: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    SERIAL.get_or_init(|| tokio::sync::Mutex::new(()))
}

impl Check {
    fn new<F, Fut>(family: &'static str, name: &'static str, f: F) -> Self
    where
        F: Fn(Arc<dyn Harness>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        Check {
            family,
            name,
            subject: None,
            runner: Arc::new(move |h| f(h).boxed()),
        }
    }

    fn about<F, Fut>(family: &'static str, name: &'static str, subject: &str, f: F) -> Self
    where
        F: Fn(Arc<dyn Harness>, String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let s = subject.to_string();
        Check {
            family,
            name,
            subject: Some(s.clone()),
            runner: Arc::new(move |h| f(h, s.clone()).boxed()),
        }
    }

    /// The test name: `family::name` or `family::name::subject`.
    pub fn id(&self) -> String {
        match &self.subject {
            Some(s) => format!("{}::{}::{s}", self.family, self.name),
            None => format!("{}::{}", self.family, self.name),
        }
    }

    /// The family, e.g. `read`.
    pub fn family(&self) -> &str {
        self.family
    }

    /// The check's name in its family, e.g. `records_match_schema`.
    pub fn name(&self) -> &str {
        self.name
    }

    /// The stream or action the check is about, if any.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// Runs the check within [`Harness::timeout`] (one at a time when the harness's backends
    /// are shared). A panic inside the check fails it rather than unwinding into the caller.
    pub async fn run(&self, harness: Arc<dyn Harness>) -> Outcome {
        let _guard = if harness.capabilities().isolated_backends {
            None
        } else {
            Some(serial().lock().await)
        };
        let limit = harness.timeout();
        let work = std::panic::AssertUnwindSafe((self.runner)(harness)).catch_unwind();
        match tokio::time::timeout(limit, work).await {
            Err(_) => Err(Failure::new(format!(
                "timed out after {limit:?} (Harness::timeout)"
            ))),
            Ok(Err(panic)) => Err(Failure::new(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            ))),
            Ok(Ok(outcome)) => outcome,
        }
    }
}

/// What the checks are planned from: the connector's declarations and the harness's static
/// facts, read once. Each family's `register` turns it into that family's checks.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The connector's spec ([`Harness::definition`]).
    pub spec: connector_sdk::ConnectorSpec,
    /// [`Harness::capabilities`].
    pub capabilities: Capabilities,
    /// [`Harness::action_samples`].
    pub action_samples: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    /// [`Harness::empty_streams`].
    pub empty_streams: std::collections::BTreeMap<String, String>,
    /// Whether [`Harness::snapshot_dir`] names a folder.
    pub snapshots: bool,
}

impl Plan {
    /// The plan for `harness`.
    pub fn of(harness: &dyn Harness) -> Plan {
        Plan {
            spec: harness.definition().spec().clone(),
            capabilities: harness.capabilities(),
            action_samples: harness.action_samples(),
            empty_streams: harness.empty_streams(),
            snapshots: harness.snapshot_dir().is_some(),
        }
    }

    /// The actions the harness gives at least one sample input for.
    pub fn sampled_actions(&self) -> impl Iterator<Item = &connector_sdk::ActionDescriptor> {
        self.spec.actions.iter().filter(|a| {
            self.action_samples
                .get(&a.name)
                .is_some_and(|s| !s.is_empty())
        })
    }
}

/// The checks the connector's declarations and the harness's capabilities call for, in
/// family order ([`checks::FAMILIES`]): each family registers its own.
pub fn checks(harness: &dyn Harness) -> Vec<Check> {
    let plan = Plan::of(harness);
    checks::FAMILIES
        .iter()
        .flat_map(|(_, register)| register(&plan))
        .collect()
}

/// The harness as the checks see it: [`Harness::definition`] is asked once and shared (the
/// spec is static data, and building it can be costly), everything else is passed through.
struct Cached {
    inner: Arc<dyn Harness>,
    definition: OnceLock<Arc<dyn connector_sdk::Definition>>,
}

/// Wraps a harness in [`Cached`] (once).
fn cached(harness: Arc<dyn Harness>) -> Arc<dyn Harness> {
    Arc::new(Cached {
        inner: harness,
        definition: OnceLock::new(),
    })
}

#[async_trait::async_trait]
impl Harness for Cached {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn definition(&self) -> Arc<dyn connector_sdk::Definition> {
        self.definition
            .get_or_init(|| self.inner.definition())
            .clone()
    }
    async fn start(&self) -> Result<Box<dyn Backend>, HarnessError> {
        self.inner.start().await
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn action_samples(&self) -> std::collections::BTreeMap<String, Vec<serde_json::Value>> {
        self.inner.action_samples()
    }
    fn empty_streams(&self) -> std::collections::BTreeMap<String, String> {
        self.inner.empty_streams()
    }
    fn partial_lists(&self) -> std::collections::BTreeMap<String, String> {
        self.inner.partial_lists()
    }
    fn snapshot_dir(&self) -> Option<std::path::PathBuf> {
        self.inner.snapshot_dir()
    }
    fn redactions(&self, snapshot: &str) -> Vec<(String, Redaction)> {
        self.inner.redactions(snapshot)
    }
    fn runtime(&self) -> Option<tokio::runtime::Handle> {
        self.inner.runtime()
    }
    fn timeout(&self) -> std::time::Duration {
        self.inner.timeout()
    }
    fn max_records(&self) -> usize {
        self.inner.max_records()
    }
}

/// Runs the check named `id` (e.g. `read::primary_keys_unique::books`) on the current tokio
/// runtime. Fails when the connector's declarations do not call for that check.
pub async fn run_check(harness: Arc<dyn Harness>, id: &str) -> Outcome {
    let harness = cached(harness);
    let Some(check) = checks(&*harness).into_iter().find(|c| c.id() == id) else {
        return Err(Failure::new(format!(
            "no check `{id}` is registered for this connector"
        )));
    };
    check.run(harness).await
}

/// One `libtest-mimic` trial per check, each run on the harness's runtime or on one
/// multi-thread runtime the trials share (so a backend spawned by one check outlives it only
/// as long as the runtime, and checks run in parallel on the test threads).
pub fn trials(harness: Arc<dyn Harness>) -> Vec<Trial> {
    let harness = cached(harness);
    let (handle, owned) = match harness.runtime() {
        Some(handle) => (handle, None),
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_name("conformance")
                .build()
                .expect("cannot start a tokio runtime for the conformance suite");
            let handle = runtime.handle().clone();
            (handle, Some(Arc::new(runtime)))
        }
    };
    checks(&*harness)
        .into_iter()
        .map(|check| {
            let (harness, handle, keep) = (harness.clone(), handle.clone(), owned.clone());
            Trial::test(check.id(), move || {
                let _keep = keep;
                handle
                    .block_on(check.run(harness))
                    .map_err(|f| Failed::from(f.message()))
            })
        })
        .collect()
}

/// Runs every check for `harness` as its own test, with the process's command-line arguments
/// (filters, `--list`, `--test-threads`, ...). Call it from `main` of a test file declared with
/// `harness = false`, and `.exit()` the result.
pub fn run(harness: impl Harness) -> Conclusion {
    run_with_args(Arc::new(harness), &Arguments::from_args())
}

/// [`run`] with explicit arguments.
pub fn run_with_args(harness: Arc<dyn Harness>, args: &Arguments) -> Conclusion {
    libtest_mimic::run(args, trials(harness))
}
