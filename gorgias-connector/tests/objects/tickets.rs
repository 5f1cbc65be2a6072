//! End-to-end tests of `tickets` against the sandbox: full and incremental reads, every ticket
//! action, bad credentials, 429s and an unknown subdomain. Also holds [`support`], the stream
//! checks the other object modules of this binary share.

use std::time::Duration;

use connector_sdk::{ConnectorExt, DefinitionExt, Error, ReadRequest};
use futures::StreamExt;
use gorgias_sandbox::{DataSizes, ObjectKind, RateLimitOptions};
use serde_json::{Value, json};

use crate::common;
use support::{connect, sub};

/// Stream checks shared by the object test modules (candidates for `common.rs`).
pub mod support {
    use connector_sdk::{Connector, DefinitionExt, ReadRequest};
    use gorgias_sandbox::{ObjectKind, SandboxHandle};
    use serde_json::{Value, json};

    use crate::common;

    /// The first account's subdomain.
    pub fn sub(sandbox: &SandboxHandle) -> String {
        sandbox.accounts()[0].subdomain.clone()
    }

    /// A connector to the first account reading `page_size` records per request.
    pub fn connect(sandbox: &SandboxHandle, page_size: u32) -> Box<dyn Connector> {
        let mut config = common::config(sandbox, 0, false);
        config["page_size"] = json!(page_size);
        common::definition()
            .connect(&config)
            .expect("config is valid")
    }

    fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
        ids.sort_unstable();
        ids
    }

    fn cursor(state: &Value) -> String {
        state["cursor"]
            .as_str()
            .unwrap_or_else(|| panic!("state without a cursor: {state}"))
            .to_string()
    }

    /// Reads `stream` fully and incrementally against the records of `kind`:
    ///
    /// * a full refresh returns every record once, each valid against the stream's schema;
    /// * a first incremental read returns the same records and a cursor;
    /// * after `change` (which inserts or touches records and returns their ids), a second
    ///   incremental read returns them (plus at most the record at the bookmark), and a sorted
    ///   feed (`feed`) spends at most ceil(k / page) + 1 requests;
    /// * a state from the future returns nothing.
    pub async fn check_stream(
        sandbox: &SandboxHandle,
        stream: &str,
        kind: ObjectKind,
        page: u32,
        feed: bool,
        change: impl FnOnce(&SandboxHandle, &str) -> Vec<i64>,
    ) {
        let sub = sub(sandbox);
        let c = connect(sandbox, page);
        let all = sorted(sandbox.all_ids(&sub, kind).expect("account exists"));
        assert!(!all.is_empty(), "{stream}: the sandbox has no records");

        let full = common::read(c.as_ref(), stream, ReadRequest::full_refresh()).await;
        common::assert_records_valid(c.as_ref(), stream, &full.records);
        assert_eq!(
            sorted(full.ids()),
            all,
            "{stream}: a full refresh returns every record once"
        );

        let first = common::read(c.as_ref(), stream, ReadRequest::incremental(None)).await;
        common::assert_records_valid(c.as_ref(), stream, &first.records);
        assert_eq!(
            sorted(first.ids()),
            all,
            "{stream}: a first incremental read returns every record once"
        );
        let first_cursor = cursor(&first.last_state());

        let changed = change(sandbox, &sub);
        let k = changed.len();
        assert!(k > 0);
        sandbox.reset_stats();
        let second = common::read(
            c.as_ref(),
            stream,
            ReadRequest::incremental(Some(first.last_state())),
        )
        .await;
        let requests = sandbox.stats().account(&sub).total_requests;
        common::assert_records_valid(c.as_ref(), stream, &second.records);
        let got = second.ids();
        for id in &changed {
            assert!(
                got.contains(id),
                "{stream}: changed record {id} not returned by the incremental read ({got:?})"
            );
        }
        assert!(
            got.len() <= k + 1,
            "{stream}: {} records returned for {k} changes",
            got.len()
        );
        if feed {
            let bound = k.div_ceil(page as usize) as u64 + 1;
            assert!(
                requests <= bound,
                "{stream}: {requests} requests for {k} changes at {page} a page (at most {bound})"
            );
        }
        assert!(
            cursor(&second.last_state()) >= first_cursor,
            "{stream}: the cursor went back"
        );

        let future = common::read(
            c.as_ref(),
            stream,
            ReadRequest::incremental(Some(common::future_state())),
        )
        .await;
        assert!(
            future.records.is_empty(),
            "{stream}: a state from the future returned {} records",
            future.records.len()
        );
    }

    /// `n` records of `kind` inserted now.
    pub fn insert(sandbox: &SandboxHandle, sub: &str, kind: ObjectKind, n: usize) -> Vec<i64> {
        (0..n)
            .map(|_| sandbox.insert(sub, kind).expect("insert"))
            .collect()
    }

    /// Whether a read of `stream` returns a record with this id.
    pub async fn listed(connector: &dyn Connector, stream: &str, id: i64) -> bool {
        common::read(connector, stream, ReadRequest::full_refresh())
            .await
            .ids()
            .contains(&id)
    }

    /// The id of an action output that is a record.
    pub fn id_of(record: &Value) -> i64 {
        record["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {record}"))
    }
}

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(40))
}

