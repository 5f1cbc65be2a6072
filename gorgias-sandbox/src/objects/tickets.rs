//! Tickets: `/api/tickets`, their tags (`/api/tickets/{id}/tags`).
//!
//! * List item keys as recorded (Nango test list-tickets): `id, uri, external_id, language, status,
//!   priority, channel, via, from_agent, customer{id, email, name, firstname, lastname, meta},
//!   assignee_user, assignee_team, subject, summary, excerpt, integrations, meta, tags,
//!   messages_count, is_unread, spam, created_datetime, opened_datetime,
//!   last_received_message_datetime, last_message_datetime, last_sent_message_not_delivered,
//!   updated_datetime, closed_datetime, snooze_datetime, trashed_datetime, custom_fields`
//!   (`summary` null, `custom_fields` keyed by field id with `{id, value}` items).
//! * List: default `created_datetime:desc`, 30 items, at most 100, envelope with
//!   `meta.total_resources: null` (recorded: Nango test list-tickets); `order_by`
//!   `created_datetime` or `updated_datetime`; filters `customer_id`, `external_id`, `ticket_ids`
//!   (repeated, at most 100), `trashed` (default true: trashed tickets are listed), `view_id` (the
//!   view's filters), `rule_id` (accepted, no effect) (API reference "List Tickets" via
//!   withone.ai).
//! * Detail (`GET`, and the `POST`/`PUT` responses) as recorded (Nango tests get-ticket,
//!   create-ticket, update-ticket): the list item without `excerpt`, `integrations`,
//!   `messages_count`, `last_sent_message_not_delivered`, plus `events: []`, `imported`,
//!   `assignee_user_id`, `assignee_team_id`, `messages` (oldest first, without `headers` and
//!   `deleted_datetime`), `processed_datetime`, `satisfaction_survey`, `reply_options` and
//!   `requester`; the customer with `channels`, `data`, `customer`, `integrations`, `external_id`,
//!   `note` (`GET` also `external_data`, `ecommerce_data`); `custom_fields` (between `tags` and
//!   `messages`) only when the ticket has values; the create response's messages also carry
//!   `macros`.
//!   `processed_datetime` and `imported` are derived here (a few ms after creation; `false` for API
//!   tickets, null for others, as recorded).
//! * Create needs `messages` (1–500) (benpalmer1/Gorgias-MCP-Server); **`via` may be omitted**
//!   anywhere and defaults to `api` (recorded: Nango test create-ticket); answers **200** with the
//!   detail. `PUT` is partial (`{subject, status}` answers 200, recorded: Nango test
//!   update-ticket); `DELETE` answers 204 (recorded: Nango test delete-ticket) and takes the
//!   messages and survey along. Updates append `ticket-updated`, and `ticket-closed`,
//!   `ticket-subject-updated` (`{new_subject}`), `ticket-assigned` (`{assignee_user_id}`) as
//!   applicable (types and payloads recorded: Nango tests events, list-events).
//! * Tags: `GET` answers `{"data":[full tags]}`; `POST` (add `{ids?, names?}`) and `PUT` (replace)
//!   answer **200 with an empty body**, `DELETE` (remove) 204 (recorded: Nango tests
//!   list-ticket-tags, add-ticket-tags, set-ticket-tags, remove-ticket-tags); unknown names create
//!   tags; tag `usage` follows.

use crate::error::ApiError;
use crate::http::{
    ApiResult, Call, Field, Ty, empty, merge, now_value, ok, opt, req, touch, validate,
};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, insert_new, save_updated, stored};
use crate::seed::{self, Gen, Person, Seeder, json_string, person, text};
use crate::store::collection::{Collection, CollectionSpec, FieldKind::*, FieldSpec, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use crate::viewfilter::{self, Expr};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::ticket_messages::{self as messages, Author, Planned, Thread};
use super::{customers, tags, users};

/// Ticket priorities in ascending order (the `priority` ordering of view items).
pub const PRIORITIES: &[&str] = &["low", "normal", "high", "critical"];

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("status", Str),
        f("channel", Str),
        f("via", Str),
        f("priority", Str),
        FieldSpec {
            name: "priority_rank",
            path: "priority",
            kind: Rank(PRIORITIES),
        },
        f("language", Str),
        f("external_id", Str),
        f("subject", Str),
        f("customer.id", Int),
        f("customer.email", Str),
        f("assignee_user.id", Int),
        f("assignee_team.id", Int),
        f("spam", Bool),
        f("is_unread", Bool),
        f("from_agent", Bool),
        f("messages_count", Int),
        f("tags.*.id", List),
        f("tags.*.name", List),
        f("created_datetime", Time),
        f("updated_datetime", Time),
        f("opened_datetime", Time),
        f("last_message_datetime", Time),
        f("last_received_message_datetime", Time),
        f("closed_datetime", Time),
        f("snooze_datetime", Time),
        f("trashed_datetime", Time),
    ],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("updated", &["updated_datetime"]),
        IndexSpec::on("last_message", &["last_message_datetime"]),
        IndexSpec::on("last_received_message", &["last_received_message_datetime"]),
        IndexSpec::on("closed", &["closed_datetime"]),
        IndexSpec::on("snooze", &["snooze_datetime"]),
        IndexSpec::on("priority", &["priority_rank"]),
    ],
    groups: &["customer.id"],
    list_omit: &[],
};

