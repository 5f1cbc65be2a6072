//! Fault injection: a plan of rules, each matching requests by account, method and path
//! prefix, firing by probability (seeded), every Nth matching request, or on given request
//! numbers, and injecting one kind of fault.
//!
//! ```json
//! {
//!   "seed": 7,
//!   "rules": [
//!     { "account": "acme", "route_prefix": "/api/tickets", "method": "GET",
//!       "trigger": { "every_nth": 3 },
//!       "fault": { "type": "status", "status": 503 },
//!       "max_times": 10 }
//!   ]
//! }
//! ```
//! Triggers: `{"probability": 0.2}`, `{"every_nth": 3}`, `{"on_requests": [1, 4]}` (1-based
//! numbers of matching requests), `"always"`. Faults: `{"type":"status","status":500}`,
//! `{"type":"rate_limit_burst","count":3,"retry_after_secs":1}`,
//! `{"type":"connection_reset","after_bytes":64}`,
//! `{"type":"truncated_json","keep_fraction":0.5}`, `{"type":"malformed_json"}`,
//! `{"type":"slow","delay_ms":1500}`.
//!
//! Hostile upstreams (the real handler runs, then its response is rewritten):
//! - `{"type":"pretty_print"}`: the JSON body re-serialised pretty-printed (a newline and
//!   indentation between every token).
//! - `{"type":"forge_line","message":{..}}`: the JSON body re-serialised compactly, with an
//!   extra field `"forged"` in the first record of `data` (else in the top-level object) whose
//!   value is `message`, compact, on a line of its own: `"forged":\n<message>\n`.
//! - `{"type":"header","name":"Retry-After","value":"1e20"}`: sets (overrides) one response
//!   header, whatever the status (after the usage header, so it can override that too).
//! - `{"type":"replace_field","pointer":"/data/*/updated_datetime","value":null}`: sets the
//!   value at a JSON pointer (RFC 6901; a `*` segment means every element of an array or
//!   every value of an object). A missing last key of an existing object is added; a missing
//!   intermediate segment leaves that branch unchanged.
//! - `{"type":"pad_body","bytes":2147483648}`: the body followed by ASCII spaces up to at
//!   least `bytes` bytes (still valid JSON), streamed in 64 KiB chunks, with a matching
//!   `Content-Length`.
//! - `{"type":"fresh_cursors","keep_data":false}`: on list responses, `meta.next_cursor` is a
//!   fresh, never-repeated cursor (`fresh-0000000017`) and, unless `keep_data`, `data` is
//!   `[]`. A request whose `cursor` is a fresh cursor is served as if it had none (its `uri`
//!   is echoed as sent), so a client following cursors walks forever.
//! - `{"type":"endless_body"}`: a 200 `application/json` chunked body `{"data":[` followed by
//!   an endless stream of `{"id":1,"name":"x"},` items, never closed (streamed in constant
//!   memory, stopped after 64 GiB or when the client goes away).
//!
//! Canned answers (the real handler does not run):
//! - `{"type":"echo_headers","status":400}`: `{"error":{"msg":"<Name: value; ...>"}}` echoing
//!   every request header verbatim (`Authorization` included).
//! - `{"type":"respond","status":200,"headers":{"Content-Type":"text/html"},"body":"<html>"}`:
//!   that status, those headers (no `Content-Type` unless given) and that body verbatim.
//!
//! Bodies that are not JSON are left unchanged by the JSON rewrites, and so are JSON bodies
//! without the shape a rewrite needs.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// The whole plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultPlan {
    /// Seed of probability triggers.
    #[serde(default)]
    pub seed: u64,
    /// Rules, checked in order; the first that fires wins.
    #[serde(default)]
    pub rules: Vec<FaultRule>,
}

impl FaultPlan {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// A plan with one rule.
    pub fn single(rule: FaultRule) -> Self {
        Self {
            seed: 0,
            rules: vec![rule],
        }
    }

    /// Adds a rule.
    #[must_use]
    pub fn with_rule(mut self, rule: FaultRule) -> Self {
        self.rules.push(rule);
        self
    }
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only this account (subdomain); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only paths starting with this, e.g. `/api/tickets`; all `/api/` paths when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_prefix: Option<String>,
    /// Only this method (case-insensitive); all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// When it fires.
    pub trigger: FaultTrigger,
    /// What it does.
    pub fault: FaultKind,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_times: Option<u64>,
}

