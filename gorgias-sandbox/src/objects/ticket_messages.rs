//! Ticket messages: `GET /api/messages` and `/api/tickets/{ticket_id}/messages`.
//!
//! * Record keys as recorded (Nango tests ticket-messages, update-ticket-message): `id, uri,
//!   message_id, ticket_id, external_id, public, channel, via, source, sender,
//!   auth_customer_identity, integration_id, intents, rule_id, from_agent, receiver, subject,
//!   body_text, body_html, stripped_text, stripped_html, stripped_signature, headers, attachments,
//!   actions, macros, meta, created_datetime, processed_datetime, sent_datetime, failed_datetime,
//!   deleted_datetime, opened_datetime, last_sending_error, is_retriable, imported`. `uri` is
//!   `/api/tickets/{t}/messages/{id}/`. `attachments` is `null` (not `[]`) when there are none,
//!   `macros` is `[]`; `source` is `{type, to, from}` for email and just `{type}` otherwise;
//!   `headers` `{To, From}` for email, else null. **Internal notes** have `public: false`, `source:
//!   {"type": "internal-note"}`, the ticket's channel, `from_agent: true`, `receiver: null` and
//!   `sent_datetime: null` (all recorded: Nango test ticket-messages); seeded tickets contain them.
//! * `GET /api/messages`: cursor pages, default `created_datetime:desc`, envelope `{data, object,
//!   uri, meta}` without `total_resources` (recorded: Nango test ticket-messages); `ticket_id`
//!   filter (API reference "List Messages" via withone.ai).
//! * `GET /api/tickets/{id}/messages` (deprecated) is still **offset**-paginated: `page`,
//!   `per_page` (default 30), oldest first, `meta {page, per_page, current_page, item_count,
//!   nb_pages}` (recorded: Nango test list-ticket-messages; the multi-page form is UNCONFIRMED).
//! * `POST /api/tickets/{id}/messages` answers 200 with the message; a sender given only by `email`
//!   resolves to the existing customer (recorded: Nango test create-ticket-message); `via` may be
//!   omitted (defaults to `api`, UNCONFIRMED for messages); `channel: "internal-note"` makes an
//!   internal note. `PUT .../{id}` without `via` answers **200 with the full message** (recorded:
//!   Nango test update-ticket-message); `DELETE .../{id}` answers **204** (recorded: Nango test
//!   delete-ticket-message). Creating or deleting a message updates the ticket's `messages_count`,
//!   `last_message_datetime`, `excerpt` and `updated_datetime`; a customer message reopens a closed
//!   ticket (sandbox choice).

use crate::error::ApiError;
use crate::http::{
    ApiResult, Call, Field, Ty, empty, json, merge, now_value, ok, opt, req, touch, validate,
};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, insert_new, stored};
use crate::seed::{self, Gen, Seeder, json_string, person};
use crate::server::json_text;
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("ticket_id", Int),
        f("from_agent", Bool),
        f("channel", Str),
        f("public", Bool),
        f("sender.id", Int),
        f("created_datetime", Time),
        f("sent_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &["ticket_id"],
    list_omit: &[],
};

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
    envelope: Envelope::DATA_FIRST,
};

/// Fields of a new message (also each item of a new ticket's `messages`).
pub const FIELDS: &[Field] = &[
    req("channel", Ty::Str),
    opt("via", Ty::Str),
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

const UPDATE: &[Field] = &[
    opt("channel", Ty::Str),
    opt("via", Ty::Str),
    opt("from_agent", Ty::Bool),
    opt("source", Ty::Object),
    opt("sender", Ty::Object),
    opt("receiver", Ty::Object),
    opt("subject", Ty::Str),
    opt("body_text", Ty::Str),
    opt("body_html", Ty::Str),
    opt("public", Ty::Bool),
    opt("external_id", Ty::Str),
    opt("attachments", Ty::Array),
    opt("meta", Ty::Object),
    opt("headers", Ty::Object),
];

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    routes: &[
        object::get("/api/tickets/{id}/messages", list_ticket),
        object::post("/api/tickets/{id}/messages", create),
        object::get("/api/tickets/{id}/messages/{message_id}", retrieve),
        object::put("/api/tickets/{id}/messages/{message_id}", update),
        object::delete("/api/tickets/{id}/messages/{message_id}", delete),
    ],
    generate: Some(generate),
    remove: Some(remove),
    ..ObjectDef::new(ObjectKind::Messages, "/api/messages", &STORE)
};

