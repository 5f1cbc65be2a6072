//! End-to-end tests of `satisfaction_surveys` (stream and actions) against the sandbox.

use std::collections::HashSet;

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(30))
}

/// A ticket without a survey, and a customer.
fn free_ticket(env: &common::Env, surveys: &[serde_json::Value]) -> (i64, i64) {
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let taken: HashSet<i64> = surveys
        .iter()
        .filter_map(|s| s["ticket_id"].as_i64())
        .collect();
    let ticket = env
        .sandbox
        .all_ids(&sub, ObjectKind::Tickets)
        .expect("tickets")
        .into_iter()
        .find(|t| !taken.contains(t))
        .expect("a ticket without a survey");
    let customer = env
        .sandbox
        .all_ids(&sub, ObjectKind::Customers)
        .expect("customers")[0];
    (ticket, customer)
}

#[tokio::test]
async fn surveys_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::SatisfactionSurveys)
        .expect("count");

    let full = read(c, "satisfaction_surveys", ReadRequest::full_refresh()).await;
    assert_eq!(full.records.len(), total);
    assert_records_valid(c, "satisfaction_surveys", &full.records);

    let first = read(c, "satisfaction_surveys", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let (ticket, customer) = free_ticket(&env, &full.records);
    let created = run(
        c,
        "create_satisfaction_survey",
        json!({"ticket_id": ticket, "customer_id": customer}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let second = read(
        c,
        "satisfaction_surveys",
        ReadRequest::incremental(Some(first.last_state())),
    )
    .await;
    assert_records_valid(c, "satisfaction_surveys", &second.records);
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(ids.contains(&id), "created {id}, read {ids:?}");
    assert!(second.records.len() <= 2);

    let none = read(
        c,
        "satisfaction_surveys",
        ReadRequest::incremental(Some(future_state())),
    )
    .await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn survey_actions() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let full = read(c, "satisfaction_surveys", ReadRequest::full_refresh()).await;
    let (ticket, customer) = free_ticket(&env, &full.records);

    let created = run(
        c,
        "create_satisfaction_survey",
        json!({"ticket_id": ticket, "customer_id": customer, "should_send_datetime": null, "meta": {"source": "test"}}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    assert!(created["should_send_datetime"].is_null());
    let got = run(c, "get_satisfaction_survey", json!({"id": id})).await;
    assert_eq!(got["ticket_id"], json!(ticket));

    // 409: one survey per ticket.
    let dup = c
        .run_action(
            "create_satisfaction_survey",
            json!({"ticket_id": ticket, "customer_id": customer}),
        )
        .await;
    assert!(matches!(dup, Err(Error::Conflict { .. })), "{dup:?}");

    let updated = run(
        c,
        "update_satisfaction_survey",
        json!({"id": id, "score": 5, "body_text": "Quick and kind.", "scored_datetime": "2026-03-01T10:00:00Z"}),
    )
    .await;
    assert_eq!(updated["score"], 5);
    let full = read(c, "satisfaction_surveys", ReadRequest::full_refresh()).await;
    let listed = full
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("listed");
    assert_eq!(listed["body_text"], "Quick and kind.");

    // Refused before any request: scores run from 1 to 5.
    let bad = c
        .run_action("update_satisfaction_survey", json!({"id": id, "score": 6}))
        .await;
    assert!(matches!(bad, Err(Error::InvalidInput { .. })), "{bad:?}");
    // 400: the ticket does not exist.
    let refused = c
        .run_action(
            "create_satisfaction_survey",
            json!({"ticket_id": 999_999_999, "customer_id": customer}),
        )
        .await;
    assert!(
        matches!(refused, Err(Error::Upstream { status: 400, .. })),
        "{refused:?}"
    );
    let missing = c
        .run_action("get_satisfaction_survey", json!({"id": 999_999_999}))
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}
