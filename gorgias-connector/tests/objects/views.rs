//! End-to-end tests of `views` and `view_items` against the sandbox: both streams and every
//! view action.

use std::collections::{HashMap, HashSet};

use connector_sdk::{ConnectorExt, Error, ReadRequest, SyncMode};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::{Value, json};

use crate::common;
use crate::tickets::support::{self, id_of, listed};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(30))
}

#[tokio::test]
async fn views_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(
        &env.sandbox,
        "views",
        ObjectKind::Views,
        2,
        true,
        |s, sub| support::insert(s, sub, ObjectKind::Views, 3),
    )
    .await;
}

/// Every page of a view's items through `list_view_items`.
async fn items_by_action(c: &dyn connector_sdk::Connector, view_id: i64) -> Vec<i64> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut input = json!({"view_id": view_id, "limit": 7});
        if let Some(cur) = &cursor {
            input["cursor"] = json!(cur);
        }
        let page = common::run(c, "list_view_items", input).await;
        ids.extend(
            page["data"]
                .as_array()
                .expect("data")
                .iter()
                .filter_map(|t| t["id"].as_i64()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn view_items_list_each_views_tickets() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let descriptor = c.spec().stream("view_items").expect("declared").clone();
    assert!(
        !descriptor.supports(SyncMode::Incremental),
        "view items are full refresh only"
    );
    let read = common::read(c, "view_items", ReadRequest::full_refresh()).await;
    common::assert_records_valid(c, "view_items", &read.records);
    let mut per_view: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut keys = HashSet::new();
    for r in &read.records {
        let (view, id) = (
            r["view_id"].as_i64().expect("view_id"),
            r["id"].as_i64().expect("id"),
        );
        assert!(keys.insert((view, id)), "duplicate key ({view}, {id})");
        per_view.entry(view).or_default().push(id);
    }
    let views = env
        .sandbox
        .all_ids(&support::sub(&env.sandbox), ObjectKind::Views)
        .expect("ids");
    assert!(per_view.keys().all(|v| views.contains(v)));
    assert!(!read.records.is_empty(), "the sandbox's views list tickets");
    for view in views.iter().take(3) {
        let mut by_action = items_by_action(c, *view).await;
        let mut by_stream = per_view.get(view).cloned().unwrap_or_default();
        by_action.sort_unstable();
        by_stream.sort_unstable();
        assert_eq!(
            by_stream, by_action,
            "view {view}: the stream and the action agree"
        );
    }
}

fn statuses(page: &Value) -> HashSet<String> {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|t| t["status"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn view_crud_and_item_searches_round_trip() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = common::run(
        c,
        "create_view",
        json!({"slug": "e2e-open", "name": "E2E open", "filters": "eq(ticket.status, 'open')", "order_by": "created_datetime",
               "order_dir": "asc", "visibility": "public", "fields": ["details", "customer"], "decoration": {"emoji": "📬"}}),
    )
    .await;
    let id = id_of(&created);
    assert!(listed(c, "views", id).await, "a created view is listed");
    let open = common::run(c, "list_view_items", json!({"view_id": id, "limit": 100})).await;
    assert_eq!(statuses(&open), HashSet::from(["open".to_string()]));

    let updated = common::run(
        c,
        "update_view",
        json!({"id": id, "name": "E2E closed", "filters": "eq(ticket.status, 'closed')"}),
    )
    .await;
    assert_eq!(updated["name"], "E2E closed");
    assert_eq!(
        common::run(c, "get_view", json!({"id": id})).await["filters"],
        "eq(ticket.status, 'closed')"
    );
    let closed = common::run(
        c,
        "list_view_items",
        json!({"view_id": id, "limit": 100, "order_by": "updated_datetime:desc"}),
    )
    .await;
    assert_eq!(statuses(&closed), HashSet::from(["closed".to_string()]));

    let adhoc = common::run(
        c,
        "search_view_items",
        json!({"view_id": 0, "limit": 5, "view": {"filters": "eq(ticket.status, 'open')"}}),
    )
    .await;
    assert!(
        adhoc["data"]
            .as_array()
            .is_some_and(|d| !d.is_empty() && d.len() <= 5)
    );
    assert_eq!(statuses(&adhoc), HashSet::from(["open".to_string()]));

    common::run(c, "delete_view", json!({"id": id})).await;
    let gone = c
        .run_action("get_view", json!({"id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(!listed(c, "views", id).await);
}
