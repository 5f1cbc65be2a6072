//! Voice calls: the `voice_calls` stream and `get_voice_call` (Gorgias Voice, the phone add-on).
//!
//! Sources: <https://developers.gorgias.com/reference/the-voicecall-object> (fields), the API
//! reference pages "List Voice Calls" and "Retrieve a Voice Call" (via withone.ai), and
//! benpalmer1/Gorgias-MCP-Server `src/tools/voice-calls.ts`; nullability as Pathlight/tap-gorgias
//! `tap_gorgias/schemas/voice_calls.json` found it on live accounts. No voice traffic was
//! recorded.
//!
//! * `GET /api/phone/voice-calls` lists calls in cursor pages (`{data, meta: {next_cursor}}`);
//!   `GET /api/phone/voice-calls/{id}` reads one.
//! * List filters: `ticket_id` (only the calls of one ticket), `cursor`, `limit` (1-100,
//!   default 30), and nothing else: **no `order_by`** is documented ([`LIST_FILTERS`]).
//! * A call carries its ticket (`ticket_id`, null while none was made), its customer
//!   (`customer_id`), the agents who started, answered, were rung or monitored it, its numbers
//!   and countries, its provider (`twilio`) id and status, its duration, whether it left a
//!   voicemail or a recording, and (newer keys in the reference's examples) queue and
//!   monitoring details and AI `summaries`.
//!
//! Incremental: the safest strategy the facts allow. The default order of the list is
//! UNCONFIRMED (Pathlight/tap-gorgias assumes newest first for calls; its events stream assumes
//! the opposite) and it cannot be ordered or filtered, so a walk that stops early on an assumed
//! order could lose calls. Every sync reads every page and emits the calls changed at or after
//! the bookmark (`ClientFilter`): right whatever the order. The cursor is `updated_datetime`,
//! which moves when a call changes (status, duration, answering agent), or `created_datetime`
//! while `updated_datetime` is null (the object documents it nullable).
//!
//! An account without Voice has no calls. What Gorgias answers there is UNCONFIRMED (its
//! reference only says the account needs Voice): an empty list is the plausible answer, and a
//! 403 or a 404 are read as "no Voice" too, with a warning naming the answer, for the three
//! voice streams only ([`no_voice`]). A 403 that names a missing OAuth scope (as Gorgias words
//! them: "Missing scope: ...", recorded: Nango test unarchive-macros) still fails the read, and
//! an unknown subdomain's HTML 404 is the dialect's "no such account" error, never "no Voice".

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl, Unavailable};
use connector_sdk::Error;
use serde_json::Value;

