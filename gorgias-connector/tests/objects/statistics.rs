//! End-to-end tests of the statistics actions against the sandbox.

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common;
use crate::tickets::support;

fn period() -> serde_json::Value {
    json!({"period": {"start_datetime": "2020-01-01T00:00:00Z", "end_datetime": "2030-01-01T00:00:00Z"}})
}

#[tokio::test]
async fn legacy_statistics_are_computed() {
    let env = common::start_with(common::sized(DataSizes::scaled(30))).await;
    let c = env.connector.as_ref();
    let tickets = env
        .sandbox
        .record_count(&support::sub(&env.sandbox), ObjectKind::Tickets)
        .expect("count");
    let out = common::run(
        c,
        "get_statistic",
        json!({"name": "total-tickets-created", "filters": period()}),
    )
    .await;
    assert_eq!(out["data"]["data"]["value"], json!(tickets), "{out}");
    let table = common::run(
        c,
        "get_statistic",
        json!({"name": "tickets-created-per-channel", "filters": period()}),
    )
    .await;
    assert!(
        table["data"]["data"]["lines"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "{table}"
    );

    let e = c
        .run_action(
            "get_statistic",
            json!({"name": "../account", "filters": period()}),
        )
        .await
        .expect_err("not a statistic");
    assert!(
        matches!(e, Error::InvalidInput { ref path, .. } if path == "name"),
        "{e}"
    );
}

#[tokio::test]
async fn reporting_queries_page_with_cursors() {
    let env = common::start_with(common::sized(DataSizes::scaled(30))).await;
    let c = env.connector.as_ref();
    let query = json!({
        "scope": "tickets-created",
        "filters": [{"member": "periodStart", "operator": "afterDate", "values": ["2020-01-01T00:00:00"]}],
        "timezone": "UTC",
        "dimensions": ["channel"],
        "measures": ["ticketCount"],
        "order": [["ticketCount", "desc"]],
    });
    let mut rows = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut input = json!({"query": query, "limit": 2});
        if let Some(cur) = &cursor {
            input["cursor"] = json!(cur);
        }
        let page = common::run(c, "run_reporting_query", input).await;
        let data = page["data"].as_array().expect("rows").clone();
        assert!(data.len() <= 2);
        rows.extend(data);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => break,
        }
    }
    assert!(rows.len() > 2, "several pages of rows: {rows:?}");
    let total: i64 = rows
        .iter()
        .map(|r| r["ticketCount"].as_i64().expect("ticketCount"))
        .sum();
    let tickets = env
        .sandbox
        .record_count(&support::sub(&env.sandbox), ObjectKind::Tickets)
        .expect("count");
    assert_eq!(total, tickets as i64, "every ticket is counted once");
}
