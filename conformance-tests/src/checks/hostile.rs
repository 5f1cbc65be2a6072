//! `hostile::*` (harnesses that declare [`Capabilities::hostile`](crate::Capabilities::hostile)):
//! the connector and the host stay correct when the upstream misbehaves on purpose. Each
//! declared [`Hostile`] mode registers one check, which switches the backend into that mode
//! with [`Backend::set_hostile`](crate::Backend::set_hostile), runs the host CLI in-process
//! (`support::host`-style, `read --config F` / `check --config F`) and switches it back.
//!
//! - `hostile::pretty_printed_pages` ([`Hostile::PrettyPrint`]): responses with newlines and
//!   indentation inside records still give one message a line and the same records.
//! - `hostile::forged_lines` ([`Hostile::ForgedLine`]): a record carrying a complete protocol
//!   message ([`forged_line`]) never lets that message out as a line of its own.
//! - `hostile::echoed_credentials` ([`Hostile::EchoCredentials`]): an error that echoes the
//!   request's headers fails `check` and `read` without printing a credential in any form.
//!
//! Framing is the host's job (see [`protocol`](crate::checks::protocol)): the line validator
//! and the analyses below are proven on hand-made outputs by this module's unit tests.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::checks::config::mask;
use crate::checks::protocol::{Framing, framed};
use crate::failure::{Failure, Outcome, fail};
use crate::harness::{Harness, Hostile};
use crate::support::{self, RawRun, Session};
use crate::{Check, Plan};

/// The stream the forged message claims to be about.
pub const FORGED_STREAM: &str = "forged";

/// The key the forged message's `stream_state` holds: a line carrying it at the top level or
/// in a state was forged by the upstream.
pub const FORGED_MARKER: &str = "forged_by_upstream";

/// A complete Airbyte STATE message for stream [`FORGED_STREAM`] whose `stream_state` is
/// `{"forged_by_upstream": true}`: what a [`Hostile::ForgedLine`] backend hides in its records.
/// Printed as a line of its own, it would make the platform store a state nobody emitted.
pub fn forged_line() -> Value {
    json!({
        "type": "STATE",
        "state": {
            "type": "STREAM",
            "stream": {
                "stream_descriptor": {"name": FORGED_STREAM},
                "stream_state": {FORGED_MARKER: true}
            }
        }
    })
}

/// Switches the backend's hostility, naming the declared mode on failure.
async fn set(session: &Session, to: Option<Hostile>, declared: Hostile) -> Result<(), Failure> {
    session.backend.set_hostile(to).await.map_err(|e| {
        Failure::new(format!(
            "the harness declares Hostile::{declared:?} but Backend::set_hostile({to:?}) failed: {e}"
        ))
    })
}

