//! The connector's side of the contract recorded from real Gorgias traffic
//! (`fixtures/gorgias/*.json`; format and findings in `fixtures/README.md`).
//!
//! For every fixture naming one of our actions or streams, against a wiremock server that answers
//! with the recorded status, headers and body:
//!
//! * **(a) parse**: an `action` fixture runs the action with the fixture's `input` and validates
//!   its output against the action's declared output schema (an error status must fail the
//!   action, a 403 as `PermissionDenied`); a `stream` fixture reads the stream (full refresh)
//!   through the connector, the recorded page served once, every other page an empty last page,
//!   and validates every record against the stream's declared schema; every recorded item must
//!   come out as a record.
//! * **(a') declared fields**: every field of a recorded record or output is declared where its
//!   schema lists `properties` (free-form objects, which list none, take anything; of `anyOf`
//!   branches the closest one counts), so nothing Gorgias sends goes undocumented. Schemas keep
//!   `additionalProperties: true`: undeclared fields still pass through, this test names them.
//! * **(b) inputs**: the fixture's `input` and the recorded request (path `params` + `query` +
//!   `body`, a bare-array body under the action's body field) are both accepted by the action's
//!   input schema; every violation is listed.
//! * **(c) requests** (captured by wiremock):
//!   - actions: exactly one request, method and path (`request.path` with `params`) exact, query
//!     keys and values equal to the recorded ones, and the body of the recorded JSON type with
//!     the same top-level keys (for a bare array: as many items, each with the recorded item's
//!     keys); a bodiless recording must get a bodiless request.
//!   - streams: the first request goes to the recorded path. The recorded page is served to the
//!     first request on that path that carries every recorded *selector* (each recorded query key
//!     but `limit`, `order_by` and the other client's keys below, with the recorded value, e.g.
//!     `object_type=Customer` or a `cursor`); a request lacking a recorded `cursor` gets an empty
//!     page pointing at that cursor, so the connector must send it back. On the served request:
//!     + every recorded key must be sent, except what only the recording client chose:
//!       `order_by` (its ordering; ours follows the stream's incremental strategy) and the keys
//!       in [`OTHER_CLIENT_KEYS`] (e.g. the `email` lookup of create-ticket.2);
//!     + every key sent but not recorded must be one we add on purpose: `limit`, `order_by` or a
//!       key of the stream's declared partitions (`archived`, `object_type`).
//!
//! Fixtures whose call no action or stream of ours makes (`action` and `stream` both null) are
//! skipped with a printed note. Every problem names the fixture file and the field; all of them
//! are collected and reported at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use connector_http::action::{ActionDecl, Body};
use connector_http::list::StreamDecl;
use connector_sdk::validate::{compile, violations};
use connector_sdk::{
    Connector, ConnectorExt, Definition, DefinitionExt, Error, Message, ReadRequest,
};
use futures::StreamExt;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use serde_json::{Map, Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The fewest fixtures the run must check.
const MIN_CHECKED: usize = 40;

/// Query keys a stream recording carries only because of what the recording client wanted (not
/// parameters our streams send): fixture file → keys.
const OTHER_CLIENT_KEYS: &[(&str, &[&str])] = &[
    // Nango looked one customer up by email before creating a ticket; the stream lists them all.
    ("create-ticket.2.json", &["email"]),
];

/// Stream query keys the connector adds by itself.
const OUR_STREAM_KEYS: &[&str] = &["limit", "order_by"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/gorgias")
}

/// Every fixture, by file name.
fn fixtures() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/gorgias exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
            (name, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn definition() -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Off,
        retry: RetryOptions {
            max_retries: 0,
            min_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            ..RetryOptions::default()
        },
    })
}

fn connect(server: &MockServer) -> Box<dyn Connector> {
    definition()
        .connect(&json!({
            "subdomain": "northwind-tea",
            "auth": {"type": "basic", "email": "agent@northwind-tea.example", "api_key": "contract-key"},
            "base_url": server.uri(),
        }))
        .expect("the test config is valid")
}