#[tokio::test]
async fn tickets_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(
        &env.sandbox,
        "tickets",
        ObjectKind::Tickets,
        2,
        true,
        |s, sub| s.touch(sub, ObjectKind::Tickets, 3).expect("touch"),
    )
    .await;
}

#[tokio::test]
async fn ticket_crud_round_trips() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = common::run(
        c,
        "create_ticket",
        json!({
            "channel": "email", "via": "api", "subject": "Where is my order?",
            "messages": [{"channel": "email", "via": "api", "from_agent": false,
                          "sender": {"email": "e2e-buyer@example.com"}, "body_text": "It has not arrived."}],
        }),
    )
    .await;
    let id = support::id_of(&created);
    assert!(
        support::listed(c, "tickets", id).await,
        "a created ticket is listed"
    );

    let got = common::run(c, "get_ticket", json!({"id": id})).await;
    assert_eq!(got["subject"], "Where is my order?");

    let updated = common::run(
        c,
        "update_ticket",
        json!({"id": id, "status": "closed", "priority": "high"}),
    )
    .await;
    assert_eq!(
        (updated["status"].as_str(), updated["priority"].as_str()),
        (Some("closed"), Some("high"))
    );
    assert_eq!(
        common::run(c, "get_ticket", json!({"id": id})).await["status"],
        "closed"
    );

    let deleted = common::run(c, "delete_ticket", json!({"id": id})).await;
    assert_eq!(deleted["ok"], true);
    let gone = c
        .run_action("get_ticket", json!({"id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(
        !support::listed(c, "tickets", id).await,
        "a deleted ticket is not listed"
    );
}

/// The structured parts of a ticket input (customer by email, tags by name, a message's sender,
/// receiver and routing) reach Gorgias as given; malformed ones are refused naming the field.
#[tokio::test]
async fn ticket_inputs_with_customer_tags_and_routing() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = common::run(
        c,
        "create_ticket",
        json!({
            "channel": "email", "via": "api", "subject": "Damaged parcel",
            "customer": {"email": "routing-buyer@example.com", "name": "Routing Buyer"},
            "tags": [{"name": "damaged"}],
            "assignee_user": null,
            "messages": [{
                "channel": "email", "via": "api", "from_agent": false,
                "sender": {"email": "routing-buyer@example.com"},
                "source": {"type": "email", "from": {"address": "routing-buyer@example.com", "name": "Routing Buyer"},
                           "to": [{"address": "support@acme.example.com"}]},
                "body_text": "The box was crushed.",
            }],
        }),
    )
    .await;
    let id = support::id_of(&created);
    let got = common::run(c, "get_ticket", json!({"id": id})).await;
    assert_eq!(
        got["customer"]["email"], "routing-buyer@example.com",
        "{got}"
    );
    let tags: Vec<&str> = got["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, ["damaged"], "{got}");

    let bad: Vec<(&str, Value, &str)> = vec![
        ("empty customer", json!({"customer": {}}), "customer"),
        (
            "customer by phone",
            json!({"customer": {"phone": "+1"}}),
            "customer",
        ),
        (
            "customer email not an email",
            json!({"customer": {"email": "nope"}}),
            "customer.email",
        ),
        ("tag without id or name", json!({"tags": [{}]}), "tags"),
        ("tag by label", json!({"tags": [{"label": "x"}]}), "tags"),
        (
            "assignee without id",
            json!({"assignee_user": {"email": "a@b.co"}}),
            "assignee_user",
        ),
        (
            "message sender empty",
            json!({"messages": [{"channel": "email", "via": "api", "from_agent": true, "sender": {}}]}),
            "messages",
        ),
        (
            "message source to not a list",
            json!({"messages": [{"channel": "email", "via": "api", "from_agent": true, "source": {"to": "x@y.z"}}]}),
            "messages",
        ),
    ];
    let before = env.sandbox.stats().account("acme").total_requests;
    for (what, patch, field) in bad {
        let mut input = json!({"channel": "email", "via": "api",
            "messages": [{"channel": "email", "via": "api", "from_agent": true, "body_text": "x"}]});
        if let (Some(i), Some(p)) = (input.as_object_mut(), patch.as_object()) {
            i.extend(p.clone());
        }
        let e = c.run_action("create_ticket", input).await.expect_err(what);
        assert!(matches!(e, Error::InvalidInput { .. }), "{what}: {e:?}");
        assert!(e.to_string().contains(field), "{what}: {e}");
    }
    assert_eq!(
        env.sandbox.stats().account("acme").total_requests,
        before,
        "a refused input sent a request"
    );
}

#[tokio::test]
async fn ticket_tags_are_added_replaced_and_removed() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let ticket = env
        .sandbox
        .all_ids(&sub(&env.sandbox), ObjectKind::Tickets)
        .expect("ids")[0];
    let names = |out: &serde_json::Value| -> Vec<String> {
        out["data"]
            .as_array()
            .expect("data")
            .iter()
            .filter_map(|t| t["name"].as_str().map(str::to_string))
            .collect()
    };

    let before = common::run(c, "list_ticket_tags", json!({"ticket_id": ticket})).await;
    let added = common::run(
        c,
        "add_ticket_tags",
        json!({"ticket_id": ticket, "names": ["e2e-added"]}),
    )
    .await;
    assert_eq!(added["ok"], true);
    let after_add = names(&common::run(c, "list_ticket_tags", json!({"ticket_id": ticket})).await);
    assert!(after_add.contains(&"e2e-added".to_string()));
    assert_eq!(
        after_add.len(),
        names(&before).len() + 1,
        "adding keeps the other tags"
    );

    common::run(
        c,
        "replace_ticket_tags",
        json!({"ticket_id": ticket, "names": ["e2e-only"]}),
    )
    .await;
    assert_eq!(
        names(&common::run(c, "list_ticket_tags", json!({"ticket_id": ticket})).await),
        vec!["e2e-only"]
    );

    common::run(
        c,
        "remove_ticket_tags",
        json!({"ticket_id": ticket, "names": ["e2e-only"]}),
    )
    .await;
    assert!(
        names(&common::run(c, "list_ticket_tags", json!({"ticket_id": ticket})).await).is_empty()
    );
    let ticket_record = common::run(c, "get_ticket", json!({"id": ticket})).await;
    assert_eq!(
        ticket_record["tags"],
        json!([]),
        "the ticket itself shows the change"
    );
}

