//! `/api/macros`: CRUD plus archive / unarchive (at most 30 ids).

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, ids_body, list, now_value,
    opt, req,
};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, put};
use serde_json::{Map, Value, json};

/// The list endpoint (`relevance` needs `ticket_id`; it ranks by usage here).
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Macros,
    orders: &[
        asc("name:asc", "name"),
        desc("name:desc", "name"),
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
        asc("usage:asc", "usage"),
        desc("usage:desc", "usage"),
        asc("relevance:asc", "usage"),
        desc("relevance:desc", "usage"),
        asc("language:asc", "language"),
        desc("language:desc", "language"),
        asc("name", "name"),
        asc("created_datetime", "created"),
        asc("updated_datetime", "updated"),
        desc("usage", "usage"),
        desc("relevance", "usage"),
        asc("language", "language"),
    ],
    default_order: "usage:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("search", Search(&["name"])),
        filter("tags", ListHasAll("actions.*.arguments.tags")),
        filter("languages", StrIn("language")),
        filter("archived", Archived("archived_datetime")),
        filter("ticket_id", Ignored),
        filter("message_id", Ignored),
        filter("number_predictions", Ignored),
    ],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("name", Ty::Str),
    opt("actions", Ty::Array),
    opt("intent", Ty::Str),
    opt("language", Ty::Str),
    opt("external_id", Ty::Str),
];
const UPDATE: &[Rule] = &[
    opt("name", Ty::Str),
    opt("actions", Ty::Array),
    opt("intent", Ty::Str),
    opt("language", Ty::Str),
    opt("external_id", Ty::Str),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Macros, id, now, true);
    super::merge(
        &mut v,
        json!({ "external_id": null, "intent": null, "language": null, "usage": 0, "actions": [], "archived_datetime": null })
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    Ok(v)
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Macros,
    create: CREATE,
    update: UPDATE,
    noun: "macro",
    defaults,
    check: None,
    prepare: None,
};

fn list_macros(r: &ListReq) -> ApiResult {
    let relevance = r
        .params
        .iter()
        .any(|(k, v)| k == "order_by" && v.starts_with("relevance"));
    if relevance && !r.params.iter().any(|(k, _)| k == "ticket_id") {
        return Err(ApiError::bad_param(
            "ticket_id",
            "Required when ordering by relevance.",
        ));
    }
    list(r, &LIST)
}

fn archive(ctx: &Ctx, body: &Value, archived: bool) -> ApiResult {
    let ids = ids_body(body, 30)?;
    let mut data = ctx.account.write();
    for id in &ids {
        super::stored(&data, ObjectKind::Macros, *id)?;
    }
    let mut out = Vec::new();
    for id in ids {
        let mut v = super::stored(&data, ObjectKind::Macros, id)?;
        let now = data.now();
        v["archived_datetime"] = if archived {
            now_value(now)
        } else {
            Value::Null
        };
        super::touch(&mut v, now);
        super::save_updated(&mut data, ObjectKind::Macros, &v)?;
        out.push(v);
    }
    Ok(super::json(StatusCode::OK, &json!({ "data": out })))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/macros",
            get(|r: ListReq| async move { list_macros(&r) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/macros/archive",
            put(|ctx: Ctx, JsonBody(b): JsonBody| async move { archive(&ctx, &b, true) }),
        )
        .route(
            "/api/macros/unarchive",
            put(|ctx: Ctx, JsonBody(b): JsonBody| async move { archive(&ctx, &b, false) }),
        )
        .route(
            "/api/macros/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { SIMPLE.delete(&ctx, ids.first()) }),
        )
}
