//! End-to-end tests of `jobs` (stream and actions) against the sandbox.

use std::collections::HashSet;

use chrono::{Duration, Utc};
use connector_sdk::cursor::format_datetime;
use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

#[tokio::test]
async fn jobs_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::Jobs)
        .expect("count");

    let full = read(c, "jobs", ReadRequest::full_refresh()).await;
    assert_eq!(full.records.len(), total);
    assert_records_valid(c, "jobs", &full.records);

    let first = read(c, "jobs", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let inserted = env.sandbox.insert(&sub, ObjectKind::Jobs).expect("insert");
    let second = read(
        c,
        "jobs",
        ReadRequest::incremental(Some(first.last_state())),
    )
    .await;
    assert_records_valid(c, "jobs", &second.records);
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(ids.contains(&inserted), "inserted {inserted}, read {ids:?}");
    assert!(
        second.records.len() <= 2,
        "only the new job (and one tied with the bookmark) is read"
    );

    let none = read(c, "jobs", ReadRequest::incremental(Some(future_state()))).await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn job_actions() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let tickets = env
        .sandbox
        .all_ids(&sub, ObjectKind::Tickets)
        .expect("tickets");

    let created = run(
        c,
        "create_job",
        json!({"type": "updateTicket", "params": {"ticket_ids": &tickets[..2], "updates": {"status": "closed"}}, "meta": {"by": "test"}}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["type"], "updateTicket");
    // Documented as answering 202.
    let got = run(c, "get_job", json!({"id": id})).await;
    assert_eq!(got["id"], json!(id));

    let soon = format_datetime(Utc::now() + Duration::minutes(30));
    let updated = run(
        c,
        "update_job",
        json!({"id": id, "meta": {"by": "someone else"}, "scheduled_datetime": soon}),
    )
    .await;
    assert_eq!(updated["meta"], json!({"by": "someone else"}));

    // 400: more than 60 minutes ahead.
    let late = format_datetime(Utc::now() + Duration::hours(3));
    let refused = c
        .run_action(
            "create_job",
            json!({"type": "exportTicket", "params": {}, "scheduled_datetime": late}),
        )
        .await;
    assert!(
        matches!(refused, Err(Error::Upstream { status: 400, .. })),
        "{refused:?}"
    );

    let ack = run(c, "cancel_job", json!({"id": id})).await;
    assert_eq!(ack["status"], 204);
    let canceled = run(c, "get_job", json!({"id": id})).await;
    assert_eq!(canceled["status"], "canceled");
    let full = read(c, "jobs", ReadRequest::full_refresh()).await;
    let listed = full
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("a canceled job stays listed");
    assert!(listed["cancelled_datetime"].is_string());

    let missing = c.run_action("cancel_job", json!({"id": 999_999})).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}