use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write`. Which scope covers
/// `/api/phone/*` is not on developers.gorgias.com/docs/oauth2-scopes (UNCONFIRMED); calls
/// belong to phone tickets, so the tickets scope is declared.
pub const SCOPE: &str = "tickets";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "voice_call",
    plural: "voice_calls",
    words: "voice call",
    path: "/api/phone/voice-calls",
    record,
};

/// The list's filters besides `cursor` and `limit` (1-100; no `order_by` is documented), for a
/// list action: `(parameter, description)`.
pub const LIST_FILTERS: &[(&str, &str)] = &[("ticket_id", "Only calls of this ticket.")];

/// Why a voice stream may be empty.
pub const MAY_BE_EMPTY: &str = "An account without Gorgias Voice has no calls, call events or recordings (Gorgias may then answer 403 or 404, read as empty with a warning).";

/// What a 403 or 404 on a voice list may mean besides "no Voice", for the warning.
const NO_VOICE_HINT: &str = "If this account has Gorgias Voice, the user behind the credentials may lack the permission to see calls: check the user's role.";

/// A refusal that speaks of a scope: a config problem, never "no Voice". Gorgias's own wording
/// ("... Missing scope: <scope>.", recorded: Nango test unarchive-macros) already arrives as
/// [`Error::MissingScope`], which is never read as "no Voice"; this catches other wordings.
fn names_a_scope(e: &Error) -> bool {
    matches!(e, Error::PermissionDenied { message } if message.to_ascii_lowercase().contains("scope"))
}

/// The answers the voice streams read as "this account has no Voice" (see the module docs).
pub fn no_voice() -> Unavailable {
    Unavailable {
        feature: "Gorgias Voice",
        statuses: &[403, 404],
        other_cause: names_a_scope,
        hint: NO_VOICE_HINT,
    }
}

/// What an action tells the user on a 403 from a voice endpoint.
pub const ON_FORBIDDEN: &str = "the account may not have Gorgias Voice, or the user may lack the permission to see calls";

/// The stream of a voice list: its schema, the client-side filter on `cursor`, the note, its
/// list filters (ids, no `order_by`), and the no-Voice handling the three voice streams share.
pub(crate) fn voice_stream(
    name: &'static str,
    description: &'static str,
    path: &'static str,
    schema: Value,
    read: IncrementalRead,
    filters: &[(&'static str, &'static str)],
) -> StreamDecl {
    let browse = filters
        .iter()
        .fold(Browse::default(), |b, (name, what)| b.filter(name, positive_id(), what));
    let mut s = StreamDecl::new(name, description, path, schema, &["id"], read.into()).browse(browse);
    s.may_be_empty = Some(MAY_BE_EMPTY);
    s.unavailable = Some(no_voice());
    s
}

/// An agent (user) id, or null.
fn agent(what: &str) -> Value {
    describe(int_n(), &format!("The agent (user) {what}, or null."))
}

/// A voice call.
pub fn record() -> Value {
    record_of(
        "Voice call",
        &[
            ("id", id()),
            (
                "integration_id",
                describe(int_n(), "The phone (voice) integration."),
            ),
            (
                "ticket_id",
                describe(int_n(), "The call's ticket; null while none was made."),
            ),
            (
                "phone_number_id",
                describe(id(), "The account's phone number the call went through."),
            ),
            (
                "external_id",
                describe(string_n(), "The provider's call id, e.g. Twilio's CA..."),
            ),
            ("provider", describe(string_n(), "e.g. twilio.")),
            ("status", describe(string_n(), "e.g. completed.")),
            ("direction", describe(string(), "inbound or outbound.")),
            (
                "phone_number_source",
                describe(string_n(), "The caller's number (E.164)."),
            ),
            (
                "country_source",
                describe(string_n(), "The caller's country (ISO 3166 code)."),
            ),
            (
                "phone_number_destination",
                describe(string_n(), "The called number (E.164)."),
            ),
            (
                "country_destination",
                describe(string_n(), "The called country (ISO 3166 code)."),
            ),
            ("duration", describe(int_n(), "Seconds.")),
            (
                "started_datetime",
                describe(
                    datetime(),
                    "ISO 8601 datetime the provider started the call (UTC when no offset is given).",
                ),
            ),
            ("created_datetime", datetime()),
            (
                "updated_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime of the last change (UTC when no offset is given); may be null.",
                ),
            ),
            (
                "initiated_by_agent_id",
                agent("who placed the call (outbound calls)"),
            ),
            (
                "last_answered_by_agent_id",
                agent("who last answered (inbound calls)"),
            ),
            ("customer_id", describe(id(), "The customer on the call.")),
            ("has_voicemail", boolean_n()),
            ("has_call_recording", boolean_n()),
            (
                "answered_by_external_customer_id",
                describe(
                    int_n(),
                    "The customer who answered when the call was forwarded to an external number.",
                ),
            ),
            (
                "answered_by_external_number",
                describe(
                    string_n(),
                    "The external number that answered a forwarded call.",
                ),
            ),
            (
                "last_monitoring_agent_id",
                agent("who last listened in on the call"),
            ),
            ("last_rang_agent_id", agent("whose phone rang last")),
            ("monitoring_status", string_n()),
            (
                "queue_id",
                describe(int_n(), "The call queue the call waited in."),
            ),
            ("status_in_queue", string_n()),
            (
                "summaries",
                describe(
                    array_n(nested(
                        &[
                            ("id", id()),
                            ("recording_id", int_n()),
                            ("summary", string_n()),
                            ("created_datetime", datetime()),
                        ],
                        false,
                    )),
                    "Summaries of the call (of its recordings).",
                ),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `voice_calls` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![voice_stream(
        "voice_calls",
        "Every phone call of Gorgias Voice, with its ticket, customer, agents, numbers and duration.",
        OBJ.path,
        record(),
        IncrementalRead::client_filter("updated_datetime")
            .fallback("created_datetime")
            .note("The list's order is not documented and it cannot be ordered or filtered: every sync reads every call and emits those changed since the last (updated_datetime, or created_datetime while it is null)."),
        LIST_FILTERS,
    )]
}

/// Voice call actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![action::get(&OBJ).on_forbidden(ON_FORBIDDEN)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing scope is a config problem: never read as "no Voice".
    #[test]
    fn a_missing_scope_is_not_an_account_without_voice() {
        let scope = Error::PermissionDenied {
            message: "You do not have enough permissions to perform this action. Missing scope: voice:read.".into(),
        };
        assert!(names_a_scope(&scope));
        let plain = Error::PermissionDenied {
            message: "You do not have enough permissions to perform this action.".into(),
        };
        assert!(!names_a_scope(&plain));
        let s = &streams()[0];
        assert!(s.may_be_empty.is_some() && s.unavailable.is_some());
        assert_eq!(s.primary_key, ["id"]);
    }
}
