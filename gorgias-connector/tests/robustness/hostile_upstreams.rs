//! Hostile upstreams: a server (or a proxy in front of it) that pretty-prints or forges protocol
//! lines, sends endless or huge bodies, absurd `Retry-After` values, records dated in the
//! future, megabyte page cursors, fresh cursors forever, echoes the credentials back, answers
//! with redirects, HTML or terminal escapes, or list items that are not objects; plus output
//! that cannot be written and input files that are holes. Each case runs against the in-process
//! sandbox's fault plan, through the library (`DefinitionExt`/`ConnectorExt`) or the real binary.
//!
//! Every wait is bounded by a hang guard (a hang fails the test, it never blocks the suite), and
//! nothing asserts on measured durations.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use connector_http::list::{FUTURE_SKEW_SECS, MAX_PAGE_CURSOR_BYTES, MAX_PARENTS};
use connector_sdk::cursor::parse_datetime;
use connector_sdk::paginate::MAX_EMPTY_PAGES;
use connector_sdk::{
    Connector, ConnectorExt, DefinitionExt, Error, FailureType, LogLevel, Message, ReadRequest,
};
use futures::StreamExt as _;
use gorgias_connector::RetryOptions;
use gorgias_sandbox::{
    DataSizes, FaultKind, FaultPlan, FaultRule, FaultTrigger, ObjectKind, Sandbox, SandboxHandle,
    SandboxOptions,
};
use serde_json::{Value, json};

use crate::{config, definition, fast_retry, requests_seen, sandbox_ids};

const BIN: &str = env!("CARGO_BIN_EXE_gorgias-connector");

/// The longest a library read or check may take before the test calls it a hang.
const GUARD: Duration = Duration::from_secs(60);

/// The longest one run of the binary may take before it is killed and the test fails.
const CLI_GUARD: Duration = Duration::from_secs(60);

/// Small data: every stream has records, the big ones a few pages at `page_size` 10.
fn small() -> DataSizes {
    DataSizes::default()
        .tickets(40)
        .customers(20)
        .events(30)
        .messages_per_ticket(1, 2)
}

async fn sandbox_with(sizes: DataSizes) -> SandboxHandle {
    Sandbox::start(
        SandboxOptions::default()
            .seed(23)
            .sizes(sizes)
            .without_rate_limit(),
    )
    .await
    .expect("sandbox starts")
}

async fn sandbox() -> SandboxHandle {
    sandbox_with(small()).await
}

/// One rule, always firing, on GET requests under `prefix`.
fn on_get(prefix: &str, fault: FaultKind) -> FaultPlan {
    FaultPlan::single(
        FaultRule::new(FaultTrigger::Always, fault)
            .route_prefix(prefix)
            .method("GET"),
    )
}

/// A connector of account 0 with `extra` config fields and `retry`.
fn connect(sandbox: &SandboxHandle, retry: RetryOptions, extra: Value) -> Box<dyn Connector> {
    definition(retry)
        .connect(&config(sandbox, 0, extra))
        .expect("valid config")
}

// ---------------------------------------------------------------------------------------------
// Library reads
// ---------------------------------------------------------------------------------------------

/// What one read of one stream produced, up to its first error.
#[derive(Debug, Default)]
struct Outcome {
    records: Vec<Value>,
    states: Vec<Value>,
    logs: Vec<(LogLevel, String)>,
    error: Option<Error>,
}

impl Outcome {
    fn warnings(&self) -> Vec<&str> {
        self.logs
            .iter()
            .filter(|(level, _)| *level == LogLevel::Warn)
            .map(|(_, m)| m.as_str())
            .collect()
    }

    fn last_state(&self) -> Option<Value> {
        self.states.last().cloned()
    }

    fn ids(&self) -> BTreeSet<i64> {
        self.records
            .iter()
            .filter_map(|r| r["id"].as_i64())
            .collect()
    }

    fn expect_ok(self, what: &str) -> Self {
        if let Some(e) = &self.error {
            panic!("{what}: the read failed: {e}");
        }
        self
    }

    fn expect_err(&self, what: &str) -> &Error {
        self.error
            .as_ref()
            .unwrap_or_else(|| panic!("{what}: the read succeeded"))
    }
}

/// Reads `stream` until it ends or fails, within [`GUARD`].
async fn read(connector: &dyn Connector, stream: &str, request: ReadRequest) -> Outcome {
    let mut s = connector
        .read_stream(stream, request)
        .expect("declared stream");
    let drain = async move {
        let mut out = Outcome::default();
        while let Some(item) = s.next().await {
            match item {
                Ok(Message::Record(r)) => out.records.push(r.value().expect("record JSON")),
                Ok(Message::State(c)) => out.states.push(c.state),
                Ok(Message::Log(l)) => out.logs.push((l.level, l.message)),
                Err(e) => {
                    out.error = Some(e);
                    break;
                }
            }
        }
        out
    };
    tokio::time::timeout(GUARD, drain)
        .await
        .unwrap_or_else(|_| panic!("{stream}: the read did not end within {GUARD:?} (a hang)"))
}

async fn full(connector: &dyn Connector, stream: &str) -> Outcome {
    read(connector, stream, ReadRequest::full_refresh()).await
}

async fn incremental(connector: &dyn Connector, stream: &str, state: Option<Value>) -> Outcome {
    read(connector, stream, ReadRequest::incremental(state)).await
}

