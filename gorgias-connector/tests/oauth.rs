//! The `oauth2` auth kind end to end against the sandbox's OAuth2 app: a config holding only
//! the app and a refresh token syncs and acts; short-lived tokens are refreshed before they
//! expire (no 401); a refused token is refreshed exactly once; a revoked refresh token says to
//! reconnect; a rotated refresh token reaches the host as one CONTROL line whose config works
//! for the next run while the old refresh token is refused; the consent helpers get a working
//! config.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Error, ReadRequest};
use futures::StreamExt as _;
use gorgias_connector::oauth::Consent;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use gorgias_sandbox::{AccountStats, OAuthOptions, Sandbox, SandboxHandle, SandboxOptions};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gorgias-connector");

fn definition() -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Off,
        retry: RetryOptions {
            max_retries: 2,
            min_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            ..RetryOptions::default()
        },
    })
}

async fn sandbox(oauth: OAuthOptions) -> SandboxHandle {
    Sandbox::start(SandboxOptions::default().without_rate_limit().oauth(oauth))
        .await
        .expect("sandbox starts")
}

/// The `oauth2` config of the sandbox's first account: its app and its seeded refresh token.
fn oauth_config(sandbox: &SandboxHandle) -> Value {
    let a = &sandbox.accounts()[0];
    json!({
        "subdomain": a.subdomain,
        "auth": {
            "type": "oauth2",
            "client_id": a.client_id,
            "client_secret": a.client_secret,
            "refresh_token": a.refresh_token,
        },
        "base_url": sandbox.base_url(),
    })
}

fn stats(sandbox: &SandboxHandle) -> AccountStats {
    sandbox.stats().account("acme")
}

fn refreshes(s: &AccountStats) -> u64 {
    s.oauth_requests
        .get("POST /oauth/token refresh_token")
        .copied()
        .unwrap_or(0)
}

/// `/api` requests the sandbox refused as unauthenticated (a 401: counted outside any account).
fn unauthorized(sandbox: &SandboxHandle) -> u64 {
    sandbox.stats().unauthenticated
}