/// `GET /api/tickets`.
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
        filter("view_id", Custom(view_filter)),
        filter("rule_id", Ignored),
    ],
    hidden_orders: &[],
    envelope: Envelope::OBJECT_FIRST_WITH_TOTAL,
};

const STATUSES: &[&str] = &["open", "closed"];

const CREATE: &[Field] = &[
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

const UPDATE: &[Field] = &[
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

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    delete: true,
    routes: &[
        object::post("/api/tickets", create),
        object::get("/api/tickets/{id}", retrieve),
        object::put("/api/tickets/{id}", update),
        object::delete("/api/tickets/{id}", delete),
        object::get("/api/tickets/{id}/tags", get_tags),
        object::post("/api/tickets/{id}/tags", add_tags),
        object::put("/api/tickets/{id}/tags", set_tags_route),
        object::delete("/api/tickets/{id}/tags", remove_tags),
    ],
    seed: Some(seed),
    generate: Some(generate),
    remove: Some(delete_in),
    ..ObjectDef::new(ObjectKind::Tickets, "/api/tickets", &STORE)
};

/// Maps a view filter path (`ticket.status`) to a field of the store.
pub fn filter_field(path: &str) -> Option<&'static str> {
    let p = path.strip_prefix("ticket.")?;
    Some(match p {
        "status" => "status",
        "channel" => "channel",
        "via" => "via",
        "priority" => "priority",
        "language" => "language",
        "external_id" => "external_id",
        "subject" => "subject",
        "customer.id" | "customer_id" => "customer.id",
        "customer.email" => "customer.email",
        "assignee_user.id" | "assignee_user_id" | "assignee_user" => "assignee_user.id",
        "assignee_team.id" | "assignee_team_id" | "assignee_team" => "assignee_team.id",
        "spam" => "spam",
        "is_unread" => "is_unread",
        "from_agent" => "from_agent",
        "messages_count" => "messages_count",
        "tags.id" => "tags.*.id",
        "tags" | "tags.name" => "tags.*.name",
        "created_datetime" => "created_datetime",
        "updated_datetime" => "updated_datetime",
        "opened_datetime" => "opened_datetime",
        "last_message_datetime" => "last_message_datetime",
        "last_received_message_datetime" => "last_received_message_datetime",
        "closed_datetime" => "closed_datetime",
        "snooze_datetime" => "snooze_datetime",
        "trashed_datetime" => "trashed_datetime",
        _ => return None,
    })
}

/// `view_id`: the tickets matching a ticket-list view's filters.
fn view_filter(
    data: &AccountData,
    col: &Collection,
    user: i64,
    value: &str,
) -> Result<Expr, ApiError> {
    let id: i64 = value
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_param("view_id", "Not a valid integer."))?;
    let view = data
        .col(ObjectKind::Views)
        .get_value(id)
        .ok_or_else(ApiError::not_found)?;
    if view["type"] != "ticket-list" {
        return Err(ApiError::bad_param("view_id", "Not a ticket view."));
    }
    viewfilter::compile(
        view["filters"].as_str().unwrap_or_default(),
        col,
        filter_field,
        user,
    )
    .map_err(|e| {
        ApiError::bad_param(
            "view_id",
            &format!("The view's filters cannot be applied: {e}"),
        )
    })
}

/// A ticket list item, every recorded key in the recorded order.
#[derive(Debug, Serialize)]
pub struct ListItem<'a> {
    /// Id.
    pub id: i64,
    /// `/api/tickets/{id}/`.
    pub uri: String,
    /// External id.
    pub external_id: Option<&'a str>,
    /// Language.
    pub language: Option<&'a str>,
    /// `open` | `closed`.
    pub status: &'a str,
    /// Priority.
    pub priority: &'a str,
    /// Channel.
    pub channel: &'a str,
    /// Via.
    pub via: &'a str,
    /// Opened by an agent.
    pub from_agent: bool,
    /// Customer summary.
    pub customer: &'a Value,
    /// Assignee summary (with `bio`) or null.
    pub assignee_user: &'a Value,
    /// `{id, name, decoration}` or null.
    pub assignee_team: &'a Value,
    /// Subject.
    pub subject: Option<&'a str>,
    /// Always null.
    pub summary: Option<()>,
    /// The first message's text, cut.
    pub excerpt: Option<&'a str>,
    /// `[{name, address, type}]`.
    pub integrations: &'a Value,
    /// Meta.
    pub meta: &'a Value,
    /// `[{id, name, decoration}]`.
    pub tags: &'a Value,
    /// Messages.
    pub messages_count: usize,
    /// Unread.
    pub is_unread: bool,
    /// Spam.
    pub spam: bool,
    /// Created.
    pub created_datetime: String,
    /// First opened by an agent.
    pub opened_datetime: Option<String>,
    /// Last customer message.
    pub last_received_message_datetime: Option<String>,
    /// Last message.
    pub last_message_datetime: Option<String>,
    /// Always false here.
    pub last_sent_message_not_delivered: bool,
    /// Updated.
    pub updated_datetime: String,
    /// Closed.
    pub closed_datetime: Option<String>,
    /// Snoozed until.
    pub snooze_datetime: Option<String>,
    /// Trashed.
    pub trashed_datetime: Option<String>,
    /// `{"<id>": {id, value}}`.
    pub custom_fields: &'a Value,
}

