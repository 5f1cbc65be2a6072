//! Crash and resume through the real binary: `gorgias-connector read` is killed (SIGKILL) at
//! two dozen points of a sync, each time resumed from the last STATE it printed, as an
//! Airbyte platform would. The union of every record printed equals the sandbox's full set.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use connector_sdk::DefinitionExt;
use gorgias_sandbox::{DataSizes, Sandbox, SandboxOptions};
use serde_json::{Value, json};

use crate::{config, declared, definition, fast_retry, sandbox_ids};

const BIN: &str = env!("CARGO_BIN_EXE_gorgias-connector");
/// Kills before the run that is let finish.
const KILLS: usize = 24;

/// How many lines run `kill` reads before killing the binary: crash points 4 to 63 lines in.
fn kill_point(kill: usize) -> usize {
    4 + (kill * 11) % 60
}

/// What one run of the binary printed before it ended or was killed.
struct Run {
    records: Vec<(String, i64)>,
    states: BTreeMap<String, Value>,
    completed: bool,
    lines: usize,
}

/// Runs `read`, reading stdout line by line, and kills the process once `kill_after` lines
/// have been read (`None`: let it finish). Only what was read counts, as for a host that
/// persisted the output it consumed before the crash.
fn run(dir: &Path, kill_after: Option<usize>) -> Run {
    let state = dir.join("state.json");
    let mut cmd = Command::new(BIN);
    cmd.arg("read")
        .arg("--config")
        .arg(dir.join("config.json"))
        .arg("--catalog")
        .arg(dir.join("catalog.json"))
        .args(["--concurrency", "3"]);
    if state.exists() {
        cmd.arg("--state").arg(&state);
    }
    let stderr = std::fs::File::create(dir.join("stderr.txt")).expect("stderr file");
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(stderr)
        .env("RUST_LOG", "warn")
        // The sandbox enforces no limit here; pacing to the declared one would only wait.
        .env(gorgias_connector::PACING_ENV, "off")
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut out = Run {
        records: Vec::new(),
        states: BTreeMap::new(),
        completed: false,
        lines: 0,
    };
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 line");
        out.lines += 1;
        let msg: Value = serde_json::from_str(&line).expect("one JSON message a line");
        match msg["type"].as_str() {
            Some("RECORD") => {
                let stream = msg["record"]["stream"]
                    .as_str()
                    .expect("stream")
                    .to_string();
                let id = msg["record"]["data"]["id"].as_i64().expect("record id");
                out.records.push((stream, id));
            }
            Some("STATE") => {
                let name = msg["state"]["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .expect("stream state")
                    .to_string();
                out.states.insert(name, msg["state"].clone());
            }
            _ => {}
        }
        if kill_after.is_some_and(|k| out.lines >= k) {
            child.kill().expect("kill");
            killed = true;
            break;
        }
    }
    let status = child.wait().expect("wait");
    if !killed {
        let err = std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default();
        assert!(status.success(), "read failed: {status}\n{err}");
        out.completed = true;
    }
    out
}

#[test]
fn killed_two_dozen_times_loses_nothing() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // More records than all the killed runs together can print (each line carries at most one
    // record), so every planned kill lands before the sync can complete, whatever the
    // interleaving of the three concurrent streams.
    let sizes = DataSizes::default()
        .tickets(400)
        .customers(100)
        .messages_per_ticket(1, 2);
    let sandbox = rt
        .block_on(Sandbox::start(
            SandboxOptions::default()
                .seed(11)
                .sizes(sizes)
                .without_rate_limit(),
        ))
        .expect("sandbox starts");
    let probe = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({})))
        .expect("valid config");
    let streams = declared(probe.as_ref());
    let planned: usize = (0..KILLS).map(kill_point).sum();
    let total: usize = streams
        .iter()
        .map(|(_, kind)| sandbox_ids(&sandbox, *kind).len())
        .sum();
    assert!(
        total > planned,
        "{total} records cannot outlast {planned} lines of killed runs: grow the data"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    // Small pages: many checkpoints, so many distinct crash points.
    std::fs::write(
        dir.path().join("config.json"),
        config(&sandbox, 0, json!({"page_size": 10})).to_string(),
    )
    .expect("config file");
    let catalog = json!({"streams": streams.iter().map(|(name, _)| json!({
        "stream": {"name": name}, "sync_mode": "incremental", "destination_sync_mode": "append"
    })).collect::<Vec<_>>()});
    std::fs::write(dir.path().join("catalog.json"), catalog.to_string()).expect("catalog file");

    let mut union: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let mut saved: BTreeMap<String, Value> = BTreeMap::new();
    let mut kills = 0;
    let mut delivered = 0;
    let mut runs = 0;
    loop {
        let kill_after = (kills < KILLS).then(|| kill_point(kills));
        let r = run(dir.path(), kill_after);
        runs += 1;
        delivered += r.records.len();
        for (stream, id) in r.records {
            union.entry(stream).or_default().insert(id);
        }
        saved.extend(r.states);
        let state: Vec<&Value> = saved.values().collect();
        std::fs::write(
            dir.path().join("state.json"),
            serde_json::to_string(&state).expect("state JSON"),
        )
        .expect("state file");
        if r.completed {
            break;
        }
        assert!(r.lines > 0, "a run printed nothing");
        kills += 1;
        assert!(runs < KILLS + 5, "the read never completed");
    }
    let unique: usize = union.values().map(BTreeSet::len).sum();
    eprintln!(
        "crash/resume: {kills} kills, {runs} runs, {delivered} records delivered for {unique} unique"
    );
    assert_eq!(kills, KILLS, "only {kills} crash points were reached");
    for (stream, kind) in &streams {
        let want = sandbox_ids(&sandbox, *kind);
        let got = union.remove(*stream).unwrap_or_default();
        assert_eq!(
            got.len(),
            want.len(),
            "{stream}: {} records expected, {} seen",
            want.len(),
            got.len()
        );
        assert_eq!(
            got, want,
            "{stream}: the union of every run is not the full set"
        );
    }
    rt.block_on(sandbox.shutdown());
}
