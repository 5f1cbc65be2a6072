//! The sandbox side of the contract: for every call of real Gorgias traffic in
//! `fixtures/gorgias/` (re-authored from public recordings, each naming its source), the sandbox
//! answers the same request with the recorded status and a body of the same shape: the same
//! keys (envelope, records, their nested objects), the same JSON types where both sides hold a
//! value, an empty body where Gorgias sent none, and the recorded content type and usage header.
//!
//! Requests are the recorded ones with the sandbox's own ids put in: a path parameter, a query
//! parameter or a body reference naming an object (`ticket_id`, `customer.id`, `tags[].id`,
//! `source_id`, ...) gets an id of that kind from the sandbox's seeded data, and a recorded
//! page cursor is dropped (cursors are opaque to each server). Each fixture gets a fresh
//! sandbox, so writes cannot leak into the next one. Fixtures of endpoints the connector does
//! not call yet (no action, no stream) are skipped with a note, as on the connector side.
//!
//! A mismatch names the fixture and the JSON path: `get-macro.json: /updated_datetime: ...`.
//! Free-form values (rule `code_ast`, view `filters_ast`, macro action `arguments`, event
//! `data`, app `meta`, ...) are compared by type only: their keys depend on content.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use gorgias_sandbox::{DataSizes, ObjectKind, Sandbox, SandboxHandle, SandboxOptions};
use serde_json::{Map, Value};

/// Whether an object is a list envelope (`{data: [..], meta, ...}` or the stats' `{data, meta}`):
/// its `data` and `meta` are structure, not free-form content.
fn is_envelope(at: &str, map: &Map<String, Value>) -> bool {
    at.is_empty()
        && (map.get("data").is_some_and(Value::is_array)
            || (map.contains_key("data") && map.contains_key("meta") && map.len() <= 4))
}

fn fixtures() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/gorgias");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, value)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The seeded collection behind a connector module's name.
fn kind_of(object: &str) -> Option<ObjectKind> {
    Some(match object {
        "account" => ObjectKind::AccountSettings,
        "customers" => ObjectKind::Customers,
        "custom_fields" => ObjectKind::CustomFields,
        "events" => ObjectKind::Events,
        "integrations" => ObjectKind::Integrations,
        "jobs" => ObjectKind::Jobs,
        "macros" => ObjectKind::Macros,
        "ticket_messages" => ObjectKind::Messages,
        "rules" => ObjectKind::Rules,
        "satisfaction_surveys" => ObjectKind::SatisfactionSurveys,
        "tags" => ObjectKind::Tags,
        "teams" => ObjectKind::Teams,
        "tickets" => ObjectKind::Tickets,
        "users" => ObjectKind::Users,
        "views" => ObjectKind::Views,
        "voice_calls" => ObjectKind::VoiceCalls,
        "voice_call_events" => ObjectKind::VoiceCallEvents,
        "voice_call_recordings" => ObjectKind::VoiceCallRecordings,
        "widgets" => ObjectKind::Widgets,
        _ => return None,
    })
}

/// The kind a named reference points at (`ticket_id`, `customer`, `assignee_user`, ...), or
/// `None` when the name says nothing (then the fixture's own object is meant, for `id`).
fn kind_named(name: &str) -> Option<ObjectKind> {
    Some(match name {
        "ticket_id" | "ticket" => ObjectKind::Tickets,
        "customer_id" | "customer" | "requester" | "sender" | "receiver" | "source_customer"
        | "target_customer" => ObjectKind::Customers,
        "user_id" | "user" | "users" | "assignee_user" | "shared_with_users" => ObjectKind::Users,
        "team_id" | "team" | "assignee_team" | "shared_with_teams" | "teams" => ObjectKind::Teams,
        "tags" | "tag_id" | "tag_ids" | "source_tags_ids" => ObjectKind::Tags,
        "priorities" => ObjectKind::Rules,
        "macro" | "macro_id" => ObjectKind::Macros,
        "view_id" => ObjectKind::Views,
        "custom_fields" | "field_id" | "custom_field_id" => ObjectKind::CustomFields,
        "integration_id" => ObjectKind::Integrations,
        _ => return None,
    })
}

/// Hands out the sandbox's ids of each kind, newest first, in turn (so a merge gets two different
/// ones, and a delete meets a user-made view or an agent other than the caller, as the
/// recording's account had: system views and the owner come first in seeded data).
struct Ids<'a> {
    sandbox: &'a SandboxHandle,
    account: String,
    next: BTreeMap<String, usize>,
    /// Recorded ids already given a sandbox id: the same recorded id gets the same one (a
    /// ticket's customer and its first message's sender are one person).
    given: BTreeMap<(String, String), i64>,
    /// The `object_type` of the custom fields handed out, when the fixture sets values of a
    /// ticket or a customer (only text fields: the recorded values are text).
    field_type: Option<&'static str>,
}