/// Which response a detail is built for (their keys differ, as recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `GET /api/tickets/{id}`.
    Get,
    /// `POST /api/tickets`.
    Create,
    /// `PUT /api/tickets/{id}`.
    Update,
}

const MESSAGE_KEYS: &[&str] = &[
    "id",
    "uri",
    "message_id",
    "ticket_id",
    "external_id",
    "public",
    "channel",
    "via",
    "source",
    "sender",
    "auth_customer_identity",
    "integration_id",
    "intents",
    "rule_id",
    "from_agent",
    "receiver",
    "subject",
    "body_text",
    "body_html",
    "stripped_text",
    "stripped_html",
    "stripped_signature",
    "attachments",
    "actions",
    "imported",
    "meta",
    "created_datetime",
    "processed_datetime",
    "sent_datetime",
    "failed_datetime",
    "opened_datetime",
    "last_sending_error",
    "is_retriable",
];

/// The messages embedded in the create response (recorded: Nango test create-ticket).
const CREATED_MESSAGE_KEYS: &[&str] = &[
    "id",
    "uri",
    "message_id",
    "ticket_id",
    "external_id",
    "public",
    "channel",
    "via",
    "source",
    "sender",
    "auth_customer_identity",
    "integration_id",
    "intents",
    "rule_id",
    "from_agent",
    "receiver",
    "subject",
    "body_text",
    "body_html",
    "stripped_text",
    "stripped_html",
    "stripped_signature",
    "attachments",
    "macros",
    "actions",
    "imported",
    "meta",
    "created_datetime",
    "processed_datetime",
    "sent_datetime",
    "failed_datetime",
    "opened_datetime",
    "last_sending_error",
    "is_retriable",
];

fn pick(v: &Value, keys: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keys {
        m.insert((*k).to_owned(), v.get(*k).cloned().unwrap_or(Value::Null));
    }
    Value::Object(m)
}

/// `processed_datetime` of a ticket: a few milliseconds after creation (derived).
fn processed(t: &Value) -> Value {
    let id = t["id"].as_i64().unwrap_or(0);
    t["created_datetime"]
        .as_str()
        .and_then(time::parse)
        .map_or(Value::Null, |c| {
            json!(time::iso(c + 1_000 + id.rem_euclid(90_000)))
        })
}

