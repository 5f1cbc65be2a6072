//! `/api/tags`: CRUD, bulk delete, merge; plus the tag bookkeeping tickets use (usage counts,
//! removing a deleted tag from tickets).

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Simple, Ty, get_one, ids_body, list, now_value, opt,
    req, stored, validate,
};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, FieldVal, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, put};
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Tags,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("name:asc", "name"),
        desc("name:desc", "name"),
        asc("usage:asc,name:asc", "usage_name"),
        desc("usage:desc,name:desc", "usage_name"),
        asc("name", "name"),
        asc("created_datetime", "created"),
        desc("usage", "usage_name"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("search", Search(&["name"]))],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
];
const UPDATE: &[Rule] = &[
    opt("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(json!({
        "id": id, "uri": format!("/api/tags/{id}/"), "name": "", "description": null, "decoration": null,
        "usage": 0, "created_datetime": now_value(now), "deleted_datetime": null,
    }))
}

/// The id of the tag with this exact name.
pub fn by_name(data: &AccountData, name: &str) -> Option<i64> {
    data.col(ObjectKind::Tags)
        .iter()
        .find(|r| r.fields[0].as_str() == Some(name))
        .map(|r| r.id)
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    if let Some(name) = f.get("name").and_then(Value::as_str)
        && let Some(other) = by_name(data, name)
        && Some(other) != id
    {
        return Err(ApiError::conflict(
            "name",
            "A tag with this name already exists.",
        ));
    }
    Ok(())
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Tags,
    create: CREATE,
    update: UPDATE,
    noun: "tag",
    defaults,
    check: Some(check),
    prepare: None,
};

/// Adds `delta` to a tag's `usage`.
pub fn add_usage(data: &mut AccountData, id: i64, delta: i64) {
    if let Some(mut v) = data.col(ObjectKind::Tags).get_value(id) {
        let u = v["usage"].as_i64().unwrap_or(0) + delta;
        v["usage"] = json!(u.max(0));
        data.put(ObjectKind::Tags, &v);
    }
}

/// Tickets carrying a tag.
pub fn tickets_with(data: &AccountData, tag_id: i64) -> Vec<i64> {
    let col = data.col(ObjectKind::Tickets);
    let Some(f) = col.field("tags.*.id") else {
        return Vec::new();
    };
    let needle = tag_id.to_string();
    col.iter()
        .filter(|r| matches!(&r.fields[f], FieldVal::List(l) if l.iter().any(|x| **x == *needle)))
        .map(|r| r.id)
        .collect()
}

/// Rewrites the tags of every ticket carrying `from`: removed, or replaced by `to`.
fn retag(data: &mut AccountData, from: i64, to: Option<&Value>) {
    for tid in tickets_with(data, from) {
        let Some(mut t) = data.col(ObjectKind::Tickets).get_value(tid) else {
            continue;
        };
        let mut tags: Vec<Value> = t["tags"].as_array().cloned().unwrap_or_default();
        tags.retain(|x| x["id"].as_i64() != Some(from));
        if let Some(to) = to
            && !tags.iter().any(|x| x["id"] == to["id"])
        {
            tags.push(to.clone());
        }
        t["tags"] = Value::Array(tags);
        data.put(ObjectKind::Tickets, &t);
    }
}

/// The summary tickets embed.
pub fn summary(tag: &Value) -> Value {
    json!({ "id": tag["id"], "name": tag["name"], "decoration": tag["decoration"] })
}

fn delete_tags(data: &mut AccountData, ids: &[i64]) {
    for id in ids {
        if data.remove(ObjectKind::Tags, *id).is_some() {
            retag(data, *id, None);
            data.event(ObjectKind::Tags, "deleted", *id, None);
        }
    }
}

fn delete_one(ctx: &Ctx, id: i64) -> ApiResult {
    let mut data = ctx.account.write();
    stored(&data, ObjectKind::Tags, id)?;
    delete_tags(&mut data, &[id]);
    Ok(super::empty(StatusCode::NO_CONTENT))
}

fn bulk_delete(ctx: &Ctx, body: &Value) -> ApiResult {
    let ids = ids_body(body, 100)?;
    let mut data = ctx.account.write();
    delete_tags(&mut data, &ids);
    Ok(super::empty(StatusCode::NO_CONTENT))
}

fn merge(ctx: &Ctx, dest: i64, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[req("source_tags_ids", Ty::Array)],
        false,
        "Failed to merge tags",
    )?;
    let sources: Option<Vec<i64>> = f["source_tags_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect());
    let sources = sources.unwrap_or_default();
    let mut data = ctx.account.write();
    let mut target = stored(&data, ObjectKind::Tags, dest)?;
    for s in &sources {
        stored(&data, ObjectKind::Tags, *s)?;
    }
    let sum = summary(&target);
    for s in sources.iter().filter(|s| **s != dest) {
        retag(&mut data, *s, Some(&sum));
        data.remove(ObjectKind::Tags, *s);
        data.event(ObjectKind::Tags, "deleted", *s, None);
    }
    target["usage"] = json!(tickets_with(&data, dest).len());
    super::save_updated(&mut data, ObjectKind::Tags, &target)?;
    Ok(super::json(StatusCode::OK, &target))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/tags",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) })
                .delete(|ctx: Ctx, JsonBody(b): JsonBody| async move { bulk_delete(&ctx, &b) }),
        )
        .route(
            "/api/tags/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move { SIMPLE.update(&ctx, ids.first(), &b) })
                .delete(|ctx: Ctx, ids: Ids| async move { delete_one(&ctx, ids.first()) }),
        )
        .route(
            "/api/tags/{id}/merge",
            put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move { merge(&ctx, ids.first(), &b) }),
        )
}
