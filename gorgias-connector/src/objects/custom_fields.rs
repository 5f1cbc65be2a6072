//! Custom fields: the `custom_fields` stream (field definitions of tickets and customers),
//! custom field actions, and the pieces of the value actions tickets and customers share.
//!
//! Sources: Airbyte's source-gorgias manifest (airbytehq/airbyte) and benpalmer1/Gorgias-MCP-Server. `GET /api/custom-fields` requires `object_type` (`Ticket` or `Customer`), accepts
//! `search`, `archived` and `order_by=priority:asc|desc`; `POST` creates, `GET`/`PUT
//! /api/custom-fields/{id}` read and change one.
//! Gorgias documents no custom-field fields; the record follows the custom field object as benpalmer1/Gorgias-MCP-Server (derived
//! from the official spec) describes it: `object_type`, `label`, `description`, `priority`,
//! `required`, `managed_type`, `definition` (`{data_type, input_settings}`), `external_id` and
//! the `created`/`updated`/`deactivated` datetimes, plus `requirement_type` (recorded). benpalmer1/Gorgias-MCP-Server
//! states that `PUT` needs `object_type`, `label` and `definition` even when unchanged, but a
//! label-only `PUT` was accepted (recorded: Nango test update-custom-field), so
//! `update_custom_field` needs only the id and one field. Definitions carry no `uri` (recorded).
//!
//! `update_custom_fields` is the bulk `PUT /api/custom-fields`: a bare JSON array of partial
//! definitions, each with its `id` (`[{"id": 27014, "priority": 11}]`), answered 200 with
//! `{"data": [<full definition>]}` and no list envelope (recorded: Nango test
//! bulk-update-custom-fields); the fields each item may carry are benpalmer1/Gorgias-MCP-Server's
//! (label, object_type, definition, description, external_id, priority 0-5000, required,
//! managed_type, deactivated_datetime). Typical uses: reordering by `priority`, archiving and
//! restoring with `deactivated_datetime`.
//!
//! Values (of tickets, `objects::tickets`, and customers, `objects::customers`; built here by
//! [`list_values`], [`set_values`], [`set_value`], [`delete_value`]):
//!
//! * `GET /api/{tickets|customers}/{id}/custom-fields` answers `{"data": [{field, value}]}`
//!   without a list envelope or cursor; ticket entries add `prediction` (recorded only as
//!   null), and the `field` embedded in customer entries lacks `requirement_type` (recorded:
//!   Nango tests list-ticket-custom-field-values, list-customer-custom-field-values,
//!   update-customer-custom-field-value). Nango's actions report seeing these answers as a
//!   bare array too (NangoHQ/integration-templates
//!   integrations/gorgias/actions/update-customer-custom-field-value.ts): both are read.
//! * `PUT` of the same path takes a bare array `[{id, value}]` and answers the same shape for
//!   the fields sent (recorded: Nango tests update-ticket-custom-field-values,
//!   update-customer-custom-field-values). Whether values left out are kept or cleared is a
//!   **CONFLICT** (benpalmer1/Gorgias-MCP-Server: kept; Nango's actions read, modify and write
//!   the whole set): UNCONFIRMED.
//! * `PUT .../custom-fields/{id}` with `{"id", "value"}` (the definition's id in both; `null`
//!   clears) sets one value (benpalmer1/Gorgias-MCP-Server); its answer is UNCONFIRMED (never
//!   recorded), so the action acknowledges and passes on whatever body came.
//! * `DELETE .../custom-fields/{id}` answers 204 with an empty body and removes the value, not
//!   the definition (recorded: Nango tests delete-ticket-custom-field-value,
//!   delete-customer-custom-field-value).
//! * A value's type follows the definition's `data_type`: a string for `text`, a number for
//!   `number`, a boolean for `boolean` (benpalmer1/Gorgias-MCP-Server). The same values show
//!   on the records as `custom_fields: {"<id>": {id, value}}` (recorded: Nango tests
//!   list-tickets, customers).
//!
//! The stream reads four partitions: each object type, with `archived=false` (the API's default,
//! which hides archived fields) and `archived=true`, so archived (deactivated) definitions, which
//! old tickets still reference, are synced too.
//!
//! Incremental: the list cannot be ordered or filtered by `updated_datetime` (only by
//! `priority`), so every sync reads all definitions (a few pages at most) and emits those updated
//! at or after the bookmark, as Airbyte does.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Body, Obj, Reply};
use connector_http::client::Method;
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
                input_datetime_n(),
                "ISO 8601 datetime: set to archive the field, null to restore it.",
            ),
        ),
    ]
}

