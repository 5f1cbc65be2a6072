//! `/api/events`: read-only, the only list with a server-side datetime range filter.

use super::{ListReq, get_one, list};
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::ObjectKind;
use axum::Router;
use axum::routing::get;

const OBJECT_TYPES: &[&str] = &[
    "Account",
    "Macro",
    "Tag",
    "Customer",
    "Team",
    "View",
    "Widget",
    "User",
    "TicketMessage",
    "Ticket",
    "Rule",
    "Integration",
    "SatisfactionSurvey",
];

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Events,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("created_datetime", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("created_datetime", TimeRange("created_datetime")),
        filter("object_id", IntEq("object_id")),
        filter("object_type", StrEq("object_type", OBJECT_TYPES)),
        filter("types", StrIn("type")),
        filter("user_ids", IntIn("user_id")),
    ],
    hidden_orders: &[],
};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/events",
            get(|r: ListReq| async move { list(&r, &LIST) }),
        )
        .route(
            "/api/events/{id}",
            get(|ctx: Ctx, ids: super::Ids| async move {
                get_one(&ctx, ObjectKind::Events, ids.first())
            }),
        )
}