/// A message as stored and served, every recorded key in the recorded order.
#[derive(Debug, Serialize)]
pub struct Out<'a> {
    /// Id.
    pub id: i64,
    /// `/api/tickets/{t}/messages/{id}/`.
    pub uri: String,
    /// Provider message id.
    pub message_id: Option<String>,
    /// The ticket.
    pub ticket_id: i64,
    /// External id.
    pub external_id: Option<&'a str>,
    /// False for internal notes.
    pub public: bool,
    /// Channel.
    pub channel: &'a str,
    /// Via.
    pub via: &'a str,
    /// `{type, to, from}` or `{type}`.
    pub source: &'a Value,
    /// Person summary.
    pub sender: &'a Value,
    /// Always null.
    pub auth_customer_identity: Option<()>,
    /// Integration.
    pub integration_id: Option<i64>,
    /// Detected intents.
    pub intents: &'a Value,
    /// Rule that sent it.
    pub rule_id: Option<i64>,
    /// Sent by an agent.
    pub from_agent: bool,
    /// Person summary or null.
    pub receiver: &'a Value,
    /// Subject.
    pub subject: Option<&'a str>,
    /// Text body.
    pub body_text: Option<&'a str>,
    /// HTML body.
    pub body_html: Option<&'a str>,
    /// Null here.
    pub stripped_text: Option<&'a str>,
    /// Null here.
    pub stripped_html: Option<&'a str>,
    /// Null here.
    pub stripped_signature: Option<&'a str>,
    /// `{To, From}` or null.
    pub headers: &'a Value,
    /// Attachments or null.
    pub attachments: &'a Value,
    /// Null here.
    pub actions: Option<()>,
    /// `[]`.
    pub macros: &'a Value,
    /// Null here.
    pub meta: Option<()>,
    /// Created.
    pub created_datetime: String,
    /// Processed (a few ms after creation).
    pub processed_datetime: String,
    /// Sent (null for internal notes).
    pub sent_datetime: Option<String>,
    /// Null here.
    pub failed_datetime: Option<()>,
    /// Null here.
    pub deleted_datetime: Option<()>,
    /// Null here.
    pub opened_datetime: Option<()>,
    /// Null here.
    pub last_sending_error: Option<()>,
    /// True on every recorded message.
    pub is_retriable: bool,
    /// False for API-created messages, null for received email.
    pub imported: Option<bool>,
}

/// `{name, address}`.
fn addr(name: &Value, address: &str) -> Value {
    json!({ "name": name, "address": address })
}

/// The `source` of a message.
pub fn source(channel: &str, from: Value, to: Value) -> Value {
    if channel == "email" {
        json!({ "type": "email", "to": [to], "from": from })
    } else {
        json!({ "type": channel })
    }
}

/// Who writes a seeded message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The customer.
    Customer,
    /// An agent, to the customer.
    Agent,
    /// An agent, internal note.
    Note,
}

/// One seeded message.
#[derive(Debug, Clone)]
pub struct Planned {
    /// Creation instant.
    pub at: Micros,
    /// Who.
    pub author: Author,
    /// Text body.
    pub body: String,
}