/// The most definitions one `update_custom_fields` call changes (no maximum is documented; an
/// account has a few dozen fields at most).
pub const MAX_BULK: u32 = 500;

/// `update_custom_fields`: the bulk `PUT /api/custom-fields` (see the module docs).
fn update_many() -> ActionDecl {
    let item = action::with_id(
        input("Custom field changes", &common_fields(), &[]),
        "The custom field definition's id.",
    );
    let list = field(
        "Custom fields",
        json!({"type": "array", "items": strip_root(item), "minItems": 1, "maxItems": MAX_BULK}),
        "The definitions to change, each its id and the fields to set; fields left out are kept.",
    );
    ActionDecl::new(
        "update_custom_fields",
        "Update several custom fields",
        "Changes several custom field definitions at once (e.g. their order by priority, or archiving them with deactivated_datetime) and returns them.",
        ActionEffect::Update,
        Method::Put,
        "/api/custom-fields",
        input("Update several custom fields", &[("custom_fields", list)], &["custom_fields"]),
        record_of(
            "Updated custom fields",
            &[("data", array(strip_root(record())))],
            &["data"],
        ),
    )
    .body(Body::Field("custom_fields"))
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
        update_many(),
    ]
}

/// A record that carries custom field values (a ticket or a customer), for the value actions.
#[derive(Debug, Clone, Copy)]
pub struct FieldOwner {
    /// Singular snake_case name, in action names: `ticket`.
    pub singular: &'static str,
    /// Words for titles: `ticket`.
    pub words: &'static str,
    /// The owner's path: `/api/tickets`.
    pub path: &'static str,
    /// The input field naming the owner in the one-value actions: `ticket_id`.
    pub key: &'static str,
    /// Whether value entries carry `prediction` (tickets' do, customers' do not; recorded).
    pub prediction: bool,
}

/// A custom field value entry as the value endpoints answer it: the field's definition
/// (customers' lack `requirement_type`), tickets' `prediction`, and the value.
pub fn value_entry(o: &FieldOwner) -> Value {
    let mut props = vec![(
        "field",
        describe(
            strip_root(record()),
            "The custom field's definition (in customer values without requirement_type).",
        ),
    )];
    if o.prediction {
        props.push((
            "prediction",
            describe(
                any(),
                "The value Gorgias predicts for the field; recorded only as null.",
            ),
        ));
    }
    props.push((
        "value",
        describe(
            any(),
            "A string, number or boolean, as the field's data type says.",
        ),
    ));
    nested(&props, false)
}

/// A custom field value in an input: typed as the definition's `data_type` allows.
pub fn value_schema() -> Value {
    json!({"type": ["string", "number", "boolean", "null"], "description": "A string (text fields, dropdown choices included), number or boolean, as the field's data type requires; null clears it."})
}

/// The id of a custom field definition in an input.
fn field_id() -> Value {
    field(
        "Custom field id",
        positive_id(),
        "The custom field definition's id.",
    )
}

/// A list of `{id, value}` pairs in an input.
pub fn values_field(title: &str) -> Value {
    let item = input(
        "Custom field value",
        &[("id", field_id()), ("value", field("Value", value_schema(), ""))],
        &["id", "value"],
    );
    field(
        title,
        json!({"type": "array", "items": strip_root(item), "minItems": 1, "maxItems": 100}),
        "Pairs of custom field id and value.",
    )
}

fn owner_id(o: &FieldOwner) -> Value {
    let title = format!("{}{} id", o.words[..1].to_uppercase(), &o.words[1..]);
    field(&title, positive_id(), &format!("The {}'s id.", o.words))
}

/// `list_<owner>_custom_field_values`: GET `<path>/{key}/custom-fields`.
pub fn list_values(o: &FieldOwner, key: &'static str) -> ActionDecl {
    let title = format!("List a {}'s custom field values", o.words);
    ActionDecl::new(
        format!("list_{}_custom_field_values", o.singular),
        title.clone(),
        format!(
            "Returns every custom field value set on a {}, each with its field definition.",
            o.words
        ),
        ActionEffect::Read,
        Method::Get,
        format!("{}/{{{key}}}/custom-fields", o.path),
        input(&title, &[(key, owner_id(o))], &[key]),
        list_of(value_entry(o)),
    )
    .reply(Reply::List)
}

