//! `/api/tickets`: CRUD (retrieve includes messages), ticket tags and custom field values.
//! Creating needs `messages` (each with `channel`, `via`, `from_agent`, `sender`).

use super::{
    ApiResult, Ids, JsonBody, ListReq, Rule, Ty, custom_fields, list, messages, now_value, opt,
    req, stored, tags, validate,
};
use crate::error::ApiError;
use crate::paging::{FilterKind::*, ListSpec, asc, desc, filter};
use crate::server::{AppState, Ctx};
use crate::store::schema::PRIORITIES;
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value, json};

/// The list endpoint.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Tickets,
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
        filter("customer_id", IntEq("customer.id")),
        filter("external_id", StrEq("external_id", &[])),
        filter("ticket_ids", IdIn),
        filter("trashed", Include("trashed_datetime")),
        filter("view_id", View),
        filter("rule_id", Ignored),
    ],
    hidden_orders: &[],
};

const STATUSES: &[&str] = &["open", "closed"];

const CREATE: &[Rule] = &[
    req("messages", Ty::Array),
    opt("customer", Ty::Object),
    opt("assignee_user", Ty::Object),
    opt("assignee_team", Ty::Object),
    opt("channel", Ty::Str),
    opt("via", Ty::Str),
    opt("subject", Ty::Str),
    opt("status", Ty::Enum(STATUSES)),
    opt("priority", Ty::Enum(PRIORITIES)),
    opt("tags", Ty::Array),
    opt("external_id", Ty::Str),
    opt("language", Ty::Str),
    opt("meta", Ty::Object),
    opt("spam", Ty::Bool),
    opt("from_agent", Ty::Bool),
];

const UPDATE: &[Rule] = &[
    opt("customer", Ty::Object),
    opt("assignee_user", Ty::Object),
    opt("assignee_team", Ty::Object),
    opt("channel", Ty::Str),
    opt("via", Ty::Str),
    opt("subject", Ty::Str),
    opt("status", Ty::Enum(STATUSES)),
    opt("priority", Ty::Enum(PRIORITIES)),
    opt("tags", Ty::Array),
    opt("external_id", Ty::Str),
    opt("language", Ty::Str),
    opt("meta", Ty::Object),
    opt("spam", Ty::Bool),
    opt("is_unread", Ty::Bool),
    opt("snooze_datetime", Ty::Datetime),
    opt("trashed_datetime", Ty::Datetime),
    opt("custom_fields", Ty::Object),
];

fn bad(msg: &str, field: &str, text: &str) -> ApiError {
    ApiError::bad_request(msg.to_owned()).with_field(field, text)
}

/// `{id, email, name, firstname, lastname, meta}` of a customer or user record.
pub fn person(v: &Value) -> Value {
    json!({ "id": v["id"], "email": v["email"], "name": v["name"], "firstname": v["firstname"], "lastname": v["lastname"], "meta": v["meta"] })
}

/// A customer referenced by `{id}` or `{email}` (an unknown email creates the customer).
pub fn resolve_customer(
    data: &mut AccountData,
    r: &Value,
    field: &str,
    msg: &str,
) -> Result<Value, ApiError> {
    if let Some(id) = r.get("id").and_then(Value::as_i64) {
        return data
            .col(ObjectKind::Customers)
            .get_value(id)
            .ok_or_else(|| bad(msg, field, "Customer not found."));
    }
    if let Some(email) = r.get("email").and_then(Value::as_str) {
        if let Some(id) = super::customers::by_email(data, email) {
            return stored(data, ObjectKind::Customers, id);
        }
        let mut f = Map::new();
        f.insert("email".into(), json!(email));
        if let Some(n) = r.get("name").filter(|n| n.is_string()) {
            f.insert("name".into(), n.clone());
        }
        return super::customers::create_in(data, f);
    }
    Err(bad(msg, field, "Needs an id or an email."))
}