impl FaultRule {
    /// A rule for all requests.
    pub fn new(trigger: FaultTrigger, fault: FaultKind) -> Self {
        Self {
            account: None,
            route_prefix: None,
            method: None,
            trigger,
            fault,
            max_times: None,
        }
    }

    /// Restricts to one account.
    #[must_use]
    pub fn account(mut self, sub: impl Into<String>) -> Self {
        self.account = Some(sub.into());
        self
    }

    /// Restricts to a path prefix.
    #[must_use]
    pub fn route_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.route_prefix = Some(prefix.into());
        self
    }

    /// Restricts to a method.
    #[must_use]
    pub fn method(mut self, method: impl Into<String>) -> Self {
        self.method = Some(method.into());
        self
    }

    /// Caps the number of firings.
    #[must_use]
    pub fn max_times(mut self, n: u64) -> Self {
        self.max_times = Some(n);
        self
    }
}

/// When a rule fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTrigger {
    /// Every matching request.
    Always,
    /// Each matching request with this probability (seeded, so reproducible).
    Probability(f64),
    /// Every Nth matching request (N, 2N, ...).
    EveryNth(u64),
    /// These matching-request numbers (1-based).
    OnRequests(Vec<u64>),
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer this status (500, 502, 503, ...) with a JSON error body.
    Status {
        /// The status.
        status: u16,
    },
    /// Answer 429 to this request and the next `count - 1` matching ones.
    RateLimitBurst {
        /// Consecutive 429s.
        count: u32,
        /// `Retry-after` seconds.
        #[serde(default = "one")]
        retry_after_secs: u64,
    },
    /// Send the headers and the first bytes of the real body, then abort the connection.
    ConnectionReset {
        /// Bytes sent before the abort.
        #[serde(default = "default_after_bytes")]
        after_bytes: usize,
    },
    /// A 200 whose JSON body is cut short (with a matching `Content-Length`).
    TruncatedJson {
        /// Share of the body kept (0..1).
        #[serde(default = "half")]
        keep_fraction: f64,
    },
    /// A 200 whose body is not valid JSON.
    MalformedJson,
    /// Wait before answering normally.
    Slow {
        /// Delay in milliseconds.
        delay_ms: u64,
    },
    /// The real JSON body re-serialised with `serde_json::to_vec_pretty` (newlines and
    /// indentation between every token). Non-JSON bodies are unchanged.
    PrettyPrint,
    /// The real JSON body re-serialised compactly, with an extra field `"forged"` in the first
    /// record of `data` (when the body is an object whose `data` is a non-empty array starting
    /// with an object; else in the top-level object) whose value is `message`, compact, on a
    /// line of its own: the bytes `"forged":\n<message>\n` appear inside that record. The
    /// body stays valid JSON.
    ForgeLine {
        /// The forged line's JSON.
        message: Value,
    },
    /// Sets (overrides) one header on whatever response the request gets (any status).
    Header {
        /// Header name, e.g. `Retry-After`.
        name: String,
        /// Header value, e.g. `1e20`.
        value: String,
    },
    /// Sets the value at a JSON pointer of the real JSON body (RFC 6901, e.g.
    /// `/data/0/updated_datetime`); a `*` segment means every element of an array (or every
    /// value of an object) at that level, e.g. `/data/*/updated_datetime`. A missing last key
    /// of an existing object is added; a missing intermediate segment changes nothing for
    /// that branch. The body is re-serialised compactly.
    ReplaceField {
        /// The JSON pointer.
        pointer: String,
        /// The value set there.
        value: Value,
    },
    /// The real body followed by ASCII spaces up to at least `bytes` bytes in total, streamed
    /// in chunks, with a matching `Content-Length`.
    PadBody {
        /// Minimum total body size.
        bytes: u64,
    },
    /// A 200 `application/json` chunked body `{"data":[` followed by an endless stream of
    /// `{"id":1,"name":"x"},` items, never closed (stops after 64 GiB or when the client
    /// disconnects). The handler runs; its response is dropped.
    EndlessBody,
    /// On list responses (an object with a `data` array and a `meta` object),
    /// `meta.next_cursor` becomes a fresh, never-repeated cursor and, unless `keep_data`,
    /// `data` becomes `[]`. A request whose `cursor` is a fresh cursor is served as if it had
    /// none, so a client following cursors walks forever.
    FreshCursors {
        /// Keep the page's records (else `data` is emptied).
        #[serde(default)]
        keep_data: bool,
    },
    /// Answers `status` with `{"error":{"msg":..}}` echoing every request header as
    /// `name: value`, joined by `; ` (`Authorization` included, verbatim). The handler does
    /// not run.
    EchoHeaders {
        /// The status.
        status: u16,
    },
    /// Answers a canned response: that status, those headers (no `Content-Type` unless
    /// given) and that body verbatim. The handler does not run.
    Respond {
        /// The status.
        status: u16,
        /// Headers, set as given (invalid names or values are skipped).
        #[serde(default)]
        headers: BTreeMap<String, String>,
        /// The body, verbatim.
        #[serde(default)]
        body: String,
    },
}

