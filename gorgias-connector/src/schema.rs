//! Small builders for the hand-written record and action schemas.
//!
//! Record schemas cover every documented field, are nullable where Gorgias sends null, and
//! allow extra fields (Gorgias adds fields over time; records pass through unchanged). Gorgias
//! datetimes may lack an offset (`2019-04-13T03:27:56.973873`), which RFC 3339 `date-time`
//! refuses, so datetimes are described by a pattern and a sentence instead of `format`.

use serde_json::{Map, Value, json};

/// The pattern of a Gorgias datetime: ISO 8601, `T` or space, optional fraction and offset.
pub const DATETIME_PATTERN: &str =
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$";

/// An integer id.
pub fn id() -> Value {
    json!({"type": "integer"})
}
/// An integer or null.
pub fn int_n() -> Value {
    json!({"type": ["integer", "null"]})
}
/// A number or null.
pub fn num_n() -> Value {
    json!({"type": ["number", "null"]})
}
/// A string.
pub fn string() -> Value {
    json!({"type": "string"})
}
/// A string or null.
pub fn string_n() -> Value {
    json!({"type": ["string", "null"]})
}
/// A boolean.
pub fn boolean() -> Value {
    json!({"type": "boolean"})
}
/// A boolean or null.
pub fn boolean_n() -> Value {
    json!({"type": ["boolean", "null"]})
}
/// Any JSON object.
pub fn object() -> Value {
    json!({"type": "object"})
}
/// Any JSON object or null.
pub fn object_n() -> Value {
    json!({"type": ["object", "null"]})
}
/// A list of `items`.
pub fn array(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
/// A list of `items` or null.
pub fn array_n(items: Value) -> Value {
    json!({"type": ["array", "null"], "items": items})
}
/// Any JSON value.
pub fn any() -> Value {
    json!({})
}
/// A Gorgias datetime.
pub fn datetime() -> Value {
    json!({"type": "string", "pattern": DATETIME_PATTERN,
           "description": "ISO 8601 datetime; UTC when no offset is given."})
}
/// A Gorgias datetime or null.
pub fn datetime_n() -> Value {
    json!({"type": ["string", "null"], "pattern": DATETIME_PATTERN,
           "description": "ISO 8601 datetime; UTC when no offset is given."})
}
/// A string limited to `values` (nullable when `null` is true).
pub fn one_of_strings(values: &[&str], null: bool) -> Value {
    let mut e: Vec<Value> = values.iter().map(|v| json!(v)).collect();
    if null {
        e.push(Value::Null);
    }
    json!({"enum": e})
}

/// Adds a description to a schema.
pub fn describe(mut schema: Value, text: &str) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert("description".into(), json!(text));
    }
    schema
}

/// A nested object with known properties (extra properties allowed).
pub fn nested(props: &[(&str, Value)], nullable: bool) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({
        "type": if nullable { json!(["object", "null"]) } else { json!("object") },
        "properties": properties,
    })
}

/// A record schema: title, every field, required fields, extra fields allowed.
pub fn record_of(title: &str, props: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": title,
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": true,
    })
}

/// An input schema: title, fields in order, required fields, no extra fields.
pub fn input(title: &str, props: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": title,
        "type": "object",
        "required": required,
        "properties": properties,
        "additionalProperties": false,
    })
}

/// A titled input field: `field("Ticket id", positive_id(), "The ticket to read.")`.
pub fn field(title: &str, mut schema: Value, description: &str) -> Value {
    if let Value::Object(m) = &mut schema {
        m.insert("title".into(), json!(title));
        if !description.is_empty() {
            m.insert("description".into(), json!(description));
        }
    }
    schema
}

/// A positive integer id for inputs.
pub fn positive_id() -> Value {
    json!({"type": "integer", "minimum": 1})
}

/// A non-empty list of positive ids, without repeats, at most `max`.
pub fn id_list(max: u32) -> Value {
    json!({"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1, "maxItems": max, "uniqueItems": true})
}

/// A non-empty string of at most `max` characters.
pub fn text(max: u32) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max})
}

/// The output of actions Gorgias answers with no body (202/204).
pub fn ack() -> Value {
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "Acknowledged",
        "type": "object",
        "required": ["ok", "status"],
        "properties": {
            "ok": {"const": true, "description": "Gorgias accepted the request."},
            "status": {"type": "integer", "description": "The HTTP status Gorgias answered (200, 202 or 204)."},
            "response": {"description": "The body, when Gorgias sent one."}
        },
        "additionalProperties": false,
    })
}

/// The output of list actions: the records and the cursor of the next page.
pub fn list_of(item: Value) -> Value {
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "List",
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"type": "array", "items": strip_root(item)},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` to get the next page."}
        },
        "additionalProperties": true,
    })
}

/// A record schema without its root-only keywords, for nesting.
pub fn strip_root(mut schema: Value) -> Value {
    if let Value::Object(m) = &mut schema {
        m.remove("$schema");
    }
    schema
}
