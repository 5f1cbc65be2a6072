//! Gorgias's schema pieces (its datetimes, people, tags and message routing), next to the
//! toolkit's generic builders, which are re-exported here so object modules use one module.
//!
//! Gorgias datetimes may lack an offset (`2019-04-13T03:27:56.973873`, developers.gorgias.com
//! examples), which RFC 3339 `date-time` refuses. Records and outputs declare them as RFC 3339
//! (`format: date-time`, with Airbyte's `airbyte_type: timestamp_with_timezone`, so
//! destinations type them as timestamps) and the toolkit rewrites the values that are not
//! (`connector_http::datetimes`: no offset read as UTC, a space separator) in what is emitted.
//! Inputs accept every form Gorgias reads, by a pattern.

pub use connector_http::schema::*;
use serde_json::{Value, json};

/// The pattern of a datetime in an input: ISO 8601, `T` or space, optional seconds, fraction
/// and offset.
pub const DATETIME_PATTERN: &str =
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$";

const RECORD_DATETIME: &str =
    "RFC 3339 datetime; a value Gorgias sends without an offset is UTC and is emitted with +00:00.";
const INPUT_DATETIME: &str = "ISO 8601 datetime; UTC when no offset is given.";

/// A Gorgias datetime in a record or output: RFC 3339, typed as a timestamp with time zone.
pub fn datetime() -> Value {
    describe(date_time(), RECORD_DATETIME)
}
/// A Gorgias datetime or null in a record or output.
pub fn datetime_n() -> Value {
    describe(date_time_n(), RECORD_DATETIME)
}

/// A datetime in an input, in any form Gorgias reads (see [`DATETIME_PATTERN`]).
pub fn input_datetime() -> Value {
    json!({"type": "string", "pattern": DATETIME_PATTERN, "description": INPUT_DATETIME})
}
/// A datetime or null in an input.
pub fn input_datetime_n() -> Value {
    json!({"type": ["string", "null"], "pattern": DATETIME_PATTERN, "description": INPUT_DATETIME})
}

/// The fields of a person embedded in a record (a ticket's assignee, a message's sender or
/// receiver, the start of a ticket's customer; recorded: Nango tests get-ticket and
/// list-ticket-messages).
pub fn person_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("id", id()),
        ("email", string_n()),
        ("name", string_n()),
        ("firstname", string_n()),
        ("lastname", string_n()),
        ("meta", object_n()),
    ]
}

/// A person embedded in a record, or null.
pub fn person() -> Value {
    nested(&person_fields(), true)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every datetime form the recordings show (fixtures/README.md): 0, 3 and 6 fraction digits
    /// with `+00:00`, and the naive and `Z` forms of the docs. Inputs take them all; records
    /// declare RFC 3339, which each form is once normalised as the toolkit emits it.
    #[test]
    fn every_recorded_form_is_read_in_inputs_and_valid_in_records_once_emitted() {
        let valid = |schema: &Value, v: &str| {
            connector_sdk::validate::violations(schema, &json!(v))
                .unwrap()
                .is_empty()
        };
        let emitted = |v: &str| {
            connector_http::datetimes::normalise_datetime(v).unwrap_or_else(|| v.to_string())
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
            assert!(valid(&input_datetime(), v), "input {v}");
            assert!(valid(&datetime(), &emitted(v)), "record {v}");
        }
        // Naive and space-separated forms are not RFC 3339 as sent.
        assert!(!valid(&datetime(), "2019-04-13T03:27:56.973873"));
        assert!(!valid(&datetime(), "2024-11-14 14:18:25.095107+0000"));
        for v in ["2026-08-26", "yesterday", "2026-08-26T12:46:10+0"] {
            assert!(!valid(&input_datetime(), v), "input {v}");
        }
    }
}