/// A user referenced by `{id}` or `{email}`.
pub fn resolve_user(
    data: &AccountData,
    r: &Value,
    field: &str,
    msg: &str,
) -> Result<Value, ApiError> {
    let col = data.col(ObjectKind::Users);
    let found = if let Some(id) = r.get("id").and_then(Value::as_i64) {
        col.get_value(id)
    } else if let Some(email) = r.get("email").and_then(Value::as_str) {
        col.iter()
            .find(|u| {
                u.fields[0]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .map(|u| u.value())
    } else {
        None
    };
    found.ok_or_else(|| bad(msg, field, "User not found."))
}

/// Tags referenced by `{id}`, `{name}` or a bare name (unknown names are created).
pub fn resolve_tags(
    data: &mut AccountData,
    list: &[Value],
    msg: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut out: Vec<Value> = Vec::new();
    for item in list {
        let id = item.get("id").and_then(Value::as_i64);
        let name = item
            .get("name")
            .and_then(Value::as_str)
            .or_else(|| item.as_str());
        let tag = match (id, name) {
            (Some(id), _) => data
                .col(ObjectKind::Tags)
                .get_value(id)
                .ok_or_else(|| bad(msg, "tags", &format!("Tag {id} not found.")))?,
            (None, Some(name)) => match tags::by_name(data, name) {
                Some(id) => stored(data, ObjectKind::Tags, id)?,
                None => {
                    let id = data.next_id(ObjectKind::Tags);
                    let now = data.now();
                    let v = json!({ "id": id, "uri": format!("/api/tags/{id}/"), "name": name, "description": null, "decoration": null, "usage": 0, "created_datetime": now_value(now), "deleted_datetime": null });
                    super::insert_new(data, ObjectKind::Tags, &v)?;
                    v
                }
            },
            _ => return Err(bad(msg, "tags", "Each tag needs an id or a name.")),
        };
        if !out.iter().any(|t| t["id"] == tag["id"]) {
            out.push(tags::summary(&tag));
        }
    }
    Ok(out)
}

/// Replaces a ticket's tags, keeping tag usage counts right.
pub fn set_tags(data: &mut AccountData, ticket: &mut Value, new: Vec<Value>) {
    let ids = |l: &Value| -> Vec<i64> {
        l.as_array()
            .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
            .unwrap_or_default()
    };
    let old = ids(&ticket["tags"]);
    let new_v = Value::Array(new);
    let fresh = ids(&new_v);
    for id in old.iter().filter(|i| !fresh.contains(i)) {
        tags::add_usage(data, *id, -1);
    }
    for id in fresh.iter().filter(|i| !old.contains(i)) {
        tags::add_usage(data, *id, 1);
    }
    ticket["tags"] = new_v;
}

fn team_summary(data: &AccountData, r: &Value, msg: &str) -> Result<Value, ApiError> {
    let id = r
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad(msg, "assignee_team", "Needs an id."))?;
    let t = data
        .col(ObjectKind::Teams)
        .get_value(id)
        .ok_or_else(|| bad(msg, "assignee_team", "Team not found."))?;
    Ok(json!({ "id": t["id"], "name": t["name"], "decoration": t["decoration"] }))
}

/// Applies reference fields (`customer`, `assignee_user`, `assignee_team`, `tags`) and
/// status side effects to a ticket.
fn apply_refs(
    data: &mut AccountData,
    t: &mut Value,
    f: &mut Map<String, Value>,
    now: Micros,
    msg: &str,
) -> Result<(), ApiError> {
    if let Some(c) = f.remove("customer") {
        let cust = resolve_customer(data, &c, "customer", msg)?;
        t["customer"] = person(&cust);
    }
    if let Some(u) = f.remove("assignee_user") {
        t["assignee_user"] = if u.is_null() {
            Value::Null
        } else {
            let mut p = person(&resolve_user(data, &u, "assignee_user", msg)?);
            p["bio"] = Value::Null;
            p
        };
    }
    if let Some(team) = f.remove("assignee_team") {
        t["assignee_team"] = if team.is_null() {
            Value::Null
        } else {
            team_summary(data, &team, msg)?
        };
    }
    if let Some(Value::Array(list)) = f.remove("tags") {
        let resolved = resolve_tags(data, &list, msg)?;
        set_tags(data, t, resolved);
    }
    if let Some(status) = f.get("status").and_then(Value::as_str) {
        if status == "closed" && t["closed_datetime"].is_null() {
            t["closed_datetime"] = now_value(now);
        } else if status == "open" {
            t["closed_datetime"] = Value::Null;
        }
    }
    Ok(())
}

fn create(ctx: &Ctx, body: &Value) -> ApiResult {
    let msg = "Failed to create ticket";
    let mut f = validate(body, CREATE, false, msg)?;
    let msgs: Vec<Value> = f
        .remove("messages")
        .and_then(|m| m.as_array().cloned())
        .unwrap_or_default();
    if msgs.is_empty() || msgs.len() > 500 {
        return Err(bad(msg, "messages", "Length must be between 1 and 500."));
    }
    let mut nested = Map::new();
    let mut checked = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        match validate(m, messages::FIELDS, false, msg) {
            Ok(fields) => checked.push(fields),
            Err(e) => {
                nested.insert(i.to_string(), e.data.unwrap_or(Value::Null));
            }
        }
    }
    if !nested.is_empty() {
        let mut e = ApiError::bad_request(msg);
        e.data = Some(json!({ "messages": nested }));
        return Err(e);
    }
    let mut data = ctx.account.write();
    let first = &checked[0];
    let from_agent = first
        .get("from_agent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let customer_ref = match f.remove("customer") {
        Some(c) if !c.is_null() => c,
        _ if !from_agent => first.get("sender").cloned().unwrap_or(Value::Null),
        _ => first
            .get("receiver")
            .cloned()
            .filter(|r| !r.is_null())
            .ok_or_else(|| bad(msg, "customer", "Missing data for required field."))?,
    };
    let customer = resolve_customer(&mut data, &customer_ref, "customer", msg)?;
    let id = data.next_id(ObjectKind::Tickets);
    let now = data.now();
    let channel = f
        .remove("channel")
        .or_else(|| first.get("channel").cloned())
        .unwrap_or(json!("api"));
    let mut t = json!({
        "id": id, "uri": format!("/api/tickets/{id}/"), "external_id": null, "language": null,
        "status": "open", "priority": "normal", "channel": channel, "via": f.remove("via").unwrap_or(json!("api")),
        "from_agent": from_agent, "customer": person(&customer), "assignee_user": null, "assignee_team": null,
        "subject": first.get("subject").cloned().unwrap_or(Value::Null), "excerpt": "", "integrations": [],
        "meta": null, "tags": [], "messages_count": 0, "is_unread": true, "spam": false,
        "created_datetime": now_value(now), "opened_datetime": null, "last_received_message_datetime": null,
        "last_message_datetime": null, "updated_datetime": now_value(now), "closed_datetime": null,
        "snooze_datetime": null, "trashed_datetime": null, "custom_fields": {},
    });
    apply_refs(&mut data, &mut t, &mut f, now, msg)?;
    f.remove("from_agent");
    super::merge(&mut t, f);
    let excerpt: String = checked[0]
        .get("body_text")
        .and_then(Value::as_str)
        .unwrap_or("")
        .chars()
        .take(100)
        .collect();
    t["excerpt"] = json!(excerpt);
    super::insert_new(&mut data, ObjectKind::Tickets, &t)?;
    for m in checked {
        messages::attach(&mut data, id, m, msg)?;
    }
    let detail = detail(&data, id)?;
    Ok(super::json(StatusCode::CREATED, &detail))
}