/// Runs each command line with the backend in `mode`, then makes it behave again.
async fn under(
    session: &Session,
    mode: Hostile,
    commands: &[Vec<String>],
) -> Result<Vec<RawRun>, Failure> {
    set(session, Some(mode), mode).await?;
    let mut runs = Vec::new();
    let mut failed = None;
    for args in commands {
        match support::host_output(session.definition.clone(), args).await {
            Ok(run) => runs.push(run),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let reset = set(session, None, mode).await;
    if let Some(e) = failed {
        return Err(e);
    }
    reset?;
    Ok(runs)
}

fn read_args(config: &str) -> Vec<String> {
    vec!["read".into(), "--config".into(), config.into()]
}

/// `value` with every object's keys sorted, as text: equal JSON values give equal text.
fn canonical(value: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The RECORD `data` of each stream, as a multiset of canonical texts.
fn records_by_stream(messages: &[Value]) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for m in messages.iter().filter(|m| m["type"] == "RECORD") {
        let stream = m["record"]["stream"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        *out.entry(stream)
            .or_default()
            .entry(canonical(&m["record"]["data"]))
            .or_default() += 1;
    }
    out
}

/// What differs between the records of a normal read and those of a read of the same data
/// through pretty-printed responses, per stream.
pub(crate) fn record_differences(normal: &[Value], pretty: &[Value]) -> Vec<String> {
    let (a, b) = (records_by_stream(normal), records_by_stream(pretty));
    let empty = BTreeMap::new();
    let mut streams: Vec<&String> = a.keys().chain(b.keys()).collect();
    streams.sort();
    streams.dedup();
    let count = |m: &BTreeMap<String, usize>| m.values().sum::<usize>();
    let mut p = Vec::new();
    for s in streams {
        let (x, y) = (a.get(s).unwrap_or(&empty), b.get(s).unwrap_or(&empty));
        if x == y {
            continue;
        }
        let only = |x: &BTreeMap<String, usize>, y: &BTreeMap<String, usize>| {
            let mut n = 0;
            let mut first = None;
            for (text, k) in x {
                let d = k.saturating_sub(y.get(text).copied().unwrap_or(0));
                if d > 0 {
                    n += d;
                    first.get_or_insert_with(|| text.clone());
                }
            }
            (n, first)
        };
        let (lost, first_lost) = only(x, y);
        let (new, first_new) = only(y, x);
        let mut line = format!(
            "stream `{s}`: {} record(s) normally, {} with pretty-printed responses",
            count(x),
            count(y)
        );
        if let Some(r) = first_lost {
            line.push_str(&format!("; {lost} missing, e.g. {r:.200}"));
        }
        if let Some(r) = first_new {
            line.push_str(&format!("; {new} new or changed, e.g. {r:.200}"));
        }
        p.push(line);
    }
    p
}

/// `hostile::pretty_printed_pages` ([`Hostile::PrettyPrint`]): `read --config F` of every stream,
/// once normally and once with every response pretty-printed (newlines and indentation
/// between the tokens of each record) on the same backend. The pretty-printed read exits 0,
/// every stdout line is exactly one protocol message (see
/// [`one_message_per_line`](crate::checks::protocol::one_message_per_line)), and each stream's
/// RECORD `data` values, as parsed JSON and in any order, are the normal read's (compared
/// once the framing holds).
pub async fn pretty_printed_pages(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    let hide = |t: &str| support::redact(t, &secrets);
    let dir = support::temp_dir()?;
    let args = read_args(&support::write_json(&dir, "config.json", &session.config)?);
    let normal = support::host_output(session.definition.clone(), &args).await?;
    if normal.code != 0 {
        fail!(
            "the normal read exited with {}: {:.300}",
            normal.code,
            hide(normal.stderr.trim())
        );
    }
    let normal = framed(&normal.stdout, Framing::Messages);
    if let Err(e) = normal.ok() {
        fail!("the normal read is not one message a line: {}", hide(&e));
    }
    let pretty = under(&session, Hostile::PrettyPrint, &[args])
        .await?
        .remove(0);
    let mut p = Vec::new();
    if pretty.code != 0 {
        p.push(format!(
            "the read exited with {}: {:.300}",
            pretty.code,
            pretty.stderr.trim()
        ));
    }
    let lines = framed(&pretty.stdout, Framing::Messages);
    match lines.ok() {
        // Records cut over lines are lost to a line reader; comparing them says it again.
        Err(e) => p.push(format!("stdout: {e}")),
        Ok(()) => p.extend(record_differences(&normal.messages, &lines.messages)),
    }
    Failure::from_problems(
        "with pretty-printed responses, `read --config config.json` prints something else",
        p.iter().map(|p| hide(p)).collect(),
    )
}

/// Why `message` (one stdout line, parsed) is the upstream's forgery: it carries
/// [`FORGED_MARKER`] outside a record's `data`, or is about stream [`FORGED_STREAM`].
pub(crate) fn forgery(message: &Value) -> Option<String> {
    fn walk(v: &Value, path: &mut Vec<String>) -> Option<String> {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    path.push(k.clone());
                    let at = path.join(".");
                    if k == FORGED_MARKER {
                        return Some(format!("it carries `{FORGED_MARKER}` at `{at}`"));
                    }
                    let names_forged = child.as_str() == Some(FORGED_STREAM)
                        && (k == "stream"
                            || (k == "name"
                                && path.len() >= 2
                                && path[path.len() - 2] == "stream_descriptor"));
                    if names_forged {
                        return Some(format!("it is about stream `{FORGED_STREAM}` (`{at}`)"));
                    }
                    // A record's data may hold anything the upstream sent.
                    let data = path.len() == 2 && path[0] == "record" && k == "data";
                    if !data && let Some(why) = walk(child, path) {
                        return Some(why);
                    }
                    path.pop();
                }
                None
            }
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                path.push(i.to_string());
                let found = walk(item, path);
                path.pop();
                found
            }),
            _ => None,
        }
    }
    if *message == forged_line() {
        return Some("it is the forged message".into());
    }
    walk(message, &mut Vec::new())
}

