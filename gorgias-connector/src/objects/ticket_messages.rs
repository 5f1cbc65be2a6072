//! Ticket messages: the `ticket_messages` stream (every message of every ticket, from
//! `GET /api/messages`) and message actions on `/api/tickets/{ticket_id}/messages/{id}`.
//!
//! Sources: <https://developers.gorgias.com/reference/the-ticketmessage-object>. A message belongs to one ticket; it is an email, chat, SMS, social message,
//! phone call or internal note (`public: false`; recorded: Nango test ticket-messages shows a
//! note as `channel: phone` with `source.type: internal-note`, so the channel alone does not tell
//! notes apart), sent by an agent (`from_agent: true`) or by the customer. Writes:
//!
//! * Create (`POST .../messages`; recorded 200, documented 201) needs `channel`, `via` and
//!   `from_agent` (required since 2019-05-13). Without `sent_datetime` Gorgias *sends* the
//!   message on its channel; with it the message is only imported as already sent.
//! * Update (`PUT .../messages/{id}`) needs `channel` and `from_agent` (a PUT without `via` was
//!   accepted: recorded, Nango test update-ticket-message), takes an optional `action` query
//!   parameter (force, retry or cancel a failed sending). It answered **200 with the updated
//!   message** (recorded); it is documented as 202 Accepted (benpalmer1/Gorgias-MCP-Server), which may come without a
//!   body, so the action acknowledges (`{"ok": true, "status": 200}`) and passes on the message
//!   under `response`.
//! * Delete answers 204 with an empty body (recorded: Nango test delete-ticket-message).
//!
//! The message paths carry two ids, so the actions are declared directly rather than with the
//! single-id CRUD builders (hence no `OBJ`).
//!
//! Incremental: a newest-first feed on `created_datetime` of `GET /api/messages` (Airbyte does
//! the same; `sent_datetime` can be null). Messages are mostly immutable; the rare later
//! changes (opened, failed, deleted datetimes, edits) are **not** picked up.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{ActionDecl, Reply};
use connector_http::client::Method;
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write`: messages are part of a ticket's content (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "tickets";

fn address() -> Value {
    nested(&[("name", string_n()), ("address", string_n())], true)
}

fn attachment() -> Value {
    nested(
        &[
            ("url", string()),
            ("name", string_n()),
            ("size", int_n()),
            ("content_type", string_n()),
            ("public", boolean_n()),
            ("extra", object_n()),
        ],
        false,
    )
}

/// A ticket message.
pub fn record() -> Value {
    record_of(
        "Ticket message",
        &[
            ("id", id()),
            ("uri", string()),
            (
                "message_id",
                describe(
                    string_n(),
                    "The message's id at its provider (e.g. the email Message-ID).",
                ),
            ),
            ("ticket_id", id()),
            ("external_id", string_n()),
            ("public", describe(boolean(), "False for internal notes.")),
            (
                "channel",
                describe(
                    string(),
                    "e.g. email, chat, sms, phone; internal notes are told apart by source.type internal-note and public false.",
                ),
            ),
            (
                "via",
                describe(
                    string(),
                    "How it was sent or received, e.g. api, email, helpdesk.",
                ),
            ),
            (
                "source",
                describe(
                    nested(
                        &[
                            ("type", string_n()),
                            ("from", address()),
                            ("to", array_n(address())),
                            ("cc", array_n(address())),
                            ("bcc", array_n(address())),
                            ("extra", object_n()),
                        ],
                        true,
                    ),
                    "Routing: sender and recipient addresses on the channel.",
                ),
            ),
            ("sender", person()),
            ("receiver", person()),
            ("integration_id", int_n()),
            (
                "rule_id",
                describe(int_n(), "The rule that sent it, if any."),
            ),
            (
                "intents",
                describe(
                    array_n(object()),
                    "Detected intents, e.g. `{\"name\": \"discount/request\", \"rejected\": false}`.",
                ),
            ),
            ("auth_customer_identity", object_n()),
            (
                "from_agent",
                describe(
                    boolean(),
                    "True when sent by an agent, false when by the customer.",
                ),
            ),
            ("subject", string_n()),
            ("body_text", string_n()),
            ("body_html", string_n()),
            (
                "stripped_text",
                describe(string_n(), "The text without quoted replies and signature."),
            ),
            ("stripped_html", string_n()),
            ("stripped_signature", string_n()),
            ("attachments", array_n(attachment())),
            ("actions", array_n(object())),
            ("headers", object_n()),
            ("meta", object_n()),
            ("macros", array_n(object())),
            ("created_datetime", datetime()),
            ("sent_datetime", datetime_n()),
            ("failed_datetime", datetime_n()),
            ("opened_datetime", datetime_n()),
            ("deleted_datetime", datetime_n()),
            (
                "last_sending_error",
                describe(object_n(), "`{\"error\": \"...\"}` when sending failed."),
            ),
            ("is_retriable", boolean_n()),
            (
                "replied_by",
                describe(object_n(), "Undocumented shape, documented nullable (declared an object so destinations store it as JSON; any value passes through as sent)."),
            ),
            (
                "replied_to",
                describe(object_n(), "Undocumented shape, documented nullable (declared an object so destinations store it as JSON; any value passes through as sent)."),
            ),
            (
                "imported",
                describe(
                    boolean_n(),
                    "Whether the message was imported; false on API-created messages, null on Gorgias's sample message.",
                ),
            ),
            (
                "processed_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime Gorgias processed the message (UTC when no offset is given).",
                ),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `ticket_messages` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "ticket_messages",
        "Every message of every ticket: emails, chats, calls, social messages and internal notes, with sender, recipients and bodies.",
        "/api/messages",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime: new messages are picked up; messages rarely change afterwards, and such changes (opened, failed, edited) are not.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc"])
            .filter("ticket_id", positive_id(), "Only this ticket's messages."))]
}