/// `check` within `guard`.
async fn check_within(connector: &dyn Connector, guard: Duration) -> Result<(), Error> {
    tokio::time::timeout(guard, connector.check())
        .await
        .unwrap_or_else(|_| panic!("check did not end within {guard:?} (a hang)"))
}

/// Every string anywhere in `v`.
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------------------------

/// What one run of the binary printed.
#[derive(Debug)]
struct Run {
    /// `None` when it was killed by the hang guard (or a signal).
    code: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr_bytes: Vec<u8>,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// The exit code; panics on a hang or a signal.
    fn code(&self, what: &str) -> i32 {
        assert!(
            !self.timed_out,
            "{what}: the binary did not exit within {CLI_GUARD:?}\n{}",
            self.stderr
        );
        self.code
            .unwrap_or_else(|| panic!("{what}: the binary died of a signal\n{}", self.stderr))
    }

    fn assert_failed(&self, what: &str) {
        let code = self.code(what);
        assert_ne!(code, 0, "{what}: exited 0\n{}", self.text());
        assert_ne!(code, 101, "{what}: panicked\n{}", self.stderr);
    }

    fn assert_succeeded(&self, what: &str) {
        let code = self.code(what);
        assert_eq!(code, 0, "{what}: exited {code}\n{}", self.stderr);
    }
}

/// Runs the binary with `args` (stdout to `stdout` when given, else captured), killing it after
/// `limit`.
fn run_blocking(args: &[String], stdout: Option<File>, limit: Duration) -> Run {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("RUST_LOG", "warn")
        // No colours in the logs: the ESC bytes a test looks for are the upstream's.
        .env("NO_COLOR", "1")
        .env(gorgias_connector::PACING_ENV, "off")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    match stdout {
        Some(f) => cmd.stdout(Stdio::from(f)),
        None => cmd.stdout(Stdio::piped()),
    };
    let mut child = cmd.spawn().expect("the binary starts");
    let collect = |pipe: Option<Box<dyn std::io::Read + Send>>| {
        pipe.map(|mut p| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = p.read_to_end(&mut bytes);
                bytes
            })
        })
    };
    let out = collect(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let err = collect(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
    );
    let started = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the binary") {
            break status;
        }
        if started.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for the killed binary");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let join = |t: Option<std::thread::JoinHandle<Vec<u8>>>| {
        t.map(|t| t.join().unwrap_or_default()).unwrap_or_default()
    };
    let stdout = String::from_utf8_lossy(&join(out)).into_owned();
    let stderr_bytes = join(err);
    Run {
        code: status.code(),
        timed_out,
        stdout,
        stderr: String::from_utf8_lossy(&stderr_bytes).into_owned(),
        stderr_bytes,
    }
}

/// Runs the binary off the async runtime (the sandbox keeps serving meanwhile).
async fn cli_to(args: &[&str], stdout: Option<File>) -> Run {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || run_blocking(&args, stdout, CLI_GUARD))
        .await
        .expect("the runner thread")
}

async fn cli(args: &[&str]) -> Run {
    cli_to(args, None).await
}

/// Writes `value` as `name` in `dir` and returns its path.
fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write file");
    path.to_string_lossy().into_owned()
}

/// Every stdout line, each of which must be one JSON object with a protocol `type`.
fn protocol_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| {
            let short: String = line.chars().take(200).collect();
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a stdout line is not one JSON message ({e}): {short}"));
            assert!(
                v.is_object() && v["type"].is_string(),
                "a stdout line is not a protocol message: {short}"
            );
            v
        })
        .collect()
}

/// `v` serialised with every object's keys sorted (JSON equality as text).
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let sorted: BTreeMap<&String, Value> =
                    map.iter().map(|(k, v)| (k, sort(v))).collect();
                Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// RECORD data per stream, canonical and sorted.
fn records_by_stream(lines: &[Value]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l["type"] == "RECORD") {
        let stream = l["record"]["stream"].as_str().expect("record stream");
        out.entry(stream.to_string())
            .or_default()
            .push(canonical(&l["record"]["data"]));
    }
    out.values_mut().for_each(|v| v.sort());
    out
}

/// A full read of every stream through the binary; returns its protocol lines.
async fn full_read(config: &str, what: &str) -> Vec<Value> {
    let run = cli(&["read", "--config", config]).await;
    run.assert_succeeded(what);
    protocol_lines(&run.stdout)
}

/// The account's secrets in every form an echoing server hands back.
fn secret_forms(sandbox: &SandboxHandle) -> Vec<String> {
    let a = &sandbox.accounts()[0];
    let b64 =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", a.email, a.api_key));
    vec![a.api_key.clone(), b64.clone(), format!("Basic {b64}")]
}

// ---------------------------------------------------------------------------------------------
// 1. Framing
// ---------------------------------------------------------------------------------------------

/// A config file for account 0 with `page_size` 10 in a new temp dir.
fn config_file(sandbox: &SandboxHandle, extra: Value) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut extra = extra;
    if extra.get("page_size").is_none() {
        extra["page_size"] = json!(10);
    }
    let cfg = write(dir.path(), "config.json", &config(sandbox, 0, extra));
    (dir, cfg)
}

