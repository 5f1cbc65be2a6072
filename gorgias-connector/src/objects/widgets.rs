//! Widgets: the `widgets` stream (the sidebar cards that show integration data next to a
//! ticket or customer) and widget actions (CRUD).
//!
//! Sources: <https://developers.gorgias.com/v1.1/reference/the-widget-object>. A widget has a `type` (the integration kind it renders: shopify, http, ...), a
//! `context` (ticket or customer; user is deprecated), an `order` (lower first) and a `template`
//! (`{"type": "wrapper", "widgets": [{path, title, type, widgets: [...]}]}`). Creating needs
//! `template` and `type` and answers 201; `DELETE` answers 204.
//!
//! Incremental: widgets have an `updated_datetime`, but the list orders only by
//! `created_datetime` or `order`, so every sync reads the whole list (ordered by
//! `created_datetime:asc` for stable paging) and emits only widgets changed at or after the
//! bookmark. Widgets are few, so this costs one or two requests, and every change is caught.

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `integrations:read` / `integrations:write`: widgets show integration data in the ticket sidebar; the scopes page names no widgets scope, so this is UNCONFIRMED.
pub const SCOPE: &str = "integrations";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "widget",
    plural: "widgets",
    words: "widget",
    path: "/api/widgets",
    record,
};

/// The documented widget types.
pub const TYPES: &[&str] = &[
    "bigcommerce",
    "custom",
    "customer_external_data",
    "http",
    "magento2",
    "recharge",
    "shopify",
    "smile",
    "standalone",
    "yotpo",
    "klaviyo",
    "stripe",
    "woocommerce",
];

/// The documented widget contexts (`user` is deprecated).
pub const CONTEXTS: &[&str] = &["ticket", "customer", "user"];

/// A widget.
pub fn record() -> Value {
    record_of(
        "Widget",
        &[
            ("id", id()),
            ("uri", string()),
            (
                "app_id",
                describe(string_n(), "The app the widget belongs to, if any."),
            ),
            (
                "context",
                describe(
                    string_n(),
                    "Where it shows: ticket or customer (user is deprecated).",
                ),
            ),
            (
                "integration_id",
                describe(int_n(), "The integration whose data it shows, if any."),
            ),
            (
                "order",
                describe(int_n(), "Position; lower is shown first."),
            ),
            (
                "template",
                describe(
                    object_n(),
                    "The layout: `{\"type\": \"wrapper\", \"widgets\": [{path, title, type, widgets}]}`.",
                ),
            ),
            (
                "type",
                describe(string(), "e.g. shopify, http, recharge, custom."),
            ),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime()),
            ("deactivated_datetime", datetime_n()),
        ],
        &["id", "updated_datetime"],
    )
}

/// The `widgets` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "widgets",
        "Every sidebar widget that shows integration data next to tickets and customers.",
        "/api/widgets",
        record(),
        &["id"],
        IncrementalRead::client_filter("updated_datetime")
            .order_by("created_datetime:asc")
            .note("The list cannot be ordered by updated_datetime: every sync reads all widgets (they are few) and emits those changed since the last one.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc", "order:asc", "order:desc"])
            .filter("integration_id", positive_id(), "Only this integration's widgets.")
            .filter("app_id", text(255), "Only this app's widgets."));
    s.may_be_empty = Some("Accounts without integrations or apps may have no widget.");
    vec![s]
}

fn widget_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "type",
            field(
                "Type",
                one_of_strings(TYPES, false),
                "The kind of integration data the widget renders.",
            ),
        ),
        (
            "template",
            field(
                "Template",
                object(),
                "The layout, e.g. `{\"type\": \"wrapper\", \"widgets\": [{\"path\": \"shopify.customer\", \"title\": \"Customer\", \"type\": \"card\", \"widgets\": []}]}`.",
            ),
        ),
        (
            "context",
            field(
                "Context",
                one_of_strings(CONTEXTS, false),
                "Where the widget shows: ticket or customer (user is deprecated).",
            ),
        ),
        (
            "integration_id",
            field(
                "Integration id",
                json!({"type": ["integer", "null"], "minimum": 1}),
                "The integration whose data it shows.",
            ),
        ),
        (
            "app_id",
            field(
                "App id",
                json!({"type": ["string", "null"], "maxLength": 255}),
                "The app the widget belongs to.",
            ),
        ),
        (
            "order",
            field(
                "Order",
                json!({"type": "integer", "minimum": 0, "maximum": 10000}),
                "Position; lower is shown first.",
            ),
        ),
        (
            "deactivated_datetime",
            field(
                "Deactivated at",
                input_datetime_n(),
                "ISO 8601 datetime from which the widget is hidden (UTC when no offset is given); null shows it again.",
            ),
        ),
    ]
}

/// Widget actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(
            &OBJ,
            input("Create a widget", &widget_fields(), &["type", "template"]),
        ),
        action::update(&OBJ, input("Update a widget", &widget_fields(), &[])),
        action::delete(&OBJ),
    ]
}
