//! Airbyte protocol messages: what the host writes on stdout, one JSON object a line, and the
//! configured catalog it reads.

use std::future::Future;
use std::io::Write;

use futures::StreamExt as _;
use futures::channel::{mpsc, oneshot};
use futures::future::{Either, FutureExt as _};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

use connector_sdk::control::{ConfigSink, ConfigUpdate};
use connector_sdk::error::{Error, FailureType, Result};
use connector_sdk::message::{LogLevel, LogMessage, Record, State, StateCheckpoint};
use connector_sdk::redact::Redactor;
use connector_sdk::spec::{AuthKind, ConnectorSpec, SyncMode};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The status of a stream in a TRACE STREAM_STATUS message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamStatus {
    /// Reading began.
    Started,
    /// The first record arrived.
    Running,
    /// Every record was read.
    Complete,
    /// The read failed part-way; the last STATE is safe to resume from.
    Incomplete,
}

/// Writes Airbyte messages, one a line whatever the records hold (see [`super::frame`]).
/// Flushes after every STATE, so a state on stdout is never ahead of the records it covers.
/// Error and log text goes through a [`Redactor`]: no secret and no control character reaches
/// the protocol channel.
///
/// Updated configs (a rotated OAuth2 refresh token) reach it through the [`ConfigSink`] of
/// [`MessageWriter::config_sink`] and are written, as CONTROL messages, by
/// [`MessageWriter::serve`] while the connector works: between two messages, never inside one.
#[derive(Debug)]
pub struct MessageWriter<W: Write> {
    out: W,
    redactor: Redactor,
    inbox: Option<Inbox>,
}

/// An update waiting to be written, and whom to tell once it is flushed.
type Pending = (ConfigUpdate, oneshot::Sender<Result<()>>);

/// The updates a connector hands over, and the auth kinds that say which of their fields are
/// secrets (scrubbed from every later message).
struct Inbox {
    updates: mpsc::UnboundedReceiver<Pending>,
    auth_kinds: Vec<AuthKind>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct RecordOut<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    record: RecordBody<'a>,
}

#[derive(Serialize)]
struct RecordBody<'a> {
    stream: &'a str,
    data: &'a RawValue,
    emitted_at: i64,
}

impl<W: Write> MessageWriter<W> {
    /// Wraps a writer (give it a buffered one).
    pub fn new(out: W) -> Self {
        MessageWriter {
            out,
            redactor: Redactor::none(),
            inbox: None,
        }
    }

    /// A sink a connector hands updated configs to (build it with
    /// `DefinitionExt::connect_with_updates`); `auth_kinds` (the spec's) say which of a config's
    /// fields are secrets. Each update is written as a CONTROL message by [`MessageWriter::serve`],
    /// and the sink's future resolves once that line is flushed (or with the error that kept it
    /// from stdout). A second call replaces the first sink's inbox.
    pub fn config_sink(&mut self, auth_kinds: Vec<AuthKind>) -> ConfigSink {
        let (tx, rx) = mpsc::unbounded::<Pending>();
        self.inbox = Some(Inbox {
            updates: rx,
            auth_kinds,
        });
        ConfigSink::new(move |update| {
            let (ack, done) = oneshot::channel();
            let sent = tx.unbounded_send((update, ack));
            async move {
                let gone = || {
                    Error::internal(
                        "the host stopped accepting config updates before this one was written",
                    )
                };
                sent.map_err(|_| gone())?;
                done.await.map_err(|_| gone())?
            }
            .boxed()
        })
    }

    /// Runs `work` (a connector's check, action or the next item of a read) to completion,
    /// writing every updated config the connector hands over meanwhile as a CONTROL message
    /// (flushed before the connector is told it is stored). Without a sink: just `work`.
    pub async fn serve<F: Future>(&mut self, work: F) -> F::Output {
        let mut work = std::pin::pin!(work);
        loop {
            let next = {
                let Some(inbox) = self.inbox.as_mut() else {
                    return work.await;
                };
                match futures::future::select(work.as_mut(), inbox.updates.next()).await {
                    Either::Left((done, _)) => return done,
                    Either::Right((next, _)) => next,
                }
            };
            match next {
                Some((update, ack)) => {
                    let written = self.control_config(&update);
                    // The connector may have given up waiting: nothing to tell then.
                    let _ = ack.send(written);
                }
                // Every sink is gone: no update can come any more.
                None => self.inbox = None,
            }
        }
    }