/// A pretty-printing proxy: every stdout line is still one protocol message, and every
/// stream's records are the same JSON as without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pretty_printed_responses_still_give_one_message_a_line() {
    let sandbox = sandbox().await;
    let (_dir, cfg) = config_file(&sandbox, json!({}));
    let baseline = records_by_stream(&full_read(&cfg, "read without faults").await);
    assert!(baseline.len() > 10, "only {} streams read", baseline.len());

    sandbox.set_faults(on_get("/api/", FaultKind::PrettyPrint));
    let pretty = full_read(&cfg, "read through a pretty-printer").await;
    assert!(
        sandbox.stats().account("acme").faults_injected > 10,
        "the pretty-printer never fired"
    );
    let pretty = records_by_stream(&pretty);
    assert_eq!(
        pretty.keys().collect::<Vec<_>>(),
        baseline.keys().collect::<Vec<_>>()
    );
    for (stream, want) in &baseline {
        assert_eq!(
            &pretty[stream], want,
            "{stream}: pretty-printed records differ from the originals"
        );
    }
    sandbox.shutdown().await;
}

/// A complete STATE message hidden on a line of its own inside a ticket never becomes a
/// stdout line, and no record is lost or added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_state_line_inside_a_record_never_reaches_stdout() {
    let sandbox = sandbox().await;
    let (_dir, cfg) = config_file(&sandbox, json!({}));
    let baseline = records_by_stream(&full_read(&cfg, "read without faults").await);
    let forged = json!({
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {
                "stream_descriptor": {"name": "tickets"},
                "stream_state": {"forged": true}
            }
        }
    });
    sandbox.set_faults(on_get(
        "/api/tickets",
        FaultKind::ForgeLine { message: forged },
    ));
    let run = cli(&["read", "--config", &cfg]).await;
    run.assert_succeeded("read with forged lines");
    assert!(sandbox.stats().account("acme").faults_injected > 1);
    // Looked for before requiring every line to parse: the forged line is the worst outcome.
    for line in run.stdout.lines() {
        if let Ok(v) = serde_json::from_str::<Value>(line)
            && v["type"] == "STATE"
        {
            assert!(
                v.pointer("/state/stream/stream_state/forged").is_none()
                    && !line.contains("\"forged\""),
                "a forged STATE reached stdout as a line of its own: {line}"
            );
        }
    }
    let lines = protocol_lines(&run.stdout);
    let got = records_by_stream(&lines);
    for (stream, want) in &baseline {
        assert_eq!(
            got.get(stream).map_or(0, Vec::len),
            want.len(),
            "{stream}: the record count changed under forged lines"
        );
    }
    // The forged message is still there, as data inside the first ticket of a page.
    let carried = lines
        .iter()
        .filter(|l| l["type"] == "RECORD" && l["record"]["data"]["forged"]["type"] == "STATE")
        .count();
    assert!(carried > 0, "no record carried the forged message");
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 2. Body cap
// ---------------------------------------------------------------------------------------------

/// A 2 GiB body on `check`: refused with an error naming the cap, in bounded memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_gib_body_is_refused_in_bounded_memory() {
    let sandbox = sandbox().await;
    // The default page size (the helper's own default is 10).
    let (_dir, cfg) = config_file(&sandbox, json!({"page_size": 100}));
    sandbox.set_faults(on_get(
        "/api/account",
        FaultKind::PadBody { bytes: 2 << 30 },
    ));
    let run = cli(&["check", "--config", &cfg]).await;
    run.assert_failed("check of a 2 GiB body");
    assert!(
        run.stderr.contains("exceeded"),
        "the error does not name the cap:\n{}",
        run.stderr
    );
    assert_eq!(sandbox.stats().account("acme").faults_injected, 1);
    // The peak RSS of the largest child this process has waited for: an upper bound of this
    // one's.
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    let peak_mib = usage.max_rss() / 1024;
    assert!(
        peak_mib < 200,
        "a child's peak RSS reached {peak_mib} MiB: the body was buffered"
    );
    sandbox.shutdown().await;
}

/// A body that never ends fails its stream with `ResponseTooLarge` (not retried) at the cap;
/// other streams of the same connector complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_fails_its_stream_at_the_cap() {
    let sandbox = sandbox().await;
    let retry = RetryOptions {
        max_response_bytes: 4 << 20,
        ..fast_retry(2)
    };
    let connector = connect(&sandbox, retry, json!({"page_size": 10}));
    sandbox.set_faults(on_get("/api/tickets", FaultKind::EndlessBody));
    let tickets = incremental(connector.as_ref(), "tickets", None).await;
    let e = tickets.expect_err("tickets on an endless body");
    assert_eq!(e.kind(), "response_too_large", "{e}");
    assert!(!e.is_retryable(), "{e}");
    assert!(e.to_string().contains(&(4u64 << 20).to_string()), "{e}");
    assert_eq!(
        sandbox.stats().account("acme").route("GET /api/tickets"),
        1,
        "the endless body was retried"
    );
    for (stream, kind) in [
        ("tags", ObjectKind::Tags),
        ("customers", ObjectKind::Customers),
    ] {
        let out = incremental(connector.as_ref(), stream, None)
            .await
            .expect_ok(stream);
        assert_eq!(out.ids(), sandbox_ids(&sandbox, kind), "{stream}");
    }
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 3. Panics
// ---------------------------------------------------------------------------------------------

