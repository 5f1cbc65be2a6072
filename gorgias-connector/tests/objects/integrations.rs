//! End-to-end tests of `integrations` (stream and actions) against the sandbox.

use std::collections::HashSet;

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

#[tokio::test]
async fn integrations_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::Integrations)
        .expect("count");

    let full = read(c, "integrations", ReadRequest::full_refresh()).await;
    assert_eq!(full.records.len(), total);
    assert_records_valid(c, "integrations", &full.records);

    let first = read(c, "integrations", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let touched = env
        .sandbox
        .touch(&sub, ObjectKind::Integrations, 2)
        .expect("touch");
    let second = read(
        c,
        "integrations",
        ReadRequest::incremental(Some(first.last_state())),
    )
    .await;
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(
        touched.iter().all(|t| ids.contains(t)),
        "touched {touched:?}, read {ids:?}"
    );
    assert!(second.records.len() < total);

    let none = read(
        c,
        "integrations",
        ReadRequest::incremental(Some(future_state())),
    )
    .await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn integration_crud() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = run(
        c,
        "create_integration",
        json!({"name": "Order lookup", "type": "http",
               "http": {"url": "https://hooks.example.com/orders?email={{ticket.customer.email}}", "method": "GET",
                        "headers": {"X-Key": "k"}, "triggers": {"ticket_created": true}}}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let got = run(c, "get_integration", json!({"id": id})).await;
    assert_eq!(got["type"], "http");

    let updated = run(
        c,
        "update_integration",
        json!({"id": id, "name": "Order lookup v2", "description": "orders"}),
    )
    .await;
    assert_eq!(updated["name"], "Order lookup v2");
    let full = read(c, "integrations", ReadRequest::full_refresh()).await;
    let listed = full
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("listed");
    assert_eq!(listed["description"], "orders");

    // Refused before any request: updates need the name.
    let unnamed = c
        .run_action("update_integration", json!({"id": id, "description": "x"}))
        .await;
    assert!(
        matches!(unnamed, Err(Error::InvalidInput { .. })),
        "{unnamed:?}"
    );
    // 400: an HTTP integration without its URL.
    let refused = c
        .run_action(
            "create_integration",
            json!({"name": "No URL", "type": "http"}),
        )
        .await;
    assert!(
        matches!(refused, Err(Error::Upstream { status: 400, .. })),
        "{refused:?}"
    );

    run(c, "delete_integration", json!({"id": id})).await;
    let gone = c.run_action("get_integration", json!({"id": id})).await;
    assert!(matches!(gone, Err(Error::NotFound { .. })), "{gone:?}");
    let full = read(c, "integrations", ReadRequest::full_refresh()).await;
    assert!(full.records.iter().all(|r| r["id"] != json!(id)));
}
