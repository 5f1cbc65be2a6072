//! What the checks share: a started session, reads collected with their checkpoints, key
//! tuples, cursor positions, secrets, and in-process runs of the protocol host.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

use chrono::Duration as TimeDelta;
use connector_host::Host;
use connector_sdk::cursor::{CursorValue, format_datetime};
use connector_sdk::{
    AuthKind, Connector, ConnectorExt, ConnectorSpec, Definition, DefinitionExt, Message,
    ReadRequest, StreamDescriptor,
};
use futures::StreamExt as _;
use serde_json::{Value, json};

use crate::failure::{Failure, fail};
use crate::harness::{Backend, Capabilities, Harness};
use crate::schema;

/// One started backend, the definition for it and its valid config.
pub(crate) struct Session {
    pub backend: Box<dyn Backend>,
    pub definition: Arc<dyn Definition>,
    pub config: Value,
    pub caps: Capabilities,
    pub max_records: usize,
}

impl Session {
    /// Starts a backend through the harness.
    pub async fn start(h: &dyn Harness) -> Result<Self, Failure> {
        let backend = h
            .start()
            .await
            .map_err(|e| Failure::new(format!("the harness could not start a backend: {e}")))?;
        Ok(Session {
            definition: backend.definition(),
            config: backend.valid_config(),
            backend,
            caps: h.capabilities(),
            max_records: h.max_records(),
        })
    }

    /// The connector's spec.
    pub fn spec(&self) -> &ConnectorSpec {
        self.definition.spec()
    }

    /// A connector built from the valid config.
    pub fn connect(&self) -> Result<Box<dyn Connector>, Failure> {
        self.definition
            .connect(&self.config)
            .map_err(|e| Failure::new(format!("the valid config was refused: {e}")))
    }

    /// The descriptor of stream `name`.
    pub fn stream(&self, name: &str) -> Result<StreamDescriptor, Failure> {
        self.spec()
            .stream(name)
            .cloned()
            .ok_or_else(|| Failure::new(format!("the spec declares no stream `{name}`")))
    }

    /// Requests served so far, when the harness counts them.
    pub async fn requests(&self) -> Result<Option<u64>, Failure> {
        if !self.caps.counts_requests {
            return Ok(None);
        }
        match self.backend.requests().await {
            Some(n) => Ok(Some(n)),
            None => {
                fail!("the harness declares `counts_requests` but Backend::requests returned None")
            }
        }
    }

    /// Reads stream `name` to its end.
    pub async fn read(
        &self,
        connector: &dyn Connector,
        name: &str,
        request: ReadRequest,
    ) -> Result<Read, Failure> {
        read(connector, name, request, None, self.max_records).await
    }
}

/// The default read of a stream: incremental from the start where supported, else full refresh.
pub(crate) fn default_request(d: &StreamDescriptor) -> ReadRequest {
    ReadRequest {
        sync_mode: d.default_sync_mode(),
        state: None,
    }
}

/// One item of a read, in order.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A record, parsed.
    Record(Value),
    /// A state checkpoint.
    State(Value),
}

/// What one read yielded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Read {
    pub items: Vec<Item>,
}

impl Read {
    /// The records, in order.
    pub fn records(&self) -> Vec<&Value> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::Record(r) => Some(r),
                Item::State(_) => None,
            })
            .collect()
    }

    /// The state checkpoints, in order.
    pub fn states(&self) -> Vec<&Value> {
        self.items
            .iter()
            .filter_map(|i| match i {
                Item::State(s) => Some(s),
                Item::Record(_) => None,
            })
            .collect()
    }

    /// The last state checkpoint.
    pub fn final_state(&self) -> Option<&Value> {
        self.states().last().copied()
    }
}

