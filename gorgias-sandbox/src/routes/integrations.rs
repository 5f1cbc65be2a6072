//! `/api/integrations`.

use super::{Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// Integration types accepted by the `type` filter and on create.
pub const TYPES: &[&str] = &[
    "email",
    "gmail",
    "outlook",
    "app",
    "aircall",
    "facebook",
    "gorgias_chat",
    "phone",
    "sms",
    "twitter",
    "yotpo",
    "whatsapp",
    "http",
    "shopify",
    "recharge",
    "smile",
    "smooch_inside",
    "smooch",
    "magento2",
    "zendesk",
    "klaviyo",
    "bigcommerce",
    "alloy",
    "ecom",
];

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Integrations,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("type", StrEq("type", TYPES))],
    hidden_orders: &[],
};

const FIELDS: &[Rule] = &[
    req("name", Ty::Str),
    req("type", Ty::Enum(TYPES)),
    opt("description", Ty::Str),
    opt("http", Ty::Object),
    opt("meta", Ty::Object),
    opt("application_id", Ty::Str),
    opt("business_hours_id", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

const UPDATE: &[Rule] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("http", Ty::Object),
    opt("meta", Ty::Object),
    opt("application_id", Ty::Str),
    opt("business_hours_id", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

fn defaults(
    data: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Integrations, id, now, true);
    let extra = json!({
        "description": null, "http": null, "deactivated_datetime": null, "locked_datetime": null,
        "deleted_datetime": null, "user": { "id": data.owner_user_id }, "meta": {},
        "application_id": null, "business_hours_id": null,
    });
    super::merge(&mut v, extra.as_object().cloned().unwrap_or_default());
    if f.get("type").and_then(Value::as_str) == Some("http") {
        let http = f.get("http").and_then(Value::as_object);
        let url = http.and_then(|h| h.get("url")).and_then(Value::as_str);
        if url.is_none() {
            return Err(ApiError::bad_request("Failed to create integration")
                .with_field("http", "The url of an HTTP integration is required."));
        }
    }
    Ok(v)
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Integrations,
    create: FIELDS,
    update: UPDATE,
    noun: "integration",
    defaults,
    check: None,
    prepare: None,
};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/integrations",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/integrations/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { SIMPLE.delete(&ctx, ids.first()) }),
        )
}
