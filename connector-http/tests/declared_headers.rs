//! What a connector declares is what runs: the client reads the usage and `Retry-After` headers
//! its `RateLimit` names, whatever they are called, and no other.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use connector_http::page::ParsedPage;
use connector_http::{Client, Credentials, Dialect};
use connector_sdk::{Error, RateLimit, RateLimitScope};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug)]
struct Plain;

impl Dialect for Plain {
    fn service(&self) -> &str {
        "Plain"
    }
    fn parse_page<'a>(&self, _body: &'a [u8]) -> Result<ParsedPage<'a>, Error> {
        Ok(ParsedPage {
            records: Vec::new(),
            next_cursor: None,
        })
    }
}

/// A one-route HTTP server on loopback answering every request with `status`, `headers` and `{}`.
async fn server(status: u16, headers: &'static str) -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: 2\r\n{headers}connection: close\r\n\r\n{{}}"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/").parse().unwrap()
}

fn limit(usage: &str, retry_after: &str) -> RateLimit {
    RateLimit {
        auth_scheme: None,
        requests: 40,
        window_ms: 20_000,
        scope: RateLimitScope::Account,
        usage_header: Some(usage.into()),
        retry_after_header: Some(retry_after.into()),
        note: String::new(),
    }
}

fn client(base: url::Url, limit: RateLimit) -> Client {
    let retry = connector_http::RetryOptions {
        max_rate_limited: 0,
        ..Default::default()
    };
    Client::builder(
        Client::shared_http("test").unwrap(),
        base,
        Arc::new(Plain),
        Credentials::bearer("t0ken-xyz", "auth.token").unwrap(),
    )
    .rate_limit(Some(limit))
    .retry(retry)
    .build()
    .unwrap()
}

#[tokio::test]
async fn the_declared_usage_header_is_read_and_no_other() {
    // The bucket is reported full by another client: 39 requests beyond this client's one.
    let base = server(200, "x-bucket-used: 40/40\r\n").await;
    let declared = client(base.clone(), limit("X-Bucket-Used", "Retry-After"));
    declared.get_json("/", &[]).await.unwrap();
    assert_eq!(
        declared.contention_level(),
        1,
        "the declared header was read"
    );
    let other = client(
        base,
        limit("X-Gorgias-Account-Api-Call-Limit", "Retry-After"),
    );
    other.get_json("/", &[]).await.unwrap();
    assert_eq!(
        other.contention_level(),
        0,
        "an undeclared header is ignored"
    );
}

#[tokio::test]
async fn the_declared_retry_after_header_is_the_wait_reported() {
    let base = server(429, "x-wait-seconds: 7\r\nretry-after: 1\r\n").await;
    let declared = client(base, limit("X-Bucket-Used", "X-Wait-Seconds"));
    match declared.get_json("/", &[]).await {
        Err(Error::RateLimited { retry_after, .. }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(7)))
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(declared.stats().rate_limited.load(Ordering::Relaxed), 1);
}
