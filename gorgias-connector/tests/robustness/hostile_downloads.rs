//! Hostile file hosts: a private-file download whose redirect points at another host (refused,
//! nothing sent there), at the API's own loopback address (followed, without credentials), in
//! a loop (stopped), or to a body larger than `max_bytes` (declared, or endless and chunked:
//! cut at the cap, nothing kept); the file host's errors; an HTML page instead of the file.
//! Against wiremock and a raw TCP server, through the library.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Error};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{definition, fast_retry};

/// The longest one download may take before the test calls it a hang.
const GUARD: Duration = Duration::from_secs(60);

const KEY: &str = "CANARY-FILES-KEY-7781";
const FILE: &str = "/api/attachment/download/Hna8kldnmlal/image.png";

fn connect(base: &str) -> Box<dyn Connector> {
    definition(fast_retry(2))
        .connect(&json!({
            "subdomain": "acme",
            "auth": {"type": "basic", "email": "agent@acme.com", "api_key": KEY},
            "base_url": base,
        }))
        .expect("valid config")
}

async fn download(c: &dyn Connector, input: Value) -> Result<Value, Error> {
    tokio::time::timeout(GUARD, c.run_action("download_private_file", input))
        .await
        .expect("the download did not end in time (a hang)")
}

fn redirect_to(location: &str) -> ResponseTemplate {
    ResponseTemplate::new(307).insert_header("Location", location)
}

async fn api_redirects(server: &MockServer, location: &str) {
    Mock::given(method("GET"))
        .and(path(FILE))
        .respond_with(redirect_to(location))
        .mount(server)
        .await;
}

fn has_credentials(r: &wiremock::Request) -> bool {
    r.headers.contains_key("authorization") || r.headers.contains_key("cookie")
}

/// A 307 to another host, even another port of this machine, is refused naming where it
/// pointed (without its signature), not retried, and nothing reaches that host.
#[tokio::test]
async fn a_redirect_to_another_host_is_refused_and_gets_nothing() {
    let api = MockServer::start().await;
    let other = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_string("stolen"))
        .mount(&other)
        .await;
    let elsewhere = format!("{}/signed/image.png?Signature=SIG-SECRET", other.uri());
    api_redirects(&api, &elsewhere).await;
    let c = connect(&api.uri());
    let e = download(c.as_ref(), json!({"url": FILE}))
        .await
        .expect_err("another host");
    let text = e.to_string();
    let Error::Upstream { status: 307, .. } = &e else {
        panic!("{e}")
    };
    let port = other.address().port().to_string();
    assert!(
        text.contains(&port) && text.contains("/signed/image.png"),
        "{text}"
    );
    assert!(
        !text.contains("SIG-SECRET") && !text.contains(KEY),
        "{text}"
    );
    assert!(
        other.received_requests().await.unwrap().is_empty(),
        "the other host was asked"
    );
    assert_eq!(
        api.received_requests().await.unwrap().len(),
        1,
        "not retried"
    );

    for target in [
        "https://evil.example/image.png?Signature=SIG-SECRET",
        "http://uploads.gorgias.io/image.png",
        "https://agent%40acme.com:pw@uploads.gorgias.io/image.png",
        "https://169.254.169.254/latest/meta-data",
        "https://acme.gorgias.com/api/account",
    ] {
        let api = MockServer::start().await;
        api_redirects(&api, target).await;
        let e = download(connect(&api.uri()).as_ref(), json!({"url": FILE}))
            .await
            .expect_err(target);
        let host = url::Url::parse(target)
            .unwrap()
            .host_str()
            .unwrap()
            .to_string();
        let text = e.to_string();
        assert!(
            text.contains(&host) && !text.contains("SIG-SECRET"),
            "{target}: {text}"
        );
    }
}

/// A redirect to the loopback base's own origin (the sandbox's signed links) is followed, and
/// the file request carries no credentials; the API request did.
#[tokio::test]
async fn a_redirect_to_the_loopback_base_is_followed_without_credentials() {
    let api = MockServer::start().await;
    api_redirects(&api, "/signed/image.png?expires=1&signature=abc").await;
    Mock::given(method("GET"))
        .and(path("/signed/image.png"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![1u8, 2, 3, 255], "image/png"))
        .mount(&api)
        .await;
    let c = connect(&api.uri());
    let out = download(
        c.as_ref(),
        json!({"url": format!("https://acme.gorgias.com{FILE}")}),
    )
    .await
    .expect("downloaded");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(out["content_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, [1, 2, 3, 255]);
    assert_eq!(out["content_type"], "image/png");
    let seen = api.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].url.path(), FILE);
    assert!(
        has_credentials(&seen[0]),
        "the API request is authenticated"
    );
    assert_eq!(seen[1].url.path(), "/signed/image.png");
    assert!(
        !has_credentials(&seen[1]),
        "credentials went to the file link"
    );
    assert_eq!(
        seen[1].url.query(),
        Some("expires=1&signature=abc"),
        "the link as given"
    );
}

