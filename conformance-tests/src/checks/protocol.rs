//! `protocol::*`: the in-process host (`connector_sdk::host::Host::run`) speaks the Airbyte
//! protocol: one valid message a line, the right messages per command, clean failures.

use std::collections::BTreeMap;

use connector_sdk::{ConnectorSpec, SyncMode};
use serde_json::Value;

use crate::checks::config::{mask, variants};
use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, HostRun, Session};

/// `protocol::spec_message`: `spec` exits 0 and prints exactly one SPEC message carrying the
/// config schema, the documentation URL and whether any stream is incremental.
pub async fn spec_message(h: &dyn Harness) -> Outcome {
    let definition = h.definition();
    let spec = definition.spec().clone();
    let run = support::host(definition, &["spec"]).await?;
    ensure!(
        run.code == 0,
        "spec exited with {}: {}",
        run.code,
        run.stderr.trim()
    );
    ensure!(
        run.lines.len() == 1 && run.lines[0]["type"] == "SPEC",
        "spec printed {} line(s), not exactly one SPEC message: {:.300}",
        run.lines.len(),
        run.stdout
    );
    let body = &run.lines[0]["spec"];
    let mut p = Vec::new();
    if body["connectionSpecification"] != spec.config_schema {
        p.push("connectionSpecification is not the config schema".to_string());
    }
    if body["documentationUrl"] != spec.documentation_url.as_str() {
        p.push(format!("documentationUrl is {}", body["documentationUrl"]));
    }
    let incremental = spec
        .streams
        .iter()
        .any(|s| s.supports(SyncMode::Incremental));
    if body["supportsIncremental"] != incremental {
        p.push(format!(
            "supportsIncremental is {}, expected {incremental}",
            body["supportsIncremental"]
        ));
    }
    Failure::from_problems("the SPEC message is wrong", p)
}

fn no_secret(run: &HostRun, secrets: &[String], what: &str, p: &mut Vec<String>) {
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if let Some(s) = support::echoed(text, secrets) {
            p.push(format!("{what}: {name} echoes the secret {}", mask(s)));
        }
    }
}

fn redacted(problems: Vec<String>, secrets: &[String]) -> Vec<String> {
    problems
        .iter()
        .map(|p| support::redact(p, secrets))
        .collect()
}

fn trace_errors(run: &HostRun) -> Vec<&Value> {
    run.of_type("TRACE")
        .into_iter()
        .filter(|t| t["trace"]["type"] == "ERROR")
        .collect()
}

/// `protocol::check_messages`: `check` with the valid config exits 0 with one CONNECTION_STATUS
/// SUCCEEDED; with bad credentials it exits 1 with CONNECTION_STATUS FAILED and a TRACE ERROR
/// of failure_type config_error, echoing no secret.
pub async fn check_messages(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let bad = session.backend.bad_credentials_config();
    let mut secrets = support::secrets(session.spec(), &session.config);
    secrets.extend(support::secrets(session.spec(), &bad));
    let dir = support::temp_dir()?;
    let good_path = support::write_json(&dir, "config.json", &session.config)?;
    let bad_path = support::write_json(&dir, "bad.json", &bad)?;
    let mut p = Vec::new();
    let run = support::host(
        session.definition.clone(),
        &["check", "--config", &good_path],
    )
    .await?;
    let statuses = run.of_type("CONNECTION_STATUS");
    if run.code != 0
        || statuses.len() != 1
        || statuses[0]["connectionStatus"]["status"] != "SUCCEEDED"
        || !trace_errors(&run).is_empty()
    {
        p.push(format!(
            "check with the valid config: exit {}, stdout {:.300}, stderr {:.300}",
            run.code,
            run.stdout,
            run.stderr.trim()
        ));
    }
    let run = support::host(
        session.definition.clone(),
        &["check", "--config", &bad_path],
    )
    .await?;
    let statuses = run.of_type("CONNECTION_STATUS");
    if run.code != 1 {
        p.push(format!(
            "check with bad credentials exited with {}, not 1",
            run.code
        ));
    }
    if statuses.len() != 1 || statuses[0]["connectionStatus"]["status"] != "FAILED" {
        p.push(format!(
            "check with bad credentials: not one CONNECTION_STATUS FAILED: {:.300}",
            run.stdout
        ));
    }
    if !trace_errors(&run)
        .iter()
        .any(|t| t["trace"]["error"]["failure_type"] == "config_error")
    {
        p.push("check with bad credentials: no TRACE ERROR with failure_type config_error".into());
    }
    no_secret(&run, &secrets, "check with bad credentials", &mut p);
    Failure::from_problems(
        "`check` does not report as the protocol says",
        redacted(p, &secrets),
    )
}

