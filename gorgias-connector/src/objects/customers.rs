//! Customers: the `customers` stream and customer actions (CRUD, bulk delete, merge, custom
//! data and custom field values).
//!
//! Sources: <https://developers.gorgias.com/reference/the-customer-object> and <https://developers.gorgias.com/reference/merge-customers>. A customer carries its contact `channels`, free-form `meta` and `data`, the raw
//! data of each e-commerce `integrations` (keyed by integration id; ids there exceed 32 bits),
//! and custom field values. Writes:
//!
//! * `PUT /api/customers/{id}` is partial, but `channels`, when sent, replaces every channel.
//! * `PUT /api/customers/merge?source_id=&target_id=` merges the source into the target (the
//!   source is deleted); the body holds fields to set on the target. The two ids are query
//!   parameters, as the official merge page and python-gorgias send them (benpalmer1/Gorgias-MCP-Server puts them in the
//!   body). Gorgias answers 409 when both customers have data for the same integration. Not
//!   idempotent: once merged, the source is gone.
//! * `PUT /api/customers/{id}/data` answers 200 with an empty body (recorded: Nango test
//!   set-customer-data; documented as 202), ignores a `version` older than the one Gorgias
//!   holds, and answers 301 when the customer was merged into another (documented, not recorded):
//!   that comes back as an upstream error with status 301 (the client follows no redirect; set
//!   the data on the target instead). The data does not show in the customer's `data` but under
//!   `external_data["<app id>"]` (recorded: Nango test tickets.2).
//! * `DELETE /api/customers` with `{"ids": [...]}` deletes several customers. No maximum is
//!   documented; this connector sends at most 100 ids per call.
//! * Custom field values: `GET`/`PUT /api/customers/{id}/custom-fields` (list, set several; the
//!   `PUT` body is a bare JSON array `[{id, value}]`, answered 200 with `{"data": [{field,
//!   value}]}`, recorded: Nango test update-customer-custom-field-values), and one value
//!   `PUT`/`DELETE /api/customers/{customer_id}/custom-fields/{id}` (the delete answers 204,
//!   recorded: Nango test delete-customer-custom-field-value). The actions are built by
//!   `objects::custom_fields`, which tickets share; its docs hold the recorded shapes.
//!
//! Incremental: a newest-first feed on `updated_datetime`. **CONFLICT**: benpalmer1/Gorgias-MCP-Server lists
//! `updated_datetime:asc|desc` as `order_by` values and Airbyte reads customers with
//! `order_by=updated_datetime:desc` as a data feed, while an older Gorgias page says customers are
//! ordered by name and a 2022 tap found only `created_datetime` orderable. This follows the
//! documented `order_by` values and Airbyte's production use; if a live account refused
//! `updated_datetime`, the fallback would be a client-side filter over a full read.
//!
//! Composite read action `find_customer_by_email` ([`composites`]): `list_customers` with the
//! `email=` filter (recorded: Nango test create-ticket, `/api/customers?email=x%40example.com&limit=1`;
//! <https://developers.gorgias.com/reference/list-customers>), then that customer's tickets,
//! most recently updated first (`list_tickets` with `customer_id` and
//! `order_by=updated_datetime:desc`, both documented at
//! <https://developers.gorgias.com/reference/list-tickets>; the order recorded: Nango test
//! tickets). Gorgias does not promise one customer per email (whether its filter is exact or
//! case-insensitive is UNCONFIRMED): the first listed customer whose `email` equals the one
//! asked (ignoring case) is taken, else the first listed, and the other matches' ids are named.
//! 2 requests, 1 when no customer matches.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Body, Obj, Reply};
use connector_http::client::Method;
use connector_http::composite::{Calls, CompositeDecl};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use connector_sdk::{Result, ValidInput};
use futures::FutureExt;
use futures::future::BoxFuture;
use crate::objects::custom_fields::{self, FieldOwner, values_field};
use crate::objects::whole;
use crate::schema::*;

/// The OAuth scope resource of this module: `customers:read` / `customers:write` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "customers";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "customer",
    plural: "customers",
    words: "customer",
    path: "/api/customers",
    record,
};

fn summary() -> Value {
    nested(&[("id", id()), ("name", string_n())], true)
}

/// A contact channel of a customer (also embedded in a ticket's customer).
pub fn channel() -> Value {
    nested(
        &[
            ("id", id()),
            (
                "type",
                describe(
                    string(),
                    "e.g. email, phone, chat, facebook, instagram, whatsapp, twitter, sms.",
                ),
            ),
            ("address", string()),
            ("preferred", boolean()),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime()),
            ("deleted_datetime", datetime_n()),
            ("user", summary()),
            ("customer", summary()),
        ],
        false,
    )
}