fn ticket_id() -> Value {
    field(
        "Ticket id",
        positive_id(),
        "The ticket the message belongs to.",
    )
}

fn message_id() -> Value {
    field("Id", positive_id(), "The message's id.")
}

fn message_fields(create: bool) -> Vec<(&'static str, Value)> {
    let attachment = input(
        "Attachment",
        &[
            (
                "url",
                field(
                    "URL",
                    json!({"type": "string", "format": "uri", "maxLength": 2048}),
                    "Where the file is (e.g. from an upload).",
                ),
            ),
            ("name", field("File name", text(255), "")),
            (
                "content_type",
                field(
                    "Content type",
                    text(255),
                    "MIME type, e.g. application/pdf.",
                ),
            ),
            (
                "size",
                field(
                    "Size",
                    json!({"type": "integer", "minimum": 0}),
                    "In bytes.",
                ),
            ),
            ("public", field("Public", boolean(), "")),
        ],
        &["url", "name", "content_type"],
    );
    let mut fields = vec![
        (
            "channel",
            field(
                "Channel",
                text(64),
                "e.g. email, chat, sms, api, phone, or internal-note for a note only agents see.",
            ),
        ),
        (
            "via",
            field(
                "Via",
                text(64),
                "How it is sent or was received, e.g. api, email, helpdesk.",
            ),
        ),
        (
            "from_agent",
            field(
                "From agent",
                boolean(),
                "True when an agent sends it, false when it comes from the customer.",
            ),
        ),
        (
            "sender",
            message_party(
                "Sender",
                "Who sends it: a user when an agent sends it, else a customer",
                true,
            ),
        ),
        (
            "receiver",
            message_party(
                "Receiver",
                "Who receives it: a customer when an agent sends it, else a user",
                true,
            ),
        ),
        ("source", message_source()),
        (
            "subject",
            field("Subject", json!({"type": "string", "maxLength": 998}), ""),
        ),
        (
            "body_text",
            field(
                "Text body",
                json!({"type": "string", "maxLength": 1_000_000}),
                "",
            ),
        ),
        (
            "body_html",
            field(
                "HTML body",
                json!({"type": "string", "maxLength": 2_000_000}),
                "",
            ),
        ),
        (
            "public",
            field("Public", boolean(), "False for an internal note."),
        ),
        (
            "external_id",
            field(
                "External id",
                json!({"type": "string", "maxLength": 255}),
                "The message's id in another system.",
            ),
        ),
        (
            "message_id",
            field(
                "Provider message id",
                json!({"type": "string", "maxLength": 998}),
                "The message's id on its channel (e.g. an email Message-ID).",
            ),
        ),
        (
            "sent_datetime",
            field(
                "Sent at",
                input_datetime_n(),
                "ISO 8601 datetime the message was sent (UTC when no offset is given): set it to import an already-sent message; leave it out to have Gorgias send it.",
            ),
        ),
        (
            "attachments",
            field(
                "Attachments",
                json!({"type": "array", "items": strip_root(attachment), "maxItems": 50}),
                "",
            ),
        ),
        (
            "meta",
            field("Meta", object(), "Free-form data kept on the message."),
        ),
        (
            "headers",
            field(
                "Headers",
                object(),
                "Email headers, e.g. `{\"X-Custom\": \"value\"}`.",
            ),
        ),
    ];
    if create {
        fields.push((
            "integration_id",
            field(
                "Integration id",
                positive_id(),
                "The integration (e.g. email address) to send it with.",
            ),
        ));
        fields.push((
            "macros",
            field(
                "Macros",
                json!({"type": "array", "maxItems": 20, "items": {"type": "object", "required": ["id"], "properties": {"id": positive_id()}}}),
                "Macros applied with the message, each as `{\"id\": 42}`.",
            ),
        ));
    }
    fields
}