/// The ticket as `GET /api/tickets/{id}` shows it: with messages, the full customer and
/// the survey.
pub fn detail(data: &AccountData, id: i64) -> Result<Value, ApiError> {
    let mut t = stored(data, ObjectKind::Tickets, id)?;
    let cid = t["customer"]["id"].as_i64().unwrap_or(0);
    let requester = t["customer"].clone();
    if let Some(c) = data.col(ObjectKind::Customers).get_value(cid) {
        t["customer"] = c;
    }
    let mcol = data.col(ObjectKind::Messages);
    let mut msgs: Vec<&crate::store::Record> = mcol
        .field("ticket_id")
        .and_then(|fi| mcol.group(fi, id))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mid| mcol.get(mid))
        .collect();
    msgs.sort_by(|a, b| (a.key(0), a.id).cmp(&(b.key(0), b.id)));
    t["messages"] = Value::Array(msgs.iter().map(|m| m.value()).collect());
    let scol = data.col(ObjectKind::SatisfactionSurveys);
    let survey = scol
        .field("ticket_id")
        .and_then(|fi| scol.group(fi, id))
        .and_then(|ids| ids.first().copied())
        .and_then(|sid| scol.get_value(sid))
        .unwrap_or(Value::Null);
    t["satisfaction_survey"] = survey;
    t["assignee_user_id"] = t["assignee_user"]["id"].clone();
    t["assignee_team_id"] = t["assignee_team"]["id"].clone();
    let channel = t["channel"].as_str().unwrap_or("email").to_owned();
    t["reply_options"] = json!({ channel: { "answerable": true } });
    t["requester"] = requester;
    t["events"] = json!([]);
    Ok(t)
}

fn retrieve(ctx: &Ctx, id: i64) -> ApiResult {
    let data = ctx.account.read();
    Ok(super::json(StatusCode::OK, &detail(&data, id)?))
}

fn update(ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
    let msg = "Failed to update ticket";
    let mut f = validate(body, UPDATE, true, msg)?;
    let mut data = ctx.account.write();
    let mut t = stored(&data, ObjectKind::Tickets, id)?;
    let now = data.now();
    apply_refs(&mut data, &mut t, &mut f, now, msg)?;
    super::merge(&mut t, f);
    super::touch(&mut t, now);
    super::save_updated(&mut data, ObjectKind::Tickets, &t)?;
    let detail = detail(&data, id)?;
    Ok(super::json(StatusCode::OK, &detail))
}