/// A customer as the list and detail endpoints return it (list items may omit the heavier
/// fields: `channels`, `integrations`, `data`, `custom_fields`, ...).
pub fn record() -> Value {
    record_of(
        "Customer",
        &[
            ("id", id()),
            ("uri", string()),
            ("external_id", string_n()),
            ("active", boolean()),
            ("email", string_n()),
            ("name", string_n()),
            ("firstname", string()),
            ("lastname", string()),
            ("channels", array(channel())),
            ("language", describe(string_n(), "ISO 639-1 code, e.g. en.")),
            (
                "timezone",
                describe(string_n(), "IANA time zone name; UTC by default."),
            ),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime()),
            ("meta", object_n()),
            (
                "data",
                describe(
                    object_n(),
                    "The customer's custom data: any JSON value (an object as a rule, so declared an object, stored as JSON by destinations; other values pass through as sent), or null. Data written with `set_customer_data` shows under `external_data` instead.",
                ),
            ),
            ("customer", object_n()),
            (
                "integrations",
                describe(
                    object(),
                    "Raw data of each e-commerce integration, keyed by integration id.",
                ),
            ),
            ("note", string_n()),
            ("custom_fields", object()),
            (
                "external_data",
                describe(
                    object(),
                    "Data set by apps with `set_customer_data`, keyed by the app's id, each with an added `__app_name__`; on single reads only.",
                ),
            ),
            (
                "ecommerce_data",
                describe(
                    object(),
                    "E-commerce data; on single reads and merges only.",
                ),
            ),
        ],
        &["id", "updated_datetime"],
    )
}

/// The `customers` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "customers",
        "Every customer, with contact channels, notes, custom data and e-commerce integration data.",
        "/api/customers",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("updated_datetime", "updated_datetime:asc", "updated_datetime:desc")
            .captures_updates(true)
            .note("Ordered by updated_datetime (as Airbyte reads it; older Gorgias docs disagree): every change to a customer is picked up.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc", "updated_datetime:asc", "updated_datetime:desc"])
            .filter("email", text(320), "Only the customer with this email.")
            .filter("external_id", text(255), "Only the customer with this id in another system.")
            .filter("language", text(2), "Only customers of this ISO 639-1 language, e.g. fr.")
            .filter("timezone", text(100), "Only customers in this time zone, e.g. Europe/Paris.")
            .filter("name", text(255), "Only customers with this name.")
            .filter("view_id", positive_id(), "Only the customers a customer-list view shows."))]
}

/// Turns a field schema into the same schema that also accepts null.
fn or_null(mut schema: Value) -> Value {
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        schema["type"] = json!([t, "null"]);
    }
    schema
}

fn email() -> Value {
    json!({"type": "string", "format": "email", "maxLength": 320})
}

fn language() -> Value {
    json!({"type": "string", "pattern": "^[a-z]{2}$", "description": "ISO 639-1 code: two lowercase letters, e.g. en or fr."})
}

fn channels_field() -> Value {
    let item = input(
        "Channel",
        &[
            (
                "type",
                field(
                    "Type",
                    text(64),
                    "email, phone, sms, chat, facebook, instagram, whatsapp, twitter, or a custom channel slug.",
                ),
            ),
            (
                "address",
                field(
                    "Address",
                    text(320),
                    "The email address, phone number or account id on that channel.",
                ),
            ),
            (
                "preferred",
                field(
                    "Preferred",
                    boolean(),
                    "Whether to contact the customer on this channel first.",
                ),
            ),
        ],
        &["type", "address"],
    );
    field(
        "Channels",
        json!({"type": "array", "items": strip_root(item), "maxItems": 100}),
        "The customer's contact channels; when updating, they replace every existing channel.",
    )
}

/// Writable customer fields; `nullable` lets an update clear the optional ones.
fn customer_fields(nullable: bool) -> Vec<(&'static str, Value)> {
    let n = |s: Value| if nullable { or_null(s) } else { s };
    vec![
        ("name", field("Name", n(text(255)), "Full name.")),
        ("firstname", field("First name", n(text(255)), "")),
        ("lastname", field("Last name", n(text(255)), "")),
        (
            "email",
            field(
                "Email",
                n(email()),
                "Primary email address (unique in the account).",
            ),
        ),
        (
            "external_id",
            field(
                "External id",
                n(json!({"type": "string", "maxLength": 255})),
                "The customer's id in another system.",
            ),
        ),
        ("language", field("Language", n(language()), "")),
        (
            "timezone",
            field(
                "Time zone",
                text(64),
                "IANA time zone name, e.g. UTC or America/New_York.",
            ),
        ),
        (
            "note",
            field(
                "Note",
                n(json!({"type": "string", "maxLength": 10000})),
                "An internal note about the customer.",
            ),
        ),
        ("channels", channels_field()),
        (
            "meta",
            field("Meta", n(object()), "Free-form data kept on the customer."),
        ),
    ]
}