/// An acknowledgement whose `response` (when Gorgias sends a body) follows `response`.
fn ack_of(response: Value, what: &str) -> Value {
    let mut out = ack();
    out["properties"]["response"] = describe(strip_root(response), what);
    out
}

/// Ticket message actions.
pub fn actions() -> Vec<ActionDecl> {
    let ids = || vec![("ticket_id", ticket_id()), ("id", message_id())];
    let mut create_fields = vec![("ticket_id", ticket_id())];
    create_fields.extend(message_fields(true));
    let mut update_fields = ids();
    update_fields.push((
        "action",
        field(
            "On a failed sending",
            one_of_strings(&["force", "retry", "cancel"], false),
            "force: keep the message as sent; retry: send it again; cancel: delete it.",
        ),
    ));
    update_fields.extend(message_fields(false));
    let update_input = input(
        "Update a ticket message",
        &update_fields,
        &["ticket_id", "id", "channel", "from_agent"],
    );
    let mut update = ActionDecl::new(
        "update_ticket_message",
        "Update a ticket message",
        "Changes the given fields of a message (channel and from_agent are always needed). Gorgias answers 200 with the updated message, passed on under `response` (documented as 202 Accepted, possibly without a body).",
        ActionEffect::Update,
        Method::Put,
        "/api/tickets/{ticket_id}/messages/{id}",
        update_input,
        ack(),
    )
    .query(&["action"])
    .reply(Reply::Ack);
    update.output = ack_of(record(), "The updated message, when Gorgias sends it.");
    vec![
        ActionDecl::new(
            "get_ticket_message",
            "Get a ticket message",
            "Returns one message of a ticket.",
            ActionEffect::Read,
            Method::Get,
            "/api/tickets/{ticket_id}/messages/{id}",
            input("Get a ticket message", &ids(), &["ticket_id", "id"]),
            record(),
        ),
        ActionDecl::new(
            "create_ticket_message",
            "Create a ticket message",
            "Adds a message to a ticket and returns it: a reply Gorgias sends on its channel, an imported message (with sent_datetime) or an internal note (channel internal-note, public false).",
            ActionEffect::Create,
            Method::Post,
            "/api/tickets/{ticket_id}/messages",
            input(
                "Create a ticket message",
                &create_fields,
                &["ticket_id", "channel", "via", "from_agent"],
            ),
            record(),
        ),
        update,
        ActionDecl::new(
            "delete_ticket_message",
            "Delete a ticket message",
            "Deletes a message of a ticket for good; the ticket stays.",
            ActionEffect::Delete,
            Method::Delete,
            "/api/tickets/{ticket_id}/messages/{id}",
            input("Delete a ticket message", &ids(), &["ticket_id", "id"]),
            ack(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;

    fn find(name: &str) -> ActionDecl {
        actions().into_iter().find(|a| a.name == name).unwrap()
    }

    #[test]
    fn both_ids_fill_the_path_and_action_is_a_query_parameter() {
        let input = json!({"ticket_id": 5, "id": 7, "action": "retry", "channel": "email", "via": "api", "from_agent": true, "body_text": "hi"});
        let (path, query, body) = request_parts(&find("update_ticket_message"), input).unwrap();
        assert_eq!(path, "/api/tickets/5/messages/7");
        assert_eq!(query, vec![("action".to_string(), "retry".to_string())]);
        assert_eq!(
            body,
            Some(json!({"channel": "email", "via": "api", "from_agent": true, "body_text": "hi"}))
        );
        let (path, _, body) = request_parts(
            &find("delete_ticket_message"),
            json!({"ticket_id": 5, "id": 7}),
        )
        .unwrap();
        assert_eq!((path.as_str(), body), ("/api/tickets/5/messages/7", None));
        let (path, _, body) = request_parts(&find("create_ticket_message"), json!({"ticket_id": 5, "channel": "internal-note", "via": "api", "from_agent": true, "public": false})).unwrap();
        assert_eq!(path, "/api/tickets/5/messages");
        assert_eq!(
            body,
            Some(
                json!({"channel": "internal-note", "via": "api", "from_agent": true, "public": false})
            )
        );
    }

    #[test]
    fn update_output_accepts_an_empty_202_and_the_message() {
        let out = find("update_ticket_message").output;
        // As the action emits it: a naive datetime is normalised first.
        let v = |mut x: Value| {
            connector_http::datetimes::DatetimeFields::of(&out).normalise_value(&mut x);
            connector_sdk::validate::violations(&out, &x).unwrap()
        };
        assert!(v(json!({"ok": true, "status": 202})).is_empty());
        assert!(v(json!({"ok": true, "status": 202, "response": {"id": 1, "created_datetime": "2024-01-01T00:00:00"}})).is_empty());
        assert!(!v(json!({"ok": true, "status": 202, "response": {"id": "x"}})).is_empty());
    }
}
