//! `/api/views` (ordered by id unless `order_by` says otherwise) and view items
//! (`GET`/`PUT /api/views/{id}/items`: the tickets matching the view's filters, in the view's
//! ordering unless `order_by` overrides it; `PUT` with view id 0 runs an ad-hoc view).

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req, stored,
    validate,
};
use crate::error::ApiError;
use crate::paging::{self, ListSpec, asc, desc};
use crate::server::{AppState, Ctx, json_text};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use crate::viewfilter;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Views,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "id:asc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[asc("id:asc", "id")],
};

/// Ticket attributes a view (or `order_by` on its items) may order by.
pub const ITEM_ORDERS: &[&str] = &[
    "created_datetime",
    "updated_datetime",
    "last_message_datetime",
    "last_received_message_datetime",
    "closed_datetime",
    "snooze_datetime",
    "priority",
];

/// View items.
pub static ITEMS: ListSpec = ListSpec {
    kind: ObjectKind::Tickets,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
        asc("last_message_datetime:asc", "last_message"),
        desc("last_message_datetime:desc", "last_message"),
        asc(
            "last_received_message_datetime:asc",
            "last_received_message",
        ),
        desc(
            "last_received_message_datetime:desc",
            "last_received_message",
        ),
        asc("closed_datetime:asc", "closed"),
        desc("closed_datetime:desc", "closed"),
        asc("snooze_datetime:asc", "snooze"),
        desc("snooze_datetime:desc", "snooze"),
        asc("priority:asc", "priority"),
        desc("priority:desc", "priority"),
    ],
    default_order: "updated_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
};

const FIELDS: &[Rule] = &[
    opt("name", Ty::Str),
    opt("filters", Ty::Str),
    opt("order_by", Ty::Enum(ITEM_ORDERS)),
    opt("order_dir", Ty::Enum(&["asc", "desc"])),
    opt("visibility", Ty::Enum(&["public", "shared", "private"])),
    opt("type", Ty::Enum(&["ticket-list"])),
    opt("category", Ty::Str),
    opt("fields", Ty::Array),
    opt("search", Ty::Str),
    opt("decoration", Ty::Object),
    opt("shared_with_users", Ty::Array),
    opt("shared_with_teams", Ty::Array),
    opt("deactivated_datetime", Ty::Datetime),
];

const CREATE: &[Rule] = &[
    req("slug", Ty::Str),
    opt("name", Ty::Str),
    opt("filters", Ty::Str),
    opt("order_by", Ty::Enum(ITEM_ORDERS)),
    opt("order_dir", Ty::Enum(&["asc", "desc"])),
    opt("visibility", Ty::Enum(&["public", "shared", "private"])),
    opt("type", Ty::Enum(&["ticket-list"])),
    opt("category", Ty::Str),
    opt("fields", Ty::Array),
    opt("search", Ty::Str),
    opt("decoration", Ty::Object),
    opt("shared_with_users", Ty::Array),
    opt("shared_with_teams", Ty::Array),
    opt("deactivated_datetime", Ty::Datetime),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Views, id, now, false);
    let name = f
        .get("name")
        .or_else(|| f.get("slug"))
        .cloned()
        .unwrap_or(json!("View"));
    super::merge(
        &mut v,
        json!({
            "name": name, "slug": "", "category": "user", "type": "ticket-list", "visibility": "public",
            "filters": "", "order_by": "updated_datetime", "order_dir": "desc", "fields": ["details", "tags", "customer", "updated"],
            "search": null, "decoration": null, "shared_with_users": [], "shared_with_teams": [], "deactivated_datetime": null,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    Ok(v)
}

fn check(data: &AccountData, f: &Map<String, Value>, _: Option<i64>) -> Result<(), ApiError> {
    if let Some(filters) = f.get("filters").and_then(Value::as_str) {
        viewfilter::compile(filters, data.col(ObjectKind::Tickets), data.owner_user_id).map_err(
            |e| {
                ApiError::bad_request("Failed to save view")
                    .with_field("filters", &format!("Invalid filters: {e}."))
            },
        )?;
    }
    Ok(())
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Views,
    create: CREATE,
    update: FIELDS,
    noun: "view",
    defaults,
    check: Some(check),
    prepare: None,
};

fn delete(ctx: &Ctx, id: i64) -> ApiResult {
    let category = stored(&ctx.account.read(), ObjectKind::Views, id)?["category"].clone();
    if category == "system" {
        return Err(ApiError::bad_request("System views cannot be deleted."));
    }
    SIMPLE.delete(ctx, id)
}

fn run_items(r: &ListReq, data: &AccountData, view: &Value) -> ApiResult {
    let mut params = r.params.clone();
    let explicit = params.iter().any(|(k, _)| k == "order_by" || k == "cursor");
    if !explicit {
        let by = view["order_by"].as_str().unwrap_or("updated_datetime");
        let dir = view["order_dir"].as_str().unwrap_or("desc");
        let wanted = format!("{by}:{dir}");
        if ITEMS.orders.iter().any(|o| o.value == wanted) {
            params.push(("order_by".into(), wanted));
        }
    }
    let col = data.col(ObjectKind::Tickets);
    let mut q = paging::parse_with(
        &ITEMS,
        &params,
        data,
        col,
        r.ctx.user_id,
        &["direction", "ignored_item"],
    )?;
    for (k, v) in &params {
        match k.as_str() {
            "direction" if !matches!(v.as_str(), "prev" | "next" | "") => {
                return Err(ApiError::bad_param(
                    "direction",
                    "Must be one of: prev, next.",
                ));
            }
            "ignored_item" => {
                let id = v
                    .parse()
                    .map_err(|_| ApiError::bad_param("ignored_item", "Not a valid integer."))?;
                q.exclude(id);
            }
            _ => {}
        }
    }
    let expr = viewfilter::compile(view["filters"].as_str().unwrap_or(""), col, r.ctx.user_id)
        .map_err(|e| {
            ApiError::bad_request(format!("The view's filters cannot be applied: {e}."))
        })?;
    q.view(expr);
    let page = paging::run(col, &q);
    Ok(json_text(StatusCode::OK, paging::envelope(&r.uri, &page)))
}

fn items(r: &ListReq, id: i64) -> ApiResult {
    let data = r.ctx.account.read();
    let view = stored(&data, ObjectKind::Views, id)?;
    run_items(r, &data, &view)
}

fn search_items(r: &ListReq, id: i64, body: &Value) -> ApiResult {
    let f = validate(
        body,
        &[req("view", Ty::Object)],
        false,
        "Invalid view search",
    )?;
    let over = validate(&f["view"], FIELDS, true, "Invalid view search")?;
    let data = r.ctx.account.read();
    let mut view = if id == 0 {
        json!({ "filters": "", "order_by": "updated_datetime", "order_dir": "desc" })
    } else {
        stored(&data, ObjectKind::Views, id)?
    };
    check(&data, &over, None)?;
    super::merge(&mut view, over);
    run_items(r, &data, &view)
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/views",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/views/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { delete(&ctx, ids.first()) }),
        )
        .route(
            "/api/views/{id}/items",
            get(|r: ListReq, ids: Ids| async move { items(&r, ids.first()) }).put(
                |r: ListReq, ids: Ids, JsonBody(b): JsonBody| async move {
                    search_items(&r, ids.first(), &b)
                },
            ),
        )
}
