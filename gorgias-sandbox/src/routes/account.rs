//! `/api/account` and `/api/account/settings` (settings are not paginated: `{"data":[..]}`).

use super::{ApiResult, Ids, JsonBody, ListReq, Ty, opt, req, stored, validate};
use crate::error::ApiError;
use crate::paging;
use crate::server::{AppState, Ctx, json_text};
use crate::store::ObjectKind;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, put};
use serde_json::{Value, json};

fn account(ctx: &Ctx) -> ApiResult {
    let data = ctx.account.read();
    let mut v = data.account.clone();
    let settings: Vec<Value> = data
        .col(ObjectKind::AccountSettings)
        .iter()
        .map(|r| r.value())
        .collect();
    v["settings"] = Value::Array(settings);
    Ok(super::json(StatusCode::OK, &v))
}

fn list_settings(r: &ListReq) -> ApiResult {
    let mut kind = None;
    for (k, v) in &r.params {
        match k.as_str() {
            "type" => kind = Some(v.as_str()),
            other => return Err(ApiError::bad_param(other, "Unknown field.")),
        }
    }
    let data = r.ctx.account.read();
    let col = data.col(ObjectKind::AccountSettings);
    let body = paging::data_only(
        col.iter()
            .filter(|rec| kind.is_none_or(|k| rec.fields[0].as_str() == Some(k)))
            .map(|rec| &*rec.json),
    );
    Ok(json_text(StatusCode::OK, body))
}

fn create_setting(ctx: &Ctx, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[req("type", Ty::Str), req("data", Ty::Object)],
        false,
        "Failed to create setting",
    )?;
    let mut data = ctx.account.write();
    let id = data.next_id(ObjectKind::AccountSettings);
    let v = json!({ "id": id, "uri": format!("/api/account/settings/{id}/"), "type": f["type"], "data": f["data"] });
    super::insert_new(&mut data, ObjectKind::AccountSettings, &v)?;
    Ok(super::json(StatusCode::CREATED, &v))
}

fn update_setting(ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[opt("type", Ty::Str), opt("data", Ty::Object)],
        false,
        "Failed to update setting",
    )?;
    let mut data = ctx.account.write();
    let mut v = stored(&data, ObjectKind::AccountSettings, id)?;
    super::merge(&mut v, f);
    super::save_updated(&mut data, ObjectKind::AccountSettings, &v)?;
    Ok(super::json(StatusCode::OK, &v))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/account", get(|ctx: Ctx| async move { account(&ctx) }))
        .route(
            "/api/account/settings",
            get(|r: ListReq| async move { list_settings(&r) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { create_setting(&ctx, &b) }),
        )
        .route(
            "/api/account/settings/{id}",
            put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                update_setting(&ctx, ids.first(), &b)
            }),
        )
}