/// Every stdout line (split on `\n`, and also on `\r`, U+2028 and U+2029 as some readers do)
/// that is a forged message.
pub(crate) fn forged_problems(stdout: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (i, line) in stdout.split('\n').enumerate() {
        for piece in line.split(['\r', '\u{2028}', '\u{2029}']) {
            let Ok(v) = serde_json::from_str::<Value>(piece) else {
                continue;
            };
            if let Some(why) = forgery(&v) {
                found.push(format!("line {}: {why}: {piece:.200}", i + 1));
            }
        }
    }
    match found.len() {
        0 => Vec::new(),
        1 => found,
        n => vec![format!("{} (and {} more forged line(s))", found[0], n - 1)],
    }
}

/// `hostile::forged_lines` ([`Hostile::ForgedLine`]): with records that carry a raw line
/// holding a complete protocol message ([`forged_line`]), `read --config F` of every stream
/// exits 0, every stdout line is exactly one protocol message, and no line is a message about
/// stream `forged` or carries `forged_by_upstream` outside a record's `data` (records may hold
/// the forged message nested in their data: that is the upstream's data, faithfully copied).
pub async fn forged_lines(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    let dir = support::temp_dir()?;
    let args = read_args(&support::write_json(&dir, "config.json", &session.config)?);
    let run = under(&session, Hostile::ForgedLine, &[args])
        .await?
        .remove(0);
    let mut p = Vec::new();
    if run.code != 0 {
        p.push(format!(
            "the read exited with {}: {:.300}",
            run.code,
            run.stderr.trim()
        ));
    }
    if let Err(e) = framed(&run.stdout, Framing::Messages).ok() {
        p.push(format!("stdout: {e}"));
    }
    p.extend(forged_problems(&run.stdout));
    Failure::from_problems(
        "records carrying a forged protocol message break `read --config config.json`",
        p.iter().map(|p| support::redact(p, &secrets)).collect(),
    )
}