/// Problems of a `read` output: every line a known message; RECORDs of catalog streams with an
/// integer `emitted_at` and object data; STATEs of type STREAM for catalog streams; per stream
/// exactly one TRACE STREAM_STATUS STARTED before its first record and one COMPLETE after its
/// last record and state; no TRACE ERROR, no INCOMPLETE; exit code 0.
pub(crate) fn read_problems(run: &HostRun, spec: &ConnectorSpec) -> Vec<String> {
    #[derive(Default)]
    struct Seen {
        started: Vec<usize>,
        complete: Vec<usize>,
        first_item: Option<usize>,
        last_item: Option<usize>,
    }
    let mut p = Vec::new();
    if run.code != 0 {
        p.push(format!(
            "read exited with {}: {:.300}",
            run.code,
            run.stderr.trim()
        ));
    }
    let mut seen: BTreeMap<&str, Seen> = spec
        .streams
        .iter()
        .map(|s| (s.name.as_str(), Seen::default()))
        .collect();
    for (i, line) in run.lines.iter().enumerate() {
        let at = format!("line {}", i + 1);
        let mut item = |name: Option<&str>, p: &mut Vec<String>, what: &str| match name
            .and_then(|n| seen.get_mut(n))
        {
            Some(s) => {
                s.first_item.get_or_insert(i);
                s.last_item = Some(i);
            }
            None => p.push(format!(
                "{at}: {what} of stream {name:?}, which is not in the catalog"
            )),
        };
        match line["type"].as_str() {
            Some("RECORD") => {
                let r = &line["record"];
                if !r["emitted_at"].is_i64() {
                    p.push(format!(
                        "{at}: RECORD emitted_at {} is not an integer",
                        r["emitted_at"]
                    ));
                }
                if !r["data"].is_object() {
                    p.push(format!("{at}: RECORD data is not an object"));
                }
                item(r["stream"].as_str(), &mut p, "RECORD");
            }
            Some("STATE") => {
                let s = &line["state"];
                if s["type"] != "STREAM" {
                    p.push(format!("{at}: STATE of type {}, not STREAM", s["type"]));
                }
                if s["stream"].get("stream_state").is_none() {
                    p.push(format!("{at}: STATE without stream_state"));
                }
                item(
                    s["stream"]["stream_descriptor"]["name"].as_str(),
                    &mut p,
                    "STATE",
                );
            }
            Some("TRACE") => {
                let t = &line["trace"];
                if !t["emitted_at"].is_i64() && !t["emitted_at"].is_f64() {
                    p.push(format!("{at}: TRACE without a numeric emitted_at"));
                }
                match t["type"].as_str() {
                    Some("STREAM_STATUS") => {
                        let name = t["stream_status"]["stream_descriptor"]["name"]
                            .as_str()
                            .unwrap_or_default();
                        let status = t["stream_status"]["status"].as_str().unwrap_or_default();
                        match seen.get_mut(name) {
                            None => {
                                p.push(format!("{at}: STREAM_STATUS of unknown stream `{name}`"))
                            }
                            Some(s) => match status {
                                "STARTED" => s.started.push(i),
                                "COMPLETE" => s.complete.push(i),
                                "RUNNING" => {}
                                other => p.push(format!("{at}: stream `{name}` status {other}")),
                            },
                        }
                    }
                    Some("ERROR") => p.push(format!("{at}: TRACE ERROR {}", t["error"]["message"])),
                    other => p.push(format!("{at}: unknown TRACE type {other:?}")),
                }
            }
            Some("LOG") => {
                if !line["log"]["message"].is_string() || !line["log"]["level"].is_string() {
                    p.push(format!("{at}: LOG without level and message"));
                }
            }
            other => p.push(format!("{at}: unexpected message type {other:?}")),
        }
    }
    for (name, s) in &seen {
        if s.started.len() != 1 || s.complete.len() != 1 {
            p.push(format!(
                "stream `{name}`: {} STARTED and {} COMPLETE statuses, expected one of each",
                s.started.len(),
                s.complete.len()
            ));
            continue;
        }
        if s.first_item.is_some_and(|f| f < s.started[0]) {
            p.push(format!("stream `{name}`: a message came before STARTED"));
        }
        if s.last_item.is_some_and(|l| l > s.complete[0]) {
            p.push(format!("stream `{name}`: a message came after COMPLETE"));
        }
    }
    p
}

