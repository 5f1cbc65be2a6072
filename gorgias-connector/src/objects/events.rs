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

use serde_json::Value;

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{IncrementalRead, StreamDecl};
use crate::schema::*;

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
    )]
}

/// Event actions (events are read-only).
pub fn actions() -> Vec<ActionDecl> {
    vec![action::get(&OBJ)]
}
