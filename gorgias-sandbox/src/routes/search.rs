//! `POST /api/search`: `{"type": .., "query": "", "size": 10}` answered with 201 and
//! `{"data": [...]}` (full records; channels for the `customer_channel*` types).

use super::{ApiResult, JsonBody, Ty, opt, req, validate};
use crate::error::ApiError;
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, FieldVal, ObjectKind, Record};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

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

fn records(
    data: &AccountData,
    kind: ObjectKind,
    names: &[&str],
    q: &str,
    size: usize,
) -> Vec<Value> {
    let col = data.col(kind);
    let fields: Vec<usize> = names.iter().filter_map(|n| col.field(n)).collect();
    col.iter()
        .rev()
        .filter(|r| hit(r, &fields, q))
        .take(size)
        .map(|r| r.value())
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
                let mut ch = ch.clone();
                ch["customer"] = json!({ "id": c["id"], "name": c["name"], "email": c["email"] });
                out.push(ch);
            }
        }
        if out.len() >= size {
            break;
        }
    }
    out
}

fn search(ctx: &Ctx, body: &Value) -> ApiResult {
    let f = validate(
        body,
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
    let data = ctx.account.read();
    let results = match f["type"].as_str().unwrap_or_default() {
        "agent" => records(&data, ObjectKind::Users, &["name", "email"], &q, size),
        "customer" => records(&data, ObjectKind::Customers, &["name", "email"], &q, size),
        "customer_profile" => records(
            &data,
            ObjectKind::Customers,
            &["name", "email", "channels.*.address"],
            &q,
            size,
        ),
        "customer_channel" => channels(&data, &q, size, None),
        "customer_channel_email" => channels(&data, &q, size, Some("email")),
        "customer_channel_phone" => channels(&data, &q, size, Some("phone")),
        "customers_by_phone" => {
            let ids: Vec<i64> = channels(&data, &q, size, Some("phone"))
                .iter()
                .filter_map(|c| c["customer"]["id"].as_i64())
                .collect();
            ids.iter()
                .filter_map(|id| data.col(ObjectKind::Customers).get_value(*id))
                .collect()
        }
        "integration" => records(&data, ObjectKind::Integrations, &["name"], &q, size),
        "team" => records(&data, ObjectKind::Teams, &["name"], &q, size),
        _ => records(&data, ObjectKind::Tags, &["name"], &q, size),
    };
    Ok(super::json(
        StatusCode::CREATED,
        &json!({ "data": results }),
    ))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route(
        "/api/search",
        post(|ctx: Ctx, JsonBody(b): JsonBody| async move { search(&ctx, &b) }),
    )
}
