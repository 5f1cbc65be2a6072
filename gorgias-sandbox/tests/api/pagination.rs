//! Walking every page of every list endpoint, for every allowed `order_by`, returns every
//! record exactly once and in the right order.

use crate::common::{get, ids, shared, walk};
use gorgias_sandbox::ObjectKind;
use gorgias_sandbox::time;
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum K {
    Null,
    Int(i64),
    Str(String),
}

fn key_of(v: &Value, attr: &str) -> K {
    let mut cur = v;
    for seg in attr.split('.') {
        cur = &cur[seg];
    }
    match cur {
        Value::Null => K::Null,
        Value::Number(n) => K::Int(n.as_i64().unwrap()),
        Value::String(s) if attr.ends_with("_datetime") => {
            K::Int(time::parse(s).expect("datetime"))
        }
        Value::String(s) if attr == "priority" => K::Int(
            ["low", "normal", "high", "critical"]
                .iter()
                .position(|p| p == s)
                .unwrap() as i64,
        ),
        Value::String(s) => K::Str(s.clone()),
        other => panic!("unexpected key {other}"),
    }
}

/// Parses `order_by` into attributes and direction (bare names per the crate's choices).
fn parse_order(order: &str) -> (Vec<String>, bool) {
    let parts: Vec<&str> = order.split(',').collect();
    let mut attrs = Vec::new();
    let mut desc = false;
    for p in parts {
        match p.split_once(':') {
            Some((a, d)) => {
                attrs.push(a.to_owned());
                desc = d == "desc";
            }
            None => {
                attrs.push(p.to_owned());
                desc = p == "usage" || p == "relevance";
            }
        }
    }
    let attrs = attrs
        .into_iter()
        .map(|a| {
            if a == "relevance" {
                "usage".to_owned()
            } else {
                a
            }
        })
        .collect();
    (attrs, desc)
}

fn check_order(records: &[Value], order: &str, what: &str) {
    let (mut attrs, desc) = parse_order(order);
    if what.starts_with("/api/tags") && order == "usage" {
        attrs.push("name".to_owned());
    }
    let key = |r: &Value| {
        (
            attrs.iter().map(|a| key_of(r, a)).collect::<Vec<_>>(),
            r["id"].as_i64().unwrap(),
        )
    };
    for w in records.windows(2) {
        let (a, b) = (key(&w[0]), key(&w[1]));
        let want = if desc {
            Ordering::Greater
        } else {
            Ordering::Less
        };
        assert_eq!(a.cmp(&b), want, "{what} order_by={order}: {a:?} then {b:?}");
    }
}

async fn check(path: &str, orders: &[&str], limit: usize, expected: &BTreeSet<i64>) {
    let sb = shared();
    let creds = &sb.accounts()[0];
    assert!(!expected.is_empty(), "{path} should not be empty");
    let sep = if path.contains('?') { '&' } else { '?' };
    for order in orders.iter().map(|o| Some(*o)).chain([None]) {
        let url = match order {
            Some(o) => format!("{path}{sep}limit={limit}&order_by={o}"),
            None => format!("{path}{sep}limit={limit}"),
        };
        let records = walk(sb, creds, &url).await;
        let got = ids(&records);
        let unique: BTreeSet<i64> = got.iter().copied().collect();
        assert_eq!(unique.len(), got.len(), "{url}: a record came twice");
        assert_eq!(&unique, expected, "{url}: not every record");
        if let Some(o) = order {
            check_order(&records, o, &url);
        }
    }
}

fn all(kind: ObjectKind) -> BTreeSet<i64> {
    shared()
        .all_ids("acme", kind)
        .unwrap()
        .into_iter()
        .collect()
}

fn where_(kind: ObjectKind, f: impl Fn(&Value) -> bool) -> BTreeSet<i64> {
    let sb = shared();
    sb.all_ids("acme", kind)
        .unwrap()
        .into_iter()
        .filter(|id| f(&sb.get_record("acme", kind, *id).unwrap().unwrap()))
        .collect()
}