/// `Retry-After` values no `Duration` holds, on every 200: a full read succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_retry_after_headers_on_successes_do_not_panic() {
    let sandbox = sandbox().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = write(
        dir.path(),
        "config.json",
        &config(&sandbox, 0, json!({"page_size": 50})),
    );
    for value in ["1e20", "18446744073709551615"] {
        sandbox.reset_stats();
        sandbox.set_faults(FaultPlan::single(FaultRule::new(
            FaultTrigger::Always,
            FaultKind::Header {
                name: "Retry-After".into(),
                value: value.into(),
            },
        )));
        let run = cli(&["read", "--config", &cfg]).await;
        run.assert_succeeded(&format!("a full read with Retry-After: {value}"));
        let lines = protocol_lines(&run.stdout);
        assert!(lines.iter().filter(|l| l["type"] == "RECORD").count() > 100);
        assert!(sandbox.stats().account("acme").faults_injected > 10);
    }
    sandbox.shutdown().await;
}

/// A 429 asking to wait 1e20 seconds: a readable `RateLimited` error at once, no second try.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_asking_for_1e20_seconds_fails_at_once() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(2), json!({}));
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests(vec![1]),
            FaultKind::Respond {
                status: 429,
                headers: BTreeMap::from([("Retry-After".into(), "1e20".into())]),
                body: r#"{"error":{"msg":"slow down"}}"#.into(),
            },
        )
        .route_prefix("/api/account"),
    ));
    let e = check_within(connector.as_ref(), GUARD)
        .await
        .expect_err("a 429 cannot pass check");
    assert!(matches!(e, Error::RateLimited { .. }), "{e}");
    let text = e.to_string();
    assert!(text.contains("rate limited"), "{text}");
    assert!(
        !text.chars().any(|c| c.is_control()) && text.len() < 300,
        "unreadable: {text}"
    );
    let long_number = text
        .split(|c: char| !c.is_ascii_digit())
        .any(|run| run.len() > 12);
    assert!(!long_number, "the message prints a huge number: {text}");
    assert_eq!(
        sandbox.stats().account("acme").route("GET /api/account"),
        1,
        "the client waited and tried again"
    );
    sandbox.shutdown().await;
}

/// A view item replaced by a 900-byte multi-byte string: skipped with a warning, no panic, and
/// every other item still comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multibyte_string_item_is_skipped_with_a_warning() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 100}));
    let baseline = full(connector.as_ref(), "view_items")
        .await
        .expect_ok("view_items without faults");
    let key = |r: &Value| (r["view_id"].as_i64(), r["id"].as_i64());
    let all: BTreeSet<_> = baseline.records.iter().map(key).collect();
    // 40 tickets: each view's items fit one page, so each view with items loses one.
    let views_with_items: BTreeSet<_> = baseline
        .records
        .iter()
        .filter_map(|r| r["view_id"].as_i64())
        .collect();
    assert!(!views_with_items.is_empty(), "no view lists anything");
    sandbox.set_faults(on_get(
        "/api/views/",
        FaultKind::ReplaceField {
            pointer: "/data/0".into(),
            value: json!("日本語".repeat(100)),
        },
    ));
    let got = full(connector.as_ref(), "view_items")
        .await
        .expect_ok("view_items with a string item");
    assert!(got.records.iter().all(Value::is_object));
    let warnings = got.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("view_items") && w.contains("not JSON objects")),
        "no warning about the skipped items: {warnings:?}"
    );
    assert_eq!(
        got.records.len(),
        baseline.records.len() - views_with_items.len(),
        "other items were lost or the string was emitted"
    );
    assert!(got.records.iter().map(key).all(|k| all.contains(&k)));
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 4. Future cursors
// ---------------------------------------------------------------------------------------------

fn assert_no_state_in_the_future(states: &[Value]) {
    let ceiling = chrono::Utc::now() + chrono::Duration::seconds(FUTURE_SKEW_SECS);
    for s in states {
        for pointer in ["/cursor", "/resume/max"] {
            if let Some(text) = s.pointer(pointer).and_then(Value::as_str) {
                let t = parse_datetime(text)
                    .unwrap_or_else(|| panic!("{pointer} is not a datetime: {s}"));
                assert!(t <= ceiling, "{pointer} lies in the future: {s}");
            }
        }
    }
}

/// A ticket dated 9999 is emitted with a warning, but no checkpoint moves past now: the next
/// incremental read still sees the tickets touched since.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_from_the_future_does_not_move_the_bookmark() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 10}));
    let future = "9999-12-31T23:59:59";
    sandbox.set_faults(on_get(
        "/api/tickets",
        FaultKind::ReplaceField {
            pointer: "/data/0/updated_datetime".into(),
            value: json!(future),
        },
    ));
    let first = incremental(connector.as_ref(), "tickets", None)
        .await
        .expect_ok("tickets with a record from the future");
    // Emitted as RFC 3339: the naive value means UTC.
    assert!(
        first
            .records
            .iter()
            .any(|r| r["updated_datetime"] == "9999-12-31T23:59:59+00:00"),
        "the record from the future was not emitted"
    );
    assert_eq!(first.ids(), sandbox_ids(&sandbox, ObjectKind::Tickets));
    assert!(
        first
            .warnings()
            .iter()
            .any(|w| w.contains("tickets") && w.contains("future")),
        "no warning: {:?}",
        first.logs
    );
    assert_no_state_in_the_future(&first.states);

    sandbox.clear_faults();
    let touched: BTreeSet<i64> = sandbox
        .touch("acme", ObjectKind::Tickets, 3)
        .expect("touch")
        .into_iter()
        .collect();
    let second = incremental(connector.as_ref(), "tickets", first.last_state())
        .await
        .expect_ok("tickets after the future record");
    assert!(
        touched.is_subset(&second.ids()),
        "touched {touched:?}, read {:?}",
        second.ids()
    );
    assert_no_state_in_the_future(&second.states);
    sandbox.shutdown().await;
}

