//! Bad input is refused before any request: malformed configs through
//! `DefinitionExt::connect`, malformed action inputs through `ConnectorExt::run_action`. Each
//! is refused with an error naming the field, nothing panics, and the sandbox sees no request.

use connector_sdk::validate::violations;
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Error};
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
    let long = "a".repeat(201);
    let cases: Vec<(&str, Value, Vec<&'static str>)> = vec![
        ("null document", Value::Null, vec!["(root)"]),
        ("number document", json!(42), vec!["(root)"]),
        ("string document", json!("acme"), vec!["(root)"]),
        ("list document", json!([good.clone()]), vec!["(root)"]),
        ("empty object", json!({}), vec!["auth", "subdomain"]),
        ("no subdomain", del("/subdomain"), vec!["subdomain"]),
        ("no auth", del("/auth"), vec!["auth"]),
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
            "subdomain too long",
            set("/subdomain", json!(long)),
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
            "page_size 0",
            set("/page_size", json!(0)),
            vec!["page_size"],
        ),
        (
            "page_size 101",
            set("/page_size", json!(101)),
            vec!["page_size"],
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
            "timeout 0",
            set("/request_timeout_secs", json!(0)),
            vec!["request_timeout_secs"],
        ),
        (
            "timeout 601",
            set("/request_timeout_secs", json!(601)),
            vec!["request_timeout_secs"],
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
        ("unknown field", set("/extra", json!(1)), vec!["extra"]),
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
    assert!(cases.len() >= 50, "{} cases", cases.len());
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

/// A value that satisfies `schema`, built from its keywords (enough for action inputs).
fn example(schema: &Value) -> Option<Value> {
    let candidate = example_unchecked(schema)?;
    let ok = violations(&with_defs(schema), &candidate).ok()?.is_empty();
    ok.then_some(candidate)
}

fn with_defs(schema: &Value) -> Value {
    let mut s = schema.clone();
    if let Some(o) = s.as_object_mut() {
        o.remove("$schema");
    }
    s
}

fn example_unchecked(schema: &Value) -> Option<Value> {
    if let Some(c) = schema.get("const") {
        return Some(c.clone());
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e.first().cloned();
    }
    if let Some(e) = schema.get("examples").and_then(Value::as_array)
        && let Some(first) = e.first()
    {
        return Some(first.clone());
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            return branches.iter().find_map(example);
        }
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => return Some(json!("x")),
    };
    Some(match ty.as_str() {
        "string" => {
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
            let candidates = [
                "2024-01-31T00:00:00Z".to_string(),
                "agent@example.com".into(),
                "https://example.com".into(),
                "en".into(),
                "2024-01-31".into(),
                "x".repeat(min.max(1)),
            ];
            let s = candidates
                .into_iter()
                .find(|c| {
                    violations(&with_defs(schema), &json!(c))
                        .map(|v| v.is_empty())
                        .unwrap_or(false)
                })
                .unwrap_or_else(|| "x".repeat(min.max(1)));
            json!(s)
        }
        "integer" => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        ),
        "number" => json!(1),
        "boolean" => json!(true),
        "null" => Value::Null,
        "array" => {
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let item = schema.get("items").and_then(example_unchecked)?;
            Value::Array(vec![item; min])
        }
        "object" => {
            let mut out = serde_json::Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let sub = props
                    .and_then(|p| p.get(name))
                    .cloned()
                    .unwrap_or(json!({}));
                out.insert(name.to_string(), example_unchecked(&sub)?);
            }
            Value::Object(out)
        }
        _ => return None,
    })
}

/// A value of another type than `schema` allows.
fn wrong_value(schema: &Value) -> Option<Value> {
    [
        json!(12345),
        json!("zz-not-valid"),
        json!(true),
        json!([]),
        json!({"zz": 1}),
        json!(-1),
        Value::Null,
    ]
    .into_iter()
    .find(|v| {
        violations(&with_defs(schema), v)
            .map(|found| !found.is_empty())
            .unwrap_or(false)
    })
}

/// (action, description, input, expected path)
fn malformed_inputs(connector: &dyn Connector) -> (Vec<(String, String, Value, String)>, usize) {
    let mut cases = Vec::new();
    let mut skipped = 0;
    for action in &connector.spec().actions {
        let schema = &action.input_schema;
        let Some(valid) = example(schema) else {
            skipped += 1;
            continue;
        };
        let name = action.name.clone();
        cases.push((
            name.clone(),
            "not an object".into(),
            json!(42),
            "(root)".into(),
        ));
        cases.push((
            name.clone(),
            "a list".into(),
            json!([valid.clone()]),
            "(root)".into(),
        ));
        let required: Vec<String> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        for field in &required {
            let mut input = valid.clone();
            if let Some(o) = input.as_object_mut() {
                o.remove(field);
            }
            cases.push((
                name.clone(),
                format!("without {field}"),
                input,
                field.clone(),
            ));
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (field, sub) in props {
                if let Some(bad) = wrong_value(sub) {
                    let mut input = valid.clone();
                    input[field.as_str()] = bad;
                    cases.push((
                        name.clone(),
                        format!("{field} of the wrong type"),
                        input,
                        field.clone(),
                    ));
                }
            }
        }
        if schema.get("additionalProperties") == Some(&json!(false)) {
            let mut input = valid.clone();
            input["zz_unknown"] = json!(1);
            cases.push((
                name.clone(),
                "an unknown field".into(),
                input,
                "zz_unknown".into(),
            ));
        }
    }
    (cases, skipped)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_action_inputs_are_refused_before_any_request() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({})))
        .expect("valid config");
    let (cases, skipped) = malformed_inputs(connector.as_ref());
    // Nested fields and hand-picked shapes on top of the generated ones.
    let mut cases = cases;
    if connector.spec().action("create_ticket").is_some() {
        for (what, input, path) in [
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
        ] {
            cases.push(("create_ticket".into(), what.into(), input, path.into()));
        }
    }
    let before = requests_seen(&sandbox);
    let mut refused = 0;
    for (action, what, input, path) in &cases {
        let valid_before = violations(
            &with_defs(
                &connector
                    .spec()
                    .action(action)
                    .expect("declared")
                    .input_schema,
            ),
            input,
        )
        .expect("schema compiles");
        if valid_before.is_empty() {
            // The mutation did not break the input (a field that accepts anything): skip.
            continue;
        }
        match connector.run_action(action, input.clone()).await {
            Ok(out) => panic!("{action}, {what}: accepted: {out}"),
            Err(Error::InvalidInput {
                action: a,
                path: p,
                reason,
            }) => {
                assert_eq!(&a, action);
                assert!(
                    p == *path
                        || p.starts_with(&format!("{path}."))
                        || p.starts_with(&format!("{path}[")),
                    "{action}, {what}: the error names `{p}` ({reason}), expected `{path}`"
                );
                refused += 1;
            }
            Err(e) => panic!("{action}, {what}: not an invalid-input error: {e}"),
        }
    }
    assert_eq!(
        requests_seen(&sandbox),
        before,
        "an invalid input sent a request"
    );
    assert!(refused >= 50, "only {refused} malformed inputs were tried");
    eprintln!(
        "bad input: {refused} malformed action inputs refused over {} actions ({skipped} without a generated example)",
        connector.spec().actions.len()
    );
}
