//! What a stream yields: records, state checkpoints and logs; and the saved state a host keeps.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{Error, Result};

/// One item of a stream's read.
#[derive(Debug, Clone)]
pub enum Message {
    /// A record, passed through as the service sent it.
    Record(Record),
    /// A checkpoint: a host that saves it and hands it back resumes after everything emitted
    /// before it.
    State(StateCheckpoint),
    /// A note for the operator.
    Log(LogMessage),
}

/// One record of one stream.
///
/// `data` is the service's JSON, byte for byte: records are never re-encoded on the way
/// through, which keeps reads fast and field order intact.
#[derive(Debug, Clone)]
pub struct Record {
    /// The stream's name.
    pub stream: Arc<str>,
    /// The record, as raw JSON text.
    pub data: Box<RawValue>,
}

impl Record {
    /// Builds a record from a JSON value (for connectors that compute their records).
    pub fn from_value(stream: Arc<str>, value: &Value) -> Self {
        let text = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
        let data = RawValue::from_string(text)
            .unwrap_or_else(|_| RawValue::from_string("null".into()).expect("null is valid JSON"));
        Record { stream, data }
    }

    /// Parses the record into a JSON value.
    pub fn value(&self) -> Result<Value> {
        serde_json::from_str(self.data.get())
            .map_err(|e| Error::invalid_response("a JSON record", e.to_string()))
    }
}

/// A per-stream state checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct StateCheckpoint {
    /// The stream's name.
    pub stream: Arc<str>,
    /// The state to hand back to [`crate::Stream::read`] to resume.
    pub state: Value,
}

/// Severity of a [`LogMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    /// Something failed.
    Error,
    /// Something looks wrong.
    Warn,
    /// Progress worth showing.
    Info,
    /// Detail for debugging.
    Debug,
}

/// A note for the operator, emitted as an Airbyte LOG message.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMessage {
    /// Severity.
    pub level: LogLevel,
    /// The text (never a secret).
    pub message: String,
}

/// The saved state of every stream, as a host stores it between reads.
///
/// Serialises to and from the Airbyte per-stream form: a list of
/// `{"type":"STREAM","stream":{"stream_descriptor":{"name":..},"stream_state":{..}}}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    streams: BTreeMap<String, Value>,
}

#[derive(Serialize, Deserialize)]
struct AirbyteStreamDescriptor {
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct AirbyteStreamState {
    stream_descriptor: AirbyteStreamDescriptor,
    #[serde(default)]
    stream_state: Value,
}

#[derive(Deserialize)]
struct AirbyteGlobalState {
    #[serde(default)]
    shared_state: Value,
    #[serde(default)]
    stream_states: Vec<AirbyteStreamState>,
}

/// One Airbyte state message body; every field is optional (the protocol's `type` is too) and
/// unknown ones (`sourceStats`, `destinationStats`, `id`) are ignored.
#[derive(Deserialize)]
struct AirbyteState {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    stream: Option<AirbyteStreamState>,
    #[serde(rename = "global", default)]
    global: Option<AirbyteGlobalState>,
    #[serde(default)]
    data: Option<Value>,
}

/// Whether a stream state says nothing: `null`, `{}`, or the marker Airbyte's CDK writes for
/// streams without a cursor (`{"__ab_no_cursor_state_message": true}`, which its
/// `AbstractSource._read_stream` also reads as `{}`).
fn is_blank(state: &Value) -> bool {
    match state {
        Value::Null => true,
        Value::Object(map) => {
            map.is_empty()
                || (map.len() == 1
                    && map.get("__ab_no_cursor_state_message") == Some(&Value::Bool(true)))
        }
        _ => false,
    }
}

impl State {
    /// An empty state: every stream reads from the start.
    pub fn new() -> Self {
        Self::default()
    }

    /// The state of `stream`, if saved.
    pub fn get(&self, stream: &str) -> Option<&Value> {
        self.streams.get(stream)
    }