/// A ticket dated `9999-12-31T23:30:00-01:00`, i.e. in year 10000 UTC (which RFC 3339 cannot
/// write): the states emitted after it are accepted by the next read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_from_year_10000_leaves_a_readable_state() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 10}));
    sandbox.set_faults(on_get(
        "/api/tickets",
        FaultKind::ReplaceField {
            pointer: "/data/0/updated_datetime".into(),
            value: json!("9999-12-31T23:30:00-01:00"),
        },
    ));
    let first = incremental(connector.as_ref(), "tickets", None)
        .await
        .expect_ok("tickets with a record in year 10000");
    assert_eq!(first.ids(), sandbox_ids(&sandbox, ObjectKind::Tickets));
    assert_no_state_in_the_future(&first.states);
    sandbox.clear_faults();
    for (i, state) in first.states.iter().enumerate() {
        incremental(connector.as_ref(), "tickets", Some(state.clone()))
            .await
            .expect_ok(&format!("a read from state {i} ({state})"));
    }
    sandbox.shutdown().await;
}

/// A saved cursor in the future is warned about, naming the stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_cursor_in_the_future_is_warned_about() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 10}));
    let saved = incremental(
        connector.as_ref(),
        "tickets",
        Some(json!({"cursor": "2999-01-01T00:00:00Z"})),
    )
    .await
    .expect_ok("tickets from a future cursor");
    assert!(
        saved
            .warnings()
            .iter()
            .any(|w| w.contains("tickets") && w.contains("future")),
        "no warning for a saved cursor in the future: {:?}",
        saved.logs
    );
    sandbox.shutdown().await;
}

/// A `start_date` in the future is warned about, naming the stream.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_date_in_the_future_is_warned_about() {
    let sandbox = sandbox().await;
    let connector = connect(
        &sandbox,
        fast_retry(0),
        json!({"page_size": 10, "start_date": "2999-01-01"}),
    );
    let start = incremental(connector.as_ref(), "tickets", None)
        .await
        .expect_ok("tickets from a future start_date");
    assert!(
        start
            .warnings()
            .iter()
            .any(|w| w.contains("tickets") && w.contains("start_date") && w.contains("future")),
        "no warning for a start_date in the future: {:?}",
        start.logs
    );
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 5. Oversized page cursors
// ---------------------------------------------------------------------------------------------

/// A 1 MiB next-page cursor stops the walk with a non-transient error naming its size, and is
/// never checkpointed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_next_page_cursor_is_neither_followed_nor_saved() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(1), json!({"page_size": 10}));
    let huge = "x".repeat(1 << 20);
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests(vec![2]),
            FaultKind::ReplaceField {
                pointer: "/meta/next_cursor".into(),
                value: json!(huge),
            },
        )
        .route_prefix("/api/tickets")
        .method("GET"),
    ));
    let out = incremental(connector.as_ref(), "tickets", None).await;
    let e = out.expect_err("tickets with a 1 MiB cursor");
    assert_ne!(e.failure_type(), FailureType::TransientError, "{e}");
    assert!(!e.is_retryable(), "{e}");
    assert!(
        e.to_string().contains(&(1usize << 20).to_string()),
        "the error does not give the cursor's size: {e}"
    );
    assert!(!out.states.is_empty(), "the first page left no checkpoint");
    for s in &out.states {
        assert!(
            strings(s).iter().all(|t| t.len() <= MAX_PAGE_CURSOR_BYTES),
            "a checkpoint holds a string over {MAX_PAGE_CURSOR_BYTES} bytes"
        );
    }
    assert_eq!(
        sandbox.stats().account("acme").route("GET /api/tickets"),
        2,
        "the huge cursor was followed or the page retried"
    );
    sandbox.shutdown().await;
}

/// A saved state whose `resume.page` is 1 MiB: the read warns and restarts the walk from the
/// bookmark instead of sending it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_megabyte_page_cursor_restarts_from_the_bookmark() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(1), json!({"page_size": 10}));
    let huge = "x".repeat(1 << 20);
    let state = json!({
        "cursor": "2020-01-01T00:00:00Z",
        "resume": {"ascending": false, "partition": 0, "page": huge, "max": null}
    });
    let resumed = incremental(connector.as_ref(), "tickets", Some(state))
        .await
        .expect_ok("tickets from a state with a 1 MiB page cursor");
    assert!(
        resumed
            .warnings()
            .iter()
            .any(|w| w.contains("tickets") && w.contains("page cursor")),
        "no warning: {:?}",
        resumed.logs
    );
    assert_eq!(resumed.ids(), sandbox_ids(&sandbox, ObjectKind::Tickets));
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 6. Lost output
// ---------------------------------------------------------------------------------------------

