//! Statistics (no records of their own): the legacy `POST /api/stats/{name}` and the reporting
//! `POST /api/reporting/stats`, computed from the account's tickets and messages. Only the recorded
//! and documented shapes are modelled.
//!
//! * `POST /api/stats/{name}` needs `{"filters": {"period": {start_datetime, end_datetime}}}`
//!   (developers.gorgias.com/reference/get-legacy-statistic); `agents`, `channels` and `tags`
//!   filters are applied when given (their exact keys are UNCONFIRMED). The answer is `{"data":
//!   {"data": <payload>}, "meta": {start_datetime, end_datetime, previous_start_datetime,
//!   previous_end_datetime}}` with `meta` at the top level and the previous period the window just
//!   before the requested one (recorded: Nango test get-stats-overview).
//!   * `overview`: eight items `total_new_tickets`, `total_replied_tickets`,
//!     `total_closed_tickets`, `total_messages_sent`, `total_messages_received` (`number`),
//!     `median_first_response_time`, `median_resolution_time` (`duration` in seconds, `null`
//!     without data, `more_is_better: false`), `total_one_touch_tickets` (`percent`,
//!     `more_is_better: true`), each with `delta` = change against the previous period in percent
//!     (100 from zero) (recorded: Nango test get-stats-overview).
//!   * The same eight as scalars (`total-tickets-created`, `total-tickets-replied`,
//!     `total-tickets-closed`, `total-messages-sent`, `total-messages-received`,
//!     `median-first-response-time`, `median-resolution-time`, `total-one-touch-tickets`): payload
//!     `{"value": n}`; `satisfaction-surveys`: `[{"name": "average_rating"}, {"name":
//!     "total_sent"}]` with `value`s; `tickets-closed-per-agent`, `tickets-per-tag`,
//!     `tickets-created-per-channel`: `{"lines": [[{"value": label}, {"value": count}], ..]}`
//!     (shapes seen in public code using the API (a public Google Apps Script using the stats API);
//!     their `meta` placement is taken from the overview recording).
//!   * Other documented names (`support-volume`, `*-per-day`, ...) have no known shape and answer
//!     404, as unknown names do. `/download` (CSV) is not modelled.
//! * `POST /api/reporting/stats?cursor=&limit=` (limit default 30, at most 10000) needs `{"query":
//!   {scope, filters, timezone}}` (API reference "Retrieve a Reporting Statistic" via withone.ai);
//!   rows come in `data`, the next page's cursor in `meta.next_cursor`
//!   (benpalmer1/Gorgias-MCP-Server). The row shape is UNCONFIRMED: one row per value of the
//!   requested `dimensions` (`channel`, `status`, `priority`) with the requested `measures`
//!   (`ticketCount`, `messageCount`), for the ticket and message scopes (`tickets-created`,
//!   `tickets-closed`, `tickets-open`, `tickets-replied`, `messages-sent`, `messages-received`;
//!   other documented scopes give no rows); `afterDate`, `beforeDate` and `inDateRange` filters
//!   restrict the instant counted.

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Ty, ok, opt, req, validate};
use crate::object::{self, Route};
use crate::store::{AccountData, FieldVal, ObjectKind};
use crate::time::{self, Micros, SECOND};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// The routes.
pub static ROUTES: &[Route] = &[
    object::post("/api/stats/{name}", legacy),
    object::post("/api/reporting/stats", reporting),
];

/// The 27 documented reporting scopes (benpalmer1/Gorgias-MCP-Server).
const SCOPES: &[&str] = &[
    "tickets-closed",
    "tickets-created",
    "tickets-open",
    "tickets-replied",
    "one-touch-tickets",
    "zero-touch-tickets",
    "satisfaction-surveys",
    "resolution-time",
    "messages-sent",
    "first-response-time",
    "human-first-response-time",
    "response-time",
    "messages-per-ticket",
    "ticket-handle-time",
    "online-time",
    "tags",
    "auto-qa",
    "messages-received",
    "automation-rate",
    "workload-tickets",
    "automated-interactions",
    "ticket-fields",
    "voice-calls",
    "voice-agent-events",
    "ticket-sla",
    "knowledge-insights",
    "voice-calls-summary",
];

