//! Ticket messages: `GET /api/messages` (global, `ticket_id` filter) and
//! `/api/tickets/{id}/messages` (list oldest first, retrieve, create 201, update 202,
//! delete 200 with an empty body). Creating or deleting a message updates the ticket's
//! `messages_count`, `last_message_datetime` and `updated_datetime`.

use super::tickets::{person, resolve_customer, resolve_user};
use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Ty, list, now_value, opt, req, stored, validate,
};
use crate::error::ApiError;
use crate::paging::{self, FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx, json_text};
use crate::store::{AccountData, ObjectKind};
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// `GET /api/messages`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Messages,
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

/// `GET /api/tickets/{id}/messages` (deprecated upstream): oldest first.
pub static TICKET_LIST: ListSpec = ListSpec {
    kind: ObjectKind::Messages,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:asc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
};

/// Fields of a message body.
pub const FIELDS: &[Rule] = &[
    req("channel", Ty::Str),
    req("via", Ty::Str),
    req("from_agent", Ty::Bool),
    req("sender", Ty::Object),
    opt("receiver", Ty::Object),
    opt("source", Ty::Object),
    opt("subject", Ty::Str),
    opt("body_text", Ty::Str),
    opt("body_html", Ty::Str),
    opt("public", Ty::Bool),
    opt("sent_datetime", Ty::Datetime),
    opt("external_id", Ty::Str),
    opt("message_id", Ty::Str),
    opt("attachments", Ty::Array),
    opt("meta", Ty::Object),
    opt("integration_id", Ty::Int),
    opt("macros", Ty::Array),
    opt("actions", Ty::Array),
    opt("headers", Ty::Object),
];

const UPDATE: &[Rule] = &[
    req("channel", Ty::Str),
    req("via", Ty::Str),
    req("from_agent", Ty::Bool),
    opt("subject", Ty::Str),
    opt("body_text", Ty::Str),
    opt("body_html", Ty::Str),
    opt("public", Ty::Bool),
    opt("external_id", Ty::Str),
    opt("attachments", Ty::Array),
    opt("meta", Ty::Object),
    opt("headers", Ty::Object),
];

fn address(p: &Value) -> Value {
    json!({ "name": p["name"], "address": p["email"] })
}

