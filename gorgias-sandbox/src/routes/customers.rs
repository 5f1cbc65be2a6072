//! `/api/customers`: CRUD, bulk delete, merge, custom data (`/data`, 202) and custom field
//! values. Duplicate emails are a 409.

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Ty, custom_fields, get_one, ids_body, list, now_value,
    opt, req, stored, validate,
};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, put};
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Customers,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("email", StrEqCi("email")),
        filter("external_id", StrEq("external_id", &[])),
        filter("language", StrEq("language", &[])),
        filter("timezone", StrEq("timezone", &[])),
        filter("name", StrEq("name", &[])),
    ],
    hidden_orders: &[],
};

const FIELDS: &[Rule] = &[
    opt("email", Ty::Email),
    opt("name", Ty::Str),
    opt("firstname", Ty::Str),
    opt("lastname", Ty::Str),
    opt("external_id", Ty::Str),
    opt("language", Ty::Str),
    opt("timezone", Ty::Str),
    opt("channels", Ty::Array),
    opt("note", Ty::Str),
    opt("meta", Ty::Object),
    opt("data", Ty::Any),
    opt("active", Ty::Bool),
];

/// The customer with this email (case-insensitive).
pub fn by_email(data: &AccountData, email: &str) -> Option<i64> {
    let email = email.to_lowercase();
    data.col(ObjectKind::Customers)
        .iter()
        .find(|r| {
            r.fields[0]
                .as_str()
                .is_some_and(|e| e.to_lowercase() == email)
        })
        .map(|r| r.id)
}

fn check_email(
    data: &AccountData,
    f: &Map<String, Value>,
    id: Option<i64>,
) -> Result<(), ApiError> {
    if let Some(email) = f.get("email").and_then(Value::as_str)
        && let Some(other) = by_email(data, email)
        && Some(other) != id
    {
        return Err(ApiError::conflict(
            "email",
            "A customer with this email already exists.",
        ));
    }
    Ok(())
}

fn build_channels(
    id: i64,
    now: Micros,
    list: &[Value],
    name: &Value,
) -> Result<Vec<Value>, ApiError> {
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let kind = c.get("type").and_then(Value::as_str);
            let address = c.get("address").and_then(Value::as_str);
            match (kind, address) {
                (Some(k), Some(a)) => Ok(json!({
                    "id": c.get("id").and_then(Value::as_i64).unwrap_or(id * 10 + i as i64 + 1),
                    "type": k, "address": a,
                    "preferred": c.get("preferred").and_then(Value::as_bool).unwrap_or(i == 0),
                    "created_datetime": now_value(now), "updated_datetime": now_value(now),
                    "deleted_datetime": null, "user": null, "customer": { "id": id, "name": name },
                })),
                _ => Err(ApiError::bad_request("Invalid customer").with_field(
                    &format!("channels.{i}"),
                    "Each channel needs a type and an address.",
                )),
            }
        })
        .collect()
}

/// Creates a customer from body fields (also used when a ticket names an unknown email).
pub fn create_in(data: &mut AccountData, mut f: Map<String, Value>) -> Result<Value, ApiError> {
    check_email(data, &f, None)?;
    let id = data.next_id(ObjectKind::Customers);
    let now = data.now();
    let email = f.get("email").cloned().unwrap_or(Value::Null);
    let name = f.get("name").cloned().unwrap_or(Value::Null);
    let mut channels = match f.remove("channels") {
        Some(Value::Array(list)) => build_channels(id, now, &list, &name)?,
        _ => Vec::new(),
    };
    if let Some(e) = email.as_str()
        && !channels
            .iter()
            .any(|c| c["type"] == "email" && c["address"] == e)
    {
        channels.extend(build_channels(
            id,
            now,
            &[json!({ "type": "email", "address": e })],
            &name,
        )?);
    }
    let (first, last) = name
        .as_str()
        .and_then(|n| n.split_once(' '))
        .unwrap_or((name.as_str().unwrap_or(""), ""));
    let mut v = json!({
        "id": id, "uri": format!("/api/customers/{id}/"), "external_id": null, "active": true,
        "email": email, "name": name, "firstname": first, "lastname": last, "channels": channels,
        "language": null, "timezone": "UTC", "created_datetime": now_value(now), "updated_datetime": now_value(now),
        "meta": null, "data": null, "customer": null, "integrations": {}, "note": null,
        "custom_fields": {}, "external_data": {}, "ecommerce_data": {},
    });
    super::merge(&mut v, f);
    super::insert_new(data, ObjectKind::Customers, &v)?;
    Ok(v)
}

fn create(ctx: &Ctx, body: &Value) -> ApiResult {
    let f = validate(body, FIELDS, false, "Failed to create customer")?;
    let mut data = ctx.account.write();
    let v = create_in(&mut data, f)?;
    Ok(super::json(StatusCode::CREATED, &v))
}

fn apply_update(
    data: &mut AccountData,
    id: i64,
    mut f: Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = stored(data, ObjectKind::Customers, id)?;
    check_email(data, &f, Some(id))?;
    let now = data.now();
    if let Some(Value::Array(list)) = f.remove("channels") {
        v["channels"] = Value::Array(build_channels(id, now, &list, &v["name"])?);
    }
    super::merge(&mut v, f);
    super::touch(&mut v, now);
    super::save_updated(data, ObjectKind::Customers, &v)?;
    Ok(v)
}

fn update(ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
    let f = validate(body, FIELDS, true, "Failed to update customer")?;
    let mut data = ctx.account.write();
    let v = apply_update(&mut data, id, f)?;
    Ok(super::json(StatusCode::OK, &v))
}