impl Ids<'_> {
    /// The sandbox id standing for `recorded`, an id of `kind` in the recording.
    fn map(&mut self, kind: ObjectKind, recorded: &Value) -> Option<i64> {
        let key = (format!("{kind:?}"), recorded.to_string());
        if let Some(id) = self.given.get(&key) {
            return Some(*id);
        }
        let id = self.take(kind)?;
        self.given.insert(key, id);
        Some(id)
    }

    fn take(&mut self, kind: ObjectKind) -> Option<i64> {
        let mut ids = self.sandbox.all_ids(&self.account, kind).ok()?;
        if let (ObjectKind::CustomFields, Some(t)) = (kind, self.field_type) {
            ids.retain(|id| {
                self.sandbox
                    .get_record(&self.account, kind, *id)
                    .ok()
                    .flatten()
                    .is_some_and(|f| {
                        f["object_type"] == t && f["definition"]["data_type"] == "text"
                    })
            });
        }
        let n = self.next.entry(format!("{kind:?}")).or_insert(0);
        let id = ids.iter().rev().nth(*n % ids.len().max(1)).copied();
        *n += 1;
        id
    }

    /// A message and its ticket, for `/api/tickets/{ticket_id}/messages/{id}`.
    fn message(&mut self) -> Option<(i64, i64)> {
        let id = self.take(ObjectKind::Messages)?;
        let record = self
            .sandbox
            .get_record(&self.account, ObjectKind::Messages, id)
            .ok()??;
        Some((record["ticket_id"].as_i64()?, id))
    }
}

/// Puts sandbox ids into every reference of a recorded body: integers under a key that names a
/// kind (`ticket_id`), `id` of an object under such a key (`customer.id`, `tags[].id`), and
/// top-level `ids` / `id` of the fixture's own object.
fn substitute(value: &mut Value, parent: Option<ObjectKind>, ids: &mut Ids<'_>) {
    match value {
        Value::Object(map) => {
            // A message's sender is the customer and its receiver an agent (a user), or the
            // other way round when `from_agent` (recorded: Nango test update-ticket-message).
            let from_agent = map.get("from_agent").and_then(Value::as_bool);
            for (key, v) in map.iter_mut() {
                let named = match (key.as_str(), from_agent) {
                    ("sender", Some(true)) | ("receiver", Some(false)) => Some(ObjectKind::Users),
                    _ => kind_named(key),
                };
                match v {
                    Value::Number(_) if key == "id" => {
                        if let Some(id) = parent.and_then(|k| ids.map(k, v)) {
                            *v = Value::from(id);
                        }
                    }
                    Value::Number(_) => {
                        if let Some(id) = named.and_then(|k| ids.map(k, v)) {
                            *v = Value::from(id);
                        }
                    }
                    _ => substitute(v, named.or(if key == "ids" { parent } else { None }), ids),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Number(_) => {
                        if let Some(id) = parent.and_then(|k| ids.map(k, item)) {
                            *item = Value::from(id);
                        }
                    }
                    other => substitute(other, parent, ids),
                }
            }
        }
        _ => {}
    }
}

/// Keys whose values depend on content: compared by JSON type only.
const FREE_FORM: &[&str] = &[
    "code_ast",
    "filters_ast",
    "arguments",
    "data",
    "meta",
    "settings",
    "definition",
    "external_data",
    "ecommerce_data",
    "context",
    "decoration",
    "conditions",
    "actions",
    "integrations",
    "attachments",
    "source",
    "intents",
    "extra",
    "stats",
    "custom_fields",
    "params",
];