#[tokio::test]
async fn bad_credentials_are_auth_rejected() {
    let env = common::start_with(small()).await;
    let mut config = common::config(&env.sandbox, 0, false);
    config["auth"]["api_key"] = json!("not-the-key");
    let c = common::definition()
        .connect(&config)
        .expect("config is valid");
    let e = c.check().await.expect_err("bad key");
    assert!(matches!(e, Error::AuthRejected { .. }), "{e}");
    let mut s = c
        .read_stream("tickets", ReadRequest::full_refresh())
        .expect("stream");
    let first = s.next().await.expect("an item");
    assert!(
        matches!(first, Err(Error::AuthRejected { .. })),
        "{first:?}"
    );

    let mut config = common::config(&env.sandbox, 0, true);
    config["auth"]["token"] = json!("not-a-token");
    let c = common::definition()
        .connect(&config)
        .expect("config is valid");
    let e = c
        .run_action("get_ticket", json!({"id": 1}))
        .await
        .expect_err("bad token");
    assert!(matches!(e, Error::AuthRejected { .. }), "{e}");
}

#[tokio::test]
async fn rate_limited_reads_wait_and_complete() {
    // 40 requests per 2 s: a read of 51 pages at full speed overflows the bucket once and waits
    // the sandbox's Retry-after (1 s) before finishing.
    let options = common::sized(DataSizes::scaled(50))
        .rate_limit(RateLimitOptions::with_window(Duration::from_secs(2)));
    let env = common::start_with(options).await;
    let sub = sub(&env.sandbox);
    let c = connect(&env.sandbox, 1);
    let read = common::read(c.as_ref(), "tickets", ReadRequest::full_refresh()).await;
    assert_eq!(
        read.records.len(),
        env.sandbox
            .record_count(&sub, ObjectKind::Tickets)
            .expect("count")
    );
    let stats = env.sandbox.stats().account(&sub);
    assert!(
        stats.rate_limited >= 1,
        "the read was never rate limited: {stats:?}"
    );
}

