//! Custom fields: the `custom_fields` stream (field definitions of tickets and customers) and
//! custom field actions.
//!
//! Sources: Airbyte's source-gorgias manifest (airbytehq/airbyte) and benpalmer1/Gorgias-MCP-Server. `GET /api/custom-fields` requires `object_type` (`Ticket` or `Customer`), accepts
//! `search`, `archived` and `order_by=priority:asc|desc`; `POST` creates, `GET`/`PUT
//! /api/custom-fields/{id}` read and change one (a bulk `PUT /api/custom-fields` also exists).
//! Gorgias documents no custom-field fields; the record follows the custom field object as benpalmer1/Gorgias-MCP-Server (derived
//! from the official spec) describes it: `object_type`, `label`, `description`, `priority`,
//! `required`, `managed_type`, `definition` (`{data_type, input_settings}`), `external_id` and
//! the `created`/`updated`/`deactivated` datetimes, plus `requirement_type` (recorded). benpalmer1/Gorgias-MCP-Server
//! states that `PUT` needs `object_type`, `label` and `definition` even when unchanged, but a
//! label-only `PUT` was accepted (recorded: Nango test update-custom-field), so
//! `update_custom_field` needs only the id and one field. Definitions carry no `uri` (recorded).
//!
//! The stream reads four partitions: each object type, with `archived=false` (the API's default,
//! which hides archived fields) and `archived=true`, so archived (deactivated) definitions, which
//! old tickets still reference, are synced too.
//!
//! Incremental: the list cannot be ordered or filtered by `updated_datetime` (only by
//! `priority`), so every sync reads all definitions (a few pages at most) and emits those updated
//! at or after the bookmark, as Airbyte does.

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `custom_fields:read` / `custom_fields:write` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "custom_fields";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "custom_field",
    plural: "custom_fields",
    words: "custom field",
    path: "/api/custom-fields",
    record,
};

const OBJECT_TYPES: &[&str] = &["Ticket", "Customer"];
const DATA_TYPES: &[&str] = &["text", "number", "boolean"];
const MANAGED_TYPES: &[&str] = &[
    "contact_reason",
    "product",
    "resolution",
    "ai_intent",
    "ai_outcome",
    "ai_sales",
    "ai_discount",
    "ai_journey",
    "managed_sentiment",
    "call_status",
    "customer_type",
];

/// A custom field definition.
pub fn record() -> Value {
    record_of(
        "Custom field",
        &[
            ("id", id()),
            ("uri", string()),
            ("external_id", string_n()),
            ("object_type", describe(string(), "Ticket or Customer.")),
            ("label", string()),
            ("description", string_n()),
            (
                "priority",
                describe(int_n(), "Display order: lower comes first."),
            ),
            ("required", boolean()),
            (
                "requirement_type",
                describe(
                    string(),
                    "visible (always shown) or conditional (shown when its conditions hold).",
                ),
            ),
            (
                "managed_type",
                describe(
                    string_n(),
                    "Set for fields Gorgias manages (e.g. contact_reason); null otherwise.",
                ),
            ),
            (
                "definition",
                nested(
                    &[
                        (
                            "data_type",
                            describe(string(), "e.g. text, number, boolean."),
                        ),
                        (
                            "input_settings",
                            describe(
                                object_n(),
                                "How agents fill it in, e.g. `{\"input_type\": \"dropdown\", \"choices\": [...]}`.",
                            ),
                        ),
                    ],
                    false,
                ),
            ),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime()),
            (
                "deactivated_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the field was archived (UTC when no offset is given); null while active.",
                ),
            ),
        ],
        &["id", "updated_datetime"],
    )
}

/// The `custom_fields` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "custom_fields",
        "Every custom field definition of tickets and customers, archived ones included.",
        "/api/custom-fields",
        record(),
        &["id"],
        IncrementalRead::client_filter("updated_datetime")
            .note("The API cannot order or filter custom fields by updated_datetime: every sync reads all definitions and emits those changed since the last one.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["priority:asc", "priority:desc"])
            .require("object_type", one_of_strings(OBJECT_TYPES, false), "Ticket or Customer fields (Gorgias requires it).")
            .filter("archived", boolean(), "true: only archived fields; false: only active ones; left out: as Gorgias defaults.")
            .filter("search", text(255), "Only fields whose label matches this text."));
    s.partitions = OBJECT_TYPES
        .iter()
        .flat_map(|t| {
            [
                vec![("object_type", *t), ("archived", "false")],
                vec![("object_type", *t), ("archived", "true")],
            ]
        })
        .collect();
    s.may_be_empty = Some("An account that never defined a custom field has none.");
    vec![s]
}

fn definition() -> Value {
    let def = input(
        "Definition",
        &[
            (
                "data_type",
                field(
                    "Data type",
                    one_of_strings(DATA_TYPES, false),
                    "What the values are.",
                ),
            ),
            (
                "input_settings",
                field(
                    "Input settings",
                    object(),
                    "How agents fill it in: text `{\"input_type\": \"input\"}` or `{\"input_type\": \"dropdown\", \"choices\": [...]}`; number `{\"input_type\": \"input_number\", \"min\": 0}`; boolean `{\"input_type\": \"dropdown\"}`.",
                ),
            ),
        ],
        &["data_type", "input_settings"],
    );
    field(
        "Definition",
        strip_root(def),
        "The data type and how the field is filled in.",
    )
}

fn common_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "object_type",
            field(
                "Object type",
                one_of_strings(OBJECT_TYPES, false),
                "Whether the field is on tickets or on customers.",
            ),
        ),
        ("label", field("Label", text(255), "The name agents see.")),
        ("definition", definition()),
        (
            "description",
            field(
                "Description",
                json!({"type": ["string", "null"], "maxLength": 1024}),
                "",
            ),
        ),
        (
            "priority",
            field(
                "Priority",
                json!({"type": ["integer", "null"], "minimum": 0, "maximum": 5000}),
                "Display order: lower comes first.",
            ),
        ),
        (
            "required",
            field("Required", boolean(), "Whether agents must fill it in."),
        ),
        (
            "managed_type",
            field(
                "Managed type",
                one_of_strings(MANAGED_TYPES, true),
                "Leave null for a plain custom field.",
            ),
        ),
        (
            "external_id",
            field(
                "External id",
                json!({"type": ["string", "null"], "maxLength": 255}),
                "The field's id in another system.",
            ),
        ),
        (
            "deactivated_datetime",
            field(
                "Archived at",
                datetime_n(),
                "ISO 8601 datetime: set to archive the field, null to restore it.",
            ),
        ),
    ]
}

/// Custom field actions.
pub fn actions() -> Vec<ActionDecl> {
    let required = ["object_type", "label", "definition"];
    vec![
        action::get(&OBJ),
        action::create(
            &OBJ,
            input("Create a custom field", &common_fields(), &required),
        ),
        action::update(&OBJ, input("Update a custom field", &common_fields(), &[])),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_type_and_archive_state_is_read() {
        let s = &streams()[0];
        assert_eq!(s.partitions.len(), 4);
        assert!(
            s.partitions
                .iter()
                .all(|p| p.iter().any(|(k, _)| *k == "object_type"))
        );
    }
}