struct Ticket {
    created: Micros,
    closed: Option<Micros>,
    channel: String,
    status: String,
    priority: String,
    agent: Option<i64>,
    tags: Vec<String>,
    first_reply: Option<Micros>,
    agent_msgs: i64,
}

struct Msg {
    ticket: i64,
    at: Micros,
    from_agent: bool,
}

struct Facts {
    tickets: HashMap<i64, Ticket>,
    messages: Vec<Msg>,
}

fn facts(data: &AccountData) -> Facts {
    let mcol = data.col(ObjectKind::Messages);
    let f = |n: &str| mcol.field(n);
    let (mt, ma, mc, mp) = (
        f("ticket_id"),
        f("from_agent"),
        f("created_datetime"),
        f("public"),
    );
    let int = |r: &crate::store::Record, i: Option<usize>| i.and_then(|i| r.fields[i].as_int());
    let flag = |r: &crate::store::Record, i: Option<usize>| {
        matches!(i.map(|i| &r.fields[i]), Some(FieldVal::Bool(true)))
    };
    let mut messages = Vec::with_capacity(mcol.len());
    let mut first: HashMap<i64, (Option<Micros>, i64)> = HashMap::new();
    for r in mcol.iter() {
        let ticket = int(r, mt).unwrap_or(0);
        let at = int(r, mc).unwrap_or(0);
        let from_agent = flag(r, ma);
        if from_agent && flag(r, mp) {
            let e = first.entry(ticket).or_insert((None, 0));
            e.0 = Some(e.0.map_or(at, |x: Micros| x.min(at)));
            e.1 += 1;
        }
        messages.push(Msg {
            ticket,
            at,
            from_agent,
        });
    }
    let tcol = data.col(ObjectKind::Tickets);
    let g = |n: &str| tcol.field(n);
    let (created, closed, channel, status, priority, agent, tags) = (
        g("created_datetime"),
        g("closed_datetime"),
        g("channel"),
        g("status"),
        g("priority"),
        g("assignee_user.id"),
        g("tags.*.name"),
    );
    let s = |r: &crate::store::Record, i: Option<usize>| {
        i.and_then(|i| r.fields[i].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let tickets = tcol
        .iter()
        .map(|r| {
            let (first_reply, agent_msgs) = first.get(&r.id).copied().unwrap_or((None, 0));
            let tag_names = match tags.map(|i| &r.fields[i]) {
                Some(FieldVal::List(l)) => l.iter().map(|x| x.to_string()).collect(),
                _ => Vec::new(),
            };
            (
                r.id,
                Ticket {
                    created: int(r, created).unwrap_or(0),
                    closed: int(r, closed),
                    channel: s(r, channel),
                    status: s(r, status),
                    priority: s(r, priority),
                    agent: int(r, agent),
                    tags: tag_names,
                    first_reply,
                    agent_msgs,
                },
            )
        })
        .collect();
    Facts { tickets, messages }
}

struct Period {
    start: Micros,
    end: Micros,
    agents: Option<Vec<i64>>,
    channels: Option<Vec<String>>,
    tags: Option<Vec<String>>,
}

impl Period {
    fn has(&self, t: Micros) -> bool {
        t >= self.start && t <= self.end
    }

    fn keeps(&self, t: &Ticket) -> bool {
        self.agents
            .as_ref()
            .is_none_or(|a| t.agent.is_some_and(|x| a.contains(&x)))
            && self
                .channels
                .as_ref()
                .is_none_or(|c| c.contains(&t.channel))
            && self
                .tags
                .as_ref()
                .is_none_or(|ts| t.tags.iter().any(|x| ts.contains(x)))
    }

    /// The window just before (recorded: August 1–31 has July 1–31 before it).
    fn previous(&self) -> Period {
        let len = self.end - self.start;
        Period {
            start: self.start - len - SECOND,
            end: self.start - SECOND,
            agents: self.agents.clone(),
            channels: self.channels.clone(),
            tags: self.tags.clone(),
        }
    }
}

fn period(body: &Value) -> Result<Period, ApiError> {
    let msg = "Invalid statistic request";
    let f = validate(body, &[req("filters", Ty::Object)], false, msg)?;
    let filters = &f["filters"];
    let p = filters
        .get("period")
        .filter(|p| p.is_object())
        .ok_or_else(|| {
            ApiError::bad_request(msg)
                .with_field("filters.period", "Missing data for required field.")
        })?;
    let get = |k: &str| -> Result<Micros, ApiError> {
        let field = format!("filters.period.{k}");
        let s = p.get(k).and_then(Value::as_str).ok_or_else(|| {
            ApiError::bad_request(msg).with_field(&field, "Missing data for required field.")
        })?;
        time::parse(s)
            .ok_or_else(|| ApiError::bad_request(msg).with_field(&field, "Not a valid datetime."))
    };
    let (start, end) = (get("start_datetime")?, get("end_datetime")?);
    if end < start {
        return Err(ApiError::bad_request(msg).with_field(
            "filters.period.end_datetime",
            "Must be after start_datetime.",
        ));
    }
    let strs = |k: &str| {
        filters.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<String>>()
        })
    };
    let agents = filters
        .get("agents")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect());
    Ok(Period {
        start,
        end,
        agents,
        channels: strs("channels"),
        tags: strs("tags"),
    })
}

