//! Satisfaction surveys: the `satisfaction_surveys` stream and survey actions.
//!
//! Sources: <https://developers.gorgias.com/reference/the-satisfactionsurvey-object>. A survey belongs to one ticket (one survey per ticket) and its customer; Gorgias
//! sends it at `should_send_datetime` (null: never), and the customer's `score` (1 to 5) and
//! comment (`body_text`, at most 1000 characters) arrive later with `scored_datetime`.
//! `POST` requires `customer_id` and `ticket_id` (201). There is no delete. `PUT` is partial
//! here, as Gorgias updates are in general (recorded: Nango test update-ticket); benpalmer1/Gorgias-MCP-Server describes it as a full replacement
//! that needs `customer_id` and `ticket_id` again, so the update action accepts both too.
//!
//! Incremental: a newest-first feed on `created_datetime`, the only orderable datetime (surveys
//! have no `updated_datetime`). New surveys are picked up; **score, comment and sending changes
//! after creation are not** (Brooklyn's tap runs a full refresh for that reason): use full
//! refresh when scores matter more than request cost.

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `satisfaction_survey:read` / `satisfaction_survey:write` (developers.gorgias.com/docs/oauth2-scopes; singular, as Gorgias spells it).
pub const SCOPE: &str = "satisfaction_survey";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "satisfaction_survey",
    plural: "satisfaction_surveys",
    words: "satisfaction survey",
    path: "/api/satisfaction-surveys",
    record,
};

/// A satisfaction survey.
pub fn record() -> Value {
    record_of(
        "Satisfaction survey",
        &[
            ("id", id()),
            ("uri", string()),
            ("ticket_id", id()),
            ("customer_id", id()),
            (
                "score",
                describe(
                    int_n(),
                    "1 (bad) to 5 (good); null until the customer answers.",
                ),
            ),
            (
                "body_text",
                describe(
                    string_n(),
                    "The customer's comment (at most 1000 characters).",
                ),
            ),
            ("meta", object_n()),
            ("created_datetime", datetime()),
            (
                "scored_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the customer answered (UTC when no offset is given).",
                ),
            ),
            (
                "sent_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the survey was sent (UTC when no offset is given); null until then.",
                ),
            ),
            (
                "should_send_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime Gorgias sends it (UTC when no offset is given); null: never.",
                ),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `satisfaction_surveys` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "satisfaction_surveys",
        "Customer satisfaction surveys of tickets: when sent, the score and the comment.",
        "/api/satisfaction-surveys",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (surveys have no updated_datetime): new surveys are picked up, but scores, comments and sending times that arrive after a survey was synced are not; a full refresh shows them.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc"])
            .filter("ticket_id", positive_id(), "Only the survey of this ticket."));
    s.may_be_empty = Some("Accounts that do not send satisfaction surveys have none.");
    vec![s]
}

fn survey_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "customer_id",
            field("Customer id", positive_id(), "The customer asked."),
        ),
        (
            "ticket_id",
            field(
                "Ticket id",
                positive_id(),
                "The ticket the survey is about (one survey per ticket).",
            ),
        ),
        (
            "score",
            field(
                "Score",
                json!({"type": ["integer", "null"], "minimum": 1, "maximum": 5}),
                "1 (bad) to 5 (good).",
            ),
        ),
        (
            "body_text",
            field(
                "Comment",
                json!({"type": ["string", "null"], "maxLength": 1000}),
                "The customer's comment.",
            ),
        ),
        (
            "meta",
            field("Meta", object_n(), "Free-form data kept on the survey."),
        ),
        (
            "scored_datetime",
            field(
                "Scored at",
                input_datetime_n(),
                "ISO 8601 datetime the customer answered.",
            ),
        ),
        (
            "sent_datetime",
            field(
                "Sent at",
                input_datetime_n(),
                "ISO 8601 datetime the survey was sent.",
            ),
        ),
        (
            "should_send_datetime",
            field(
                "Send at",
                input_datetime_n(),
                "ISO 8601 datetime Gorgias should send it; null stops Gorgias from sending it.",
            ),
        ),
    ]
}

/// Satisfaction survey actions (surveys cannot be deleted).
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(
            &OBJ,
            input(
                "Create a satisfaction survey",
                &survey_fields(),
                &["customer_id", "ticket_id"],
            ),
        ),
        action::update(
            &OBJ,
            input("Update a satisfaction survey", &survey_fields(), &[]),
        ),
    ]
}
