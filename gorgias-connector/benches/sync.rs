//! Sync benchmarks against the in-process sandbox. One JSON line per result on stdout,
//! progress on stderr.
//!
//! ```text
//! cargo bench -p gorgias-connector --bench sync                 # everything
//! cargo bench -p gorgias-connector --bench sync -- b1 micro     # a subset
//! cargo bench -p gorgias-connector --bench sync -- b2 --runs 3  # fewer repetitions
//! ```
//! Subsets: `b1` throughput (library and CLI), `b1-rss` peak memory at 10k / 100k / 1M
//! records, `b2` rate-budget use, `b3` incremental cost, `b4` many accounts, `micro`.
//!
//! The connector side of B1 and B4 runs in a child process (this binary re-executed, or the
//! `gorgias-connector` binary), so its CPU time and peak RSS are the connector's own and not
//! the sandbox's, which stays in this process.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use connector_host::airbyte::{ConfiguredCatalog, ConfiguredStream, MessageWriter};
use connector_host::{ReadOptions, read};
use connector_http::page::{Scalar, field};
use connector_sdk::cursor::parse_datetime;
use connector_sdk::{
    Connector, ConnectorExt, DefinitionExt, Message, ReadRequest, State, SyncMode,
};
use futures::StreamExt as _;
use gorgias_connector::dialect::parse_page;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use gorgias_sandbox::{
    AccountOptions, DataSizes, ObjectKind, RateLimitOptions, Sandbox, SandboxHandle, SandboxOptions,
};
use serde_json::{Value, json};

const CLI: &str = env!("CARGO_BIN_EXE_gorgias-connector");
/// The streams of B1: tickets and their messages.
const B1_STREAMS: &[&str] = &["tickets", "ticket_messages"];

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("__lib-read") => return child_lib_read(&args[1..]),
        Some("__measure") => return child_measure(&args[1..]),
        Some("__accounts") => return child_accounts(&args[1..]),
        _ => {}
    }
    let mut runs = 5;
    let mut selected: Vec<String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runs" => runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(5),
            other if !other.starts_with('-') => selected.push(other.to_ascii_lowercase()),
            _ => {}
        }
    }
    let all = selected.is_empty() || selected.iter().any(|s| s == "all");
    let want = |name: &str| all || selected.iter().any(|s| s == name);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if want("micro") {
        rt.block_on(micro());
    }
    if want("b1") {
        rt.block_on(b1(runs));
    }
    if want("b1-rss") {
        rt.block_on(b1_rss());
    }
    if want("b2") || want("b2-shared") {
        rt.block_on(b2(runs, !want("b2")));
    }
    if want("b3") {
        rt.block_on(b3());
    }
    if want("b4") {
        rt.block_on(b4(runs));
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

fn emit(v: Value) {
    println!("{v}");
    let _ = std::io::stdout().flush();
}

fn note(text: impl AsRef<str>) {
    eprintln!("[sync bench] {}", text.as_ref());
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    match xs.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2.0,
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let p = 10f64.powi(digits);
    (x * p).round() / p
}

/// Peak resident set of this process (VmHWM), in KiB.
fn vm_hwm_kib() -> u64 {
    proc_status_kib("VmHWM:")
}

fn proc_status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn secs(t: nix::sys::time::TimeVal) -> f64 {
    t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6
}

/// (user + system CPU seconds, max RSS KiB) of this process or of its waited-for children.
fn rusage(children: bool) -> (f64, u64) {
    use nix::sys::resource::{UsageWho, getrusage};
    let who = if children {
        UsageWho::RUSAGE_CHILDREN
    } else {
        UsageWho::RUSAGE_SELF
    };
    match getrusage(who) {
        Ok(u) => (
            secs(u.user_time()) + secs(u.system_time()),
            u.max_rss().max(0) as u64,
        ),
        Err(_) => (f64::NAN, 0),
    }
}

fn unpaced() -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Off,
        retry: RetryOptions::default(),
    })
}