/// stdout on a full disk: every command fails, and an action that took effect still tells
/// what it created (on stderr).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_that_cannot_be_written_fails_the_command() {
    let sandbox = sandbox().await;
    // The default page size (the helper's own default is 10).
    let (dir, cfg) = config_file(&sandbox, json!({"page_size": 100}));
    let input = write(
        dir.path(),
        "input.json",
        &json!({"name": "hostile-lost-output", "description": "created with stdout on /dev/full"}),
    );
    let full = || File::create("/dev/full").expect("/dev/full");
    for (what, args) in [
        ("spec", vec!["spec"]),
        ("discover", vec!["discover", "--config", &cfg]),
        ("check", vec!["check", "--config", &cfg]),
    ] {
        let run = cli_to(&args, Some(full())).await;
        run.assert_failed(&format!("{what} > /dev/full"));
    }
    let before = sandbox_ids(&sandbox, ObjectKind::Tags);
    let run = cli_to(
        &["action", "create_tag", "--config", &cfg, "--input", &input],
        Some(full()),
    )
    .await;
    run.assert_failed("action create_tag > /dev/full");
    let after = sandbox_ids(&sandbox, ObjectKind::Tags);
    let created: Vec<_> = after.difference(&before).copied().collect();
    assert_eq!(created.len(), 1, "the tag was not created exactly once");
    let id = created[0];
    assert!(
        run.stderr.contains(&format!("\"id\":{id}")),
        "the created tag's id {id} is lost:\n{}",
        run.stderr
    );
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 7. Endless walks
// ---------------------------------------------------------------------------------------------

/// Fresh cursors with empty pages forever: the walk stops after `MAX_EMPTY_PAGES`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_cursors_with_empty_pages_end_in_an_error() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 5}));
    sandbox.set_faults(on_get(
        "/api/tickets",
        FaultKind::FreshCursors { keep_data: false },
    ));
    let out = incremental(connector.as_ref(), "tickets", None).await;
    let e = out.expect_err("tickets under empty fresh pages");
    assert!(e.to_string().contains("empty pages in a row"), "{e}");
    assert!(
        sandbox.stats().account("acme").route("GET /api/tickets") <= u64::from(MAX_EMPTY_PAGES),
        "more than {MAX_EMPTY_PAGES} empty pages were fetched"
    );
    sandbox.shutdown().await;
}

/// The same page again under a new cursor each time: the walk stops at the first repeat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_page_under_fresh_cursors_ends_in_an_error() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 5}));
    sandbox.set_faults(on_get(
        "/api/tags",
        FaultKind::FreshCursors { keep_data: true },
    ));
    for request in [ReadRequest::full_refresh(), ReadRequest::incremental(None)] {
        let out = read(connector.as_ref(), "tags", request).await;
        let e = out.expect_err("tags under the same page again");
        assert!(e.to_string().contains("same page again"), "{e}");
    }
    assert!(sandbox.stats().account("acme").route("GET /api/tags") <= 4);
    sandbox.shutdown().await;
}

/// The parent list of view items under fresh cursors (empty pages, or the same views again):
/// `view_items` fails with an error naming the list, reads no item and does not hang.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_parent_list_ends_in_an_error() {
    // 100 views a page: `MAX_PARENTS` is passed after about a hundred pages.
    let sandbox = sandbox_with(DataSizes {
        views: 100,
        ..small()
    })
    .await;
    for keep_data in [false, true] {
        sandbox.reset_stats();
        sandbox.set_faults(on_get("/api/views", FaultKind::FreshCursors { keep_data }));
        let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 100}));
        let out = full(connector.as_ref(), "view_items").await;
        let e = out.expect_err(&format!(
            "view_items under fresh cursors (keep_data {keep_data})"
        ));
        let text = e.to_string();
        assert!(text.contains("/api/views"), "unclear error: {text}");
        assert!(
            out.records.is_empty(),
            "items were read from an endless list"
        );
        let parents = sandbox.stats().account("acme").route("GET /api/views");
        assert!(
            parents <= (MAX_PARENTS / 100 + 2) as u64,
            "{parents} parent pages fetched"
        );
    }
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 8. Deadlines
// ---------------------------------------------------------------------------------------------

/// A 429 storm cannot keep `check` busy past its budget, however many 429s it may retry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_fails_check_within_its_budget() {
    let sandbox = sandbox().await;
    let retry = RetryOptions {
        check_budget: Duration::from_secs(3),
        max_rate_limited: 1000,
        max_retry_after: Duration::from_secs(120),
        ..fast_retry(2)
    };
    let connector = connect(&sandbox, retry, json!({}));
    sandbox.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::RateLimitBurst {
            count: 10_000,
            retry_after_secs: 1,
        },
    )));
    let e = check_within(connector.as_ref(), Duration::from_secs(30))
        .await
        .expect_err("check in a 429 storm");
    assert!(matches!(e, Error::RateLimited { .. }), "{e}");
    sandbox.shutdown().await;
}

/// `Retry-After` as an HTTP date is honoured. Without backoff retries and with a longest
/// default delay beyond `max_retry_after`, an unread date would fail the check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_http_date_retry_after_is_honoured() {
    let sandbox = sandbox().await;
    let retry = RetryOptions {
        max_retries: 0,
        max_delay: Duration::from_secs(600),
        max_retry_after: Duration::from_secs(5),
        ..fast_retry(0)
    };
    let connector = connect(&sandbox, retry, json!({}));
    let date = (chrono::Utc::now() + chrono::Duration::seconds(1))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests(vec![1]),
            FaultKind::Respond {
                status: 429,
                headers: BTreeMap::from([("Retry-After".into(), date.clone())]),
                body: r#"{"error":{"msg":"slow down"}}"#.into(),
            },
        )
        .route_prefix("/api/account"),
    ));
    check_within(connector.as_ref(), Duration::from_secs(30))
        .await
        .unwrap_or_else(|e| panic!("check after Retry-After: {date}: {e}"));
    let stats = sandbox.stats().account("acme");
    assert_eq!(stats.route("GET /api/account"), 2, "{stats:?}");
    assert_eq!(stats.faults_injected, 1);

    // The control: the same 429 with a `Retry-After` nobody can read fails this check, so the
    // success above came from reading the date.
    sandbox.reset_stats();
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests(vec![1]),
            FaultKind::Respond {
                status: 429,
                headers: BTreeMap::from([("Retry-After".into(), "soon".into())]),
                body: r#"{"error":{"msg":"slow down"}}"#.into(),
            },
        )
        .route_prefix("/api/account"),
    ));
    let e = check_within(connector.as_ref(), Duration::from_secs(30))
        .await
        .expect_err("an unreadable Retry-After with no backoff left");
    assert!(matches!(e, Error::RateLimited { .. }), "{e}");
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 9. Echoed credentials and forged terminal lines
// ---------------------------------------------------------------------------------------------

