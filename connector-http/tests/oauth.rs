//! The OAuth2 session of the toolkit's client against a small fake API with a token endpoint:
//! one refresh for any number of concurrent requests, exactly one refresh on a 401, due tokens
//! refreshed before they are sent, a revoked refresh token in words, a rotated refresh token
//! stored before the new access token is used (and kept unused while the store fails), and
//! echoed secrets scrubbed.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use connector_http::oauth::{OAuth2, OAuth2Fields};
use connector_http::page::ParsedPage;
use connector_http::{Client, Credentials, Dialect};
use connector_sdk::{ConfigSink, ConfigUpdate, Error};
use futures::FutureExt as _;
use serde_json::{Value, json};
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

const FIELDS: OAuth2Fields = OAuth2Fields {
    client_id: "auth.client_id",
    client_secret: "auth.client_secret",
    refresh_token: "auth.refresh_token",
    access_token: "auth.access_token",
};
const SECRET: &str = "CANARY-client-secret-9f2";

/// What the fake does, and what it saw.
#[derive(Default)]
struct Fake {
    /// Access tokens the API accepts, with their `exp` (Unix s) when they are JWTs.
    valid: Mutex<HashSet<String>>,
    /// The refresh token the token endpoint accepts.
    refresh: Mutex<String>,
    rotate: AtomicBool,
    revoked: AtomicBool,
    /// Refuse every access token, even fresh ones.
    refuse_all: AtomicBool,
    /// Echo the request's Authorization header in API errors and token errors.
    echo: AtomicBool,
    /// Seconds of life of issued JWTs (0: opaque tokens).
    jwt_lifetime: AtomicU64,
    token_delay_ms: AtomicU64,
    issued: AtomicU64,
    token_requests: AtomicU64,
    api_401: AtomicU64,
    /// Everything in order: `token`, `api <token>`, `stored <refresh token>`.
    log: Mutex<Vec<String>>,
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn jwt(claims: &Value) -> String {
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2ln",
        b(r#"{"alg":"RS256"}"#),
        b(&claims.to_string())
    )
}

fn exp_of(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    serde_json::from_slice::<Value>(&bytes).ok()?["exp"].as_i64()
}

impl Fake {
    fn log(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }

    async fn answer(&self, head: &str, body: &str) -> (u16, String) {
        let first = head.lines().next().unwrap_or("");
        let auth = head
            .lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
            })
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default();
        if first.starts_with("POST /oauth/token") {
            self.token_requests.fetch_add(1, Ordering::SeqCst);
            self.log("token".into());
            tokio::time::sleep(Duration::from_millis(
                self.token_delay_ms.load(Ordering::SeqCst),
            ))
            .await;
            let basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("app:{SECRET}"))
            );
            if self.echo.load(Ordering::SeqCst) {
                return (
                    401,
                    json!({"error": "invalid_client", "error_description": format!("{auth} {body}")})
                        .to_string(),
                );
            }
            if auth != basic {
                return (401, r#"{"error":"invalid_client"}"#.into());
            }
            let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
            let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let current = self.refresh.lock().unwrap().clone();
            if get("grant_type").as_deref() != Some("refresh_token")
                || get("refresh_token") != Some(current)
                || self.revoked.load(Ordering::SeqCst)
            {
                return (400, r#"{"error":"invalid_grant"}"#.into());
            }
            let n = self.issued.fetch_add(1, Ordering::SeqCst) + 1;
            let lifetime = self.jwt_lifetime.load(Ordering::SeqCst) as i64;
            let access = if lifetime > 0 {
                let iat = now_secs();
                jwt(&json!({"iat": iat, "exp": iat + lifetime, "jti": n}))
            } else {
                format!("at-{n}")
            };
            self.valid.lock().unwrap().insert(access.clone());
            let mut answer =
                json!({"access_token": access, "expires_in": 0, "token_type": "Bearer"});
            if self.rotate.load(Ordering::SeqCst) {
                let next = format!("rt-{n}");
                *self.refresh.lock().unwrap() = next.clone();
                answer["refresh_token"] = json!(next);
            }
            return (200, answer.to_string());
        }
        let token = auth.strip_prefix("Bearer ").unwrap_or("").to_string();
        self.log(format!("api {token}"));
        if self.echo.load(Ordering::SeqCst) {
            return (400, json!({"error": {"msg": auth}}).to_string());
        }
        let live = exp_of(&token).is_none_or(|exp| now_secs() < exp);
        if self.refuse_all.load(Ordering::SeqCst)
            || !live
            || !self.valid.lock().unwrap().contains(&token)
        {
            self.api_401.fetch_add(1, Ordering::SeqCst);
            return (401, r#"{"error":{"msg":"Unauthorized."}}"#.into());
        }
        (200, "{}".into())
    }
}