    /// A CONTROL message carrying an updated config, as Airbyte's OAuth connectors emit it
    /// (`{"type":"CONTROL","control":{"type":"CONNECTOR_CONFIG","emitted_at":..,
    /// "connectorConfig":{"config":{..}}}}`, docs.airbyte.com/understanding-airbyte/airbyte-protocol);
    /// flushes. The config is written whole, secrets included: the platform stores it as the
    /// connection's config. It is the only message that carries them: from now on every
    /// scrubbed text also loses the new config's secrets.
    pub fn control_config(&mut self, update: &ConfigUpdate) -> Result<()> {
        self.line(&serde_json::json!({
            "type": "CONTROL",
            "control": {
                "type": "CONNECTOR_CONFIG",
                "emitted_at": now_ms(),
                "connectorConfig": {"config": update.config},
            }
        }))?;
        self.flush()?;
        let kinds = self.inbox.as_ref().map(|i| i.auth_kinds.as_slice());
        self.redactor.extend(&Redactor::from_auth_kinds(
            kinds.unwrap_or_default(),
            &update.config,
        ));
        Ok(())
    }

    /// Scrubs error and log text with `redactor` from now on.
    pub fn set_redactor(&mut self, redactor: Redactor) {
        self.redactor = redactor;
    }

    /// `text` as this writer would print it: secrets removed, control characters escaped.
    pub fn scrub(&self, text: &str) -> String {
        self.redactor.scrub(text).into_owned()
    }

    /// Removes secrets from every string of `value` (an action's output, before it is printed).
    pub fn redact_value(&self, value: &mut Value) {
        self.redactor.redact_value(value);
    }

