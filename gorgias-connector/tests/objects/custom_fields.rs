//! End-to-end tests of `custom_fields` (stream and actions) against the sandbox.

use std::collections::HashSet;

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

#[tokio::test]
async fn custom_fields_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::CustomFields)
        .expect("count");

    let full = read(c, "custom_fields", ReadRequest::full_refresh()).await;
    assert_records_valid(c, "custom_fields", &full.records);
    assert_eq!(
        full.ids().into_iter().collect::<HashSet<_>>().len(),
        total,
        "both object types, archived or not"
    );
    let types: HashSet<&str> = full
        .records
        .iter()
        .filter_map(|r| r["object_type"].as_str())
        .collect();
    assert_eq!(types, HashSet::from(["Ticket", "Customer"]));

    let first = read(c, "custom_fields", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let touched = env
        .sandbox
        .touch(&sub, ObjectKind::CustomFields, 2)
        .expect("touch");
    let second = read(
        c,
        "custom_fields",
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
        "custom_fields",
        ReadRequest::incremental(Some(future_state())),
    )
    .await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn custom_field_actions() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let definition = json!({"data_type": "text", "input_settings": {"input_type": "input", "placeholder": "Size"}});
    let created = run(
        c,
        "create_custom_field",
        json!({"object_type": "Customer", "label": "Shoe size", "definition": definition}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    let got = run(c, "get_custom_field", json!({"id": id})).await;
    assert_eq!(got["label"], "Shoe size");

    // Archive it: the stream still reads it (the `archived=true` partition).
    let updated = run(
        c,
        "update_custom_field",
        json!({"id": id, "object_type": "Customer", "label": "Shoe size (EU)", "definition": definition,
               "deactivated_datetime": "2026-01-01T00:00:00Z"}),
    )
    .await;
    assert_eq!(updated["label"], "Shoe size (EU)");
    let full = read(c, "custom_fields", ReadRequest::full_refresh()).await;
    let listed = full
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("an archived field is still synced");
    assert_eq!(listed["label"], "Shoe size (EU)");
    assert!(listed["deactivated_datetime"].is_string());

    let missing = c
        .run_action("get_custom_field", json!({"id": 999_999}))
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
    // A label-only update: benpalmer1/Gorgias-MCP-Server documents object_type, label and definition as required, but
    // Gorgias accepted `{"label": ..}` alone (recorded: Nango test update-custom-field).
    let partial = c
        .run_action("update_custom_field", json!({"id": id, "label": "x"}))
        .await
        .expect("a label-only update is accepted");
    assert_eq!(partial["label"], "x");
}

#[tokio::test]
async fn custom_fields_are_updated_in_bulk() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let full = read(c, "custom_fields", ReadRequest::full_refresh()).await;
    let tickets: Vec<i64> = full
        .records
        .iter()
        .filter(|f| f["object_type"] == "Ticket" && f["managed_type"].is_null())
        .filter_map(|f| f["id"].as_i64())
        .collect();
    let (a, b) = (tickets[0], tickets[1]);
    // Reorder one and archive the other (recorded: Nango test bulk-update-custom-fields sent
    // `[{"id", "priority"}]` and got `{"data": [definition]}`).
    let out = run(
        c,
        "update_custom_fields",
        json!({"custom_fields": [
            {"id": a, "priority": 4999},
            {"id": b, "label": "Archived in bulk", "deactivated_datetime": "2026-11-01T00:00:00Z"},
        ]}),
    )
    .await;
    let data = out["data"].as_array().expect("data");
    assert_eq!(data.len(), 2, "{out}");
    assert_eq!(
        (&data[0]["id"], &data[0]["priority"]),
        (&json!(a), &json!(4999))
    );
    assert_eq!(data[1]["label"], "Archived in bulk");
    assert!(data[1]["deactivated_datetime"].is_string());
    let got = run(c, "get_custom_field", json!({"id": a})).await;
    assert_eq!(got["priority"], 4999);

    for bad in [
        json!({"custom_fields": []}),
        json!({"custom_fields": [{"priority": 3}]}),
        json!({"custom_fields": [{"id": a}]}),
        json!({"custom_fields": [{"id": a, "priority": 5001}]}),
        json!({"custom_fields": [{"id": a, "object_type": "Order"}]}),
    ] {
        let e = c
            .run_action("update_custom_fields", bad.clone())
            .await
            .expect_err("refused");
        assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e}");
    }
    let missing = c
        .run_action(
            "update_custom_fields",
            json!({"custom_fields": [{"id": 999_999, "priority": 1}]}),
        )
        .await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}