/// The eight overview numbers over a period.
struct Totals {
    created: f64,
    replied: f64,
    closed: f64,
    sent: f64,
    received: f64,
    first_response: Option<f64>,
    resolution: Option<f64>,
    one_touch: f64,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn totals(fx: &Facts, p: &Period) -> Totals {
    let kept = |id: &i64| fx.tickets.get(id).is_some_and(|t| p.keeps(t));
    let created: Vec<&Ticket> = fx
        .tickets
        .values()
        .filter(|t| p.keeps(t) && p.has(t.created))
        .collect();
    let closed: Vec<&Ticket> = fx
        .tickets
        .values()
        .filter(|t| p.keeps(t) && t.closed.is_some_and(|c| p.has(c)))
        .collect();
    let msgs: Vec<&Msg> = fx
        .messages
        .iter()
        .filter(|m| p.has(m.at) && kept(&m.ticket))
        .collect();
    let mut replied: Vec<i64> = msgs
        .iter()
        .filter(|m| m.from_agent)
        .map(|m| m.ticket)
        .collect();
    replied.sort_unstable();
    replied.dedup();
    let secs = |d: Micros| d as f64 / SECOND as f64;
    let one = closed.iter().filter(|t| t.agent_msgs == 1).count() as f64;
    Totals {
        created: created.len() as f64,
        replied: replied.len() as f64,
        closed: closed.len() as f64,
        sent: msgs.iter().filter(|m| m.from_agent).count() as f64,
        received: msgs.iter().filter(|m| !m.from_agent).count() as f64,
        first_response: median(
            created
                .iter()
                .filter_map(|t| t.first_reply.map(|f| secs(f - t.created)))
                .collect(),
        ),
        resolution: median(
            closed
                .iter()
                .filter_map(|t| t.closed.map(|c| secs(c - t.created)))
                .collect(),
        ),
        one_touch: if closed.is_empty() {
            0.0
        } else {
            (one / closed.len() as f64 * 1000.0).round() / 10.0
        },
    }
}

fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        json!(x as i64)
    } else {
        json!((x * 100.0).round() / 100.0)
    }
}

fn delta(cur: Option<f64>, prev: Option<f64>) -> Value {
    match (cur, prev) {
        (Some(c), Some(p)) if p != 0.0 => num(((c - p) / p * 100.0).round()),
        (Some(c), _) if c > 0.0 => json!(100),
        _ => json!(0),
    }
}

