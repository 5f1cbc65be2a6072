//! End-to-end tests of `widgets` against the sandbox: the stream (client-side filtered on
//! `updated_datetime`) and every widget action.

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common;
use crate::tickets::support::{self, id_of, listed};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(20))
}

#[tokio::test]
async fn widgets_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(
        &env.sandbox,
        "widgets",
        ObjectKind::Widgets,
        2,
        false,
        |s, sub| s.touch(sub, ObjectKind::Widgets, 2).expect("touch"),
    )
    .await;
}

#[tokio::test]
async fn widget_crud_round_trips() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let template = json!({"type": "wrapper", "widgets": [{"path": "custom.order", "title": "Order", "type": "card", "widgets": []}]});
    let created = common::run(
        c,
        "create_widget",
        json!({"type": "custom", "template": template, "context": "customer", "order": 7}),
    )
    .await;
    let id = id_of(&created);
    assert_eq!(
        (created["type"].as_str(), created["context"].as_str()),
        (Some("custom"), Some("customer"))
    );
    assert!(listed(c, "widgets", id).await, "a created widget is listed");

    let updated = common::run(
        c,
        "update_widget",
        json!({"id": id, "order": 1, "context": "ticket"}),
    )
    .await;
    assert_eq!(updated["order"], 1);
    assert_eq!(
        common::run(c, "get_widget", json!({"id": id})).await["context"],
        "ticket"
    );

    common::run(c, "delete_widget", json!({"id": id})).await;
    let gone = c
        .run_action("get_widget", json!({"id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(!listed(c, "widgets", id).await);
}
