//! Determinism, account isolation, data quirks, search, statistics, admin routes and the
//! mutation hooks.

use crate::common::{call, get, ids, shared, small, start, walk};
use gorgias_sandbox::{AccountOptions, ObjectKind, SandboxOptions, time};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_seed_same_data() {
    let a = start(
        SandboxOptions::default()
            .seed(3)
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let b = start(
        SandboxOptions::default()
            .seed(3)
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = start(
        SandboxOptions::default()
            .seed(4)
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    assert_eq!(a.accounts(), b.accounts());
    assert_ne!(a.accounts()[0].api_key, c.accounts()[0].api_key);
    for path in [
        "/api/tickets?limit=50",
        "/api/customers?limit=50",
        "/api/events?limit=50",
        "/api/messages?limit=50",
        "/api/users",
    ] {
        let x = call(&a, &a.accounts()[0], "GET", path, None).await.text;
        let y = call(&b, &b.accounts()[0], "GET", path, None).await.text;
        let z = call(&c, &c.accounts()[0], "GET", path, None).await.text;
        assert_eq!(x, y, "{path}");
        assert_ne!(x, z, "{path}");
    }
    for kind in ObjectKind::ALL {
        assert_eq!(
            a.all_ids("acme", kind).unwrap(),
            b.all_ids("acme", kind).unwrap(),
            "{kind}"
        );
    }
    for s in [a, b, c] {
        s.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_isolated() {
    let sb = start(
        SandboxOptions::default()
            .accounts(vec![
                AccountOptions::new("acme").sizes(small()),
                AccountOptions::new("globex").sizes(small()),
            ])
            .without_rate_limit(),
    )
    .await;
    let acme = sb.account("acme").unwrap();
    let globex = sb.account("globex").unwrap();
    assert_ne!(acme.api_key, globex.api_key);
    assert_eq!(get(&sb, &acme, "/api/account").await["domain"], "acme");
    assert_eq!(get(&sb, &globex, "/api/account").await["domain"], "globex");
    let r = call(
        &sb,
        &acme,
        "POST",
        "/api/tags",
        Some(json!({ "name": "only-acme" })),
    )
    .await;
    // Creates answer 200 (recorded: Nango test create-tag).
    assert_eq!(r.status, 200);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(
        call(&sb, &globex, "GET", &format!("/api/tags/{id}"), None)
            .await
            .status,
        404
    );
    assert!(
        !walk(&sb, &globex, "/api/tags?limit=100")
            .await
            .iter()
            .any(|t| t["name"] == "only-acme")
    );
    let a = ids(&walk(&sb, &acme, "/api/tickets?limit=100").await);
    let g = ids(&walk(&sb, &globex, "/api/tickets?limit=100").await);
    assert_ne!(a, g);
    let stats = sb.stats();
    assert!(stats.account("acme").total_requests >= 3);
    assert!(stats.account("globex").total_requests >= 3);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_has_the_documented_quirks() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let tickets = walk(sb, c, "/api/tickets?limit=100").await;
    let events = walk(sb, c, "/api/events?limit=100").await;
    // Real responses carry `+00:00` datetimes, with microseconds, or without a fraction when
    // it is zero (recorded: Nango tests list-tickets, events, custom-fields); the naive form of
    // the old documentation examples does not occur.
    for v in tickets.iter().chain(&events) {
        let s = v["created_datetime"].as_str().unwrap();
        assert!(time::parse(s).unwrap() < time::SEED_EPOCH);
        assert!(s.ends_with("+00:00"), "{s}");
        assert!(v["uri"].as_str().unwrap().ends_with('/'));
    }
    let fields = walk(sb, c, "/api/custom-fields?object_type=Ticket&limit=100").await;
    assert!(fields.iter().any(|f| {
        f["deactivated_datetime"]
            .as_str()
            .is_some_and(|d| !d.contains('.'))
    }));
    // Customers embed Shopify data with ids above 2^32 (in the full record: list items leave
    // `integrations` out, recorded: Nango test customers).
    let customers = walk(sb, c, "/api/customers?limit=100").await;
    assert!(customers.iter().all(|cu| cu.get("integrations").is_none()));
    let big = customers.iter().any(|cu| {
        let full = sb
            .get_record("acme", ObjectKind::Customers, cu["id"].as_i64().unwrap())
            .unwrap()
            .unwrap();
        full["integrations"]
            .as_object()
            .unwrap()
            .values()
            .any(|i| i["customer"]["id"].as_i64().unwrap() > (1i64 << 32))
    });
    assert!(big);
    // Nullable fields are sometimes null, sometimes not.
    assert!(
        tickets.iter().any(|t| t["assignee_user"].is_null())
            && tickets.iter().any(|t| !t["assignee_user"].is_null())
    );
    assert!(
        tickets.iter().any(|t| t["closed_datetime"].is_null())
            && tickets.iter().any(|t| !t["closed_datetime"].is_null())
    );
    // Every list endpoint is non-empty with the default sizes.
    for path in [
        "/api/customers",
        "/api/events",
        "/api/integrations",
        "/api/jobs",
        "/api/macros",
        "/api/rules",
        "/api/satisfaction-surveys",
        "/api/tags",
        "/api/tickets",
        "/api/messages",
        "/api/users",
        "/api/views",
        "/api/widgets",
        "/api/teams",
        "/api/custom-fields?object_type=Ticket",
        "/api/account/settings",
    ] {
        assert!(
            !get(sb, c, path).await["data"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{path}"
        );
    }
    // Ticket detail has messages and the full customer (the detail has no `messages_count`,
    // recorded: Nango test get-ticket).
    let id = tickets[0]["id"].as_i64().unwrap();
    let d = get(sb, c, &format!("/api/tickets/{id}")).await;
    assert_eq!(
        d["messages"].as_array().unwrap().len() as i64,
        tickets[0]["messages_count"].as_i64().unwrap()
    );
    assert!(d.get("messages_count").is_none());
    assert!(d["customer"]["channels"].is_array());
    // Trailing slashes work; /api/users/0 is the caller.
    assert_eq!(get(sb, c, &format!("/api/tickets/{id}/")).await["id"], id);
    assert_eq!(get(sb, c, "/api/users/0").await["email"], c.email);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_and_statistics() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let customer = walk(sb, c, "/api/customers?limit=100")
        .await
        .into_iter()
        .find(|cu| cu["email"].is_string())
        .unwrap();
    let email = customer["email"].as_str().unwrap();
    // Search answers 200 with `{data, object, uri: "", meta: {}}`, customers as `{id, name,
    // email}`, and `x-gorgias-search-engine: ES` (recorded: Nango test search).
    let r = call(
        sb,
        c,
        "POST",
        "/api/search",
        Some(json!({ "type": "customer", "query": email })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.header("x-gorgias-search-engine").as_deref(), Some("ES"));
    let v = r.json();
    assert_eq!(
        (&v["object"], &v["uri"], &v["meta"]),
        (&json!("list"), &json!(""), &json!({}))
    );
    assert_eq!(
        v["data"][0],
        json!({ "id": customer["id"], "name": customer["name"], "email": customer["email"] })
    );
    let r = call(
        sb,
        c,
        "POST",
        "/api/search",
        Some(json!({ "type": "customer_channel_email", "query": email })),
    )
    .await;
    assert_eq!(r.json()["data"][0]["customer"]["id"], customer["id"]);
    let r = call(
        sb,
        c,
        "POST",
        "/api/search",
        Some(json!({ "type": "agent", "query": "", "size": 2 })),
    )
    .await;
    assert_eq!(r.json()["data"].as_array().unwrap().len(), 2);
    let r = call(
        sb,
        c,
        "POST",
        "/api/search",
        Some(json!({ "type": "agent", "size": 51 })),
    )
    .await;
    assert_eq!(r.status, 400);

    let period = json!({ "filters": { "period": { "start_datetime": "2000-01-01T00:00:00Z", "end_datetime": "2030-01-01T00:00:00Z" } } });
    let r = call(
        sb,
        c,
        "POST",
        "/api/stats/total-tickets-created",
        Some(period.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let n = sb.record_count("acme", ObjectKind::Tickets).unwrap();
    assert_eq!(r.json()["data"]["data"]["value"], n);
    assert_eq!(
        r.json()["meta"]["start_datetime"],
        "2000-01-01T00:00:00+00:00"
    );
    let closed = walk(sb, c, "/api/tickets?limit=100")
        .await
        .iter()
        .filter(|t| !t["closed_datetime"].is_null())
        .count();
    let r = call(
        sb,
        c,
        "POST",
        "/api/stats/total-tickets-closed",
        Some(period.clone()),
    )
    .await;
    assert_eq!(r.json()["data"]["data"]["value"], closed);
    let r = call(
        sb,
        c,
        "POST",
        "/api/stats/tickets-closed-per-agent",
        Some(period.clone()),
    )
    .await;
    let total: i64 = r.json()["data"]["data"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l[1]["value"].as_i64().unwrap())
        .sum();
    assert_eq!(total as usize, closed);
    let r = call(
        sb,
        c,
        "POST",
        "/api/stats/satisfaction-surveys",
        Some(period.clone()),
    )
    .await;
    assert_eq!(r.json()["data"]["data"][0]["name"], "average_rating");
    // Not a modelled statistic (no shape is known), and CSV downloads are not modelled.
    for path in [
        "/api/stats/support-volume",
        "/api/stats/tickets-created-per-channel/download",
    ] {
        assert_eq!(
            call(sb, c, "POST", path, Some(period.clone())).await.status,
            404,
            "{path}"
        );
    }

    let q = json!({ "query": { "scope": "tickets-created", "filters": [], "timezone": "UTC", "dimensions": ["channel"], "measures": ["ticketCount"] } });
    let r = call(
        sb,
        c,
        "POST",
        "/api/reporting/stats?limit=2",
        Some(q.clone()),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut rows = r.json()["data"].as_array().unwrap().clone();
    let mut cursor = r.json()["meta"]["next_cursor"].as_str().map(str::to_owned);
    while let Some(cur) = cursor {
        let r = call(
            sb,
            c,
            "POST",
            &format!(
                "/api/reporting/stats?limit=2&cursor={}",
                crate::common::urlencode(&cur)
            ),
            Some(q.clone()),
        )
        .await;
        rows.extend(r.json()["data"].as_array().unwrap().iter().cloned());
        cursor = r.json()["meta"]["next_cursor"].as_str().map(str::to_owned);
    }
    let sum: i64 = rows
        .iter()
        .map(|r| r["ticketCount"].as_i64().unwrap())
        .sum();
    assert_eq!(sum as usize, n);
    let bad = json!({ "query": { "scope": "tickets-created", "filters": [], "timezone": "UTC", "measures": ["nope"] } });
    let r = call(sb, c, "POST", "/api/reporting/stats", Some(bad)).await;
    assert_eq!(r.error_fields(), vec!["query.measures".to_owned()]);
    let r = call(
        sb,
        c,
        "POST",
        "/api/reporting/stats",
        Some(json!({ "query": { "scope": "tickets-created" } })),
    )
    .await;
    assert_eq!(
        r.error_fields(),
        vec!["query.filters".to_owned(), "query.timezone".to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_and_admin_routes() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = sb.accounts()[0].clone();
    let before = sb.record_count("acme", ObjectKind::Tickets).unwrap();
    let new_ticket = sb.insert("acme", ObjectKind::Tickets).unwrap();
    assert_eq!(
        sb.record_count("acme", ObjectKind::Tickets).unwrap(),
        before + 1
    );
    let t = get(&sb, &c, &format!("/api/tickets/{new_ticket}")).await;
    assert_eq!(t["messages"].as_array().unwrap().len(), 1);
    let listed = sb
        .get_record("acme", ObjectKind::Tickets, new_ticket)
        .unwrap()
        .unwrap();
    assert_eq!(listed["messages_count"], 1);
    for kind in ObjectKind::ALL {
        let n = sb.record_count("acme", kind).unwrap();
        let id = sb.insert("acme", kind).unwrap();
        assert!(sb.all_ids("acme", kind).unwrap().contains(&id), "{kind}");
        assert_eq!(sb.record_count("acme", kind).unwrap(), n + 1, "{kind}");
    }
    let touched = sb.touch("acme", ObjectKind::Customers, 4).unwrap();
    assert_eq!(touched.len(), 4);
    let feed = get(
        &sb,
        &c,
        "/api/customers?limit=4&order_by=updated_datetime:desc",
    )
    .await;
    let mut got = ids(feed["data"].as_array().unwrap());
    let mut want = touched.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert!(
        sb.touch("acme", ObjectKind::Tags, 1).is_err(),
        "tags have no updated_datetime"
    );
    let v = sb
        .update_record(
            "acme",
            ObjectKind::Tickets,
            new_ticket,
            json!({ "subject": "Patched" }),
        )
        .unwrap();
    assert_eq!(v["subject"], "Patched");
    assert_eq!(
        get(&sb, &c, &format!("/api/tickets/{new_ticket}")).await["subject"],
        "Patched"
    );
    assert!(
        sb.update_record("acme", ObjectKind::Tickets, 1, json!({}))
            .is_err()
    );
    assert!(sb.touch("nobody", ObjectKind::Tickets, 1).is_err());

    let http = crate::common::client();
    let stats: Value = http
        .get(format!("{}/__sandbox/stats", sb.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acme = &stats["accounts"]["acme"];
    assert!(acme["total_requests"].as_u64().unwrap() >= 3);
    assert!(
        acme["requests_by_route"]["GET /api/tickets/{id}"]
            .as_u64()
            .unwrap()
            >= 2
    );
    assert!(acme["request_log"].as_array().unwrap().len() >= 3);
    let r = http
        .post(format!("{}/__sandbox/reset", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(sb.stats().account("acme").total_requests, 0);
    let r = http
        .get(format!("{}/__sandbox/faults", sb.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({ "seed": 0, "rules": [] })
    );
    let handle2 = sb.clone();
    handle2.shutdown().await;
    assert!(
        http.get(format!("{}/__sandbox/stats", sb.base_url()))
            .send()
            .await
            .is_err(),
        "stopped"
    );
}