/// `protocol::read_messages`: `read --config F` (every stream, default sync modes) prints only
/// valid messages: every line a known message; RECORDs of catalog streams with an integer
/// `emitted_at` and object data; STATEs of type STREAM; per stream exactly one TRACE
/// STREAM_STATUS STARTED before its first message and one COMPLETE after its last; no TRACE
/// ERROR; exit code 0.
pub async fn read_messages(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let dir = support::temp_dir()?;
    let config = support::write_json(&dir, "config.json", &session.config)?;
    let run = support::host(session.definition.clone(), &["read", "--config", &config]).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    Failure::from_problems(
        "`read` output breaks the protocol",
        redacted(read_problems(&run, session.spec()), &secrets),
    )
}

/// `protocol::read_resumes_from_state`: a second `read --state F`, given the `state` objects the
/// first read emitted, is accepted and its output is as valid as the first's (see
/// [`read_messages`]).
pub async fn read_resumes_from_state(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let dir = support::temp_dir()?;
    let config = support::write_json(&dir, "config.json", &session.config)?;
    let first = support::host(session.definition.clone(), &["read", "--config", &config]).await?;
    ensure!(
        first.code == 0,
        "the first read exited with {}: {}",
        first.code,
        first.stderr.trim()
    );
    let states: Vec<Value> = first
        .of_type("STATE")
        .into_iter()
        .map(|s| s["state"].clone())
        .collect();
    let state = support::write_json(&dir, "state.json", &Value::Array(states))?;
    let second = support::host(
        session.definition.clone(),
        &["read", "--config", &config, "--state", &state],
    )
    .await?;
    let secrets = support::secrets(session.spec(), &session.config);
    Failure::from_problems(
        "`read --state` with the emitted states breaks the protocol",
        redacted(read_problems(&second, session.spec()), &secrets),
    )
}

/// `protocol::invalid_config`: with a required field removed, `check` and `read` exit 1, print
/// a TRACE ERROR with failure_type config_error, and exactly one stderr line naming the field,
/// echoing no secret.
pub async fn invalid_config(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    let Some(v) = variants(&session.spec().config_schema, &session.config, "x")
        .into_iter()
        .find(|v| v.label.starts_with("without "))
    else {
        fail!("the valid config has no required field to remove");
    };
    let dir = support::temp_dir()?;
    let path = support::write_json(&dir, "invalid.json", &v.config)?;
    let mut p = Vec::new();
    for command in ["check", "read"] {
        let run = support::host(session.definition.clone(), &[command, "--config", &path]).await?;
        let what = format!("`{command}` {}", v.label);
        if run.code != 1 {
            p.push(format!("{what}: exit code {}, not 1", run.code));
        }
        if !trace_errors(&run)
            .iter()
            .any(|t| t["trace"]["error"]["failure_type"] == "config_error")
        {
            p.push(format!(
                "{what}: no TRACE ERROR with failure_type config_error"
            ));
        }
        let lines: Vec<&str> = run.stderr.lines().collect();
        if lines.len() != 1 || !lines[0].contains(&v.field) {
            p.push(format!(
                "{what}: stderr is not one line naming `{}`: {:?}",
                v.field, run.stderr
            ));
        }
        no_secret(&run, &secrets, &what, &mut p);
    }
    Failure::from_problems(
        "an invalid config is not reported as the protocol says",
        redacted(p, &secrets),
    )
}
