//! End-to-end tests of `rules` (stream and actions) against the sandbox.

use std::collections::HashSet;

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

#[tokio::test]
async fn rules_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::Rules)
        .expect("count");

    let full = read(c, "rules", ReadRequest::full_refresh()).await;
    assert_eq!(full.records.len(), total);
    assert_records_valid(c, "rules", &full.records);

    let first = read(c, "rules", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let created = run(
        c,
        "create_rule",
        json!({"name": "Tag refunds", "code": "if (true) {}", "event_types": "ticket-created"}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let second = read(
        c,
        "rules",
        ReadRequest::incremental(Some(first.last_state())),
    )
    .await;
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(ids.contains(&id), "created {id}, read {ids:?}");
    assert!(second.records.len() <= 2);

    let none = read(c, "rules", ReadRequest::incremental(Some(future_state()))).await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn rule_actions() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = run(
        c,
        "create_rule",
        json!({"name": "Auto-close spam", "code": "if (eq(ticket.spam, true)) { Action('setStatus', {status: 'closed'}) }",
               "event_types": "ticket-created,ticket-updated", "priority": 10, "description": "spam"}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let got = run(c, "get_rule", json!({"id": id})).await;
    assert_eq!(got["event_types"], "ticket-created,ticket-updated");

    let updated = run(
        c,
        "update_rule",
        json!({"id": id, "deactivated_datetime": "2026-02-01T00:00:00Z"}),
    )
    .await;
    assert!(updated["deactivated_datetime"].is_string());

    let ack = run(
        c,
        "update_rule_priorities",
        json!({"priorities": [{"id": id, "priority": 99}]}),
    )
    .await;
    // 200 with every rule, a bare array (recorded: Nango test update-rule-priorities).
    assert_eq!(ack["status"], 200);
    assert!(ack["response"].is_array(), "{ack}");
    let got = run(c, "get_rule", json!({"id": id})).await;
    assert_eq!(got["priority"], 99);

    // Refused before any request: event types are comma-separated without spaces.
    let spaced = c
        .run_action(
            "create_rule",
            json!({"name": "x", "code": "1", "event_types": "ticket-created, ticket-updated"}),
        )
        .await;
    assert!(
        matches!(spaced, Err(Error::InvalidInput { .. })),
        "{spaced:?}"
    );
    // 404: priorities of an unknown rule.
    let missing = c
        .run_action(
            "update_rule_priorities",
            json!({"priorities": [{"id": 999_999, "priority": 1}]}),
        )
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );

    run(c, "delete_rule", json!({"id": id})).await;
    let full = read(c, "rules", ReadRequest::full_refresh()).await;
    assert!(full.records.iter().all(|r| r["id"] != json!(id)));
}
