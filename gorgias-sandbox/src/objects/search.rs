//! Search: `POST /api/search {type, query, size}` (no records of its own).
//!
//! * Answers **200** with `{"data": [..], "object": "list", "uri": "", "meta": {}}` and the header
//!   `x-gorgias-search-engine: ES`; a `customer` search returns `{id, name, email}` items
//!   (recorded: Nango test search; (API reference via withone.ai) documents 201).
//! * Body: `type` (required) ∈ `agent, customer, customer_profile, customer_channel,
//!   customer_channel_email, customer_channel_phone, customers_by_phone, integration, team, tag`;
//!   `query` (default `""`, case-insensitive substring here); `size` (default 10, 1–50) (API
//!   reference "Search for Resources" via withone.ai). What matches per type follows benpalmer1/Gorgias-MCP-Server
//!   (customer: names and emails; customer_profile: also channel addresses; agent: users).
//! * Items of the other types are UNCONFIRMED: agents and customers by profile or phone answer
//!   `{id, name, email}`, channel types `{id, type, address, customer: {id, name, email}}`,
//!   integrations, teams and tags `{id, name}`.

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Ty, json, opt, req, validate};
use crate::object::{self, Route};
use crate::store::{AccountData, FieldVal, ObjectKind, Record};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Value, json};

/// The route.
pub static ROUTES: &[Route] = &[object::post("/api/search", search)];

const TYPES: &[&str] = &[
    "agent",
    "customer",
    "customer_profile",
    "customer_channel",
    "customer_channel_email",
    "customer_channel_phone",
    "customers_by_phone",
    "integration",
    "team",
    "tag",
];

fn hit(r: &Record, fields: &[usize], q: &str) -> bool {
    q.is_empty()
        || fields.iter().any(|i| match &r.fields[*i] {
            FieldVal::Str(s) => s.to_lowercase().contains(q),
            FieldVal::List(l) => l.iter().any(|s| s.to_lowercase().contains(q)),
            _ => false,
        })
}

fn person_hit(v: &Value) -> Value {
    json!({ "id": v["id"], "name": v["name"], "email": v["email"] })
}

fn named_hit(v: &Value) -> Value {
    json!({ "id": v["id"], "name": v["name"] })
}

fn records(
    data: &AccountData,
    kind: ObjectKind,
    names: &[&str],
    q: &str,
    size: usize,
    shape: fn(&Value) -> Value,
) -> Vec<Value> {
    let col = data.col(kind);
    let fields: Vec<usize> = names.iter().filter_map(|n| col.field(n)).collect();
    col.iter()
        .rev()
        .filter(|r| hit(r, &fields, q))
        .take(size)
        .map(|r| shape(&r.value()))
        .collect()
}

fn channels(data: &AccountData, q: &str, size: usize, kind: Option<&str>) -> Vec<Value> {
    let col = data.col(ObjectKind::Customers);
    let Some(addr) = col.field("channels.*.address") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in col.iter().rev().filter(|r| hit(r, &[addr], q)) {
        let c = r.value();
        for ch in c["channels"].as_array().into_iter().flatten() {
            let matches_kind = kind.is_none_or(|k| ch["type"] == k);
            let matches_q = ch["address"]
                .as_str()
                .is_some_and(|a| a.to_lowercase().contains(q));
            if matches_kind && matches_q && out.len() < size {
                out.push(json!({
                    "id": ch["id"], "type": ch["type"], "address": ch["address"],
                    "customer": person_hit(&c),
                }));
            }
        }
        if out.len() >= size {
            break;
        }
    }
    out
}

fn search(c: &Call) -> ApiResult {
    let f = validate(
        &c.body,
        &[
            req("type", Ty::Enum(TYPES)),
            opt("query", Ty::Str),
            opt("size", Ty::Int),
        ],
        false,
        "Invalid search",
    )?;
    let size = f.get("size").and_then(Value::as_i64).unwrap_or(10);
    if !(1..=50).contains(&size) {
        return Err(ApiError::bad_request("Invalid search").with_field(
            "size",
            "Must be greater than or equal to 1 and less than or equal to 50.",
        ));
    }
    let size = size as usize;
    let q = f
        .get("query")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_lowercase();
    let data = c.ctx.account.read();
    let d = &*data;
    let results = match f["type"].as_str().unwrap_or_default() {
        "agent" => records(
            d,
            ObjectKind::Users,
            &["name", "email"],
            &q,
            size,
            person_hit,
        ),
        "customer" => records(
            d,
            ObjectKind::Customers,
            &["name", "email"],
            &q,
            size,
            person_hit,
        ),
        "customer_profile" => records(
            d,
            ObjectKind::Customers,
            &["name", "email", "channels.*.address"],
            &q,
            size,
            person_hit,
        ),
        "customer_channel" => channels(d, &q, size, None),
        "customer_channel_email" => channels(d, &q, size, Some("email")),
        "customer_channel_phone" => channels(d, &q, size, Some("phone")),
        "customers_by_phone" => {
            let mut seen = Vec::new();
            channels(d, &q, size, Some("phone"))
                .into_iter()
                .filter_map(|ch| {
                    let id = ch["customer"]["id"].as_i64()?;
                    (!seen.contains(&id)).then(|| {
                        seen.push(id);
                        ch["customer"].clone()
                    })
                })
                .collect()
        }
        "integration" => records(d, ObjectKind::Integrations, &["name"], &q, size, named_hit),
        "team" => records(d, ObjectKind::Teams, &["name"], &q, size, named_hit),
        _ => records(d, ObjectKind::Tags, &["name"], &q, size, named_hit),
    };
    let mut r = json(
        StatusCode::OK,
        &json!({ "data": results, "object": "list", "uri": "", "meta": {} }),
    );
    r.headers_mut().insert(
        HeaderName::from_static("x-gorgias-search-engine"),
        HeaderValue::from_static("ES"),
    );
    Ok(r)
}