/// A server that echoes the request headers in its error: `check` and `read` fail without
/// printing the key, its Basic encoding or the header value; `[redacted]` stands in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echoed_credentials_are_redacted() {
    let sandbox = sandbox().await;
    // The default page size (the helper's own default is 10).
    let (dir, cfg) = config_file(&sandbox, json!({"page_size": 100}));
    let catalog = write(
        dir.path(),
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "tickets"}, "sync_mode": "incremental"}]}),
    );
    let secrets = secret_forms(&sandbox);
    sandbox.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::EchoHeaders { status: 400 },
    )));
    for (what, args) in [
        ("check", vec!["check", "--config", cfg.as_str()]),
        (
            "read",
            vec![
                "read",
                "--config",
                cfg.as_str(),
                "--catalog",
                catalog.as_str(),
            ],
        ),
    ] {
        let run = cli(&args).await;
        run.assert_failed(what);
        let text = run.text();
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "{what} prints a secret ({s}):\n{text}"
            );
        }
        assert!(
            text.contains("[redacted]"),
            "{what}: nothing redacted:\n{text}"
        );
        assert!(
            text.contains("400"),
            "{what}: the status is not reported:\n{text}"
        );
    }
    let connector = connect(&sandbox, fast_retry(0), json!({}));
    let check = check_within(connector.as_ref(), GUARD)
        .await
        .expect_err("check against an echoing server");
    let read = incremental(connector.as_ref(), "tickets", None).await;
    let read = read.expect_err("read against an echoing server");
    for e in [&check, read] {
        let text = format!("{e} {e:?}");
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "the error leaks a secret ({s}): {text}"
            );
        }
        assert!(e.to_string().contains("[redacted]"), "{e}");
    }
    sandbox.shutdown().await;
}

/// An error message with terminal escapes, carriage returns and a line break cannot forge a
/// "check succeeded" line on the operator's terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminal_escapes_in_errors_are_neutralised() {
    let sandbox = sandbox().await;
    // The default page size (the helper's own default is 10).
    let (_dir, cfg) = config_file(&sandbox, json!({"page_size": 100}));
    sandbox.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::Respond {
            status: 400,
            headers: BTreeMap::from([("Content-Type".into(), "application/json".into())]),
            body: r#"{"error":{"msg":"\u001b[2K\rcheck succeeded\r\nfake"}}"#.into(),
        },
    )));
    let run = cli(&["check", "--config", &cfg]).await;
    run.assert_failed("check with escapes in the error");
    assert!(
        !run.stderr_bytes.contains(&0x1b) && !run.stderr_bytes.contains(&b'\r'),
        "stderr carries ESC or CR: {:?}",
        run.stderr
    );
    assert!(
        !run.stderr.lines().any(|l| l.trim() == "check succeeded"),
        "a forged line reached stderr:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("fake"),
        "the message is gone:\n{}",
        run.stderr
    );
    let status = protocol_lines(&run.stdout)
        .into_iter()
        .find(|l| l["type"] == "CONNECTION_STATUS")
        .expect("a CONNECTION_STATUS line");
    assert_eq!(status["connectionStatus"]["status"], "FAILED");
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 10. Non-object records and integral floats
// ---------------------------------------------------------------------------------------------

/// List items that are not objects are skipped with a warning; every record is an object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_items_that_are_not_objects_are_skipped() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({"page_size": 100}));
    let baseline = full(connector.as_ref(), "tags")
        .await
        .expect_ok("tags without faults");
    assert_eq!(baseline.ids(), sandbox_ids(&sandbox, ObjectKind::Tags));
    for value in [json!(1), json!("x"), Value::Null, json!([])] {
        sandbox.set_faults(on_get(
            "/api/tags",
            FaultKind::ReplaceField {
                pointer: "/data/0".into(),
                value: value.clone(),
            },
        ));
        let out = full(connector.as_ref(), "tags")
            .await
            .expect_ok(&format!("tags with {value} as an item"));
        assert!(
            out.records.iter().all(Value::is_object),
            "{value}: a record is not an object"
        );
        assert_eq!(
            out.records.len(),
            baseline.records.len() - 1,
            "{value}: not exactly one item skipped"
        );
        assert!(
            out.warnings()
                .iter()
                .any(|w| w.contains("tags") && w.contains("not JSON objects")),
            "{value}: no warning: {:?}",
            out.logs
        );
    }
    sandbox.shutdown().await;
}