/// A seeded ticket's conversation: what its messages are rendered from.
#[derive(Debug, Clone)]
pub struct Thread {
    /// The ticket.
    pub ticket_id: i64,
    /// The ticket's channel.
    pub channel: &'static str,
    /// The ticket's via.
    pub via: &'static str,
    /// Subject (email messages carry it).
    pub subject: String,
    /// The customer summary.
    pub customer: Value,
    /// The agent summary.
    pub agent: Value,
    /// The support mailbox user (the Gorgias Bot) summary, receiver of customer email.
    pub mailbox: Value,
    /// The email integration `(id, name, address)` of email tickets.
    pub email: Option<(i64, String, String)>,
    /// Messages, oldest first.
    pub msgs: Vec<Planned>,
}

/// The text and HTML of a body.
fn html(text: &str) -> String {
    format!(
        "<div>{}</div>",
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('\n', "<br>")
    )
}

impl Thread {
    fn render(&self, g: &mut Gen, id: i64, m: &Planned) -> String {
        let tid = self.ticket_id;
        let email = self.email.as_ref().filter(|_| self.channel == "email");
        let note = m.author == Author::Note;
        let from_agent = m.author != Author::Customer;
        let customer_addr = self.customer["email"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let (support_name, support_addr) = email
            .map(|e| (json!(e.1), e.2.clone()))
            .unwrap_or((Value::Null, String::new()));
        let to_support = addr(&support_name, &support_addr);
        let to_customer = addr(&self.customer["name"], &customer_addr);
        let src = if note {
            json!({ "type": "internal-note" })
        } else if from_agent {
            source(self.channel, to_support.clone(), to_customer.clone())
        } else {
            source(self.channel, to_customer.clone(), to_support.clone())
        };
        let (sender, receiver) = match m.author {
            Author::Customer if email.is_some() => (&self.customer, &self.mailbox),
            Author::Customer => (&self.customer, &Value::Null),
            Author::Agent => (&self.agent, &self.customer),
            Author::Note => (&self.agent, &Value::Null),
        };
        let headers = match (email, note) {
            (Some(_), false) if from_agent => json!({ "To": customer_addr, "From": support_addr }),
            (Some(_), false) => json!({ "To": support_addr, "From": customer_addr }),
            _ => Value::Null,
        };
        let intents = if m.author == Author::Customer && g.chance(0.5) {
            json!([{ "name": g.pick(seed::text::INTENTS), "rejected": null, "is_user_feedback": false }])
        } else {
            json!([])
        };
        let attachments = if g.chance(0.04) {
            json!([{ "url": format!("https://uploads.gorgias.io/{id}/photo.jpg"), "name": "photo.jpg", "size": 123_456, "content_type": "image/jpeg", "public": true, "extra": {} }])
        } else {
            Value::Null
        };
        let body_html = (!note && (email.is_some() || g.chance(0.3))).then(|| html(&m.body));
        let processed = m.at + g.between(1_000, 90_000);
        let out = Out {
            id,
            uri: format!("/api/tickets/{tid}/messages/{id}/"),
            message_id: email
                .filter(|_| !note)
                .map(|_| format!("<{id}.{tid}@mail.gorgias.com>")),
            ticket_id: tid,
            external_id: None,
            public: !note,
            channel: self.channel,
            via: if from_agent { "helpdesk" } else { self.via },
            source: &src,
            sender,
            auth_customer_identity: None,
            integration_id: email.filter(|_| !note).map(|e| e.0),
            intents: &intents,
            rule_id: None,
            from_agent,
            receiver,
            subject: email.filter(|_| !note).map(|_| self.subject.as_str()),
            body_text: Some(&m.body),
            body_html: body_html.as_deref(),
            stripped_text: None,
            stripped_html: None,
            stripped_signature: None,
            headers: &headers,
            attachments: &attachments,
            actions: None,
            macros: &Value::Array(Vec::new()),
            meta: None,
            created_datetime: time::iso(m.at),
            processed_datetime: time::iso(processed),
            sent_datetime: (!note).then(|| time::iso(m.at)),
            failed_datetime: None,
            deleted_datetime: None,
            opened_datetime: None,
            last_sending_error: None,
            is_retriable: true,
            imported: if self.via == "email" && m.author == Author::Customer {
                None
            } else {
                Some(false)
            },
        };
        json_string(&out)
    }
}

/// Seeds the messages of every thread; ids follow creation time across tickets.
pub fn seed_threads(s: &mut Seeder, threads: &[Thread]) {
    let mut g = s.gen_for(9);
    let mut order: Vec<(Micros, u32, u32)> = threads
        .iter()
        .enumerate()
        .flat_map(|(ti, t)| {
            t.msgs
                .iter()
                .enumerate()
                .map(move |(mi, m)| (m.at, ti as u32, mi as u32))
        })
        .collect();
    order.sort_unstable();
    let ids = g.ids(order.len(), 218_600_000);
    let (seed, end) = (s.seed, s.end);
    let jsons = crate::par::chunks(order.len(), seed::CHUNK, |c, r| {
        let mut g = Gen::new(seed, 3_000_000 + c as u64, end);
        r.map(|i| {
            let (_, ti, mi) = order[i];
            let t = &threads[ti as usize];
            t.render(&mut g, ids[i], &t.msgs[mi as usize])
        })
        .collect()
    });
    drop(order);
    s.data.put_batch(ObjectKind::Messages, jsons);
}

/// The messages of a ticket, oldest first.
pub fn of_ticket_sorted(data: &AccountData, ticket_id: i64) -> Vec<&crate::store::Record> {
    let col = data.col(ObjectKind::Messages);
    let mut msgs: Vec<&crate::store::Record> = col
        .field("ticket_id")
        .and_then(|fi| col.group(fi, ticket_id))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|mid| col.get(mid))
        .collect();
    msgs.sort_by(|a, b| (a.key(0), a.id).cmp(&(b.key(0), b.id)));
    msgs
}