/// Reads stream `name`; with `stop_after`, drops the read once that many records arrived (an
/// interruption). Fails on an error item, a message of another stream, an unparsable record,
/// or more than `max` records.
pub(crate) async fn read(
    connector: &dyn Connector,
    name: &str,
    request: ReadRequest,
    stop_after: Option<usize>,
    max: usize,
) -> Result<Read, Failure> {
    let from = match &request.state {
        Some(s) => format!("{:?} read from state {s}", request.sync_mode),
        None => format!("{:?} read", request.sync_mode),
    };
    let mut stream = connector
        .read_stream(name, request)
        .map_err(|e| Failure::new(format!("stream `{name}`: the {from} was refused: {e}")))?;
    let mut out = Read::default();
    let mut records = 0usize;
    while let Some(item) = stream.next().await {
        match item {
            Err(e) => fail!(
                "stream `{name}`: the {from} failed after {records} record(s) with {} error: {e}",
                e.kind()
            ),
            Ok(Message::Record(r)) => {
                if &*r.stream != name {
                    fail!(
                        "stream `{name}`: the {from} emitted a record tagged with stream `{}`",
                        r.stream
                    );
                }
                let v = r.value().map_err(|e| {
                    Failure::new(format!(
                        "stream `{name}`: record #{records} is not JSON: {e}"
                    ))
                })?;
                out.items.push(Item::Record(v));
                records += 1;
                if records > max {
                    fail!(
                        "stream `{name}`: the {from} yielded more than {max} records (Harness::max_records); is it endless?"
                    );
                }
                if stop_after == Some(records) {
                    return Ok(out);
                }
            }
            Ok(Message::State(s)) => {
                if &*s.stream != name {
                    fail!(
                        "stream `{name}`: the {from} emitted a state tagged with stream `{}`",
                        s.stream
                    );
                }
                out.items.push(Item::State(s.state));
            }
            Ok(Message::Log(_)) => {}
        }
    }
    Ok(out)
}

/// The primary key of a record as a tuple of real JSON values (`1` and `"1"` differ), in a
/// hashable canonical form; an error names a missing or null key field.
pub(crate) fn key_of(record: &Value, primary_key: &[String]) -> Result<String, String> {
    let mut tuple = Vec::with_capacity(primary_key.len());
    for k in primary_key {
        match record.get(k) {
            None => return Err(format!("has no primary key field `{k}`")),
            Some(Value::Null) => return Err(format!("has a null primary key field `{k}`")),
            Some(v) => tuple.push(v.clone()),
        }
    }
    Ok(Value::Array(tuple).to_string())
}

/// The keys of records (records without a full key are skipped: other checks report them).
pub(crate) fn keys<'a>(
    records: impl IntoIterator<Item = &'a Value>,
    pk: &[String],
) -> HashSet<String> {
    records
        .into_iter()
        .filter_map(|r| key_of(r, pk).ok())
        .collect()
}

/// A cursor in words.
pub(crate) fn show(c: &CursorValue) -> String {
    match c {
        CursorValue::Int(n) => n.to_string(),
        CursorValue::Time(t) => format_datetime(*t),
        CursorValue::Text(s) => format!("{s:?}"),
    }
}

/// Where a state says a stream is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Position {
    /// No position yet (`{}`, `null`, or a null cursor): a read from it starts at the beginning.
    Start,
    /// After this cursor.
    At(CursorValue),
}

/// The key a state keeps its cursor under: `cursor`, else the stream's cursor field.
pub(crate) fn state_key(state: &Value, cursor_field: Option<&str>) -> Option<String> {
    let map = state.as_object()?;
    if map.contains_key("cursor") {
        return Some("cursor".into());
    }
    cursor_field
        .filter(|f| map.contains_key(*f))
        .map(String::from)
}

/// Reads the position of a state. The suite's convention: a state is an object that keeps its
/// cursor under `cursor` (or under the stream's cursor field name), or a bare cursor value.
pub(crate) fn position(state: &Value, cursor_field: Option<&str>) -> Result<Position, String> {
    match state {
        Value::Null => return Ok(Position::Start),
        Value::Object(map) if map.is_empty() => return Ok(Position::Start),
        Value::Object(_) => {}
        other => {
            return CursorValue::from_json(other)
                .map(Position::At)
                .ok_or_else(|| format!("state {other} is not a cursor"));
        }
    }
    let Some(key) = state_key(state, cursor_field) else {
        return Err(format!(
            "state {state} keeps no cursor under `cursor`{}",
            cursor_field
                .map(|f| format!(" or `{f}`"))
                .unwrap_or_default()
        ));
    };
    match &state[&key] {
        Value::Null => Ok(Position::Start),
        v => CursorValue::from_json(v)
            .map(Position::At)
            .ok_or_else(|| format!("state {state}: `{key}` is not a cursor value")),
    }
}

/// Compares positions; an error when the cursor kinds differ.
pub(crate) fn compare(a: &Position, b: &Position) -> Result<std::cmp::Ordering, String> {
    use std::cmp::Ordering::*;
    match (a, b) {
        (Position::Start, Position::Start) => Ok(Equal),
        (Position::Start, Position::At(_)) => Ok(Less),
        (Position::At(_), Position::Start) => Ok(Greater),
        (Position::At(x), Position::At(y)) => x
            .compare(y)
            .ok_or_else(|| format!("cursors of different kinds: {} and {}", show(x), show(y))),
    }
}

