//! Jobs: the `jobs` stream (background bulk operations and exports) and job actions.
//!
//! Sources: <https://developers.gorgias.com/reference/the-job-object> and <https://developers.gorgias.com/reference/create-job>. A job runs a bulk operation in the background: apply a macro to tickets, update
//! or delete tickets, export tickets or macros, import macros. It is created with a `type`, the
//! type-specific `params` (ticket ids, a view, the updates, ...), optionally a
//! `scheduled_datetime` at most 60 minutes ahead, and free-form `meta`. `GET /api/jobs/{id}` is
//! documented as answering 202 (any 2xx is success here). `DELETE /api/jobs/{id}` *cancels* the
//! job (204): changes already applied are not reverted, and the job stays listed with status
//! `canceled`. The record spells `cancelled_datetime` with two l's while the status value is
//! `canceled`, as the official example does.
//!
//! Incremental: a newest-first feed on `created_datetime`, the only orderable datetime (jobs have
//! no `updated_datetime`; Airbyte reads them the same way). New jobs are picked up; status and
//! progress changes of jobs already synced are **not** (run a full refresh to see where older
//! jobs ended).

use connector_sdk::ActionEffect;
use serde_json::Value;

use connector_http::action::{self, ActionDecl, Obj, Reply};
use connector_http::client::Method;
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `jobs:read` / `jobs:write` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "jobs";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "job",
    plural: "jobs",
    words: "job",
    path: "/api/jobs",
    record,
};

const TYPES: &[&str] = &[
    "applyMacro",
    "deleteTicket",
    "exportTicket",
    "importMacro",
    "exportMacro",
    "updateTicket",
    "exportTicketDrilldown",
    "exportConvertCampaignSalesDrilldown",
];

const STATUSES: &[&str] = &[
    "pending",
    "scheduled",
    "running",
    "done",
    "cancel_requested",
    "canceled",
    "errored",
    "fatal_errored",
];

/// A job.
pub fn record() -> Value {
    record_of(
        "Job",
        &[
            ("id", id()),
            ("uri", string()),
            (
                "type",
                describe(string(), "e.g. applyMacro, updateTicket, exportTicket."),
            ),
            (
                "status",
                describe(
                    string(),
                    "pending, scheduled, running, done, cancel_requested, canceled, errored or fatal_errored.",
                ),
            ),
            (
                "user_id",
                describe(int_n(), "The user who created the job."),
            ),
            (
                "params",
                describe(
                    object(),
                    "Type-specific parameters, e.g. ticket_ids, updates, apply_and_close.",
                ),
            ),
            (
                "info",
                describe(object_n(), "Progress, e.g. `{\"progress_count\": 12}`."),
            ),
            ("meta", object_n()),
            ("created_datetime", datetime()),
            ("scheduled_datetime", datetime_n()),
            ("started_datetime", datetime_n()),
            ("locked_datetime", datetime_n()),
            ("ended_datetime", datetime_n()),
            ("failed_datetime", datetime_n()),
            ("cancel_requested_datetime", datetime_n()),
            ("cancelled_datetime", datetime_n()),
        ],
        &["id", "created_datetime"],
    )
}

/// The `jobs` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "jobs",
        "Background jobs of the account (bulk ticket updates, macro applications, exports, imports) with their status.",
        "/api/jobs",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (jobs have no updated_datetime): new jobs are picked up, but later status and progress changes of synced jobs are not; a full refresh shows them.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc"])
            .filter("status", one_of_strings(&["pending", "scheduled", "running", "done", "cancel_requested", "canceled", "errored", "fatal_errored"], false), "Only jobs in this status.")
            .filter("type", text(100), "Only jobs of this type, e.g. applyMacro, exportTicket."));
    s.may_be_empty = Some("Jobs exist only after bulk operations, exports or imports.");
    vec![s]
}

fn params_field() -> Value {
    field(
        "Parameters",
        object(),
        "Depend on the type, e.g. `{\"ticket_ids\": [1, 2], \"updates\": {\"status\": \"closed\"}}` for updateTicket or `{\"macro_id\": 3, \"view_id\": 4, \"apply_and_close\": false}` for applyMacro.",
    )
}

fn scheduled_field() -> Value {
    field(
        "Scheduled at",
        input_datetime_n(),
        "ISO 8601 datetime at most 60 minutes ahead; left out, the job is queued now.",
    )
}

fn meta_field() -> Value {
    field(
        "Meta",
        object_n(),
        "Free-form data kept on the job (not used by Gorgias).",
    )
}

fn job_id() -> Value {
    field("Id", positive_id(), "The job's id.")
}

/// Job actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(
            &OBJ,
            input(
                "Create a job",
                &[
                    ("type", field("Type", one_of_strings(TYPES, false), "What the job does.")),
                    ("params", params_field()),
                    ("scheduled_datetime", scheduled_field()),
                    ("meta", meta_field()),
                ],
                &["type", "params"],
            ),
        ),
        action::update(
            &OBJ,
            input(
                "Update a job",
                &[
                    ("params", params_field()),
                    ("scheduled_datetime", scheduled_field()),
                    ("meta", meta_field()),
                    ("status", field("Status", one_of_strings(STATUSES, false), "Moves the job to this status.")),
                ],
                &[],
            ),
        ),
        ActionDecl::new(
            "cancel_job",
            "Cancel a job",
            "Cancels a job. Changes it already applied are not reverted; the job stays listed as canceled.",
            ActionEffect::Delete,
            Method::Delete,
            "/api/jobs/{id}",
            input("Cancel a job", &[("id", job_id())], &["id"]),
            ack(),
        )
        .reply(Reply::Ack),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cancel_is_a_delete_of_the_job() {
        let cancel = actions()
            .into_iter()
            .find(|a| a.name == "cancel_job")
            .unwrap();
        let (path, query, body) = connector_http::action::request_parts(&cancel, json!({"id": 12})).unwrap();
        assert_eq!(
            (path.as_str(), query.len(), body),
            ("/api/jobs/12", 0, None)
        );
        assert_eq!(cancel.effect, ActionEffect::Delete);
    }
}