/// A loopback proxy to `target` that rewrites the `Host` header of the first request of each
/// connection to `host` (the sandbox routes `<sub>.localhost` hosts to accounts).
fn host_proxy(target: std::net::SocketAddr, host: &'static str) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut chunk = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match client.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&chunk[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let rewritten: Vec<String> = text
                    .split("\r\n")
                    .map(|line| {
                        if line.to_ascii_lowercase().starts_with("host:") {
                            format!("host: {host}")
                        } else {
                            line.to_string()
                        }
                    })
                    .collect();
                let Ok(mut upstream) = std::net::TcpStream::connect(target) else {
                    return;
                };
                if upstream
                    .write_all(rewritten.join("\r\n").as_bytes())
                    .is_err()
                {
                    return;
                }
                let (Ok(mut up), Ok(mut down)) = (upstream.try_clone(), client.try_clone()) else {
                    return;
                };
                std::thread::spawn(move || std::io::copy(&mut down, &mut up));
                let _ = std::io::copy(&mut upstream, &mut client);
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_unknown_subdomain_is_named() {
    let env = common::start_with(small()).await;
    let proxy = host_proxy(env.sandbox.addr(), "nosuchshop.localhost");
    let mut config = common::config(&env.sandbox, 0, false);
    config["subdomain"] = json!("nosuchshop");
    config["base_url"] = json!(format!("http://{proxy}"));
    let c = common::definition()
        .connect(&config)
        .expect("config is valid");
    let e = c.check().await.expect_err("no such account");
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("no Gorgias account at subdomain nosuchshop"),
        "{e}"
    );
}

/// A custom field definition of `object_type` whose data type is `data_type` (active ones first).
pub async fn custom_field(
    c: &dyn connector_sdk::Connector,
    object_type: &str,
    data_type: &str,
) -> Value {
    let fields = common::read(c, "custom_fields", ReadRequest::full_refresh()).await;
    let mut found: Vec<Value> = fields
        .records
        .into_iter()
        .filter(|f| f["object_type"] == object_type && f["definition"]["data_type"] == data_type)
        .collect();
    found.sort_by_key(|f| !f["deactivated_datetime"].is_null());
    found
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {object_type} {data_type} custom field"))
}