/// The cursor of a record (present, not null, and a datetime when the schema says
/// `format: date-time`).
pub(crate) fn record_cursor(
    record: &Value,
    d: &StreamDescriptor,
) -> Result<Option<CursorValue>, String> {
    let Some(field) = d.cursor_field.as_deref() else {
        return Ok(None);
    };
    let mut v = record
        .get(field)
        .ok_or_else(|| format!("has no cursor field `{field}`"))?;
    // A declared fallback stands in for a null cursor (and must hold a value itself).
    let fallback = d
        .incremental
        .as_ref()
        .and_then(|i| i.cursor_fallback.as_deref());
    let field = match (v, fallback) {
        (Value::Null, Some(f)) => {
            v = record
                .get(f)
                .ok_or_else(|| format!("has a null `{field}` and no fallback field `{f}`"))?;
            f
        }
        _ => field,
    };
    let c = CursorValue::from_json(v).ok_or_else(|| {
        format!("cursor `{field}` = {v} is not a cursor value (integer, datetime or string)")
    })?;
    let format = d
        .schema
        .get("properties")
        .and_then(|p| p.get(field))
        .and_then(|s| schema::resolve(&d.schema, s).ok())
        .and_then(|s| s.get("format"))
        .and_then(Value::as_str);
    if matches!(format, Some("date-time") | Some("date")) && !matches!(c, CursorValue::Time(_)) {
        return Err(format!(
            "cursor `{field}` = {v} is declared `format: {}` but does not parse as a datetime",
            format.unwrap_or_default()
        ));
    }
    Ok(Some(c))
}

/// Whether cursor `c` is at or after `p` minus `lookback_secs` (datetimes only move back).
pub(crate) fn within(c: &CursorValue, p: &CursorValue, lookback_secs: u64) -> Result<bool, String> {
    let floor = match p {
        CursorValue::Time(t) => {
            CursorValue::Time(*t - TimeDelta::seconds(lookback_secs.min(i64::MAX as u64) as i64))
        }
        other => other.clone(),
    };
    c.compare(&floor)
        .map(|o| o != std::cmp::Ordering::Less)
        .ok_or_else(|| format!("cursor {} and state {} differ in kind", show(c), show(p)))
}

/// A state far in the future, in the shape of `template` (the stream's own final state).
pub(crate) fn future_state(template: Option<&Value>, d: &StreamDescriptor) -> Value {
    let cursor_field = d.cursor_field.as_deref();
    let kind = template.and_then(|t| match position(t, cursor_field) {
        Ok(Position::At(c)) => Some(c),
        _ => None,
    });
    let far = match kind {
        Some(CursorValue::Int(_)) => json!(i64::MAX / 2),
        Some(CursorValue::Text(_)) => json!("\u{10FFFF}"),
        _ => json!("2999-12-31T23:59:59.000000Z"),
    };
    match template {
        Some(Value::Object(map)) if !map.is_empty() => {
            let key = state_key(&Value::Object(map.clone()), cursor_field)
                .unwrap_or_else(|| "cursor".into());
            let mut out = map.clone();
            out.insert(key, far);
            Value::Object(out)
        }
        Some(v) if !v.is_object() && !v.is_null() => far,
        _ => json!({ "cursor": far }),
    }
}

/// The auth kind the config selects: the only one, or the one whose `config_type` is the
/// config's `auth.type` (or any `type` field).
pub(crate) fn auth_kind<'a>(spec: &'a ConnectorSpec, config: &Value) -> Option<&'a AuthKind> {
    if spec.auth_kinds.len() == 1 {
        return spec.auth_kinds.first();
    }
    fn types(v: &Value, out: &mut Vec<String>) {
        if let Value::Object(map) = v {
            if let Some(Value::String(t)) = map.get("type") {
                out.push(t.clone());
            }
            for child in map.values() {
                types(child, out);
            }
        }
    }
    let mut found = Vec::new();
    if let Some(Value::String(t)) = config.pointer("/auth/type") {
        found.push(t.clone());
    }
    types(config, &mut found);
    found
        .iter()
        .find_map(|t| spec.auth_kinds.iter().find(|k| &k.config_type == t))
}