fn one() -> u64 {
    1
}
fn default_after_bytes() -> usize {
    64
}
fn half() -> f64 {
    0.5
}

impl FaultKind {
    /// A short name for statistics.
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::Status { .. } => "status",
            FaultKind::RateLimitBurst { .. } => "rate_limit_burst",
            FaultKind::ConnectionReset { .. } => "connection_reset",
            FaultKind::TruncatedJson { .. } => "truncated_json",
            FaultKind::MalformedJson => "malformed_json",
            FaultKind::Slow { .. } => "slow",
            FaultKind::PrettyPrint => "pretty_print",
            FaultKind::ForgeLine { .. } => "forge_line",
            FaultKind::Header { .. } => "header",
            FaultKind::ReplaceField { .. } => "replace_field",
            FaultKind::PadBody { .. } => "pad_body",
            FaultKind::EndlessBody => "endless_body",
            FaultKind::FreshCursors { .. } => "fresh_cursors",
            FaultKind::EchoHeaders { .. } => "echo_headers",
            FaultKind::Respond { .. } => "respond",
        }
    }
}

/// Prefix of the cursors made by [`FaultKind::FreshCursors`].
pub const FRESH_CURSOR_PREFIX: &str = "fresh-";

/// A cursor never handed out before by this process.
pub(crate) fn fresh_cursor() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{FRESH_CURSOR_PREFIX}{n:010}")
}

/// Pretty-printed JSON, or `None` when the body is not JSON.
pub(crate) fn pretty_print(body: &[u8]) -> Option<Vec<u8>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    serde_json::to_vec_pretty(&v).ok()
}

/// The body compact, with `"forged":\n<message>\n` in the first record of `data` (else the
/// top-level object); `None` when the body is not a JSON object.
pub(crate) fn forge_line(body: &[u8], message: &Value) -> Option<Vec<u8>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let top = v.as_object()?;
    let msg = serde_json::to_string(message).ok()?;
    let in_data = top
        .get("data")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .is_some_and(Value::is_object);
    let mut out = String::with_capacity(body.len() + msg.len() + 16);
    if in_data {
        out.push('{');
        for (i, (k, val)) in top.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_key(&mut out, k)?;
            match (k.as_str(), val) {
                ("data", Value::Array(items)) => {
                    out.push('[');
                    for (j, item) in items.iter().enumerate() {
                        if j > 0 {
                            out.push(',');
                        }
                        match item.as_object() {
                            Some(rec) if j == 0 => push_forged(&mut out, rec, &msg)?,
                            _ => out.push_str(&serde_json::to_string(item).ok()?),
                        }
                    }
                    out.push(']');
                }
                _ => out.push_str(&serde_json::to_string(val).ok()?),
            }
        }
        out.push('}');
    } else {
        push_forged(&mut out, top, &msg)?;
    }
    Some(out.into_bytes())
}

fn push_key(out: &mut String, key: &str) -> Option<()> {
    out.push_str(&serde_json::to_string(key).ok()?);
    out.push(':');
    Some(())
}

/// An object, compact, with `"forged":\n<msg>\n` as its last field (replacing any
/// `forged` it had).
fn push_forged(out: &mut String, rec: &Map<String, Value>, msg: &str) -> Option<()> {
    out.push('{');
    for (k, val) in rec.iter().filter(|(k, _)| k.as_str() != "forged") {
        push_key(out, k)?;
        out.push_str(&serde_json::to_string(val).ok()?);
        out.push(',');
    }
    out.push_str("\"forged\":\n");
    out.push_str(msg);
    out.push_str("\n}");
    Some(())
}

