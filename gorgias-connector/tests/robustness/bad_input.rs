//! Gorgias-specific bad input is refused before any request: configs with values only Gorgias's
//! rules refuse (subdomain shapes, auth branches, private base URLs, impossible dates) through
//! `DefinitionExt::connect`, and nested `create_ticket` inputs through `ConnectorExt::run_action`.
//! Each is refused with an error naming the field, nothing panics, and the sandbox sees no
//! request.
//!
//! What every connector's bad input must survive (documents that are not objects, required
//! fields removed, wrong types, unknown fields, values out of the declared range, length or
//! options, secrets never echoed) is the conformance suite's `config::*`, `bad_input::*` and
//! `actions::invalid_input_refused` checks, generated from the schemas and run on Gorgias by
//! `tests/conformance.rs`.

use connector_sdk::validate::violations;
use connector_sdk::{ConnectorExt, DefinitionExt, Error};
use gorgias_sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use serde_json::{Value, json};

use crate::{config, definition, fast_retry, requests_seen};

async fn sandbox() -> SandboxHandle {
    Sandbox::start(SandboxOptions::default().seed(3).without_rate_limit())
        .await
        .expect("sandbox starts")
}

/// Sets `pointer` (e.g. `/auth/api_key`) in `doc` to `value`, or removes it when `None`.
fn edit(mut doc: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    let target = if parent.is_empty() {
        Some(&mut doc)
    } else {
        doc.pointer_mut(parent)
    };
    if let Some(Value::Object(map)) = target {
        match value {
            Some(v) => {
                map.insert(key.to_string(), v);
            }
            None => {
                map.remove(key);
            }
        }
    }
    doc
}

/// (description, config, accepted error paths)
fn malformed_configs(good: &Value) -> Vec<(String, Value, Vec<&'static str>)> {
    let set = |p: &str, v: Value| edit(good.clone(), p, Some(v));
    let del = |p: &str| edit(good.clone(), p, None);
    let bearer = edit(
        good.clone(),
        "/auth",
        Some(json!({"type": "bearer", "token": "t0ken"})),
    );
    let set_bearer = |p: &str, v: Value| edit(bearer.clone(), p, Some(v));
    let cases: Vec<(&str, Value, Vec<&'static str>)> = vec![
        ("empty object", json!({}), vec!["auth", "subdomain"]),
        (
            "subdomain number",
            set("/subdomain", json!(5)),
            vec!["subdomain"],
        ),
        (
            "subdomain empty",
            set("/subdomain", json!("")),
            vec!["subdomain"],
        ),
        (
            "subdomain null",
            set("/subdomain", Value::Null),
            vec!["subdomain"],
        ),
        (
            "subdomain list",
            set("/subdomain", json!(["acme"])),
            vec!["subdomain"],
        ),
        (
            "subdomain punctuation",
            set("/subdomain", json!("acme!")),
            vec!["subdomain"],
        ),
        (
            "subdomain leading hyphen",
            set("/subdomain", json!("-acme")),
            vec!["subdomain"],
        ),
        (
            "subdomain other host",
            set("/subdomain", json!("https://evil.com")),
            vec!["subdomain"],
        ),
        (
            "subdomain unicode",
            set("/subdomain", json!("ácme")),
            vec!["subdomain"],
        ),
        ("auth string", set("/auth", json!("basic")), vec!["auth"]),
        ("auth list", set("/auth", json!([])), vec!["auth"]),
        (
            "auth empty",
            set("/auth", json!({})),
            vec!["auth", "auth.type"],
        ),
        (
            "auth type unknown",
            set("/auth/type", json!("oauth")),
            vec!["auth.type"],
        ),
        (
            "auth type null",
            set("/auth/type", Value::Null),
            vec!["auth.type", "auth"],
        ),
        (
            "auth type number",
            set("/auth/type", json!(1)),
            vec!["auth.type", "auth"],
        ),
        (
            "basic without email",
            del("/auth/email"),
            vec!["auth.email"],
        ),
        (
            "basic without api_key",
            del("/auth/api_key"),
            vec!["auth.api_key"],
        ),
        (
            "basic empty api_key",
            set("/auth/api_key", json!("")),
            vec!["auth.api_key"],
        ),
        (
            "basic api_key number",
            set("/auth/api_key", json!(123)),
            vec!["auth.api_key"],
        ),
        (
            "basic api_key null",
            set("/auth/api_key", Value::Null),
            vec!["auth.api_key"],
        ),
        (
            "bearer token with newline",
            set_bearer("/auth/token", json!("t\nk")),
            vec!["auth.token"],
        ),
        (
            "basic email not an email",
            set("/auth/email", json!("not-an-email")),
            vec!["auth.email"],
        ),
        (
            "basic email empty",
            set("/auth/email", json!("")),
            vec!["auth.email"],
        ),
        (
            "basic email number",
            set("/auth/email", json!(5)),
            vec!["auth.email"],
        ),
        (
            "basic with a token field",
            set("/auth/token", json!("t")),
            vec!["auth.token"],
        ),
        (
            "bearer without token",
            edit(bearer.clone(), "/auth/token", None),
            vec!["auth.token"],
        ),
        (
            "bearer empty token",
            set_bearer("/auth/token", json!("")),
            vec!["auth.token"],
        ),
        (
            "bearer null token",
            set_bearer("/auth/token", Value::Null),
            vec!["auth.token"],
        ),
        (
            "bearer token with NUL",
            set_bearer("/auth/token", json!("t\u{0}k")),
            vec!["auth.token"],
        ),
        (
            "bearer with an email",
            set_bearer("/auth/email", json!("a@b.co")),
            vec!["auth.email"],
        ),
        (
            "page_size negative",
            set("/page_size", json!(-1)),
            vec!["page_size"],
        ),
        (
            "page_size string",
            set("/page_size", json!("10")),
            vec!["page_size"],
        ),
        (
            "page_size fraction",
            set("/page_size", json!(10.5)),
            vec!["page_size"],
        ),
        (
            "page_size null",
            set("/page_size", Value::Null),
            vec!["page_size"],
        ),
        (
            "timeout string",
            set("/request_timeout_secs", json!("30")),
            vec!["request_timeout_secs"],
        ),
        (
            "timeout negative",
            set("/request_timeout_secs", json!(-5)),
            vec!["request_timeout_secs"],
        ),
        (
            "start_date words",
            set("/start_date", json!("yesterday")),
            vec!["start_date"],
        ),
        (
            "start_date month 13",
            set("/start_date", json!("2024-13-01")),
            vec!["start_date"],
        ),
        (
            "start_date 30 February",
            set("/start_date", json!("2024-02-30")),
            vec!["start_date"],
        ),
        (
            "start_date hour 25",
            set("/start_date", json!("2024-01-01T25:00:00Z")),
            vec!["start_date"],
        ),
        (
            "start_date number",
            set("/start_date", json!(20240101)),
            vec!["start_date"],
        ),
        (
            "start_date empty",
            set("/start_date", json!("")),
            vec!["start_date"],
        ),
        (
            "base_url number",
            set("/base_url", json!(5)),
            vec!["base_url"],
        ),
        (
            "base_url not a URL",
            set("/base_url", json!("not a url")),
            vec!["base_url"],
        ),
        (
            "base_url private address",
            set("/base_url", json!("http://10.0.0.1")),
            vec!["base_url"],
        ),
        (
            "base_url ftp",
            set("/base_url", json!("ftp://127.0.0.1")),
            vec!["base_url"],
        ),
        (
            "base_url with path",
            set("/base_url", json!("http://127.0.0.1/api")),
            vec!["base_url"],
        ),
        (
            "api_key at the top",
            set("/api_key", json!("k")),
            vec!["api_key"],
        ),
        (
            "misspelt field",
            set("/page_sise", json!(10)),
            vec!["page_sise"],
        ),
    ];
    cases
        .into_iter()
        .map(|(d, c, p)| (d.to_string(), c, p))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_configs_are_refused_naming_the_field() {
    let sandbox = sandbox().await;
    let good = config(&sandbox, 0, json!({}));
    let definition = definition(fast_retry(0));
    definition.connect(&good).expect("the base config is valid");
    let before = requests_seen(&sandbox);
    let cases = malformed_configs(&good);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (what, cfg, paths) in &cases {
        match definition.connect(cfg) {
            Ok(_) => panic!("{what}: accepted"),
            Err(Error::InvalidConfig { path, reason }) => {
                assert!(
                    paths.contains(&path.as_str()),
                    "{what}: the error names `{path}` ({reason}), expected one of {paths:?}"
                );
                assert!(!reason.is_empty(), "{what}: no reason");
            }
            Err(e) => panic!("{what}: not an invalid-config error: {e}"),
        }
    }
    assert_eq!(
        requests_seen(&sandbox),
        before,
        "a refused config sent a request"
    );
    eprintln!("bad input: {} malformed configs refused", cases.len());
}

fn with_defs(schema: &Value) -> Value {
    let mut s = schema.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("$schema");
    }
    s
}