/// The values of the config's secrets (fields marked `writeOnly` or `airbyte_secret`, and every
/// auth kind's `secret_fields`), longest first; values shorter than 4 characters are skipped.
pub(crate) fn secrets(spec: &ConnectorSpec, config: &Value) -> Vec<String> {
    let root = &spec.config_schema;
    let mut out: Vec<String> = Vec::new();
    let mut push = |v: &Value| {
        if let Value::String(s) = v
            && s.chars().count() >= 4
            && !out.contains(s)
        {
            out.push(s.clone());
        }
    };
    for f in schema::fields(root, config).fields {
        if schema::flag(root, &f.schema, "writeOnly")
            || schema::flag(root, &f.schema, "airbyte_secret")
        {
            push(&f.value);
        }
    }
    for kind in &spec.auth_kinds {
        for path in &kind.secret_fields {
            if let Some(v) = schema::value_at(config, path) {
                push(v);
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// The first secret that `text` contains.
pub(crate) fn echoed<'a>(text: &str, secrets: &'a [String]) -> Option<&'a str> {
    secrets
        .iter()
        .find(|s| text.contains(s.as_str()))
        .map(String::as_str)
}

/// `text` with every secret replaced by its length, safe to print in a failure.
pub(crate) fn redact(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |t, s| {
        t.replace(
            s.as_str(),
            &format!("<secret of {} characters>", s.chars().count()),
        )
    })
}

/// What one in-process run of the protocol host printed.
#[derive(Debug)]
pub(crate) struct HostRun {
    pub code: u8,
    pub lines: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
}

impl HostRun {
    /// The messages of one type.
    pub fn of_type(&self, t: &str) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["type"] == t).collect()
    }
}

/// Runs a future that is not `Send` (the SDK's `Host::run` and `host::read` hold a
/// `&mut dyn Write` across awaits) on a blocking thread of the current runtime, so the checks
/// themselves stay `Send`. `make` builds the future on that thread.
pub(crate) async fn on_own_thread<T, Fut>(
    make: impl FnOnce() -> Fut + Send + 'static,
) -> Result<T, Failure>
where
    Fut: std::future::Future<Output = T>,
    T: Send + 'static,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(make()))
        .await
        .map_err(|e| Failure::new(format!("the host panicked: {e}")))
}

/// What one in-process run of the protocol host printed, unparsed.
#[derive(Debug)]
pub(crate) struct RawRun {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `<connector> ARGS` through [`Host::run`] with `out` as stdout (stderr is collected);
/// returns the exit code, the writer and stderr.
pub(crate) async fn host_into<W>(
    definition: Arc<dyn Definition>,
    args: &[String],
    mut out: W,
) -> Result<(u8, W, String), Failure>
where
    W: Write + Send + 'static,
{
    let mut argv = vec![definition.spec().name.clone()];
    argv.extend(args.iter().cloned());
    let (code, out, err) = on_own_thread(move || async move {
        let mut err = Vec::new();
        let code = Host::new(definition)
            .run(argv, &mut out, &mut err, false)
            .await;
        (code, out, err)
    })
    .await?;
    Ok((code, out, String::from_utf8_lossy(&err).into_owned()))
}

/// Runs `<connector> ARGS` through [`Host::run`] and keeps stdout as text, whatever it holds.
pub(crate) async fn host_output(
    definition: Arc<dyn Definition>,
    args: &[String],
) -> Result<RawRun, Failure> {
    let (code, out, stderr) = host_into(definition, args, Vec::new()).await?;
    Ok(RawRun {
        code,
        stdout: String::from_utf8_lossy(&out).into_owned(),
        stderr,
    })
}

/// Runs `<connector> ARGS` through [`Host::run`]; every stdout line must be a JSON object.
pub(crate) async fn host(
    definition: Arc<dyn Definition>,
    args: &[&str],
) -> Result<HostRun, Failure> {
    let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let RawRun {
        code,
        stdout,
        stderr,
    } = host_output(definition, &argv).await?;
    let mut lines = Vec::new();
    for (i, line) in stdout.lines().enumerate() {
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v.is_object() => lines.push(v),
            _ => fail!(
                "`{}`: stdout line {} is not a JSON object: {line:.200}",
                args.join(" "),
                i + 1
            ),
        }
    }
    Ok(HostRun {
        code,
        lines,
        stdout,
        stderr,
    })
}

/// One command line of the host, for the checks that run every command.
#[derive(Debug, Clone)]
pub(crate) struct HostCommand {
    /// The command in words, with file names instead of temporary paths.
    pub label: String,
    /// The arguments after the program name.
    pub args: Vec<String>,
    /// `action`: stdout is one JSON document rather than protocol messages.
    pub action: bool,
}

