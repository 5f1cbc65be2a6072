//! Statistics computed from the account's data (never canned):
//! legacy `POST /api/stats/{name}` (and `/download`, CSV) with a required
//! `filters.period.{start_datetime,end_datetime}`, and the reporting API
//! `POST /api/reporting/stats` (rows in `data`, cursor in `meta.next_cursor`).

use super::{ApiResult, JsonBody, ListReq, Ty, opt, req, validate};
use crate::error::ApiError;
use crate::server::{AppState, Ctx, json_text};
use crate::store::{AccountData, FieldVal, ObjectKind};
use crate::time::{self, Micros, SECOND};
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// One ticket, flattened for statistics.
#[derive(Debug, Clone)]
struct TicketFact {
    id: i64,
    created: Micros,
    closed: Option<Micros>,
    channel: String,
    status: String,
    priority: String,
    agent: Option<i64>,
    team: Option<i64>,
    customer: Option<i64>,
    tags: Vec<(i64, String)>,
    first_agent: Option<Micros>,
    agent_msgs: i64,
    customer_msgs: i64,
}

#[derive(Debug, Clone)]
struct MsgFact {
    ticket: i64,
    at: Micros,
    from_agent: bool,
    macros: Vec<i64>,
}

struct Facts {
    tickets: Vec<TicketFact>,
    messages: Vec<MsgFact>,
    users: HashMap<i64, String>,
}

fn field_int(rec: &crate::store::Record, i: Option<usize>) -> Option<i64> {
    i.and_then(|i| rec.fields[i].as_int())
}

