//! End-to-end tests of `account` (stream and actions) against the sandbox.

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::DataSizes;
use serde_json::json;

use crate::common::{self, assert_records_valid, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

#[tokio::test]
async fn account_stream_is_one_valid_record() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let out = read(c, "account", ReadRequest::full_refresh()).await;
    assert_eq!(out.records.len(), 1);
    assert_records_valid(c, "account", &out.records);
    let sub = &env.sandbox.accounts()[0].subdomain;
    assert_eq!(out.records[0]["domain"], json!(sub));
    assert!(
        !out.records[0]["settings"]
            .as_array()
            .expect("settings")
            .is_empty()
    );
    // A snapshot: the stream declares no incremental mode.
    assert!(
        c.read_stream("account", ReadRequest::incremental(None))
            .is_err()
    );
}

#[tokio::test]
async fn account_and_settings_actions() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();

    let account = run(c, "get_account", json!({})).await;
    assert_eq!(
        account["domain"],
        json!(env.sandbox.accounts()[0].subdomain)
    );

    let all = run(c, "list_account_settings", json!({})).await;
    let all = all["data"].as_array().expect("data").clone();
    assert!(all.len() >= 2);
    let hours = run(
        c,
        "list_account_settings",
        json!({"type": "business-hours"}),
    )
    .await;
    let hours = hours["data"].as_array().expect("data").clone();
    assert!(!hours.is_empty() && hours.len() < all.len());
    assert!(hours.iter().all(|s| s["type"] == "business-hours"));

    let created = run(
        c,
        "create_account_setting",
        json!({"type": "connector-test", "data": {"level": 1}}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["data"], json!({"level": 1}));
    let listed = run(
        c,
        "list_account_settings",
        json!({"type": "connector-test"}),
    )
    .await;
    assert_eq!(listed["data"].as_array().map(|d| d.len()), Some(1));

    let updated = run(
        c,
        "update_account_setting",
        json!({"id": id, "data": {"level": 2}}),
    )
    .await;
    assert_eq!(updated["data"], json!({"level": 2}));
    let account = run(c, "get_account", json!({})).await;
    let stored = account["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .find(|s| s["id"] == json!(id))
        .cloned();
    assert_eq!(stored.map(|s| s["data"].clone()), Some(json!({"level": 2})));

    let missing = c
        .run_action("update_account_setting", json!({"id": 999_999, "data": {}}))
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
    // Refused before any request: settings need a type and data.
    let invalid = c
        .run_action("create_account_setting", json!({"type": "x"}))
        .await;
    assert!(
        matches!(invalid, Err(Error::InvalidInput { .. })),
        "{invalid:?}"
    );
}