/// Keys Gorgias sends only when they hold something: a full ticket has `custom_fields` only
/// when it has values (recorded: Nango tests get-ticket vs set-ticket-tags).
const WHEN_SET: &[&str] = &["custom_fields"];

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Compares shapes: types where both hold a value; object keys (both ways) unless the key is
/// free-form; arrays by their items when both have some.
fn compare(recorded: &Value, got: &Value, at: &str, strict: bool, out: &mut Vec<String>) {
    let (r, g) = (type_name(recorded), type_name(got));
    if r == "null" || g == "null" {
        return;
    }
    if r != g {
        out.push(format!("{at}: recorded {r}, sandbox {g}"));
        return;
    }
    match (recorded, got) {
        (Value::Object(rm), Value::Object(gm)) if strict => {
            let rk: BTreeSet<&String> = rm.keys().collect();
            let gk: BTreeSet<&String> = gm.keys().collect();
            let missing: Vec<&&String> = rk
                .difference(&gk)
                .filter(|k| !WHEN_SET.contains(&k.as_str()))
                .collect();
            let extra: Vec<&&String> = gk.difference(&rk).collect();
            if !missing.is_empty() {
                out.push(format!(
                    "{at}: keys missing in the sandbox's answer: {missing:?}"
                ));
            }
            if !extra.is_empty() {
                out.push(format!("{at}: keys Gorgias did not send: {extra:?}"));
            }
            let envelope = is_envelope(at, rm);
            for (k, rv) in rm {
                if let Some(gv) = gm.get(k) {
                    let free = FREE_FORM.contains(&k.as_str()) && !envelope;
                    compare(rv, gv, &format!("{at}/{k}"), !free, out);
                }
            }
        }
        (Value::Array(ra), Value::Array(ga)) => {
            if let Some(first) = ra.first() {
                for (i, item) in ga.iter().take(3).enumerate() {
                    compare(first, item, &format!("{at}/{i}"), strict, out);
                }
            }
        }
        _ => {}
    }
}

fn small() -> DataSizes {
    DataSizes {
        tickets: 12,
        messages_per_ticket_min: 2,
        messages_per_ticket_max: 3,
        customers: 10,
        events: 20,
        satisfaction_surveys: 4,
        ..DataSizes::default()
    }
}

/// One fixture against a fresh sandbox: the problems found.
async fn check(file: &str, fx: &Value) -> Vec<String> {
    let sandbox = Sandbox::start(SandboxOptions::default().seed(5).sizes(small()))
        .await
        .expect("sandbox");
    let account = sandbox.accounts()[0].clone();
    let object = fx["object"].as_str().unwrap_or_default();
    let own = kind_of(object);
    let mut ids = Ids {
        sandbox: &sandbox,
        account: account.subdomain.clone(),
        next: BTreeMap::new(),
        given: BTreeMap::new(),
        field_type: match own {
            Some(ObjectKind::Tickets) => Some("Ticket"),
            Some(ObjectKind::Customers) => Some("Customer"),
            _ => None,
        },
    };
    let request = &fx["request"];
    let mut path = request["path"].as_str().unwrap_or_default().to_string();
    let params = request["params"].as_object().cloned().unwrap_or_default();
    if params.contains_key("ticket_id")
        && object == "ticket_messages"
        && params.contains_key("id")
        && let Some((ticket, message)) = ids.message()
    {
        path = path
            .replace("{ticket_id}", &ticket.to_string())
            .replace("{id}", &message.to_string());
    }
    for (name, recorded) in &params {
        // `/api/{tickets|customers}/{..}/custom-fields/{id}`: the id is a custom field's.
        let field_id = name == "id" && path.contains("/custom-fields/{id}");
        let kind = if field_id {
            Some(ObjectKind::CustomFields)
        } else {
            kind_named(name).or(own)
        };
        let value = match (kind, recorded) {
            (Some(k), Value::Number(_)) => ids.map(k, recorded).map(|i| i.to_string()),
            _ => None,
        }
        .unwrap_or_else(|| match recorded {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        path = path.replace(&format!("{{{name}}}"), &value);
    }
    let mut query: Vec<(String, String)> = Vec::new();
    for (k, v) in request["query"].as_object().cloned().unwrap_or_default() {
        if k == "cursor" {
            continue;
        }
        let text = match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let references = kind_named(&k).or(match k.as_str() {
            "source_id" | "target_id" => own,
            _ => None,
        });
        let text = match references {
            Some(kind) if text.parse::<i64>().is_ok() => ids
                .map(kind, &Value::String(text.clone()))
                .map(|i| i.to_string())
                .unwrap_or(text),
            _ => text,
        };
        query.push((k, text));
    }
    let mut body = request["body"].clone();
    // `ids` of `/api/tickets/{id}/tags` are tags, items of `.../custom-fields` custom fields;
    // elsewhere they are the object's own.
    let listed = if path.ends_with("/tags") {
        Some(ObjectKind::Tags)
    } else if path.ends_with("/custom-fields") {
        Some(ObjectKind::CustomFields)
    } else {
        own
    };
    substitute(&mut body, listed, &mut ids);
    let method = request["method"].as_str().unwrap_or("GET");
    let mut url = format!("{}{}", sandbox.base_url(), path);
    if !query.is_empty() {
        url.push('?');
        url.push_str(
            &url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&query)
                .finish(),
        );
    }
    let mut req = reqwest::Client::new()
        .request(method.parse().expect("method"), &url)
        .header("Authorization", format!("Bearer {}", account.bearer_token));
    if !body.is_null() {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    let mut problems = Vec::new();
    let response = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            sandbox.shutdown().await;
            return vec![format!("{file}: {method} {path}: {e}")];
        }
    };
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    sandbox.shutdown().await;
    let want = &fx["response"];
    let recorded_status = want["status"].as_u64().unwrap_or(0);
    if u64::from(status) != recorded_status {
        problems.push(format!(
            "{file}: {method} {path}: status {status}, recorded {recorded_status}: {}",
            text.chars().take(200).collect::<String>()
        ));
        return problems;
    }
    let recorded_headers = want["headers"].as_object().cloned().unwrap_or_default();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    if let Some(Value::String(ct)) = recorded_headers.get("content-type") {
        let mime = |s: &str| {
            s.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        };
        let got = header("content-type").unwrap_or_default();
        if mime(ct) != mime(&got) {
            problems.push(format!("{file}: content-type {got:?}, recorded {ct:?}"));
        }
    }
    if recorded_headers.contains_key("x-gorgias-account-api-call-limit")
        && header("x-gorgias-account-api-call-limit").is_none()
    {
        problems.push(format!(
            "{file}: no X-Gorgias-Account-Api-Call-Limit header, recorded on this answer"
        ));
    }
    let empty = want["empty_body"].as_bool().unwrap_or(false) || want["body"].is_null();
    match (empty, text.trim().is_empty()) {
        (true, true) => {}
        (true, false) => problems.push(format!(
            "{file}: a body where Gorgias sent none: {}",
            text.chars().take(120).collect::<String>()
        )),
        (false, true) => problems.push(format!("{file}: an empty body, recorded a JSON body")),
        (false, false) => match serde_json::from_str::<Value>(&text) {
            Ok(got) => {
                let mut found = Vec::new();
                compare(&want["body"], &got, "", true, &mut found);
                problems.extend(found.into_iter().map(|p| format!("{file}: {p}")));
            }
            Err(e) => problems.push(format!("{file}: not JSON ({e})")),
        },
    }
    problems
}

