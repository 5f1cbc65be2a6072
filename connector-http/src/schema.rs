//! Small builders for hand-written record and action schemas (draft 2020-12).
//!
//! Record schemas cover every documented field, are nullable where the API sends null, and
//! allow extra fields (APIs add fields over time; records pass through unchanged). Input
//! schemas list their fields in order and refuse unknown ones.

use serde_json::{Map, Value, json};

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
/// Any JSON object (a free-form map: `additionalProperties` is spelled out so form builders
/// offer to add keys instead of drawing an empty group).
pub fn object() -> Value {
    json!({"type": "object", "additionalProperties": true})
}
/// Any JSON object or null.
pub fn object_n() -> Value {
    json!({"type": ["object", "null"], "additionalProperties": true})
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
/// An RFC 3339 datetime (`format: date-time`), typed for Airbyte destinations as a timestamp
/// with time zone (`airbyte_type`). In records and outputs, values an API sends in other ISO
/// 8601 forms are rewritten into RFC 3339 ([`crate::datetimes`]).
pub fn date_time() -> Value {
    json!({"type": "string", "format": "date-time", "airbyte_type": "timestamp_with_timezone"})
}

/// An RFC 3339 datetime or null.
pub fn date_time_n() -> Value {
    json!({"type": ["string", "null"], "format": "date-time", "airbyte_type": "timestamp_with_timezone"})
}

/// A string limited to `values` (nullable when `null` is true). The `type` is spelled out
/// beside the `enum` so destinations and form builders that read only `type` see a string.
pub fn one_of_strings(values: &[&str], null: bool) -> Value {
    let mut e: Vec<Value> = values.iter().map(|v| json!(v)).collect();
    let kind = if null {
        e.push(Value::Null);
        json!(["string", "null"])
    } else {
        json!("string")
    };
    json!({"type": kind, "enum": e})
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
    json!({
        "type": if nullable { json!(["object", "null"]) } else { json!("object") },
        "properties": properties(props),
    })
}

/// The `properties` object of `props`, in order.
fn properties(props: &[(&str, Value)]) -> Map<String, Value> {
    props
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// A root object schema: title, fields in order, required fields, extra fields allowed or not.
fn root_object(title: &str, props: &[(&str, Value)], required: &[&str], extra: bool) -> Value {
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": title,
        "type": "object",
        "required": required,
        "properties": properties(props),
        "additionalProperties": extra,
    })
}

/// A record schema: title, every field, required fields, extra fields allowed.
pub fn record_of(title: &str, props: &[(&str, Value)], required: &[&str]) -> Value {
    root_object(title, props, required, true)
}

/// An input schema: title, fields in order, required fields, no extra fields.
pub fn input(title: &str, props: &[(&str, Value)], required: &[&str]) -> Value {
    root_object(title, props, required, false)
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

/// An email address input.
pub fn email() -> Value {
    json!({"type": "string", "format": "email", "maxLength": 320})
}

/// A reference to another object by id, or null to clear it (an assignee).
pub fn id_ref_n(title: &str, description: &str) -> Value {
    field(
        title,
        json!({
            "type": ["object", "null"],
            "properties": {"id": field("Id", positive_id(), "")},
            "required": ["id"],
            "additionalProperties": false,
        }),
        description,
    )
}

/// The output of actions the server answers with no body (202/204).
pub fn ack() -> Value {
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "Acknowledged",
        "type": "object",
        "required": ["ok", "status"],
        "properties": {
            "ok": {"const": true, "description": "The server accepted the request."},
            "status": {"type": "integer", "description": "The HTTP status the server answered (200, 202 or 204)."},
            "response": {"description": "The body, when the server sent one."}
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
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` to get the next page."},
            "next_page": {
                "type": ["object", "null"],
                "description": "Every parameter to send for the next page when the API asks for more than a cursor: pass them all.",
                "additionalProperties": {"type": ["string", "integer"]}
            }
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
