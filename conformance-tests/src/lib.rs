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
//! (`cargo test --test my_connector -- incremental::`). Only the checks the connector's
//! declarations and the harness's [`Capabilities`] call for are registered: incremental checks
//! for incremental streams, action checks when actions exist, the rate-limit check when the
//! harness logs request instants, the `hostile` checks for each way the harness's backend can
//! misbehave on purpose ([`Capabilities::hostile`]), snapshots when it names a snapshot folder.
//!
//! Families: `harness`, `spec`, `config`, `check`, `discover`, `read`, `full_refresh`,
//! `incremental`, `actions`, `limits`, `protocol`, `hostile`, `snapshot`; see
//! [`checks`](mod@checks).
//! Every check is also a public async function, and [`run_check`] runs one by its name, so the
//! suite's own tests prove that each check catches the breakage it is about.
#![deny(missing_docs)]

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
pub use harness::{Backend, Capabilities, Harness, HarnessError, Hostile, Redaction};
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

macro_rules! plain {
    ($family:literal, $name:literal, $f:path) => {
        Check::new($family, $name, |h| async move { $f(&*h).await })
    };
}

macro_rules! about {
    ($family:literal, $name:literal, $f:path, $subject:expr) => {
        Check::about(
            $family,
            $name,
            $subject,
            |h, s| async move { $f(&*h, &s).await },
        )
    };
}