/// Serves `fake` on a loopback port: one request per connection.
async fn serve(fake: Arc<Fake>) -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let fake = fake.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, mut body) = loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).into_owned();
                        break (head, buf[i + 4..].to_vec());
                    }
                };
                let length = head
                    .lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    })
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                while body.len() < length {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        break;
                    }
                    body.extend_from_slice(&chunk[..n]);
                }
                let (status, text) = fake.answer(&head, &String::from_utf8_lossy(&body)).await;
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                    text.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/").parse().unwrap()
}

fn fake() -> Arc<Fake> {
    let f = Fake::default();
    *f.refresh.lock().unwrap() = "rt-0".into();
    Arc::new(f)
}

fn client(base: url::Url, oauth: OAuth2) -> Client {
    Client::builder(
        Client::shared_http("oauth-test").unwrap(),
        base,
        Arc::new(Plain),
        Credentials::oauth2(oauth).unwrap(),
    )
    .timeout(Duration::from_secs(5))
    .retry(connector_http::RetryOptions {
        max_retries: 2,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..Default::default()
    })
    .build()
    .unwrap()
}

fn session() -> OAuth2 {
    OAuth2::new("/oauth/token", FIELDS, "app", SECRET, "rt-0")
}

async fn get(c: &Client) -> Result<Value, Error> {
    c.get_json("/api/x", &[]).await
}

#[tokio::test]
async fn concurrent_requests_share_one_refresh() {
    let fake = fake();
    fake.token_delay_ms.store(150, Ordering::SeqCst);
    let c = client(serve(fake.clone()).await, session());
    let results = futures::future::join_all((0..8).map(|_| get(&c))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(fake.api_401.load(Ordering::SeqCst), 0);
    // The token request went through the account's pacer and counters like the API's.
    assert_eq!(c.stats().requests.load(Ordering::SeqCst), 9);
}

#[tokio::test]
async fn a_401_refreshes_exactly_once_and_a_second_one_is_auth_rejected() {
    let fake = fake();
    let base = serve(fake.clone()).await;
    // An access token the API no longer accepts (opaque: no expiry to go by).
    let c = client(base, session().access_token(Some("stale-token".into())));
    get(&c).await.expect("refreshed after the 401");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(fake.api_401.load(Ordering::SeqCst), 1);
    // Concurrent requests that all get a 401 share the refresh too.
    fake.valid.lock().unwrap().clear();
    let results = futures::future::join_all((0..4).map(|_| get(&c))).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 2);
    // A token refused even fresh: one refresh, then the error.
    fake.refuse_all.store(true, Ordering::SeqCst);
    let before = fake.api_401.load(Ordering::SeqCst);
    let e = get(&c).await.expect_err("refused twice");
    assert!(matches!(e, Error::AuthRejected { .. }), "{e}");
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 3);
    assert_eq!(fake.api_401.load(Ordering::SeqCst) - before, 2);
}