/// Customers as owners of custom field values.
const FIELD_OWNER: FieldOwner = FieldOwner {
    singular: "customer",
    words: "customer",
    path: "/api/customers",
    key: "customer_id",
    prediction: false,
};

fn customer_id() -> Value {
    field("Customer id", positive_id(), "The customer's id.")
}

/// Customer actions.
pub fn actions() -> Vec<ActionDecl> {
    let mut create_fields = customer_fields(false);
    create_fields.push(("custom_fields", values_field("Custom field values")));
    let mut create_input = input("Create a customer", &create_fields, &[]);
    create_input["minProperties"] = json!(1);
    let mut merge_fields = vec![
        (
            "source_id",
            field(
                "Source customer id",
                positive_id(),
                "The customer merged away (deleted after the merge).",
            ),
        ),
        (
            "target_id",
            field(
                "Target customer id",
                positive_id(),
                "The customer kept; it receives the source's tickets and data.",
            ),
        ),
    ];
    merge_fields.extend(customer_fields(true));
    vec![
        action::get(&OBJ),
        action::create(&OBJ, create_input),
        action::update(&OBJ, input("Update a customer", &customer_fields(true), &[])),
        action::delete(&OBJ),
        ActionDecl::new(
            "delete_customers",
            "Delete customers",
            "Deletes several customers for good.",
            ActionEffect::Delete,
            Method::Delete,
            "/api/customers",
            input("Delete customers", &[("ids", field("Customer ids", id_list(100), "The customers to delete (at most 100)."))], &["ids"]),
            ack(),
        )
        .body(Body::Rest),
        ActionDecl::new(
            "merge_customers",
            "Merge two customers",
            "Merges the source customer into the target (tickets, channels and data move; the source is deleted), sets the given fields on the target and returns it. Refused when both have data for the same integration.",
            ActionEffect::Update,
            Method::Put,
            "/api/customers/merge",
            input("Merge two customers", &merge_fields, &["source_id", "target_id"]),
            record(),
        )
        .query(&["source_id", "target_id"])
        .idempotent(false),
        ActionDecl::new(
            "set_customer_data",
            "Set a customer's data",
            "Replaces the custom data the connecting app keeps on a customer (it shows under the customer's `external_data`, keyed by the app). Ignored when Gorgias holds a newer version. Gorgias answers 200 with an empty body.",
            ActionEffect::Update,
            Method::Put,
            "/api/customers/{id}/data",
            input(
                "Set a customer's data",
                &[
                    ("id", customer_id()),
                    ("data", field("Data", json!({}), "Any JSON value (an object as a rule); replaces the customer's data.")),
                    ("version", field("Version", input_datetime_n(), "ISO 8601 datetime of this data; an older version than Gorgias holds is ignored.")),
                ],
                &["id", "data"],
            ),
            ack(),
        )
        .reply(Reply::Ack),
        // The customer is `id` in the two older actions, `customer_id` in the one-value ones
        // (as in the ticket value actions, whose `id` is the field's).
        custom_fields::list_values(&FIELD_OWNER, "id"),
        custom_fields::set_values(&FIELD_OWNER, "id"),
        custom_fields::set_value(&FIELD_OWNER),
        custom_fields::delete_value(&FIELD_OWNER),
    ]
}

/// Customers listed per email lookup: the match and up to 9 others.
const EMAIL_MATCHES: u64 = 10;

/// The composite read actions over customers: `find_customer_by_email`.
pub fn composites() -> Vec<CompositeDecl> {
    let input = input(
        "Find a customer by email",
        &[
            (
                "email",
                field("Email", email(), "The customer's email address."),
            ),
            (
                "tickets_limit",
                field(
                    "Tickets",
                    json!({"type": "integer", "minimum": 1, "maximum": crate::objects::MAX_LIMIT, "default": 10}),
                    "The customer's most recently updated tickets to return, 1 to 100 (10 when left out).",
                ),
            ),
        ],
        &["email"],
    );
    let mut customer = strip_root(record());
    customer["type"] = json!(["object", "null"]);
    let output = record_of(
        "Customer with tickets",
        &[
            (
                "customer",
                describe(
                    customer,
                    "The customer with this email as list_customers returns it, or null when there is none.",
                ),
            ),
            (
                "other_matches",
                describe(
                    json!({"type": "array", "items": {"type": "integer"}, "maxItems": EMAIL_MATCHES - 1}),
                    "Ids of other customers Gorgias listed for this email (it does not promise one per email); get them with get_customer.",
                ),
            ),
            (
                "more_matches",
                describe(
                    boolean(),
                    "True when even more customers matched than other_matches names (list_customers with email lists them all).",
                ),
            ),
            (
                "tickets",
                describe(
                    strip_root(list_of(crate::objects::tickets::record())),
                    "The customer's tickets, most recently updated first, as list_tickets returns them (empty when no customer matched): for more, call list_tickets with customer_id, order_by updated_datetime:desc and next_cursor as cursor.",
                ),
            ),
        ],
        &["customer", "other_matches", "more_matches", "tickets"],
    );
    vec![
        CompositeDecl::new(
            "find_customer_by_email",
            "Find a customer by email",
            "Finds the customer with an email address and returns them with their most recently updated tickets (status, channel, subject, assignee, tags): one call instead of list_customers with email then list_tickets with customer_id. No customer: customer null, no tickets, one request. Several customers with the email (Gorgias allows it): the first listed whose email equals the one asked (ignoring case) is returned, the others' ids are in other_matches. For more tickets call list_tickets with customer_id, order_by updated_datetime:desc and tickets.next_cursor as cursor.",
            input,
            output,
            2,
            run_find_by_email,
        )
        .scopes(&["customers:read", "tickets:read"]),
    ]
}