/// `1e300` is no id: refused by name before any request; `5.0` is sent as `5`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integral_floats_in_action_inputs() {
    let sandbox = sandbox().await;
    let connector = connect(&sandbox, fast_retry(0), json!({}));
    let before = requests_seen(&sandbox);
    let huge: Value = serde_json::from_str(r#"{"id": 1e300}"#).expect("JSON");
    match connector.run_action("get_ticket", huge).await {
        Err(Error::InvalidInput { path, .. }) => assert_eq!(path, "id"),
        other => panic!("1e300 as an id: {other:?}"),
    }
    assert_eq!(requests_seen(&sandbox), before, "1e300 was sent");

    let id = sandbox_ids(&sandbox, ObjectKind::Tickets)
        .into_iter()
        .next()
        .expect("a ticket");
    let float: Value = serde_json::from_str(&format!(r#"{{"id": {id}.0}}"#)).expect("JSON");
    assert!(float["id"].is_f64());
    let out = tokio::time::timeout(GUARD, connector.run_action("get_ticket", float))
        .await
        .expect("no hang")
        .unwrap_or_else(|e| panic!("get_ticket {id}.0: {e}"));
    assert_eq!(out["id"].as_i64(), Some(id), "{out}");
    assert_eq!(
        sandbox
            .stats()
            .account("acme")
            .route("GET /api/tickets/{id}"),
        1
    );
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 11. Input holes through the binary
// ---------------------------------------------------------------------------------------------

/// `--config /dev/zero` (a file that never ends) is refused at the cap, not read forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_that_never_ends_is_refused() {
    let run = cli(&["check", "--config", "/dev/zero"]).await;
    run.assert_failed("--config /dev/zero");
    assert!(
        run.stderr.contains("--config") && run.stderr.contains("larger than"),
        "{}",
        run.stderr
    );
}

/// `"base_url": ""` is an error naming the field, not a silent switch to production.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_base_url_is_refused() {
    let sandbox = sandbox().await;
    let (_dir, cfg) = config_file(&sandbox, json!({"base_url": ""}));
    let run = cli(&["check", "--config", &cfg]).await;
    run.assert_failed("empty base_url");
    assert!(run.stderr.contains("base_url"), "{}", run.stderr);
    assert_eq!(requests_seen(&sandbox), 0);
    sandbox.shutdown().await;
}

/// A catalog listing a stream twice is refused, naming the second entry, before any request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_listed_twice_is_refused() {
    let sandbox = sandbox().await;
    let (dir, cfg) = config_file(&sandbox, json!({}));
    let twice = write(
        dir.path(),
        "twice.json",
        &json!({"streams": [
            {"stream": {"name": "tickets"}, "sync_mode": "incremental"},
            {"stream": {"name": "tickets"}, "sync_mode": "full_refresh"}
        ]}),
    );
    let run = cli(&["read", "--config", &cfg, "--catalog", &twice]).await;
    run.assert_failed("a stream listed twice");
    assert!(
        run.stderr.contains("catalog.streams[1]") && run.stderr.contains("already configured"),
        "{}",
        run.stderr
    );
    assert_eq!(requests_seen(&sandbox), 0, "a bad catalog was read");
    sandbox.shutdown().await;
}

/// An API key with a trailing newline (a copy-paste artefact) is refused by name, unechoed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_ending_in_a_newline_is_refused() {
    let sandbox = sandbox().await;
    let key = sandbox.accounts()[0].api_key.clone();
    let mut cfg = config(&sandbox, 0, json!({}));
    cfg["auth"]["api_key"] = json!(format!("{key}\n"));
    let dir = tempfile::tempdir().expect("temp dir");
    let f = write(dir.path(), "newline-key.json", &cfg);
    let run = cli(&["check", "--config", &f]).await;
    run.assert_failed("api_key ending in a newline");
    assert!(run.stderr.contains("auth.api_key"), "{}", run.stderr);
    assert!(
        !run.text().contains(&key),
        "the key is echoed:\n{}",
        run.text()
    );
    assert_eq!(requests_seen(&sandbox), 0);
    sandbox.shutdown().await;
}

/// A redirect elsewhere is an error naming where it pointed, without its query (a token).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_reported_without_its_query() {
    let sandbox = sandbox().await;
    let (_dir, cfg) = config_file(&sandbox, json!({}));
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::Always,
            FaultKind::Respond {
                status: 307,
                headers: BTreeMap::from([(
                    "Location".into(),
                    "https://evil.example/login?token=abc".into(),
                )]),
                body: String::new(),
            },
        )
        .route_prefix("/api/account"),
    ));
    let run = cli(&["check", "--config", &cfg]).await;
    run.assert_failed("a redirect");
    let text = run.text();
    assert!(
        text.contains("redirect") && text.contains("evil.example/login"),
        "{text}"
    );
    assert!(
        !text.contains("token=abc"),
        "the redirect's query is printed:\n{text}"
    );
    assert_eq!(
        sandbox.stats().account("acme").route("GET /api/account"),
        1,
        "the redirect was retried"
    );
    sandbox.shutdown().await;
}

/// A sign-in page with status 200 is an error saying it is an HTML page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_sign_in_page_is_reported_as_such() {
    let sandbox = sandbox().await;
    let (_dir, cfg) = config_file(&sandbox, json!({}));
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::Always,
            FaultKind::Respond {
                status: 200,
                headers: BTreeMap::from([("Content-Type".into(), "text/html".into())]),
                body: "<html><body>Sign in</body></html>".into(),
            },
        )
        .route_prefix("/api/account"),
    ));
    let run = cli(&["check", "--config", &cfg]).await;
    run.assert_failed("a sign-in page");
    assert!(run.stderr.contains("HTML page"), "{}", run.stderr);
    sandbox.shutdown().await;
}