    /// Returns the inner writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn line<T: Serialize>(&mut self, message: &T) -> Result<()> {
        crate::frame::to_writer(&mut self.out, message).map_err(|e| {
            let kind = e.io_error_kind().unwrap_or(std::io::ErrorKind::Other);
            io(WRITING, std::io::Error::new(kind, e))
        })?;
        self.out.write_all(b"\n").map_err(|e| io(WRITING, e))
    }

    /// Flushes the writer.
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| io(FLUSHING, e))
    }

    /// A SPEC message.
    pub fn spec(&mut self, spec: &ConnectorSpec) -> Result<()> {
        let incremental = spec
            .streams
            .iter()
            .any(|s| s.supports(SyncMode::Incremental));
        self.line(&serde_json::json!({
            "type": "SPEC",
            "spec": {
                "documentationUrl": spec.documentation_url,
                "connectionSpecification": spec.config_schema,
                "supportsIncremental": incremental,
                "supported_destination_sync_modes": [],
            }
        }))
    }

    /// A CONNECTION_STATUS message.
    pub fn connection_status(&mut self, failure: Option<&Error>) -> Result<()> {
        let status = match failure {
            None => serde_json::json!({"status": "SUCCEEDED"}),
            Some(e) => {
                serde_json::json!({"status": "FAILED", "message": self.scrub(&e.to_string())})
            }
        };
        self.line(&serde_json::json!({"type": "CONNECTION_STATUS", "connectionStatus": status}))
    }

    /// A CATALOG message describing every stream of `spec`.
    pub fn catalog(&mut self, spec: &ConnectorSpec) -> Result<()> {
        self.line(&serde_json::json!({"type": "CATALOG", "catalog": catalog(spec)}))
    }

    /// A RECORD message. The protocol requires an object: anything else is refused (a bug of
    /// the connector that emitted it) and nothing is written.
    pub fn record(&mut self, record: &Record) -> Result<()> {
        if !record.data.get().trim_start().starts_with('{') {
            return Err(Error::internal(format!(
                "stream `{}` emitted a record that is not a JSON object",
                record.stream
            )));
        }
        self.line(&RecordOut {
            kind: "RECORD",
            record: RecordBody {
                stream: &record.stream,
                data: &record.data,
                emitted_at: now_ms(),
            },
        })
    }

    /// A per-stream STATE message; flushes.
    pub fn state(&mut self, checkpoint: &StateCheckpoint) -> Result<()> {
        self.line(&serde_json::json!({
            "type": "STATE",
            "state": State::airbyte_stream_state(&checkpoint.stream, &checkpoint.state),
        }))?;
        self.flush()
    }

    /// A LOG message.
    pub fn log(&mut self, log: &LogMessage) -> Result<()> {
        let message = self.scrub(&log.message);
        self.line(
            &serde_json::json!({"type": "LOG", "log": {"level": log.level, "message": message}}),
        )
    }

    /// A TRACE STREAM_STATUS message.
    pub fn stream_status(&mut self, stream: &str, status: StreamStatus) -> Result<()> {
        self.line(&serde_json::json!({
            "type": "TRACE",
            "trace": {
                "type": "STREAM_STATUS",
                "emitted_at": now_ms(),
                "stream_status": {"stream_descriptor": {"name": stream}, "status": status},
            }
        }))
    }

    /// A TRACE ERROR message.
    pub fn error(&mut self, error: &Error, stream: Option<&str>) -> Result<()> {
        let failure_type: FailureType = error.failure_type();
        let mut body = serde_json::json!({
            "message": self.scrub(&error.to_string()),
            "internal_message": error.kind(),
            "failure_type": failure_type,
        });
        if let Some(stream) = stream {
            body["stream_descriptor"] = serde_json::json!({"name": stream});
        }
        self.line(&serde_json::json!({
            "type": "TRACE",
            "trace": {"type": "ERROR", "emitted_at": now_ms(), "error": body}
        }))?;
        self.flush()
    }

    /// Plain text for people (the `actions` table), written as it is.
    pub fn text(&mut self, text: &str) -> Result<()> {
        self.out
            .write_all(text.as_bytes())
            .map_err(|e| io(WRITING, e))
    }

    /// Any JSON document on one line (the output of an action).
    pub fn raw(&mut self, value: &Value) -> Result<()> {
        self.line(value)
    }
}

/// Whether `e` is a failure to write the protocol channel (nothing more can be said there).
pub fn is_stdout_failure(e: &Error) -> bool {
    matches!(e, Error::Io { context, .. } if context == WRITING || context == FLUSHING)
}

const WRITING: &str = "writing a message to stdout";
const FLUSHING: &str = "flushing stdout";

fn io(context: &str, source: std::io::Error) -> Error {
    Error::Io {
        context: context.to_string(),
        source,
    }
}