/// `request.path` with its `params` filled in.
fn recorded_path(fx: &Value) -> String {
    let mut path = fx["request"]["path"].as_str().unwrap_or("").to_string();
    for (k, v) in fx["request"]["params"].as_object().into_iter().flatten() {
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        path = path.replace(&format!("{{{k}}}"), &text);
    }
    path
}

fn recorded_query(fx: &Value) -> BTreeMap<String, String> {
    fx["request"]["query"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            (k.clone(), text)
        })
        .collect()
}

/// The recorded response as wiremock serves it.
fn recorded_response(fx: &Value) -> ResponseTemplate {
    let r = &fx["response"];
    let status = r["status"].as_u64().expect("response.status") as u16;
    let mut t = ResponseTemplate::new(status);
    let mut content_type = None;
    for (k, v) in r["headers"].as_object().into_iter().flatten() {
        let v = v.as_str().unwrap_or_default();
        if k.eq_ignore_ascii_case("content-type") {
            content_type = Some(v.to_string());
        } else {
            t = t.insert_header(k.as_str(), v);
        }
    }
    let empty = r["empty_body"].as_bool().unwrap_or(false);
    let ct = content_type.unwrap_or_else(|| "application/json".into());
    if empty {
        t.insert_header("content-type", ct.as_str())
    } else {
        t.set_body_raw(serde_json::to_vec(&r["body"]).unwrap(), &ct)
    }
}

fn empty_page(path: &str, next_cursor: Option<&str>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "object": "list",
        "uri": path,
        "data": [],
        "meta": {"prev_cursor": null, "next_cursor": next_cursor},
    }))
}

fn query_of(req: &Request) -> Vec<(String, String)> {
    req.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The stream responder: the recording once, to the first request that asks for it.
struct StreamResponder {
    path: String,
    selectors: Vec<(String, String)>,
    recorded: ResponseTemplate,
    served: Mutex<bool>,
}

impl StreamResponder {
    fn matches(&self, req: &Request) -> bool {
        let q = query_of(req);
        req.url.path() == self.path
            && self
                .selectors
                .iter()
                .all(|(k, v)| q.iter().any(|(qk, qv)| qk == k && qv == v))
    }
}

impl Respond for StreamResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut served = self.served.lock().unwrap();
        if !*served && self.matches(req) {
            *served = true;
            return self.recorded.clone();
        }
        let cursor = self
            .selectors
            .iter()
            .find(|(k, _)| k == "cursor")
            .map(|(_, v)| v.as_str());
        let has_cursor = query_of(req).iter().any(|(k, _)| k == "cursor");
        match cursor {
            Some(c) if !*served && !has_cursor => empty_page(req.url.path(), Some(c)),
            _ => empty_page(req.url.path(), None),
        }
    }
}

/// Every violation of `instance` against `schema`, as `<where> <pointer>: <error>`.
fn schema_problems(file: &str, what: &str, schema: &Value, instance: &Value) -> Vec<String> {
    match compile(schema) {
        Ok(v) => v
            .iter_errors(instance)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                format!("{file}: {what} {at}: {e}")
            })
            .collect(),
        Err(e) => vec![format!("{file}: {what}: the schema does not compile: {e}")],
    }
}