async fn records(connector: &dyn Connector, stream: &str) -> usize {
    let mut s = connector
        .read_stream(stream, ReadRequest::full_refresh())
        .expect("stream");
    let mut n = 0;
    while let Some(m) = s.next().await {
        if let connector_sdk::Message::Record(_) = m.expect("message") {
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn a_config_with_only_the_app_and_a_refresh_token_syncs_and_acts() {
    let sandbox = sandbox(OAuthOptions::default()).await;
    let connector = definition()
        .connect(&oauth_config(&sandbox))
        .expect("valid");
    connector.check().await.expect("check");
    let tickets = records(connector.as_ref(), "tickets").await;
    assert_eq!(
        tickets,
        sandbox
            .record_count("acme", gorgias_sandbox::ObjectKind::Tickets)
            .unwrap()
    );
    let account = connector
        .run_action("get_account", json!({}))
        .await
        .expect("action");
    assert_eq!(account["domain"], "acme");
    let s = stats(&sandbox);
    assert_eq!(refreshes(&s), 1, "one access token for the whole session");
    assert_eq!(unauthorized(&sandbox), 0);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn short_tokens_are_refreshed_before_they_expire_without_a_401() {
    let sandbox =
        sandbox(OAuthOptions::default().access_token_lifetime(Duration::from_secs(2))).await;
    // The config carries an access token that expired long ago: refreshed before any request.
    let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let mut config = oauth_config(&sandbox);
    config["auth"]["access_token"] = json!(format!(
        "{}.{}.c2ln",
        b(r#"{"alg":"RS256"}"#),
        b(r#"{"iat":1700000000,"exp":1700086400}"#)
    ));
    let connector = definition().connect(&config).expect("valid");
    for _ in 0..12 {
        connector
            .run_action("get_account", json!({}))
            .await
            .expect("action");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let s = stats(&sandbox);
    assert_eq!(
        unauthorized(&sandbox),
        0,
        "every token was replaced before it ended"
    );
    assert!(
        (2..=6).contains(&refreshes(&s)),
        "{} refreshes",
        refreshes(&s)
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_refused_access_token_is_refreshed_exactly_once() {
    let sandbox = sandbox(OAuthOptions::default()).await;
    let connector = definition()
        .connect(&oauth_config(&sandbox))
        .expect("valid");
    connector.check().await.expect("check");
    assert_eq!(refreshes(&stats(&sandbox)), 1);
    // The server stops accepting the token before its exp: concurrent requests share the one
    // refresh the first 401 triggers.
    sandbox.invalidate_access_tokens("acme").unwrap();
    let runs =
        futures::future::join_all((0..4).map(|_| connector.run_action("get_account", json!({}))))
            .await;
    assert!(runs.iter().all(Result::is_ok), "{runs:?}");
    let s = stats(&sandbox);
    assert_eq!(refreshes(&s), 2, "exactly one more refresh");
    assert!(
        (1..=4).contains(&unauthorized(&sandbox)),
        "{:?}",
        s.responses_by_status
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_revoked_refresh_token_says_to_reconnect_the_app() {
    let sandbox = sandbox(OAuthOptions::default()).await;
    let a = sandbox.accounts()[0].clone();
    assert!(
        sandbox
            .revoke_refresh_token("acme", &a.refresh_token)
            .unwrap()
    );
    let connector = definition()
        .connect(&oauth_config(&sandbox))
        .expect("valid");
    let e = connector.check().await.expect_err("revoked");
    assert!(matches!(e, Error::AuthRejected { .. }), "{e}");
    let text = e.to_string();
    assert!(
        text.contains("the refresh token was revoked or expired")
            && text.contains("reconnect the app")
            && text.contains("auth.refresh_token"),
        "{text}"
    );
    assert!(!text.contains(&a.refresh_token) && !text.contains(&a.client_secret));
    assert_eq!(refreshes(&stats(&sandbox)), 1, "not retried");
    sandbox.shutdown().await;
}

/// Runs the binary; (exit code, stdout lines as JSON, stderr).
fn cli(args: &[&str]) -> (i32, Vec<Value>, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON message ({e}): {l}"))
        })
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write");
    path.to_string_lossy().into_owned()
}

/// A runtime (for a test that also runs the binary) and a sandbox whose OAuth2 app rotates
/// its refresh tokens.
fn rotating_sandbox() -> (tokio::runtime::Runtime, SandboxHandle) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = rt.block_on(sandbox(OAuthOptions::default().rotate_refresh_tokens(true)));
    (rt, sandbox)
}

/// Asserts that `updated` is `first` with a new refresh token (not `old`) and an access token,
/// every other field unchanged; returns (refresh token, access token).
fn rotated(first: &Value, updated: &Value, old: &str) -> (String, String) {
    let token = |field: &str| {
        updated["auth"][field]
            .as_str()
            .unwrap_or_else(|| panic!("the updated config has no {field}"))
            .to_string()
    };
    let (refresh, access) = (token("refresh_token"), token("access_token"));
    assert_ne!(refresh, old);
    let mut expected = first.clone();
    expected["auth"]["refresh_token"] = json!(refresh);
    expected["auth"]["access_token"] = json!(access);
    assert_eq!(
        *updated, expected,
        "the whole config, only the tokens changed"
    );
    (refresh, access)
}

fn controls(lines: &[Value]) -> Vec<&Value> {
    lines.iter().filter(|l| l["type"] == "CONTROL").collect()
}

#[test]
fn a_rotated_refresh_token_reaches_the_host_as_one_control_line_that_works_next_time() {
    let (rt, sandbox) = rotating_sandbox();
    let a = sandbox.accounts()[0].clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let first = oauth_config(&sandbox);
    let f_first = write(d, "first.json", &first);
    let catalog = write(
        d,
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "tags"}, "sync_mode": "full_refresh"}]}),
    );

    let (code, lines, err) = cli(&["read", "--config", &f_first, "--catalog", &catalog]);
    assert_eq!(code, 0, "{err}");
    let control = controls(&lines);
    assert_eq!(control.len(), 1, "exactly one CONTROL line: {lines:?}");
    let c = control[0];
    assert_eq!(c["control"]["type"], "CONNECTOR_CONFIG");
    assert!(
        c["control"]["emitted_at"]
            .as_i64()
            .is_some_and(|t| t > 1_700_000_000_000)
    );
    let updated = c["control"]["connectorConfig"]["config"].clone();
    let (new_refresh, access) = rotated(&first, &updated, &a.refresh_token);
    // Written before any record: before the new access token was used.
    let at = |t: &str| lines.iter().position(|l| l["type"] == t);
    assert!(at("CONTROL") < at("RECORD"), "{lines:?}");
    // No other message and no stderr line carries a secret.
    let secrets = [&a.client_secret, &a.refresh_token, &new_refresh, &access];
    for l in lines.iter().filter(|l| l["type"] != "CONTROL") {
        let text = l.to_string();
        assert!(!secrets.iter().any(|s| text.contains(s.as_str())), "{text}");
    }
    assert!(!secrets.iter().any(|s| err.contains(s.as_str())), "{err}");

    // The stored config works for the next run (its access token is still fresh: no refresh,
    // so no CONTROL line) ...
    let f_second = write(d, "second.json", &updated);
    let input = write(d, "input.json", &json!({}));
    let (code, lines, err) = cli(&[
        "action",
        "get_account",
        "--config",
        &f_second,
        "--input",
        &input,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(controls(&lines).is_empty(), "{lines:?}");
    // ... and so does its refresh token, which rotates again.
    let mut without_access = updated.clone();
    without_access["auth"]
        .as_object_mut()
        .unwrap()
        .remove("access_token");
    let f_third = write(d, "third.json", &without_access);
    let (code, lines, err) = cli(&["check", "--config", &f_third]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(controls(&lines).len(), 1);
    // The first config's refresh token was rotated away: refused, with the way out.
    let (code, lines, err) = cli(&["check", "--config", &f_first]);
    assert_eq!(code, 1);
    assert!(controls(&lines).is_empty());
    assert!(
        err.contains("the refresh token was revoked or expired")
            && err.contains("reconnect the app"),
        "{err}"
    );
    rt.block_on(sandbox.shutdown());
}

#[tokio::test]
async fn the_consent_helpers_get_a_config_that_works() {
    let sandbox = sandbox(OAuthOptions::default()).await;
    let a = sandbox.accounts()[0].clone();
    let consent = Consent::with_base_url("acme", &sandbox.base_url()).expect("loopback");
    let redirect = "https://host.example/oauth/callback";
    let authorize = consent
        .authorize_url(
            &a.client_id,
            redirect,
            &["tickets:read".into(), "account:read".into()],
            None,
            None,
        )
        .expect("url");
    assert!(authorize.url.as_str().starts_with(&format!(
        "{}/oauth/authorize?response_type=code&client_id=",
        sandbox.base_url()
    )));
    // The sandbox consents at once and sends the browser back.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = browser
        .get(authorize.url.clone())
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status().as_u16(), 302);
    let back = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    let param = |k: &str| {
        back.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(param("state").as_deref(), Some(authorize.state.as_str()));
    let code = param("code").expect("a code");
    let tokens = consent
        .exchange_code(&a.client_id, &a.client_secret, &code, redirect)
        .await
        .expect("exchange");
    assert_eq!(
        tokens.scope.as_deref(),
        Some("openid offline tickets:read account:read")
    );
    assert!(tokens.id_token.is_some());
    let config = consent
        .config(&a.client_id, &a.client_secret, &tokens)
        .expect("config");
    let connector = definition().connect(&config).expect("valid");
    connector.check().await.expect("check");
    assert_eq!(
        refreshes(&stats(&sandbox)),
        0,
        "the exchanged access token is used as is"
    );
    // A code works once; the error names no secret.
    let e = consent
        .exchange_code(&a.client_id, &a.client_secret, &code, redirect)
        .await
        .expect_err("used")
        .to_string();
    assert!(e.contains("the authorization code was refused"), "{e}");
    assert!(!e.contains(&code) && !e.contains(&a.client_secret), "{e}");
    sandbox.shutdown().await;
}

/// Runs `mcp` with `args`, sends `requests` (JSON-RPC, one a line) after `initialize`, closes
/// stdin once every request has its answer; returns (exit code, answers by id, stderr).
fn mcp_session(args: &[&str], requests: &[Value]) -> (i32, Vec<Value>, String) {
    use std::io::{BufRead as _, Write as _};
    let mut child = Command::new(BIN)
        .arg("mcp")
        .args(args)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut send = |v: &Value| writeln!(stdin, "{v}").expect("write a request");
    send(
        &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "oauth-test", "version": "1"}}}),
    );
    let mut answers = Vec::new();
    let mut next = |answers: &mut Vec<Value>| {
        let line = lines
            .next()
            .expect("an answer")
            .expect("stdout is readable");
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("not one JSON-RPC message ({e}): {line}"));
        answers.push(v);
    };
    next(&mut answers);
    send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    for r in requests {
        send(r);
        next(&mut answers);
    }
    drop(stdin);
    let rest: Vec<String> = lines.map_while(std::result::Result::ok).collect();
    assert!(rest.is_empty(), "nothing after the last answer: {rest:?}");
    let status = child.wait().expect("the server exits");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
        .expect("stderr");
    (status.code().unwrap_or(-1), answers, err)
}

#[test]
fn mcp_writes_a_rotated_refresh_token_back_to_its_config_file_and_shows_it_nowhere() {
    let (rt, sandbox) = rotating_sandbox();
    let a = sandbox.accounts()[0].clone();
    let dir = tempfile::tempdir().expect("temp dir");
    let first = oauth_config(&sandbox);
    let path = write(dir.path(), "config.json", &first);
    let call = |id: u64, name: &str| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": name, "arguments": {}}})
    };
    let (code, answers, err) = mcp_session(
        &["--config", &path],
        &[call(1, "get_account"), call(2, "list_tags")],
    );
    assert_eq!(code, 0, "{err}");
    for answer in &answers[1..] {
        assert_eq!(answer["result"]["isError"], false, "{answer}");
    }
    // The file now holds the rotated token (and the access token), every other field as it
    // was; written whole, owner-only.
    let stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the config file"))
            .expect("the config file is JSON");
    let (new_refresh, access) = rotated(&first, &stored, &a.refresh_token);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("the folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "config.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary file left: {leftovers:?}"
    );
    // No answer and no stderr line carries a secret, old or new.
    let secrets = [&a.client_secret, &a.refresh_token, &new_refresh, &access];
    for answer in &answers {
        let text = answer.to_string();
        assert!(!secrets.iter().any(|s| text.contains(s.as_str())), "{text}");
    }
    assert!(!secrets.iter().any(|s| err.contains(s.as_str())), "{err}");
    // The next session starts from the file: the old token was rotated away, the new one works.
    let (code, answers, err) = mcp_session(&["--config", &path], &[call(1, "get_account")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(answers[1]["result"]["isError"], false, "{}", answers[1]);
    rt.block_on(sandbox.shutdown());
}
