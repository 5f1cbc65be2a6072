//! Error answers: 400 with field data, 401, 404 (JSON and the unknown-subdomain HTML page),
//! 405, 409.

use crate::common::{call, send, shared, small, start};
use gorgias_sandbox::{AccountOptions, SandboxOptions};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_query_parameters_are_400_naming_the_parameter() {
    let sb = shared();
    let c = &sb.accounts()[0];
    for (path, field) in [
        ("/api/tickets?limit=0", "limit"),
        ("/api/tickets?limit=101", "limit"),
        ("/api/tickets?limit=abc", "limit"),
        ("/api/rules?limit=101", "limit"),
        ("/api/tickets?order_by=name:asc", "order_by"),
        ("/api/tickets?order_by=created_datetime", "order_by"),
        ("/api/users?order_by=usage:desc", "order_by"),
        ("/api/tickets?foo=1", "foo"),
        (
            "/api/events?created_datetime[between]=2024-01-01",
            "created_datetime[between]",
        ),
        (
            "/api/events?created_datetime[gte]=yesterday",
            "created_datetime[gte]",
        ),
        ("/api/tickets?cursor=not-a-cursor", "cursor"),
        ("/api/tickets?customer_id=abc", "customer_id"),
        ("/api/jobs?status=sleeping", "status"),
        ("/api/custom-fields", "object_type"),
        ("/api/macros?order_by=relevance:desc", "ticket_id"),
        ("/api/account/settings?foo=bar", "foo"),
    ] {
        let r = call(sb, c, "GET", path, None).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert!(
            r.error_fields().contains(&field.to_owned()),
            "{path}: {}",
            r.text
        );
        assert!(r.json()["error"]["msg"].is_string());
    }
    // Cursors carry the sort value, not the ordering (recorded: Nango test list-events decodes
    // to `["next", "<datetime>", <id>]`), so only one whose value cannot fit the ordering in
    // force is refused: a tag-name cursor sent with a datetime ordering.
    let p = call(sb, c, "GET", "/api/tags?limit=5&order_by=name:asc", None)
        .await
        .json();
    let cur = crate::common::urlencode(p["meta"]["next_cursor"].as_str().unwrap());
    let r = call(
        sb,
        c,
        "GET",
        &format!("/api/tags?limit=5&order_by=created_datetime:asc&cursor={cur}"),
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_fields(), vec!["cursor".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_bodies_are_400_with_field_messages() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = &sb.accounts()[0];
    let r = call(&sb, c, "POST", "/api/tickets", Some(json!({}))).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["error"]["data"]["messages"],
        json!(["Missing data for required field."])
    );
    let r = call(
        &sb,
        c,
        "POST",
        "/api/tickets",
        Some(json!({ "messages": [{ "body_text": "hi" }] })),
    )
    .await;
    assert_eq!(r.status, 400);
    let m = &r.json()["error"]["data"]["messages"]["0"];
    for f in ["channel", "from_agent", "sender"] {
        assert_eq!(
            m[f],
            json!(["Missing data for required field."]),
            "{}",
            r.text
        );
    }
    // `via` may be omitted (recorded: Nango test create-ticket).
    assert!(m.get("via").is_none(), "{}", r.text);
    let r = call(
        &sb,
        c,
        "POST",
        "/api/tags",
        Some(json!({ "description": 3 })),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.error_fields(),
        vec!["description".to_owned(), "name".to_owned()]
    );
    let r = call(
        &sb,
        c,
        "POST",
        "/api/customers",
        Some(json!({ "email": "not-an-email" })),
    )
    .await;
    assert_eq!(r.error_fields(), vec!["email".to_owned()]);
    let r = call(
        &sb,
        c,
        "POST",
        "/api/jobs",
        Some(json!({ "type": "nap", "params": [] })),
    )
    .await;
    assert_eq!(
        r.error_fields(),
        vec!["params".to_owned(), "type".to_owned()]
    );
    let r = call(
        &sb,
        c,
        "POST",
        "/api/views",
        Some(json!({ "slug": "x", "filters": "eq(ticket.nope, 1)" })),
    )
    .await;
    assert_eq!(r.error_fields(), vec!["filters".to_owned()]);
    let r = call(
        &sb,
        c,
        "POST",
        "/api/stats/total-tickets-created",
        Some(json!({ "filters": {} })),
    )
    .await;
    assert_eq!(r.error_fields(), vec!["filters.period".to_owned()]);
    let r = send(&sb, Some(&c.basic_header()), "POST", "/api/tags", None).await;
    assert_eq!(r.status, 400);
    let url = format!("{}/api/tags", sb.base_url());
    let raw = crate::common::client()
        .post(url)
        .header("Authorization", c.basic_header())
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    assert!(raw.text().await.unwrap().contains("Invalid JSON"));
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized() {
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
    let body = r#"{"error":{"msg":"Unauthorized."}}"#;
    let wrong_key = gorgias_sandbox::AccountCredentials {
        api_key: "nope".into(),
        ..acme.clone()
    };
    let cases = [
        None,
        Some("Basic Zm9vOmJhcg==".to_owned()),
        Some(wrong_key.basic_header()),
        Some("Bearer wrong".to_owned()),
        Some("Token abc".to_owned()),
        Some("Basic !!!".to_owned()),
    ];
    for auth in &cases {
        let r = send(&sb, auth.as_deref(), "GET", "/api/account", None).await;
        assert_eq!((r.status, r.text.as_str()), (401, body), "{auth:?}");
    }
    // Another account's credentials on this account's host: 401.
    let url = format!("{}/api/account", sb.base_url());
    let r = crate::common::client()
        .get(&url)
        .header("Host", "acme.gorgias.com")
        .header("Authorization", globex.basic_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    // The right ones on the host: 200, and the host picks the account.
    let r = crate::common::client()
        .get(&url)
        .header("Host", "globex.localhost:1234")
        .header("Authorization", globex.bearer_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["domain"],
        "globex"
    );
    // Unknown subdomain: 404 HTML.
    let r = crate::common::client()
        .get(&url)
        .header("Host", "nobody.gorgias.com")
        .header("Authorization", acme.basic_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(r.text().await.unwrap().contains("<h1>Not Found</h1>"));
    assert!(sb.stats().unauthenticated >= 8);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_found_and_method_not_allowed() {
    let sb = shared();
    let c = &sb.accounts()[0];
    let nf = r#"{"error":{"msg":"Resource not found."}}"#;
    for path in [
        "/api/tickets/1",
        "/api/tickets/abc",
        "/api/customers/999",
        "/api/nothing",
        "/api/tickets/1/messages/2",
        "/api/users/12345678",
        "/api/stats/no-such-stat",
    ] {
        let method = if path.starts_with("/api/stats") {
            "POST"
        } else {
            "GET"
        };
        let body = path.starts_with("/api/stats").then(|| {
            json!({ "filters": { "period": { "start_datetime": "2025-01-01T00:00:00Z", "end_datetime": "2026-01-01T00:00:00Z" } } })
        });
        let r = call(sb, c, method, path, body).await;
        assert_eq!((r.status, r.text.as_str()), (404, nf), "{path}");
    }
    let r = call(sb, c, "PATCH", "/api/tickets", None).await;
    assert_eq!(r.status, 405);
    assert_eq!(
        r.json()["error"]["msg"],
        "The specified HTTP method is not allowed."
    );
    let r = call(sb, c, "DELETE", "/api/satisfaction-surveys/1", None).await;
    assert_eq!(r.status, 405);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_are_409() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = &sb.accounts()[0];
    let r = call(
        &sb,
        c,
        "POST",
        "/api/customers",
        Some(json!({ "email": "dup@example.com", "name": "A" })),
    )
    .await;
    // Creates answer 200 (recorded: Nango test create-customer).
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(
        &sb,
        c,
        "POST",
        "/api/customers",
        Some(json!({ "email": "DUP@example.com" })),
    )
    .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["error"]["msg"], "The resource already exists.");
    assert_eq!(r.error_fields(), vec!["email".to_owned()]);
    let tag =
        call(&sb, c, "GET", "/api/tags?limit=1", None).await.json()["data"][0]["name"].clone();
    let r = call(&sb, c, "POST", "/api/tags", Some(json!({ "name": tag }))).await;
    assert_eq!(r.status, 409);
    let user = call(&sb, c, "GET", "/api/users/0", None).await.json();
    let r = call(
        &sb,
        c,
        "POST",
        "/api/users",
        Some(json!({ "email": user["email"], "name": "Copy" })),
    )
    .await;
    assert_eq!(r.status, 409);
    sb.shutdown().await;
}