/// The recorded fields `schema` does not declare, as JSON pointers: every key of an object whose
/// schema lists `properties` must be one of them (free-form objects, which list none, take
/// anything). Nested objects and list items are walked; of `anyOf` branches, the closest fits.
fn undeclared(schema: &Value, instance: &Value, at: &str, out: &mut Vec<String>) {
    if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
        let best = branches
            .iter()
            .map(|b| {
                let mut found = Vec::new();
                undeclared(b, instance, at, &mut found);
                found
            })
            .min_by_key(Vec::len);
        out.extend(best.into_iter().flatten());
        return;
    }
    match instance {
        Value::Object(map) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (k, v) in map {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match props.get(k) {
                    Some(sub) => undeclared(sub, v, &here, out),
                    None => out.push(here),
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items").filter(|i| i.is_object()) {
                for (i, v) in items.iter().enumerate() {
                    undeclared(item, v, &format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

/// [`undeclared`] as problems, one per field (list items folded into `/*`).
fn undeclared_problems(file: &str, what: &str, schema: &Value, instance: &Value) -> Vec<String> {
    let mut found = Vec::new();
    undeclared(schema, instance, "", &mut found);
    let folded: BTreeSet<String> = found
        .iter()
        .map(|p| {
            p.split('/')
                .map(|seg| {
                    if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                        "*"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    folded
        .into_iter()
        .map(|p| format!("{file}: {what} {p}: recorded but not declared"))
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Compares a sent body with the recorded one: same JSON type, same top-level keys.
fn compare_body(file: &str, recorded: &Value, sent: &[u8], out: &mut Vec<String>) {
    let sent_empty = sent.iter().all(u8::is_ascii_whitespace);
    if recorded.is_null() {
        if !sent_empty {
            out.push(format!(
                "{file}: request body: the recording sent none, the connector sent {}",
                String::from_utf8_lossy(sent)
            ));
        }
        return;
    }
    if sent_empty {
        out.push(format!(
            "{file}: request body: the recording sent {recorded}, the connector sent none"
        ));
        return;
    }
    let sent: Value = match serde_json::from_slice(sent) {
        Ok(v) => v,
        Err(e) => {
            out.push(format!("{file}: request body is not JSON: {e}"));
            return;
        }
    };
    let diff = |out: &mut Vec<String>, at: &str, want: &Value, got: &Value| {
        let (w, g) = (keys(want), keys(got));
        if w != g {
            let missing: Vec<&String> = w.difference(&g).collect();
            let extra: Vec<&String> = g.difference(&w).collect();
            out.push(format!(
                "{file}: request body{at} keys differ: recorded but not sent {missing:?}, sent but not recorded {extra:?}"
            ));
        }
    };
    match (recorded, &sent) {
        (Value::Object(_), Value::Object(_)) => diff(out, "", recorded, &sent),
        (Value::Array(want), Value::Array(got)) => {
            if want.len() != got.len() {
                out.push(format!(
                    "{file}: request body: the recording sent {} items, the connector {}",
                    want.len(),
                    got.len()
                ));
            }
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                diff(out, &format!(" /{i}"), w, g);
            }
        }
        _ => out.push(format!(
            "{file}: request body: the recording sent {recorded}, the connector {sent} (another JSON type)"
        )),
    }
}

/// The recorded request as an input of `decl`: path params, query (numbers where the schema
/// takes integers) and body (a bare array under the body field).
fn recorded_input(decl: &ActionDecl, fx: &Value) -> Value {
    let req = &fx["request"];
    let mut input = Map::new();
    for (k, v) in req["params"].as_object().into_iter().flatten() {
        input.insert(k.clone(), v.clone());
    }
    let props = &decl.input["properties"];
    for (k, v) in recorded_query(fx) {
        let ty = &props[&k]["type"];
        let integer =
            ty == "integer" || ty.as_array().is_some_and(|t| t.contains(&json!("integer")));
        let value = match v.parse::<i64>() {
            Ok(n) if integer => Value::from(n),
            _ => Value::String(v),
        };
        input.insert(k, value);
    }
    match (&decl.body, &req["body"]) {
        (_, Value::Null) => {}
        (Body::Field(f), body) => {
            input.insert(f.to_string(), body.clone());
        }
        (_, Value::Object(m)) => input.extend(m.clone()),
        (_, other) => {
            input.insert("(body)".into(), other.clone());
        }
    }
    Value::Object(input)
}

fn input_problems(file: &str, what: &str, schema: &Value, input: &Value) -> Vec<String> {
    match violations(schema, input) {
        Ok(v) => v
            .into_iter()
            .map(|v| format!("{file}: {what} refused: {}: {}", v.path, v.reason))
            .collect(),
        Err(e) => vec![format!(
            "{file}: {what}: the input schema does not compile: {e}"
        )],
    }
}

async fn check_action(file: &str, fx: &Value, decl: &ActionDecl, out: &mut Vec<String>) {
    let definition = GorgiasDefinition::new();
    let descriptor = definition
        .spec()
        .action(&decl.name)
        .expect("declared actions are in the spec");
    // (b) the fixture's input and the recorded request are valid inputs.
    let input = if fx["input"].is_null() {
        json!({})
    } else {
        fx["input"].clone()
    };
    let refused = input_problems(file, "input", &descriptor.input_schema, &input);
    let input_ok = refused.is_empty();
    out.extend(refused);
    out.extend(input_problems(
        file,
        "recorded request as input",
        &descriptor.input_schema,
        &recorded_input(decl, fx),
    ));
    if !input_ok {
        return;
    }

    // (a) run it against the recording.
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(recorded_response(fx))
        .mount(&server)
        .await;
    let connector = connect(&server);
    let status = fx["response"]["status"].as_u64().unwrap_or(0);
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        connector.run_action(&decl.name, input),
    )
    .await;
    match result {
        Err(_) => out.push(format!("{file}: the action did not finish within 30 s")),
        Ok(Ok(output)) if status < 400 => {
            out.extend(schema_problems(
                file,
                "output",
                &descriptor.output_schema,
                &output,
            ));
            out.extend(undeclared_problems(
                file,
                "output",
                &descriptor.output_schema,
                &output,
            ));
        }
        Ok(Ok(output)) => out.push(format!(
            "{file}: Gorgias answered {status}, yet the action succeeded with {output}"
        )),
        Ok(Err(e)) if status >= 400 => {
            let scope = missing_scope_of(&fx["response"]["body"]);
            match (&e, &scope) {
                _ if status != 403 => {}
                (Error::MissingScope { scope: named, .. }, Some(want)) if named == want => {}
                (Error::PermissionDenied { .. }, None) => {}
                _ => out.push(format!(
                    "{file}: a 403 should fail as {}, not as: {e}",
                    match &scope {
                        Some(s) => format!("the missing scope `{s}`"),
                        None => "permission denied".into(),
                    }
                )),
            }
        }
        Ok(Err(e)) => out.push(format!(
            "{file}: the action failed on the recorded {status} answer: {e}"
        )),
    }

    // (c) it sent what the recording sent.
    let requests = server.received_requests().await.unwrap_or_default();
    if requests.len() != 1 {
        out.push(format!(
            "{file}: the action sent {} requests, not one",
            requests.len()
        ));
    }
    let Some(req) = requests.first() else { return };
    let want_method = fx["request"]["method"].as_str().unwrap_or("");
    if req.method.as_str() != want_method {
        out.push(format!(
            "{file}: request method: recorded {want_method}, sent {}",
            req.method
        ));
    }
    let want_path = recorded_path(fx);
    if req.url.path() != want_path {
        out.push(format!(
            "{file}: request path: recorded {want_path}, sent {}",
            req.url.path()
        ));
    }
    let sent: BTreeMap<String, String> = query_of(req).into_iter().collect();
    let recorded = recorded_query(fx);
    if sent != recorded {
        out.push(format!(
            "{file}: request query: recorded {recorded:?}, sent {sent:?}"
        ));
    }
    compare_body(file, &fx["request"]["body"], &req.body, out);
}

async fn check_stream(file: &str, fx: &Value, decl: &StreamDecl, out: &mut Vec<String>) {
    let definition = GorgiasDefinition::new();
    let descriptor = definition
        .spec()
        .stream(decl.name)
        .expect("declared streams are in the spec");
    let path = recorded_path(fx);
    let recorded = recorded_query(fx);
    let other_client: &[&str] = OTHER_CLIENT_KEYS
        .iter()
        .find(|(f, _)| *f == file)
        .map(|(_, k)| *k)
        .unwrap_or(&[]);
    let selectors: Vec<(String, String)> = recorded
        .iter()
        .filter(|(k, _)| {
            !OUR_STREAM_KEYS.contains(&k.as_str()) && !other_client.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let server = MockServer::start().await;
    let responder = StreamResponder {
        path: path.clone(),
        selectors,
        recorded: recorded_response(fx),
        served: Mutex::new(false),
    };
    Mock::given(wiremock::matchers::any())
        .respond_with(responder)
        .mount(&server)
        .await;
    let connector = connect(&server);

    // (a) every recorded item comes out as a record that fits the declared schema.
    let read = async {
        let mut s = connector.read_stream(decl.name, ReadRequest::full_refresh())?;
        let mut records = Vec::new();
        while let Some(m) = s.next().await {
            if let Message::Record(r) = m? {
                records.push(r.value()?);
            }
        }
        Ok::<_, Error>(records)
    };
    match tokio::time::timeout(Duration::from_secs(30), read).await {
        Err(_) => out.push(format!("{file}: the read did not finish within 30 s")),
        Ok(Err(e)) => out.push(format!("{file}: reading stream {} failed: {e}", decl.name)),
        Ok(Ok(records)) => {
            let body = &fx["response"]["body"];
            let items = body
                .get("data")
                .or(Some(body))
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            if records.len() != items {
                out.push(format!(
                    "{file}: the recorded page has {items} items, the stream emitted {} records",
                    records.len()
                ));
            }
            let mut fields = BTreeSet::new();
            for (i, r) in records.iter().enumerate() {
                out.extend(schema_problems(
                    file,
                    &format!("record {i} of stream {}", decl.name),
                    &descriptor.schema,
                    r,
                ));
                fields.extend(undeclared_problems(
                    file,
                    &format!("stream {} record", decl.name),
                    &descriptor.schema,
                    r,
                ));
            }
            out.extend(fields);
        }
    }

    // (c) the requests.
    let requests = server.received_requests().await.unwrap_or_default();
    let Some(first) = requests.first() else {
        out.push(format!("{file}: the stream sent no request"));
        return;
    };
    if first.url.path() != path {
        out.push(format!(
            "{file}: first request path: recorded {path}, sent {}",
            first.url.path()
        ));
    }
    let served = requests.iter().find(|r| {
        let q = query_of(r);
        r.url.path() == path
            && recorded
                .iter()
                .filter(|(k, _)| {
                    !OUR_STREAM_KEYS.contains(&k.as_str()) && !other_client.contains(&k.as_str())
                })
                .all(|(k, v)| q.iter().any(|(qk, qv)| qk == k && qv == v))
    });
    let Some(served) = served else {
        out.push(format!(
            "{file}: no request asked for the recorded page ({path} with {recorded:?}); sent: {:?}",
            requests
                .iter()
                .map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or("")))
                .collect::<Vec<_>>()
        ));
        return;
    };
    let sent: BTreeSet<String> = query_of(served).into_iter().map(|(k, _)| k).collect();
    for k in recorded.keys() {
        if k != "order_by" && !other_client.contains(&k.as_str()) && !sent.contains(k) {
            out.push(format!(
                "{file}: request query: the recording sent `{k}`, the connector did not"
            ));
        }
    }
    let partition_keys: BTreeSet<&str> =
        decl.partitions.iter().flatten().map(|(k, _)| *k).collect();
    for k in &sent {
        if !recorded.contains_key(k)
            && !OUR_STREAM_KEYS.contains(&k.as_str())
            && !partition_keys.contains(k.as_str())
        {
            out.push(format!(
                "{file}: request query: the connector sent `{k}`, which the recording did not and the stream does not declare"
            ));
        }
    }
}

/// The scope a recorded 403 body names (`... Missing scope: write:all.`), read independently of
/// the connector's dialect.
fn missing_scope_of(body: &Value) -> Option<String> {
    let msg = body.pointer("/error/msg")?.as_str()?;
    let (_, rest) = msg.split_once("Missing scope: ")?;
    Some(rest.trim_end_matches('.').to_string())
}

#[tokio::test]
async fn recorded_gorgias_traffic_honours_the_contract() {
    let actions = gorgias_connector::objects::actions();
    let streams = gorgias_connector::objects::streams();
    let mut problems = Vec::new();
    let mut checked = 0;
    let mut skipped = Vec::new();
    let all = fixtures();
    for (file, fx) in &all {
        match (fx["action"].as_str(), fx["stream"].as_str()) {
            (Some(name), _) => match actions.iter().find(|a| a.name == name) {
                Some(decl) => check_action(file, fx, decl, &mut problems).await,
                None => problems.push(format!(
                    "{file}: names action {name}, which we do not declare"
                )),
            },
            (None, Some(name)) => match streams.iter().find(|s| s.name == name) {
                Some(decl) => check_stream(file, fx, decl, &mut problems).await,
                None => problems.push(format!(
                    "{file}: names stream {name}, which we do not declare"
                )),
            },
            (None, None) => {
                println!(
                    "skipped {file}: no action or stream of ours makes {} {} (a new endpoint)",
                    fx["request"]["method"].as_str().unwrap_or("?"),
                    fx["request"]["path"].as_str().unwrap_or("?"),
                );
                skipped.push(file.as_str());
                continue;
            }
        }
        checked += 1;
    }
    println!(
        "contract: {checked} fixtures checked, {} skipped, {} in all",
        skipped.len(),
        all.len()
    );
    assert!(
        checked >= MIN_CHECKED,
        "only {checked} fixtures were checked (at least {MIN_CHECKED} expected)"
    );
    assert!(
        problems.is_empty(),
        "{} contract problem(s) against the recordings:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// The checks are not vacuous: doctored recordings give the problems, named by file and field.
#[tokio::test]
async fn contract_checker_reports_mismatches() {
    let actions = gorgias_connector::objects::actions();
    let streams = gorgias_connector::objects::streams();
    let all: BTreeMap<String, Value> = fixtures().into_iter().collect();
    let mut problems = Vec::new();

    // A recorded output field of the wrong type, and one no schema declares.
    let mut fx = all["get-rule.json"].clone();
    fx["response"]["body"]["event_types"] = json!(5);
    fx["response"]["body"]["brand_new"] = json!(true);
    let decl = actions.iter().find(|a| a.name == "get_rule").unwrap();
    check_action("get-rule.json", &fx, decl, &mut problems).await;

    // An input the schema refuses, and a request that differs from the recording.
    let mut fx = all["update-tag.json"].clone();
    fx["input"]["colour"] = json!("red");
    fx["request"]["body"]["colour"] = json!("red");
    let decl = actions.iter().find(|a| a.name == "update_tag").unwrap();
    check_action("update-tag.json", &fx, decl, &mut problems).await;
    let mut fx = all["update-tag.json"].clone();
    fx["request"]["method"] = json!("PATCH");
    fx["request"]["body"]["colour"] = json!("red");
    check_action("update-tag.json", &fx, decl, &mut problems).await;

    // A record field of the wrong type; a recorded filter the stream does not send.
    let decl = streams.iter().find(|s| s.name == "events").unwrap();
    let mut fx = all["events.json"].clone();
    fx["response"]["body"]["data"][0]["created_datetime"] = json!("yesterday");
    check_stream("events.json", &fx, decl, &mut problems).await;
    let mut fx = all["list-events.json"].clone();
    fx["request"]["query"]["object_type"] = json!("Ticket");
    check_stream("list-events.json", &fx, decl, &mut problems).await;

    let text = problems.join("\n");
    for want in [
        "get-rule.json: output /event_types: 5 is not of type",
        "get-rule.json: output /brand_new: recorded but not declared",
        "update-tag.json: input refused: colour",
        "update-tag.json: recorded request as input refused: colour",
        "update-tag.json: request method: recorded PATCH, sent PUT",
        "update-tag.json: request body keys differ: recorded but not sent [\"colour\"]",
        "events.json: record 0 of stream events /created_datetime: \"yesterday\" is not a \"date-time\"",
        "list-events.json: no request asked for the recorded page",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}
