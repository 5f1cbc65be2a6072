//! End-to-end tests of `customers` (stream and actions) against the sandbox.

use std::collections::HashSet;

use connector_sdk::cursor::parse_datetime;
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::{Value, json};

use crate::common::{self, Env, assert_records_valid, future_state, read, run};

async fn start() -> Env {
    common::start_with(common::sized(DataSizes::scaled(40))).await
}

/// A connector to the same account reading `page_size` records a page.
fn paged(env: &Env, page_size: u32) -> Box<dyn Connector> {
    let mut config = common::config(&env.sandbox, 0, false);
    config["page_size"] = json!(page_size);
    common::definition()
        .connect(&config)
        .expect("config is valid")
}

async fn error(c: &dyn Connector, action: &str, input: Value) -> Error {
    match c.run_action(action, input).await {
        Ok(out) => panic!("{action} succeeded: {out}"),
        Err(e) => e,
    }
}

#[tokio::test]
async fn customers_read_fully_and_incrementally() {
    let env = start().await;
    let c = paged(&env, 7);
    let c = c.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let total = env
        .sandbox
        .record_count(&sub, ObjectKind::Customers)
        .expect("count");

    let full = read(c, "customers", ReadRequest::full_refresh()).await;
    assert_eq!(full.records.len(), total);
    assert_records_valid(c, "customers", &full.records);
    assert_eq!(full.ids().into_iter().collect::<HashSet<_>>().len(), total);

    let first = read(c, "customers", ReadRequest::incremental(None)).await;
    assert_eq!(first.records.len(), total);
    let state = first.last_state();
    let bookmark = parse_datetime(state["cursor"].as_str().expect("cursor")).expect("datetime");

    let touched = env
        .sandbox
        .touch(&sub, ObjectKind::Customers, 3)
        .expect("touch");
    let second = read(c, "customers", ReadRequest::incremental(Some(state))).await;
    assert_records_valid(c, "customers", &second.records);
    let ids: HashSet<i64> = second.ids().into_iter().collect();
    assert!(
        touched.iter().all(|t| ids.contains(t)),
        "touched {touched:?}, read {ids:?}"
    );
    assert!(
        second.records.len() < total,
        "an incremental read stops at the bookmark"
    );
    for r in &second.records {
        let t = parse_datetime(r["updated_datetime"].as_str().expect("updated_datetime"))
            .expect("datetime");
        assert!(
            t >= bookmark,
            "record {} is older than the bookmark",
            r["id"]
        );
    }
    let newer =
        parse_datetime(second.last_state()["cursor"].as_str().expect("cursor")).expect("datetime");
    assert!(newer > bookmark);

    let none = read(
        c,
        "customers",
        ReadRequest::incremental(Some(future_state())),
    )
    .await;
    assert!(none.records.is_empty());
}

#[tokio::test]
async fn customer_crud_and_conflicts() {
    let env = start().await;
    let c = env.connector.as_ref();

    let created = run(
        c,
        "create_customer",
        json!({"name": "Ada Lovelace", "email": "ada@example.org", "language": "en",
               "channels": [{"type": "phone", "address": "+33100000000"}]}),
    )
    .await;
    let id = created["id"].as_i64().expect("id");
    assert_eq!(created["email"], "ada@example.org");
    let got = run(c, "get_customer", json!({"id": id})).await;
    assert_eq!(got["name"], "Ada Lovelace");

    // 409: the email is taken.
    let dup = error(c, "create_customer", json!({"email": "ada@example.org"})).await;
    assert!(matches!(dup, Error::Conflict { .. }), "{dup:?}");

    let updated = run(
        c,
        "update_customer",
        json!({"id": id, "note": "VIP", "external_id": null}),
    )
    .await;
    assert_eq!(updated["note"], "VIP");
    let full = read(c, "customers", ReadRequest::full_refresh()).await;
    let seen = full
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("created customer is listed");
    assert_eq!(seen["note"], "VIP");

    let ack = run(
        c,
        "set_customer_data",
        json!({"id": id, "data": {"tier": "gold"}, "version": "2026-01-01T00:00:00Z"}),
    )
    .await;
    // 200 with an empty body (recorded: Nango test set-customer-data).
    assert_eq!(ack["status"], 200);
    // An older version is ignored.
    run(
        c,
        "set_customer_data",
        json!({"id": id, "data": {"tier": "old"}, "version": "2025-01-01T00:00:00Z"}),
    )
    .await;
    let got = run(c, "get_customer", json!({"id": id})).await;
    assert_eq!(got["data"], json!({"tier": "gold"}));

    run(c, "delete_customer", json!({"id": id})).await;
    let gone = error(c, "get_customer", json!({"id": id})).await;
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    let again = error(c, "delete_customer", json!({"id": id})).await;
    assert!(matches!(again, Error::NotFound { .. }), "{again:?}");
}