/// `set_<owner>_custom_field_values`: PUT `<path>/{key}/custom-fields` with a bare array.
pub fn set_values(o: &FieldOwner, key: &'static str) -> ActionDecl {
    let title = format!("Set a {}'s custom field values", o.words);
    ActionDecl::new(
        format!("set_{}_custom_field_values", o.singular),
        title.clone(),
        format!(
            "Sets the given custom field values of a {} and returns them, each with its field definition. Whether values left out are kept is unconfirmed: set one value with set_{}_custom_field_value to leave the others alone for sure.",
            o.words, o.singular
        ),
        ActionEffect::Update,
        Method::Put,
        format!("{}/{{{key}}}/custom-fields", o.path),
        input(
            &title,
            &[(key, owner_id(o)), ("values", values_field("Values"))],
            &[key, "values"],
        ),
        list_of(value_entry(o)),
    )
    .body(Body::Field("values"))
    .reply(Reply::List)
}

/// `set_<owner>_custom_field_value`: PUT `<path>/{key}/custom-fields/{id}` with `{id, value}`.
pub fn set_value(o: &FieldOwner) -> ActionDecl {
    let title = format!("Set a {}'s custom field value", o.words);
    ActionDecl::new(
        format!("set_{}_custom_field_value", o.singular),
        title.clone(),
        format!(
            "Sets one custom field value of a {} (null clears it); its other values are kept. Gorgias's answer is not documented: it is passed on as `response`.",
            o.words
        ),
        ActionEffect::Update,
        Method::Put,
        format!("{}/{{{}}}/custom-fields/{{id}}", o.path, o.key),
        input(
            &title,
            &[
                (o.key, owner_id(o)),
                ("id", field_id()),
                ("value", field("Value", value_schema(), "")),
            ],
            &[o.key, "id", "value"],
        ),
        ack(),
    )
    .body(Body::RestKeeping(&["id"]))
    .reply(Reply::Ack)
}

/// `delete_<owner>_custom_field_value`: DELETE `<path>/{key}/custom-fields/{id}` (204).
pub fn delete_value(o: &FieldOwner) -> ActionDecl {
    let title = format!("Delete a {}'s custom field value", o.words);
    ActionDecl::new(
        format!("delete_{}_custom_field_value", o.singular),
        title.clone(),
        format!(
            "Removes one custom field value from a {}; the field's definition stays.",
            o.words
        ),
        ActionEffect::Delete,
        Method::Delete,
        format!("{}/{{{}}}/custom-fields/{{id}}", o.path, o.key),
        input(
            &title,
            &[(o.key, owner_id(o)), ("id", field_id())],
            &[o.key, "id"],
        ),
        ack(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;

    const TICKET: FieldOwner = FieldOwner {
        singular: "ticket",
        words: "ticket",
        path: "/api/tickets",
        key: "ticket_id",
        prediction: true,
    };

    #[test]
    fn value_requests_are_as_documented() {
        let (path, _, body) = request_parts(
            &set_value(&TICKET),
            json!({"ticket_id": 5, "id": 7, "value": null}),
        )
        .unwrap();
        assert_eq!(path, "/api/tickets/5/custom-fields/7");
        assert_eq!(body, Some(json!({"id": 7, "value": null})));
        let (path, _, body) =
            request_parts(&delete_value(&TICKET), json!({"ticket_id": 5, "id": 7})).unwrap();
        assert_eq!(path, "/api/tickets/5/custom-fields/7");
        assert_eq!(body, None);
        let (path, _, body) = request_parts(
            &set_values(&TICKET, "ticket_id"),
            json!({"ticket_id": 5, "values": [{"id": 7, "value": true}]}),
        )
        .unwrap();
        assert_eq!(path, "/api/tickets/5/custom-fields");
        assert_eq!(body, Some(json!([{"id": 7, "value": true}])));
    }

    #[test]
    fn bulk_update_sends_a_bare_array_of_partial_definitions() {
        let (path, _, body) = request_parts(
            &update_many(),
            json!({"custom_fields": [{"id": 3, "priority": 11}]}),
        )
        .unwrap();
        assert_eq!(path, "/api/custom-fields");
        assert_eq!(body, Some(json!([{"id": 3, "priority": 11}])));
        let item = &update_many().input["properties"]["custom_fields"]["items"];
        assert_eq!(item["required"][0], "id");
        assert_eq!(item["properties"]["priority"]["maximum"], 5000);
        assert_eq!(item["minProperties"], 2);
    }

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