/// Deletes a ticket with its messages and survey.
pub fn delete_in(data: &mut AccountData, id: i64) -> Result<(), ApiError> {
    let mut t = stored(data, ObjectKind::Tickets, id)?;
    set_tags(data, &mut t, Vec::new());
    data.remove(ObjectKind::Tickets, id);
    for kind in [ObjectKind::Messages, ObjectKind::SatisfactionSurveys] {
        let col = data.col(kind);
        let ids = col
            .field("ticket_id")
            .and_then(|fi| col.group(fi, id))
            .unwrap_or_default();
        for mid in ids {
            data.remove(kind, mid);
        }
    }
    data.event(ObjectKind::Tickets, "deleted", id, None);
    Ok(())
}

fn delete(ctx: &Ctx, id: i64) -> ApiResult {
    let mut data = ctx.account.write();
    delete_in(&mut data, id)?;
    Ok(super::empty(StatusCode::NO_CONTENT))
}

fn tag_list(data: &AccountData, t: &Value) -> Value {
    let tags: Vec<Value> = t["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["id"].as_i64())
                .filter_map(|id| data.col(ObjectKind::Tags).get_value(id))
                .collect()
        })
        .unwrap_or_default();
    json!({ "data": tags })
}

fn get_tags(ctx: &Ctx, id: i64) -> ApiResult {
    let data = ctx.account.read();
    let t = stored(&data, ObjectKind::Tickets, id)?;
    Ok(super::json(StatusCode::OK, &tag_list(&data, &t)))
}

#[derive(Clone, Copy)]
enum TagOp {
    Add,
    Replace,
    Remove,
}

fn change_tags(ctx: &Ctx, id: i64, body: &Value, op: TagOp) -> ApiResult {
    let msg = "Failed to update ticket tags";
    let f = validate(
        body,
        &[opt("ids", Ty::Array), opt("names", Ty::Array)],
        true,
        msg,
    )?;
    let mut refs: Vec<Value> = Vec::new();
    for v in f.get("ids").and_then(Value::as_array).into_iter().flatten() {
        let id = v
            .as_i64()
            .ok_or_else(|| bad(msg, "ids", "Not a valid integer."))?;
        refs.push(json!({ "id": id }));
    }
    for v in f
        .get("names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let n = v
            .as_str()
            .ok_or_else(|| bad(msg, "names", "Not a valid string."))?;
        refs.push(json!({ "name": n }));
    }
    let mut data = ctx.account.write();
    let mut t = stored(&data, ObjectKind::Tickets, id)?;
    let current: Vec<Value> = t["tags"].as_array().cloned().unwrap_or_default();
    let new = match op {
        TagOp::Add => {
            let mut all = current.clone();
            for tag in resolve_tags(&mut data, &refs, msg)? {
                if !all.iter().any(|x| x["id"] == tag["id"]) {
                    all.push(tag);
                }
            }
            all
        }
        TagOp::Replace => resolve_tags(&mut data, &refs, msg)?,
        TagOp::Remove => {
            let ids: Vec<&Value> = refs.iter().filter_map(|r| r.get("id")).collect();
            let names: Vec<&Value> = refs.iter().filter_map(|r| r.get("name")).collect();
            current
                .into_iter()
                .filter(|x| !ids.contains(&&x["id"]) && !names.contains(&&x["name"]))
                .collect()
        }
    };
    set_tags(&mut data, &mut t, new);
    let now = data.now();
    super::touch(&mut t, now);
    super::save_updated(&mut data, ObjectKind::Tickets, &t)?;
    Ok(match op {
        TagOp::Add => super::json(StatusCode::CREATED, &tag_list(&data, &t)),
        TagOp::Replace => super::json(StatusCode::ACCEPTED, &tag_list(&data, &t)),
        TagOp::Remove => super::empty(StatusCode::NO_CONTENT),
    })
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/tickets",
            get(|r: ListReq| async move { list(&r, &LIST) })
                .post(|ctx: Ctx, JsonBody(b): JsonBody| async move { create(&ctx, &b) }),
        )
        .route(
            "/api/tickets/{id}",
            get(|ctx: Ctx, ids: Ids| async move { retrieve(&ctx, ids.first()) })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    update(&ctx, ids.first(), &b)
                })
                .delete(|ctx: Ctx, ids: Ids| async move { delete(&ctx, ids.first()) }),
        )
        .route(
            "/api/tickets/{id}/tags",
            get(|ctx: Ctx, ids: Ids| async move { get_tags(&ctx, ids.first()) })
                .post(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    change_tags(&ctx, ids.first(), &b, TagOp::Add)
                })
                .put(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    change_tags(&ctx, ids.first(), &b, TagOp::Replace)
                })
                .delete(|ctx: Ctx, ids: Ids, JsonBody(b): JsonBody| async move {
                    change_tags(&ctx, ids.first(), &b, TagOp::Remove)
                }),
        )
        .merge(custom_fields::value_routes(ObjectKind::Tickets))
}
