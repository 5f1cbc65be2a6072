//! `/api/satisfaction-surveys`: no delete; one survey per ticket (a second is a 409).

use super::{Ids, JsonBody, ListReq, Rule, Simple, Ty, get_one, list, now_value, opt, req};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::SatisfactionSurveys,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("ticket_id", IntEq("ticket_id"))],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("customer_id", Ty::Int),
    req("ticket_id", Ty::Int),
    opt("score", Ty::Int),
    opt("body_text", Ty::Str),
    opt("meta", Ty::Object),
    opt("scored_datetime", Ty::Datetime),
    opt("sent_datetime", Ty::Datetime),
    opt("should_send_datetime", Ty::Datetime),
];
const UPDATE: &[Rule] = &[
    opt("customer_id", Ty::Int),
    opt("ticket_id", Ty::Int),
    opt("score", Ty::Int),
    opt("body_text", Ty::Str),
    opt("meta", Ty::Object),
    opt("scored_datetime", Ty::Datetime),
    opt("sent_datetime", Ty::Datetime),
    opt("should_send_datetime", Ty::Datetime),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(json!({
        "id": id, "uri": format!("/api/satisfaction-surveys/{id}/"), "ticket_id": 0, "customer_id": 0,
        "score": null, "body_text": null, "meta": null, "created_datetime": now_value(now),
        "scored_datetime": if f.get("score").is_some_and(|s| !s.is_null()) { now_value(now) } else { Value::Null },
        "sent_datetime": null, "should_send_datetime": now_value(now),
    }))
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    let bad = |field: &str, msg: &str| {
        ApiError::bad_request("Failed to save satisfaction survey").with_field(field, msg)
    };
    if let Some(s) = f.get("score").and_then(Value::as_i64)
        && !(1..=5).contains(&s)
    {
        return Err(bad(
            "score",
            "Must be greater than or equal to 1 and less than or equal to 5.",
        ));
    }
    if f.get("body_text")
        .and_then(Value::as_str)
        .is_some_and(|b| b.chars().count() > 1000)
    {
        return Err(bad("body_text", "Longer than maximum length 1000."));
    }
    if let Some(c) = f.get("customer_id").and_then(Value::as_i64)
        && data.col(ObjectKind::Customers).get(c).is_none()
    {
        return Err(bad("customer_id", "Customer not found."));
    }
    if let Some(t) = f.get("ticket_id").and_then(Value::as_i64) {
        if data.col(ObjectKind::Tickets).get(t).is_none() {
            return Err(bad("ticket_id", "Ticket not found."));
        }
        let col = data.col(ObjectKind::SatisfactionSurveys);
        let others = col
            .field("ticket_id")
            .and_then(|fi| col.group(fi, t))
            .unwrap_or_default();
        if others.iter().any(|o| Some(*o) != id) {
            return Err(ApiError::conflict(
                "ticket_id",
                "This ticket already has a satisfaction survey.",
            ));
        }
    }
    Ok(())
}

/// Create / update.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::SatisfactionSurveys,
    create: CREATE,
    update: UPDATE,
    noun: "satisfaction survey",
    defaults,
    check: Some(check),
    prepare: None,
};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/satisfaction-surveys",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/satisfaction-surveys/{id}",
            get(|ctx: Ctx, ids: Ids| async move { get_one(&ctx, SIMPLE.kind, ids.first()) }).put(
                |ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    SIMPLE.update(&ctx, ids.first(), &b)
                },
            ),
        )
}