fn excerpt(body: &Value) -> Value {
    let e: String = body.as_str().unwrap_or("").chars().take(200).collect();
    json!(e)
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
        person(&super::users::lookup(data, &sender_ref, "sender", msg)?)
    } else {
        person(&super::customers::resolve(
            data,
            &sender_ref,
            "sender",
            msg,
        )?)
    };
    let receiver = match f.remove("receiver") {
        Some(r) if !r.is_null() && from_agent => {
            person(&super::customers::resolve(data, &r, "receiver", msg)?)
        }
        Some(r) if !r.is_null() => person(&super::users::lookup(data, &r, "receiver", msg)?),
        _ if from_agent => t["customer"].clone(),
        _ => Value::Null,
    };
    let requested = f
        .remove("channel")
        .and_then(|c| c.as_str().map(str::to_owned))
        .unwrap_or_else(|| "api".into());
    let note = requested == "internal-note" || f.get("public") == Some(&Value::Bool(false));
    let channel = if requested == "internal-note" {
        t["channel"].as_str().unwrap_or("api").to_owned()
    } else {
        requested
    };
    let via = f
        .remove("via")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "api".into());
    let id = data.next_id(ObjectKind::Messages);
    let now = data.now();
    let src = match f.remove("source") {
        Some(s) if s.is_object() => s,
        _ if note => json!({ "type": "internal-note" }),
        _ => source(
            &channel,
            addr(
                &sender["name"],
                sender["email"].as_str().unwrap_or_default(),
            ),
            addr(
                &receiver["name"],
                receiver["email"].as_str().unwrap_or_default(),
            ),
        ),
    };
    let body_text = f.remove("body_text").unwrap_or(Value::Null);
    let sent = match f.remove("sent_datetime") {
        Some(Value::String(s)) => Some(s),
        _ if note => None,
        _ => Some(time::iso(now)),
    };
    let out = Out {
        id,
        uri: format!("/api/tickets/{ticket_id}/messages/{id}/"),
        message_id: None,
        ticket_id,
        external_id: None,
        public: !note,
        channel: &channel,
        via: &via,
        source: &src,
        sender: &sender,
        auth_customer_identity: None,
        integration_id: None,
        intents: &json!([]),
        rule_id: None,
        from_agent,
        receiver: &receiver,
        subject: None,
        body_text: body_text.as_str(),
        body_html: None,
        stripped_text: None,
        stripped_html: None,
        stripped_signature: None,
        headers: &Value::Null,
        attachments: &Value::Null,
        actions: None,
        macros: &json!([]),
        meta: None,
        created_datetime: time::iso(now),
        processed_datetime: time::iso(now + 7_000),
        sent_datetime: sent,
        failed_datetime: None,
        deleted_datetime: None,
        opened_datetime: None,
        last_sending_error: None,
        is_retriable: true,
        imported: Some(false),
    };
    let mut m = serde_json::to_value(&out).map_err(|e| ApiError::internal(e.to_string()))?;
    f.remove("public");
    merge(&mut m, f);
    insert_new(data, ObjectKind::Messages, &m)?;
    t["messages_count"] = json!(t["messages_count"].as_i64().unwrap_or(0) + 1);
    t["last_message_datetime"] = now_value(now);
    if from_agent {
        if t["opened_datetime"].is_null() && !note {
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
        t["excerpt"] = excerpt(&m["body_text"]);
    }
    touch(&mut t, now);
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

fn int_param(c: &Call, name: &str, default: i64, max: i64) -> Result<i64, ApiError> {
    match c.param(name) {
        None => Ok(default),
        Some(v) => match v.trim().parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::bad_param(
                name,
                &format!("Must be greater than or equal to 1 and less than or equal to {max}."),
            )),
        },
    }
}