/// A redirect loop stops after five hops with an error saying so, not retried.
#[tokio::test]
async fn a_redirect_loop_stops() {
    let api = MockServer::start().await;
    api_redirects(&api, "/signed/a").await;
    Mock::given(method("GET"))
        .and(path("/signed/a"))
        .respond_with(redirect_to("/signed/a"))
        .mount(&api)
        .await;
    let e = download(connect(&api.uri()).as_ref(), json!({"url": FILE}))
        .await
        .expect_err("a loop");
    assert!(e.to_string().contains("more than 5"), "{e}");
    let seen = api.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1 + 5, "the API once, then five hops");
    assert!(seen[1..].iter().all(|r| !has_credentials(r)));
}

/// A declared length over `max_bytes` is refused before reading; nothing is kept.
#[tokio::test]
async fn a_declared_length_over_max_bytes_is_refused() {
    let api = MockServer::start().await;
    api_redirects(&api, "/signed/big").await;
    Mock::given(method("GET"))
        .and(path("/signed/big"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0u8; 2_000]))
        .mount(&api)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let c = connect(&api.uri());
    for input in [
        json!({"url": FILE, "max_bytes": 1_999}),
        json!({"url": FILE, "max_bytes": 1_999, "save_to": dir.path().join("f").display().to_string()}),
    ] {
        let e = download(c.as_ref(), input).await.expect_err("too large");
        assert!(
            matches!(&e, Error::InvalidInput { path, .. } if path == "max_bytes"),
            "{e}"
        );
        assert!(e.to_string().contains("declared length is 2000"), "{e}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A raw HTTP/1.1 server: `/api/...` answers 307 to `/signed/x`, `/signed/x` an endless
/// chunked body. Returns its address and the count of body bytes it managed to send.
async fn endless_file_host() -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head);
                if line.starts_with("GET /api/") {
                    let _ = sock
                        .write_all(b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /signed/x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    return;
                }
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                    .await;
                let chunk = vec![b'x'; 16 << 10];
                // At most 1 GiB, so a connector that never stops cannot hang the test.
                for _ in 0..(1 << 16) {
                    let head = format!("{:x}\r\n", chunk.len());
                    if sock.write_all(head.as_bytes()).await.is_err()
                        || sock.write_all(&chunk).await.is_err()
                        || sock.write_all(b"\r\n").await.is_err()
                    {
                        return;
                    }
                    counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (format!("http://{addr}"), sent)
}

/// An endless body without a declared length is cut at `max_bytes` while streaming: the
/// download fails naming `max_bytes` long before the server runs out, and no file is kept.
#[tokio::test]
async fn an_endless_body_is_cut_at_max_bytes() {
    let (base, sent) = endless_file_host().await;
    let c = connect(&base);
    let dir = tempfile::tempdir().unwrap();
    for input in [
        json!({"url": FILE, "max_bytes": 1_000_000}),
        json!({"url": FILE, "max_bytes": 1_000_000, "save_to": dir.path().join("f").display().to_string()}),
    ] {
        let e = download(c.as_ref(), input).await.expect_err("endless");
        assert!(
            matches!(&e, Error::InvalidInput { path, .. } if path == "max_bytes"),
            "{e}"
        );
        assert!(e.to_string().contains("went past the cap"), "{e}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing kept"
    );
    // Socket buffers hold a few MiB at most beyond what was read.
    let sent = sent.load(Ordering::Relaxed);
    assert!(
        sent < 64 << 20,
        "the server sent {sent} bytes: the body was not cut"
    );
}

/// The file host's errors: a refused or expired link is a 403 saying so, a missing file a
/// not-found, a 500 is retried (the whole download, for a fresh link) and then reported.
#[tokio::test]
async fn the_file_hosts_errors_are_reported() {
    for (status, retried) in [(403u16, false), (404, false), (500, true)] {
        let api = MockServer::start().await;
        api_redirects(&api, "/signed/x?signature=SIG-SECRET").await;
        Mock::given(method("GET"))
            .and(path("/signed/x"))
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_string("<Error><StringToSign>SIG-SECRET</StringToSign></Error>"),
            )
            .mount(&api)
            .await;
        let e = download(connect(&api.uri()).as_ref(), json!({"url": FILE}))
            .await
            .expect_err("an error");
        let text = e.to_string();
        assert!(!text.contains("SIG-SECRET"), "{status}: {text}");
        match status {
            403 => assert!(text.contains("expired"), "{text}"),
            404 => assert!(matches!(e, Error::NotFound { .. }), "{text}"),
            _ => assert!(matches!(e, Error::Upstream { status: 500, .. }), "{text}"),
        }
        let api_calls = api
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == FILE)
            .count();
        assert_eq!(api_calls, if retried { 3 } else { 1 }, "{status}");
    }
}

/// The API answering a page instead of the file or a redirect is an error saying so (a
/// sign-in page saved as the file would be worse).
#[tokio::test]
async fn an_html_page_instead_of_the_file_is_refused() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(FILE))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>Sign in</html>", "text/html"))
        .mount(&api)
        .await;
    let e = download(connect(&api.uri()).as_ref(), json!({"url": FILE}))
        .await
        .expect_err("a page");
    assert!(e.to_string().contains("HTML page"), "{e}");
}