fn delete_in(data: &mut AccountData, id: i64) -> bool {
    if data.remove(ObjectKind::Customers, id).is_some() {
        data.event(ObjectKind::Customers, "deleted", id, None);
        true
    } else {
        false
    }
}

fn delete(ctx: &Ctx, id: i64) -> ApiResult {
    let mut data = ctx.account.write();
    if !delete_in(&mut data, id) {
        return Err(ApiError::not_found());
    }
    Ok(super::empty(StatusCode::NO_CONTENT))
}

fn bulk_delete(ctx: &Ctx, body: &Value) -> ApiResult {
    let ids = ids_body(body, 100)?;
    let mut data = ctx.account.write();
    for id in ids {
        delete_in(&mut data, id);
    }
    Ok(super::empty(StatusCode::NO_CONTENT))
}

fn merge(r: &ListReq, body: &Value) -> ApiResult {
    let mut source = None;
    let mut target = None;
    for (k, v) in &r.params {
        let n = v
            .parse::<i64>()
            .map_err(|_| ApiError::bad_param(k, "Not a valid integer."));
        match k.as_str() {
            "source_id" => source = Some(n?),
            "target_id" => target = Some(n?),
            other => return Err(ApiError::bad_param(other, "Unknown field.")),
        }
    }
    let source = source
        .ok_or_else(|| ApiError::bad_param("source_id", "Missing data for required field."))?;
    let target = target
        .ok_or_else(|| ApiError::bad_param("target_id", "Missing data for required field."))?;
    if source == target {
        return Err(ApiError::bad_param(
            "source_id",
            "Cannot merge a customer into itself.",
        ));
    }
    let f = if body.is_null() {
        Map::new()
    } else {
        validate(body, FIELDS, true, "Failed to merge customers")?
    };
    let mut data = r.ctx.account.write();
    let src = stored(&data, ObjectKind::Customers, source)?;
    let tgt = stored(&data, ObjectKind::Customers, target)?;
    let src_int = src["integrations"].as_object().cloned().unwrap_or_default();
    let tgt_int = tgt["integrations"].as_object().cloned().unwrap_or_default();
    if src_int.keys().any(|k| tgt_int.contains_key(k)) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Both customers have data for the same integration.",
        ));
    }
    // Move tickets and surveys to the target.
    let summary = |v: &Value| json!({ "id": v["id"], "email": v["email"], "name": v["name"], "firstname": v["firstname"], "lastname": v["lastname"], "meta": v["meta"] });
    let tcol = data.col(ObjectKind::Tickets);
    let tickets = tcol
        .field("customer.id")
        .and_then(|fi| tcol.group(fi, source))
        .unwrap_or_default();
    for tid in tickets {
        if let Some(mut t) = data.col(ObjectKind::Tickets).get_value(tid) {
            t["customer"] = summary(&tgt);
            data.put(ObjectKind::Tickets, &t);
        }
    }
    let surveys: Vec<i64> = data
        .col(ObjectKind::SatisfactionSurveys)
        .iter()
        .filter(|s| s.fields[1].as_int() == Some(source))
        .map(|s| s.id)
        .collect();
    for sid in surveys {
        if let Some(mut s) = data.col(ObjectKind::SatisfactionSurveys).get_value(sid) {
            s["customer_id"] = json!(target);
            data.put(ObjectKind::SatisfactionSurveys, &s);
        }
    }
    data.remove(ObjectKind::Customers, source);
    data.merged_customers.insert(source, target);
    data.event(
        ObjectKind::Customers,
        "merged",
        target,
        Some(json!({ "source_id": source, "target_id": target })),
    );
    let mut f = f;
    let mut ints = tgt_int;
    ints.extend(src_int);
    f.insert("integrations".into(), Value::Object(ints));
    if tgt["channels"].as_array().is_some_and(Vec::is_empty) && !f.contains_key("channels") {
        f.insert("channels".into(), src["channels"].clone());
    }
    let v = apply_update(&mut data, target, f)?;
    Ok(super::json(StatusCode::OK, &v))
}

fn set_data(ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[req("data", Ty::Any), opt("version", Ty::Datetime)],
        false,
        "Failed to set customer data",
    )?;
    let mut data = ctx.account.write();
    if let Some(target) = data.merged_customers.get(&id).copied() {
        let mut resp = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("/api/customers/{target}/data")) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(resp);
    }
    let mut v = stored(&data, ObjectKind::Customers, id)?;
    let version = f
        .get("version")
        .and_then(Value::as_str)
        .and_then(time::parse);
    let newer_known = match (version, data.customer_data_versions.get(&id)) {
        (Some(v), Some(known)) => v < *known,
        _ => false,
    };
    if !newer_known {
        if let Some(ver) = version {
            data.customer_data_versions.insert(id, ver);
        }
        let now = data.now();
        v["data"] = f["data"].clone();
        super::touch(&mut v, now);
        super::save_updated(&mut data, ObjectKind::Customers, &v)?;
    }
    Ok(super::empty(StatusCode::ACCEPTED))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/customers",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { create(&ctx, &b) })
                .delete(|ctx: Ctx, JsonBody(b): JsonBody| async move { bulk_delete(&ctx, &b) }),
        )
        .route("/api/customers/merge", put(|r: ListReq, JsonBody(b): JsonBody| async move { merge(&r, &b) }))
        .route(
            "/api/customers/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, ObjectKind::Customers, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move { update(&ctx, ids.first(), &b) })
                .delete(|ctx: Ctx, ids: Ids| async move { delete(&ctx, ids.first()) }),
        )
        .route(
            "/api/customers/{id}/data",
            put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move { set_data(&ctx, ids.first(), &b) }),
        )
        .merge(custom_fields::value_routes(ObjectKind::Customers))
}