/// The ticket as the detail responses show it.
pub fn detail(data: &AccountData, id: i64, form: Form) -> Result<Value, ApiError> {
    let t = stored(data, ObjectKind::Tickets, id)?;
    let cid = t["customer"]["id"].as_i64().unwrap_or(0);
    let mut ckeys = vec![
        "id",
        "email",
        "name",
        "firstname",
        "lastname",
        "meta",
        "channels",
        "data",
        "customer",
        "integrations",
        "external_id",
        "note",
    ];
    if form == Form::Get {
        ckeys.extend(["external_data", "ecommerce_data"]);
    }
    let customer = data
        .col(ObjectKind::Customers)
        .get_value(cid)
        .map_or_else(|| t["customer"].clone(), |c| pick(&c, &ckeys));
    let keys = if form == Form::Create {
        CREATED_MESSAGE_KEYS
    } else {
        MESSAGE_KEYS
    };
    let msgs: Vec<Value> = messages::of_ticket_sorted(data, id)
        .iter()
        .map(|m| pick(&m.value(), keys))
        .collect();
    let scol = data.col(ObjectKind::SatisfactionSurveys);
    let survey = scol
        .field("ticket_id")
        .and_then(|fi| scol.group(fi, id))
        .and_then(|ids| ids.first().copied())
        .and_then(|sid| scol.get_value(sid))
        .unwrap_or(Value::Null);
    let imported = if t["via"] == "api" {
        json!(false)
    } else {
        Value::Null
    };
    let mut d = json!({
        "id": t["id"], "uri": t["uri"], "external_id": t["external_id"], "events": [],
        "status": t["status"], "priority": t["priority"], "channel": t["channel"], "via": t["via"],
        "from_agent": t["from_agent"], "spam": t["spam"], "imported": imported, "customer": customer,
        "assignee_user": t["assignee_user"], "assignee_user_id": t["assignee_user"]["id"],
        "assignee_team": t["assignee_team"], "assignee_team_id": t["assignee_team"]["id"],
        "language": t["language"], "subject": t["subject"], "summary": null, "meta": t["meta"],
        "tags": t["tags"],
    });
    // Present, between `tags` and `messages`, only when the ticket has values (recorded: Nango
    // tests get-ticket, set-ticket-tags, tickets).
    if form != Form::Create
        && t["custom_fields"]
            .as_object()
            .is_some_and(|m| !m.is_empty())
    {
        d["custom_fields"] = t["custom_fields"].clone();
    }
    merge(
        &mut d,
        json!({
            "messages": msgs, "created_datetime": t["created_datetime"], "processed_datetime": processed(&t),
            "opened_datetime": t["opened_datetime"],
            "last_received_message_datetime": t["last_received_message_datetime"],
            "last_message_datetime": t["last_message_datetime"], "updated_datetime": t["updated_datetime"],
            "closed_datetime": t["closed_datetime"], "trashed_datetime": t["trashed_datetime"],
            "snooze_datetime": t["snooze_datetime"], "satisfaction_survey": survey,
            "reply_options": { "email": { "answerable": true }, "internal-note": { "answerable": true } },
            "requester": customer, "is_unread": t["is_unread"],
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    Ok(d)
}

fn bad(msg: &str, field: &str, text: &str) -> ApiError {
    ApiError::bad_request(msg.to_owned()).with_field(field, text)
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
                    let color = tags::random_color(data);
                    let v = tags::record(id, name, None, json!({ "color": color }), 0, now);
                    insert_new(data, ObjectKind::Tags, &v)?;
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

fn tag_ids(l: &Value) -> Vec<i64> {
    l.as_array()
        .map(|a| a.iter().filter_map(|t| t["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// Replaces a ticket's tags, keeping tag usage counts right; returns the added and removed tag ids.
pub fn set_tags(
    data: &mut AccountData,
    ticket: &mut Value,
    new: Vec<Value>,
) -> (Vec<i64>, Vec<i64>) {
    let old = tag_ids(&ticket["tags"]);
    let new_v = Value::Array(new);
    let fresh = tag_ids(&new_v);
    let removed: Vec<i64> = old.iter().filter(|i| !fresh.contains(i)).copied().collect();
    let added: Vec<i64> = fresh.iter().filter(|i| !old.contains(i)).copied().collect();
    for id in &removed {
        tags::add_usage(data, *id, -1);
    }
    for id in &added {
        tags::add_usage(data, *id, 1);
    }
    ticket["tags"] = new_v;
    (added, removed)
}

fn tag_events(data: &mut AccountData, id: i64, (added, removed): (Vec<i64>, Vec<i64>)) {
    if !added.is_empty() {
        data.event_typed(
            ObjectKind::Tickets,
            "ticket-tags-added".into(),
            id,
            Some(json!({ "tags_added": added })),
        );
    }
    if !removed.is_empty() {
        data.event_typed(
            ObjectKind::Tickets,
            "ticket-tags-removed".into(),
            id,
            Some(json!({ "tags_removed": removed })),
        );
    }
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

/// An assignee summary: the person plus `bio`.
fn assignee(u: &Value) -> Value {
    let mut p = person(u);
    p["bio"] = u.get("bio").cloned().unwrap_or(Value::Null);
    p
}

/// Applies reference fields (`customer`, `assignee_user`, `assignee_team`, `tags`) and status side
/// effects; returns the tag changes.
fn apply_refs(
    data: &mut AccountData,
    t: &mut Value,
    f: &mut Map<String, Value>,
    now: Micros,
    msg: &str,
) -> Result<(Vec<i64>, Vec<i64>), ApiError> {
    if let Some(c) = f.remove("customer") {
        let cust = customers::resolve(data, &c, "customer", msg)?;
        t["customer"] = person(&cust);
    }
    if let Some(u) = f.remove("assignee_user") {
        t["assignee_user"] = if u.is_null() {
            Value::Null
        } else {
            assignee(&users::lookup(data, &u, "assignee_user", msg)?)
        };
    }
    if let Some(team) = f.remove("assignee_team") {
        t["assignee_team"] = if team.is_null() {
            Value::Null
        } else {
            team_summary(data, &team, msg)?
        };
    }
    let mut changes = (Vec::new(), Vec::new());
    if let Some(Value::Array(list)) = f.remove("tags") {
        let resolved = resolve_tags(data, &list, msg)?;
        changes = set_tags(data, t, resolved);
    }
    if let Some(status) = f.get("status").and_then(Value::as_str) {
        if status == "closed" && t["closed_datetime"].is_null() {
            t["closed_datetime"] = now_value(now);
        } else if status == "open" {
            t["closed_datetime"] = Value::Null;
        }
    }
    Ok(changes)
}

fn create(c: &Call) -> ApiResult {
    let msg = "Failed to create ticket";
    let mut f = validate(&c.body, CREATE, false, msg)?;
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
    let mut data = c.ctx.account.write();
    let first = &checked[0];
    let first_from_agent = first
        .get("from_agent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let from_agent = f
        .remove("from_agent")
        .and_then(|v| v.as_bool())
        .unwrap_or(first_from_agent);
    let customer_ref = match f.remove("customer") {
        Some(c) if !c.is_null() => c,
        _ if !first_from_agent => first.get("sender").cloned().unwrap_or(Value::Null),
        _ => first
            .get("receiver")
            .cloned()
            .filter(|r| !r.is_null())
            .ok_or_else(|| bad(msg, "customer", "Missing data for required field."))?,
    };
    let customer = person(&customers::resolve(
        &mut data,
        &customer_ref,
        "customer",
        msg,
    )?);
    let id = data.next_id(ObjectKind::Tickets);
    let now = data.now();
    let channel = f
        .remove("channel")
        .and_then(|c| c.as_str().map(str::to_owned))
        .or_else(|| {
            first
                .get("channel")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "api".into());
    let via = f
        .remove("via")
        .and_then(|c| c.as_str().map(str::to_owned))
        .unwrap_or_else(|| "api".into());
    let subject = f
        .remove("subject")
        .and_then(|s| s.as_str().map(str::to_owned));
    let item = ListItem {
        id,
        uri: format!("/api/tickets/{id}/"),
        external_id: None,
        language: None,
        status: "open",
        priority: "normal",
        channel: &channel,
        via: &via,
        from_agent,
        customer: &customer,
        assignee_user: &Value::Null,
        assignee_team: &Value::Null,
        subject: subject.as_deref(),
        summary: None,
        excerpt: None,
        integrations: &json!([]),
        meta: &Value::Null,
        tags: &json!([]),
        messages_count: 0,
        is_unread: true,
        spam: false,
        created_datetime: time::iso(now),
        opened_datetime: None,
        last_received_message_datetime: None,
        last_message_datetime: None,
        last_sent_message_not_delivered: false,
        updated_datetime: time::iso(now),
        closed_datetime: None,
        snooze_datetime: None,
        trashed_datetime: None,
        custom_fields: &json!({}),
    };
    let mut t = serde_json::to_value(&item).map_err(|e| ApiError::internal(e.to_string()))?;
    let changes = apply_refs(&mut data, &mut t, &mut f, now, msg)?;
    merge(&mut t, f);
    insert_new(&mut data, ObjectKind::Tickets, &t)?;
    tag_events(&mut data, id, changes);
    for mut m in checked {
        if !m.contains_key("via") {
            m.insert("via".into(), json!(via));
        }
        messages::attach(&mut data, id, m, msg)?;
    }
    ok(&detail(&data, id, Form::Create)?)
}

fn retrieve(c: &Call) -> ApiResult {
    let data = c.ctx.account.read();
    ok(&detail(&data, c.first_id()?, Form::Get)?)
}

fn update(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let msg = "Failed to update ticket";
    let mut f = validate(&c.body, UPDATE, true, msg)?;
    let mut data = c.ctx.account.write();
    let mut t = stored(&data, ObjectKind::Tickets, id)?;
    let before = t.clone();
    let now = data.now();
    let changes = apply_refs(&mut data, &mut t, &mut f, now, msg)?;
    merge(&mut t, f);
    touch(&mut t, now);
    save_updated(&mut data, ObjectKind::Tickets, &t)?;
    if t["status"] == "closed" && before["status"] != "closed" {
        data.event(ObjectKind::Tickets, "closed", id, None);
    }
    if t["subject"] != before["subject"] {
        data.event(
            ObjectKind::Tickets,
            "subject-updated",
            id,
            Some(json!({ "new_subject": t["subject"] })),
        );
    }
    if t["assignee_user"]["id"] != before["assignee_user"]["id"] && !t["assignee_user"].is_null() {
        data.event(
            ObjectKind::Tickets,
            "assigned",
            id,
            Some(json!({ "assignee_user_id": t["assignee_user"]["id"] })),
        );
    }
    tag_events(&mut data, id, changes);
    ok(&detail(&data, id, Form::Update)?)
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

fn delete(c: &Call) -> ApiResult {
    delete_in(&mut c.ctx.account.write(), c.first_id()?)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn get_tags(c: &Call) -> ApiResult {
    let data = c.ctx.account.read();
    let t = stored(&data, ObjectKind::Tickets, c.first_id()?)?;
    let full: Vec<Value> = tag_ids(&t["tags"])
        .into_iter()
        .filter_map(|id| data.col(ObjectKind::Tags).get_value(id))
        .map(|t| tags::alphabetical(&t))
        .collect();
    ok(&json!({ "data": full }))
}

#[derive(Clone, Copy)]
enum TagOp {
    Add,
    Replace,
    Remove,
}

fn change_tags(c: &Call, op: TagOp) -> ApiResult {
    let id = c.first_id()?;
    let msg = "Failed to update ticket tags";
    let f = validate(
        &c.body,
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
    let mut data = c.ctx.account.write();
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
    let changes = set_tags(&mut data, &mut t, new);
    let now = data.now();
    touch(&mut t, now);
    save_updated(&mut data, ObjectKind::Tickets, &t)?;
    tag_events(&mut data, id, changes);
    Ok(match op {
        TagOp::Add | TagOp::Replace => empty(StatusCode::OK),
        TagOp::Remove => empty(StatusCode::NO_CONTENT),
    })
}

fn add_tags(c: &Call) -> ApiResult {
    change_tags(c, TagOp::Add)
}
fn set_tags_route(c: &Call) -> ApiResult {
    change_tags(c, TagOp::Replace)
}
fn remove_tags(c: &Call) -> ApiResult {
    change_tags(c, TagOp::Remove)
}

/// `(channel, via)` pairs tickets are created with.
const CHANNELS: &[(&str, &str)] = &[
    ("email", "email"),
    ("email", "email"),
    ("email", "helpdesk"),
    ("chat", "gorgias_chat"),
    ("contact_form", "form"),
    ("facebook-messenger", "facebook"),
    ("sms", "sms"),
    ("phone", "phone"),
    ("phone", "api"),
    ("api", "api"),
    ("instagram-direct-message", "instagram"),
];

const SUBJECTS: &[&str] = &[
    "Where is my order?",
    "Refund request for order #{n}",
    "Wrong size received",
    "Damaged item in my package",
    "Question about shipping to Canada",
    "Can I change my delivery address?",
    "Discount code not working",
    "Cancel my subscription",
    "Exchange for a different color",
    "Product question: is it waterproof?",
    "Order #{n} arrived late",
    "Invoice needed for order #{n}",
    "Missing item in my order",
    "Feedback about your support",
    "Wholesale inquiry",
];

const CUSTOMER_BODIES: &[&str] = &[
    "Hi, I ordered last week and still have not received anything. Can you check order #{n}?",
    "Hello, the item arrived damaged. I attached a photo. What are my options?",
    "I would like to return my order #{n} and get a refund please.",
    "Is it possible to change the shipping address? I moved recently.",
    "The discount code WELCOME10 does not work at checkout.",
    "Thanks a lot for the quick answer, that solves it!",
    "Bonjour, je n'ai pas reçu ma commande #{n}. Pouvez-vous vérifier ?",
    "Could you tell me when the blue version will be back in stock?",
    "I was charged twice for the same order, please help.",
    "Can I get an invoice with my company name on it?",
];

const AGENT_BODIES: &[&str] = &[
    "Hi {name}, thanks for reaching out! I checked order #{n}: it is on its way and should arrive within 2 business days.",
    "Hello {name}, I'm sorry to hear that. I have issued a full refund, you will see it in 5-7 days.",
    "Hi {name}, I updated the shipping address for you. Anything else I can help with?",
    "Hey {name}, the code is now fixed, please try again and let me know.",
    "Hi {name}, here is your invoice. Have a great day!",
    "Hello {name}, a replacement has been sent today, tracking number to follow.",
];

const NOTES: &[&str] = &[
    "Checked with the warehouse: parcel #{n} left on Monday.",
    "Customer already refunded once, double-check before approving.",
    "Escalated to billing.",
    "VIP customer, handle with care.",
];

fn fill(template: &str, order: i64, name: &str) -> String {
    template
        .replace("{n}", &order.to_string())
        .replace("{name}", name)
}

/// Everything a seeded ticket (and its messages) is rendered from.
#[derive(Debug)]
struct Plan {
    id: i64,
    created: Micros,
    updated: Micros,
    channel: (&'static str, &'static str),
    customer: Value,
    assignee: Value,
    agent: Value,
    team: Value,
    tags: Value,
    msgs: Vec<Planned>,
    opened: Option<Micros>,
    closed: Option<Micros>,
    snooze: Option<Micros>,
    trashed: Option<Micros>,
    spam: bool,
    subject: String,
    priority: &'static str,
    language: Option<&'static str>,
    external_id: Option<String>,
    email: Option<(i64, String, String)>,
    custom_fields: Value,
    unread: bool,
}

impl Plan {
    fn item_json(&self) -> String {
        let iso = |t: Micros| time::iso(t);
        let last = self.msgs.last().map(|m| m.at);
        let last_received = self
            .msgs
            .iter()
            .rev()
            .find(|m| m.author == Author::Customer)
            .map(|m| m.at);
        let excerpt: Option<String> = self
            .msgs
            .iter()
            .find(|m| m.author != Author::Note)
            .map(|m| m.body.chars().take(200).collect());
        let integrations = match &self.email {
            Some((_, name, address)) => {
                json!([{ "name": name, "address": address, "type": "email" }])
            }
            None => json!([]),
        };
        let item = ListItem {
            id: self.id,
            uri: format!("/api/tickets/{}/", self.id),
            external_id: self.external_id.as_deref(),
            language: self.language,
            status: if self.closed.is_some() {
                "closed"
            } else {
                "open"
            },
            priority: self.priority,
            channel: self.channel.0,
            via: self.channel.1,
            from_agent: self
                .msgs
                .first()
                .is_some_and(|m| m.author != Author::Customer),
            customer: &self.customer,
            assignee_user: &self.assignee,
            assignee_team: &self.team,
            subject: Some(&self.subject),
            summary: None,
            excerpt: excerpt.as_deref(),
            integrations: &integrations,
            meta: &Value::Null,
            tags: &self.tags,
            messages_count: self.msgs.len(),
            is_unread: self.unread,
            spam: self.spam,
            created_datetime: iso(self.created),
            opened_datetime: self.opened.map(iso),
            last_received_message_datetime: last_received.map(iso),
            last_message_datetime: last.map(iso),
            last_sent_message_not_delivered: false,
            updated_datetime: iso(self.updated),
            closed_datetime: self.closed.map(iso),
            snooze_datetime: self.snooze.map(iso),
            trashed_datetime: self.trashed.map(iso),
            custom_fields: &self.custom_fields,
        };
        json_string(&item)
    }
}

/// What seeded tickets pick from.
struct Pools {
    customers: Vec<(Micros, Value)>,
    agents: Vec<Value>,
    teams: Vec<Value>,
    tags: Vec<Value>,
    email: Option<(i64, String, String)>,
    contact_reason: Option<(i64, Vec<String>)>,
}

fn pools(data: &AccountData) -> Pools {
    let ccol = data.col(ObjectKind::Customers);
    let cf = ccol.field("created_datetime");
    let customers = ccol
        .iter()
        .map(|r| {
            let at = cf.and_then(|i| r.fields[i].as_int()).unwrap_or(0);
            (at, person(&r.value()))
        })
        .collect();
    let agents = data
        .col(ObjectKind::Users)
        .iter()
        .map(|r| r.value())
        .filter(|u| u["role"]["name"] != "bot")
        .map(|u| assignee(&u))
        .collect();
    let teams = data
        .col(ObjectKind::Teams)
        .iter()
        .map(|r| {
            let t = r.value();
            json!({ "id": t["id"], "name": t["name"], "decoration": t["decoration"] })
        })
        .collect();
    let tags = data
        .col(ObjectKind::Tags)
        .iter()
        .map(|r| tags::summary(&r.value()))
        .collect();
    let email = super::integrations::first_of(data, "email");
    let contact_reason = data
        .col(ObjectKind::CustomFields)
        .iter()
        .map(|r| r.value())
        .find(|f| f["managed_type"] == "contact_reason")
        .map(|f| {
            let choices = f["definition"]["input_settings"]["choices"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|c| c.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (f["id"].as_i64().unwrap_or(0), choices)
        });
    Pools {
        customers,
        agents,
        teams,
        tags,
        email,
        contact_reason,
    }
}

#[allow(clippy::too_many_arguments)]
fn plan(
    g: &mut Gen,
    p: &Pools,
    id: i64,
    created: Micros,
    limit: Micros,
    n_msgs: usize,
    customer: Value,
    fresh: bool,
) -> Plan {
    let channel = if fresh {
        ("email", "email")
    } else {
        *g.pick(CHANNELS)
    };
    let room = (limit - created).max(1);
    let step = (room / (n_msgs as i64 + 2)).clamp(1, 6 * 3600 * 1_000_000);
    let outbound = !fresh && g.chance(0.05);
    let order = 1000 + g.rng_range(0, 90_000);
    let first = customer["firstname"].as_str().unwrap_or("").to_owned();
    let mut at = created;
    let mut msgs = Vec::with_capacity(n_msgs.max(1) + 1);
    for i in 0..n_msgs.max(1) {
        let from_agent = if i == 0 {
            outbound
        } else {
            (i % 2 == 1) != outbound
        };
        let body = if from_agent {
            fill(g.pick::<&str>(AGENT_BODIES), order, &first)
        } else {
            fill(g.pick::<&str>(CUSTOMER_BODIES), order, &first)
        };
        msgs.push(Planned {
            at,
            author: if from_agent {
                Author::Agent
            } else {
                Author::Customer
            },
            body,
        });
        at += g.between(step / 4, step).max(1);
        if i == 0 && !fresh && g.chance(0.15) {
            msgs.push(Planned {
                at,
                author: Author::Note,
                body: fill(g.pick::<&str>(NOTES), order, &first),
            });
            at += g.between(step / 8, step / 2).max(1);
        }
    }
    let last = msgs.last().map_or(created, |m| m.at);
    let closed = (!fresh && g.chance(0.7))
        .then(|| last + g.between(1, step.max(2)).min(limit - last).max(0));
    let snooze = (!fresh && closed.is_none() && g.chance(0.2))
        .then(|| last + g.between(3600 * 1_000_000, 3 * 86_400 * 1_000_000));
    let trashed = (!fresh && g.chance(0.03)).then(|| (closed.unwrap_or(last) + 1).min(limit));
    let updated = [Some(last), closed, trashed]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(created);
    let updated = (updated + g.between(0, 60_000_000)).min(limit.max(updated));
    let assignee = if !fresh && !p.agents.is_empty() && g.chance(0.8) {
        g.pick(&p.agents).clone()
    } else {
        Value::Null
    };
    let agent = if !assignee.is_null() {
        person(&assignee)
    } else if p.agents.is_empty() {
        Value::Null
    } else {
        person(g.pick(&p.agents))
    };
    let team = if !fresh && !p.teams.is_empty() && g.chance(0.4) {
        g.pick(&p.teams).clone()
    } else {
        Value::Null
    };
    let mut chosen: Vec<Value> = Vec::new();
    if !fresh && !p.tags.is_empty() {
        for _ in 0..g.index(4) {
            let t = g.pick(&p.tags).clone();
            if !chosen.iter().any(|c| c["id"] == t["id"]) {
                chosen.push(t);
            }
        }
    }
    let opened = msgs
        .iter()
        .find(|m| m.author == Author::Agent)
        .map(|m| m.at);
    let custom_fields = match &p.contact_reason {
        Some((fid, choices)) if !fresh && !choices.is_empty() && g.chance(0.3) => {
            json!({ fid.to_string(): { "id": fid, "value": g.pick(choices) } })
        }
        _ => json!({}),
    };
    Plan {
        id,
        created,
        updated,
        channel,
        customer,
        assignee,
        agent,
        team,
        tags: Value::Array(chosen),
        msgs,
        opened,
        closed,
        snooze,
        trashed,
        spam: !fresh && g.chance(0.02),
        subject: fill(g.pick::<&str>(SUBJECTS), order, ""),
        priority: if fresh || g.chance(0.75) {
            "normal"
        } else {
            g.pick::<&str>(PRIORITIES)
        },
        language: g.chance(0.85).then(|| *g.pick(text::LANGUAGES)),
        external_id: (!fresh && g.chance(0.05)).then(|| format!("ext-{}", id % 100_000)),
        email: if channel.0 == "email" {
            p.email.clone()
        } else {
            None
        },
        custom_fields,
        unread: closed.is_none() && g.chance(0.3),
    }
}

impl Plan {
    fn thread(&self, mailbox: &Value) -> Thread {
        let agent = if self.agent.is_null() {
            mailbox.clone()
        } else {
            self.agent.clone()
        };
        Thread {
            ticket_id: self.id,
            channel: self.channel.0,
            via: self.channel.1,
            subject: self.subject.clone(),
            customer: self.customer.clone(),
            agent,
            mailbox: mailbox.clone(),
            email: self.email.clone(),
            msgs: self.msgs.clone(),
        }
    }
}

/// Seeds tickets (planned in order, serialised on every core) and their messages, and counts tag
/// usage.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(8);
    let p = pools(&s.data);
    let mailbox = s
        .data
        .col(ObjectKind::Users)
        .iter()
        .map(|r| r.value())
        .find(|u| u["role"]["name"] == "bot")
        .map_or(Value::Null, |u| person(&u));
    let n = s.sizes.tickets;
    let ids = g.ids(n, 82_600_000);
    let first = p.customers.first().map_or(s.start, |c| c.0);
    let times = g.sorted_times(n, first, s.end - 3 * time::DAY);
    let (lo, hi) = (
        s.sizes.messages_per_ticket_min.max(1),
        s.sizes.messages_per_ticket_max.max(1),
    );
    let mut plans = Vec::with_capacity(n);
    for (&id, &t) in ids.iter().zip(&times) {
        let known = p
            .customers
            .partition_point(|c| c.0 <= t)
            .max(1)
            .min(p.customers.len());
        let customer = if p.customers.is_empty() {
            Person::unknown(0).summary()
        } else {
            p.customers[g.index(known)].1.clone()
        };
        let n_msgs = g.rng_range(lo.min(hi) as i64, hi.max(lo) as i64 + 1) as usize;
        plans.push(plan(
            &mut g,
            &p,
            id,
            t,
            (t + 2 * time::DAY).min(s.end - time::SECOND),
            n_msgs,
            customer,
            false,
        ));
    }
    let mut usage: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for pl in &plans {
        for id in tag_ids(&pl.tags) {
            *usage.entry(id).or_default() += 1;
        }
    }
    let jsons = crate::par::chunks(plans.len(), seed::CHUNK, |_, r| {
        r.map(|i| plans[i].item_json()).collect()
    });
    s.data.put_batch(ObjectKind::Tickets, jsons);
    for (id, u) in usage {
        if let Some(mut v) = s.data.col(ObjectKind::Tags).get_value(id) {
            v["usage"] = json!(u);
            s.data.put(ObjectKind::Tags, &v);
        }
    }
    let threads: Vec<Thread> = plans.iter().map(|pl| pl.thread(&mailbox)).collect();
    drop(plans);
    messages::seed_threads(s, &threads);
}

/// A new open ticket with one customer email, created now.
fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = seed::gen_now(data, now);
    let p = pools(data);
    let customer = if p.customers.is_empty() {
        Person::unknown(0).summary()
    } else {
        p.customers[g.index(p.customers.len())].1.clone()
    };
    let id = data.next_id(ObjectKind::Tickets);
    let mut pl = plan(&mut g, &p, id, now, now, 1, customer, true);
    pl.updated = now;
    let body = pl.msgs[0].body.clone();
    let mut v: Value = serde_json::from_str(&pl.item_json()).unwrap_or(Value::Null);
    for (k, val) in [
        ("messages_count", json!(0)),
        ("excerpt", Value::Null),
        ("last_message_datetime", Value::Null),
        ("last_received_message_datetime", Value::Null),
        ("opened_datetime", Value::Null),
    ] {
        v[k] = val;
    }
    insert_new(data, ObjectKind::Tickets, &v)?;
    let f = json!({
        "channel": v["channel"], "via": v["via"], "from_agent": false,
        "sender": { "id": v["customer"]["id"] }, "body_text": body,
    });
    let f: Map<String, Value> = f.as_object().cloned().unwrap_or_default();
    messages::attach(data, id, f, "insert")?;
    Ok(id)
}
