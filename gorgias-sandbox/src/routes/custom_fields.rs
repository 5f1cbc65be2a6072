//! `/api/custom-fields` (definitions; `object_type` is required on the list) and the custom
//! field values of tickets and customers (`/api/{tickets|customers}/{id}/custom-fields`).

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req, stored,
    validate,
};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, FilterSpec, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

const OBJECT_TYPES: &[&str] = &["Ticket", "Customer"];
const DATA_TYPES: &[&str] = &["text", "number", "boolean", "dropdown"];

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::CustomFields,
    orders: &[
        asc("priority:asc", "priority"),
        desc("priority:desc", "priority"),
    ],
    default_order: "priority:asc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        FilterSpec {
            param: "object_type",
            kind: StrEq("object_type", OBJECT_TYPES),
            required: true,
        },
        filter("search", Search(&["label"])),
        filter("archived", Archived("deactivated_datetime")),
    ],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("object_type", Ty::Enum(OBJECT_TYPES)),
    req("label", Ty::Str),
    req("definition", Ty::Object),
    opt("description", Ty::Str),
    opt("priority", Ty::Int),
    opt("required", Ty::Bool),
    opt("managed_type", Ty::Str),
    opt("external_id", Ty::Str),
    opt("deactivated_datetime", Ty::Datetime),
];
const UPDATE: &[Rule] = &[
    opt("label", Ty::Str),
    opt("definition", Ty::Object),
    opt("description", Ty::Str),
    opt("priority", Ty::Int),
    opt("required", Ty::Bool),
    opt("managed_type", Ty::Str),
    opt("external_id", Ty::Str),
    opt("deactivated_datetime", Ty::Datetime),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::CustomFields, id, now, true);
    super::merge(
        &mut v,
        json!({ "external_id": null, "description": null, "priority": 0, "required": false, "managed_type": null, "deactivated_datetime": null })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    Ok(v)
}

fn check(_: &AccountData, f: &Map<String, Value>, _: Option<i64>) -> Result<(), ApiError> {
    if let Some(def) = f.get("definition").filter(|d| !d.is_null()) {
        let ok = def
            .get("data_type")
            .and_then(Value::as_str)
            .is_some_and(|t| DATA_TYPES.contains(&t));
        if !ok {
            return Err(
                ApiError::bad_request("Failed to save custom field").with_field(
                    "definition.data_type",
                    &format!("Must be one of: {}.", DATA_TYPES.join(", ")),
                ),
            );
        }
    }
    Ok(())
}

/// Create / update.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::CustomFields,
    create: CREATE,
    update: UPDATE,
    noun: "custom field",
    defaults,
    check: Some(check),
    prepare: None,
};

fn bulk_update(ctx: &Ctx, body: &Value) -> ApiResult {
    let items = body.as_array().ok_or_else(|| {
        ApiError::bad_request("Failed to update custom fields")
            .with_field("_schema", "Not a valid list.")
    })?;
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = item.get("id").and_then(Value::as_i64).ok_or_else(|| {
            ApiError::bad_request("Failed to update custom fields")
                .with_field(&format!("{i}.id"), "Missing data for required field.")
        })?;
        ctx.account
            .read()
            .col(ObjectKind::CustomFields)
            .get(id)
            .ok_or_else(ApiError::not_found)?;
        ids.push(id);
    }
    let mut out = Vec::new();
    for (item, id) in items.iter().zip(ids) {
        let mut patch = item.clone();
        if let Some(o) = patch.as_object_mut() {
            o.remove("id");
        }
        SIMPLE.update(ctx, id, &patch)?;
        out.push(
            ctx.account
                .read()
                .col(ObjectKind::CustomFields)
                .get_value(id)
                .unwrap_or(Value::Null),
        );
    }
    Ok(super::json(StatusCode::OK, &json!({ "data": out })))
}

fn object_type(kind: ObjectKind) -> &'static str {
    if kind == ObjectKind::Tickets {
        "Ticket"
    } else {
        "Customer"
    }
}

fn definition(data: &AccountData, kind: ObjectKind, field_id: i64) -> Result<Value, ApiError> {
    let def = data.col(ObjectKind::CustomFields).get_value(field_id);
    match def {
        Some(d) if d["object_type"] == object_type(kind) => Ok(d),
        _ => Err(ApiError::bad_request("Invalid custom field value")
            .with_field("id", &format!("Custom field {field_id} not found."))),
    }
}

fn check_value(def: &Value, value: &Value) -> Result<(), ApiError> {
    let ok = value.is_null()
        || match def["definition"]["data_type"].as_str().unwrap_or("text") {
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => value.is_string(),
        };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request("Invalid custom field value")
            .with_field("value", "Not a valid value for this field."))
    }
}