/// Every command that talks to the backend, each as it is normally run: `spec`, `check`,
/// `discover`, `read` (every stream) with the valid config, and `action` with the first input
/// of the first action (in spec order) that has sample inputs. Files are written to `dir`.
pub(crate) fn host_commands(
    h: &dyn Harness,
    session: &Session,
    dir: &tempfile::TempDir,
) -> Result<Vec<HostCommand>, Failure> {
    let config = write_json(dir, "config.json", &session.config)?;
    let command = |label: &str, args: &[&str]| HostCommand {
        label: label.to_string(),
        args: args.iter().map(|s| s.to_string()).collect(),
        action: false,
    };
    let mut out = vec![
        command("spec", &["spec"]),
        command(
            "check --config config.json",
            &["check", "--config", &config],
        ),
        command(
            "discover --config config.json",
            &["discover", "--config", &config],
        ),
        command("read --config config.json", &["read", "--config", &config]),
    ];
    let samples = h.action_samples();
    let first = session.spec().actions.iter().find_map(|a| {
        samples
            .get(&a.name)
            .and_then(|s| s.first())
            .map(|input| (a.name.clone(), input.clone()))
    });
    if let Some((name, input)) = first {
        let input = write_json(dir, "input.json", &input)?;
        out.push(HostCommand {
            label: format!("action {name} --config config.json --input input.json"),
            args: vec![
                "action".into(),
                name,
                "--config".into(),
                config.clone(),
                "--input".into(),
                input,
            ],
            action: true,
        });
    }
    Ok(out)
}

/// ENOSPC, as a full disk reports it.
fn no_space() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::StorageFull,
        "No space left on device (os error 28)",
    )
}

/// A stdout on a full disk: every write and flush fails with ENOSPC.
#[derive(Debug, Default)]
pub(crate) struct FullDisk;

impl Write for FullDisk {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(no_space())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Err(no_space())
    }
}

/// A stdout that takes every write into memory but whose flush fails with ENOSPC: what a
/// `BufWriter` over a full disk looks like to the host until its buffer fills.
#[derive(Debug, Default)]
pub(crate) struct FlushFails {
    /// What was written.
    pub taken: Vec<u8>,
}

impl Write for FlushFails {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.taken.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Err(no_space())
    }
}

/// A stdout whose reader goes away after `left` bytes (`head -c 10`): every write and flush
/// fails with `BrokenPipe` from then on.
#[derive(Debug)]
pub(crate) struct ClosedAfter {
    left: usize,
}

impl ClosedAfter {
    /// A pipe whose reader takes `bytes` bytes.
    pub fn new(bytes: usize) -> Self {
        ClosedAfter { left: bytes }
    }
}

impl Write for ClosedAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.left == 0 {
            Err(std::io::ErrorKind::BrokenPipe.into())
        } else {
            Ok(())
        }
    }
}

/// Writes `value` to `name` in `dir`; returns the path.
pub(crate) fn write_json(
    dir: &tempfile::TempDir,
    name: &str,
    value: &Value,
) -> Result<String, Failure> {
    let path = dir.path().join(name);
    std::fs::write(&path, value.to_string())
        .map_err(|e| Failure::new(format!("cannot write {}: {e}", path.display())))?;
    Ok(path.to_string_lossy().into_owned())
}

/// A temporary folder.
pub(crate) fn temp_dir() -> Result<tempfile::TempDir, Failure> {
    tempfile::tempdir().map_err(|e| Failure::new(format!("cannot make a temporary folder: {e}")))
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{ClosedAfter, FlushFails, FullDisk};

    #[test]
    fn the_unwritable_stdouts_fail_as_described() {
        let e = FullDisk.write(b"x").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
        assert!(FullDisk.flush().is_err());

        let mut f = FlushFails::default();
        f.write_all(b"{\"type\":\"SPEC\"}\n").unwrap();
        assert_eq!(f.taken.len(), 16);
        assert_eq!(
            f.flush().unwrap_err().kind(),
            std::io::ErrorKind::StorageFull
        );

        let mut p = ClosedAfter::new(10);
        assert_eq!(p.write(b"0123456").unwrap(), 7);
        p.flush().unwrap();
        assert_eq!(p.write(b"789abc").unwrap(), 3);
        let e = p.write(b"d").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        assert!(p.write_all(b"more").is_err());
        assert!(p.flush().is_err());
    }
}