fn list_ticket(c: &Call) -> ApiResult {
    let tid = c.first_id()?;
    for (k, _) in &c.params {
        if k != "page" && k != "per_page" {
            return Err(ApiError::bad_param(k, "Unknown field."));
        }
    }
    let page = int_param(c, "page", 1, i64::MAX)?;
    let per_page = int_param(c, "per_page", 30, 100)?;
    let data = c.ctx.account.read();
    stored(&data, ObjectKind::Tickets, tid)?;
    let all = of_ticket_sorted(&data, tid);
    let count = all.len() as i64;
    let nb_pages = ((count + per_page - 1) / per_page).max(1);
    let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let items: Vec<&str> = all
        .iter()
        .skip(start)
        .take(per_page as usize)
        .map(|r| &*r.json)
        .collect();
    let mut body = crate::list::data_only(items.into_iter());
    body.pop();
    let uri = crate::http::echo_uri(&c.path, &c.params);
    let meta = json!({
        "page": page,
        "per_page": per_page,
        "current_page": format!("/api/tickets/{tid}/messages/?page={page}"),
        "item_count": count,
        "nb_pages": nb_pages,
    });
    body.push_str(&format!(
        r#","object":"list","uri":{},"meta":{meta}}}"#,
        Value::String(uri)
    ));
    Ok(json_text(StatusCode::OK, body))
}

fn create(c: &Call) -> ApiResult {
    let tid = c.first_id()?;
    let msg = "Failed to create message";
    let f = validate(&c.body, FIELDS, false, msg)?;
    let m = attach(&mut c.ctx.account.write(), tid, f, msg)?;
    ok(&created_form(&m))
}

/// Key order of a create answer, which differs from `GET`'s (recorded: Nango test
/// create-ticket-message).
const CREATED_KEYS: &[&str] = &[
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
    "headers",
    "imported",
    "meta",
    "created_datetime",
    "processed_datetime",
    "deleted_datetime",
    "sent_datetime",
    "failed_datetime",
    "opened_datetime",
    "last_sending_error",
    "is_retriable",
];