#[tokio::test]
async fn ticket_custom_field_values() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let text = custom_field(c, "Ticket", "text").await;
    let flag = custom_field(c, "Ticket", "boolean").await;
    let (text_id, flag_id) = (support::id_of(&text), support::id_of(&flag));
    let ticket = env
        .sandbox
        .all_ids(&sub(&env.sandbox), ObjectKind::Tickets)
        .expect("ids")[1];
    let key = |id: i64| id.to_string();

    // Several at once: the answer is the values sent, each with its definition (recorded:
    // Nango test update-ticket-custom-field-values).
    let set = common::run(
        c,
        "set_ticket_custom_field_values",
        json!({"ticket_id": ticket, "values": [{"id": text_id, "value": "NW-10482"}]}),
    )
    .await;
    let entry = &set["data"][0];
    assert_eq!(
        (&entry["field"]["id"], &entry["value"], &entry["prediction"]),
        (&json!(text_id), &json!("NW-10482"), &json!(null)),
        "{set}"
    );
    assert_eq!(entry["field"]["requirement_type"], text["requirement_type"]);

    // One at a time; the other values stay.
    let one = common::run(
        c,
        "set_ticket_custom_field_value",
        json!({"ticket_id": ticket, "id": flag_id, "value": true}),
    )
    .await;
    assert_eq!(
        (one["ok"].as_bool(), one["status"].as_u64()),
        (Some(true), Some(200))
    );
    let listed = common::run(
        c,
        "list_ticket_custom_field_values",
        json!({"ticket_id": ticket}),
    )
    .await;
    let value_of = |listed: &Value, id: i64| {
        listed["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|e| e["field"]["id"] == json!(id))
            .map(|e| e["value"].clone())
    };
    assert_eq!(
        value_of(&listed, text_id),
        Some(json!("NW-10482")),
        "{listed}"
    );
    assert_eq!(value_of(&listed, flag_id), Some(json!(true)), "{listed}");
    // The ticket carries them as `custom_fields: {"<id>": {id, value}}` (recorded: Nango test
    // update-ticket-custom-field-value).
    let got = common::run(c, "get_ticket", json!({"id": ticket})).await;
    assert_eq!(
        got["custom_fields"][key(text_id)],
        json!({"id": text_id, "value": "NW-10482"})
    );

    // Null clears one value; delete removes another (204).
    common::run(
        c,
        "set_ticket_custom_field_value",
        json!({"ticket_id": ticket, "id": flag_id, "value": null}),
    )
    .await;
    let deleted = common::run(
        c,
        "delete_ticket_custom_field_value",
        json!({"ticket_id": ticket, "id": text_id}),
    )
    .await;
    assert_eq!(deleted["status"], 204);
    let listed = common::run(
        c,
        "list_ticket_custom_field_values",
        json!({"ticket_id": ticket}),
    )
    .await;
    assert_eq!(value_of(&listed, text_id), None, "{listed}");
    assert_eq!(value_of(&listed, flag_id), None, "{listed}");
    let got = common::run(c, "get_ticket", json!({"id": ticket})).await;
    assert!(got["custom_fields"].get(key(text_id)).is_none(), "{got}");

    // Inputs are checked before any request; Gorgias refuses a value of the wrong type.
    env.sandbox.reset_stats();
    for bad in [
        json!({"ticket_id": 0, "id": flag_id, "value": true}),
        json!({"ticket_id": ticket, "id": flag_id, "value": [true]}),
        json!({"ticket_id": ticket, "id": flag_id}),
        json!({"ticket_id": ticket, "id": "7", "value": true}),
    ] {
        let e = c
            .run_action("set_ticket_custom_field_value", bad.clone())
            .await
            .expect_err("refused");
        assert!(matches!(e, Error::InvalidInput { .. }), "{bad}: {e}");
    }
    assert_eq!(
        env.sandbox
            .stats()
            .account(&sub(&env.sandbox))
            .total_requests,
        0
    );
    let e = c
        .run_action(
            "set_ticket_custom_field_values",
            json!({"ticket_id": ticket, "values": [{"id": flag_id, "value": "yes"}]}),
        )
        .await
        .expect_err("a string for a boolean field");
    assert!(matches!(e, Error::Upstream { status: 400, .. }), "{e}");
}

/// Requests the sandbox saw for the first account since the last reset.
fn requests(sandbox: &gorgias_sandbox::SandboxHandle) -> u64 {
    sandbox.stats().account(&sub(sandbox)).total_requests
}