/// Standard base64 (RFC 4648, with padding).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every string of `config` but the secrets, with its dotted path.
fn other_strings(config: &Value, secrets: &[String]) -> Vec<(String, String)> {
    fn walk(v: &Value, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) => out.push((crate::schema::dotted(path), s.clone())),
            Value::Object(map) => {
                for (k, child) in map {
                    path.push(k.clone());
                    walk(child, path, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(item, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(config, &mut Vec::new(), &mut out);
    out.retain(|(_, s)| !s.is_empty() && !secrets.contains(s));
    out
}

/// One way a credential can be printed: what it is, in words that do not give it away, and
/// the text to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    pub what: String,
    pub text: String,
}

/// The forms of the config's secrets (see [`support::secrets`]): each secret, its standard
/// base64, `<s>:<secret>` for every other string `s` of the config, and its base64 (an HTTP
/// Basic credential). Base64 is looked for without its `=` padding, which catches both.
/// Longest first, so [`support::redact`] with their texts hides every one.
pub(crate) fn credential_forms(secrets: &[String], config: &Value) -> Vec<Form> {
    let strings = other_strings(config, secrets);
    let b64 = |s: &str| base64(s.as_bytes()).trim_end_matches('=').to_string();
    let mut out = Vec::new();
    for (i, secret) in secrets.iter().enumerate() {
        let name = format!("secret #{} ({})", i + 1, mask(secret));
        out.push(Form {
            what: name.clone(),
            text: secret.clone(),
        });
        out.push(Form {
            what: format!("the base64 of {name}"),
            text: b64(secret),
        });
        for (path, s) in &strings {
            let pair = format!("{s}:{secret}");
            out.push(Form {
                what: format!("`<{path}>:<{name}>`"),
                text: pair.clone(),
            });
            out.push(Form {
                what: format!("the base64 of `<{path}>:<{name}>` (an HTTP Basic credential)"),
                text: b64(&pair),
            });
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| seen.insert(f.text.clone()));
    out.sort_by_key(|f| std::cmp::Reverse(f.text.len()));
    out
}

/// The problems of one run against a backend that echoes credentials: it succeeded, or its
/// stdout or stderr holds a credential in any of its `forms`.
pub(crate) fn echo_problems(label: &str, run: &RawRun, forms: &[Form]) -> Vec<String> {
    let mut p = Vec::new();
    if run.code == 0 {
        p.push(format!(
            "`{label}` exited with 0 though every request was answered with an error"
        ));
    }
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if let Some(f) = forms.iter().find(|f| text.contains(&f.text)) {
            p.push(format!("`{label}`: {name} echoes {}", f.what));
        }
    }
    p
}

/// `hostile::echoed_credentials` ([`Hostile::EchoCredentials`]): with every request answered
/// by an error whose text echoes the request's headers, `check --config F` and
/// `read --config F` exit non-zero, and neither stdout nor stderr holds a secret of the valid
/// config (the values at the spec's secret fields), its standard base64, `<s>:<secret>` for any
/// other string `s` of the config, or the base64 of that (how HTTP Basic credentials travel).
pub async fn echoed_credentials(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    if secrets.is_empty() {
        fail!(
            "the valid config holds no secret of 4 characters or more at the spec's secret fields; there is nothing to look for"
        );
    }
    let forms = credential_forms(&secrets, &session.config);
    let dir = support::temp_dir()?;
    let config = support::write_json(&dir, "config.json", &session.config)?;
    let labels = ["check --config config.json", "read --config config.json"];
    let commands = [
        vec!["check".into(), "--config".into(), config.clone()],
        read_args(&config),
    ];
    let runs = under(&session, Hostile::EchoCredentials, &commands).await?;
    let mut p = Vec::new();
    for (label, run) in labels.iter().zip(&runs) {
        p.extend(echo_problems(label, run, &forms));
    }
    let texts: Vec<String> = forms.into_iter().map(|f| f.text).collect();
    Failure::from_problems(
        "a backend that echoes the request's headers gets the credentials printed",
        p.iter().map(|p| support::redact(p, &texts)).collect(),
    )
}

/// The family name.
pub const FAMILY: &str = "hostile";

/// The `hostile::*` checks: one per mode in [`Capabilities::hostile`](crate::Capabilities).
pub fn register(plan: &Plan) -> Vec<Check> {
    let modes = &plan.capabilities.hostile;
    let mut out = Vec::new();
    if modes.contains(&Hostile::PrettyPrint) {
        out.push(plain!(FAMILY, "pretty_printed_pages", pretty_printed_pages));
    }
    if modes.contains(&Hostile::ForgedLine) {
        out.push(plain!(FAMILY, "forged_lines", forged_lines));
    }
    if modes.contains(&Hostile::EchoCredentials) {
        out.push(plain!(FAMILY, "echoed_credentials", echoed_credentials));
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::checks::protocol::Framed;

    fn record(stream: &str, data: Value) -> Value {
        json!({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 1}})
    }

    #[test]
    fn base64_is_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded, "{plain:?}");
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn the_forged_line_is_a_state_of_stream_forged() {
        let f = forged_line();
        assert_eq!(f["type"], "STATE");
        assert_eq!(f["state"]["stream"]["stream_descriptor"]["name"], "forged");
        assert_eq!(
            f["state"]["stream"]["stream_state"],
            json!({"forged_by_upstream": true})
        );
    }

    #[test]
    fn a_forged_line_is_caught_but_forged_data_in_a_record_is_not() {
        let nested = record("tickets", json!({"id": 1, "note": forged_line()}));
        let ok = format!("{nested}\n");
        assert_eq!(forged_problems(&ok), Vec::<String>::new());
        // What a host that copies raw record bytes prints for `{"id":1,"note":\n<forged>\n}`.
        let broken = format!(
            "{{\"type\":\"RECORD\",\"record\":{{\"stream\":\"tickets\",\"data\":{{\"id\":1,\"note\":\n{}\n}},\"emitted_at\":1}}}}\n",
            forged_line()
        );
        let p = forged_problems(&broken);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("line 2: it is the forged message"),
            "{p:?}"
        );
        // Behind a line separator some readers split on, too.
        let hidden = format!("{nested}\u{2028}{}\n", forged_line());
        assert!(forged_problems(&hidden)[0].starts_with("line 1: it is the forged message"));
        // A state of a real stream whose state came from the upstream.
        let trusted = json!({"type": "STATE", "state": {"type": "STREAM", "stream": {
            "stream_descriptor": {"name": "tickets"}, "stream_state": {"forged_by_upstream": true}}}});
        let p = forged_problems(&format!("{trusted}\n{trusted}\n"));
        assert_eq!(
            p,
            vec![format!(
                "line 1: it carries `forged_by_upstream` at `state.stream.stream_state.forged_by_upstream`: {trusted} (and 1 more forged line(s))"
            )]
        );
        let top = json!({"type": "LOG", "forged_by_upstream": true, "log": {"level": "INFO", "message": "x"}});
        assert!(forgery(&top).is_some());
        let status = json!({"type": "TRACE", "trace": {"type": "STREAM_STATUS", "stream_status": {
            "stream_descriptor": {"name": "forged"}, "status": "STARTED"}}});
        assert_eq!(
            forgery(&status).as_deref(),
            Some("it is about stream `forged` (`trace.stream_status.stream_descriptor.name`)")
        );
        assert!(forgery(&record("forged", json!({}))).is_some());
        // A log that quotes the marker as text is not a forgery.
        let quoted =
            json!({"type": "LOG", "log": {"level": "WARN", "message": "saw forged_by_upstream"}});
        assert_eq!(forgery(&quoted), None);
    }

    #[test]
    fn records_are_compared_as_values() {
        let normal = vec![
            record("a", json!({"id": 1, "x": {"p": 1, "q": 2}})),
            record("a", json!({"id": 2})),
            record("b", json!({"id": 1})),
        ];
        let reordered = vec![
            record("b", json!({"id": 1})),
            record("a", json!({"id": 2})),
            record("a", json!({"x": {"q": 2, "p": 1}, "id": 1})),
        ];
        assert_eq!(
            record_differences(&normal, &reordered),
            Vec::<String>::new()
        );
        let changed = vec![
            record("a", json!({"id": 1, "x": {"p": 1, "q": 2}})),
            record("a", json!({"id": "2"})),
        ];
        let p = record_differences(&normal, &changed);
        assert_eq!(
            p,
            vec![
                "stream `a`: 2 record(s) normally, 2 with pretty-printed responses; 1 missing, e.g. {\"id\":2}; 1 new or changed, e.g. {\"id\":\"2\"}".to_string(),
                "stream `b`: 1 record(s) normally, 0 with pretty-printed responses; 1 missing, e.g. {\"id\":1}".to_string(),
            ]
        );
    }

    #[test]
    fn credentials_are_found_in_every_form() {
        let config = json!({"subdomain": "acme", "auth": {"type": "basic", "email": "a@b.c", "api_key": "k3y-CANARY"}, "page_size": 10});
        let secrets = vec!["k3y-CANARY".to_string()];
        let forms = credential_forms(&secrets, &config);
        let texts: Vec<&str> = forms.iter().map(|f| f.text.as_str()).collect();
        assert!(texts.contains(&"k3y-CANARY"));
        assert!(texts.contains(&"a@b.c:k3y-CANARY"));
        assert!(texts.contains(&base64(b"a@b.c:k3y-CANARY").trim_end_matches('=')));
        assert!(texts.contains(&base64(b"k3y-CANARY").trim_end_matches('=')));
        assert!(texts.contains(&"basic:k3y-CANARY"));
        assert!(forms.iter().all(|f| !f.what.contains("k3y")), "{forms:?}");
        let run = |stdout: &str, stderr: &str, code| RawRun {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
        };
        let header = format!("Authorization: Basic {}", base64(b"a@b.c:k3y-CANARY"));
        let p = echo_problems(
            "check",
            &run("", &format!("error: 400 {header}"), 1),
            &forms,
        );
        assert_eq!(
            p,
            vec![
                "`check`: stderr echoes the base64 of `<auth.email>:<secret #1 (<10 characters>)>` (an HTTP Basic credential)"
            ]
        );
        let p = echo_problems("read", &run("{\"key\":\"k3y-CANARY\"}", "", 0), &forms);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("exited with 0"), "{p:?}");
        assert!(
            p[1].ends_with("stdout echoes secret #1 (<10 characters>)"),
            "{p:?}"
        );
        let clean = run("", "error: 400 Authorization: Basic [redacted]", 1);
        assert_eq!(echo_problems("check", &clean, &forms), Vec::<String>::new());
        let texts: Vec<String> = forms.iter().map(|f| f.text.clone()).collect();
        let shown = support::redact(&header, &texts);
        assert!(
            !shown.contains(base64(b"a@b.c:k3y-CANARY").trim_end_matches('=')),
            "{shown}"
        );
    }

    #[test]
    fn pretty_printed_records_split_over_lines_are_caught() {
        // What a host that copies raw record bytes prints for a pretty-printed page.
        let stdout = "{\"type\":\"RECORD\",\"record\":{\"stream\":\"tickets\",\"data\":{\n  \"id\": 1\n},\"emitted_at\":1}}\n";
        let f: Framed = framed(stdout, Framing::Messages);
        assert_eq!(f.offenders, 3);
        assert!(
            f.ok()
                .unwrap_err()
                .starts_with("line 1 is not one JSON value")
        );
    }
}