fn run_find_by_email(calls: Calls, input: ValidInput) -> BoxFuture<'static, Result<Value>> {
    async move {
        let v = input.value();
        let email = v["email"].as_str().unwrap_or_default().to_string();
        let found = calls
            .call(
                "list_customers",
                json!({"email": email, "limit": EMAIL_MATCHES}),
            )
            .await?;
        let mut listed = found["data"].as_array().cloned().unwrap_or_default();
        let more_matches = found["next_cursor"].is_string();
        let exact = listed.iter().position(|c| {
            c["email"]
                .as_str()
                .is_some_and(|e| e.to_lowercase() == email.to_lowercase())
        });
        let Some(customer) = (!listed.is_empty()).then(|| listed.remove(exact.unwrap_or(0))) else {
            return Ok(json!({
                "customer": null,
                "other_matches": [],
                "more_matches": false,
                "tickets": {"data": [], "next_cursor": null},
            }));
        };
        let other_matches: Vec<Value> = listed.iter().filter_map(|c| c.get("id").cloned()).collect();
        let tickets = calls
            .call(
                "list_tickets",
                json!({
                    "customer_id": customer["id"],
                    "limit": whole(v, "tickets_limit", 10),
                    "order_by": "updated_datetime:desc",
                }),
            )
            .await?;
        Ok(json!({
            "customer": customer,
            "other_matches": other_matches,
            "more_matches": more_matches,
            "tickets": tickets,
        }))
    }
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;

    fn find(name: &str) -> ActionDecl {
        actions().into_iter().find(|a| a.name == name).unwrap()
    }

    #[test]
    fn merge_sends_ids_as_query_and_the_rest_as_body() {
        let (path, query, body) = request_parts(
            &find("merge_customers"),
            json!({"source_id": 4, "target_id": 9, "name": "Ada"}),
        )
        .unwrap();
        assert_eq!(path, "/api/customers/merge");
        assert_eq!(
            query,
            vec![
                ("source_id".to_string(), "4".to_string()),
                ("target_id".to_string(), "9".to_string())
            ]
        );
        assert_eq!(body, Some(json!({"name": "Ada"})));
        assert!(!find("merge_customers").idempotent);
    }

    #[test]
    fn bulk_delete_sends_ids_in_the_body() {
        let (path, query, body) =
            request_parts(&find("delete_customers"), json!({"ids": [1, 2]})).unwrap();
        assert_eq!(path, "/api/customers");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({"ids": [1, 2]})));
    }

    #[test]
    fn custom_field_values_are_a_bare_array() {
        let input = json!({"id": 5, "values": [{"id": 2, "value": "gold"}]});
        let (path, _, body) =
            request_parts(&find("set_customer_custom_field_values"), input).unwrap();
        assert_eq!(path, "/api/customers/5/custom-fields");
        assert_eq!(body, Some(json!([{"id": 2, "value": "gold"}])));
        let (path, _, body) = request_parts(
            &find("set_customer_data"),
            json!({"id": 5, "data": {"vip": true}}),
        )
        .unwrap();
        assert_eq!(path, "/api/customers/5/data");
        assert_eq!(body, Some(json!({"data": {"vip": true}})));
        let (path, _, body) = request_parts(
            &find("set_customer_custom_field_value"),
            json!({"customer_id": 5, "id": 2, "value": "gold"}),
        )
        .unwrap();
        assert_eq!(path, "/api/customers/5/custom-fields/2");
        assert_eq!(body, Some(json!({"id": 2, "value": "gold"})));
        let (path, _, _) = request_parts(
            &find("delete_customer_custom_field_value"),
            json!({"customer_id": 5, "id": 2}),
        )
        .unwrap();
        assert_eq!(path, "/api/customers/5/custom-fields/2");
    }
}