const CREATED: &[&str] = &["created_datetime:asc", "created_datetime:desc"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_customers_messages_events() {
    let both = [
        "created_datetime:asc",
        "created_datetime:desc",
        "updated_datetime:asc",
        "updated_datetime:desc",
    ];
    check("/api/tickets", &both, 17, &all(ObjectKind::Tickets)).await;
    check("/api/customers", &both, 23, &all(ObjectKind::Customers)).await;
    check("/api/messages", CREATED, 100, &all(ObjectKind::Messages)).await;
    check(
        "/api/events",
        &[
            "created_datetime:asc",
            "created_datetime:desc",
            "created_datetime",
        ],
        41,
        &all(ObjectKind::Events),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_objects() {
    check(
        "/api/integrations",
        CREATED,
        2,
        &all(ObjectKind::Integrations),
    )
    .await;
    check("/api/jobs", CREATED, 3, &all(ObjectKind::Jobs)).await;
    check("/api/rules", CREATED, 2, &all(ObjectKind::Rules)).await;
    check(
        "/api/satisfaction-surveys",
        CREATED,
        4,
        &all(ObjectKind::SatisfactionSurveys),
    )
    .await;
    check(
        "/api/teams",
        &[
            "created_datetime:asc",
            "created_datetime:desc",
            "name:asc",
            "name:desc",
        ],
        1,
        &all(ObjectKind::Teams),
    )
    .await;
    check(
        "/api/widgets",
        &[
            "created_datetime:asc",
            "created_datetime:desc",
            "order:asc",
            "order:desc",
        ],
        2,
        &all(ObjectKind::Widgets),
    )
    .await;
    check("/api/views", CREATED, 3, &all(ObjectKind::Views)).await;
    let users = [
        "created_datetime:asc",
        "created_datetime:desc",
        "name:asc",
        "name:desc",
        "email:asc",
        "email:desc",
        "role.name:asc",
        "role.name:desc",
    ];
    check("/api/users", &users, 3, &all(ObjectKind::Users)).await;
    let tags = [
        "created_datetime:asc",
        "created_datetime:desc",
        "name:asc",
        "name:desc",
        "usage:asc,name:asc",
        "usage:desc,name:desc",
        "name",
        "created_datetime",
        "usage",
    ];
    check("/api/tags", &tags, 4, &all(ObjectKind::Tags)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn macros_and_custom_fields_apply_default_filters() {
    let mut orders = Vec::new();
    for a in [
        "name",
        "created_datetime",
        "updated_datetime",
        "usage",
        "language",
    ] {
        orders.push(format!("{a}:asc"));
        orders.push(format!("{a}:desc"));
        orders.push(a.to_owned());
    }
    let orders: Vec<&str> = orders.iter().map(String::as_str).collect();
    let active = where_(ObjectKind::Macros, |m| m["archived_datetime"].is_null());
    check("/api/macros", &orders, 4, &active).await;
    check(
        "/api/macros?ticket_id=1",
        &["relevance:desc", "relevance:asc"],
        4,
        &active,
    )
    .await;
    let archived = where_(ObjectKind::Macros, |m| !m["archived_datetime"].is_null());
    if !archived.is_empty() {
        check("/api/macros?archived=true", &["name:asc"], 4, &archived).await;
    }
    // Custom fields list deactivated ones too unless `archived` is sent, priority descending
    // by default (recorded: Nango test custom-fields).
    for ot in ["Ticket", "Customer"] {
        let every = where_(ObjectKind::CustomFields, |f| f["object_type"] == ot);
        check(
            &format!("/api/custom-fields?object_type={ot}"),
            &["priority:asc", "priority:desc"],
            1,
            &every,
        )
        .await;
        let active = where_(ObjectKind::CustomFields, |f| {
            f["object_type"] == ot && f["deactivated_datetime"].is_null()
        });
        check(
            &format!("/api/custom-fields?object_type={ot}&archived=false"),
            &["priority:desc"],
            2,
            &active,
        )
        .await;
        let sb = shared();
        let v = get(
            sb,
            &sb.accounts()[0],
            &format!("/api/custom-fields?object_type={ot}"),
        )
        .await;
        check_order(
            v["data"].as_array().unwrap(),
            "priority:desc",
            "custom fields default",
        );
    }
    let deactivated = where_(ObjectKind::CustomFields, |f| {
        !f["deactivated_datetime"].is_null()
    });
    assert!(
        !deactivated.is_empty(),
        "seeded data has deactivated custom fields"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_items_and_ticket_messages() {
    let sb = shared();
    let creds = &sb.accounts()[0];
    let views = walk(sb, creds, "/api/views?limit=100").await;
    let everything = views.iter().find(|v| v["slug"] == "everything").unwrap()["id"]
        .as_i64()
        .unwrap();
    let orders: Vec<String> = [
        "created_datetime",
        "updated_datetime",
        "last_message_datetime",
        "last_received_message_datetime",
        "closed_datetime",
        "snooze_datetime",
        "priority",
    ]
    .iter()
    .flat_map(|a| [format!("{a}:asc"), format!("{a}:desc")])
    .collect();
    let orders: Vec<&str> = orders.iter().map(String::as_str).collect();
    check(
        &format!("/api/views/{everything}/items"),
        &orders,
        19,
        &all(ObjectKind::Tickets),
    )
    .await;
    // The system view "All" lists open tickets, by last message, newest first, nulls last
    // (recorded: Nango tests list-views, list-view-items).
    let open = where_(ObjectKind::Tickets, |t| t["status"] == "open");
    let all_view = views.iter().find(|v| v["slug"] == "all").unwrap()["id"]
        .as_i64()
        .unwrap();
    check(
        &format!("/api/views/{all_view}/items"),
        &["updated_datetime:desc"],
        9,
        &open,
    )
    .await;
    let v = get(sb, creds, &format!("/api/views/{all_view}/items")).await;
    check_order(
        v["data"].as_array().unwrap(),
        "last_message_datetime:desc",
        "view default order",
    );
    // Items of the customer-list view are customers (NangoHQ list-view-items pitfalls).
    let customers_view = views.iter().find(|v| v["type"] == "customer-list").unwrap()["id"]
        .as_i64()
        .unwrap();
    check(
        &format!("/api/views/{customers_view}/items"),
        &["created_datetime:asc", "updated_datetime:desc"],
        13,
        &all(ObjectKind::Customers),
    )
    .await;
    // Per-ticket messages (deprecated): offset pages, oldest first (recorded: Nango test
    // list-ticket-messages).
    let ticket = sb.all_ids("acme", ObjectKind::Tickets).unwrap()[5];
    let msgs = where_(ObjectKind::Messages, |m| m["ticket_id"] == ticket);
    let mut got = Vec::new();
    for page in 1.. {
        let v = get(
            sb,
            creds,
            &format!("/api/tickets/{ticket}/messages?per_page=1&page={page}"),
        )
        .await;
        assert_eq!(v["meta"]["page"], page);
        assert_eq!(v["meta"]["item_count"], msgs.len());
        got.extend(v["data"].as_array().unwrap().iter().cloned());
        if page >= v["meta"]["nb_pages"].as_i64().unwrap() {
            break;
        }
    }
    assert_eq!(ids(&got).into_iter().collect::<BTreeSet<_>>(), msgs);
    check_order(&got, "created_datetime:asc", "per-ticket default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn default_orders_and_limits() {
    let sb = shared();
    let creds = &sb.accounts()[0];
    let t = get(sb, creds, "/api/tickets").await;
    assert_eq!(t["data"].as_array().unwrap().len(), 30, "default limit 30");
    check_order(
        t["data"].as_array().unwrap(),
        "created_datetime:desc",
        "tickets default",
    );
    let r = get(sb, creds, "/api/rules").await;
    assert_eq!(
        r["data"].as_array().unwrap().len(),
        sb.record_count("acme", ObjectKind::Rules).unwrap().min(100)
    );
    let u = get(sb, creds, "/api/users").await;
    check_order(u["data"].as_array().unwrap(), "name:asc", "users default");
    let m = get(sb, creds, "/api/macros").await;
    check_order(
        m["data"].as_array().unwrap(),
        "usage:desc",
        "macros default",
    );
    // Views come newest first (id descending) (recorded: Nango test list-views).
    let v = get(sb, creds, "/api/views").await;
    let vids = ids(v["data"].as_array().unwrap());
    assert!(
        vids.windows(2).all(|w| w[0] > w[1]),
        "views default to id descending"
    );
    let p = get(sb, creds, "/api/tickets?limit=100").await;
    assert_eq!(p["data"].as_array().unwrap().len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prev_cursor_walks_back() {
    let sb = shared();
    let creds = &sb.accounts()[0];
    let p1 = get(
        sb,
        creds,
        "/api/tickets?limit=10&order_by=updated_datetime:desc",
    )
    .await;
    let next = p1["meta"]["next_cursor"].as_str().unwrap();
    let p2 = get(
        sb,
        creds,
        &format!(
            "/api/tickets?limit=10&order_by=updated_datetime:desc&cursor={}",
            crate::common::urlencode(next)
        ),
    )
    .await;
    let prev = p2["meta"]["prev_cursor"].as_str().unwrap();
    // Cursors carry no ordering, so `order_by` is resent with them (recorded: Nango test
    // events sends `order_by`, `limit` and `cursor`).
    let back = get(
        sb,
        creds,
        &format!(
            "/api/tickets?limit=10&order_by=updated_datetime:desc&cursor={}",
            crate::common::urlencode(prev)
        ),
    )
    .await;
    assert_eq!(
        ids(back["data"].as_array().unwrap()),
        ids(p1["data"].as_array().unwrap())
    );
    assert!(back["meta"]["prev_cursor"].is_null());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walk_is_consistent_while_records_change() {
    use crate::common::{start, urlencode};
    let sb = start(
        gorgias_sandbox::SandboxOptions::default()
            .seed(5)
            .sizes(crate::common::small())
            .without_rate_limit(),
    )
    .await;
    let creds = &sb.accounts()[0];
    let total: BTreeSet<i64> = sb
        .all_ids("acme", ObjectKind::Tickets)
        .unwrap()
        .into_iter()
        .collect();
    let mut seen = Vec::new();
    let mut touched = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!(
                "/api/tickets?limit=10&order_by=created_datetime:asc&cursor={}",
                urlencode(c)
            ),
            None => "/api/tickets?limit=10&order_by=created_datetime:asc".to_owned(),
        };
        let v = get(&sb, creds, &url).await;
        seen.extend(ids(v["data"].as_array().unwrap()));
        // Updates during the walk do not disturb a created_datetime walk.
        touched.extend(sb.touch("acme", ObjectKind::Tickets, 3).unwrap());
        match v["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: BTreeSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len());
    assert_eq!(unique, total);
    assert!(!touched.is_empty());
    // An updated_datetime:asc walk sees touched records again only because they moved.
    let records = walk(
        &sb,
        creds,
        "/api/tickets?limit=25&order_by=updated_datetime:desc",
    )
    .await;
    let first: Vec<i64> = ids(&records[..3]);
    let last_touched = sb.touch("acme", ObjectKind::Tickets, 1).unwrap()[0];
    let v = get(
        &sb,
        creds,
        "/api/tickets?limit=1&order_by=updated_datetime:desc",
    )
    .await;
    assert_eq!(ids(v["data"].as_array().unwrap()), vec![last_touched]);
    assert_eq!(first.len(), 3);
    sb.shutdown().await;
}