/// A message as `POST /api/tickets/{id}/messages` answers it (same keys, create order).
fn created_form(m: &Value) -> Value {
    let mut out = Map::new();
    for k in CREATED_KEYS {
        if let Some(v) = m.get(*k) {
            out.insert((*k).to_owned(), v.clone());
        }
    }
    if let Some(obj) = m.as_object() {
        for (k, v) in obj {
            if !out.contains_key(k) {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn retrieve(c: &Call) -> ApiResult {
    let data = c.ctx.account.read();
    ok(&of_ticket(&data, c.first_id()?, c.id(1)?)?)
}

fn update(c: &Call) -> ApiResult {
    let (tid, id) = (c.first_id()?, c.id(1)?);
    let msg = "Failed to update message";
    let mut f = validate(&c.body, UPDATE, true, msg)?;
    let mut data = c.ctx.account.write();
    let mut m = of_ticket(&data, tid, id)?;
    let from_agent = f
        .get("from_agent")
        .and_then(Value::as_bool)
        .unwrap_or(m["from_agent"] == true);
    if let Some(s) = f
        .remove("sender")
        .filter(|s| s.get("id").is_some() && s["id"] != m["sender"]["id"])
    {
        m["sender"] = if from_agent {
            person(&super::users::lookup(&data, &s, "sender", msg)?)
        } else {
            person(&super::customers::resolve(&mut data, &s, "sender", msg)?)
        };
    }
    if let Some(r) = f
        .remove("receiver")
        .filter(|r| r.get("id").is_some() && r["id"] != m["receiver"]["id"])
    {
        m["receiver"] = if from_agent {
            person(&super::customers::resolve(&mut data, &r, "receiver", msg)?)
        } else {
            person(&super::users::lookup(&data, &r, "receiver", msg)?)
        };
    }
    merge(&mut m, f);
    data.put(ObjectKind::Messages, &m);
    data.event(ObjectKind::Messages, "updated", id, None);
    Ok(json(StatusCode::OK, &m))
}

/// Deletes a message and updates its ticket.
fn remove(data: &mut AccountData, id: i64) -> Result<(), ApiError> {
    let m = stored(data, ObjectKind::Messages, id)?;
    let tid = m["ticket_id"].as_i64().unwrap_or(0);
    data.remove(ObjectKind::Messages, id);
    data.event(ObjectKind::Messages, "deleted", id, None);
    let Ok(mut t) = stored(data, ObjectKind::Tickets, tid) else {
        return Ok(());
    };
    let rest = of_ticket_sorted(data, tid);
    let last = rest.last().map(|r| r.value());
    t["messages_count"] = json!(rest.len());
    t["last_message_datetime"] = last.map_or(Value::Null, |m| m["created_datetime"].clone());
    let now = data.now();
    touch(&mut t, now);
    data.put(ObjectKind::Tickets, &t);
    Ok(())
}

fn delete(c: &Call) -> ApiResult {
    let (tid, id) = (c.first_id()?, c.id(1)?);
    let mut data = c.ctx.account.write();
    of_ticket(&data, tid, id)?;
    remove(&mut data, id)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = seed::gen_now(data, now);
    let tickets = seed::sample_values(data, ObjectKind::Tickets, &mut g, 1);
    let Some(tid) = tickets.first().and_then(|t| t["id"].as_i64()) else {
        return Err(crate::SandboxError::Unsupported(
            "no ticket to add a message to".into(),
        ));
    };
    let owner = data.owner_user_id;
    let f = json!({
        "channel": tickets[0]["channel"], "via": "helpdesk", "from_agent": true,
        "sender": { "id": owner }, "body_text": "Thanks for your patience, this is now sorted.",
    });
    let f: Map<String, Value> = f.as_object().cloned().unwrap_or_default();
    let m = attach(data, tid, f, "insert")?;
    m["id"]
        .as_i64()
        .ok_or_else(|| crate::SandboxError::Unsupported("message without id".into()))
}
