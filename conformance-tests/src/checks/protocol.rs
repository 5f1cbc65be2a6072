//! `protocol::*`: the in-process host (`connector_host::Host::run`) speaks the Airbyte
//! protocol: one valid message a line, the right messages per command, clean failures, and a
//! non-zero exit code whenever stdout could not be written.
//!
//! Framing (one message a line) and reporting write failures are guaranteed by the SDK's host,
//! not by the connector, so [`one_message_per_line`] and [`write_failures_fail`] have no
//! deliberately broken connector in `tests/suite.rs` (a connector can only break framing by
//! handing the host multi-line raw record bytes, and that is broken only as long as the host
//! copies them verbatim). The line validator (`framed`) is proven instead on hand-made broken
//! outputs by this module's unit tests, the unwritable stdouts by `support`'s, and real
//! upstream bytes are thrown at both by the `hostile::*` checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use connector_sdk::Definition;

use connector_sdk::{ConnectorSpec, SyncMode};
use serde_json::Value;

use crate::checks::config::{mask, variants};
use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, ClosedAfter, FlushFails, FullDisk, HostCommand, HostRun, Session};
use crate::{Check, Plan};

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

/// The message types of the Airbyte protocol.
pub(crate) const MESSAGE_TYPES: &[&str] = &[
    "SPEC",
    "CONNECTION_STATUS",
    "CATALOG",
    "RECORD",
    "STATE",
    "LOG",
    "TRACE",
    "CONTROL",
];

/// What stdout must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Protocol messages: every line one JSON object whose `type` is one of [`MESSAGE_TYPES`].
    Messages,
    /// `action`: one line holding one JSON document.
    Document,
}

/// stdout read as the protocol frames it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Framed {
    /// The lines that are well-formed (a message each, or the document), in order.
    pub messages: Vec<Value>,
    /// The first line that breaks the framing, in words (`line N: ...`).
    pub first_offender: Option<String>,
    /// How many lines break it.
    pub offenders: usize,
}

impl Framed {
    /// `Err` naming the first offender (and how many more there are).
    pub fn ok(&self) -> Result<(), String> {
        match &self.first_offender {
            None => Ok(()),
            Some(first) if self.offenders > 1 => {
                Err(format!("{first} (and {} more line(s))", self.offenders - 1))
            }
            Some(first) => Err(first.clone()),
        }
    }
}

/// Characters some line readers take for a line break: a reader that splits on them sees a
/// message cut in two.
const BREAKS: &[(char, &str)] = &[
    ('\r', "a carriage return (\\r)"),
    ('\u{2028}', "a LINE SEPARATOR (U+2028)"),
    ('\u{2029}', "a PARAGRAPH SEPARATOR (U+2029)"),
];

/// Splits `stdout` on `\n` and checks each line: no `\r`, U+2028 or U+2029 anywhere (some
/// readers split lines on them), not empty, exactly one JSON value, and per `framing` either a
/// message (an object whose `type` is a protocol message type) or, for `action`, the only line.
/// The last line must end with `\n`.
pub(crate) fn framed(stdout: &str, framing: Framing) -> Framed {
    let mut out = Framed::default();
    let offend = |out: &mut Framed, what: String| {
        out.offenders += 1;
        out.first_offender.get_or_insert(what);
    };
    let body = stdout.strip_suffix('\n');
    let lines: Vec<&str> = match body {
        Some(b) => b.split('\n').collect(),
        None if stdout.is_empty() => Vec::new(),
        None => stdout.split('\n').collect(),
    };
    if framing == Framing::Document && lines.len() != 1 {
        offend(
            &mut out,
            format!(
                "printed {} line(s), not one line holding one JSON document",
                lines.len()
            ),
        );
    }
    for (i, line) in lines.iter().enumerate() {
        let at = i + 1;
        let shown = line.chars().take(160).collect::<String>();
        let shown = shown.escape_debug();
        if let Some((pos, name)) = line
            .char_indices()
            .find_map(|(pos, c)| BREAKS.iter().find(|b| b.0 == c).map(|b| (pos, b.1)))
        {
            offend(
                &mut out,
                format!(
                    "line {at} holds {name} at byte {pos}, which some readers take for a line break: {shown}"
                ),
            );
            continue;
        }
        if line.trim().is_empty() {
            offend(&mut out, format!("line {at} is empty"));
            continue;
        }
        let value = match serde_json::from_str::<Value>(line) {
            Ok(v) => v,
            Err(e) => {
                offend(
                    &mut out,
                    format!("line {at} is not one JSON value ({e}): {shown}"),
                );
                continue;
            }
        };
        if framing == Framing::Messages {
            let kind = value.get("type").and_then(Value::as_str);
            if !value.is_object() {
                offend(&mut out, format!("line {at} is not a JSON object: {shown}"));
                continue;
            }
            if !kind.is_some_and(|k| MESSAGE_TYPES.contains(&k)) {
                offend(
                    &mut out,
                    format!(
                        "line {at} is not a protocol message (`type` is {}): {shown}",
                        value
                            .get("type")
                            .map_or("missing".into(), |t| t.to_string())
                    ),
                );
                continue;
            }
        }
        if at == lines.len() && body.is_none() {
            offend(
                &mut out,
                format!("line {at}, the last, does not end with a newline"),
            );
        }
        out.messages.push(value);
    }
    out
}