/// The checks the connector's declarations and the harness's capabilities call for, in
/// family order.
pub fn checks(harness: &dyn Harness) -> Vec<Check> {
    use checks::*;
    use connector_sdk::SyncMode;

    let definition = harness.definition();
    let spec = definition.spec();
    let caps = harness.capabilities();
    let samples = harness.action_samples();
    let empty = harness.empty_streams();
    let mut out = vec![
        plain!("harness", "names_known", harness::names_known),
        plain!("harness", "definitions_agree", harness::definitions_agree),
        plain!("spec", "metadata", spec::metadata),
        plain!("spec", "config_schema_valid", spec::config_schema_valid),
        plain!(
            "spec",
            "names_unique_snake_case",
            spec::names_unique_snake_case
        ),
        plain!("spec", "secrets_marked", spec::secrets_marked),
        plain!(
            "spec",
            "auth_kinds_well_formed",
            spec::auth_kinds_well_formed
        ),
        plain!(
            "spec",
            "rate_limits_well_formed",
            spec::rate_limits_well_formed
        ),
    ];
    for s in &spec.streams {
        out.push(about!(
            "spec",
            "record_schema_valid",
            spec::record_schema_valid,
            &s.name
        ));
        out.push(about!(
            "spec",
            "stream_declaration",
            spec::stream_declaration,
            &s.name
        ));
    }
    for a in &spec.actions {
        out.push(about!(
            "spec",
            "action_schemas_valid",
            spec::action_schemas_valid,
            &a.name
        ));
    }
    out.extend([
        plain!("config", "valid_config_builds", config::valid_config_builds),
        plain!(
            "config",
            "missing_required_fields",
            config::missing_required_fields
        ),
        plain!("config", "wrong_types", config::wrong_types),
        plain!("config", "unknown_fields", config::unknown_fields),
        plain!("config", "secrets_not_echoed", config::secrets_not_echoed),
        plain!("check", "valid_credentials", check::valid_credentials),
        plain!("check", "bad_credentials", check::bad_credentials),
        plain!(
            "discover",
            "catalog_matches_spec",
            discover::catalog_matches_spec
        ),
        plain!(
            "discover",
            "host_output_agrees",
            discover::host_output_agrees
        ),
        plain!(
            "discover",
            "connector_matches_spec",
            discover::connector_matches_spec
        ),
    ]);
    for s in &spec.streams {
        let n = &s.name;
        if s.may_be_empty.is_none() && !empty.contains_key(n) {
            out.push(about!("read", "non_empty", read::non_empty, n));
        }
        out.push(about!(
            "read",
            "records_match_schema",
            read::records_match_schema,
            n
        ));
        out.push(about!(
            "read",
            "primary_keys_unique",
            read::primary_keys_unique,
            n
        ));
        if s.cursor_field.is_some() {
            out.push(about!(
                "read",
                "cursor_values_valid",
                read::cursor_values_valid,
                n
            ));
        }
        if s.supports(SyncMode::Incremental) {
            out.push(about!(
                "read",
                "states_never_go_backwards",
                read::states_never_go_backwards,
                n
            ));
        }
        out.push(about!(
            "read",
            "state_follows_last_record",
            read::state_follows_last_record,
            n
        ));
    }
    for s in &spec.streams {
        let n = &s.name;
        if s.supports(SyncMode::FullRefresh) {
            out.push(about!(
                "full_refresh",
                "same_keys_twice",
                full_refresh::same_keys_twice,
                n
            ));
            if s.supports(SyncMode::Incremental) {
                out.push(about!(
                    "full_refresh",
                    "ignores_state",
                    full_refresh::ignores_state,
                    n
                ));
            }
        }
    }
    for s in spec
        .streams
        .iter()
        .filter(|s| s.supports(SyncMode::Incremental))
    {
        let n = &s.name;
        out.push(about!(
            "incremental",
            "only_changes_after_state",
            incremental::only_changes_after_state,
            n
        ));
        if caps.changes_records.contains(n) {
            out.push(about!(
                "incremental",
                "changed_records_come_back",
                incremental::changed_records_come_back,
                n
            ));
        }
        out.push(about!(
            "incremental",
            "future_state_yields_nothing",
            incremental::future_state_yields_nothing,
            n
        ));
        out.push(about!(
            "incremental",
            "resume_from_every_state",
            incremental::resume_from_every_state,
            n
        ));
        out.push(about!(
            "incremental",
            "interrupted_read_resumes",
            incremental::interrupted_read_resumes,
            n
        ));
    }
    if !spec.actions.is_empty() {
        out.push(plain!(
            "actions",
            "effects_declared",
            actions::effects_declared
        ));
    }
    for a in &spec.actions {
        out.push(about!(
            "actions",
            "invalid_input_refused",
            actions::invalid_input_refused,
            &a.name
        ));
    }
    for a in spec
        .actions
        .iter()
        .filter(|a| samples.get(&a.name).is_some_and(|s| !s.is_empty()))
    {
        out.push(about!(
            "actions",
            "sample_outputs_valid",
            actions::sample_outputs_valid,
            &a.name
        ));
    }
    if caps.logs_request_instants && !spec.rate_limits.is_empty() {
        out.push(plain!(
            "limits",
            "full_read_within_rate_limit",
            limits::full_read_within_rate_limit
        ));
    }
    out.extend([
        plain!("protocol", "spec_message", protocol::spec_message),
        plain!("protocol", "check_messages", protocol::check_messages),
        plain!("protocol", "read_messages", protocol::read_messages),
        plain!(
            "protocol",
            "read_resumes_from_state",
            protocol::read_resumes_from_state
        ),
        plain!("protocol", "invalid_config", protocol::invalid_config),
        plain!(
            "protocol",
            "one_message_per_line",
            protocol::one_message_per_line
        ),
        plain!(
            "protocol",
            "write_failures_fail",
            protocol::write_failures_fail
        ),
    ]);
    if caps.hostile.contains(&Hostile::PrettyPrint) {
        out.push(plain!(
            "hostile",
            "pretty_printed_pages",
            hostile::pretty_printed_pages
        ));
    }
    if caps.hostile.contains(&Hostile::ForgedLine) {
        out.push(plain!("hostile", "forged_lines", hostile::forged_lines));
    }
    if caps.hostile.contains(&Hostile::EchoCredentials) {
        out.push(plain!(
            "hostile",
            "echoed_credentials",
            hostile::echoed_credentials
        ));
    }
    if harness.snapshot_dir().is_some() {
        out.extend([
            plain!("snapshot", "spec", snapshot::spec),
            plain!("snapshot", "catalog", snapshot::catalog),
            plain!("snapshot", "config_errors", snapshot::config_errors),
        ]);
        for s in &spec.streams {
            out.push(about!("snapshot", "records", snapshot::records, &s.name));
        }
        for a in spec
            .actions
            .iter()
            .filter(|a| samples.get(&a.name).is_some_and(|s| !s.is_empty()))
        {
            out.push(about!("snapshot", "action", snapshot::action, &a.name));
        }
    }
    out
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
