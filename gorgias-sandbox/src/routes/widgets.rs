//! `/api/widgets`.

use super::{Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// Widget types.
pub const TYPES: &[&str] = &[
    "bigcommerce",
    "custom",
    "customer_external_data",
    "http",
    "magento2",
    "recharge",
    "shopify",
    "smile",
    "standalone",
    "yotpo",
    "klaviyo",
    "stripe",
    "woocommerce",
];

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Widgets,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("order:asc", "order"),
        desc("order:desc", "order"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("integration_id", IntEq("integration_id")),
        filter("app_id", StrEq("app_id", &[])),
    ],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("template", Ty::Object),
    req("type", Ty::Enum(TYPES)),
    opt("context", Ty::Enum(&["ticket", "customer", "user"])),
    opt("integration_id", Ty::Int),
    opt("app_id", Ty::Str),
    opt("order", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];
const UPDATE: &[Rule] = &[
    opt("template", Ty::Object),
    opt("type", Ty::Enum(TYPES)),
    opt("context", Ty::Enum(&["ticket", "customer", "user"])),
    opt("integration_id", Ty::Int),
    opt("app_id", Ty::Str),
    opt("order", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Widgets, id, now, true);
    super::merge(
        &mut v,
        json!({ "app_id": null, "context": "ticket", "integration_id": null, "order": 0, "deactivated_datetime": null })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    Ok(v)
}

fn check(data: &AccountData, f: &Map<String, Value>, _: Option<i64>) -> Result<(), ApiError> {
    if let Some(iid) = f.get("integration_id").and_then(Value::as_i64)
        && data.col(ObjectKind::Integrations).get(iid).is_none()
    {
        return Err(ApiError::bad_request("Failed to save widget")
            .with_field("integration_id", "Integration not found."));
    }
    Ok(())
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Widgets,
    create: CREATE,
    update: UPDATE,
    noun: "widget",
    defaults,
    check: Some(check),
    prepare: None,
};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/widgets",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/widgets/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { SIMPLE.delete(&ctx, ids.first()) }),
        )
}