/// The Airbyte catalog of a spec: `{"streams":[{name, json_schema, supported_sync_modes, ...}]}`.
pub fn catalog(spec: &ConnectorSpec) -> Value {
    let streams: Vec<Value> = spec
        .streams
        .iter()
        .map(|s| {
            serde_json::json!({
                "name": s.name,
                "json_schema": s.schema,
                "supported_sync_modes": s.sync_modes,
                "source_defined_cursor": s.cursor_field.is_some(),
                "default_cursor_field": s.cursor_field.iter().collect::<Vec<_>>(),
                "source_defined_primary_key": s.primary_key.iter().map(|k| vec![k]).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({ "streams": streams })
}

/// One stream selected for a read, and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredStream {
    /// The stream's name.
    pub name: String,
    /// The sync mode.
    pub sync_mode: SyncMode,
}

/// The streams a read covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfiguredCatalog {
    /// The selected streams, in order.
    pub streams: Vec<ConfiguredStream>,
}

impl ConfiguredCatalog {
    /// Every stream of `spec`, incremental where supported.
    pub fn all(spec: &ConnectorSpec) -> Self {
        ConfiguredCatalog {
            streams: spec
                .streams
                .iter()
                .map(|s| ConfiguredStream {
                    name: s.name.clone(),
                    sync_mode: s.default_sync_mode(),
                })
                .collect(),
        }
    }

    /// Reads an Airbyte configured catalog (`{"streams":[{"stream":{"name":..},"sync_mode":..}]}`)
    /// as leniently as Airbyte's Python CDK, where what clients send relies on it:
    ///
    /// - a stream configured `incremental` that supports only full refresh is read as a full
    ///   refresh, with a note (PyAirbyte configures every stream incremental,
    ///   `airbyte/sources/base.py` `get_configured_catalog`; the CDK reads such a stream in full
    ///   too, as its concurrent streams' reads do not depend on the configured `sync_mode`);
    /// - a configured stream that is not a stream of this connector is skipped, reported in
    ///   [`ParsedCatalog::unknown`] (the host marks it INCOMPLETE) and in a note, as the CDK's
    ///   `ConcurrentDeclarativeSource._select_streams` and `AbstractSource.read` do; only when
    ///   no configured stream is known is it an error (nothing would be read);
    /// - a missing or `null` `sync_mode` is the stream's default (incremental where supported);
    /// - every other field (`destination_sync_mode`, `cursor_field`, `primary_key`,
    ///   `generation_id`, `minimum_generation_id`, `sync_id`, the stream's `json_schema`,
    ///   `namespace`, ...) is ignored: the connector's declared cursor and key are what it reads
    ///   by, as for the CDK's source-defined cursors.
    ///
    /// A catalog without `streams`, an entry without `stream.name`, a stream listed twice, an
    /// unknown `sync_mode` value, and `full_refresh` asked of a stream that supports only
    /// incremental are errors naming the entry and the fix.
    pub fn from_airbyte(value: &Value, spec: &ConnectorSpec) -> Result<ParsedCatalog> {
        let items = value
            .get("streams")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Error::invalid_config(
                    "catalog.streams",
                    "is required: a list of configured streams",
                )
            })?;
        let mut streams = Vec::new();
        let mut unknown: Vec<(usize, String)> = Vec::new();
        let mut notes = Vec::new();
        let mut seen: Vec<(String, usize)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let name = item
                .pointer("/stream/name")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Error::invalid_config(
                        format!("catalog.streams[{i}].stream.name"),
                        "is required; add it",
                    )
                })?;
            if let Some((_, first)) = seen.iter().find(|(n, _)| n == name) {
                return Err(Error::invalid_config(
                    format!("catalog.streams[{i}].stream.name"),
                    format!(
                        "`{name}` is already configured at catalog.streams[{first}]; list each stream once"
                    ),
                ));
            }
            seen.push((name.to_string(), i));
            let Some(descriptor) = spec.stream(name) else {
                unknown.push((i, name.to_string()));
                continue;
            };
            let asked = match item.get("sync_mode") {
                None | Some(Value::Null) => descriptor.default_sync_mode(),
                Some(v) => serde_json::from_value::<SyncMode>(v.clone()).map_err(|_| {
                    Error::invalid_config(
                        format!("catalog.streams[{i}].sync_mode"),
                        "must be \"full_refresh\" or \"incremental\"",
                    )
                })?,
            };
            let sync_mode = if descriptor.supports(asked) {
                asked
            } else if asked == SyncMode::Incremental && descriptor.supports(SyncMode::FullRefresh) {
                notes.push(warn(format!(
                    "stream `{name}` supports only full refresh: configured incremental, it is read as a full refresh (every record, no state)"
                )));
                SyncMode::FullRefresh
            } else {
                return Err(Error::invalid_config(
                    format!("catalog.streams[{i}].sync_mode"),
                    format!(
                        "stream `{name}` supports only {}; configure one of those",
                        modes(&descriptor.sync_modes)
                    ),
                ));
            };
            streams.push(ConfiguredStream {
                name: name.to_string(),
                sync_mode,
            });
        }
        if streams.is_empty()
            && let Some((i, name)) = unknown.first()
        {
            return Err(Error::invalid_config(
                format!("catalog.streams[{i}].stream.name"),
                format!("`{name}` is not a stream of this connector; run discover to list them"),
            ));
        }
        for (i, name) in &unknown {
            notes.push(warn(format!(
                "catalog.streams[{i}]: `{name}` is not a stream of this connector and is skipped; run discover and refresh the configured catalog"
            )));
        }
        Ok(ParsedCatalog {
            catalog: ConfiguredCatalog { streams },
            unknown: unknown.into_iter().map(|(_, name)| name).collect(),
            notes,
        })
    }

    /// The Airbyte form of this selection.
    pub fn to_airbyte(&self, spec: &ConnectorSpec) -> Value {
        let cat = catalog(spec);
        let streams: Vec<Value> = self
            .streams
            .iter()
            .filter_map(|c| {
                let s = cat["streams"].as_array()?.iter().find(|s| s["name"] == c.name.as_str())?;
                Some(serde_json::json!({"stream": s, "sync_mode": c.sync_mode, "destination_sync_mode": "append"}))
            })
            .collect();
        serde_json::json!({ "streams": streams })
    }
}

