//! HTTP edge cases of the per-account client, against wiremock: retries, 429, error mapping,
//! auth headers, pagination guards. (End-to-end behaviour against the sandbox lives in
//! `tests/objects/`.)

use std::time::Duration;

use connector_sdk::{ConnectorExt, DefinitionExt, Error, Message, ReadRequest};
use futures::StreamExt;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn definition() -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Off,
        retry: RetryOptions {
            max_retries: 3,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            ..RetryOptions::default()
        },
    })
}

fn config(server: &MockServer) -> Value {
    json!({
        "subdomain": "acme",
        "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "CANARY-KEY-1234"},
        "base_url": server.uri(),
    })
}

fn page(ids: &[i64], next: Option<&str>) -> Value {
    json!({
        "object": "list",
        "uri": "/api/tickets",
        "data": ids.iter().map(|i| json!({"id": i, "subject": format!("t{i}"), "updated_datetime": format!("2024-01-{:02}T00:00:00", i % 28 + 1)})).collect::<Vec<_>>(),
        "meta": {"prev_cursor": null, "next_cursor": next},
    })
}

fn new_ticket() -> Value {
    json!({"channel": "api", "via": "api", "subject": "vip",
           "messages": [{"channel": "api", "via": "api", "from_agent": false, "body_text": "hello"}]})
}

async fn catch_all(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500).set_body_string("unmatched request"))
        .with_priority(u8::MAX)
        .mount(server)
        .await;
}

async fn read_ids(server: &MockServer, stream: &str) -> Result<Vec<i64>, Error> {
    let connector = definition().connect(&config(server))?;
    let mut s = connector.read_stream(stream, ReadRequest::full_refresh())?;
    let mut ids = Vec::new();
    while let Some(m) = s.next().await {
        if let Message::Record(r) = m? {
            ids.push(r.value()?["id"].as_i64().unwrap());
        }
    }
    Ok(ids)
}

#[tokio::test]
async fn basic_auth_header_and_check() {
    let server = MockServer::start().await;
    // base64("agent@acme.com:CANARY-KEY-1234")
    Mock::given(method("GET"))
        .and(path("/api/account"))
        .and(header(
            "authorization",
            "Basic YWdlbnRAYWNtZS5jb206Q0FOQVJZLUtFWS0xMjM0",
        ))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"domain": "acme"})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    definition()
        .connect(&config(&server))
        .unwrap()
        .check()
        .await
        .unwrap();
}

#[tokio::test]
async fn bearer_auth_header() {
    let server = MockServer::start().await;
    Mock::given(path("/api/account"))
        .and(header("authorization", "Bearer CANARY-TOKEN"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"domain": "acme"})))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    let mut cfg = config(&server);
    cfg["auth"] = json!({"type": "bearer", "token": "CANARY-TOKEN"});
    definition().connect(&cfg).unwrap().check().await.unwrap();
}