fn config_for(sandbox: &SandboxHandle, index: usize, bearer: bool) -> Value {
    let a = &sandbox.accounts()[index];
    let auth = if bearer {
        json!({"type": "bearer", "token": a.bearer_token})
    } else {
        json!({"type": "basic", "email": a.email, "api_key": a.api_key})
    };
    json!({"subdomain": a.subdomain, "auth": auth, "base_url": sandbox.base_url()})
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gorgias-sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write_json(path: &Path, v: &Value) {
    std::fs::write(path, v.to_string()).expect("write file");
}

/// Runs a child, returns its last stdout line as JSON. Blocking: call from spawn_blocking.
fn run_child(mut cmd: Command) -> Value {
    let out = cmd.stderr(Stdio::inherit()).output().expect("child runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or("null");
    assert!(out.status.success(), "child failed: {}\n{text}", out.status);
    serde_json::from_str(line).unwrap_or_else(|_| panic!("child printed {line:?}"))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.expect("blocking task")
}

fn record_count(sandbox: &SandboxHandle, kinds: &[ObjectKind]) -> u64 {
    let sub = sandbox.accounts()[0].subdomain.clone();
    kinds
        .iter()
        .map(|k| sandbox.record_count(&sub, *k).unwrap_or(0) as u64)
        .sum()
}

async fn start(options: SandboxOptions) -> SandboxHandle {
    let t0 = Instant::now();
    let s = Sandbox::start(options).await.expect("sandbox starts");
    note(format!("sandbox ready in {:.1?}", t0.elapsed()));
    s
}

// ---------------------------------------------------------------------------------------------
// Child modes

/// A child's arguments `FILE STREAMS`: the JSON in FILE, the comma-separated stream names, and
/// a runtime to read them on.
fn child_args<T: serde::de::DeserializeOwned>(
    args: &[String],
) -> (T, Vec<String>, tokio::runtime::Runtime) {
    let text = std::fs::read_to_string(&args[0]).expect("the file the parent wrote");
    let value = serde_json::from_str(&text).expect("json");
    let streams = args[1].split(',').map(str::to_string).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (value, streams, rt)
}

/// `__lib-read CONFIG STREAMS`: reads the comma-separated streams concurrently through the
/// library API, counting records, and prints records, wall and CPU time and peak RSS.
fn child_lib_read(args: &[String]) {
    let (config, streams, rt): (Value, _, _) = child_args(args);
    let base_rss = vm_hwm_kib();
    let (cpu0, _) = rusage(false);
    let t0 = Instant::now();
    let records = rt.block_on(async move {
        let connector: Arc<dyn Connector> =
            Arc::from(unpaced().connect(&config).expect("valid config"));
        let tasks: Vec<_> = streams
            .into_iter()
            .map(|name| {
                let c = connector.clone();
                tokio::spawn(async move {
                    let mut s = c
                        .read_stream(&name, ReadRequest::incremental(None))
                        .expect("stream");
                    let mut n = 0u64;
                    while let Some(m) = s.next().await {
                        if let Message::Record(r) = m.expect("read succeeds") {
                            black_box(&r);
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        let mut total = 0;
        for t in tasks {
            total += t.await.expect("task");
        }
        total
    });
    let wall = t0.elapsed().as_secs_f64();
    let (cpu1, _) = rusage(false);
    emit(json!({
        "records": records, "wall_s": wall, "cpu_s": cpu1 - cpu0,
        "vm_hwm_kib": vm_hwm_kib(), "base_hwm_kib": base_rss,
    }));
}

/// `__measure PROGRAM ARGS..`: runs the program (stdout to /dev/null, stderr kept), then prints
/// its wall time, CPU time and max RSS (getrusage of the only child), and its stderr tail.
fn child_measure(args: &[String]) {
    let t0 = Instant::now();
    let out = Command::new(&args[0])
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("program runs");
    let wall = t0.elapsed().as_secs_f64();
    let (cpu, maxrss) = rusage(true);
    let err = String::from_utf8_lossy(&out.stderr);
    let summary = err
        .lines()
        .rev()
        .find(|l| l.starts_with("read "))
        .unwrap_or("")
        .to_string();
    emit(json!({
        "ok": out.status.success(), "wall_s": wall, "cpu_s": cpu, "maxrss_kib": maxrss,
        "summary": summary,
    }));
}

/// `__accounts CONFIGS STREAMS`: syncs every account of the configs file at once (one task per
/// account, its streams concurrently) and prints totals, peak RSS and finish times.
fn child_accounts(args: &[String]) {
    let (configs, streams, rt): (Vec<Value>, _, _) = child_args(args);
    let base = vm_hwm_kib();
    let (cpu0, _) = rusage(false);
    let t0 = Instant::now();
    let definition = unpaced();
    let connectors: Vec<Arc<dyn Connector>> = configs
        .iter()
        .map(|cfg| Arc::from(definition.connect(cfg).expect("valid config")))
        .collect();
    let connected = vm_hwm_kib();
    let connect_s = t0.elapsed().as_secs_f64();
    let results: Vec<(u64, f64)> = rt.block_on(async move {
        let tasks: Vec<_> = connectors
            .into_iter()
            .map(|connector| {
                let streams = streams.clone();
                tokio::spawn(async move {
                    let reads = streams.iter().map(|name| {
                        let mut s = connector
                            .read_stream(name, ReadRequest::incremental(None))
                            .expect("stream");
                        async move {
                            let mut n = 0u64;
                            while let Some(m) = s.next().await {
                                if let Message::Record(r) = m.expect("read succeeds") {
                                    black_box(&r);
                                    n += 1;
                                }
                            }
                            n
                        }
                    });
                    let n: u64 = futures::future::join_all(reads).await.into_iter().sum();
                    (n, t0.elapsed().as_secs_f64())
                })
            })
            .collect();
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("task"));
        }
        out
    });
    let wall = t0.elapsed().as_secs_f64();
    let (cpu1, _) = rusage(false);
    let finishes: Vec<f64> = results.iter().map(|r| r.1).collect();
    let records: u64 = results.iter().map(|r| r.0).sum();
    let min_records = results.iter().map(|r| r.0).min().unwrap_or(0);
    let mut sorted = finishes.clone();
    sorted.sort_by(f64::total_cmp);
    emit(json!({
        "accounts": results.len(), "records": records, "min_records_per_account": min_records,
        "wall_s": wall, "cpu_s": cpu1 - cpu0,
        "vm_hwm_kib": vm_hwm_kib(), "base_hwm_kib": base, "connected_hwm_kib": connected,
        "connect_s": connect_s,
        "finish_min_s": sorted.first(), "finish_median_s": median(finishes),
        "finish_max_s": sorted.last(),
    }));
}

// ---------------------------------------------------------------------------------------------
// B1: throughput and memory

fn b1_sizes(tickets: usize) -> DataSizes {
    // Tickets with 2..4 messages each (3 on average); the other objects stay small.
    DataSizes::default()
        .tickets(tickets)
        .customers(50)
        .events(50)
}

fn b1_catalog(dir: &Path) -> PathBuf {
    let path = dir.join("b1-catalog.json");
    let streams: Vec<Value> = B1_STREAMS
        .iter()
        .map(|s| json!({"stream": {"name": s}, "sync_mode": "incremental", "destination_sync_mode": "append"}))
        .collect();
    write_json(&path, &json!({"streams": streams}));
    path
}

/// One library read in a child process.
async fn lib_read(config: &Path) -> Value {
    let exe = std::env::current_exe().expect("current exe");
    let config = config.to_path_buf();
    blocking(move || {
        let mut cmd = Command::new(exe);
        cmd.arg("__lib-read").arg(config).arg(B1_STREAMS.join(","));
        run_child(cmd)
    })
    .await
}

/// One CLI read (`gorgias-connector read`, stdout to /dev/null), measured by a wrapper.
async fn cli_read(config: &Path, catalog: &Path) -> Value {
    let exe = std::env::current_exe().expect("current exe");
    let (config, catalog) = (config.to_path_buf(), catalog.to_path_buf());
    blocking(move || {
        let mut cmd = Command::new(exe);
        cmd.arg("__measure")
            .arg(CLI)
            .arg("read")
            .arg("--config")
            .arg(config)
            .arg("--catalog")
            .arg(catalog)
            .env("GORGIAS_PACING", "off")
            .env("RUST_LOG", "warn");
        run_child(cmd)
    })
    .await
}

/// One library read inside this process (sandbox included in the process's figures).
async fn lib_read_in_process(sandbox: &SandboxHandle) -> (u64, f64) {
    let connector: Arc<dyn Connector> = Arc::from(
        unpaced()
            .connect(&config_for(sandbox, 0, false))
            .expect("config"),
    );
    let t0 = Instant::now();
    let reads = B1_STREAMS.iter().map(|name| {
        let c = connector.clone();
        async move {
            let mut s = c
                .read_stream(name, ReadRequest::incremental(None))
                .expect("stream");
            let mut n = 0u64;
            while let Some(m) = s.next().await {
                if let Message::Record(r) = m.expect("read succeeds") {
                    black_box(&r);
                    n += 1;
                }
            }
            n
        }
    });
    let n = futures::future::join_all(reads).await.into_iter().sum();
    (n, t0.elapsed().as_secs_f64())
}

/// A sandbox without rate limit holding `tickets` tickets and their messages, its record count
/// for B1's streams, and a config pointing at it written to `dir/<name>`.
async fn b1_sandbox(tickets: usize, dir: &Path, name: &str) -> (SandboxHandle, u64, PathBuf) {
    note(format!(
        "B1: generating {tickets} tickets and their messages"
    ));
    let sandbox = start(
        SandboxOptions::default()
            .sizes(b1_sizes(tickets))
            .without_rate_limit(),
    )
    .await;
    let expected = record_count(&sandbox, &[ObjectKind::Tickets, ObjectKind::Messages]);
    let config = dir.join(name);
    write_json(&config, &config_for(&sandbox, 0, false));
    (sandbox, expected, config)
}

/// B1's per-run figures for one way of reading.
#[derive(Default)]
struct Samples {
    rps: Vec<f64>,
    cpu_per_100k: Vec<f64>,
    rss_kib: Vec<f64>,
}

impl Samples {
    /// Adds a run's `records` and its measurement `r` (`wall_s`, `cpu_s`, and peak RSS in KiB
    /// under `rss_key`), and notes it as `what`.
    fn add(&mut self, what: &str, records: u64, r: &Value, rss_key: &str) {
        let wall = r["wall_s"].as_f64().unwrap_or(f64::NAN);
        let cpu = r["cpu_s"].as_f64().unwrap_or(f64::NAN);
        self.rps.push(records as f64 / wall);
        self.cpu_per_100k.push(cpu / records as f64 * 100_000.0);
        self.rss_kib.push(r[rss_key].as_f64().unwrap_or(0.0));
        note(format!(
            "{what}: {records} records in {wall:.2}s, cpu {cpu:.2}s"
        ));
    }

    /// The medians as one result line.
    fn report(&self, mode: &str, records: u64) -> Value {
        json!({
            "bench": "b1", "mode": mode, "records": records, "runs": self.rps.len(),
            "records_per_s": round(median(self.rps.clone()), 0),
            "records_per_s_all": self.rps.iter().map(|x| round(*x, 0)).collect::<Vec<_>>(),
            "cpu_s_per_100k": round(median(self.cpu_per_100k.clone()), 3),
            "peak_rss_mib": round(median(self.rss_kib.clone()) / 1024.0, 1),
        })
    }
}

async fn b1(runs: usize) {
    let dir = temp_dir();
    let (sandbox, expected, config) = b1_sandbox(100_000, &dir, "b1-config.json").await;
    let catalog = b1_catalog(&dir);

    let mut lib = Samples::default();
    for i in 0..runs {
        let r = lib_read(&config).await;
        let records = r["records"].as_u64().unwrap_or(0);
        assert_eq!(records, expected, "library read missed records");
        lib.add(&format!("B1 library run {i}"), records, &r, "vm_hwm_kib");
    }
    emit(lib.report("library (child process)", expected));

    let mut cli = Samples::default();
    for i in 0..runs {
        let r = cli_read(&config, &catalog).await;
        assert!(r["ok"].as_bool().unwrap_or(false), "CLI read failed: {r}");
        let summary = r["summary"].as_str().unwrap_or("").to_string();
        let records: u64 = summary
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(records, expected, "CLI read missed records: {summary}");
        cli.add(&format!("B1 CLI run {i}"), records, &r, "maxrss_kib");
    }
    let mut report = cli.report("cli (gorgias-connector read > /dev/null)", expected);
    report["library_over_cli"] = json!(round(median(lib.rps.clone()) / median(cli.rps), 2));
    emit(report);

    // For reference: the library inside this process, sharing it with the sandbox.
    let mut inproc = Vec::new();
    for _ in 0..runs {
        let (n, wall) = lib_read_in_process(&sandbox).await;
        assert_eq!(n, expected);
        inproc.push(n as f64 / wall);
    }
    emit(json!({
        "bench": "b1", "mode": "library (in-process with the sandbox)", "records": expected,
        "runs": runs, "records_per_s": round(median(inproc), 0),
    }));
    sandbox.shutdown().await;
}

async fn b1_rss() {
    let dir = temp_dir();
    let catalog = b1_catalog(&dir);
    // 10k, 100k and 1M records (tickets plus about three messages each).
    for tickets in [2_500usize, 25_000, 250_000] {
        let (sandbox, expected, config) = b1_sandbox(tickets, &dir, "b1-rss-config.json").await;
        let lib = lib_read(&config).await;
        assert_eq!(lib["records"].as_u64(), Some(expected));
        let cli = cli_read(&config, &catalog).await;
        assert!(cli["ok"].as_bool().unwrap_or(false), "{cli}");
        emit(json!({
            "bench": "b1-rss", "records": expected,
            "library_peak_rss_mib": round(lib["vm_hwm_kib"].as_f64().unwrap_or(0.0) / 1024.0, 1),
            "library_rss_before_read_mib": round(lib["base_hwm_kib"].as_f64().unwrap_or(0.0) / 1024.0, 1),
            "library_records_per_s": round(expected as f64 / lib["wall_s"].as_f64().unwrap_or(f64::NAN), 0),
            "cli_peak_rss_mib": round(cli["maxrss_kib"].as_f64().unwrap_or(0.0) / 1024.0, 1),
            "cli_records_per_s": round(expected as f64 / cli["wall_s"].as_f64().unwrap_or(f64::NAN), 0),
        }));
        sandbox.shutdown().await;
    }
}

// ---------------------------------------------------------------------------------------------
// B2: rate-budget use

/// B2; `shared_only` runs only the two-hosts case.
async fn b2(runs: usize, shared_only: bool) {
    const WINDOW: Duration = Duration::from_secs(2);
    let streams = ["tickets", "ticket_messages", "customers"];
    // About 210 + 315 + 120 = 645 pages of 100: with an API key (20 requests/s) a run lasts
    // about 30 s, so the initial burst is a small part of what is measured.
    let sizes = DataSizes::default()
        .tickets(21_000)
        .customers(12_000)
        .events(50)
        .messages_per_ticket(1, 2);
    let sandbox = start(
        SandboxOptions::default()
            .sizes(sizes)
            .rate_limit(RateLimitOptions::with_window(WINDOW)),
    )
    .await;
    // One host reading the three streams; then two hosts (each its own definition, so its own
    // HTTP client and pacer, as two processes would be) sharing the account's bucket.
    let one_host: &[&[&str]] = &[&streams];
    let two_hosts: &[&[&str]] = &[&["tickets", "customers"], &["ticket_messages"]];
    let single: &[(bool, f64)] = if shared_only {
        &[]
    } else {
        &[(false, 40.0), (true, 80.0)]
    };
    for (hosts, auths) in [(one_host, single), (two_hosts, &[(false, 40.0)][..])] {
        for &(bearer, capacity) in auths {
            b2_case(&sandbox, hosts, bearer, capacity, WINDOW, runs).await;
        }
    }
    sandbox.shutdown().await;
}

/// Runs one B2 case `runs` times: every host (a list of streams) reads its streams at once
/// through its own definition, all hosts at once, on the sandbox's first account.
async fn b2_case(
    sandbox: &SandboxHandle,
    hosts: &[&[&str]],
    bearer: bool,
    capacity: f64,
    window: Duration,
    runs: usize,
) {
    let auth = if bearer { "bearer" } else { "basic" };
    let mut utilisation = Vec::new();
    let mut log_utilisation = Vec::new();
    let mut rps = Vec::new();
    let mut requests_all = Vec::new();
    let mut limited = 0;
    // Built once, outside the timed runs: a definition per host (its own HTTP client, as a
    // separate process would have) and its catalog. Each run connects afresh (a new pacer).
    let config = config_for(sandbox, 0, bearer);
    let setups: Vec<_> = hosts
        .iter()
        .map(|streams| {
            let definition = GorgiasDefinition::with_options(ClientOptions {
                pacing: Pacing::Window(window),
                retry: RetryOptions::default(),
            });
            let catalog = ConfiguredCatalog {
                streams: streams
                    .iter()
                    .map(|s| ConfiguredStream {
                        name: (*s).into(),
                        sync_mode: SyncMode::Incremental,
                    })
                    .collect(),
            };
            (definition, catalog)
        })
        .collect();
    for i in 0..runs {
        // Let the bucket drain so every run starts with the full burst.
        tokio::time::sleep(window + Duration::from_millis(200)).await;
        sandbox.reset_stats();
        let t0 = Instant::now();
        let reads = setups.iter().map(|(definition, catalog)| async {
            let connector = definition.connect(&config).expect("config");
            let options = ReadOptions {
                concurrency: catalog.streams.len(),
                progress: false,
            };
            let mut writer = MessageWriter::new(std::io::sink());
            let mut log = std::io::sink();
            let summary = read(
                connector.as_ref(),
                catalog,
                &State::new(),
                &options,
                &mut writer,
                &mut log,
            )
            .await
            .expect("read");
            assert!(summary.succeeded(), "{}", summary.render());
        });
        futures::future::join_all(reads).await;
        let wall = t0.elapsed().as_secs_f64();
        let stats = sandbox.stats().account("acme");
        let requests = stats.total_requests as f64;
        // The budget used is what the bucket accepted: a refused request (429) uses none.
        let accepted = requests - stats.rate_limited as f64;
        let rate = capacity / window.as_secs_f64();
        let allowed = capacity + rate * wall;
        utilisation.push(accepted / allowed);
        if let (Some(first), Some(last)) = (stats.request_log.first(), stats.request_log.last()) {
            let span = (*last - *first).as_secs_f64();
            log_utilisation.push(accepted / (capacity + rate * span));
        }
        rps.push(requests / wall);
        requests_all.push(requests);
        limited += stats.rate_limited;
        note(format!(
            "B2 {auth}, {} host(s), run {i}: {requests} requests in {wall:.2}s, utilisation {:.3}, 429s {}",
            hosts.len(),
            accepted / allowed,
            stats.rate_limited
        ));
    }
    emit(json!({
        "bench": "b2", "auth": auth, "hosts": hosts.len(),
        "limit": format!("{capacity} per {:?}", window), "streams": hosts, "runs": runs,
        "requests": median(requests_all),
        "requests_per_s": round(median(rps), 2),
        "utilisation": round(median(utilisation), 4),
        "utilisation_first_to_last_request": round(median(log_utilisation), 4),
        "rate_limited_429": limited,
    }));
}

// ---------------------------------------------------------------------------------------------
// B3: incremental cost

async fn sync_stream(connector: &dyn Connector, name: &str, state: &mut BTreeMap<String, Value>) {
    let mut s = connector
        .read_stream(name, ReadRequest::incremental(state.get(name).cloned()))
        .expect("stream");
    while let Some(m) = s.next().await {
        if let Message::State(c) = m.expect("read succeeds") {
            state.insert(name.to_string(), c.state);
        }
    }
}

async fn b3() {
    let tickets = 10_000;
    let sizes = DataSizes::default()
        .tickets(tickets)
        .customers(6_000)
        .events(50)
        .messages_per_ticket(1, 3);
    let sandbox = start(SandboxOptions::default().sizes(sizes).without_rate_limit()).await;
    let sub = sandbox.accounts()[0].subdomain.clone();
    let connector = unpaced()
        .connect(&config_for(&sandbox, 0, false))
        .expect("config");
    let streams = [
        ("tickets", ObjectKind::Tickets, "GET /api/tickets"),
        ("customers", ObjectKind::Customers, "GET /api/customers"),
        ("ticket_messages", ObjectKind::Messages, "GET /api/messages"),
    ];
    let mut state = BTreeMap::new();
    for (name, _, _) in &streams {
        sync_stream(connector.as_ref(), name, &mut state).await;
    }
    for k in [0usize, 1, 10, 99, 100, 101, 250, 1000] {
        // Absorb side effects of the previous round (a new message updates its ticket).
        for (name, _, _) in &streams {
            sync_stream(connector.as_ref(), name, &mut state).await;
        }
        let mut row = serde_json::Map::new();
        row.insert("bench".into(), json!("b3"));
        row.insert("tickets_in_account".into(), json!(tickets));
        row.insert("changed".into(), json!(k));
        row.insert("floor".into(), json!(k.div_ceil(100) + 1));
        for (name, kind, route) in &streams {
            // Changes are stamped with the wall clock: strictly newer than the last bookmark.
            if *kind == ObjectKind::Messages {
                for _ in 0..k {
                    sandbox.insert(&sub, *kind).expect("insert");
                }
            } else {
                sandbox.touch(&sub, *kind, k).expect("touch");
            }
            sandbox.reset_stats();
            sync_stream(connector.as_ref(), name, &mut state).await;
            let spent = sandbox.stats().account(&sub).route(route);
            row.insert(format!("{name}_requests"), json!(spent));
        }
        emit(Value::Object(row));
    }
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// B4: many accounts

async fn b4(runs: usize) {
    let accounts = 200;
    let sizes = DataSizes::default()
        .tickets(300)
        .customers(150)
        .events(20)
        .messages_per_ticket(1, 3);
    let names: Vec<AccountOptions> = (0..accounts)
        .map(|i| AccountOptions::new(format!("shop{i:03}")).sizes(sizes.clone()))
        .collect();
    let sandbox = start(
        SandboxOptions::default()
            .accounts(names)
            .without_rate_limit(),
    )
    .await;
    let streams = ["tickets", "ticket_messages", "customers"];
    let expected: u64 = sandbox
        .accounts()
        .iter()
        .map(|a| {
            [
                ObjectKind::Tickets,
                ObjectKind::Messages,
                ObjectKind::Customers,
            ]
            .iter()
            .map(|k| sandbox.record_count(&a.subdomain, *k).unwrap_or(0) as u64)
            .sum::<u64>()
        })
        .sum();
    let dir = temp_dir();
    let configs: Vec<Value> = (0..accounts)
        .map(|i| config_for(&sandbox, i, false))
        .collect();
    let path = dir.join("b4-configs.json");
    write_json(&path, &json!(configs));
    let exe = std::env::current_exe().expect("current exe");
    let mut rows = Vec::new();
    for i in 0..runs {
        let (exe, path) = (exe.clone(), path.clone());
        let r = blocking(move || {
            let mut cmd = Command::new(exe);
            cmd.arg("__accounts").arg(path).arg(streams.join(","));
            run_child(cmd)
        })
        .await;
        assert_eq!(r["records"].as_u64(), Some(expected), "{r}");
        note(format!("B4 run {i}: {r}"));
        rows.push(r);
    }
    let get = |k: &str| -> Vec<f64> {
        rows.iter()
            .map(|r| r[k].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    let rps: Vec<f64> = rows
        .iter()
        .map(|r| r["records"].as_f64().unwrap_or(0.0) / r["wall_s"].as_f64().unwrap_or(f64::NAN))
        .collect();
    let per_account: Vec<f64> = rows
        .iter()
        .map(|r| {
            (r["vm_hwm_kib"].as_f64().unwrap_or(0.0) - r["base_hwm_kib"].as_f64().unwrap_or(0.0))
                / accounts as f64
        })
        .collect();
    emit(json!({
        "bench": "b4", "accounts": accounts, "streams": streams, "records": expected, "runs": runs,
        "records_per_s": round(median(rps), 0),
        "peak_rss_mib": round(median(get("vm_hwm_kib")) / 1024.0, 1),
        "rss_per_account_kib": round(median(per_account), 0),
        "rss_per_connected_idle_account_kib": round(median(rows.iter().map(|r| (r["connected_hwm_kib"].as_f64().unwrap_or(0.0) - r["base_hwm_kib"].as_f64().unwrap_or(0.0)) / accounts as f64).collect()), 0),
        "connect_all_s": round(median(get("connect_s")), 3),
        "cpu_s_per_100k": round(median(rows.iter().map(|r| r["cpu_s"].as_f64().unwrap_or(0.0) / r["records"].as_f64().unwrap_or(1.0) * 100_000.0).collect()), 3),
        "finish_min_s": round(median(get("finish_min_s")), 2),
        "finish_median_s": round(median(get("finish_median_s")), 2),
        "finish_max_s": round(median(get("finish_max_s")), 2),
        "min_records_per_account": rows.iter().map(|r| r["min_records_per_account"].as_u64().unwrap_or(0)).min(),
    }));
    sandbox.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Micro-benchmarks

/// CPU time of the calling thread: unlike wall time it does not count the time other
/// processes of a shared machine take the core away.
fn thread_cpu() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// CPU ns per call of `f`: the median of 7 batches of about 50 ms of thread CPU time each.
fn ns_per_op<T>(mut f: impl FnMut() -> T) -> f64 {
    let t0 = thread_cpu();
    let mut calls = 0u64;
    while thread_cpu() - t0 < Duration::from_millis(20) {
        black_box(f());
        calls += 1;
    }
    let per = (thread_cpu() - t0).as_secs_f64() / calls as f64;
    let batch = ((0.05 / per) as u64).max(1);
    let samples = (0..7)
        .map(|_| {
            let t = thread_cpu();
            for _ in 0..batch {
                black_box(f());
            }
            (thread_cpu() - t).as_secs_f64() * 1e9 / batch as f64
        })
        .collect();
    median(samples)
}

async fn fetch(sandbox: &SandboxHandle, path: &str) -> Vec<u8> {
    let a = &sandbox.accounts()[0];
    reqwest::Client::new()
        .get(format!("{}{path}", sandbox.base_url()))
        .header("Authorization", a.basic_header())
        .send()
        .await
        .expect("request")
        .bytes()
        .await
        .expect("body")
        .to_vec()
}

async fn micro() {
    let sandbox = start(SandboxOptions::default().without_rate_limit()).await;
    for (name, path, cursor) in [
        (
            "tickets",
            "/api/tickets?limit=100&order_by=updated_datetime:asc",
            "updated_datetime",
        ),
        (
            "ticket_messages",
            "/api/messages?limit=100&order_by=created_datetime:asc",
            "created_datetime",
        ),
    ] {
        let body = fetch(&sandbox, path).await;
        let n = parse_page(&body).expect("page").records.len();
        let ns = ns_per_op(|| {
            let page = parse_page(black_box(&body)).expect("page");
            let mut last = None;
            for r in &page.records {
                if let Ok(Scalar::Str(s)) = field(r, cursor) {
                    last = parse_datetime(&s);
                }
            }
            (page.next_cursor, last)
        });
        emit(json!({
            "bench": "micro", "what": format!("parse_page + field({cursor}) + parse_datetime, {name} page"),
            "records_per_page": n, "page_bytes": body.len(),
            "ns_per_page": round(ns, 0), "ns_per_record": round(ns / n as f64, 1),
            "mb_per_s": round(body.len() as f64 / ns * 1e3, 1),
        }));
        let ns = ns_per_op(|| parse_page(black_box(&body)).expect("page").records.len());
        emit(json!({
            "bench": "micro", "what": format!("parse_page alone, {name} page"),
            "ns_per_page": round(ns, 0), "ns_per_record": round(ns / n as f64, 1),
        }));
    }
    for text in [
        "2024-11-14T14:18:25.095107+00:00",
        "2019-04-13T03:27:56.973873",
        "2024-11-14 14:18:25+0000",
        "2024-11-14T14:18:25Z",
        "2024-11-14",
    ] {
        let ns = ns_per_op(|| parse_datetime(black_box(text)));
        emit(
            json!({"bench": "micro", "what": "parse_datetime", "input": text, "ns_per_op": round(ns, 1)}),
        );
    }
    sandbox.shutdown().await;
}