fn overview(cur: &Totals, prev: &Totals) -> Value {
    let item = |name: &str, kind: &str, c: Option<f64>, p: Option<f64>, better: Option<bool>| {
        let mut v =
            json!({ "name": name, "type": kind, "value": c.map(num), "delta": delta(c, p) });
        if let Some(b) = better {
            v["more_is_better"] = json!(b);
        }
        v
    };
    json!([
        item(
            "total_new_tickets",
            "number",
            Some(cur.created),
            Some(prev.created),
            None
        ),
        item(
            "total_replied_tickets",
            "number",
            Some(cur.replied),
            Some(prev.replied),
            None
        ),
        item(
            "total_closed_tickets",
            "number",
            Some(cur.closed),
            Some(prev.closed),
            None
        ),
        item(
            "total_messages_sent",
            "number",
            Some(cur.sent),
            Some(prev.sent),
            None
        ),
        item(
            "total_messages_received",
            "number",
            Some(cur.received),
            Some(prev.received),
            None
        ),
        item(
            "median_first_response_time",
            "duration",
            cur.first_response,
            prev.first_response,
            Some(false)
        ),
        item(
            "median_resolution_time",
            "duration",
            cur.resolution,
            prev.resolution,
            Some(false)
        ),
        item(
            "total_one_touch_tickets",
            "percent",
            Some(cur.one_touch),
            Some(prev.one_touch),
            Some(true)
        ),
    ])
}

fn lines(map: BTreeMap<String, i64>) -> Value {
    let mut rows: Vec<(String, i64)> = map.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let lines: Vec<Value> = rows
        .into_iter()
        .map(|(k, v)| json!([{ "value": k }, { "value": v }]))
        .collect();
    json!({ "lines": lines })
}

