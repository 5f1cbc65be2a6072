//! Integrations: the `integrations` stream and integration CRUD.
//!
//! Sources: <https://developers.gorgias.com/reference/the-integration-object>. An integration connects a channel or an app (email, Shopify, chat, HTTP, ...).
//! Over the REST API one mainly creates HTTP integrations, whose `http` object holds the URL,
//! method, headers, form and the ticket events that trigger the call. `PUT
//! /api/integrations/{id}` requires `name` (withone.ai's "Update an Integration" page). Deleting an
//! integration deactivates the views that use it and is refused while rules use it.
//!
//! Incremental: `updated_datetime` exists but the list orders only by `created_datetime`, so
//! every sync reads every integration (oldest first, `created_datetime:asc`, for stable pages)
//! and emits those updated at or after the bookmark, as Airbyte does. Accounts have few
//! integrations, so the full read costs a request or two.

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `integrations:read` / `integrations:write` (developers.gorgias.com/docs/oauth2-scopes: "HTTP integrations, native integrations").
pub const SCOPE: &str = "integrations";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "integration",
    plural: "integrations",
    words: "integration",
    path: "/api/integrations",
    record,
};

/// Integration types of the list filter (the integration object page).
const TYPES: &[&str] = &[
    "email",
    "gmail",
    "outlook",
    "app",
    "aircall",
    "facebook",
    "gorgias_chat",
    "phone",
    "sms",
    "twitter",
    "yotpo",
    "whatsapp",
    "http",
    "shopify",
    "recharge",
    "smile",
    "smooch_inside",
    "smooch",
    "magento2",
    "zendesk",
    "klaviyo",
    "bigcommerce",
    "alloy",
    "ecom",
];

/// Ticket events documented as triggers of an HTTP integration (the list is open).
const TRIGGERS: &[&str] = &["ticket_created", "ticket_updated", "ticket_message_created"];

/// An integration.
pub fn record() -> Value {
    let http = nested(
        &[
            ("id", id()),
            ("url", string()),
            ("method", string()),
            ("form", object_n()),
            ("headers", object_n()),
            ("request_content_type", string_n()),
            ("response_content_type", string_n()),
            (
                "triggers",
                describe(
                    object_n(),
                    "Which ticket events call the URL, e.g. `{\"ticket_created\": true}`.",
                ),
            ),
        ],
        true,
    );
    record_of(
        "Integration",
        &[
            ("id", id()),
            ("uri", string()),
            ("name", string()),
            (
                "type",
                describe(string(), "e.g. email, gmail, shopify, gorgias_chat, http."),
            ),
            ("description", string_n()),
            (
                "http",
                describe(
                    http,
                    "The HTTP call of an `http` integration; null for other types.",
                ),
            ),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime()),
            ("deactivated_datetime", datetime_n()),
            ("locked_datetime", datetime_n()),
            (
                "deleted_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the integration was deleted (UTC when no offset is given); documented, but absent from the recorded answers.",
                ),
            ),
            ("user", nested(&[("id", id())], false)),
            (
                "meta",
                describe(
                    object(),
                    "Type-specific settings, e.g. a Shopify shop's name and domain.",
                ),
            ),
            ("application_id", string_n()),
            ("business_hours_id", int_n()),
            (
                "decoration",
                describe(object_n(), "How the integration looks; null when unset."),
            ),
            (
                "managed",
                describe(boolean(), "Whether Gorgias manages the integration."),
            ),
        ],
        &["id", "updated_datetime"],
    )
}

/// The `integrations` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "integrations",
        "Every integration of the account: email and chat channels, e-commerce apps, HTTP integrations.",
        "/api/integrations",
        record(),
        &["id"],
        IncrementalRead::client_filter("updated_datetime")
            .order_by("created_datetime:asc")
            .note("The API orders integrations only by created_datetime: every sync reads them all and emits those changed since the last one.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc"])
            .filter("type", text(50), "Only integrations of this type, e.g. http, shopify, email."))]
}

fn http_input() -> Value {
    let props: Vec<(&str, Value)> = TRIGGERS
        .iter()
        .map(|t| {
            (
                *t,
                field(
                    &t.replace('_', " "),
                    boolean(),
                    "Call the URL on this ticket event.",
                ),
            )
        })
        .collect();
    let mut triggers = strip_root(input("Triggers", &props, &[]));
    triggers["additionalProperties"] = boolean();
    let string_map = |max: u32| json!({"type": "object", "additionalProperties": {"type": "string", "maxLength": max}});
    let http = input(
        "HTTP call",
        &[
            (
                "url",
                field(
                    "URL",
                    json!({"type": "string", "minLength": 1, "maxLength": 2048}),
                    "The URL to call; may use template variables such as {{ticket.customer.email}}.",
                ),
            ),
            (
                "method",
                field(
                    "Method",
                    one_of_strings(&["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], false),
                    "",
                ),
            ),
            (
                "request_content_type",
                field("Request content type", text(255), "e.g. application/json."),
            ),
            (
                "response_content_type",
                field("Response content type", text(255), "e.g. application/json."),
            ),
            (
                "form",
                field(
                    "Form",
                    string_map(10_000),
                    "Body or query fields (names to values; values may use template variables).",
                ),
            ),
            (
                "headers",
                field(
                    "Headers",
                    string_map(4_096),
                    "Extra request headers (names to values).",
                ),
            ),
            (
                "triggers",
                field(
                    "Triggers",
                    triggers,
                    "The ticket events that call the URL (other event names Gorgias knows are accepted too).",
                ),
            ),
        ],
        &["url", "method"],
    );
    field(
        "HTTP call",
        strip_root(http),
        "Required for `http` integrations: what Gorgias calls, and when.",
    )
}

fn common_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("name", field("Name", text(255), "")),
        (
            "description",
            field(
                "Description",
                json!({"type": ["string", "null"], "maxLength": 1024}),
                "",
            ),
        ),
        ("http", http_input()),
        ("meta", field("Meta", object(), "Type-specific settings.")),
        (
            "business_hours_id",
            field(
                "Business hours id",
                json!({"type": ["integer", "null"], "minimum": 1}),
                "Business hours of a phone integration; null for the account's default.",
            ),
        ),
    ]
}

/// Integration actions.
pub fn actions() -> Vec<ActionDecl> {
    let mut create_fields = common_fields();
    create_fields.insert(
        1,
        (
            "type",
            field(
                "Type",
                one_of_strings(TYPES, false),
                "Use http for an HTTP integration.",
            ),
        ),
    );
    let mut update_fields = common_fields();
    update_fields.push((
        "deactivated_datetime",
        field(
            "Deactivated at",
            input_datetime_n(),
            "ISO 8601 datetime: set to deactivate, null to reactivate.",
        ),
    ));
    vec![
        action::get(&OBJ),
        action::create(
            &OBJ,
            input("Create an integration", &create_fields, &["name", "type"]),
        ),
        action::update(
            &OBJ,
            input("Update an integration", &update_fields, &["name"]),
        ),
        action::delete(&OBJ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_say_an_integration() {
        for a in actions() {
            assert!(
                !a.title.contains("a integration") && !a.description.contains("a integration"),
                "{}",
                a.title
            );
            assert!(!a.input["title"].as_str().unwrap().contains("a integration"));
        }
        assert_eq!(actions()[0].title, "Get an integration");
    }
}
