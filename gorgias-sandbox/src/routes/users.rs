//! `/api/users`: `/api/users/0` is the caller; changing an email needs
//! `password_confirmation`; duplicate emails are a 409.

use super::{ApiResult, Ids, JsonBody, ListReq, Rule, Simple, Ty, base, get_one, list, opt, req};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// User roles.
pub const ROLES: &[&str] = &[
    "admin",
    "agent",
    "basic-agent",
    "bot",
    "internal-agent",
    "lite-agent",
    "observer-agent",
];

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Users,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("name:asc", "name"),
        desc("name:desc", "name"),
        asc("email:asc", "email"),
        desc("email:desc", "email"),
        asc("role.name:asc", "role"),
        desc("role.name:desc", "role"),
    ],
    default_order: "name:asc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("email", StrEqCi("email")),
        filter("external_id", StrEq("external_id", &[])),
        filter("roles", StrIn("role.name")),
        filter("search", Search(&["name", "email"])),
        filter("available_first", Ignored),
    ],
    hidden_orders: &[],
};

const CREATE: &[Rule] = &[
    req("email", Ty::Email),
    req("name", Ty::Str),
    opt("role", Ty::Object),
    opt("firstname", Ty::Str),
    opt("lastname", Ty::Str),
    opt("bio", Ty::Str),
    opt("country", Ty::Str),
    opt("language", Ty::Str),
    opt("timezone", Ty::Str),
    opt("external_id", Ty::Str),
    opt("meta", Ty::Object),
    opt("active", Ty::Bool),
];
const UPDATE: &[Rule] = &[
    opt("email", Ty::Email),
    opt("name", Ty::Str),
    opt("role", Ty::Object),
    opt("firstname", Ty::Str),
    opt("lastname", Ty::Str),
    opt("bio", Ty::Str),
    opt("country", Ty::Str),
    opt("language", Ty::Str),
    opt("timezone", Ty::Str),
    opt("external_id", Ty::Str),
    opt("meta", Ty::Object),
    opt("active", Ty::Bool),
];

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let mut v = base(ObjectKind::Users, id, now, true);
    let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    super::merge(
        &mut v,
        json!({
            "active": true, "bio": null, "country": null, "deactivated_datetime": null, "external_id": null,
            "firstname": first, "lastname": last, "language": "en", "meta": { "avatar_url": null, "profile_picture_url": null },
            "role": { "name": "agent" }, "timezone": "UTC", "has_password": false, "has_2fa_enabled": false,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    Ok(v)
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    if let Some(role) = f.get("role").filter(|r| !r.is_null()) {
        match role.get("name").and_then(Value::as_str) {
            Some(r) if ROLES.contains(&r) => {}
            _ => {
                return Err(ApiError::bad_request("Failed to save user")
                    .with_field("role", &format!("Must be one of: {}.", ROLES.join(", "))));
            }
        }
    }
    if let Some(email) = f.get("email").and_then(Value::as_str) {
        let email = email.to_lowercase();
        let taken = data.col(ObjectKind::Users).iter().any(|r| {
            Some(r.id) != id
                && r.fields[0]
                    .as_str()
                    .is_some_and(|e| e.to_lowercase() == email)
        });
        if taken {
            return Err(ApiError::conflict(
                "email",
                "A user with this email already exists.",
            ));
        }
    }
    Ok(())
}

/// Create / update / delete.
pub static SIMPLE: Simple = Simple {
    kind: ObjectKind::Users,
    create: CREATE,
    update: UPDATE,
    noun: "user",
    defaults,
    check: Some(check),
    prepare: None,
};

fn resolve(ctx: &Ctx, id: i64) -> i64 {
    if id == 0 { ctx.user_id } else { id }
}

fn update(ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
    let id = resolve(ctx, id);
    let current = ctx
        .account
        .read()
        .col(ObjectKind::Users)
        .get_value(id)
        .ok_or_else(ApiError::not_found)?;
    if let Some(email) = body.get("email").and_then(Value::as_str)
        && Some(email) != current["email"].as_str()
        && body
            .get("password_confirmation")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request("Failed to update user")
            .with_field("password_confirmation", "Missing data for required field."));
    }
    SIMPLE.update(ctx, id, body)
}

fn delete(ctx: &Ctx, id: i64) -> ApiResult {
    let id = resolve(ctx, id);
    if id == ctx.user_id {
        return Err(ApiError::bad_request("You cannot delete yourself."));
    }
    SIMPLE.delete(ctx, id)
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/users",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { SIMPLE.create(&ctx, &b) }),
        )
        .route(
            "/api/users/{id}",
            get(|ctx: Ctx, ids: Ids| async move {
                get_one(&ctx, SIMPLE.kind, resolve(&ctx, ids.first()))
            })
            .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                update(&ctx, ids.first(), &b)
            })
            .delete(|ctx: Ctx, ids: Ids| async move { delete(&ctx, ids.first()) }),
        )
}