fn legacy(c: &Call) -> ApiResult {
    let name = c.path_param(0).to_owned();
    let p = period(&c.body)?;
    let data = c.ctx.account.read();
    let fx = facts(&data);
    let cur = totals(&fx, &p);
    let scalar = |v: Option<f64>| json!({ "value": v.map(num) });
    let payload = match name.as_str() {
        "overview" => overview(&cur, &totals(&fx, &p.previous())),
        "total-tickets-created" => scalar(Some(cur.created)),
        "total-tickets-replied" => scalar(Some(cur.replied)),
        "total-tickets-closed" => scalar(Some(cur.closed)),
        "total-messages-sent" => scalar(Some(cur.sent)),
        "total-messages-received" => scalar(Some(cur.received)),
        "median-first-response-time" => scalar(cur.first_response),
        "median-resolution-time" => scalar(cur.resolution),
        "total-one-touch-tickets" => scalar(Some(cur.one_touch)),
        "satisfaction-surveys" => {
            let col = data.col(ObjectKind::SatisfactionSurveys);
            let (score, sent, created) = (
                col.field("score"),
                col.field("sent_datetime"),
                col.field("created_datetime"),
            );
            let field =
                |r: &crate::store::Record, i: Option<usize>| i.and_then(|i| r.fields[i].as_int());
            let in_period: Vec<&crate::store::Record> = col
                .iter()
                .filter(|r| field(r, created).is_some_and(|t| p.has(t)))
                .collect();
            let scores: Vec<f64> = in_period
                .iter()
                .filter_map(|r| field(r, score))
                .map(|s| s as f64)
                .collect();
            let total_sent = in_period
                .iter()
                .filter(|r| field(r, sent).is_some())
                .count();
            let avg =
                (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
            json!([
                { "name": "average_rating", "value": avg.map(num) },
                { "name": "total_sent", "value": total_sent },
            ])
        }
        "tickets-closed-per-agent" | "tickets-per-tag" | "tickets-created-per-channel" => {
            let users: HashMap<i64, String> = data
                .col(ObjectKind::Users)
                .iter()
                .map(|r| {
                    (
                        r.id,
                        r.value()["name"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect();
            let mut m: BTreeMap<String, i64> = BTreeMap::new();
            for t in fx.tickets.values().filter(|t| p.keeps(t)) {
                match name.as_str() {
                    "tickets-closed-per-agent" if t.closed.is_some_and(|c| p.has(c)) => {
                        let who = t
                            .agent
                            .and_then(|a| users.get(&a).cloned())
                            .unwrap_or_else(|| "Unassigned".into());
                        *m.entry(who).or_default() += 1;
                    }
                    "tickets-per-tag" if p.has(t.created) => {
                        for tag in &t.tags {
                            *m.entry(tag.clone()).or_default() += 1;
                        }
                    }
                    "tickets-created-per-channel" if p.has(t.created) => {
                        *m.entry(t.channel.clone()).or_default() += 1;
                    }
                    _ => {}
                }
            }
            lines(m)
        }
        _ => return Err(ApiError::not_found()),
    };
    let prev = p.previous();
    ok(&json!({
        "data": { "data": payload },
        "meta": {
            "end_datetime": time::iso(p.end),
            "previous_end_datetime": time::iso(prev.end),
            "previous_start_datetime": time::iso(prev.start),
            "start_datetime": time::iso(p.start),
        },
    }))
}

const DIMENSIONS: &[&str] = &["channel", "status", "priority"];
const MEASURES: &[&str] = &["ticketCount", "messageCount"];

fn reporting(c: &Call) -> ApiResult {
    let msg = "Invalid reporting query";
    let mut limit = 30usize;
    let mut offset = 0usize;
    for (k, v) in &c.params {
        match k.as_str() {
            "limit" => {
                limit = match v.parse::<usize>() {
                    Ok(n) if (1..=10_000).contains(&n) => n,
                    _ => {
                        return Err(ApiError::bad_param(
                            "limit",
                            "Must be greater than or equal to 1 and less than or equal to 10000.",
                        ));
                    }
                };
            }
            "cursor" if !v.is_empty() => {
                offset = STANDARD
                    .decode(v)
                    .ok()
                    .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                    .and_then(|j| j.get(1).and_then(Value::as_u64))
                    .ok_or_else(|| ApiError::bad_param("cursor", "Invalid cursor."))?
                    as usize;
            }
            "cursor" => {}
            other => return Err(ApiError::bad_param(other, "Unknown field.")),
        }
    }
    let f = validate(&c.body, &[req("query", Ty::Object)], false, msg)?;
    let q = validate(
        &f["query"],
        &[
            req("scope", Ty::Enum(SCOPES)),
            req("filters", Ty::Array),
            req("timezone", Ty::Str),
            opt("dimensions", Ty::Array),
            opt("measures", Ty::Array),
            opt("time_dimensions", Ty::Array),
            opt("order", Ty::Array),
        ],
        false,
        msg,
    )
    .map_err(|mut e| {
        if let Some(Value::Object(d)) = e.data.take() {
            e.data = Some(Value::Object(
                d.into_iter()
                    .map(|(k, v)| (format!("query.{k}"), v))
                    .collect(),
            ));
        }
        e
    })?;
    let strings = |k: &str| -> Vec<String> {
        q.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let dims = strings("dimensions");
    let mut measures = strings("measures");
    if let Some(bad) = dims.iter().find(|d| !DIMENSIONS.contains(&d.as_str())) {
        return Err(ApiError::bad_request(msg)
            .with_field("query.dimensions", &format!("Unknown dimension {bad}.")));
    }
    if let Some(bad) = measures.iter().find(|m| !MEASURES.contains(&m.as_str())) {
        return Err(ApiError::bad_request(msg)
            .with_field("query.measures", &format!("Unknown measure {bad}.")));
    }
    if measures.is_empty() {
        measures.push("ticketCount".into());
    }
    let (mut after, mut before) = (i64::MIN, i64::MAX);
    for filt in q["filters"].as_array().into_iter().flatten() {
        let times: Vec<Micros> = filt["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().and_then(time::parse))
            .collect();
        match filt["operator"].as_str() {
            Some("afterDate") => after = after.max(times.first().copied().unwrap_or(i64::MIN)),
            Some("beforeDate") => before = before.min(times.first().copied().unwrap_or(i64::MAX)),
            Some("inDateRange") => {
                after = after.max(times.first().copied().unwrap_or(i64::MIN));
                before = before.min(times.get(1).copied().unwrap_or(i64::MAX));
            }
            _ => {}
        }
    }
    let data = c.ctx.account.read();
    let fx = facts(&data);
    // (ticket, instant, messages) per counted fact.
    let scope = q["scope"].as_str().unwrap_or_default();
    let mut counted: Vec<(i64, Micros, i64)> = Vec::new();
    match scope {
        "tickets-created" => counted.extend(fx.tickets.iter().map(|(id, t)| (*id, t.created, 0))),
        "tickets-open" => counted.extend(
            fx.tickets
                .iter()
                .filter(|(_, t)| t.status == "open")
                .map(|(id, t)| (*id, t.created, 0)),
        ),
        "tickets-closed" => counted.extend(
            fx.tickets
                .iter()
                .filter_map(|(id, t)| t.closed.map(|c| (*id, c, 0))),
        ),
        "tickets-replied" => counted.extend(
            fx.tickets
                .iter()
                .filter_map(|(id, t)| t.first_reply.map(|f| (*id, f, 0))),
        ),
        "messages-sent" | "messages-received" => {
            let agent = scope == "messages-sent";
            counted.extend(
                fx.messages
                    .iter()
                    .filter(|m| m.from_agent == agent)
                    .map(|m| (m.ticket, m.at, 1)),
            );
        }
        _ => {}
    }
    // Per group: the dimension values, the tickets counted and the messages counted.
    type Group = (Map<String, Value>, Vec<i64>, i64);
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for (tid, _, n) in counted
        .into_iter()
        .filter(|(_, at, _)| *at >= after && *at <= before)
    {
        let Some(t) = fx.tickets.get(&tid) else {
            continue;
        };
        let mut key = Map::new();
        for d in &dims {
            let v = match d.as_str() {
                "channel" => &t.channel,
                "status" => &t.status,
                _ => &t.priority,
            };
            key.insert(d.clone(), json!(v));
        }
        let k = Value::Object(key.clone()).to_string();
        let e = groups.entry(k).or_insert_with(|| (key, Vec::new(), 0));
        e.1.push(tid);
        e.2 += n;
    }
    if groups.is_empty() && dims.is_empty() {
        groups.insert(String::new(), (Map::new(), Vec::new(), 0));
    }
    let mut rows: Vec<Value> = groups
        .into_values()
        .map(|(mut key, mut tickets, messages)| {
            tickets.sort_unstable();
            tickets.dedup();
            for m in &measures {
                let v = if m == "ticketCount" {
                    tickets.len() as i64
                } else {
                    messages
                };
                key.insert(m.clone(), json!(v));
            }
            Value::Object(key)
        })
        .collect();
    for o in q
        .get("order")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .rev()
    {
        let field = o
            .get(0)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let desc = o.get(1).and_then(Value::as_str) == Some("desc");
        rows.sort_by(|a, b| {
            let ord = match (a[&field].as_f64(), b[&field].as_f64()) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                _ => a[&field].to_string().cmp(&b[&field].to_string()),
            };
            if desc { ord.reverse() } else { ord }
        });
    }
    let total = rows.len();
    let page: Vec<Value> = rows.into_iter().skip(offset).take(limit).collect();
    let cursor = |o: usize| STANDARD.encode(json!(["offset", o]).to_string());
    let next = (offset.saturating_add(limit) < total).then(|| cursor(offset.saturating_add(limit)));
    let prev = (offset > 0).then(|| cursor(offset.saturating_sub(limit)));
    ok(&json!({ "data": page, "meta": { "prev_cursor": prev, "next_cursor": next } }))
}