fn field_str(rec: &crate::store::Record, i: Option<usize>) -> String {
    i.and_then(|i| rec.fields[i].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn field_list(rec: &crate::store::Record, i: Option<usize>) -> Vec<String> {
    match i.map(|i| &rec.fields[i]) {
        Some(FieldVal::List(l)) => l.iter().map(|s| s.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn facts(data: &AccountData) -> Facts {
    let mcol = data.col(ObjectKind::Messages);
    let (m_ticket, m_agent, m_created, m_macros) = (
        mcol.field("ticket_id"),
        mcol.field("from_agent"),
        mcol.field("created_datetime"),
        mcol.field("macros.*.id"),
    );
    let mut messages = Vec::with_capacity(mcol.len());
    let mut per_ticket: HashMap<i64, (Option<Micros>, i64, i64)> = HashMap::new();
    for r in mcol.iter() {
        let ticket = field_int(r, m_ticket).unwrap_or(0);
        let at = field_int(r, m_created).unwrap_or(0);
        let from_agent = matches!(m_agent.map(|i| &r.fields[i]), Some(FieldVal::Bool(true)));
        let e = per_ticket.entry(ticket).or_insert((None, 0, 0));
        if from_agent {
            e.0 = Some(e.0.map_or(at, |f: Micros| f.min(at)));
            e.1 += 1;
        } else {
            e.2 += 1;
        }
        let macros = field_list(r, m_macros)
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect();
        messages.push(MsgFact {
            ticket,
            at,
            from_agent,
            macros,
        });
    }
    let tcol = data.col(ObjectKind::Tickets);
    let f = |n: &str| tcol.field(n);
    let (created, closed, channel, status, priority) = (
        f("created_datetime"),
        f("closed_datetime"),
        f("channel"),
        f("status"),
        f("priority"),
    );
    let (agent, team, customer, tag_ids, tag_names) = (
        f("assignee_user.id"),
        f("assignee_team.id"),
        f("customer.id"),
        f("tags.*.id"),
        f("tags.*.name"),
    );
    let tickets = tcol
        .iter()
        .map(|r| {
            let (first_agent, agent_msgs, customer_msgs) =
                per_ticket.get(&r.id).copied().unwrap_or((None, 0, 0));
            let ids = field_list(r, tag_ids);
            let names = field_list(r, tag_names);
            TicketFact {
                id: r.id,
                created: field_int(r, created).unwrap_or(0),
                closed: field_int(r, closed),
                channel: field_str(r, channel),
                status: field_str(r, status),
                priority: field_str(r, priority),
                agent: field_int(r, agent),
                team: field_int(r, team),
                customer: field_int(r, customer),
                tags: ids
                    .iter()
                    .filter_map(|i| i.parse().ok())
                    .zip(names)
                    .collect(),
                first_agent,
                agent_msgs,
                customer_msgs,
            }
        })
        .collect();
    let ucol = data.col(ObjectKind::Users);
    let uname = ucol.field("name");
    let users = ucol.iter().map(|r| (r.id, field_str(r, uname))).collect();
    Facts {
        tickets,
        messages,
        users,
    }
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

fn secs(d: Micros) -> f64 {
    d as f64 / SECOND as f64
}

const LEGACY: &[&str] = &[
    "overview",
    "total-tickets-created",
    "total-tickets-replied",
    "total-tickets-closed",
    "total-messages-sent",
    "total-messages-received",
    "median-first-response-time",
    "median-resolution-time",
    "total-one-touch-tickets",
    "support-volume",
    "resolution-time",
    "first-response-time",
    "tickets-created-per-hour-per-weekday",
    "tickets-per-tag",
    "tickets-created-per-channel",
    "tickets-created-per-channel-per-day",
    "tickets-closed-per-agent",
    "tickets-closed-per-agent-per-day",
    "messages-sent-per-macro",
    "satisfaction-surveys",
];

struct Period {
    start: Micros,
    end: Micros,
    agents: Option<Vec<i64>>,
    channels: Option<Vec<String>>,
    tags: Option<Vec<i64>>,
}

impl Period {
    fn has(&self, t: Micros) -> bool {
        t >= self.start && t <= self.end
    }

    fn keeps(&self, t: &TicketFact) -> bool {
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
                .is_none_or(|ts| t.tags.iter().any(|(id, _)| ts.contains(id)))
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
    let ints = |k: &str| {
        filters
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
    };
    let strs = |k: &str| {
        filters.get(k).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
    };
    Ok(Period {
        start,
        end,
        agents: ints("agents"),
        channels: strs("channels"),
        tags: ints("tags"),
    })
}

fn lines(rows: Vec<Vec<Value>>) -> Value {
    json!({ "lines": rows.into_iter().map(|r| r.into_iter().map(|v| json!({ "value": v })).collect::<Vec<_>>()).collect::<Vec<_>>() })
}

fn counted(map: BTreeMap<String, i64>) -> Value {
    let mut rows: Vec<(String, i64)> = map.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    lines(
        rows.into_iter()
            .map(|(k, v)| vec![json!(k), json!(v)])
            .collect(),
    )
}

fn day(t: Micros) -> String {
    time::format(t - t.rem_euclid(time::DAY), time::Style::Seconds)
}

fn legacy(data: &AccountData, name: &str, p: &Period) -> Value {
    let fx = facts(data);
    let tickets: Vec<&TicketFact> = fx.tickets.iter().filter(|t| p.keeps(t)).collect();
    let kept: std::collections::HashSet<i64> = tickets.iter().map(|t| t.id).collect();
    let created: Vec<&&TicketFact> = tickets.iter().filter(|t| p.has(t.created)).collect();
    let closed: Vec<&&TicketFact> = tickets
        .iter()
        .filter(|t| t.closed.is_some_and(|c| p.has(c)))
        .collect();
    let msgs: Vec<&MsgFact> = fx
        .messages
        .iter()
        .filter(|m| p.has(m.at) && kept.contains(&m.ticket))
        .collect();
    let agent_name = |id: Option<i64>| {
        id.and_then(|i| fx.users.get(&i).cloned())
            .unwrap_or_else(|| "Unassigned".into())
    };
    let frt: Vec<f64> = created
        .iter()
        .filter_map(|t| t.first_agent.map(|f| secs(f - t.created)))
        .collect();
    let rt: Vec<f64> = closed
        .iter()
        .filter_map(|t| t.closed.map(|c| secs(c - t.created)))
        .collect();
    let scalar = |v: f64| json!({ "value": v });
    let count = |n: usize| json!({ "value": n });
    let replied = {
        let mut s = std::collections::HashSet::new();
        for m in msgs.iter().filter(|m| m.from_agent) {
            s.insert(m.ticket);
        }
        s.len()
    };
    match name {
        "total-tickets-created" => count(created.len()),
        "total-tickets-replied" => count(replied),
        "total-tickets-closed" => count(closed.len()),
        "total-messages-sent" => count(msgs.iter().filter(|m| m.from_agent).count()),
        "total-messages-received" => count(msgs.iter().filter(|m| !m.from_agent).count()),
        "median-first-response-time" => scalar(median(frt).unwrap_or(0.0)),
        "median-resolution-time" => scalar(median(rt).unwrap_or(0.0)),
        "total-one-touch-tickets" => count(closed.iter().filter(|t| t.agent_msgs == 1).count()),
        "overview" => {
            let items = [
                "total-tickets-created",
                "total-tickets-replied",
                "total-tickets-closed",
                "total-messages-sent",
                "total-messages-received",
                "median-first-response-time",
                "median-resolution-time",
                "total-one-touch-tickets",
            ];
            json!(
                items
                    .iter()
                    .map(|n| json!({ "name": n, "value": legacy(data, n, p)["value"] }))
                    .collect::<Vec<_>>()
            )
        }
        "satisfaction-surveys" => {
            let scol = data.col(ObjectKind::SatisfactionSurveys);
            let (score, sent, created_f) = (
                scol.field("score"),
                scol.field("sent_datetime"),
                scol.field("created_datetime"),
            );
            let in_period: Vec<&crate::store::Record> = scol
                .iter()
                .filter(|r| field_int(r, created_f).is_some_and(|t| p.has(t)))
                .collect();
            let scores: Vec<f64> = in_period
                .iter()
                .filter_map(|r| field_int(r, score))
                .map(|s| s as f64)
                .collect();
            let total_sent = in_period
                .iter()
                .filter(|r| field_int(r, sent).is_some())
                .count();
            let avg = if scores.is_empty() {
                0.0
            } else {
                scores.iter().sum::<f64>() / scores.len() as f64
            };
            let rate = if total_sent == 0 {
                0.0
            } else {
                scores.len() as f64 / total_sent as f64
            };
            json!([
                { "name": "average_rating", "value": (avg * 100.0).round() / 100.0 },
                { "name": "total_sent", "value": total_sent },
                { "name": "total_responded", "value": scores.len() },
                { "name": "response_rate", "value": (rate * 1000.0).round() / 1000.0 },
            ])
        }
        "tickets-closed-per-agent" => {
            let mut m = BTreeMap::new();
            for t in &closed {
                *m.entry(agent_name(t.agent)).or_insert(0) += 1;
            }
            counted(m)
        }
        "tickets-per-tag" => {
            let mut m = BTreeMap::new();
            for t in &created {
                for (_, n) in &t.tags {
                    *m.entry(n.clone()).or_insert(0) += 1;
                }
            }
            counted(m)
        }
        "tickets-created-per-channel" => {
            let mut m = BTreeMap::new();
            for t in &created {
                *m.entry(t.channel.clone()).or_insert(0) += 1;
            }
            counted(m)
        }
        "messages-sent-per-macro" => {
            let names: HashMap<i64, String> = data
                .col(ObjectKind::Macros)
                .iter()
                .map(|r| (r.id, r.fields[0].as_str().unwrap_or_default().to_owned()))
                .collect();
            let mut m = BTreeMap::new();
            for msg in msgs.iter().filter(|m| m.from_agent) {
                for id in &msg.macros {
                    *m.entry(names.get(id).cloned().unwrap_or_else(|| format!("#{id}")))
                        .or_insert(0) += 1;
                }
            }
            counted(m)
        }
        "support-volume" => {
            let mut days: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            for t in &created {
                days.entry(day(t.created)).or_default().0 += 1;
            }
            for t in &closed {
                days.entry(day(t.closed.unwrap_or(0))).or_default().1 += 1;
            }
            lines(
                days.into_iter()
                    .map(|(d, (a, b))| vec![json!(d), json!(a), json!(b)])
                    .collect(),
            )
        }
        "tickets-created-per-channel-per-day" => {
            let mut m: BTreeMap<(String, String), i64> = BTreeMap::new();
            for t in &created {
                *m.entry((day(t.created), t.channel.clone())).or_default() += 1;
            }
            lines(
                m.into_iter()
                    .map(|((d, c), n)| vec![json!(d), json!(c), json!(n)])
                    .collect(),
            )
        }
        "tickets-closed-per-agent-per-day" => {
            let mut m: BTreeMap<(String, String), i64> = BTreeMap::new();
            for t in &closed {
                *m.entry((day(t.closed.unwrap_or(0)), agent_name(t.agent)))
                    .or_default() += 1;
            }
            lines(
                m.into_iter()
                    .map(|((d, a), n)| vec![json!(d), json!(a), json!(n)])
                    .collect(),
            )
        }
        "tickets-created-per-hour-per-weekday" => {
            let mut m: BTreeMap<(u32, u32), i64> = BTreeMap::new();
            for t in &created {
                if let Some(dt) = DateTime::<Utc>::from_timestamp_micros(t.created) {
                    *m.entry((dt.weekday().num_days_from_monday(), dt.hour()))
                        .or_default() += 1;
                }
            }
            const DAYS: [&str; 7] = [
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
            ];
            lines(
                m.into_iter()
                    .map(|((d, h), n)| vec![json!(DAYS[d as usize % 7]), json!(h), json!(n)])
                    .collect(),
            )
        }
        // "first-response-time" and "resolution-time": distributions.
        other => {
            let values = if other == "first-response-time" {
                frt
            } else {
                rt
            };
            let buckets: [(&str, f64); 6] = [
                ("< 1h", 3600.0),
                ("1h-4h", 14_400.0),
                ("4h-8h", 28_800.0),
                ("8h-24h", 86_400.0),
                ("1d-3d", 259_200.0),
                ("> 3d", f64::INFINITY),
            ];
            let mut counts = [0i64; 6];
            for v in values {
                if let Some(i) = buckets.iter().position(|(_, max)| v < *max) {
                    counts[i] += 1;
                }
            }
            lines(
                buckets
                    .iter()
                    .zip(counts)
                    .map(|((n, _), c)| vec![json!(n), json!(c)])
                    .collect(),
            )
        }
    }
}

fn legacy_body(ctx: &Ctx, name: &str, body: &Value) -> Result<Value, ApiError> {
    if !LEGACY.contains(&name) {
        return Err(ApiError::not_found());
    }
    let p = period(body)?;
    let data = ctx.account.read();
    let payload = legacy(&data, name, &p);
    let span = p.end - p.start;
    Ok(json!({
        "data": {
            "label": name,
            "data": payload,
            "meta": {
                "start_datetime": time::format_now_style(p.start),
                "end_datetime": time::format_now_style(p.end),
                "previous_start_datetime": time::format_now_style(p.start - span),
                "previous_end_datetime": time::format_now_style(p.start),
            },
        }
    }))
}

fn stat(ctx: &Ctx, name: &str, body: &Value) -> ApiResult {
    Ok(super::json(StatusCode::OK, &legacy_body(ctx, name, body)?))
}

fn csv_cell(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn download(ctx: &Ctx, name: &str, body: &Value) -> ApiResult {
    let v = legacy_body(ctx, name, body)?;
    let payload = &v["data"]["data"];
    let mut out = String::new();
    if let Some(lines) = payload.get("lines").and_then(Value::as_array) {
        for line in lines {
            let cells: Vec<String> = line
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| csv_cell(&c["value"]))
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    } else if let Some(items) = payload.as_array() {
        out.push_str("name,value\n");
        for it in items {
            out.push_str(&format!(
                "{},{}\n",
                csv_cell(&it["name"]),
                csv_cell(&it["value"])
            ));
        }
    } else {
        out.push_str(&format!("value\n{}\n", csv_cell(&payload["value"])));
    }
    let mut r = (StatusCode::OK, out).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(r)
}

// ---------------------------------------------------------------- reporting API

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

const MEASURES: &[&str] = &[
    "ticketCount",
    "messageCount",
    "surveyCount",
    "averageSurveyScore",
    "medianFirstResponseTime",
    "averageFirstResponseTime",
    "medianResolutionTime",
    "averageResolutionTime",
    "medianResponseTime",
    "averageMessagesPerTicket",
    "tagCount",
];

const DIMENSIONS: &[&str] = &[
    "channel",
    "status",
    "priority",
    "agentId",
    "teamId",
    "customerId",
    "tagId",
    "tagName",
    "score",
];

/// One row before aggregation.
#[derive(Debug, Clone)]
struct Fact {
    time: Micros,
    ticket: i64,
    dims: HashMap<&'static str, Value>,
    value: Option<f64>,
    messages: i64,
    score: Option<f64>,
}

fn ticket_fact(t: &TicketFact, time: Micros, value: Option<f64>) -> Fact {
    let mut dims: HashMap<&'static str, Value> = HashMap::new();
    dims.insert("channel", json!(t.channel));
    dims.insert("status", json!(t.status));
    dims.insert("priority", json!(t.priority));
    dims.insert("agentId", json!(t.agent));
    dims.insert("teamId", json!(t.team));
    dims.insert("customerId", json!(t.customer));
    Fact {
        time,
        ticket: t.id,
        dims,
        value,
        messages: t.agent_msgs + t.customer_msgs,
        score: None,
    }
}

fn scope_facts(data: &AccountData, scope: &str) -> Vec<Fact> {
    let fx = facts(data);
    let by_id: HashMap<i64, &TicketFact> = fx.tickets.iter().map(|t| (t.id, t)).collect();
    let mut out = Vec::new();
    match scope {
        "tickets-created" | "workload-tickets" => {
            out.extend(fx.tickets.iter().map(|t| ticket_fact(t, t.created, None)))
        }
        "tickets-open" => out.extend(
            fx.tickets
                .iter()
                .filter(|t| t.status == "open")
                .map(|t| ticket_fact(t, t.created, None)),
        ),
        "tickets-closed" => out.extend(
            fx.tickets
                .iter()
                .filter_map(|t| t.closed.map(|c| ticket_fact(t, c, None))),
        ),
        "tickets-replied" => out.extend(
            fx.tickets
                .iter()
                .filter_map(|t| t.first_agent.map(|f| ticket_fact(t, f, None))),
        ),
        "one-touch-tickets" => out.extend(
            fx.tickets
                .iter()
                .filter(|t| t.agent_msgs == 1)
                .filter_map(|t| t.closed.map(|c| ticket_fact(t, c, None))),
        ),
        "zero-touch-tickets" => out.extend(
            fx.tickets
                .iter()
                .filter(|t| t.agent_msgs == 0)
                .filter_map(|t| t.closed.map(|c| ticket_fact(t, c, None))),
        ),
        "resolution-time" | "ticket-handle-time" => out.extend(fx.tickets.iter().filter_map(|t| {
            t.closed
                .map(|c| ticket_fact(t, c, Some(secs(c - t.created))))
        })),
        "first-response-time" | "human-first-response-time" | "response-time" => {
            out.extend(fx.tickets.iter().filter_map(|t| {
                t.first_agent
                    .map(|f| ticket_fact(t, f, Some(secs(f - t.created))))
            }))
        }
        "messages-per-ticket" => out.extend(fx.tickets.iter().map(|t| {
            let n = (t.agent_msgs + t.customer_msgs) as f64;
            ticket_fact(t, t.created, Some(n))
        })),
        "tags" => {
            for t in &fx.tickets {
                for (id, name) in &t.tags {
                    let mut f = ticket_fact(t, t.created, None);
                    f.dims.insert("tagId", json!(id));
                    f.dims.insert("tagName", json!(name));
                    out.push(f);
                }
            }
        }
        "messages-sent" | "messages-received" => {
            let agent = scope == "messages-sent";
            for m in fx.messages.iter().filter(|m| m.from_agent == agent) {
                if let Some(t) = by_id.get(&m.ticket) {
                    let mut f = ticket_fact(t, m.at, None);
                    f.messages = 1;
                    out.push(f);
                }
            }
        }
        "satisfaction-surveys" => {
            let col = data.col(ObjectKind::SatisfactionSurveys);
            let (tf, sf, cf) = (
                col.field("ticket_id"),
                col.field("score"),
                col.field("created_datetime"),
            );
            for r in col.iter() {
                let tid = field_int(r, tf).unwrap_or(0);
                let Some(t) = by_id.get(&tid) else { continue };
                let mut f = ticket_fact(t, field_int(r, cf).unwrap_or(0), None);
                let score = field_int(r, sf);
                f.score = score.map(|s| s as f64);
                f.dims.insert("score", json!(score));
                out.push(f);
            }
        }
        _ => {}
    }
    out
}

fn measure(name: &str, rows: &[&Fact]) -> Value {
    let values: Vec<f64> = rows.iter().filter_map(|f| f.value).collect();
    let avg = |v: &[f64]| {
        if v.is_empty() {
            Value::Null
        } else {
            json!(v.iter().sum::<f64>() / v.len() as f64)
        }
    };
    let tickets = || {
        rows.iter()
            .map(|f| f.ticket)
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    match name {
        "ticketCount" => json!(tickets()),
        "messageCount" => json!(rows.iter().map(|f| f.messages).sum::<i64>()),
        "surveyCount" => json!(rows.len()),
        "tagCount" => json!(rows.len()),
        "averageSurveyScore" => avg(&rows.iter().filter_map(|f| f.score).collect::<Vec<_>>()),
        "averageFirstResponseTime" | "averageResolutionTime" => avg(&values),
        "averageMessagesPerTicket" => {
            let t = tickets();
            if t == 0 {
                Value::Null
            } else {
                json!(rows.iter().map(|f| f.messages).sum::<i64>() as f64 / t as f64)
            }
        }
        _ => median(values).map_or(Value::Null, |m| json!(m)),
    }
}

fn bucket(t: Micros, granularity: &str) -> String {
    let Some(dt) = DateTime::<Utc>::from_timestamp_micros(t) else {
        return String::new();
    };
    let date = dt.date_naive();
    let start = match granularity {
        "hour" => date.and_hms_opt(dt.hour(), 0, 0),
        "week" => (date - chrono::Days::new(u64::from(dt.weekday().num_days_from_monday())))
            .and_hms_opt(0, 0, 0),
        "month" => date.with_day(1).and_then(|d| d.and_hms_opt(0, 0, 0)),
        "year" => date.with_ordinal(1).and_then(|d| d.and_hms_opt(0, 0, 0)),
        _ => date.and_hms_opt(0, 0, 0),
    };
    start
        .map(|s| s.format("%Y-%m-%dT%H:%M:%S%.3f").to_string())
        .unwrap_or_default()
}

fn reporting(r: &ListReq, body: &Value) -> ApiResult {
    let msg = "Invalid reporting query";
    let mut limit = 30usize;
    let mut offset = 0usize;
    for (k, v) in &r.params {
        match k.as_str() {
            "limit" => {
                let n: i64 = v
                    .parse()
                    .map_err(|_| ApiError::bad_param("limit", "Not a valid integer."))?;
                if !(1..=10_000).contains(&n) {
                    return Err(ApiError::bad_param(
                        "limit",
                        "Must be greater than or equal to 1 and less than or equal to 10000.",
                    ));
                }
                limit = n as usize;
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
    let f = validate(body, &[req("query", Ty::Object)], false, msg)?;
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
    let measures = strings("measures");
    if let Some(bad) = dims.iter().find(|d| !DIMENSIONS.contains(&d.as_str())) {
        return Err(ApiError::bad_request(msg)
            .with_field("query.dimensions", &format!("Unknown dimension {bad}.")));
    }
    if let Some(bad) = measures.iter().find(|m| !MEASURES.contains(&m.as_str())) {
        return Err(ApiError::bad_request(msg)
            .with_field("query.measures", &format!("Unknown measure {bad}.")));
    }
    let time_dims: Vec<(String, String)> = q
        .get("time_dimensions")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|t| {
                    (
                        t["dimension"]
                            .as_str()
                            .unwrap_or("createdDatetime")
                            .to_owned(),
                        t["granularity"].as_str().unwrap_or("day").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let data = r.ctx.account.read();
    let mut facts = scope_facts(&data, q["scope"].as_str().unwrap_or_default());
    for (i, filt) in q["filters"].as_array().into_iter().flatten().enumerate() {
        let field = format!("query.filters.{i}");
        let member = filt["member"]
            .as_str()
            .ok_or_else(|| ApiError::bad_request(msg).with_field(&field, "Needs a member."))?;
        let op = filt["operator"]
            .as_str()
            .ok_or_else(|| ApiError::bad_request(msg).with_field(&field, "Needs an operator."))?;
        let values: Vec<Value> = filt["values"].as_array().cloned().unwrap_or_default();
        let times: Vec<Micros> = values
            .iter()
            .filter_map(|v| v.as_str().and_then(time::parse))
            .collect();
        let dim = |f: &Fact| -> Value {
            f.dims
                .iter()
                .find(|(k, _)| **k == member || member.ends_with(&format!(".{k}")))
                .map(|(_, v)| v.clone())
                .unwrap_or(Value::Null)
        };
        let eqv = |a: &Value, b: &Value| {
            a == b || a.to_string().trim_matches('"') == b.to_string().trim_matches('"')
        };
        match op {
            "afterDate" => facts.retain(|f| times.first().is_none_or(|t| f.time >= *t)),
            "beforeDate" => facts.retain(|f| times.first().is_none_or(|t| f.time <= *t)),
            "inDateRange" => {
                let (a, b) = (
                    times.first().copied().unwrap_or(i64::MIN),
                    times.get(1).copied().unwrap_or(i64::MAX),
                );
                facts.retain(|f| f.time >= a && f.time <= b);
            }
            "one-of" => facts.retain(|f| values.iter().any(|v| eqv(&dim(f), v))),
            "not-one-of" => facts.retain(|f| !values.iter().any(|v| eqv(&dim(f), v))),
            "all-of" => facts.retain(|f| values.iter().all(|v| eqv(&dim(f), v))),
            "set" => facts.retain(|f| !dim(f).is_null()),
            "contains" => facts.retain(|f| {
                values
                    .iter()
                    .any(|v| dim(f).to_string().contains(v.as_str().unwrap_or("")))
            }),
            _ => {
                return Err(ApiError::bad_request(msg)
                    .with_field(&field, &format!("Unknown operator {op}.")));
            }
        }
    }
    let mut groups: BTreeMap<String, (Map<String, Value>, Vec<&Fact>)> = BTreeMap::new();
    for f in &facts {
        let mut key = Map::new();
        for d in &dims {
            key.insert(
                d.clone(),
                f.dims.get(d.as_str()).cloned().unwrap_or(Value::Null),
            );
        }
        for (d, g) in &time_dims {
            key.insert(d.clone(), json!(bucket(f.time, g)));
        }
        let k = Value::Object(key.clone()).to_string();
        groups
            .entry(k)
            .or_insert_with(|| (key, Vec::new()))
            .1
            .push(f);
    }
    if groups.is_empty() && dims.is_empty() && time_dims.is_empty() {
        groups.insert(String::new(), (Map::new(), Vec::new()));
    }
    let measures = if measures.is_empty() {
        vec!["ticketCount".to_owned()]
    } else {
        measures
    };
    let mut rows: Vec<Value> = groups
        .into_values()
        .map(|(mut key, fs)| {
            for m in &measures {
                key.insert(m.clone(), measure(m, &fs));
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
            let (x, y) = (&a[&field], &b[&field]);
            let ord = match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => p.total_cmp(&q),
                _ => x.to_string().cmp(&y.to_string()),
            };
            if desc { ord.reverse() } else { ord }
        });
    }
    let total = rows.len();
    let page: Vec<Value> = rows.into_iter().skip(offset).take(limit).collect();
    let next = (offset.saturating_add(limit) < total)
        .then(|| STANDARD.encode(json!(["offset", offset.saturating_add(limit)]).to_string()));
    let prev = (offset > 0)
        .then(|| STANDARD.encode(json!(["offset", offset.saturating_sub(limit)]).to_string()));
    let body = json!({
        "object": "list",
        "uri": r.uri,
        "data": page,
        "meta": { "prev_cursor": prev, "next_cursor": next, "total_resources": total },
    });
    Ok(json_text(StatusCode::OK, body.to_string()))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/stats/{name}",
            post(
                |ctx: Ctx, Path(name): Path<String>, JsonBody(b): JsonBody| async move {
                    stat(&ctx, &name, &b)
                },
            ),
        )
        .route(
            "/api/stats/{name}/download",
            post(
                |ctx: Ctx, Path(name): Path<String>, JsonBody(b): JsonBody| async move {
                    download(&ctx, &name, &b)
                },
            ),
        )
        .route(
            "/api/reporting/stats",
            post(|r: ListReq, JsonBody(b): JsonBody| async move { reporting(&r, &b) }),
        )
}