/// Creates a message on a ticket from validated fields and updates the ticket.
pub fn attach(
    data: &mut AccountData,
    ticket_id: i64,
    mut f: Map<String, Value>,
    msg: &str,
) -> Result<Value, ApiError> {
    let mut t = stored(data, ObjectKind::Tickets, ticket_id)?;
    let from_agent = f
        .get("from_agent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let sender_ref = f.remove("sender").unwrap_or(Value::Null);
    let sender = if from_agent {
        person(&resolve_user(data, &sender_ref, "sender", msg)?)
    } else {
        person(&resolve_customer(data, &sender_ref, "sender", msg)?)
    };
    let receiver = match f.remove("receiver") {
        Some(r) if !r.is_null() && from_agent => {
            person(&resolve_customer(data, &r, "receiver", msg)?)
        }
        Some(r) if !r.is_null() => person(&resolve_user(data, &r, "receiver", msg)?),
        _ if from_agent => t["customer"].clone(),
        _ => t["assignee_user"].clone(),
    };
    let id = data.next_id(ObjectKind::Messages);
    let now = data.now();
    let channel = f.get("channel").cloned().unwrap_or(json!("api"));
    let body_text = f.get("body_text").cloned().unwrap_or(Value::Null);
    let mut m = json!({
        "id": id, "uri": format!("/api/tickets/{ticket_id}/messages/{id}/"), "message_id": null,
        "ticket_id": ticket_id, "external_id": null, "public": true, "channel": channel, "via": "api",
        "source": { "type": channel, "from": address(&sender), "to": [address(&receiver)], "cc": [], "bcc": [], "extra": {} },
        "sender": sender, "receiver": receiver, "integration_id": null, "rule_id": null, "intents": [],
        "auth_customer_identity": null, "from_agent": from_agent, "subject": t["subject"], "body_text": body_text,
        "body_html": null, "stripped_text": body_text, "stripped_html": null, "stripped_signature": null,
        "attachments": [], "actions": null, "headers": null, "meta": null, "macros": null,
        "created_datetime": now_value(now), "sent_datetime": now_value(now), "failed_datetime": null,
        "opened_datetime": null, "deleted_datetime": null, "last_sending_error": null, "is_retriable": false,
        "replied_by": null, "replied_to": null,
    });
    if let Some(html) = f.get("body_html").filter(|h| h.is_string()) {
        m["stripped_html"] = html.clone();
    }
    super::merge(&mut m, f);
    super::insert_new(data, ObjectKind::Messages, &m)?;
    t["messages_count"] = json!(t["messages_count"].as_i64().unwrap_or(0) + 1);
    t["last_message_datetime"] = now_value(now);
    if from_agent {
        if t["opened_datetime"].is_null() {
            t["opened_datetime"] = now_value(now);
        }
    } else {
        t["last_received_message_datetime"] = now_value(now);
        if t["status"] == "closed" {
            t["status"] = json!("open");
            t["closed_datetime"] = Value::Null;
        }
    }
    if t["excerpt"].as_str().is_none_or(str::is_empty) {
        let e: String = m["body_text"]
            .as_str()
            .unwrap_or("")
            .chars()
            .take(100)
            .collect();
        t["excerpt"] = json!(e);
    }
    super::touch(&mut t, now);
    data.put(ObjectKind::Tickets, &t);
    Ok(m)
}

fn of_ticket(data: &AccountData, ticket_id: i64, id: i64) -> Result<Value, ApiError> {
    let m = stored(data, ObjectKind::Messages, id)?;
    if m["ticket_id"].as_i64() != Some(ticket_id) {
        return Err(ApiError::not_found());
    }
    Ok(m)
}

fn list_ticket(r: &ListReq, ticket_id: i64) -> ApiResult {
    let data = r.ctx.account.read();
    stored(&data, ObjectKind::Tickets, ticket_id)?;
    let col = data.col(ObjectKind::Messages);
    let mut q = paging::parse(&TICKET_LIST, &r.params, &data, r.ctx.user_id, &[])?;
    q.group(col, "ticket_id", ticket_id);
    let page = paging::run(col, &q);
    Ok(json_text(StatusCode::OK, paging::envelope(&r.uri, &page)))
}

fn create(ctx: &Ctx, ticket_id: i64, body: &Value) -> ApiResult {
    let msg = "Failed to create message";
    let f = validate(body, FIELDS, false, msg)?;
    let mut data = ctx.account.write();
    let m = attach(&mut data, ticket_id, f, msg)?;
    Ok(super::json(StatusCode::CREATED, &m))
}

fn update(ctx: &Ctx, ticket_id: i64, id: i64, body: &Value) -> ApiResult {
    let f = validate(body, UPDATE, false, "Failed to update message")?;
    let mut data = ctx.account.write();
    let mut m = of_ticket(&data, ticket_id, id)?;
    super::merge(&mut m, f);
    data.put(ObjectKind::Messages, &m);
    Ok(super::json(StatusCode::ACCEPTED, &m))
}

fn delete(ctx: &Ctx, ticket_id: i64, id: i64) -> ApiResult {
    let mut data = ctx.account.write();
    of_ticket(&data, ticket_id, id)?;
    data.remove(ObjectKind::Messages, id);
    let mut t = stored(&data, ObjectKind::Tickets, ticket_id)?;
    let col = data.col(ObjectKind::Messages);
    let rest = col
        .field("ticket_id")
        .and_then(|fi| col.group(fi, ticket_id))
        .unwrap_or_default();
    let last = rest
        .iter()
        .filter_map(|mid| col.get(*mid))
        .max_by(|a, b| (a.key(0), a.id).cmp(&(b.key(0), b.id)))
        .map(|r| r.value());
    t["messages_count"] = json!(rest.len());
    t["last_message_datetime"] = last.map_or(Value::Null, |m| m["created_datetime"].clone());
    let now = data.now();
    super::touch(&mut t, now);
    data.put(ObjectKind::Tickets, &t);
    Ok(super::empty(StatusCode::OK))
}

fn retrieve(ctx: &Ctx, ticket_id: i64, id: i64) -> ApiResult {
    let data = ctx.account.read();
    Ok(super::json(
        StatusCode::OK,
        &of_ticket(&data, ticket_id, id)?,
    ))
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/messages", get(|r: ListReq| async move { list(&r, &LIST) }))
        .route(
            "/api/tickets/{id}/messages",
            get(|r: ListReq, ids: Ids| async move { list_ticket(&r, ids.first()) })
                .post(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move { create(&ctx, ids.first(), &b) }),
        )
        .route(
            "/api/tickets/{id}/messages/{message_id}",
            get(|ctx: Ctx, ids: Ids| async move { retrieve(&ctx, ids.first(), ids.second()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move { update(&ctx, ids.first(), ids.second(), &b) })
                .delete(|ctx: Ctx, ids: Ids| async move { delete(&ctx, ids.first(), ids.second()) }),
        )
}