#[tokio::test]
async fn customers_bulk_delete_and_merge() {
    let env = start().await;
    let c = env.connector.as_ref();
    let mut ids = Vec::new();
    for n in 0..4 {
        let out = run(
            c,
            "create_customer",
            json!({"email": format!("bulk{n}@example.org"), "name": format!("Bulk {n}")}),
        )
        .await;
        ids.push(out["id"].as_i64().expect("id"));
    }

    let ack = run(c, "delete_customers", json!({"ids": [ids[0], ids[1]]})).await;
    assert_eq!(ack["ok"], true);
    for id in &ids[..2] {
        let gone = error(c, "get_customer", json!({"id": id})).await;
        assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    }

    let (source, target) = (ids[2], ids[3]);
    let merged = run(
        c,
        "merge_customers",
        json!({"source_id": source, "target_id": target, "note": "merged"}),
    )
    .await;
    assert_eq!(merged["id"], json!(target));
    // The answer is the target as it was: Gorgias ignored the body's fields (recorded: Nango
    // test merge-customers).
    assert_ne!(merged["note"], "merged");
    let gone = error(c, "get_customer", json!({"id": source})).await;
    assert!(matches!(gone, Error::NotFound { .. }), "{gone:?}");
    // Not idempotent: the source no longer exists.
    let again = error(
        c,
        "merge_customers",
        json!({"source_id": source, "target_id": target}),
    )
    .await;
    assert!(matches!(again, Error::NotFound { .. }), "{again:?}");
}

#[tokio::test]
async fn customer_custom_field_values() {
    let env = start().await;
    let c = env.connector.as_ref();
    let fields = read(c, "custom_fields", ReadRequest::full_refresh()).await;
    let customer_fields: Vec<&Value> = fields
        .records
        .iter()
        .filter(|f| f["object_type"] == "Customer")
        .collect();
    let text = customer_fields
        .iter()
        .find(|f| {
            f["definition"]["data_type"] == "text" || f["definition"]["data_type"] == "dropdown"
        })
        .expect("a customer text field");
    let number = customer_fields
        .iter()
        .find(|f| f["definition"]["data_type"] == "number")
        .expect("a customer number field");
    let customer = run(c, "create_customer", json!({"email": "fields@example.org"})).await;
    let id = customer["id"].as_i64().expect("id");

    let set = run(
        c,
        "set_customer_custom_field_values",
        json!({"id": id, "values": [{"id": text["id"], "value": "Option A"}]}),
    )
    .await;
    // The values sent, each with a definition lacking `requirement_type` and no `prediction`
    // (recorded: Nango test update-customer-custom-field-values).
    let entry = &set["data"][0];
    assert_eq!(
        (&entry["field"]["id"], &entry["value"]),
        (&text["id"], &json!("Option A"))
    );
    assert!(entry.get("prediction").is_none() && entry["field"].get("requirement_type").is_none());
    let values = run(c, "list_customer_custom_field_values", json!({"id": id})).await;
    let data = values["data"].as_array().expect("data");
    let found = data
        .iter()
        // Items are `{field: {id, ..}, value}` (recorded: Nango test
        // list-customer-custom-field-values).
        .find(|v| v["field"]["id"] == text["id"])
        .expect("the value is listed");
    assert_eq!(found["value"], "Option A");

    // 400: a string for a number field.
    let refused = error(
        c,
        "set_customer_custom_field_values",
        json!({"id": id, "values": [{"id": number["id"], "value": "many"}]}),
    )
    .await;
    assert!(
        matches!(refused, Error::Upstream { status: 400, .. }),
        "{refused:?}"
    );

    // One value at a time: set, shown on the customer as `{value, id}` (recorded: Nango test
    // customers), cleared by null, deleted (204).
    let one = run(
        c,
        "set_customer_custom_field_value",
        json!({"customer_id": id, "id": number["id"], "value": 12}),
    )
    .await;
    assert_eq!(one["status"], 200);
    let got = run(c, "get_customer", json!({"id": id})).await;
    let key = number["id"].to_string();
    assert_eq!(
        got["custom_fields"][&key],
        json!({"value": 12, "id": number["id"]})
    );
    assert_eq!(
        got["custom_fields"][text["id"].to_string()]["value"],
        "Option A"
    );
    run(
        c,
        "set_customer_custom_field_value",
        json!({"customer_id": id, "id": number["id"], "value": null}),
    )
    .await;
    let got = run(c, "get_customer", json!({"id": id})).await;
    assert!(got["custom_fields"].get(&key).is_none(), "{got}");
    let deleted = run(
        c,
        "delete_customer_custom_field_value",
        json!({"customer_id": id, "id": text["id"]}),
    )
    .await;
    assert_eq!(deleted["status"], 204);
    let values = run(c, "list_customer_custom_field_values", json!({"id": id})).await;
    assert_eq!(values["data"], json!([]), "{values}");
    let bad = error(
        c,
        "delete_customer_custom_field_value",
        json!({"customer_id": id, "id": -3}),
    )
    .await;
    assert!(matches!(bad, Error::InvalidInput { .. }), "{bad:?}");
}