#[tokio::test]
async fn status_codes_map_to_actionable_errors_without_retrying_4xx() {
    let cases: Vec<(u16, ResponseTemplate, &str)> = vec![
        (401, ResponseTemplate::new(401).set_body_json(json!({"error": {"msg": "Unauthorized."}})), "authentication rejected: Unauthorized.; check the credentials in the config"),
        (403, ResponseTemplate::new(403).set_body_json(json!({"error": {"msg": "You do not have enough permissions to perform this action."}})), "permission denied: You do not have enough permissions"),
        (404, ResponseTemplate::new(404).insert_header("content-type", "text/html").set_body_string("<!doctype html><title>404 Not Found</title>"), "no Gorgias account at subdomain acme"),
        (400, ResponseTemplate::new(400).set_body_json(json!({"error": {"msg": "Failed to create ticket", "data": {"channel": ["Missing data for required field."]}}})), "upstream error 400: Failed to create ticket (channel: Missing data for required field.)"),
    ];
    for (status, response, want) in cases {
        let server = MockServer::start().await;
        Mock::given(path("/api/account"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        let err = definition()
            .connect(&config(&server))
            .unwrap()
            .check()
            .await
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains(want), "{status}: {text}");
        assert!(!text.contains("CANARY"), "{text}");
        assert!(!format!("{err:?}").contains("CANARY"));
    }
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(path("/api/account"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(json!({"error": {"msg": "An external service had an issue."}})),
        )
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/account"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"domain": "acme"})))
        .expect(1)
        .mount(&server)
        .await;
    definition()
        .connect(&config(&server))
        .unwrap()
        .check()
        .await
        .unwrap();
}

#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(path("/api/account"))
        .respond_with(ResponseTemplate::new(502).set_body_string("bad gateway"))
        .expect(4) // 1 + max_retries (3)
        .mount(&server)
        .await;
    let err = definition()
        .connect(&config(&server))
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Upstream { status: 502, .. }), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn rate_limited_requests_wait_retry_after() {
    let server = MockServer::start().await;
    Mock::given(path("/api/account"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-after", "1")
                .insert_header("X-Gorgias-Account-Api-Call-Limit", "40/40")
                .set_body_json(json!({"error": {"msg": "Too many requests."}})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/account"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"domain": "acme"})))
        .expect(1)
        .mount(&server)
        .await;
    definition()
        .connect(&config(&server))
        .unwrap()
        .check()
        .await
        .unwrap();
}

/// The 429 body is UNCONFIRMED (never recorded): JSON in Gorgias's error shape, a plain
/// message, an HTML page or nothing, with or without `Retry-after`; each is waited out and
/// retried the same way.
#[tokio::test]
async fn every_plausible_429_body_is_retried() {
    for (body, content_type) in [
        (
            r#"{"error":{"msg":"Too many requests."}}"#,
            "application/json",
        ),
        (r#"{"message":"Rate limit exceeded"}"#, "application/json"),
        ("Too Many Requests", "text/plain"),
        (
            "<html><body><h1>429 Too Many Requests</h1></body></html>",
            "text/html",
        ),
        ("", "application/json"),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/api/account"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-after", "0")
                    .set_body_raw(body, content_type),
            )
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/api/account"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"domain": "acme"})))
            .expect(1)
            .mount(&server)
            .await;
        definition()
            .connect(&config(&server))
            .unwrap()
            .check()
            .await
            .unwrap_or_else(|e| panic!("429 with {content_type} body {body:?}: {e}"));
    }
}

/// View items page by `meta.next_items` (recorded: Nango test list-view-items); every
/// parameter it carries is sent back (`cursor`, `direction`, `ignored_item`), whichever
/// plausible form it takes (UNCONFIRMED), and customer-list views are not read as tickets.
#[tokio::test]
async fn view_items_follow_next_items_with_every_parameter() {
    for next_items in [
        "/api/views/7/items?cursor=c2Vjb25k&direction=next&ignored_item=2",
        "https://acme.gorgias.com/api/views/7/items?direction=next&cursor=c2Vjb25k&ignored_item=2",
        "cursor=c2Vjb25k&direction=next&ignored_item=2",
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/api/views"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "object": "list", "uri": "/api/views?",
                "data": [
                    {"id": 7, "type": "ticket-list", "name": "All"},
                    {"id": 8, "type": "customer-list", "name": "All customers"}
                ],
                "meta": {"prev_cursor": null, "next_cursor": null}
            })))
            .mount(&server)
            .await;
        Mock::given(path("/api/views/7/items"))
            .and(query_param("cursor", "c2Vjb25k"))
            .and(query_param("direction", "next"))
            .and(query_param("ignored_item", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": [{"id": 3, "subject": "c"}],
                "meta": {"next_items": null, "prev_items": "/api/views/7/items?cursor=x&direction=prev", "current_cursor": "c2Vjb25k"}
            })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/api/views/7/items"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": [{"id": 1, "subject": "a"}, {"id": 2, "subject": "b"}],
                "meta": {"next_items": next_items, "prev_items": null, "current_cursor": null}
            })))
            // The stream's first page, and the action's.
            .expect(2)
            .mount(&server)
            .await;
        Mock::given(path("/api/views/8/items"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"data": [{"id": 99, "email": "x@y.z"}], "meta": {"next_items": null}}),
            ))
            .expect(0)
            .mount(&server)
            .await;
        let connector = definition().connect(&config(&server)).unwrap();
        let mut items = connector
            .read_stream("view_items", ReadRequest::full_refresh())
            .unwrap();
        let mut ids = Vec::new();
        while let Some(m) = items.next().await {
            if let Message::Record(r) = m.unwrap_or_else(|e| panic!("{next_items}: {e}")) {
                let v = r.value().unwrap();
                assert_eq!(v["view_id"], 7);
                ids.push(v["id"].as_i64().unwrap());
            }
        }
        assert_eq!(ids, vec![1, 2, 3], "{next_items}");
        let page = connector
            .run_action("list_view_items", json!({"view_id": 7}))
            .await
            .unwrap();
        assert_eq!(page["next_cursor"], "c2Vjb25k", "{page}");
        assert_eq!(page["next_page"]["direction"], "next");
        assert_eq!(page["next_page"]["ignored_item"], 2);
    }
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_fails_as_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(path("/api/account"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let err = definition()
        .connect(&config(&server))
        .unwrap()
        .check()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err}");
}

