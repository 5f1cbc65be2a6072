//! Events: the `events` stream (the account's audit trail) and `get_event`.
//!
//! Sources: <https://developers.gorgias.com/reference/the-event-object>. Events are read-only and append-only: each has an `object_type` / `object_id`,
//! a `type` (e.g. `ticket-updated`, `customer-merged`), the acting `user_id`, free-form `data`
//! and a `context` uuid grouping one causal chain. `GET /api/events` is the only Gorgias list
//! with a server-side datetime range filter (`created_datetime[gt|gte|lt|lte]`) and orders by
//! `created_datetime:asc|desc`.
//!
//! Incremental: server-filtered. Each sync asks for `created_datetime[gte]=<bookmark - 300 s>`
//! oldest first (`created_datetime:asc`), so the state advances with every page and a crash
//! loses nothing; the five-minute overlap (Airbyte uses the same lookback) catches events
//! written late with an earlier timestamp. Re-read events are emitted again (keyed by `id`).

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `events:read` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "events";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "event",
    plural: "events",
    words: "event",
    path: "/api/events",
    record,
};

/// An event.
pub fn record() -> Value {
    record_of(
        "Event",
        &[
            ("id", id()),
            ("uri", string()),
            (
                "context",
                describe(
                    string_n(),
                    "A uuid shared by the events of one causal chain; null on some events, e.g. user-logged-in.",
                ),
            ),
            ("created_datetime", datetime()),
            (
                "data",
                describe(object_n(), "Details, e.g. the changes of an update."),
            ),
            (
                "object_id",
                describe(id(), "The id of the object the event is about."),
            ),
            (
                "object_type",
                describe(
                    string(),
                    "Account, Macro, Tag, Customer, CustomField, Team, View, Widget, User, TicketMessage, Ticket, Rule, Integration or SatisfactionSurvey.",
                ),
            ),
            (
                "type",
                describe(
                    string(),
                    "What happened, e.g. ticket-created, ticket-updated, customer-merged.",
                ),
            ),
            (
                "user_id",
                describe(int_n(), "The user who acted; null for the system."),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `events` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "events",
        "The account's audit trail: every creation, change and deletion of tickets, customers, users and other objects.",
        "/api/events",
        record(),
        &["id"],
        IncrementalRead::server_filter("created_datetime", "created_datetime:asc", 300).into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc"])
            .filter("created_datetime[gte]", date_time(), "Only events at or after this ISO 8601 datetime.")
            .filter("created_datetime[lt]", date_time(), "Only events before this ISO 8601 datetime.")
            .filter("object_type", text(50), "Only events of this object type, e.g. Ticket, Customer, Macro (with object_id).")
            .filter("object_id", positive_id(), "Only events of this object (with object_type).")
            .filter("types", json!({"type": "array", "items": text(100), "maxItems": 100}), "Only events of these types, e.g. ticket-created.")
            .filter("user_ids", id_list(100), "Only events caused by these users."))]
}

/// Event actions (events are read-only).
pub fn actions() -> Vec<ActionDecl> {
    vec![action::get(&OBJ)]
}
