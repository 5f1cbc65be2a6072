//! `/api/jobs`: retrieve answers 202 (as documented); `DELETE` cancels (204, status
//! `canceled`, the record stays).

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Ty, list, now_value, opt, req, stored, validate,
};
use crate::datagen::others::{JOB_STATUSES, JOB_TYPES};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx, json_text};
use crate::store::ObjectKind;
use crate::time::{self, SECOND};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Jobs,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("status", StrEq("status", JOB_STATUSES)),
        filter("type", StrEq("type", JOB_TYPES)),
    ],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("type", Ty::Enum(JOB_TYPES)),
    req("params", Ty::Object),
    opt("scheduled_datetime", Ty::Datetime),
    opt("meta", Ty::Object),
];

const UPDATE: &[Rule] = &[
    opt("params", Ty::Object),
    opt("scheduled_datetime", Ty::Datetime),
    opt("meta", Ty::Object),
    opt("status", Ty::Enum(JOB_STATUSES)),
];

fn check_schedule(f: &serde_json::Map<String, Value>, now: i64) -> Result<Option<i64>, ApiError> {
    let Some(s) = f.get("scheduled_datetime").and_then(Value::as_str) else {
        return Ok(None);
    };
    let t = time::parse(s).unwrap_or(now);
    if t > now + 3600 * SECOND {
        return Err(ApiError::bad_request("Invalid job").with_field(
            "scheduled_datetime",
            "Must be at most 60 minutes in the future.",
        ));
    }
    Ok(Some(t))
}

fn create(ctx: &Ctx, body: &Value) -> ApiResult {
    let f = validate(body, CREATE, false, "Failed to create job")?;
    let mut data = ctx.account.write();
    let now = data.now();
    let scheduled = check_schedule(&f, now)?;
    let id = data.next_id(ObjectKind::Jobs);
    let v = json!({
        "id": id,
        "uri": format!("/api/jobs/{id}/"),
        "type": f["type"],
        "status": if scheduled.is_some_and(|s| s > now) { "scheduled" } else { "pending" },
        "user_id": ctx.user_id,
        "params": f["params"],
        "info": { "progress_count": 0 },
        "meta": f.get("meta").cloned().unwrap_or(Value::Null),
        "created_datetime": now_value(now),
        "scheduled_datetime": now_value(scheduled.unwrap_or(now)),
        "started_datetime": null,
        "locked_datetime": null,
        "ended_datetime": null,
        "failed_datetime": null,
        "cancel_requested_datetime": null,
        "cancelled_datetime": null,
    });
    data.put(ObjectKind::Jobs, &v);
    Ok(super::json(StatusCode::CREATED, &v))
}

fn update(ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
    let mut f = validate(body, UPDATE, true, "Failed to update job")?;
    let mut data = ctx.account.write();
    let mut v = stored(&data, ObjectKind::Jobs, id)?;
    let now = data.now();
    if let Some(t) = check_schedule(&f, now)? {
        f.insert("scheduled_datetime".into(), now_value(t));
    }
    super::merge(&mut v, f);
    data.put(ObjectKind::Jobs, &v);
    Ok(super::json(StatusCode::OK, &v))
}

fn cancel(ctx: &Ctx, id: i64) -> ApiResult {
    let mut data = ctx.account.write();
    let mut v = stored(&data, ObjectKind::Jobs, id)?;
    let now = data.now();
    v["status"] = json!("canceled");
    v["cancel_requested_datetime"] = now_value(now);
    v["cancelled_datetime"] = now_value(now);
    data.put(ObjectKind::Jobs, &v);
    Ok(super::empty(StatusCode::NO_CONTENT))
}

fn retrieve(ctx: &Ctx, id: i64) -> ApiResult {
    let data = ctx.account.read();
    let r = data
        .col(ObjectKind::Jobs)
        .get(id)
        .ok_or_else(ApiError::not_found)?;
    Ok(json_text(StatusCode::ACCEPTED, r.json.to_string()))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/jobs",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { create(&ctx, &b) }),
        )
        .route(
            "/api/jobs/{id}",
            get(|ctx: Ctx, ids: Ids| async move { retrieve(&ctx, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { cancel(&ctx, ids.first()) }),
        )
}
