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

/// An email address input.
pub fn email() -> Value {
    json!({"type": "string", "format": "email", "maxLength": 320})
}

/// A person in an input (customer, sender, receiver): by id, or by email (Gorgias finds or
/// creates the customer), with an optional display name; `who` says who it is.
pub fn party(title: &str, who: &str, nullable: bool) -> Value {
    field(
        title,
        json!({
            "type": if nullable { json!(["object", "null"]) } else { json!("object") },
            "properties": {
                "id": field("Id", positive_id(), ""),
                "email": field("Email", email(), ""),
                "name": field("Name", json!({"type": "string", "maxLength": 255}), ""),
            },
            "minProperties": 1,
            "additionalProperties": false,
        }),
        &format!("{who}, as `{{\"id\": 12}}` or `{{\"email\": \"...\"}}`."),
    )
}

/// A message's sender or receiver in an input: a [`party`] that may also carry the name parts
/// and `meta` a message read returns, so a person copied from a read is accepted as Gorgias
/// accepts it (recorded: Nango test update-ticket-message sent `firstname`, `lastname` and
/// `meta` on both and got 200).
pub fn message_party(title: &str, who: &str, nullable: bool) -> Value {
    let mut schema = party(title, who, nullable);
    if let Some(props) = schema["properties"].as_object_mut() {
        let name = || json!({"type": "string", "maxLength": 255});
        props.insert("firstname".into(), field("First name", name(), ""));
        props.insert("lastname".into(), field("Last name", name(), ""));
        props.insert(
            "meta".into(),
            field(
                "Meta",
                object(),
                "Free-form data kept on the person, e.g. `{\"name_set_via\": \"agent\"}`.",
            ),
        );
    }
    schema
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

/// A tag in an input: by id, or by name (created when missing).
pub fn tag_ref() -> Value {
    json!({
        "type": "object",
        "title": "Tag",
        "properties": {
            "id": field("Id", positive_id(), ""),
            "name": field("Name", text(255), "Created when no tag has this name."),
        },
        "minProperties": 1,
        "additionalProperties": false,
    })
}

/// Where a message goes on its channel: `{type, from, to, cc, bcc}` with addresses of the
/// channel's kind (email addresses, phone numbers, social handles).
pub fn message_source() -> Value {
    let address = json!({
        "type": "object",
        "title": "Address",
        "properties": {
            "address": field("Address", text(320), "An email address, phone number or handle."),
            "name": field("Name", json!({"type": "string", "maxLength": 255}), ""),
        },
        "required": ["address"],
        "additionalProperties": true,
    });
    let list = |title: &str| {
        field(
            title,
            json!({"type": "array", "items": address.clone(), "maxItems": 100}),
            "",
        )
    };
    field(
        "Source",
        json!({
            "type": "object",
            "properties": {
                "type": field("Type", text(64), "The channel's kind, e.g. email, chat, sms."),
                "from": field("From", address.clone(), ""),
                "to": list("To"),
                "cc": list("Cc"),
                "bcc": list("Bcc"),
            },
            "additionalProperties": true,
        }),
        "Routing on the channel, e.g. the email addresses it is sent from and to.",
    )
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
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` to get the next page."},
            "next_page": {
                "type": ["object", "null"],
                "description": "Every parameter to send for the next page when the API asks for more than a cursor (view items: cursor, direction, ignored_item): pass them all.",
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every datetime form the recordings show (fixtures/README.md): 0, 3 and 6 fraction digits
    /// with `+00:00`, and the naive and `Z` forms of the docs.
    #[test]
    fn datetime_pattern_accepts_every_recorded_form() {
        let ok = |v: &str| {
            connector_sdk::validate::violations(&datetime(), &json!(v))
                .unwrap()
                .is_empty()
        };
        for v in [
            "2026-08-26T12:46:10+00:00",
            "2026-08-14T09:06:00.402000+00:00",
            "2026-08-14T09:06:00.402+00:00",
            "2026-08-14T09:06:00.224103+00:00",
            "2019-04-13T03:27:56.973873",
            "2021-03-03T06:00:00Z",
            "2024-11-14 14:18:25.095107+0000",
        ] {
            assert!(ok(v), "{v}");
        }
        for v in ["2026-08-26", "yesterday", "2026-08-26T12:46:10+0"] {
            assert!(!ok(v), "{v}");
        }
    }
}
