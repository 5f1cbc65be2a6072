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

#[derive(Serialize, Deserialize)]
struct AirbyteState {
    #[serde(rename = "type")]
    kind: String,
    stream: Option<AirbyteStreamState>,
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

    /// Reads the Airbyte form. Accepts a list of `state` objects, a list of whole STATE
    /// messages (`{"type":"STATE","state":{..}}`), or one of either; later entries win.
    pub fn from_airbyte(value: &Value) -> Result<Self> {
        let items: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            one => vec![one],
        };
        let mut state = State::new();
        for (i, item) in items.into_iter().enumerate() {
            let inner = if item.get("type").and_then(Value::as_str) == Some("STATE") {
                item.get("state").unwrap_or(&Value::Null)
            } else {
                item
            };
            let parsed: AirbyteState = serde_json::from_value(inner.clone()).map_err(|e| {
                Error::invalid_config(
                    format!("state[{i}]"),
                    format!("is not an Airbyte STREAM state: {e}"),
                )
            })?;
            match (parsed.kind.as_str(), parsed.stream) {
                ("STREAM", Some(s)) => {
                    state
                        .streams
                        .insert(s.stream_descriptor.name, s.stream_state);
                }
                (kind, _) => {
                    return Err(Error::invalid_config(
                        format!("state[{i}].type"),
                        format!(
                            "`{kind}` states are not supported; give per-stream STREAM states as emitted by read"
                        ),
                    ));
                }
            }
        }
        Ok(state)
    }
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
        assert!(err.contains("state[0].type"), "{err}");
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