#[tokio::test]
async fn creates_are_not_retried_after_a_server_error_but_are_after_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/tickets"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"msg": "boom"}})))
        .expect(1)
        .mount(&server)
        .await;
    let connector = definition().connect(&config(&server)).unwrap();
    let err = connector
        .run_action("create_ticket", new_ticket())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Upstream { status: 500, .. }), "{err}");

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/tickets"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/tickets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"id": 9, "subject": "vip", "updated_datetime": "2024-01-01T00:00:00"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let connector = definition().connect(&config(&server)).unwrap();
    let out = connector
        .run_action("create_ticket", new_ticket())
        .await
        .unwrap();
    assert_eq!(out["id"], 9);
}

#[tokio::test]
async fn pages_follow_next_cursor_and_bare_arrays_are_accepted() {
    let server = MockServer::start().await;
    Mock::given(path("/api/tickets"))
        .and(query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&[3], None)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/tickets"))
        .and(query_param("limit", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&[1, 2], Some("c2"))))
        .expect(1)
        .mount(&server)
        .await;
    catch_all(&server).await;
    assert_eq!(read_ids(&server, "tickets").await.unwrap(), vec![1, 2, 3]);

    let server = MockServer::start().await;
    Mock::given(path("/api/tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!([{"id": 5, "subject": "x", "updated_datetime": "2024-01-01T00:00:00"}]),
        ))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(read_ids(&server, "tickets").await.unwrap(), vec![5]);
}

#[tokio::test]
async fn a_cursor_loop_is_an_error_not_an_endless_read() {
    let server = MockServer::start().await;
    Mock::given(path("/api/tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&[1], Some("same"))))
        .expect(2)
        .mount(&server)
        .await;
    let err = read_ids(&server, "tickets").await.unwrap_err();
    assert!(err.to_string().contains("pagination loop"), "{err}");
}

#[tokio::test]
async fn a_truncated_page_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/tickets"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(r#"{"object":"list","data":[{"id":1,"na"#),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/tickets"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&[1], None)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(read_ids(&server, "tickets").await.unwrap(), vec![1]);
}

#[tokio::test]
async fn hostile_configs_are_refused_before_any_request() {
    let server = MockServer::start().await;
    catch_all(&server).await;
    for (field, value) in [
        ("subdomain", json!("evil.com")),
        ("subdomain", json!("https://acme.gorgias.com@evil.com")),
        ("base_url", json!("http://10.1.2.3:80")),
        ("base_url", json!("https://acme.gorgias.com")),
    ] {
        let mut cfg = config(&server);
        cfg[field] = value.clone();
        let err = definition()
            .connect(&cfg)
            .err()
            .unwrap_or_else(|| panic!("{value} accepted"));
        assert!(err.to_string().contains(field), "{err}");
    }
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

/// A 403 for a missing OAuth scope names the scope and the way out (recorded: Nango test
/// unarchive-macros answered 403 "Missing scope: write:all.").
#[tokio::test]
async fn unarchiving_macros_without_write_all_says_which_scope() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/macros/unarchive"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": {"msg": "You do not have enough permissions to perform this action. Missing scope: write:all."}})))
        .expect(1)
        .mount(&server)
        .await;
    let err = definition()
        .connect(&config(&server))
        .unwrap()
        .run_action("unarchive_macros", json!({"ids": [4]}))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(&err, Error::MissingScope { scope, .. } if scope == "write:all"),
        "{text}"
    );
    assert!(
        text.starts_with("missing OAuth scope `write:all`"),
        "{text}"
    );
    assert!(text.contains("Missing scope: write:all."), "{text}");
    assert!(text.contains("needs the legacy write:all scope"), "{text}");
}
