//! `/api/teams`.

use super::{Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req};
use crate::error::ApiError;
use crate::paging::{ListSpec, asc, desc};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Teams,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("name:asc", "name"),
        desc("name:desc", "name"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
    opt("members", Ty::Array),
];
const UPDATE: &[Rule] = &[
    opt("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
    opt("members", Ty::Array),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Teams, id, now, true);
    super::merge(
        &mut v,
        json!({ "description": null, "decoration": { "emoji": "🎧" }, "members": [] })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    Ok(v)
}

/// Resolves `members: [{id}]` into user summaries.
fn prepare(data: &mut AccountData, f: &mut Map<String, Value>) -> Result<(), ApiError> {
    let Some(members) = f.get("members").and_then(Value::as_array).cloned() else {
        return Ok(());
    };
    let mut out = Vec::new();
    for m in members {
        let id = m.get("id").and_then(Value::as_i64).ok_or_else(|| {
            ApiError::bad_request("Failed to save team")
                .with_field("members", "Each member needs an integer id.")
        })?;
        let u = data.col(ObjectKind::Users).get_value(id).ok_or_else(|| {
            ApiError::bad_request("Failed to save team")
                .with_field("members", &format!("User {id} not found."))
        })?;
        out.push(json!({ "id": id, "name": u["name"], "meta": u["meta"] }));
    }
    f.insert("members".into(), Value::Array(out));
    Ok(())
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Teams,
    create: CREATE,
    update: UPDATE,
    noun: "team",
    defaults,
    check: None,
    prepare: Some(prepare),
};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/teams",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/teams/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { SIMPLE.delete(&ctx, ids.first()) }),
        )
}
