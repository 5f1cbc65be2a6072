//! Behaviours recorded from real Gorgias traffic (NangoHQ/integration-templates
//! `integrations/gorgias/tests/<name>.test.json`, cited by test name): shapes, status codes,
//! defaults and the kind of data real accounts contain.

use crate::common::{Resp, call, get, ids, shared, small, start, walk};
use base64::Engine as _;
use gorgias_sandbox::{ObjectKind, SandboxHandle, SandboxOptions};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn list(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|k| (*k).to_owned()).collect()
}

async fn fresh() -> SandboxHandle {
    start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_items_have_exactly_the_recorded_keys() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let first = |path: &'static str| async move {
        get(sb, &sb.accounts()[0], path).await["data"][0].clone()
    };
    // Nango test list-tickets.
    assert_eq!(
        keys(&first("/api/tickets").await),
        list(&[
            "id",
            "uri",
            "external_id",
            "language",
            "status",
            "priority",
            "channel",
            "via",
            "from_agent",
            "customer",
            "assignee_user",
            "assignee_team",
            "subject",
            "summary",
            "excerpt",
            "integrations",
            "meta",
            "tags",
            "messages_count",
            "is_unread",
            "spam",
            "created_datetime",
            "opened_datetime",
            "last_received_message_datetime",
            "last_message_datetime",
            "last_sent_message_not_delivered",
            "updated_datetime",
            "closed_datetime",
            "snooze_datetime",
            "trashed_datetime",
            "custom_fields",
        ])
    );
    // Nango test ticket-messages.
    assert_eq!(
        keys(&first("/api/messages").await),
        list(&[
            "id",
            "uri",
            "message_id",
            "ticket_id",
            "external_id",
            "public",
            "channel",
            "via",
            "source",
            "sender",
            "auth_customer_identity",
            "integration_id",
            "intents",
            "rule_id",
            "from_agent",
            "receiver",
            "subject",
            "body_text",
            "body_html",
            "stripped_text",
            "stripped_html",
            "stripped_signature",
            "headers",
            "attachments",
            "actions",
            "macros",
            "meta",
            "created_datetime",
            "processed_datetime",
            "sent_datetime",
            "failed_datetime",
            "deleted_datetime",
            "opened_datetime",
            "last_sending_error",
            "is_retriable",
            "imported",
        ])
    );
    // Nango test customers: no `uri`, no `channels`.
    assert_eq!(
        keys(&first("/api/customers").await),
        list(&[
            "id",
            "external_id",
            "active",
            "email",
            "name",
            "firstname",
            "lastname",
            "language",
            "timezone",
            "created_datetime",
            "updated_datetime",
            "meta",
            "data",
            "note",
            "custom_fields",
        ])
    );
    // Nango test events.
    assert_eq!(
        keys(&first("/api/events").await),
        list(&[
            "id",
            "context",
            "created_datetime",
            "data",
            "object_id",
            "object_type",
            "type",
            "user_id",
            "uri"
        ])
    );
    // Nango test users.
    assert_eq!(
        keys(&first("/api/users").await),
        list(&[
            "id",
            "active",
            "bio",
            "created_datetime",
            "country",
            "deactivated_datetime",
            "email",
            "external_id",
            "firstname",
            "has_password",
            "has_2fa_enabled",
            "lastname",
            "language",
            "meta",
            "name",
            "role",
            "timezone",
            "updated_datetime",
            "client_id",
            "uri",
        ])
    );
    // Nango test list-tags.
    assert_eq!(
        keys(&first("/api/tags").await),
        list(&[
            "id",
            "decoration",
            "description",
            "name",
            "usage",
            "uri",
            "created_datetime",
            "deleted_datetime"
        ])
    );
    // Nango test macros.
    assert_eq!(
        keys(&first("/api/macros").await),
        list(&[
            "id",
            "external_id",
            "name",
            "intent",
            "language",
            "usage",
            "actions",
            "created_datetime",
            "updated_datetime",
            "archived_datetime",
            "uri",
        ])
    );
    // Nango test list-rules.
    assert_eq!(
        keys(&first("/api/rules").await),
        list(&[
            "id",
            "code",
            "code_ast",
            "created_datetime",
            "deactivated_datetime",
            "description",
            "event_types",
            "settings",
            "name",
            "priority",
            "type",
            "updated_datetime",
            "uri",
        ])
    );
    // Nango test list-jobs.
    assert_eq!(
        keys(&first("/api/jobs").await),
        list(&[
            "id",
            "cancel_requested_datetime",
            "cancelled_datetime",
            "created_datetime",
            "ended_datetime",
            "failed_datetime",
            "info",
            "locked_datetime",
            "meta",
            "params",
            "scheduled_datetime",
            "started_datetime",
            "status",
            "type",
            "user_id",
            "uri",
        ])
    );
    // Nango test list-satisfaction-surveys.
    assert_eq!(
        keys(&first("/api/satisfaction-surveys").await),
        list(&[
            "id",
            "body_text",
            "created_datetime",
            "customer_id",
            "meta",
            "score",
            "scored_datetime",
            "sent_datetime",
            "should_send_datetime",
            "ticket_id",
            "uri",
        ])
    );
    // Nango test list-integrations.
    assert_eq!(
        keys(&first("/api/integrations").await),
        list(&[
            "id",
            "created_datetime",
            "deactivated_datetime",
            "decoration",
            "description",
            "http",
            "locked_datetime",
            "meta",
            "name",
            "type",
            "updated_datetime",
            "user",
            "uri",
            "application_id",
            "managed",
            "business_hours_id",
        ])
    );
    // Nango test list-views.
    assert_eq!(
        keys(&first("/api/views").await),
        list(&[
            "id",
            "category",
            "created_datetime",
            "deactivated_datetime",
            "decoration",
            "fields",
            "filters",
            "filters_ast",
            "name",
            "order_by",
            "order_dir",
            "search",
            "shared_with_teams",
            "shared_with_users",
            "section_id",
            "slug",
            "type",
            "uri",
            "visibility",
        ])
    );
    // Nango test custom-fields: no `uri`.
    assert_eq!(
        keys(&first("/api/custom-fields?object_type=Ticket").await),
        list(&[
            "id",
            "external_id",
            "object_type",
            "label",
            "description",
            "priority",
            "required",
            "requirement_type",
            "managed_type",
            "definition",
            "created_datetime",
            "updated_datetime",
            "deactivated_datetime",
        ])
    );
    // Nango test get-team.
    assert_eq!(
        keys(&first("/api/teams").await),
        list(&[
            "id",
            "uri",
            "name",
            "description",
            "decoration",
            "members",
            "created_datetime"
        ])
    );
    // Nango test get-account.
    assert_eq!(
        keys(&get(sb, c, "/api/account").await),
        list(&[
            "created_datetime",
            "current_subscription",
            "deactivated_datetime",
            "domain",
            "meta",
            "settings",
            "status"
        ])
    );
    // Nango test create-ticket: settings items are {id, type, data}, no envelope.
    let settings = get(sb, c, "/api/account/settings").await;
    assert_eq!(keys(&settings), list(&["data"]));
    assert_eq!(keys(&settings["data"][0]), list(&["id", "type", "data"]));
    // Users' `uri` is absolute (Nango test users).
    let u = first("/api/users").await;
    assert_eq!(
        u["uri"],
        format!("https://acme.gorgias.com/api/users/{}/", u["id"])
    );
    // A customer's detail has the channels (Nango test get-customer).
    let cust = first("/api/customers").await;
    let detail = get(sb, c, &format!("/api/customers/{}", cust["id"])).await;
    assert_eq!(
        keys(&detail),
        list(&[
            "id",
            "external_id",
            "active",
            "email",
            "name",
            "firstname",
            "lastname",
            "channels",
            "language",
            "timezone",
            "created_datetime",
            "updated_datetime",
            "meta",
            "data",
            "customer",
            "note",
            "custom_fields",
            "integrations",
            "external_data",
            "ecommerce_data",
        ])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelopes_differ_per_endpoint_as_recorded() {
    let sb = shared();
    let c = &sb.accounts()[0];
    for (path, object_first, total) in [
        ("/api/tickets", true, true),
        ("/api/users", true, true),
        ("/api/views", true, true),
        ("/api/tags", true, true),
        ("/api/integrations", true, true),
        ("/api/custom-fields?object_type=Ticket", true, true),
        ("/api/messages", false, false),
        ("/api/events", false, false),
        ("/api/customers", false, false),
        ("/api/macros", false, false),
        ("/api/jobs", false, false),
        ("/api/teams", false, false),
        ("/api/satisfaction-surveys", false, false),
        ("/api/rules", false, false),
    ] {
        let r = call(sb, c, "GET", path, None).await;
        let start = if object_first {
            r#"{"object":"list","uri":"#
        } else {
            r#"{"data":["#
        };
        assert!(r.text.starts_with(start), "{path}: {}", &r.text[..40]);
        let meta = &r.json()["meta"];
        assert_eq!(meta.get("total_resources").is_some(), total, "{path}");
        if total {
            assert!(meta["total_resources"].is_null());
        }
    }
    // `uri` echoes the request, a bare `?` without a query, the query percent-encoded
    // (Nango tests list-tickets, list-views, macros).
    assert_eq!(get(sb, c, "/api/tickets").await["uri"], "/api/tickets?");
    assert_eq!(
        get(sb, c, "/api/macros?order_by=updated_datetime:asc&limit=100").await["uri"],
        "/api/macros?order_by=updated_datetime%3Aasc&limit=100"
    );
    // Default page size 30 (Nango tests list-events, list-tags) for the big lists.
    for path in [
        "/api/events",
        "/api/tickets",
        "/api/messages",
        "/api/customers",
    ] {
        assert_eq!(
            get(sb, c, path).await["data"].as_array().unwrap().len(),
            30,
            "{path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cursors_have_the_recorded_form() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let p = get(sb, c, "/api/events?order_by=created_datetime:asc&limit=5").await;
    let cur = p["meta"]["next_cursor"].as_str().unwrap();
    // `["next", "2026-08-26T18:39:21.578374", 2190943406]` (Nango test list-events).
    let raw = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(cur)
            .unwrap(),
    )
    .unwrap();
    let last = &p["data"][4];
    let naive = last["created_datetime"]
        .as_str()
        .unwrap()
        .trim_end_matches("+00:00");
    assert_eq!(raw, format!("[\"next\", \"{naive}\", {}]", last["id"]));
    // The last page of a walk from a cursor has `prev_cursor` and no `next_cursor` (Nango test
    // events).
    let all = walk(sb, c, "/api/events?order_by=created_datetime:asc&limit=100").await;
    assert_eq!(
        all.len(),
        sb.record_count("acme", ObjectKind::Events).unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_defaults_and_orders() {
    let sb = shared();
    let c = &sb.accounts()[0];
    // Views: newest first (Nango test list-views); the customer-list view exists.
    let views = walk(sb, c, "/api/views?limit=100").await;
    let vids = ids(&views);
    assert!(vids.windows(2).all(|w| w[0] > w[1]));
    let customers_view = views.iter().find(|v| v["slug"] == "all-customers").unwrap();
    assert_eq!(customers_view["type"], "customer-list");
    assert_eq!(customers_view["category"], "system");
    // Custom fields: priority descending, deactivated ones listed (Nango test custom-fields).
    let fields = get(sb, c, "/api/custom-fields?object_type=Ticket&limit=100").await;
    let fields = fields["data"].as_array().unwrap();
    let prios: Vec<i64> = fields
        .iter()
        .map(|f| f["priority"].as_i64().unwrap())
        .collect();
    assert!(prios.windows(2).all(|w| w[0] >= w[1]), "{prios:?}");
    assert!(fields.iter().any(|f| !f["deactivated_datetime"].is_null()));
    assert!(fields.iter().any(|f| f["managed_type"] == "contact_reason"));
    // Users: by name (Nango test users).
    let users = get(sb, c, "/api/users").await;
    let names: Vec<&str> = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    // Events and tickets: newest first (Nango tests list-events, list-tickets).
    for path in ["/api/events", "/api/tickets"] {
        let v = get(sb, c, path).await;
        let times: Vec<i64> = v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| gorgias_sandbox::time::parse(r["created_datetime"].as_str().unwrap()).unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_data_contains_what_real_accounts_contain() {
    let sb = shared();
    let c = &sb.accounts()[0];
    // Never-edited macros have `updated_datetime: null` (Nango tests macros, get-macro).
    let macros = walk(sb, c, "/api/macros?limit=100").await;
    assert!(macros.iter().any(|m| m["updated_datetime"].is_null()));
    // Actions created through the API have no `type`... seeded ones carry `type: "user"`.
    assert!(macros.iter().all(|m| m["actions"][0]["type"] == "user"));
    // System events: `user_id: null`; logins: `context: null` (Nango test events).
    let events = walk(sb, c, "/api/events?limit=100").await;
    assert!(events.iter().any(|e| e["user_id"].is_null()));
    assert!(
        events
            .iter()
            .any(|e| e["context"].is_null() && e["type"] == "user-logged-in")
    );
    assert!(events.iter().any(|e| e["data"].is_object()));
    // Rules made through the API have `event_types: null` (Nango test create-rule), the
    // account's own ones `ticket-created` (Nango test list-rules).
    let rules = walk(sb, c, "/api/rules").await;
    assert!(rules.iter().any(|r| r["event_types"].is_null()));
    assert!(rules.iter().any(|r| r["event_types"] == "ticket-created"));
    assert!(
        rules
            .iter()
            .all(|r| r["settings"].is_null() && r["type"] == "user")
    );
    // Internal notes among ticket messages (Nango test ticket-messages).
    let messages = walk(sb, c, "/api/messages?limit=100").await;
    let note = messages
        .iter()
        .find(|m| m["public"] == false)
        .expect("an internal note");
    assert_eq!(note["source"], json!({ "type": "internal-note" }));
    assert_eq!(note["from_agent"], true);
    assert!(note["receiver"].is_null() && note["sent_datetime"].is_null());
    // `attachments` is null (not []) when there are none, `macros` is [] (same recording).
    assert!(messages.iter().any(|m| m["attachments"].is_null()));
    assert!(messages.iter().all(|m| m["macros"].is_array()));
    // Email messages have a full source and headers; phone ones just `{type}`.
    assert!(messages.iter().any(|m| m["source"]["type"] == "email"
        && m["source"]["to"].is_array()
        && m["headers"]["To"].is_string()));
    assert!(
        messages
            .iter()
            .any(|m| m["source"] == json!({ "type": "phone" }) && m["headers"].is_null())
    );
    // Bot users exist (Nango test users).
    let users = walk(sb, c, "/api/users?limit=100").await;
    assert!(
        users
            .iter()
            .any(|u| u["role"]["name"] == "bot" && u["name"] == "Gorgias Bot")
    );
    // Tickets carry `summary: null` and the default `sample ticket` tag has `{}` decoration
    // (Nango tests list-tickets, list-tags).
    let tickets = walk(sb, c, "/api/tickets?limit=100").await;
    assert!(tickets.iter().all(|t| t["summary"].is_null()));
    let tags = walk(sb, c, "/api/tags?limit=100").await;
    assert!(
        tags.iter()
            .any(|t| t["name"] == "sample ticket" && t["decoration"] == json!({}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn view_items_use_their_own_envelope() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let views = walk(sb, c, "/api/views?limit=100").await;
    let all = views.iter().find(|v| v["slug"] == "everything").unwrap()["id"]
        .as_i64()
        .unwrap();
    // `{data, meta: {next_items, prev_items, current_cursor}}`, no object/uri/next_cursor
    // (Nango test list-view-items).
    let v = get(sb, c, &format!("/api/views/{all}/items?limit=5")).await;
    assert_eq!(keys(&v), list(&["data", "meta"]));
    assert_eq!(
        keys(&v["meta"]),
        list(&["next_items", "prev_items", "current_cursor"])
    );
    assert!(v["meta"]["prev_items"].is_null() && v["meta"]["current_cursor"].is_null());
    // Ticket items are list items without `custom_fields` and `summary` (same recording).
    let item = &v["data"][0];
    assert!(item.get("custom_fields").is_none() && item.get("summary").is_none());
    assert_eq!(item["uri"], format!("/api/tickets/{}/", item["id"]));
    let next = v["meta"]["next_items"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("/api/views/{all}/items?")),
        "{next}"
    );
    let q: Vec<(String, String)> =
        url::form_urlencoded::parse(next.split_once('?').unwrap().1.as_bytes())
            .into_owned()
            .collect();
    let names: Vec<&str> = q.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["cursor", "direction", "ignored_item"]);
    assert_eq!(q[1].1, "next");
    assert_eq!(q[2].1, v["data"][4]["id"].to_string());
    // Following it: the next page, `current_cursor` set, `prev_items` links back.
    let p2 = get(sb, c, &format!("{next}&limit=5")).await;
    assert_eq!(p2["meta"]["current_cursor"].as_str(), Some(q[0].1.as_str()));
    assert!(p2["meta"]["prev_items"].is_string());
    assert!(
        !ids(p2["data"].as_array().unwrap())
            .iter()
            .any(|id| ids(v["data"].as_array().unwrap()).contains(id))
    );
    // The customer-list view lists customers.
    let cv = views.iter().find(|v| v["type"] == "customer-list").unwrap()["id"]
        .as_i64()
        .unwrap();
    let items = get(sb, c, &format!("/api/views/{cv}/items")).await;
    let first = &items["data"][0];
    assert!(
        sb.get_record("acme", ObjectKind::Customers, first["id"].as_i64().unwrap())
            .unwrap()
            .is_some()
    );
}

fn empty_ok(r: &Resp) {
    assert_eq!((r.status, r.text.as_str()), (200, ""), "{}", r.text);
    assert_eq!(r.header("content-length").as_deref(), Some("0"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_statuses_and_bodies_are_the_recorded_ones() {
    let sb = fresh().await;
    let c = sb.accounts()[0].clone();
    // Creates answer 200 (Nango tests create-tag, create-team, create-rule, create-macro,
    // create-view, create-user, create-custom-field, create-customer).
    for (path, body) in [
        ("/api/tags", json!({ "name": "fresh-tag" })),
        ("/api/teams", json!({ "name": "T", "description": "d" })),
        ("/api/rules", json!({ "name": "R", "code": "x()" })),
        ("/api/macros", json!({ "name": "M", "actions": [] })),
        (
            "/api/views",
            json!({ "slug": "v", "name": "V", "type": "ticket-list", "visibility": "public" }),
        ),
        (
            "/api/users",
            json!({ "name": "New Agent", "email": "new.agent@acme.example.com", "role": { "name": "agent" } }),
        ),
        (
            "/api/custom-fields",
            json!({ "object_type": "Ticket", "label": "L", "definition": { "data_type": "text" }, "priority": 0 }),
        ),
        (
            "/api/customers",
            json!({ "name": "Nango TestUser", "email": "t@example.com", "channels": [{ "type": "email", "address": "t@example.com", "preferred": true }] }),
        ),
    ] {
        let r = call(&sb, &c, "POST", path, Some(body)).await;
        assert_eq!(r.status, 200, "POST {path}: {}", r.text);
        let v = r.json();
        match path {
            // A new rule: `event_types: null`, next free priority (Nango test create-rule).
            "/api/rules" => {
                assert!(v["event_types"].is_null() && v["settings"].is_null());
                assert!(v["priority"].as_i64().unwrap() > 1);
            }
            // A new macro has `updated_datetime: null` (Nango test create-macro).
            "/api/macros" => assert!(v["updated_datetime"].is_null()),
            // Gorgias picks a colour (Nango test create-tag).
            "/api/tags" => assert!(v["decoration"]["color"].as_str().unwrap().starts_with('#')),
            // `priority: 0` is replaced by the next free one (Nango test create-custom-field).
            "/api/custom-fields" => assert!(v["priority"].as_i64().unwrap() > 0),
            // Defaults of a new view (Nango test create-view).
            "/api/views" => {
                assert_eq!(
                    (&v["category"], &v["fields"], &v["filters"]),
                    (&json!("user"), &json!([]), &json!(""))
                );
                assert_eq!(
                    (&v["order_by"], &v["order_dir"]),
                    (&json!("updated_datetime"), &json!("desc"))
                );
            }
            // `firstname`/`lastname` from `name`; channels with user and customer (Nango test
            // create-customer).
            "/api/customers" => {
                assert_eq!(
                    (&v["firstname"], &v["lastname"]),
                    (&json!("Nango"), &json!("TestUser"))
                );
                assert_eq!(v["channels"][0]["user"]["id"], v["id"]);
            }
            "/api/teams" => assert_eq!((&v["decoration"], &v["members"]), (&json!({}), &json!([]))),
            _ => {}
        }
    }
    // A macro's first PUT sets `updated_datetime` (Nango test update-macro).
    let m = walk(&sb, &c, "/api/macros?limit=100")
        .await
        .into_iter()
        .find(|m| m["updated_datetime"].is_null())
        .unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/macros/{}", m["id"]),
        Some(json!({ "name": "Renamed" })),
    )
    .await;
    assert!(r.json()["updated_datetime"].is_string());

    let tickets = walk(&sb, &c, "/api/tickets?limit=100").await;
    let t = tickets[0]["id"].as_i64().unwrap();
    // Ticket tags: POST and PUT 200 with an empty body, DELETE 204 (Nango tests
    // add-ticket-tags, set-ticket-tags, remove-ticket-tags).
    empty_ok(
        &call(
            &sb,
            &c,
            "POST",
            &format!("/api/tickets/{t}/tags"),
            Some(json!({ "names": ["vip-x"] })),
        )
        .await,
    );
    empty_ok(
        &call(
            &sb,
            &c,
            "PUT",
            &format!("/api/tickets/{t}/tags"),
            Some(json!({ "names": ["vip-y"] })),
        )
        .await,
    );
    let r = call(
        &sb,
        &c,
        "DELETE",
        &format!("/api/tickets/{t}/tags"),
        Some(json!({ "names": ["vip-y"] })),
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    // The tag changes are events with their ids (Nango test events).
    let evs = walk(
        &sb,
        &c,
        &format!("/api/events?object_id={t}&types=ticket-tags-added&limit=100"),
    )
    .await;
    assert!(evs.iter().all(|e| e["data"]["tags_added"].is_array()) && !evs.is_empty());
    // Customer data: 200, empty (Nango test set-customer-data).
    let cust = tickets[0]["customer"]["id"].as_i64().unwrap();
    empty_ok(
        &call(
            &sb,
            &c,
            "PUT",
            &format!("/api/customers/{cust}/data"),
            Some(json!({ "data": { "plan": "pro" } })),
        )
        .await,
    );
    // Over OAuth the data lands in `external_data` with the app name (Nango tests
    // set-customer-data, customers).
    let bearer = c.bearer_header();
    let r = crate::common::send(
        &sb,
        Some(&bearer),
        "PUT",
        &format!("/api/customers/{cust}/data"),
        Some(json!({ "data": { "mrr": 123 } })),
    )
    .await;
    assert_eq!(r.status, 200);
    let full = get(&sb, &c, &format!("/api/customers/{cust}")).await;
    let app = full["external_data"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    assert_eq!(
        (&app["mrr"], app["__app_name__"].is_string()),
        (&json!(123), true)
    );
    // Messages: create 200, PUT without `via` 200 with the full message, DELETE 204 (Nango
    // tests create-ticket-message, update-ticket-message, delete-ticket-message).
    let r = call(&sb, &c, "POST", &format!("/api/tickets/{t}/messages"), Some(json!({
        "channel": "email", "from_agent": false, "body_text": "Hello", "sender": { "email": "someone@example.com" }, "via": "helpdesk",
    }))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mid = r.json()["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/tickets/{t}/messages/{mid}"),
        Some(json!({
            "channel": "email", "from_agent": false, "body_text": "Updated",
        })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["body_text"], "Updated");
    assert_eq!(r.json()["uri"], format!("/api/tickets/{t}/messages/{mid}/"));
    let r = call(
        &sb,
        &c,
        "DELETE",
        &format!("/api/tickets/{t}/messages/{mid}"),
        None,
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    // An internal note (channel `internal-note`) is private, with the ticket's channel.
    let r = call(&sb, &c, "POST", &format!("/api/tickets/{t}/messages"), Some(json!({
        "channel": "internal-note", "from_agent": true, "body_text": "Note", "sender": { "id": get(&sb, &c, "/api/users/0").await["id"] },
    }))).await;
    let note = r.json();
    assert_eq!(
        (&note["public"], &note["source"], &note["channel"]),
        (
            &json!(false),
            &json!({ "type": "internal-note" }),
            &tickets[0]["channel"]
        )
    );
    assert!(note["sent_datetime"].is_null());
    // Ticket detail keys (Nango test get-ticket) and the PUT response's `custom_fields`
    // (Nango test update-ticket).
    let d = get(&sb, &c, &format!("/api/tickets/{t}")).await;
    for k in [
        "events",
        "imported",
        "assignee_user_id",
        "processed_datetime",
        "satisfaction_survey",
        "reply_options",
        "requester",
        "messages",
    ] {
        assert!(d.get(k).is_some(), "{k}");
    }
    for k in [
        "excerpt",
        "messages_count",
        "integrations",
        "last_sent_message_not_delivered",
        "custom_fields",
    ] {
        assert!(d.get(k).is_none(), "{k}");
    }
    assert!(d["customer"]["external_data"].is_object());
    let u = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/tickets/{t}"),
        Some(json!({ "subject": "Updated Subject", "status": "closed" })),
    )
    .await
    .json();
    // The recorded update carries `custom_fields` because that ticket had values (Nango test
    // update-ticket); a ticket without values answers without the key.
    assert!(u.get("custom_fields").is_none_or(Value::is_object));
    assert!(u["customer"].get("external_data").is_none());
    assert_eq!(u["status"], "closed");
    let evs = walk(&sb, &c, &format!("/api/events?object_id={t}&limit=100")).await;
    assert!(
        evs.iter().any(|e| e["type"] == "ticket-subject-updated"
            && e["data"]["new_subject"] == "Updated Subject")
    );
    assert!(evs.iter().any(|e| e["type"] == "ticket-closed"));
    // Rule priorities answer a bare array of every rule (Nango test update-rule-priorities).
    let rules = walk(&sb, &c, "/api/rules").await;
    let r = call(
        &sb,
        &c,
        "POST",
        "/api/rules/priorities",
        Some(json!({ "priorities": [{ "id": rules[0]["id"], "priority": 9 }] })),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json().as_array().unwrap().len(), rules.len());
    // A custom field write is a `CustomField` event (Nango test events).
    let f = walk(&sb, &c, "/api/custom-fields?object_type=Ticket&limit=100").await[0].clone();
    call(
        &sb,
        &c,
        "PUT",
        &format!("/api/custom-fields/{}", f["id"]),
        Some(json!({ "label": "Relabelled" })),
    )
    .await;
    let evs = walk(&sb, &c, "/api/events?object_type=CustomField&limit=100").await;
    assert!(
        evs.iter()
            .any(|e| e["type"] == "custom-field-updated" && e["object_id"] == f["id"])
    );
    // Ticket custom-field values: `{data: [{field, prediction, value}]}` (Nango tests
    // update-ticket-custom-field-values, list-ticket-custom-field-values), DELETE 204.
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/tickets/{t}/custom-fields"),
        Some(json!([{ "id": f["id"], "value": "x" }])),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        keys(&r.json()["data"][0]),
        list(&["field", "prediction", "value"])
    );
    let r = call(
        &sb,
        &c,
        "DELETE",
        &format!("/api/tickets/{t}/custom-fields/{}", f["id"]),
        None,
    )
    .await;
    assert_eq!(r.status, 204);
    // Jobs: GET 200 (Nango test get-job); cancelling a scheduled job sets
    // `cancelled_datetime` only (Nango tests cancel-job, list-jobs).
    let r = call(&sb, &c, "POST", "/api/jobs", Some(json!({ "type": "exportMacro", "params": {}, "scheduled_datetime": gorgias_sandbox::time::iso(gorgias_sandbox::time::wall_now() + 3_000_000_000) }))).await;
    let job = r.json();
    assert_eq!(job["status"], "scheduled");
    let r = call(&sb, &c, "DELETE", &format!("/api/jobs/{}", job["id"]), None).await;
    assert_eq!(r.status, 204);
    let r = call(&sb, &c, "GET", &format!("/api/jobs/{}", job["id"]), None).await;
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["status"], "canceled");
    assert!(j["cancelled_datetime"].is_string() && j["cancel_requested_datetime"].is_null());
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_answers_have_the_recorded_forms() {
    let sb = fresh().await;
    let c = sb.accounts()[0].clone();
    // Customer create and update answers have no `external_data`/`ecommerce_data`; names split
    // into first and last word (Nango tests create-customer, update-customer).
    let body = json!({ "name": "Romain Gorgias", "email": "romain@example.com" });
    let v = call(&sb, &c, "POST", "/api/customers", Some(body))
        .await
        .json();
    let id = v["id"].as_i64().unwrap();
    assert!(v.get("external_data").is_none() && v.get("ecommerce_data").is_none());
    let path = format!("/api/customers/{id}");
    let rename = json!({ "name": "Romain @Gorgias Updated" });
    let u = call(&sb, &c, "PUT", &path, Some(rename.clone()))
        .await
        .json();
    assert_eq!(
        (&u["firstname"], &u["lastname"]),
        (&json!("Romain"), &json!("Updated"))
    );
    assert_eq!(
        u["channels"][0]["customer"]["name"],
        "Romain @Gorgias Updated"
    );
    assert_eq!(keys(&u).last().map(String::as_str), Some("integrations"));
    // The same update again changes nothing and keeps `updated_datetime` (Nango test
    // update-customer, whose answer was older than the call).
    let again = call(&sb, &c, "PUT", &path, Some(rename)).await.json();
    assert_eq!(again["updated_datetime"], u["updated_datetime"]);
    // `GET` has both keys at the end (Nango test get-customer).
    let full = get(&sb, &c, &path).await;
    let k = keys(&full);
    assert_eq!(
        &k[k.len() - 2..],
        &list(&["external_data", "ecommerce_data"])
    );
    // Merge answers the target with `ecommerce_data` before `note`, keeping its
    // `updated_datetime` (Nango test merge-customers).
    let src = call(
        &sb,
        &c,
        "POST",
        "/api/customers",
        Some(json!({ "name": "Source One", "email": "source@example.com" })),
    )
    .await
    .json();
    let m = call(
        &sb,
        &c,
        "PUT",
        &format!(
            "/api/customers/merge?source_id={}&target_id={id}",
            src["id"]
        ),
        Some(json!({ "name": "Merged Customer" })),
    )
    .await;
    assert_eq!(m.status, 200);
    let m = m.json();
    let k = keys(&m);
    let pos = |name: &str| k.iter().position(|x| x == name);
    assert_eq!(pos("ecommerce_data").map(|p| p + 1), pos("note"));
    assert!(m.get("external_data").is_none());
    assert_eq!(m["name"], "Romain @Gorgias Updated");
    assert_eq!(m["updated_datetime"], u["updated_datetime"]);
    // A new user gets the account's business-hours timezone (Nango tests create-user and
    // list-account-settings).
    let settings = get(&sb, &c, "/api/account/settings").await;
    let tz = settings["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["type"] == "business-hours")
        .map(|s| s["data"]["timezone"].clone())
        .unwrap();
    let user = call(
        &sb,
        &c,
        "POST",
        "/api/users",
        Some(json!({ "name": "Nango TestUser", "email": "tu@example.com" })),
    )
    .await
    .json();
    assert_eq!(user["timezone"], tz);
    // A message create answer has its own key order (Nango test create-ticket-message).
    let t = walk(&sb, &c, "/api/tickets?limit=100").await[0]["id"].clone();
    let msg = call(
        &sb,
        &c,
        "POST",
        &format!("/api/tickets/{t}/messages"),
        Some(json!({ "channel": "phone", "via": "helpdesk", "from_agent": false, "body_text": "Hi", "body_html": "<p>Hi</p>", "sender": { "email": "romain@example.com" } })),
    )
    .await;
    assert_eq!(msg.status, 200, "{}", msg.text);
    let k = keys(&msg.json());
    assert_eq!(
        &k[21..27],
        &list(&[
            "stripped_signature",
            "attachments",
            "macros",
            "actions",
            "headers",
            "imported"
        ])
    );
    assert_eq!(k.last().map(String::as_str), Some("is_retriable"));
    // The managed call-status field is `conditional` (Nango test custom-fields).
    let fields = walk(&sb, &c, "/api/custom-fields?object_type=Ticket&limit=100").await;
    let call_status = fields.iter().find(|f| f["managed_type"] == "call_status");
    assert_eq!(call_status.unwrap()["requirement_type"], "conditional");
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_overview_has_the_recorded_shape() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let body = json!({ "filters": { "period": { "start_datetime": "2026-08-01T00:00:00Z", "end_datetime": "2026-08-31T23:59:59Z" } } });
    let r = call(sb, c, "POST", "/api/stats/overview", Some(body)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    // `meta` at the top level, the previous period the window before (Nango test
    // get-stats-overview).
    assert_eq!(
        v["meta"],
        json!({
            "end_datetime": "2026-08-31T23:59:59+00:00",
            "previous_end_datetime": "2026-07-31T23:59:59+00:00",
            "previous_start_datetime": "2026-07-01T00:00:00+00:00",
            "start_datetime": "2026-08-01T00:00:00+00:00",
        })
    );
    let items = v["data"]["data"].as_array().unwrap();
    let shape: Vec<(String, String, bool)> = items
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap().to_owned(),
                i["type"].as_str().unwrap().to_owned(),
                i.get("more_is_better").is_some(),
            )
        })
        .collect();
    let want = [
        ("total_new_tickets", "number", false),
        ("total_replied_tickets", "number", false),
        ("total_closed_tickets", "number", false),
        ("total_messages_sent", "number", false),
        ("total_messages_received", "number", false),
        ("median_first_response_time", "duration", true),
        ("median_resolution_time", "duration", true),
        ("total_one_touch_tickets", "percent", true),
    ];
    assert_eq!(
        shape,
        want.iter()
            .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), *c))
            .collect::<Vec<_>>()
    );
    assert!(items.iter().all(|i| i["delta"].is_number()));
    assert!(
        items[0]["value"].as_i64().unwrap() > 0,
        "tickets were created in August 2026"
    );
}