/// The body compact with `value` set at `pointer`; `None` when the body is not JSON or the
/// pointer is not a JSON pointer (empty, or starting with `/`).
pub(crate) fn replace_field(body: &[u8], pointer: &str, value: &Value) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let segs: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .strip_prefix('/')?
            .split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    set_at(&mut v, &segs, value);
    serde_json::to_vec(&v).ok()
}

fn set_at(target: &mut Value, segs: &[String], value: &Value) {
    let Some((head, rest)) = segs.split_first() else {
        *target = value.clone();
        return;
    };
    if head == "*" {
        match target {
            Value::Array(items) => items.iter_mut().for_each(|t| set_at(t, rest, value)),
            Value::Object(map) => map.values_mut().for_each(|t| set_at(t, rest, value)),
            _ => {}
        }
        return;
    }
    match target {
        Value::Object(map) if rest.is_empty() => {
            map.insert(head.clone(), value.clone());
        }
        Value::Object(map) => {
            if let Some(child) = map.get_mut(head.as_str()) {
                set_at(child, rest, value);
            }
        }
        Value::Array(items) => {
            if let Some(child) = array_index(head).and_then(|i| items.get_mut(i)) {
                set_at(child, rest, value);
            }
        }
        _ => {}
    }
}

/// An RFC 6901 array index: digits, no leading zero.
fn array_index(seg: &str) -> Option<usize> {
    let digits = !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit());
    if !digits || (seg.len() > 1 && seg.starts_with('0')) {
        return None;
    }
    seg.parse().ok()
}

/// A list body with a fresh `meta.next_cursor` (and `data` emptied unless `keep_data`), its
/// `uri` set to `uri` when given; `None` when the body is not a list.
pub(crate) fn fresh_cursors(body: &[u8], keep_data: bool, uri: Option<&str>) -> Option<Vec<u8>> {
    let mut v: Value = serde_json::from_slice(body).ok()?;
    let top = v.as_object_mut()?;
    if !top.get("data").is_some_and(Value::is_array) {
        return None;
    }
    let meta = top.get_mut("meta").and_then(Value::as_object_mut)?;
    meta.insert("next_cursor".to_owned(), Value::String(fresh_cursor()));
    if !keep_data {
        top.insert("data".to_owned(), Value::Array(Vec::new()));
    }
    if let Some(u) = uri
        && top.get("uri").is_some_and(Value::is_string)
    {
        top.insert("uri".to_owned(), Value::String(u.to_owned()));
    }
    serde_json::to_vec(&v).ok()
}

/// A query string without the `cursor` parameters that are fresh cursors; `None` when it has
/// none.
pub(crate) fn strip_fresh_cursor(query: &str) -> Option<String> {
    let is_fresh = |pair: &&str| {
        pair.strip_prefix("cursor=")
            .is_some_and(|c| c.starts_with(FRESH_CURSOR_PREFIX))
    };
    if !query.split('&').any(|p| is_fresh(&p)) {
        return None;
    }
    Some(
        query
            .split('&')
            .filter(|p| !is_fresh(p))
            .collect::<Vec<_>>()
            .join("&"),
    )
}

#[derive(Debug)]
struct RuleState {
    matched: u64,
    fired: u64,
    burst_left: u32,
    rng: ChaCha8Rng,
}

/// The live plan and per-rule counters.
#[derive(Debug)]
pub struct FaultEngine {
    plan: FaultPlan,
    state: Vec<RuleState>,
}

impl FaultEngine {
    /// Starts a plan with fresh counters.
    pub fn new(plan: FaultPlan) -> Self {
        let state = (0..plan.rules.len())
            .map(|i| RuleState {
                matched: 0,
                fired: 0,
                burst_left: 0,
                rng: ChaCha8Rng::seed_from_u64(crate::seed::mix(plan.seed, i as u64)),
            })
            .collect();
        Self { plan, state }
    }

