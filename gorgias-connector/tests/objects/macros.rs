//! End-to-end tests of `macros` (stream and actions) against the sandbox.

use std::collections::HashSet;

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

#[tokio::test]
async fn macros_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::Macros)
        .expect("count");

    let full = read(c, "macros", ReadRequest::full_refresh()).await;
    assert_records_valid(c, "macros", &full.records);
    assert_eq!(
        full.ids().into_iter().collect::<HashSet<_>>().len(),
        total,
        "archived macros included"
    );

    let first = read(c, "macros", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let touched = env
        .sandbox
        .touch(&sub, ObjectKind::Macros, 3)
        .expect("touch");
    let second = read(
        c,
        "macros",
        ReadRequest::incremental(Some(first.last_state())),
    )
    .await;
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(
        touched.iter().all(|t| ids.contains(t)),
        "touched {touched:?}, read {ids:?}"
    );
    assert!(second.records.len() < total);

    let none = read(c, "macros", ReadRequest::incremental(Some(future_state()))).await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn macro_actions() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = run(
        c,
        "create_macro",
        json!({"name": "Where is my order", "intent": "shipping/status", "language": "en",
               "actions": [{"name": "setResponseText", "title": "Add response text", "type": "user",
                            "arguments": {"body_text": "Your order ships today."}}]}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let got = run(c, "get_macro", json!({"id": id})).await;
    assert_eq!(got["name"], "Where is my order");

    let updated = run(
        c,
        "update_macro",
        json!({"id": id, "name": "Order status", "intent": null}),
    )
    .await;
    assert_eq!(updated["name"], "Order status");

    let ack = run(c, "archive_macros", json!({"ids": [id]})).await;
    assert_eq!(ack["ok"], true);
    let full = read(c, "macros", ReadRequest::full_refresh()).await;
    let listed = full
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("archived macros are synced");
    assert!(listed["archived_datetime"].is_string());
    assert_eq!(listed["name"], "Order status");
    run(c, "unarchive_macros", json!({"ids": [id]})).await;
    let got = run(c, "get_macro", json!({"id": id})).await;
    assert!(got["archived_datetime"].is_null());

    // Refused before any request: at most 30 ids.
    let many: Vec<i64> = (1..=31).collect();
    let refused = c.run_action("archive_macros", json!({"ids": many})).await;
    assert!(
        matches!(refused, Err(Error::InvalidInput { .. })),
        "{refused:?}"
    );
    // 404: an unknown macro.
    let missing = c
        .run_action("archive_macros", json!({"ids": [999_999]}))
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );

    run(c, "delete_macro", json!({"id": id})).await;
    let gone = c.run_action("get_macro", json!({"id": id})).await;
    assert!(matches!(gone, Err(Error::NotFound { .. })), "{gone:?}");
}