/// `get_ticket_with_messages` is `get_ticket` (without its embedded messages) plus one page of
/// `list_ticket_messages`, in 2 requests; its cursor pages on; an unknown ticket is not found
/// after 1 request; invalid inputs send nothing.
#[tokio::test]
async fn get_ticket_with_messages_is_the_ticket_and_a_page_of_its_messages() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    // The ticket with the most messages.
    let messages = common::read(c, "ticket_messages", ReadRequest::full_refresh()).await;
    let mut per_ticket: std::collections::BTreeMap<i64, usize> = Default::default();
    for m in &messages.records {
        *per_ticket
            .entry(m["ticket_id"].as_i64().expect("ticket_id"))
            .or_default() += 1;
    }
    let (&id, &n) = per_ticket
        .iter()
        .max_by_key(|(_, n)| **n)
        .expect("messages");
    assert!(n >= 2, "no ticket with two messages: {per_ticket:?}");

    env.sandbox.reset_stats();
    let out = common::run(
        c,
        "get_ticket_with_messages",
        json!({"id": id, "messages_limit": 1}),
    )
    .await;
    assert_eq!(requests(&env.sandbox), 2, "documented: 2 requests");
    let mut ticket = common::run(c, "get_ticket", json!({"id": id})).await;
    ticket.as_object_mut().expect("ticket").remove("messages");
    assert_eq!(out["ticket"], ticket);
    let page = common::run(
        c,
        "list_ticket_messages",
        json!({"ticket_id": id, "limit": 1, "order_by": "created_datetime:asc"}),
    )
    .await;
    assert_eq!(out["messages"], page);
    let cursor = out["messages"]["next_cursor"]
        .as_str()
        .expect("a next page");

    // Paging on: the next page is list_ticket_messages's next page.
    let next = common::run(
        c,
        "get_ticket_with_messages",
        json!({"id": id, "messages_limit": 1, "messages_cursor": cursor}),
    )
    .await;
    let listed = common::run(
        c,
        "list_ticket_messages",
        json!({"ticket_id": id, "limit": 1, "order_by": "created_datetime:asc", "cursor": cursor}),
    )
    .await;
    assert_eq!(next["messages"], listed);
    assert_ne!(next["messages"]["data"], out["messages"]["data"]);
    // Default: 30 per page, every message of the ticket, oldest first.
    let all = common::run(c, "get_ticket_with_messages", json!({"id": id})).await;
    let ids: Vec<i64> = all["messages"]["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(support::id_of)
        .collect();
    assert_eq!(ids.len(), n.min(30), "{all}");
    assert!(
        all["messages"]["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|m| m["ticket_id"] == json!(id))
    );

    env.sandbox.reset_stats();
    let gone = c
        .run_action("get_ticket_with_messages", json!({"id": 999_999_999}))
        .await
        .expect_err("unknown ticket");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert_eq!(requests(&env.sandbox), 1, "no second request after a 404");

    env.sandbox.reset_stats();
    for (bad, field) in [
        (json!({}), "id"),
        (json!({"id": 0}), "id"),
        (json!({"id": id, "messages_limit": 0}), "messages_limit"),
        (json!({"id": id, "messages_limit": 101}), "messages_limit"),
        (json!({"id": id, "messages_cursor": ""}), "messages_cursor"),
        (
            json!({"id": id, "messages_order_by": "id:asc"}),
            "messages_order_by",
        ),
        (json!({"id": id, "limit": 5}), "limit"),
    ] {
        let e = c
            .run_action("get_ticket_with_messages", bad.clone())
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, Error::InvalidInput { action, .. } if action == "get_ticket_with_messages"),
            "{bad}: {e}"
        );
        assert!(e.to_string().contains(field), "{bad}: {e}");
    }
    assert_eq!(requests(&env.sandbox), 0, "a refused input sent a request");
}

/// Counts of `tickets` (trashed left out) created at or after `since` and before `until`, from
/// a full `list_tickets` walk: `(counted, by_status, by_channel, open_by_channel)`.
async fn count_by_walk(
    c: &dyn connector_sdk::Connector,
    since: &str,
    until: Option<&str>,
) -> Value {
    use connector_sdk::cursor::parse_datetime;
    let since = parse_datetime(since).expect("since");
    let until = until.map(|u| parse_datetime(u).expect("until"));
    let (mut counted, mut status, mut channel, mut open) = (
        0u64,
        serde_json::Map::new(),
        serde_json::Map::new(),
        serde_json::Map::new(),
    );
    let bump = |m: &mut serde_json::Map<String, Value>, k: &str| {
        let n = m.get(k).and_then(Value::as_u64).unwrap_or(0);
        m.insert(k.to_string(), json!(n + 1));
    };
    let mut cursor: Option<String> = None;
    loop {
        let mut q = json!({"limit": 100, "trashed": false});
        if let Some(c) = &cursor {
            q["cursor"] = json!(c);
        }
        let page = common::run(c, "list_tickets", q).await;
        for t in page["data"].as_array().expect("data") {
            let created = parse_datetime(t["created_datetime"].as_str().expect("created"))
                .expect("a datetime");
            if created < since || until.is_some_and(|u| created >= u) {
                continue;
            }
            counted += 1;
            let (s, ch) = (
                t["status"].as_str().expect("status"),
                t["channel"].as_str().expect("channel"),
            );
            bump(&mut status, s);
            bump(&mut channel, ch);
            if s == "open" {
                bump(&mut open, ch);
            }
        }
        match page["next_cursor"].as_str() {
            Some(n) => cursor = Some(n.to_string()),
            None => break,
        }
    }
    json!({"tickets_counted": counted, "by_status": status, "by_channel": channel, "open_by_channel": open})
}