fn values_of(data: &AccountData, record: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(map) = record["custom_fields"].as_object() {
        for (k, v) in map {
            let Ok(fid) = k.parse::<i64>() else { continue };
            let field = data
                .col(ObjectKind::CustomFields)
                .get_value(fid)
                .unwrap_or(Value::Null);
            out.push(json!({ "id": fid, "field": field, "value": v["value"] }));
        }
    }
    out
}

fn list_body(uri: &str, values: Vec<Value>) -> Value {
    json!({ "object": "list", "uri": uri, "data": values, "meta": { "prev_cursor": null, "next_cursor": null } })
}

/// `GET /api/{object}/{id}/custom-fields`.
pub fn get_values(req: &ListReq, kind: ObjectKind, id: i64) -> ApiResult {
    let data = req.ctx.account.read();
    let record = stored(&data, kind, id)?;
    Ok(super::json(
        StatusCode::OK,
        &list_body(&req.uri, values_of(&data, &record)),
    ))
}

fn set_values(
    ctx: &Ctx,
    kind: ObjectKind,
    id: i64,
    pairs: Vec<(i64, Option<Value>)>,
) -> Result<Value, ApiError> {
    let mut data = ctx.account.write();
    let mut record = stored(&data, kind, id)?;
    for (fid, value) in &pairs {
        let def = definition(&data, kind, *fid)?;
        if let Some(v) = value {
            check_value(&def, v)?;
        }
    }
    if !record["custom_fields"].is_object() {
        record["custom_fields"] = json!({});
    }
    for (fid, value) in pairs {
        if let Some(map) = record["custom_fields"].as_object_mut() {
            match value {
                Some(v) => map.insert(fid.to_string(), json!({ "id": fid, "value": v })),
                None => map.remove(&fid.to_string()),
            };
        }
    }
    let now = data.now();
    super::touch(&mut record, now);
    super::save_updated(&mut data, kind, &record)?;
    Ok(record)
}

/// `PUT /api/{object}/{id}/custom-fields` with `[{id, value}]`.
pub fn put_values(req: &ListReq, kind: ObjectKind, id: i64, body: &Value) -> ApiResult {
    let items = body.as_array().ok_or_else(|| {
        ApiError::bad_request("Invalid custom field values")
            .with_field("_schema", "Not a valid list.")
    })?;
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let fid = item.get("id").and_then(Value::as_i64).ok_or_else(|| {
            ApiError::bad_request("Invalid custom field values")
                .with_field(&format!("{i}.id"), "Missing data for required field.")
        })?;
        pairs.push((fid, Some(item.get("value").cloned().unwrap_or(Value::Null))));
    }
    let record = set_values(&req.ctx, kind, id, pairs)?;
    let data = req.ctx.account.read();
    Ok(super::json(
        StatusCode::OK,
        &list_body(&req.uri, values_of(&data, &record)),
    ))
}

/// `PUT /api/{object}/{id}/custom-fields/{field_id}` with `{value}`.
pub fn put_value(ctx: &Ctx, kind: ObjectKind, id: i64, fid: i64, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[req("value", Ty::Any)],
        false,
        "Invalid custom field value",
    )?;
    set_values(ctx, kind, id, vec![(fid, Some(f["value"].clone()))])?;
    let data = ctx.account.read();
    let field = data
        .col(ObjectKind::CustomFields)
        .get_value(fid)
        .unwrap_or(Value::Null);
    Ok(super::json(
        StatusCode::OK,
        &json!({ "id": fid, "field": field, "value": f["value"] }),
    ))
}

/// `DELETE /api/{object}/{id}/custom-fields/{field_id}`.
pub fn delete_value(ctx: &Ctx, kind: ObjectKind, id: i64, fid: i64) -> ApiResult {
    set_values(ctx, kind, id, vec![(fid, None)])?;
    Ok(super::empty(StatusCode::NO_CONTENT))
}

/// The value routes of one object (`tickets` or `customers`).
pub fn value_routes(kind: ObjectKind) -> Router<AppState> {
    let base = format!("/api/{}/{{id}}/custom-fields", kind.as_str());
    Router::new()
        .route(
            &base,
            get(move |r: ListReq, ids: Ids| async move { get_values(&r, kind, ids.first()) }).put(
                move |r: ListReq, ids: Ids, JsonBody(b): JsonBody| async move {
                    put_values(&r, kind, ids.first(), &b)
                },
            ),
        )
        .route(
            &format!("{base}/{{field_id}}"),
            axum::routing::put(
                move |ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    put_value(&ctx, kind, ids.first(), ids.second(), &b)
                },
            )
            .delete(move |ctx: Ctx, ids: Ids| async move {
                delete_value(&ctx, kind, ids.first(), ids.second())
            }),
        )
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/custom-fields",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) })
                .put(|ctx: Ctx, JsonBody(b): JsonBody| async move { bulk_update(&ctx, &b) }),
        )
        .route(
            "/api/custom-fields/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) }).put(
                |ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                },
            ),
        )
}