/// Every fixture of a call the connector makes, against the sandbox.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_the_sandbox_answers_like_the_recordings() {
    let all = fixtures();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (file, fx) in &all {
        if fx["action"].is_null() && fx["stream"].is_null() {
            eprintln!("contract: skipped {file}: no action or stream of the connector calls it");
            continue;
        }
        if fx["response"]["status"] == 403 {
            eprintln!(
                "contract: skipped {file}: a 403 for a missing OAuth scope; the sandbox's tokens carry every scope"
            );
            continue;
        }
        checked += 1;
        problems.extend(check(file, fx).await);
    }
    assert!(checked >= 40, "only {checked} fixtures checked");
    assert!(
        problems.is_empty(),
        "{} problem(s) in {checked} fixtures:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The shape comparison catches what it is for: a missing key, an extra key, a wrong type, an
/// array item of another shape; and lets nulls and free-form content vary.
#[test]
fn contract_shape_comparison_catches_mismatches() {
    let recorded: Value = serde_json::json!({
        "data": [{"id": 1, "name": "a", "meta": {"x": 1}, "updated_datetime": null}],
        "meta": {"next_cursor": null}
    });
    let same: Value = serde_json::json!({
        "data": [{"id": 2, "name": "b", "meta": {"y": "z"}, "updated_datetime": "2026-01-01"}],
        "meta": {"next_cursor": "abc"}
    });
    let mut out = Vec::new();
    compare(&recorded, &same, "", true, &mut out);
    assert!(out.is_empty(), "{out:?}");
    let broken: Value = serde_json::json!({
        "data": [{"id": "2", "extra": true, "meta": 3, "updated_datetime": null}],
        "object": "list"
    });
    compare(&recorded, &broken, "", true, &mut out);
    let text = out.join("\n");
    for want in [
        r#": keys missing in the sandbox's answer: ["meta"]"#,
        r#": keys Gorgias did not send: ["object"]"#,
        "/data/0: keys missing in the sandbox's answer: [\"name\"]",
        "/data/0: keys Gorgias did not send: [\"extra\"]",
        "/data/0/id: recorded number, sandbox string",
        "/data/0/meta: recorded object, sandbox number",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
}