/// Nested `create_ticket` inputs (inside arrays, where the suite's generated cases do not
/// reach): (description, input, expected path).
fn malformed_ticket_inputs() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "message without channel",
            json!({"channel": "email", "via": "api", "messages": [{"via": "api", "from_agent": false}]}),
            "messages[0].channel",
        ),
        (
            "no messages",
            json!({"channel": "email", "via": "api", "messages": []}),
            "messages",
        ),
        (
            "status not an option",
            json!({"channel": "email", "via": "api", "status": "pending", "messages": [{"channel": "email", "via": "api", "from_agent": false}]}),
            "status",
        ),
        (
            "message of the wrong type",
            json!({"channel": "email", "via": "api", "messages": ["hello"]}),
            "messages[0]",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_ticket_inputs_are_refused_before_any_request() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({})))
        .expect("valid config");
    let action = "create_ticket";
    let schema = with_defs(
        &connector
            .spec()
            .action(action)
            .expect("create_ticket is declared")
            .input_schema,
    );
    let before = requests_seen(&sandbox);
    for (what, input, path) in malformed_ticket_inputs() {
        let found = violations(&schema, &input).expect("schema compiles");
        assert!(!found.is_empty(), "{what}: the schema accepts {input}");
        match connector.run_action(action, input.clone()).await {
            Ok(out) => panic!("{what}: accepted: {out}"),
            Err(Error::InvalidInput {
                action: a,
                path: p,
                reason,
            }) => {
                assert_eq!(a, action);
                assert!(
                    p == path
                        || p.starts_with(&format!("{path}."))
                        || p.starts_with(&format!("{path}[")),
                    "{what}: the error names `{p}` ({reason}), expected `{path}`"
                );
            }
            Err(e) => panic!("{what}: not an invalid-input error: {e}"),
        }
    }
    assert_eq!(
        requests_seen(&sandbox),
        before,
        "an invalid input sent a request"
    );
}