    /// Saves a checkpoint.
    pub fn apply(&mut self, checkpoint: &StateCheckpoint) {
        self.streams
            .insert(checkpoint.stream.to_string(), checkpoint.state.clone());
    }

    /// Sets the state of one stream.
    pub fn insert(&mut self, stream: impl Into<String>, state: Value) {
        self.streams.insert(stream.into(), state);
    }

    /// The streams that have a state.
    pub fn streams(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.streams.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The Airbyte `state` object of one stream.
    pub fn airbyte_stream_state(stream: &str, state: &Value) -> Value {
        serde_json::json!({
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": stream}, "stream_state": state}
        })
    }

    /// The Airbyte form: a list of per-stream `state` objects.
    pub fn to_airbyte(&self) -> Value {
        Value::Array(
            self.streams
                .iter()
                .map(|(k, v)| Self::airbyte_stream_state(k, v))
                .collect(),
        )
    }

    /// Reads the Airbyte form; see [`State::from_airbyte_with_notes`] for what it accepts.
    pub fn from_airbyte(value: &Value) -> Result<Self> {
        Ok(Self::from_airbyte_with_notes(value)?.0)
    }

    /// Reads the Airbyte form as leniently as Airbyte's Python CDK (`Source.read_state` and
    /// `ConnectorStateManager` in `airbyte_cdk/sources`), and returns the state with a note (one
    /// sentence for the operator) for every entry it ignored or read in another form:
    ///
    /// - a list of `state` objects, a list of whole STATE messages (`{"type":"STATE",
    ///   "state":{..}}`), or one of either; later entries win;
    /// - `null`, `[]` and `{}`: no state (PyAirbyte sends `[]` on a first read);
    /// - `STREAM` states (`type` may be left out when `stream` is there), with any extra field
    ///   (`namespace`, `sourceStats`, `destinationStats`, `id`); a stream state that is `null`,
    ///   `{}` or the CDK's `__ab_no_cursor_state_message` marker means no state for that stream;
    /// - `GLOBAL` states: their `stream_states` are read per stream; a `shared_state` is ignored
    ///   (with a note: this host never writes one, the CDK refuses one);
    /// - the legacy forms: `{"type":"LEGACY","data":{stream: state}}`, and a bare object
    ///   mapping stream names to states (`{"tickets": {"cursor": ..}}`), each read per stream
    ///   with a note.
    ///
    /// An entry that is not an object, and one with none of `stream`, `global` or `data` (or
    /// of a type this form has not), is an error naming the entry.
    pub fn from_airbyte_with_notes(value: &Value) -> Result<(Self, Vec<String>)> {
        let mut state = State::new();
        let mut notes = Vec::new();
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            Value::Object(map) if map.is_empty() => Vec::new(),
            Value::Object(map) if is_legacy_map(map) => {
                state.insert_legacy(map, "the state", &mut notes);
                return Ok((state, notes));
            }
            one => vec![one],
        };
        for (i, item) in items.into_iter().enumerate() {
            let inner = if item.get("type").and_then(Value::as_str) == Some("STATE") {
                item.get("state").unwrap_or(&Value::Null)
            } else {
                item
            };
            let parsed: AirbyteState = serde_json::from_value(inner.clone()).map_err(|e| {
                Error::invalid_config(
                    format!("state[{i}]"),
                    format!("is not an Airbyte state message: {e}; give the `state` objects read printed"),
                )
            })?;
            let kind = match (&parsed.kind, &parsed.stream, &parsed.global, &parsed.data) {
                (Some(kind), ..) => kind.as_str(),
                (None, Some(_), _, _) => "STREAM",
                (None, None, Some(_), _) => "GLOBAL",
                (None, None, None, Some(_)) => "LEGACY",
                (None, None, None, None) => {
                    return Err(Error::invalid_config(
                        format!("state[{i}]"),
                        "has none of `stream`, `global` or `data`; give the `state` objects read printed",
                    ));
                }
            };
            match (kind, parsed.stream, parsed.global, parsed.data) {
                ("STREAM", Some(s), _, _) => state.insert_stream(s),
                ("GLOBAL", _, Some(global), _) => {
                    if !is_blank(&global.shared_state) {
                        notes.push(format!(
                            "state[{i}]: the GLOBAL state's shared_state is ignored (this connector keeps a state per stream)"
                        ));
                    }
                    for s in global.stream_states {
                        state.insert_stream(s);
                    }
                }
                ("LEGACY", _, _, Some(Value::Object(map))) => {
                    state.insert_legacy(&map, &format!("state[{i}]"), &mut notes);
                }
                ("STREAM" | "GLOBAL" | "LEGACY", ..) => {
                    return Err(Error::invalid_config(
                        format!("state[{i}]"),
                        format!(
                            "is a {kind} state without its `{}` object; give the `state` objects read printed",
                            match kind {
                                "STREAM" => "stream",
                                "GLOBAL" => "global",
                                _ => "data",
                            }
                        ),
                    ));
                }
                (kind, ..) => {
                    return Err(Error::invalid_config(
                        format!("state[{i}].type"),
                        format!(
                            "`{kind}` is not a state type; give STREAM states as emitted by read (GLOBAL and LEGACY are read too)"
                        ),
                    ));
                }
            }
        }
        Ok((state, notes))
    }