#[tokio::test]
async fn due_tokens_are_refreshed_before_they_are_sent() {
    let fake = fake();
    fake.jwt_lifetime.store(2, Ordering::SeqCst);
    let base = serve(fake.clone()).await;
    // An access token that expired long ago: refreshed before the first request.
    let expired = jwt(&json!({"exp": 1_000_000, "iat": 999_000}));
    fake.valid.lock().unwrap().insert(expired.clone());
    let c = client(base, session().access_token(Some(expired)));
    // Requests every 250 ms for 3.5 s over 2-second tokens: each is refreshed before its end.
    for _ in 0..14 {
        get(&c).await.expect("request");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(
        fake.api_401.load(Ordering::SeqCst),
        0,
        "no request met a 401"
    );
    let refreshes = fake.token_requests.load(Ordering::SeqCst);
    assert!((2..=6).contains(&refreshes), "{refreshes} refreshes");
}

#[tokio::test]
async fn a_revoked_refresh_token_says_to_reconnect_and_is_not_retried() {
    let fake = fake();
    fake.revoked.store(true, Ordering::SeqCst);
    let c = client(serve(fake.clone()).await, session());
    let e = get(&c).await.expect_err("revoked").to_string();
    assert!(
        e.starts_with("authentication rejected: the refresh token was revoked or expired")
            && e.contains("reconnect the app")
            && e.contains("auth.refresh_token"),
        "{e}"
    );
    assert_eq!(fake.token_requests.load(Ordering::SeqCst), 1);
    assert_eq!(fake.log.lock().unwrap().len(), 1, "no API request was sent");
}

/// A sink that records into the fake's log (so its place among the requests is known), and
/// fails while `fail` is set.
fn recording_sink(
    fake: Arc<Fake>,
    fail: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Value>>>,
) -> ConfigSink {
    ConfigSink::new(move |u: ConfigUpdate| {
        let (fake, fail, seen) = (fake.clone(), fail.clone(), seen.clone());
        async move {
            if fail.load(Ordering::SeqCst) {
                return Err(Error::Io {
                    context: "writing a message to stdout".into(),
                    source: std::io::Error::other("disk full"),
                });
            }
            let refresh = u.config["auth"]["refresh_token"]
                .as_str()
                .unwrap_or("")
                .to_string();
            fake.log(format!("stored {refresh}"));
            seen.lock().unwrap().push(u.config);
            Ok(())
        }
        .boxed()
    })
}

#[tokio::test]
async fn a_rotated_refresh_token_is_stored_before_the_new_access_token_is_used() {
    let fake = fake();
    fake.rotate.store(true, Ordering::SeqCst);
    let base = serve(fake.clone()).await;
    let fail = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let config = json!({"subdomain": "acme", "auth": {"type": "oauth2", "client_id": "app", "client_secret": SECRET, "refresh_token": "rt-0"}});
    let c = client(
        base,
        session().updates(
            config,
            recording_sink(fake.clone(), fail.clone(), seen.clone()),
        ),
    );
    get(&c).await.expect("request");
    // The API is told to refuse the token: the next refresh uses the rotated refresh token.
    fake.valid.lock().unwrap().clear();
    get(&c).await.expect("request after a 401");
    assert_eq!(
        *fake.log.lock().unwrap(),
        [
            "token",
            "stored rt-1",
            "api at-1",
            "api at-1",
            "token",
            "stored rt-2",
            "api at-2"
        ]
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0]["auth"]["access_token"], "at-1");
    assert_eq!(seen[1]["auth"]["refresh_token"], "rt-2");
    assert_eq!(
        seen[1]["subdomain"], "acme",
        "the whole config is handed over"
    );
}

#[tokio::test]
async fn while_the_store_fails_the_rotated_tokens_stay_unused() {
    let fake = fake();
    fake.rotate.store(true, Ordering::SeqCst);
    let base = serve(fake.clone()).await;
    let fail = Arc::new(AtomicBool::new(true));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let config = json!({"auth": {"refresh_token": "rt-0"}});
    let c = client(
        base,
        session().updates(
            config,
            recording_sink(fake.clone(), fail.clone(), seen.clone()),
        ),
    );
    let e = get(&c).await.expect_err("the store failed").to_string();
    assert!(
        e.contains("the host could not store the updated config") && e.contains("disk full"),
        "{e}"
    );
    assert_eq!(*fake.log.lock().unwrap(), ["token"], "no API request");
    fail.store(false, Ordering::SeqCst);
    get(&c).await.expect("handed over again, then used");
    assert_eq!(
        *fake.log.lock().unwrap(),
        ["token", "stored rt-1", "api at-1"],
        "the same tokens, no second refresh"
    );
}

#[tokio::test]
async fn echoed_secrets_are_scrubbed_from_errors() {
    let fake = fake();
    let base = serve(fake.clone()).await;
    let c = client(base, session());
    get(&c).await.expect("request");
    fake.echo.store(true, Ordering::SeqCst);
    let api = get(&c).await.expect_err("echoed").to_string();
    assert!(api.contains("[redacted]") && !api.contains("at-1"), "{api}");
    // The token endpoint echoes the Basic client pair and the form (the refresh token).
    let c = client(serve(fake.clone()).await, session());
    let token = get(&c).await.expect_err("echoed").to_string();
    assert!(token.contains("invalid_client"), "{token}");
    let pair = base64::engine::general_purpose::STANDARD.encode(format!("app:{SECRET}"));
    for secret in [SECRET, pair.as_str(), "rt-0", "at-1"] {
        assert!(!token.contains(secret), "{secret} in {token}");
        assert!(!api.contains(secret), "{secret} in {api}");
    }
    let shown = format!("{:?} {c:?}", c.redactor());
    assert!(
        !shown.contains(SECRET) && !shown.contains("rt-0"),
        "{shown}"
    );
}