/// `find_customer_by_email` is `list_customers` with `email` then `list_tickets` with the
/// customer's id, most recently updated first, in 2 requests; no customer is `null` after 1
/// request; invalid inputs send nothing.
#[tokio::test]
async fn find_customer_by_email_is_the_customer_and_their_latest_tickets() {
    let env = start().await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let requests = || env.sandbox.stats().account(&sub).total_requests;
    // The customer with the most tickets.
    let tickets = read(c, "tickets", ReadRequest::full_refresh()).await;
    let mut per_customer: std::collections::BTreeMap<i64, usize> = Default::default();
    for t in &tickets.records {
        if let Some(id) = t["customer"]["id"].as_i64() {
            *per_customer.entry(id).or_default() += 1;
        }
    }
    let (&customer_id, &n) = per_customer
        .iter()
        .max_by_key(|(_, n)| **n)
        .expect("tickets with customers");
    assert!(n >= 2, "no customer with two tickets: {per_customer:?}");
    let customer = run(c, "get_customer", json!({"id": customer_id})).await;
    let email = customer["email"].as_str().expect("an email").to_string();

    env.sandbox.reset_stats();
    let out = run(
        c,
        "find_customer_by_email",
        json!({"email": email.to_uppercase(), "tickets_limit": 1}),
    )
    .await;
    assert_eq!(requests(), 2, "documented: 2 requests");
    let listed = run(
        c,
        "list_customers",
        json!({"email": email.to_uppercase(), "limit": 10}),
    )
    .await;
    assert_eq!(out["customer"], listed["data"][0], "{out}");
    assert_eq!(out["customer"]["id"], json!(customer_id));
    assert_eq!(out["other_matches"], json!([]));
    assert_eq!(out["more_matches"], false);
    let expected = run(
        c,
        "list_tickets",
        json!({"customer_id": customer_id, "limit": 1, "order_by": "updated_datetime:desc"}),
    )
    .await;
    assert_eq!(out["tickets"], expected);
    assert!(out["tickets"]["next_cursor"].is_string(), "{out}");
    // The default: 10 tickets, all the customer's, most recently updated first.
    let all = run(c, "find_customer_by_email", json!({"email": email})).await;
    let data = all["tickets"]["data"].as_array().expect("data");
    assert_eq!(data.len(), n.min(10), "{all}");
    assert!(
        data.iter()
            .all(|t| t["customer"]["id"] == json!(customer_id))
    );
    let updated: Vec<_> = data
        .iter()
        .map(|t| {
            parse_datetime(t["updated_datetime"].as_str().expect("updated")).expect("datetime")
        })
        .collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "{updated:?}");

    env.sandbox.reset_stats();
    let none = run(
        c,
        "find_customer_by_email",
        json!({"email": "nobody-at-all@example.com"}),
    )
    .await;
    assert_eq!(requests(), 1, "no customer: no second request");
    assert_eq!(
        none,
        json!({"customer": null, "other_matches": [], "more_matches": false, "tickets": {"data": [], "next_cursor": null}})
    );

    env.sandbox.reset_stats();
    for (bad, field) in [
        (json!({}), "email"),
        (json!({"email": "not an email"}), "email"),
        (json!({"email": email, "tickets_limit": 0}), "tickets_limit"),
        (
            json!({"email": email, "tickets_limit": 101}),
            "tickets_limit",
        ),
        (json!({"email": email, "customer_id": 1}), "customer_id"),
    ] {
        let e = error(c, "find_customer_by_email", bad.clone()).await;
        assert!(
            matches!(&e, Error::InvalidInput { action, .. } if action == "find_customer_by_email"),
            "{bad}: {e}"
        );
        assert!(e.to_string().contains(field), "{bad}: {e}");
    }
    assert_eq!(requests(), 0, "a refused input sent a request");
}