/// `protocol::one_message_per_line`: through the in-process host, every stdout line of
/// `spec`, `check`, `discover`, `read` (every stream) and `action` (the first input of the first
/// action with samples) is exactly one JSON value: a protocol message (an object whose `type`
/// is SPEC, CONNECTION_STATUS, CATALOG, RECORD, STATE, LOG, TRACE or CONTROL), or for `action`
/// the one JSON document it prints. No line is empty, and stdout holds no `\r`, U+2028 or
/// U+2029, which some readers take for line breaks. Names the command and the first offending
/// line. (Framing is the host's job: see the module docs for how this check is proven.)
pub async fn one_message_per_line(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    let dir = support::temp_dir()?;
    let mut p = Vec::new();
    for c in support::host_commands(h, &session, &dir)? {
        let run = support::host_output(session.definition.clone(), &c.args).await?;
        let framing = if c.action {
            Framing::Document
        } else {
            Framing::Messages
        };
        if let Err(e) = framed(&run.stdout, framing).ok() {
            p.push(format!("`{}`: {e}", c.label));
        }
    }
    Failure::from_problems(
        "stdout is not one protocol message a line",
        redacted(p, &secrets),
    )
}

/// The exit code and stderr of `command` run with `out` as stdout.
async fn exit_with<W: std::io::Write + Send + 'static>(
    definition: &Arc<dyn Definition>,
    command: &HostCommand,
    out: W,
) -> Result<(u8, String), Failure> {
    let (code, _, stderr) = support::host_into(definition.clone(), &command.args, out).await?;
    Ok((code, stderr))
}

/// `protocol::write_failures_fail`: when stdout cannot be written, the command fails. Each of
/// the commands of [`one_message_per_line`] is run through `Host::run` with three stdouts: one
/// whose every write fails with ENOSPC, one that takes the writes but whose flush fails with
/// ENOSPC (what a `BufWriter` over a full disk looks like to the host), and one that fails with
/// `BrokenPipe` after 10 bytes. The exit code is never 0: a caller that sees 0 believes every
/// message was delivered.
pub async fn write_failures_fail(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    let dir = support::temp_dir()?;
    let mut p = Vec::new();
    for c in support::host_commands(h, &session, &dir)? {
        let d = &session.definition;
        let runs = [
            (
                "every write fails with ENOSPC (a full disk)",
                exit_with(d, &c, FullDisk).await?,
            ),
            (
                "the writes are taken but the flush fails with ENOSPC (a BufWriter over a full disk)",
                exit_with(d, &c, FlushFails::default()).await?,
            ),
            (
                "the reader goes away after 10 bytes (BrokenPipe)",
                exit_with(d, &c, ClosedAfter::new(10)).await?,
            ),
        ];
        for (what, (code, stderr)) in runs {
            if code == 0 {
                p.push(format!(
                    "`{}` exited with 0 when {what}; stderr: {:.200}",
                    c.label,
                    stderr.trim()
                ));
            }
        }
    }
    Failure::from_problems(
        "a command whose stdout could not be written reports success",
        redacted(p, &secrets),
    )
}

/// The family name.
pub const FAMILY: &str = "protocol";

/// The `protocol::*` checks: always.
pub fn register(_plan: &Plan) -> Vec<Check> {
    vec![
        plain!(FAMILY, "spec_message", spec_message),
        plain!(FAMILY, "check_messages", check_messages),
        plain!(FAMILY, "read_messages", read_messages),
        plain!(FAMILY, "read_resumes_from_state", read_resumes_from_state),
        plain!(FAMILY, "invalid_config", invalid_config),
        plain!(FAMILY, "one_message_per_line", one_message_per_line),
        plain!(FAMILY, "write_failures_fail", write_failures_fail),
    ]
}

#[cfg(test)]
mod tests {
    use super::{Framing, framed};

    const RECORD: &str =
        r#"{"type":"RECORD","record":{"stream":"books","data":{"id":1},"emitted_at":1}}"#;
    const STATE: &str = r#"{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"books"},"stream_state":{}}}}"#;

    fn first(stdout: &str, framing: Framing) -> String {
        framed(stdout, framing)
            .ok()
            .expect_err("the output must be refused")
    }