/// `summarize_tickets` counts what a full walk of `list_tickets` counts, one request per page of
/// 100; `complete` is false when `max_pages` stops it first; bad periods send nothing.
#[tokio::test]
async fn summarize_tickets_counts_what_a_full_walk_counts() {
    let env = common::start_with(common::sized(DataSizes::scaled(250))).await;
    let c = env.connector.as_ref();
    // Creation datetimes, newest first: a `since` between the 150th and 151st newest.
    let all = common::read(c, "tickets", ReadRequest::full_refresh()).await;
    let mut created: Vec<_> = all
        .records
        .iter()
        .filter(|t| t["trashed_datetime"].is_null())
        .map(|t| {
            connector_sdk::cursor::parse_datetime(t["created_datetime"].as_str().expect("created"))
                .expect("datetime")
        })
        .collect();
    created.sort_unstable_by(|a, b| b.cmp(a));
    assert!(created.len() > 200, "{} untrashed tickets", created.len());
    let fmt = connector_sdk::cursor::format_datetime;
    let since = fmt(created[150]);
    let until = fmt(created[20]);

    for (input, until) in [
        (json!({"since": since}), None),
        (
            json!({"since": since, "until": until}),
            Some(until.as_str()),
        ),
    ] {
        env.sandbox.reset_stats();
        let out = common::run(c, "summarize_tickets", input.clone()).await;
        let made = requests(&env.sandbox);
        let expected = count_by_walk(c, &since, until).await;
        for k in [
            "tickets_counted",
            "by_status",
            "by_channel",
            "open_by_channel",
        ] {
            assert_eq!(out[k], expected[k], "{k} of {input}: {out}");
        }
        assert_eq!(out["complete"], true, "{out}");
        assert_eq!(out["pages_read"], json!(made), "{out}");
        // At least 151 tickets from the newest: the ticket before `since` is on page 2.
        assert_eq!(made, 2, "{out}");
        assert_eq!(out["oldest_counted"], json!(since), "{out}");
        assert_eq!(out["since"], json!(since));
    }

    // Cut by max_pages: incomplete, one request, and the counts cover oldest_counted onwards.
    env.sandbox.reset_stats();
    let cut = common::run(
        c,
        "summarize_tickets",
        json!({"since": "2000-01-01T00:00:00Z", "max_pages": 1}),
    )
    .await;
    assert_eq!(requests(&env.sandbox), 1);
    assert_eq!(cut["complete"], false, "{cut}");
    assert_eq!(cut["tickets_counted"], 100, "{cut}");
    let oldest = cut["oldest_counted"].as_str().expect("oldest").to_string();
    let expected = count_by_walk(c, &oldest, None).await;
    assert_eq!(cut["by_status"], expected["by_status"], "{cut}");

    // The whole account: complete after every page, one request each.
    env.sandbox.reset_stats();
    let whole = common::run(
        c,
        "summarize_tickets",
        json!({"since": "2000-01-01 00:00", "max_pages": 20}),
    )
    .await;
    let pages = created.len().div_ceil(100) as u64;
    assert_eq!(requests(&env.sandbox), pages);
    assert_eq!(whole["complete"], true, "{whole}");
    assert_eq!(whole["tickets_counted"], json!(created.len()), "{whole}");
    assert_eq!(whole["since"], "2000-01-01T00:00:00.000000Z");

    env.sandbox.reset_stats();
    for (bad, field) in [
        (json!({}), "since"),
        (json!({"since": "yesterday"}), "since"),
        (json!({"since": since, "max_pages": 0}), "max_pages"),
        (json!({"since": since, "max_pages": 21}), "max_pages"),
        (json!({"since": since, "until": since}), "until"),
        (
            json!({"since": "2024-02-01T00:00:00Z", "until": "2024-01-01T00:00:00Z"}),
            "until",
        ),
    ] {
        let e = c
            .run_action("summarize_tickets", bad.clone())
            .await
            .expect_err("refused");
        assert!(
            matches!(&e, Error::InvalidInput { action, .. } if action == "summarize_tickets"),
            "{bad}: {e}"
        );
        assert!(e.to_string().contains(field), "{bad}: {e}");
    }
    assert_eq!(requests(&env.sandbox), 0, "a refused input sent a request");
}
