//! Writes are visible to later reads, move `updated_datetime` and append events.

use crate::common::{call, get, ids, small, start, walk};
use gorgias_sandbox::{ObjectKind, SandboxOptions, time};
use serde_json::{Value, json};

fn t(v: &Value) -> i64 {
    time::parse(v.as_str().unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_lifecycle() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = sb.accounts()[0].clone();
    let before = sb.record_count("acme", ObjectKind::Tickets).unwrap();
    let events_before = sb.record_count("acme", ObjectKind::Events).unwrap();
    let body = json!({
        "customer": { "email": "new.person@example.com", "name": "New Person" },
        "subject": "Help!",
        "messages": [{
            "channel": "email", "via": "api", "from_agent": false,
            "sender": { "email": "new.person@example.com" }, "body_text": "My parcel is lost."
        }],
        "tags": [{ "name": "brand-new-tag" }]
    });
    let r = call(&sb, &c, "POST", "/api/tickets", Some(body)).await;
    // Creates answer 200 with the ticket detail (recorded: Nango test create-ticket).
    assert_eq!(r.status, 200, "{}", r.text);
    let ticket = r.json();
    let id = ticket["id"].as_i64().unwrap();
    assert_eq!(ticket["uri"], format!("/api/tickets/{id}/"));
    assert_eq!(ticket["messages"].as_array().unwrap().len(), 1);
    assert_eq!(
        sb.get_record("acme", ObjectKind::Tickets, id)
            .unwrap()
            .unwrap()["messages_count"],
        1
    );
    assert_eq!(ticket["customer"]["email"], "new.person@example.com");
    assert_eq!(
        sb.record_count("acme", ObjectKind::Tickets).unwrap(),
        before + 1
    );
    // Newest first by created_datetime.
    let first = get(&sb, &c, "/api/tickets?limit=1").await;
    assert_eq!(first["data"][0]["id"], id);
    // The customer was created and can be found by email.
    let cust = get(&sb, &c, "/api/customers?email=new.person%40example.com").await;
    assert_eq!(cust["data"].as_array().unwrap().len(), 1);

    // A message moves the ticket's counters and updated_datetime.
    let updated0 = t(&ticket["updated_datetime"]);
    let owner = get(&sb, &c, "/api/users/0").await;
    let msg = json!({ "channel": "email", "via": "helpdesk", "from_agent": true, "sender": { "id": owner["id"] }, "body_text": "Found it." });
    let r = call(
        &sb,
        &c,
        "POST",
        &format!("/api/tickets/{id}/messages"),
        Some(msg),
    )
    .await;
    // Recorded: Nango test create-ticket-message (200).
    assert_eq!(r.status, 200, "{}", r.text);
    let mid = r.json()["id"].as_i64().unwrap();
    let after = get(&sb, &c, &format!("/api/tickets/{id}")).await;
    assert_eq!(after["messages"].as_array().unwrap().len(), 2);
    assert!(t(&after["updated_datetime"]) > updated0);
    assert_eq!(after["last_message_datetime"], r.json()["created_datetime"]);
    assert_eq!(
        ids(after["messages"].as_array().unwrap()).last(),
        Some(&mid)
    );
    let listed = walk(&sb, &c, &format!("/api/messages?ticket_id={id}")).await;
    assert_eq!(listed.len(), 2);

    // Update: moves updated_datetime, reorders the updated_datetime feed.
    let oldest = get(
        &sb,
        &c,
        "/api/tickets?limit=1&order_by=updated_datetime:asc",
    )
    .await["data"][0]
        .clone();
    let oid = oldest["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/tickets/{oid}"),
        Some(json!({ "status": "closed", "priority": "high" })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(t(&r.json()["updated_datetime"]) > t(&oldest["updated_datetime"]));
    assert!(r.json()["closed_datetime"].is_string());
    let newest = get(
        &sb,
        &c,
        "/api/tickets?limit=1&order_by=updated_datetime:desc",
    )
    .await;
    assert_eq!(newest["data"][0]["id"], oid);
    assert_eq!(newest["data"][0]["priority"], "high");

    // Tags of a ticket.
    let r = call(
        &sb,
        &c,
        "POST",
        &format!("/api/tickets/{id}/tags"),
        Some(json!({ "names": ["vip"] })),
    )
    .await;
    // 200 with an empty body (recorded: Nango test add-ticket-tags).
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let tags = get(&sb, &c, &format!("/api/tickets/{id}/tags")).await;
    let names: Vec<&str> = tags["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"vip") && names.contains(&"brand-new-tag"));
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/tickets/{id}/tags"),
        Some(json!({ "names": ["refund"] })),
    )
    .await;
    // 200 with an empty body (recorded: Nango test set-ticket-tags).
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let r = call(
        &sb,
        &c,
        "DELETE",
        &format!("/api/tickets/{id}/tags"),
        Some(json!({ "names": ["refund"] })),
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        get(&sb, &c, &format!("/api/tickets/{id}/tags")).await["data"],
        json!([])
    );

    // Message delete answers 204 with an empty body (recorded: Nango test
    // delete-ticket-message).
    let r = call(
        &sb,
        &c,
        "DELETE",
        &format!("/api/tickets/{id}/messages/{mid}"),
        None,
    )
    .await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_eq!(
        get(&sb, &c, &format!("/api/tickets/{id}")).await["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Delete: 204, then 404, gone from lists.
    let r = call(&sb, &c, "DELETE", &format!("/api/tickets/{id}"), None).await;
    assert_eq!(r.status, 204);
    assert_eq!(
        call(&sb, &c, "GET", &format!("/api/tickets/{id}"), None)
            .await
            .status,
        404
    );
    assert!(!ids(&walk(&sb, &c, "/api/tickets?limit=100").await).contains(&id));
    assert_eq!(
        walk(&sb, &c, &format!("/api/messages?ticket_id={id}"))
            .await
            .len(),
        0
    );

    // Events were appended for the writes.
    let events = walk(
        &sb,
        &c,
        "/api/events?limit=100&types=ticket-created&types=ticket-deleted&types=ticket-updated",
    )
    .await;
    let about: Vec<&Value> = events.iter().filter(|e| e["object_id"] == id).collect();
    assert!(about.iter().any(|e| e["type"] == "ticket-created"));
    assert!(about.iter().any(|e| e["type"] == "ticket-deleted"));
    assert!(sb.record_count("acme", ObjectKind::Events).unwrap() > events_before + 4);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_crud_round_trips() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = sb.accounts()[0].clone();
    let integration = sb.all_ids("acme", ObjectKind::Integrations).unwrap()[0];
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "/api/customers",
            json!({ "email": "a@b.example", "name": "A B" }),
            json!({ "note": "VIP" }),
        ),
        (
            "/api/tags",
            json!({ "name": "fresh" }),
            json!({ "description": "desc" }),
        ),
        (
            "/api/macros",
            json!({ "name": "Hello", "actions": [] }),
            json!({ "name": "Hello 2" }),
        ),
        (
            "/api/rules",
            json!({ "name": "R", "code": "x()" }),
            json!({ "priority": 5 }),
        ),
        (
            "/api/teams",
            json!({ "name": "Team X" }),
            json!({ "name": "Team Y" }),
        ),
        (
            "/api/users",
            json!({ "email": "agent.x@acme.example.com", "name": "Agent X" }),
            json!({ "bio": "hi" }),
        ),
        (
            "/api/widgets",
            json!({ "template": { "type": "wrapper", "widgets": [] }, "type": "custom" }),
            json!({ "order": 9 }),
        ),
        (
            "/api/integrations",
            json!({ "name": "Hook", "type": "http", "http": { "url": "https://x.example", "method": "GET" } }),
            json!({ "name": "Hook 2" }),
        ),
        (
            "/api/views",
            json!({ "slug": "mine-2", "name": "Mine 2", "filters": "eq(ticket.status, 'open')" }),
            json!({ "name": "Mine 3" }),
        ),
        (
            "/api/custom-fields",
            json!({ "object_type": "Ticket", "label": "L", "definition": { "data_type": "text" } }),
            json!({ "label": "L2" }),
        ),
        (
            "/api/jobs",
            json!({ "type": "exportTicket", "params": {} }),
            json!({ "meta": { "a": 1 } }),
        ),
        (
            "/api/satisfaction-surveys",
            json!({ "customer_id": 0, "ticket_id": 0 }),
            json!({ "score": 4 }),
        ),
    ];
    let _ = integration;
    for (path, create, update) in cases {
        let mut create = create;
        if path.ends_with("surveys") {
            // A ticket without a survey.
            let tickets = sb.all_ids("acme", ObjectKind::Tickets).unwrap();
            let with: Vec<i64> = walk(&sb, &c, "/api/satisfaction-surveys?limit=100")
                .await
                .iter()
                .map(|s| s["ticket_id"].as_i64().unwrap())
                .collect();
            let tid = *tickets.iter().find(|t| !with.contains(t)).unwrap();
            let cid = sb
                .get_record("acme", ObjectKind::Tickets, tid)
                .unwrap()
                .unwrap()["customer"]["id"]
                .clone();
            create = json!({ "ticket_id": tid, "customer_id": cid });
        }
        let r = call(&sb, &c, "POST", path, Some(create.clone())).await;
        // Creates answer 200 (recorded: Nango tests create-customer, create-tag, ...).
        assert_eq!(r.status, 200, "POST {path}: {}", r.text);
        let v = r.json();
        let id = v["id"].as_i64().unwrap();
        // Customers and custom fields carry no `uri`; users' is absolute (recorded: Nango
        // tests customers, custom-fields, users).
        match path {
            "/api/customers" | "/api/custom-fields" => {
                assert!(v.get("uri").is_none(), "{path}: {v}")
            }
            "/api/users" => assert_eq!(
                v["uri"],
                format!("https://acme.gorgias.com/api/users/{id}/")
            ),
            _ => assert!(
                v["uri"].as_str().unwrap().ends_with(&format!("/{id}/")),
                "{path}: {v}"
            ),
        }
        let got = call(&sb, &c, "GET", &format!("{path}/{id}"), None)
            .await
            .json();
        for (k, val) in create.as_object().unwrap() {
            if !val.is_object() || path != "/api/integrations" {
                assert_eq!(&got[k], val, "{path} field {k}");
            }
        }
        let r = call(
            &sb,
            &c,
            "PUT",
            &format!("{path}/{id}"),
            Some(update.clone()),
        )
        .await;
        assert_eq!(r.status, 200, "PUT {path}: {}", r.text);
        let got = call(&sb, &c, "GET", &format!("{path}/{id}"), None)
            .await
            .json();
        for (k, val) in update.as_object().unwrap() {
            assert_eq!(&got[k], val, "{path} updated field {k}");
        }
        if let (Some(a), Some(b)) = (
            v["updated_datetime"].as_str(),
            got["updated_datetime"].as_str(),
        ) {
            assert!(
                time::parse(b) > time::parse(a),
                "{path}: updated_datetime moves"
            );
        }
        let del = call(&sb, &c, "DELETE", &format!("{path}/{id}"), None).await;
        match path {
            "/api/custom-fields" | "/api/satisfaction-surveys" => assert_eq!(del.status, 405),
            "/api/jobs" => {
                assert_eq!(del.status, 204);
                assert_eq!(
                    call(&sb, &c, "GET", &format!("{path}/{id}"), None)
                        .await
                        .json()["status"],
                    "canceled"
                );
            }
            _ => {
                assert_eq!(del.status, 204, "DELETE {path}: {}", del.text);
                assert_eq!(
                    call(&sb, &c, "GET", &format!("{path}/{id}"), None)
                        .await
                        .status,
                    404
                );
            }
        }
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_writes() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = sb.accounts()[0].clone();
    // Customer merge moves tickets and deletes the source.
    let tickets = walk(&sb, &c, "/api/tickets?limit=100").await;
    let source = tickets[0]["customer"]["id"].as_i64().unwrap();
    let target = tickets
        .iter()
        .map(|t| t["customer"]["id"].as_i64().unwrap())
        .find(|id| *id != source)
        .unwrap();
    let src = get(&sb, &c, &format!("/api/customers/{source}")).await;
    let tgt = get(&sb, &c, &format!("/api/customers/{target}")).await;
    let clash = src["integrations"]
        .as_object()
        .unwrap()
        .keys()
        .any(|k| tgt["integrations"].as_object().unwrap().contains_key(k));
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/customers/merge?source_id={source}&target_id={target}"),
        Some(json!({ "note": "merged" })),
    )
    .await;
    if clash {
        assert_eq!(r.status, 409);
    } else {
        assert_eq!(r.status, 200, "{}", r.text);
        // The body is not applied (recorded: Nango test merge-customers).
        assert_eq!(r.json()["id"], target);
        assert_ne!(r.json()["note"], "merged");
        assert_eq!(
            call(&sb, &c, "GET", &format!("/api/customers/{source}"), None)
                .await
                .status,
            404
        );
        assert!(
            walk(&sb, &c, &format!("/api/tickets?customer_id={source}"))
                .await
                .is_empty()
        );
        // Setting data on a merged customer answers 301 (documented; read without following).
        let r = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .put(format!("{}/api/customers/{source}/data", sb.base_url()))
            .header("Authorization", c.basic_header())
            .header("Content-Type", "application/json")
            .body(json!({ "data": {} }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 301);
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            format!("/api/customers/{target}/data")
        );
    }
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/customers/{target}/data"),
        Some(json!({ "data": { "points": 3 }, "version": "2030-01-01T00:00:00Z" })),
    )
    .await;
    // 200 with an empty body (recorded: Nango test set-customer-data).
    assert_eq!((r.status, r.text.as_str()), (200, ""));
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/customers/{target}/data"),
        Some(json!({ "data": { "points": 1 }, "version": "2020-01-01T00:00:00Z" })),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        get(&sb, &c, &format!("/api/customers/{target}")).await["data"],
        json!({ "points": 3 }),
        "older versions are ignored"
    );
    // Bulk delete.
    let ids2: Vec<i64> = walk(&sb, &c, "/api/customers?limit=3")
        .await
        .iter()
        .take(2)
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let r = call(
        &sb,
        &c,
        "DELETE",
        "/api/customers",
        Some(json!({ "ids": ids2 })),
    )
    .await;
    assert_eq!(r.status, 204);
    for id in &ids2 {
        assert_eq!(
            call(&sb, &c, "GET", &format!("/api/customers/{id}"), None)
                .await
                .status,
            404
        );
    }
    // Custom field values.
    let field = walk(&sb, &c, "/api/custom-fields?object_type=Customer&limit=100")
        .await
        .into_iter()
        .find(|f| f["definition"]["data_type"] == "text")
        .unwrap();
    let fid = field["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/customers/{target}/custom-fields"),
        Some(json!([{ "id": fid, "value": "gold" }])),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // `{"data": [{field, value}]}`, the field without `requirement_type` (recorded: Nango
    // tests update-customer-custom-field-values, list-customer-custom-field-values).
    assert_eq!(r.json()["data"][0]["value"], "gold");
    assert!(
        r.json()["data"][0]["field"]
            .get("requirement_type")
            .is_none()
    );
    let vals = get(&sb, &c, &format!("/api/customers/{target}/custom-fields")).await;
    assert_eq!(vals["data"][0]["value"], "gold");
    assert!(vals.get("meta").is_none());
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/customers/{target}/custom-fields"),
        Some(json!([{ "id": fid, "value": 3 }])),
    )
    .await;
    assert_eq!(r.status, 400);
    // Tag merge and macro archive.
    let tags = walk(&sb, &c, "/api/tags?limit=100").await;
    let (dest, src_tag) = (
        tags[0]["id"].as_i64().unwrap(),
        tags[1]["id"].as_i64().unwrap(),
    );
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/tags/{dest}/merge"),
        Some(json!({ "source_tags_ids": [src_tag] })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        call(&sb, &c, "GET", &format!("/api/tags/{src_tag}"), None)
            .await
            .status,
        404
    );
    let macros = walk(&sb, &c, "/api/macros?limit=100").await;
    let mid = macros[0]["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        "/api/macros/archive",
        Some(json!({ "ids": [mid] })),
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(!ids(&walk(&sb, &c, "/api/macros?limit=100").await).contains(&mid));
    assert!(ids(&walk(&sb, &c, "/api/macros?archived=true&limit=100").await).contains(&mid));
    let r = call(
        &sb,
        &c,
        "PUT",
        "/api/macros/unarchive",
        Some(json!({ "ids": [mid] })),
    )
    .await;
    assert_eq!(r.status, 200);
    // Rule priorities: 200 with a bare array of every rule (recorded: Nango test
    // update-rule-priorities).
    let rule = walk(&sb, &c, "/api/rules").await[0]["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "POST",
        "/api/rules/priorities",
        Some(json!({ "priorities": [{ "id": rule, "priority": 77 }] })),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json().as_array().unwrap().len(),
        sb.record_count("acme", ObjectKind::Rules).unwrap()
    );
    assert_eq!(
        get(&sb, &c, &format!("/api/rules/{rule}")).await["priority"],
        77
    );
    // Account settings.
    let r = call(
        &sb,
        &c,
        "POST",
        "/api/account/settings",
        Some(json!({ "type": "custom", "data": { "x": 1 } })),
    )
    .await;
    assert_eq!(r.status, 200);
    let sid = r.json()["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/account/settings/{sid}"),
        Some(json!({ "data": { "x": 2 } })),
    )
    .await;
    assert_eq!(r.json()["data"]["x"], 2);
    let list = get(&sb, &c, "/api/account/settings?type=custom").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list.get("meta").is_none());
    // Jobs: retrieve answers 200 (recorded: Nango test get-job).
    let job = sb.all_ids("acme", ObjectKind::Jobs).unwrap()[0];
    assert_eq!(
        call(&sb, &c, "GET", &format!("/api/jobs/{job}"), None)
            .await
            .status,
        200
    );
    // Users: email change needs password_confirmation.
    let u = walk(&sb, &c, "/api/users?limit=100")
        .await
        .into_iter()
        .find(|u| u["role"]["name"] != "admin")
        .unwrap();
    let uid = u["id"].as_i64().unwrap();
    let r = call(
        &sb,
        &c,
        "PUT",
        &format!("/api/users/{uid}"),
        Some(json!({ "email": "changed@acme.example.com" })),
    )
    .await;
    assert_eq!(r.error_fields(), vec!["password_confirmation".to_owned()]);
    sb.shutdown().await;
}