    fn insert_stream(&mut self, s: AirbyteStreamState) {
        if is_blank(&s.stream_state) {
            self.streams.remove(&s.stream_descriptor.name);
        } else {
            self.streams
                .insert(s.stream_descriptor.name, s.stream_state);
        }
    }

    fn insert_legacy(
        &mut self,
        map: &serde_json::Map<String, Value>,
        what: &str,
        notes: &mut Vec<String>,
    ) {
        let names: Vec<&str> = map.keys().map(String::as_str).collect();
        notes.push(format!(
            "{what} is in the legacy form (an object of stream states): read as the states of {}",
            names.join(", ")
        ));
        for (name, value) in map {
            if is_blank(value) {
                self.streams.remove(name);
            } else {
                self.streams.insert(name.clone(), value.clone());
            }
        }
    }
}

/// Whether an object is a legacy state map (stream name → state object) rather than a state
/// message: it has none of a message's fields, and every value is an object or `null`.
fn is_legacy_map(map: &serde_json::Map<String, Value>) -> bool {
    !["type", "stream", "global", "data", "state"]
        .iter()
        .any(|k| map.contains_key(*k))
        && map.values().all(|v| v.is_object() || v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn state_round_trips_in_every_accepted_form() {
        let mut s = State::new();
        s.insert("tickets", json!({"cursor": "2024-01-01T00:00:00Z"}));
        s.insert("tags", json!({"cursor": 5}));
        let back = State::from_airbyte(&s.to_airbyte()).unwrap();
        assert_eq!(back, s);
        let messages = json!([{"type": "STATE", "state": State::airbyte_stream_state("tags", &json!({"cursor": 9}))}]);
        assert_eq!(
            State::from_airbyte(&messages).unwrap().get("tags"),
            Some(&json!({"cursor": 9}))
        );
        let err = State::from_airbyte(&json!([{"type": "GLOBAL"}]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("state[0]: is a GLOBAL state without"), "{err}");
    }

    /// Every state form a client sends, and what it reads as: (case, input, the state read,
    /// how many notes).
    #[test]
    fn states_are_read_as_the_cdk_reads_them() {
        let tickets = json!({"cursor": "2024-01-01T00:00:00Z"});
        let stream = |name: &str, state: Value| json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": state}});
        /// (case, input, the state read, how many notes).
        type Case = (&'static str, Value, Vec<(&'static str, Value)>, usize);
        let cases: Vec<Case> = vec![
            ("PyAirbyte's first read", json!([]), vec![], 0),
            ("an empty object", json!({}), vec![], 0),
            ("null", Value::Null, vec![], 0),
            (
                "per-stream",
                json!([stream("tickets", tickets.clone())]),
                vec![("tickets", tickets.clone())],
                0,
            ),
            (
                "PyAirbyte's stored messages: nulls, namespace, stats",
                json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "tickets", "namespace": null},
                        "stream_state": tickets.clone()}, "global": null, "data": null,
                        "sourceStats": {"recordCount": 3.0}, "destinationStats": null}]),
                vec![("tickets", tickets.clone())],
                0,
            ),
            (
                "no type, a stream",
                json!([{"stream": {"stream_descriptor": {"name": "tickets"}, "stream_state": tickets.clone()}}]),
                vec![("tickets", tickets.clone())],
                0,
            ),
            (
                "whole STATE messages",
                json!([{"type": "STATE", "state": stream("tickets", tickets.clone())}]),
                vec![("tickets", tickets.clone())],
                0,
            ),
            (
                "null, {} and the CDK's no-cursor marker are no state; later entries win",
                json!([
                    stream("tags", json!({"cursor": 1})),
                    stream("tags", Value::Null),
                    stream("users", json!({})),
                    stream("views", json!({"__ab_no_cursor_state_message": true}))
                ]),
                vec![],
                0,
            ),
            (
                "GLOBAL: its stream states",
                json!([{"type": "GLOBAL", "global": {"shared_state": {},
                        "stream_states": [{"stream_descriptor": {"name": "tickets"}, "stream_state": tickets.clone()}]}}]),
                vec![("tickets", tickets.clone())],
                0,
            ),
            (
                "GLOBAL with a shared state: ignored, with a note",
                json!({"type": "GLOBAL", "global": {"shared_state": {"lsn": 5},
                        "stream_states": [{"stream_descriptor": {"name": "tickets"}, "stream_state": tickets.clone()}]}}),
                vec![("tickets", tickets.clone())],
                1,
            ),
            (
                "LEGACY data",
                json!([{"type": "LEGACY", "data": {"tickets": tickets.clone()}}]),
                vec![("tickets", tickets.clone())],
                1,
            ),
            (
                "a legacy object of stream states",
                json!({"tickets": tickets.clone(), "tags": null}),
                vec![("tickets", tickets.clone())],
                1,
            ),
        ];
        for (case, input, want, notes) in cases {
            let (state, got_notes) =
                State::from_airbyte_with_notes(&input).unwrap_or_else(|e| panic!("{case}: {e}"));
            let got: Vec<(&str, Value)> = state.streams().map(|(k, v)| (k, v.clone())).collect();
            assert_eq!(got, want, "{case}");
            assert_eq!(got_notes.len(), notes, "{case}: {got_notes:?}");
        }
    }

    /// What no client sends stays an error naming the entry.
    #[test]
    fn wrong_states_are_errors_naming_the_entry() {
        let cases: Vec<(Value, &str)> = vec![
            (
                json!(["tickets"]),
                "state[0]: is not an Airbyte state message",
            ),
            (json!(5), "state[0]: is not an Airbyte state message"),
            (
                json!([{"type": "STREAM"}]),
                "state[0]: is a STREAM state without its `stream` object",
            ),
            (
                json!([{"type": "LEGACY", "data": 5}]),
                "state[0]: is a LEGACY state without its `data` object",
            ),
            (
                json!([{"sourceStats": {}}]),
                "state[0]: has none of `stream`, `global` or `data`",
            ),
            (
                json!([{"type": "SOMETIMES", "stream": {"stream_descriptor": {"name": "t"}}}]),
                "state[0].type: `SOMETIMES` is not a state type",
            ),
            (
                json!({"tickets": 5}),
                "state[0]: has none of `stream`, `global` or `data`",
            ),
        ];
        for (input, want) in cases {
            let err = State::from_airbyte(&input).expect_err(want).to_string();
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn records_keep_the_service_bytes() {
        let r = Record {
            stream: "s".into(),
            data: RawValue::from_string(r#"{"b":1,"a":2}"#.into()).unwrap(),
        };
        assert_eq!(r.data.get(), r#"{"b":1,"a":2}"#);
        assert_eq!(r.value().unwrap(), json!({"a": 2, "b": 1}));
    }
}