    #[test]
    fn well_framed_output_passes() {
        let out = format!("{RECORD}\n{STATE}\n");
        let f = framed(&out, Framing::Messages);
        assert_eq!(f.ok(), Ok(()));
        assert_eq!(f.messages.len(), 2);
        assert_eq!(framed("", Framing::Messages).ok(), Ok(()));
        let f = framed("[1,{\"a\":\"\\r\\n\"}]\n", Framing::Document);
        assert_eq!(f.ok(), Ok(()));
        assert_eq!(f.messages.len(), 1);
        // Escaped separators inside strings are fine; only raw ones split lines.
        let escaped = r#"{"type":"LOG","log":{"level":"INFO","message":"a\u2028b\r\nc"}}"#;
        assert_eq!(
            framed(&format!("{escaped}\n"), Framing::Messages).ok(),
            Ok(())
        );
    }

    #[test]
    fn a_record_split_over_two_lines_is_caught() {
        let out = format!(
            "{STATE}\n{{\"type\":\"RECORD\",\"record\":{{\"stream\":\"books\",\n\"data\":{{\"id\":1}},\"emitted_at\":1}}}}\n"
        );
        let f = framed(&out, Framing::Messages);
        assert_eq!(f.offenders, 2, "{f:?}");
        let e = f.ok().unwrap_err();
        assert!(
            e.starts_with("line 2 is not one JSON value (EOF while parsing"),
            "{e}"
        );
        assert!(e.ends_with("(and 1 more line(s))"), "{e}");
        assert_eq!(f.messages.len(), 1);
    }

    #[test]
    fn a_carriage_return_or_a_unicode_line_separator_is_caught() {
        let e = first(&format!("{RECORD}\r\n{STATE}\n"), Framing::Messages);
        assert!(
            e.starts_with("line 1 holds a carriage return (\\r) at byte"),
            "{e}"
        );
        let raw = r#"{"type":"LOG","log":{"level":"INFO","message":"a"#.to_string()
            + "\u{2028}"
            + r#"b"}}"#;
        let e = first(&format!("{RECORD}\n{raw}\n"), Framing::Messages);
        assert!(
            e.starts_with("line 2 holds a LINE SEPARATOR (U+2028)"),
            "{e}"
        );
        let e = first("{\"a\":\"\u{2029}\"}\n", Framing::Document);
        assert!(e.contains("PARAGRAPH SEPARATOR (U+2029)"), "{e}");
    }

    #[test]
    fn an_empty_line_is_caught() {
        let e = first(&format!("{RECORD}\n\n{STATE}\n"), Framing::Messages);
        assert_eq!(e, "line 2 is empty");
        let e = first(&format!("{RECORD}\n   \n"), Framing::Messages);
        assert_eq!(e, "line 2 is empty");
    }

    #[test]
    fn a_line_that_is_not_a_message_is_caught() {
        let e = first(&format!("{RECORD}\n[1,2]\n"), Framing::Messages);
        assert!(e.starts_with("line 2 is not a JSON object"), "{e}");
        let e = first(&format!("{RECORD}\n\"RECORD\"\n"), Framing::Messages);
        assert!(e.starts_with("line 2 is not a JSON object"), "{e}");
        let e = first("{\"type\":\"BANNER\"}\n", Framing::Messages);
        assert!(
            e.starts_with("line 1 is not a protocol message (`type` is \"BANNER\")"),
            "{e}"
        );
        let e = first("{\"record\":{}}\n", Framing::Messages);
        assert!(e.contains("`type` is missing"), "{e}");
        let e = first(&format!("{RECORD} {STATE}\n"), Framing::Messages);
        assert!(e.contains("trailing characters"), "{e}");
        let e = first("progress: 50%\n", Framing::Messages);
        assert!(e.starts_with("line 1 is not one JSON value"), "{e}");
    }

    #[test]
    fn an_action_prints_exactly_one_document() {
        let e = first("{\"id\":1}\n{\"id\":2}\n", Framing::Document);
        assert!(e.starts_with("printed 2 line(s)"), "{e}");
        let e = first("", Framing::Document);
        assert!(e.starts_with("printed 0 line(s)"), "{e}");
        let e = first("{\n  \"id\": 1\n}\n", Framing::Document);
        assert!(e.starts_with("printed 3 line(s)"), "{e}");
    }

    #[test]
    fn an_unterminated_last_line_is_caught() {
        let e = first(&format!("{RECORD}\n{STATE}"), Framing::Messages);
        assert_eq!(e, "line 2, the last, does not end with a newline");
        let e = first("{\"id\":1}", Framing::Document);
        assert_eq!(e, "line 1, the last, does not end with a newline");
    }
}
