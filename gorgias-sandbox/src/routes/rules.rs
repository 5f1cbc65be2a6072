//! `/api/rules`: default page size 100; `POST /api/rules/priorities` answers 202.

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req, validate,
};
use crate::error::ApiError;
use crate::paging::{ListSpec, asc, desc};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Rules,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 100,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("name", Ty::Str),
    req("code", Ty::Str),
    opt("description", Ty::Str),
    opt("code_ast", Ty::Object),
    opt("event_types", Ty::Str),
    opt("priority", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

const UPDATE: &[Rule] = &[
    opt("name", Ty::Str),
    opt("code", Ty::Str),
    opt("description", Ty::Str),
    opt("code_ast", Ty::Object),
    opt("event_types", Ty::Str),
    opt("priority", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Rules, id, now, true);
    let extra = json!({
        "description": null,
        "code_ast": { "type": "Program", "body": [], "sourceType": "script" },
        "event_types": "ticket-created",
        "priority": 0,
        "deactivated_datetime": null,
    });
    super::merge(&mut v, extra.as_object().cloned().unwrap_or_default());
    Ok(v)
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Rules,
    create: CREATE,
    update: UPDATE,
    noun: "rule",
    defaults,
    check: None,
    prepare: None,
};

fn priorities(ctx: &Ctx, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[req("priorities", Ty::Array)],
        false,
        "Failed to update priorities",
    )?;
    let items = f
        .get("priorities")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match (
            item.get("id").and_then(Value::as_i64),
            item.get("priority").and_then(Value::as_i64),
        ) {
            (Some(id), Some(p)) => pairs.push((id, p)),
            _ => {
                return Err(
                    ApiError::bad_request("Failed to update priorities").with_field(
                        &format!("priorities.{i}"),
                        "Needs an integer id and priority.",
                    ),
                );
            }
        }
    }
    let mut data = ctx.account.write();
    for (id, _) in &pairs {
        super::stored(&data, ObjectKind::Rules, *id)?;
    }
    let mut out = Vec::new();
    for (id, p) in pairs {
        let mut v = super::stored(&data, ObjectKind::Rules, id)?;
        let now = data.now();
        v["priority"] = json!(p);
        super::touch(&mut v, now);
        super::save_updated(&mut data, ObjectKind::Rules, &v)?;
        out.push(v);
    }
    Ok(super::json(StatusCode::ACCEPTED, &json!({ "data": out })))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/rules",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/rules/priorities",
            post(|ctx: Ctx, JsonBody(b): JsonBody| async move { priorities(&ctx, &b) }),
        )
        .route(
            "/api/rules/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { SIMPLE.delete(&ctx, ids.first()) }),
        )
}