/// What [`ConfiguredCatalog::from_airbyte`] made of a configured catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCatalog {
    /// The streams to read, and how.
    pub catalog: ConfiguredCatalog,
    /// Configured streams that are not streams of the connector: skipped (a host reports each
    /// with a TRACE STREAM_STATUS INCOMPLETE, as Airbyte's CDK does).
    pub unknown: Vec<String>,
    /// What the host read differently from what was asked, one WARN note each (a host writes
    /// them as LOG messages before reading).
    pub notes: Vec<LogMessage>,
}

fn warn(message: String) -> LogMessage {
    LogMessage {
        level: LogLevel::Warn,
        message,
    }
}

/// `full_refresh` and `incremental`, as the protocol spells them.
fn modes(modes: &[SyncMode]) -> String {
    modes
        .iter()
        .map(|m| match m {
            SyncMode::FullRefresh => "full_refresh",
            SyncMode::Incremental => "incremental",
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::connector::Definition as _;
    use connector_sdk::spec::StreamDescriptor;
    use connector_sdk::testing::{MemoryBackend, MemoryDefinition};
    use serde_json::json;

    /// The example's spec (`books`: full refresh and incremental) with `authors` (full refresh
    /// only) and `changes` (incremental only).
    fn spec() -> ConnectorSpec {
        let definition = MemoryDefinition::new(MemoryBackend::new(1, "t"));
        let mut spec = definition.spec().clone();
        let books = spec.stream("books").expect("the example has books").clone();
        let mut changes = books.clone();
        changes.name = "changes".into();
        changes.sync_modes = vec![SyncMode::Incremental];
        spec.streams.push(StreamDescriptor::new(
            "authors",
            "who wrote them",
            json!({"type": "object"}),
            &["id"],
        ));
        spec.streams.push(changes);
        spec
    }

    fn entry(name: &str, sync_mode: Value) -> Value {
        json!({"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
               "sync_mode": sync_mode, "destination_sync_mode": "overwrite"})
    }

    /// What clients send and what the host reads: (case, catalog, streams read with their
    /// modes, streams skipped, notes naming).
    #[test]
    fn catalogs_are_read_as_the_cdk_reads_them() {
        use SyncMode::{FullRefresh as F, Incremental as I};
        /// (case, catalog, streams read with their modes, streams skipped, notes naming).
        type Case = (
            &'static str,
            Value,
            Vec<(&'static str, SyncMode)>,
            Vec<&'static str>,
            Vec<&'static str>,
        );
        let cases: Vec<Case> = vec![
            (
                "incremental on a full-refresh-only stream is a full refresh, with a note",
                json!({"streams": [entry("authors", json!("incremental")), entry("books", json!("incremental"))]}),
                vec![("authors", F), ("books", I)],
                vec![],
                vec!["stream `authors` supports only full refresh"],
            ),
            (
                "PyAirbyte's catalog: every field it sends, and nulls",
                json!({"streams": [{
                    "stream": {"name": "books", "json_schema": {"type": "object"}, "namespace": null,
                               "supported_sync_modes": ["full_refresh", "incremental"],
                               "source_defined_cursor": true, "default_cursor_field": ["updated_at"],
                               "source_defined_primary_key": [["id"]], "is_resumable": true},
                    "sync_mode": "incremental", "destination_sync_mode": "overwrite",
                    "cursor_field": ["updated_at"], "primary_key": [["id"]],
                    "generation_id": null, "minimum_generation_id": null, "sync_id": null}]}),
                vec![("books", I)],
                vec![],
                vec![],
            ),
            (
                "the platform's catalog: generation and sync ids, another cursor_field",
                json!({"streams": [{
                    "stream": {"name": "books", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                    "sync_mode": "full_refresh", "destination_sync_mode": "append_dedup",
                    "cursor_field": ["something_else"], "primary_key": [["other"]],
                    "generation_id": 3, "minimum_generation_id": 0, "sync_id": 99}]}),
                vec![("books", F)],
                vec![],
                vec![],
            ),
            (
                "a stream unknown to the source is skipped, with a note",
                json!({"streams": [entry("gone", json!("full_refresh")), entry("books", json!("full_refresh"))]}),
                vec![("books", F)],
                vec!["gone"],
                vec!["catalog.streams[0]: `gone` is not a stream of this connector"],
            ),
            (
                "no sync_mode, or null: the stream's default",
                json!({"streams": [{"stream": {"name": "books"}}, {"stream": {"name": "authors"}, "sync_mode": null}]}),
                vec![("books", I), ("authors", F)],
                vec![],
                vec![],
            ),
            (
                "an empty list of streams reads nothing",
                json!({"streams": []}),
                vec![],
                vec![],
                vec![],
            ),
        ];
        let spec = spec();
        for (case, catalog, read, skipped, notes) in cases {
            let parsed = ConfiguredCatalog::from_airbyte(&catalog, &spec)
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            let got: Vec<(&str, SyncMode)> = parsed
                .catalog
                .streams
                .iter()
                .map(|s| (s.name.as_str(), s.sync_mode))
                .collect();
            assert_eq!(got, read, "{case}");
            assert_eq!(parsed.unknown, skipped, "{case}");
            assert_eq!(
                parsed.notes.len(),
                notes.len(),
                "{case}: {:?}",
                parsed.notes
            );
            for (note, want) in parsed.notes.iter().zip(notes) {
                assert_eq!(note.level, LogLevel::Warn, "{case}");
                assert!(note.message.contains(want), "{case}: {}", note.message);
            }
        }
    }

    /// Inputs that really are wrong stay errors naming the entry and the fix.
    #[test]
    fn wrong_catalogs_are_errors_naming_the_entry() {
        let cases: Vec<(Value, &str)> = vec![
            (json!({}), "catalog.streams: is required"),
            (
                json!({"streams": [{"sync_mode": "incremental"}]}),
                "catalog.streams[0].stream.name: is required",
            ),
            (
                json!({"streams": [entry("nope", json!("full_refresh"))]}),
                "catalog.streams[0].stream.name: `nope` is not a stream of this connector; run discover",
            ),
            (
                json!({"streams": [entry("books", json!("full_refresh")), entry("books", json!("incremental"))]}),
                "catalog.streams[1].stream.name: `books` is already configured at catalog.streams[0]",
            ),
            (
                json!({"streams": [entry("books", json!("sometimes"))]}),
                "catalog.streams[0].sync_mode: must be \"full_refresh\" or \"incremental\"",
            ),
            (
                json!({"streams": [entry("changes", json!("full_refresh"))]}),
                "catalog.streams[0].sync_mode: stream `changes` supports only incremental; configure one of those",
            ),
        ];
        let spec = spec();
        for (catalog, want) in cases {
            let err = ConfiguredCatalog::from_airbyte(&catalog, &spec)
                .expect_err(want)
                .to_string();
            assert!(err.contains(want), "{catalog}: {err}");
        }
    }
}