    /// The plan.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// The fault to inject for a request, if any.
    pub fn decide(&mut self, account: &str, method: &str, path: &str) -> Option<FaultKind> {
        for (rule, st) in self.plan.rules.iter().zip(self.state.iter_mut()) {
            if rule.account.as_deref().is_some_and(|a| a != account)
                || rule
                    .route_prefix
                    .as_deref()
                    .is_some_and(|p| !path.starts_with(p))
                || rule
                    .method
                    .as_deref()
                    .is_some_and(|m| !m.eq_ignore_ascii_case(method))
            {
                continue;
            }
            st.matched += 1;
            if st.burst_left > 0 {
                st.burst_left -= 1;
                return Some(rule.fault.clone());
            }
            if rule.max_times.is_some_and(|m| st.fired >= m) {
                continue;
            }
            let fire = match &rule.trigger {
                FaultTrigger::Always => true,
                FaultTrigger::Probability(p) => st.rng.random_bool(p.clamp(0.0, 1.0)),
                FaultTrigger::EveryNth(n) => *n > 0 && st.matched % n == 0,
                FaultTrigger::OnRequests(ns) => ns.contains(&st.matched),
            };
            if fire {
                st.fired += 1;
                if let FaultKind::RateLimitBurst { count, .. } = rule.fault {
                    st.burst_left = count.saturating_sub(1);
                }
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape_round_trips() {
        let json = r#"{"seed":7,"rules":[{"account":"acme","route_prefix":"/api/tickets","trigger":{"every_nth":3},"fault":{"type":"status","status":503},"max_times":2},{"trigger":"always","fault":{"type":"rate_limit_burst","count":2}}]}"#;
        let plan: FaultPlan = serde_json::from_str(json).unwrap();
        assert_eq!(
            plan.rules[1].fault,
            FaultKind::RateLimitBurst {
                count: 2,
                retry_after_secs: 1
            }
        );
        let back: FaultPlan = serde_json::from_str(&serde_json::to_string(&plan).unwrap()).unwrap();
        assert_eq!(plan, back);
    }

    #[test]
    fn rewrite_kinds_json_shapes() {
        let cases = [
            (r#"{"type":"pretty_print"}"#, FaultKind::PrettyPrint),
            (
                r#"{"type":"forge_line","message":{"type":"RECORD","n":1}}"#,
                FaultKind::ForgeLine {
                    message: serde_json::json!({"type": "RECORD", "n": 1}),
                },
            ),
            (
                r#"{"type":"header","name":"Retry-After","value":"1e20"}"#,
                FaultKind::Header {
                    name: "Retry-After".into(),
                    value: "1e20".into(),
                },
            ),
            (
                r#"{"type":"replace_field","pointer":"/data/*/updated_datetime","value":null}"#,
                FaultKind::ReplaceField {
                    pointer: "/data/*/updated_datetime".into(),
                    value: Value::Null,
                },
            ),
            (
                r#"{"type":"pad_body","bytes":2147483648}"#,
                FaultKind::PadBody { bytes: 2 << 30 },
            ),
            (r#"{"type":"endless_body"}"#, FaultKind::EndlessBody),
            (
                r#"{"type":"fresh_cursors"}"#,
                FaultKind::FreshCursors { keep_data: false },
            ),
            (
                r#"{"type":"fresh_cursors","keep_data":true}"#,
                FaultKind::FreshCursors { keep_data: true },
            ),
            (
                r#"{"type":"echo_headers","status":400}"#,
                FaultKind::EchoHeaders { status: 400 },
            ),
            (
                r#"{"type":"respond","status":307,"headers":{"Location":"https://x.test/"}}"#,
                FaultKind::Respond {
                    status: 307,
                    headers: BTreeMap::from([("Location".into(), "https://x.test/".into())]),
                    body: String::new(),
                },
            ),
            (
                r#"{"type":"respond","status":200,"body":"<html>"}"#,
                FaultKind::Respond {
                    status: 200,
                    headers: BTreeMap::new(),
                    body: "<html>".into(),
                },
            ),
        ];
        for (json, want) in cases {
            let got: FaultKind = serde_json::from_str(json).unwrap();
            assert_eq!(got, want, "{json}");
            let back: FaultKind =
                serde_json::from_str(&serde_json::to_string(&got).unwrap()).unwrap();
            assert_eq!(back, want, "{json}");
            let tag = serde_json::to_value(&got).unwrap()["type"].clone();
            assert_eq!(tag, got.name(), "{json}");
        }
    }

    #[test]
    fn forge_line_puts_the_message_on_its_own_line() {
        let msg = serde_json::json!({"type": "STATE", "value": {"a": 1}});
        let body = br#"{"data":[{"id":1,"forged":0},{"id":2}],"meta":{"next_cursor":null}}"#;
        let out = String::from_utf8(forge_line(body, &msg).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\"data\":[{\"id\":1,\"forged\":\n{\"type\":\"STATE\",\"value\":{\"a\":1}}\n},{\"id\":2}],\"meta\":{\"next_cursor\":null}}"
        );
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["data"][0]["forged"], msg);
        let out = String::from_utf8(forge_line(br#"{"id":3}"#, &msg).unwrap()).unwrap();
        assert!(out.contains("\"forged\":\n{\"type\":\"STATE\",\"value\":{\"a\":1}}\n}"));
        let out = String::from_utf8(forge_line(br#"{"data":[]}"#, &msg).unwrap()).unwrap();
        assert!(out.starts_with("{\"data\":[],\"forged\":\n"), "{out}");
        assert!(forge_line(b"[1]", &msg).is_none());
        assert!(forge_line(b"<html>", &msg).is_none());
    }

    #[test]
    fn replace_field_pointers() {
        let body =
            br#"{"data":[{"id":1,"a":{"b":1}},{"id":2}],"meta":{"next_cursor":"c"},"x/y":0}"#;
        let run = |p: &str, v: Value| {
            serde_json::from_slice::<Value>(&replace_field(body, p, &v).unwrap()).unwrap()
        };
        assert_eq!(
            run("/meta/next_cursor", Value::Null)["meta"]["next_cursor"],
            Value::Null
        );
        let v = run("/data/*/u", "t".into());
        assert_eq!(
            (&v["data"][0]["u"], &v["data"][1]["u"]),
            (&"t".into(), &"t".into())
        );
        // Missing intermediate segments leave their branch alone.
        let v = run("/data/*/a/c", 5.into());
        assert_eq!(v["data"][0]["a"], serde_json::json!({"b": 1, "c": 5}));
        assert!(v["data"][1].get("a").is_none());
        assert_eq!(run("/data/0", 7.into())["data"][0], 7);
        assert_eq!(run("/x~1y", 1.into())["x/y"], 1);
        assert_eq!(run("/data/01", 1.into()), run("/nothing/here", 1.into()));
        assert_eq!(run("", 1.into()), 1);
        assert!(replace_field(body, "data", &Value::Null).is_none());
        // Key order is kept.
        let out = replace_field(body, "/data/0/id", &9.into()).unwrap();
        assert!(out.starts_with(br#"{"data":[{"id":9,"a""#));
    }

    #[test]
    fn fresh_cursors_never_repeat() {
        let body =
            br#"{"object":"list","uri":"/api/x","data":[{"id":1}],"meta":{"next_cursor":null}}"#;
        let a: Value = serde_json::from_slice(&fresh_cursors(body, false, None).unwrap()).unwrap();
        let b: Value =
            serde_json::from_slice(&fresh_cursors(body, true, Some("/api/x?cursor=y")).unwrap())
                .unwrap();
        assert_ne!(a["meta"]["next_cursor"], b["meta"]["next_cursor"]);
        assert!(
            a["meta"]["next_cursor"]
                .as_str()
                .unwrap()
                .starts_with(FRESH_CURSOR_PREFIX)
        );
        assert_eq!(a["data"], serde_json::json!([]));
        assert_eq!(b["data"][0]["id"], 1);
        assert_eq!(b["uri"], "/api/x?cursor=y");
        assert!(fresh_cursors(br#"{"data":[]}"#, false, None).is_none());
        assert_eq!(
            strip_fresh_cursor("limit=2&cursor=fresh-0000000001").as_deref(),
            Some("limit=2")
        );
        assert_eq!(strip_fresh_cursor("cursor=abc&limit=2"), None);
    }

    #[test]
    fn every_nth_and_bursts() {
        let plan = FaultPlan::single(
            FaultRule::new(
                FaultTrigger::EveryNth(3),
                FaultKind::RateLimitBurst {
                    count: 2,
                    retry_after_secs: 1,
                },
            )
            .route_prefix("/api/tickets")
            .max_times(1),
        );
        let mut e = FaultEngine::new(plan);
        let got: Vec<bool> = (0..8)
            .map(|_| e.decide("acme", "GET", "/api/tickets").is_some())
            .collect();
        assert_eq!(got, [false, false, true, true, false, false, false, false]);
        assert!(e.decide("acme", "GET", "/api/users").is_none());
    }

    #[test]
    fn probability_is_seeded() {
        let plan = FaultPlan {
            seed: 3,
            rules: vec![FaultRule::new(
                FaultTrigger::Probability(0.3),
                FaultKind::MalformedJson,
            )],
        };
        let run = |plan: &FaultPlan| {
            let mut e = FaultEngine::new(plan.clone());
            (0..50)
                .map(|_| e.decide("a", "GET", "/api/x").is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(&plan), run(&plan));
    }
}
