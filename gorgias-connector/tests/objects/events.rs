//! End-to-end tests of `events` (stream and `get_event`) against the sandbox.

use std::collections::HashSet;

use chrono::Duration;
use connector_sdk::cursor::parse_datetime;
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, assert_records_valid, future_state, read, run};

#[tokio::test]
async fn events_read_fully_and_incrementally() {
    let env = common::start_with(common::sized(DataSizes::scaled(20))).await;
    let mut config = common::config(&env.sandbox, 0, false);
    config["page_size"] = json!(9);
    let c: Box<dyn Connector> = common::definition().connect(&config).expect("config");
    let c = c.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::Events)
        .expect("count");

    let full = read(c, "events", ReadRequest::full_refresh()).await;
    assert_eq!(full.records.len(), total);
    assert_records_valid(c, "events", &full.records);

    let first = read(c, "events", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    // Oldest first, the state advancing with every page.
    assert!(first.states.len() > 2);
    let state = first.last_state();
    let bookmark = parse_datetime(state["cursor"].as_str().expect("cursor")).expect("datetime");

    let before: HashSet<i64> = env
        .sandbox
        .all_ids(&sub, ObjectKind::Events)
        .expect("ids")
        .into_iter()
        .collect();
    env.sandbox
        .touch(&sub, ObjectKind::Customers, 2)
        .expect("touch appends events");
    let after: HashSet<i64> = env
        .sandbox
        .all_ids(&sub, ObjectKind::Events)
        .expect("ids")
        .into_iter()
        .collect();
    let appended: Vec<i64> = after.difference(&before).copied().collect();
    assert_eq!(appended.len(), 2);

    let second = read(c, "events", ReadRequest::incremental(Some(state))).await;
    assert_records_valid(c, "events", &second.records);
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(
        appended.iter().all(|a| ids.contains(a)),
        "appended {appended:?}, read {ids:?}"
    );
    assert!(second.records.len() < total);
    for r in &second.records {
        let t = parse_datetime(r["created_datetime"].as_str().expect("created_datetime"))
            .expect("datetime");
        assert!(
            t >= bookmark - Duration::seconds(300),
            "event {} is before the lookback window",
            r["id"]
        );
    }

    let none = read(c, "events", ReadRequest::incremental(Some(future_state()))).await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn get_event() {
    let env = common::start_with(common::sized(DataSizes::scaled(10))).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let id = env.sandbox.all_ids(&sub, ObjectKind::Events).expect("ids")[0];
    let event = run(c, "get_event", json!({"id": id})).await;
    assert_eq!(event["id"], json!(id));
    let missing = c.run_action("get_event", json!({"id": 999_999_999})).await;
    assert!(
        matches!(missing, Err(Error::NotFound { .. })),
        "{missing:?}"
    );
}
