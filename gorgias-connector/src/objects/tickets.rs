//! Tickets: the `tickets` stream and ticket actions (CRUD, ticket tags and custom field values).
//!
//! Sources: <https://developers.gorgias.com/reference/the-ticket-object>. The list orders by `updated_datetime` (asc|desc) but cannot filter by date, so
//! incremental reads are a newest-first feed that stops at the bookmark. `trashed` defaults to
//! true on the API: trashed tickets are included, as Gorgias lists them.
//!
//! Recorded (Nango tests, fixtures/gorgias): list items are lighter than a full read (no
//! messages, events, requester; but `excerpt`, `messages_count`,
//! `last_sent_message_not_delivered`); a full read embeds the customer with its channels and
//! data; `custom_fields` is present only when the ticket has values. `via` may be left out of a
//! create (Gorgias sets `api` on the ticket and its messages: create-ticket). The tag writes
//! answer 200 with an empty body (add-ticket-tags, set-ticket-tags), removing tags 204.
//!
//! Custom field values: `GET`/`PUT /api/tickets/{ticket_id}/custom-fields` (list, set several
//! with a bare array; both answer `{"data": [{field, prediction, value}]}`: recorded: Nango
//! tests list-ticket-custom-field-values, update-ticket-custom-field-values) and one value
//! `PUT`/`DELETE /api/tickets/{ticket_id}/custom-fields/{id}` (the delete answers 204: recorded,
//! Nango test delete-ticket-custom-field-value; the put's answer is UNCONFIRMED). The actions are
//! built by `objects::custom_fields`, which customers share; its docs hold the details.
//!
//! Composite read actions (one call for what takes an agent several, [`composites`]):
//!
//! * `get_ticket_with_messages`: `get_ticket` (`GET /api/tickets/{id}`; recorded: Nango test
//!   get-ticket, whose full read embeds the ticket's `messages`) and one page of
//!   `list_ticket_messages` (`GET /api/messages?ticket_id=`, the cursor-paginated list
//!   <https://developers.gorgias.com/reference/list-messages>; the per-ticket
//!   `/api/tickets/{id}/messages` is deprecated and still offset-paginated, recorded: Nango
//!   test list-ticket-messages). The embedded `messages` is left out of `ticket`: the page is
//!   where they are, bounded and pageable. 2 requests.
//! * `summarize_tickets`: `list_tickets` newest first by `created_datetime`
//!   (`order_by=created_datetime:desc` is documented and is the list's default order,
//!   <https://developers.gorgias.com/reference/list-tickets>; recorded: Nango test
//!   list-tickets), 100 per page, trashed tickets left out (`trashed=false`), counted by
//!   status and channel until the first ticket created before `since`: at most `max_pages`
//!   requests (20).

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Body, Obj, Reply};
use connector_http::client::Method;
use connector_http::composite::{Calls, CompositeDecl};
use connector_http::list::{Browse, IncrementalRead, MAX_PAGE_CURSOR_BYTES, StreamDecl};
use connector_sdk::cursor::{format_datetime, parse_datetime};
use connector_sdk::{Error, Result, ValidInput};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use crate::objects::custom_fields::{self, FieldOwner};
use crate::objects::whole;
use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write` (developers.gorgias.com/docs/oauth2-scopes: "tickets with their content, including messages, tags, assignees").
pub const SCOPE: &str = "tickets";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "ticket",
    plural: "tickets",
    words: "ticket",
    path: "/api/tickets",
    record,
};

/// The ticket's customer (and requester): a person, plus the customer fields a full ticket read
/// embeds (recorded: Nango tests get-ticket, tickets.2, create-ticket, update-ticket).
fn customer() -> Value {
    let mut fields = person_fields();
    fields.extend([
            ("external_id", string_n()),
            ("note", string_n()),
            (
                "channels",
                describe(
                    array(crate::objects::customers::channel()),
                    "The customer's contact channels (full reads only).",
                ),
            ),
            (
                "data",
                describe(
                    object_n(),
                    "The customer's custom data, or null; data apps write with set_customer_data lands in external_data instead. Declared an object (destinations store it as JSON); any other JSON value Gorgias sends passes through as sent.",
                ),
            ),
            ("customer", object_n()),
            (
                "integrations",
                describe(
                    object(),
                    "Raw data of each e-commerce integration, keyed by integration id.",
                ),
            ),
            (
                "external_data",
                describe(
                    object(),
                    "Data set by apps (set_customer_data), keyed by the app's id, each with an added `__app_name__`; on GET reads only.",
                ),
            ),
            (
                "ecommerce_data",
                describe(object(), "E-commerce data; on GET reads only."),
            ),
        ]);
    nested(&fields, true)
}

fn tag() -> Value {
    nested(
        &[("id", id()), ("name", string()), ("decoration", object_n())],
        false,
    )
}

/// A ticket as the list and detail endpoints return it.
pub fn record() -> Value {
    record_of(
        "Ticket",
        &[
            ("id", id()),
            ("uri", string()),
            ("external_id", string_n()),
            ("language", string_n()),
            ("status", describe(string(), "open or closed.")),
            ("priority", string_n()),
            ("channel", string()),
            ("via", string()),
            ("from_agent", boolean()),
            ("customer", customer()),
            ("assignee_user", person()),
            (
                "assignee_team",
                nested(
                    &[("id", id()), ("name", string()), ("decoration", object_n())],
                    true,
                ),
            ),
            ("subject", string_n()),
            ("excerpt", string_n()),
            ("integrations", array(object())),
            ("meta", object_n()),
            ("tags", array(tag())),
            ("messages_count", int_n()),
            ("is_unread", boolean_n()),
            ("spam", boolean_n()),
            ("created_datetime", datetime()),
            ("opened_datetime", datetime_n()),
            ("last_received_message_datetime", datetime_n()),
            ("last_message_datetime", datetime_n()),
            ("updated_datetime", datetime()),
            ("closed_datetime", datetime_n()),
            ("snooze_datetime", datetime_n()),
            ("trashed_datetime", datetime_n()),
            ("assignee_user_id", int_n()),
            ("assignee_team_id", int_n()),
            ("messages", array(object())),
            ("satisfaction_survey", object_n()),
            ("reply_options", object_n()),
            ("requester", customer()),
            (
                "custom_fields",
                describe(
                    object_n(),
                    "Custom field values keyed by field id, each `{id, value}`; absent when the ticket has none.",
                ),
            ),
            ("events", array_n(object())),
            (
                "imported",
                describe(
                    boolean_n(),
                    "Whether the ticket was imported; false on API-created tickets, null on Gorgias's sample ticket.",
                ),
            ),
            (
                "processed_datetime",
                describe(
                    datetime_n(),
                    "RFC 3339 datetime Gorgias processed the ticket (a value sent without an offset is UTC); full reads only.",
                ),
            ),
            (
                "summary",
                describe(
                    object_n(),
                    "Gorgias's summary of the ticket; recorded only as null, its shape undocumented (declared an object so destinations store it as JSON; any value passes through as sent).",
                ),
            ),
            (
                "last_sent_message_not_delivered",
                describe(
                    boolean_n(),
                    "Whether the last message sent failed to be delivered; list items only.",
                ),
            ),
        ],
        &["id", "updated_datetime"],
    )
}

/// The `tickets` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "tickets",
        "Every ticket (trashed ones included), with its customer, assignee and tags.",
        "/api/tickets",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("updated_datetime", "updated_datetime:asc", "updated_datetime:desc")
            .captures_updates(true)
            .note("Ordered by updated_datetime: every change to a ticket is picked up.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc", "updated_datetime:asc", "updated_datetime:desc"])
            .filter("customer_id", positive_id(), "Only this customer's tickets.")
            .filter("external_id", text(255), "Only the ticket with this id in another system.")
            .filter("view_id", positive_id(), "Only the tickets matching this view's filters.")
            .filter("rule_id", positive_id(), "Only the tickets matching this rule's filters.")
            .filter("ticket_ids", id_list(100), "Only these tickets (at most 100).")
            .filter("trashed", boolean(), "false: leave out trashed tickets (Gorgias includes them unless told)."))]
}

fn ticket_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "subject",
            field("Subject", json!({"type": "string", "maxLength": 998}), ""),
        ),
        (
            "status",
            field("Status", json!({"enum": ["open", "closed"]}), ""),
        ),
        (
            "priority",
            field(
                "Priority",
                json!({"enum": ["critical", "high", "normal", "low"]}),
                "",
            ),
        ),
        (
            "channel",
            field("Channel", text(64), "e.g. email, chat, api, phone."),
        ),
        (
            "via",
            field(
                "Via",
                text(64),
                "How the ticket arrived, e.g. api, email, helpdesk.",
            ),
        ),
        (
            "from_agent",
            field(
                "From agent",
                boolean(),
                "Whether the ticket was opened by an agent.",
            ),
        ),
        (
            "external_id",
            field(
                "External id",
                json!({"type": "string", "maxLength": 255}),
                "Your own id for the ticket.",
            ),
        ),
        (
            "language",
            field(
                "Language",
                json!({"type": "string", "pattern": "^[a-z]{2}$", "description": "ISO 639-1 code, e.g. en."}),
                "",
            ),
        ),
        (
            "customer",
            party(
                "Customer",
                "The customer the ticket is with (created when the email is new)",
                false,
            ),
        ),
        (
            "assignee_user",
            id_ref_n(
                "Assignee",
                "The user it is assigned to, or null to unassign.",
            ),
        ),
        (
            "assignee_team",
            id_ref_n("Team", "The team it is assigned to, or null to unassign."),
        ),
        (
            "tags",
            field(
                "Tags",
                json!({"type": "array", "items": tag_ref(), "maxItems": 100}),
                "Replaces every tag of the ticket.",
            ),
        ),
        (
            "meta",
            field("Meta", object(), "Free-form data kept on the ticket."),
        ),
        ("spam", field("Spam", boolean(), "")),
        ("snooze_datetime", field("Snooze until", input_datetime_n(), "")),
        (
            "trashed_datetime",
            field(
                "Trashed at",
                input_datetime_n(),
                "Set to trash the ticket, null to restore it.",
            ),
        ),
    ]
}

/// Tickets as owners of custom field values.
const FIELD_OWNER: FieldOwner = FieldOwner {
    singular: "ticket",
    words: "ticket",
    path: "/api/tickets",
    key: "ticket_id",
    prediction: true,
};

fn tag_refs_input(title: &str) -> Value {
    input(
        title,
        &[
            (
                "ticket_id",
                field("Ticket id", positive_id(), "The ticket whose tags change."),
            ),
            ("ids", field("Tag ids", id_list(100), "Tags by id.")),
            (
                "names",
                field(
                    "Tag names",
                    json!({"type": "array", "items": text(255), "minItems": 1, "maxItems": 100}),
                    "Tags by name (created when missing).",
                ),
            ),
        ],
        &["ticket_id"],
    )
}

/// Ticket actions.
pub fn actions() -> Vec<ActionDecl> {
    let mut create_fields = ticket_fields();
    if let Some((_, via)) = create_fields.iter_mut().find(|(k, _)| *k == "via") {
        via["description"] = json!(
            "How the ticket arrived, e.g. api, email, helpdesk; Gorgias sets api when left out."
        );
    }
    create_fields.push((
        "messages",
        field(
            "Messages",
            json!({"type": "array", "minItems": 1, "maxItems": 500, "items": {"type": "object", "title": "Message",
                "required": ["channel", "from_agent"],
                "properties": {
                    "channel": field("Channel", text(64), "e.g. email, chat, api, phone."),
                    "via": field("Via", text(64), "e.g. api, email, helpdesk; Gorgias sets api when left out."),
                    "from_agent": field("From agent", boolean(), "True when an agent wrote it."),
                    "sender": message_party("Sender", "Who wrote it", false),
                    "receiver": message_party("Receiver", "Who it is for", true),
                    "source": message_source(),
                    "subject": field("Subject", json!({"type": "string", "maxLength": 998}), ""),
                    "body_text": field("Text body", json!({"type": "string", "maxLength": 1_000_000}), ""),
                    "body_html": field("HTML body", json!({"type": "string", "maxLength": 2_000_000}), ""),
                    "public": field("Public", boolean(), "False for an internal note."),
                }}}),
            "The first message(s); each needs channel and from_agent.",
        ),
    ));
    let tag_list = tag_refs_input("Ticket tags");
    vec![
        action::get(&OBJ),
        action::create(
            &OBJ,
            input(
                "Create a ticket",
                &create_fields,
                &["channel", "messages"],
            ),
        ),
        action::update(&OBJ, input("Update a ticket", &ticket_fields(), &[])),
        action::delete(&OBJ),
        ActionDecl::new(
            "list_ticket_tags",
            "List a ticket's tags",
            "Returns every tag of a ticket.",
            ActionEffect::Read,
            Method::Get,
            "/api/tickets/{ticket_id}/tags",
            input(
                "List a ticket's tags",
                &[("ticket_id", field("Ticket id", positive_id(), ""))],
                &["ticket_id"],
            ),
            list_of(crate::objects::tags::record()),
        )
        .reply(Reply::List),
        ActionDecl::new(
            "add_ticket_tags",
            "Add tags to a ticket",
            "Adds tags (by id or name) to a ticket, keeping its other tags. Gorgias answers 200 with an empty body.",
            ActionEffect::Update,
            Method::Post,
            "/api/tickets/{ticket_id}/tags",
            tag_list.clone(),
            ack(),
        )
        .reply(Reply::Ack)
        .idempotent(true),
        ActionDecl::new(
            "replace_ticket_tags",
            "Replace a ticket's tags",
            "Sets a ticket's tags to exactly the given ones. Gorgias answers 200 with an empty body.",
            ActionEffect::Update,
            Method::Put,
            "/api/tickets/{ticket_id}/tags",
            tag_list.clone(),
            ack(),
        )
        .reply(Reply::Ack),
        ActionDecl::new(
            "remove_ticket_tags",
            "Remove tags from a ticket",
            "Removes the given tags from a ticket.",
            ActionEffect::Delete,
            Method::Delete,
            "/api/tickets/{ticket_id}/tags",
            tag_list,
            ack(),
        )
        .body(Body::Rest)
        .reply(Reply::Ack),
        custom_fields::list_values(&FIELD_OWNER, "ticket_id"),
        custom_fields::set_values(&FIELD_OWNER, "ticket_id"),
        custom_fields::set_value(&FIELD_OWNER),
        custom_fields::delete_value(&FIELD_OWNER),
    ]
}

/// The most pages `summarize_tickets` reads (its `max_pages` maximum and its call bound).
pub const SUMMARY_MAX_PAGES: u32 = 20;

/// The composite read actions over tickets: `get_ticket_with_messages`, `summarize_tickets`.
pub fn composites() -> Vec<CompositeDecl> {
    vec![ticket_with_messages(), summary()]
}

fn ticket_with_messages() -> CompositeDecl {
    let input = input(
        "Get a ticket with its messages",
        &[
            ("id", field("Id", positive_id(), "The ticket's id.")),
            (
                "messages_limit",
                field(
                    "Messages per page",
                    json!({"type": "integer", "minimum": 1, "maximum": crate::objects::MAX_LIMIT, "default": 30}),
                    "Messages on the page, 1 to 100 (30 when left out).",
                ),
            ),
            (
                "messages_cursor",
                field(
                    "Messages cursor",
                    json!({"type": "string", "minLength": 1, "maxLength": MAX_PAGE_CURSOR_BYTES}),
                    "The previous answer's messages.next_cursor, for the next page of messages; leave out for the first page.",
                ),
            ),
            (
                "messages_order_by",
                field(
                    "Messages order",
                    json!({"enum": ["created_datetime:asc", "created_datetime:desc"], "default": "created_datetime:asc"}),
                    "created_datetime:asc (the default) reads the conversation from its first message; created_datetime:desc starts with the latest. Keep it the same while paging.",
                ),
            ),
        ],
        &["id"],
    );
    let output = record_of(
        "Ticket with messages",
        &[
            (
                "ticket",
                describe(
                    strip_root(record()),
                    "The ticket as get_ticket returns it, without the messages it embeds (they are under `messages`).",
                ),
            ),
            (
                "messages",
                describe(
                    strip_root(list_of(crate::objects::ticket_messages::record())),
                    "One page of the ticket's messages, as list_ticket_messages returns it: pass next_cursor back as messages_cursor for the next page; null when there is none.",
                ),
            ),
        ],
        &["ticket", "messages"],
    );
    CompositeDecl::new(
        "get_ticket_with_messages",
        "Get a ticket with its messages",
        "Returns a ticket (status, channel, customer, assignee, tags, subject, datetimes) and one page of its messages (emails, chats, calls, internal notes with sender and bodies), oldest first unless told otherwise: the conversation in one call instead of get_ticket then list_ticket_messages. For the next page of messages pass messages.next_cursor as messages_cursor (the ticket is read again), or call list_ticket_messages with ticket_id, cursor and the same order_by (one request). Unknown id: a not-found error and no second request.",
        input,
        output,
        2,
        run_ticket_with_messages,
    )
}

fn run_ticket_with_messages(calls: Calls, input: ValidInput) -> BoxFuture<'static, Result<Value>> {
    async move {
        let v = input.value();
        let id = v["id"].clone();
        let mut ticket = calls.call("get_ticket", json!({"id": id})).await?;
        if let Some(t) = ticket.as_object_mut() {
            t.remove("messages");
        }
        let order = v
            .get("messages_order_by")
            .cloned()
            .unwrap_or_else(|| json!("created_datetime:asc"));
        let mut page = json!({"ticket_id": id, "limit": whole(v, "messages_limit", 30), "order_by": order});
        if let Some(cursor) = v.get("messages_cursor") {
            page["cursor"] = cursor.clone();
        }
        let messages = calls.call("list_ticket_messages", page).await?;
        Ok(json!({"ticket": ticket, "messages": messages}))
    }
    .boxed()
}

/// Counts by a key (status, channel): `{<key>: n}`.
fn counts(what: &str) -> Value {
    describe(
        json!({"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}),
        what,
    )
}

fn summary() -> CompositeDecl {
    let input = input(
        "Summarize tickets",
        &[
            (
                "since",
                field(
                    "Since",
                    input_datetime(),
                    "Count the tickets created at or after this datetime (ISO 8601, e.g. 2024-01-31T00:00:00Z; UTC when no offset is given).",
                ),
            ),
            (
                "until",
                field(
                    "Until",
                    input_datetime(),
                    "Count only the tickets created before this datetime (ISO 8601; UTC when no offset is given); after since. Now when left out.",
                ),
            ),
            (
                "max_pages",
                field(
                    "Pages at most",
                    json!({"type": "integer", "minimum": 1, "maximum": SUMMARY_MAX_PAGES, "default": 10}),
                    "Pages of 100 tickets to read at most, 1 to 20 (10 when left out): one request each.",
                ),
            ),
        ],
        &["since"],
    );
    let output = record_of(
        "Ticket summary",
        &[
            ("since", describe(datetime(), "The period's start, as counted (UTC).")),
            ("until", describe(datetime_n(), "The period's end (exclusive), or null for now.")),
            ("tickets_counted", describe(json!({"type": "integer", "minimum": 0}), "Tickets created in the period (trashed ones left out).")),
            ("by_status", counts("Tickets counted, by status (open, closed).")),
            ("by_channel", counts("Tickets counted, by channel (email, chat, phone, ...).")),
            ("open_by_channel", counts("Tickets counted that are open now, by channel.")),
            ("complete", describe(boolean(), "True when every ticket of the period was counted; false when max_pages stopped the walk first (the counts then cover oldest_counted onwards: raise max_pages, or ask again with until = oldest_counted for the rest).")),
            ("oldest_counted", describe(datetime_n(), "When the oldest ticket counted was created, or null when none was.")),
            ("pages_read", describe(json!({"type": "integer", "minimum": 0}), "List pages read: the requests made.")),
        ],
        &["since", "until", "tickets_counted", "by_status", "by_channel", "open_by_channel", "complete", "oldest_counted", "pages_read"],
    );
    CompositeDecl::new(
        "summarize_tickets",
        "Summarize tickets",
        "Counts the tickets created in a period (since, optionally until) by status and by channel, plus those still open by channel: an account overview in one call instead of paging list_tickets and counting. Walks the tickets newest first by created_datetime, 100 per page, trashed tickets left out, and stops at the first ticket created before since or after max_pages pages (default 10, at most 20); complete says whether the whole period was counted, and oldest_counted how far it got. A period of more than about 1,000 tickets (10 pages) needs a larger max_pages or several calls with until.",
        input,
        output,
        SUMMARY_MAX_PAGES,
        run_summary,
    )
}

fn datetime_input(v: &Value, key: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    match v.get(key).and_then(Value::as_str) {
        None => Ok(None),
        Some(text) => parse_datetime(text).map(Some).ok_or_else(|| Error::InvalidInput {
            action: "summarize_tickets".into(),
            path: key.into(),
            reason: "is not a datetime Gorgias reads; give it as 2024-01-31T00:00:00Z".into(),
        }),
    }
}

fn run_summary(calls: Calls, input: ValidInput) -> BoxFuture<'static, Result<Value>> {
    async move {
        let v = input.value();
        let since = datetime_input(v, "since")?.ok_or_else(|| Error::InvalidInput {
            action: "summarize_tickets".into(),
            path: "since".into(),
            reason: "is required; add it".into(),
        })?;
        let until = datetime_input(v, "until")?;
        if until.is_some_and(|u| u <= since) {
            return Err(Error::InvalidInput {
                action: "summarize_tickets".into(),
                path: "until".into(),
                reason: "must be after since; swap them or leave until out".into(),
            });
        }
        let max_pages = whole(v, "max_pages", 10).min(u64::from(SUMMARY_MAX_PAGES));
        let mut by_status: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_channel: BTreeMap<String, u64> = BTreeMap::new();
        let mut open_by_channel: BTreeMap<String, u64> = BTreeMap::new();
        let mut counted = 0u64;
        let mut oldest = None;
        let mut cursor: Option<String> = None;
        let mut pages = 0u64;
        let mut complete = false;
        'walk: while pages < max_pages {
            let mut q = json!({"limit": crate::objects::MAX_LIMIT, "order_by": "created_datetime:desc", "trashed": false});
            if let Some(c) = &cursor {
                q["cursor"] = json!(c);
            }
            let page = calls.call("list_tickets", q).await?;
            pages += 1;
            for t in page["data"].as_array().map(Vec::as_slice).unwrap_or_default() {
                // Datetimes come normalised by list_tickets; the parse also reads the other forms.
                let Some(created) = t["created_datetime"].as_str().and_then(parse_datetime) else {
                    continue;
                };
                if created < since {
                    complete = true;
                    break 'walk;
                }
                if until.is_some_and(|u| created >= u) {
                    continue;
                }
                let key = |k: &str| t[k].as_str().unwrap_or("unknown").to_string();
                let (status, channel) = (key("status"), key("channel"));
                if status == "open" {
                    *open_by_channel.entry(channel.clone()).or_default() += 1;
                }
                *by_status.entry(status).or_default() += 1;
                *by_channel.entry(channel).or_default() += 1;
                counted += 1;
                oldest = Some(oldest.map_or(created, |o: chrono::DateTime<chrono::Utc>| o.min(created)));
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => {
                    complete = true;
                    break;
                }
            }
        }
        Ok(json!({
            "since": format_datetime(since),
            "until": until.map(format_datetime),
            "tickets_counted": counted,
            "by_status": by_status,
            "by_channel": by_channel,
            "open_by_channel": open_by_channel,
            "complete": complete,
            "oldest_counted": oldest.map(format_datetime),
            "pages_read": pages,
        }))
    }
    .boxed()
}
