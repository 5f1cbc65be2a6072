//! Voice call events: the `voice_call_events` stream and `get_voice_call_event` (what happened
//! during each call of Gorgias Voice: ringing, answered, forwarded, recorded, ended).
//!
//! Sources: the API reference pages "List Voice Call Events" and "Retrieve a Voice Call Event"
//! (via withone.ai), benpalmer1/Gorgias-MCP-Server `src/tools/voice-calls.ts` and
//! Pathlight/tap-gorgias `tap_gorgias/schemas/voice_call_events.json`. No voice traffic was
//! recorded.
//!
//! * `GET /api/phone/voice-call-events` lists events in cursor pages; its documented example is
//!   a bare JSON array (a spec quirk; every recorded list used the envelope): both are read.
//!   `GET /api/phone/voice-call-events/{id}` reads one.
//! * List filters: `call_id` (only the events of one call), `cursor`, `limit` (1-100, default
//!   30); **no `order_by`** is documented ([`LIST_FILTERS`]).
//! * An event has a `type` (`incoming-phone-call`, `phone-call-ringing`, `phone-call-answered`,
//!   `call-recording`, `voicemail-recording`, `completed-phone-call`, `missed-phone-call`, ...;
//!   the documented list is truncated), its `call_id`, the account, the agent (`user_id`) and
//!   customer involved, and a free-form `meta`: an object with any keys (Pathlight had to open
//!   its schema, commit eecd0af), null, or, in the reference's example, the string `"{}"`.
//!
//! Incremental: events never change once written and carry only `created_datetime`, so it is
//! the cursor (changes are new events: `captures_updates` false). The list's default order is
//! UNCONFIRMED (Pathlight's comment says oldest first, and it bookmarks the last page cursor,
//! which Gorgias documents as short-lived) and it cannot be ordered or filtered by date: every
//! sync reads every page and emits the events created at or after the bookmark
//! (`ClientFilter`), right whatever the order. An account without Voice reads as empty (see
//! `objects::voice_calls`).

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{IncrementalRead, StreamDecl};
use serde_json::{Value, json};

use super::voice_calls::{ON_FORBIDDEN, voice_stream};
use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write`. Which scope covers
/// `/api/phone/*` is not on developers.gorgias.com/docs/oauth2-scopes (UNCONFIRMED); calls
/// belong to phone tickets, so the tickets scope is declared.
pub const SCOPE: &str = "tickets";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "voice_call_event",
    plural: "voice_call_events",
    words: "voice call event",
    path: "/api/phone/voice-call-events",
    record,
};

/// The list's filters besides `cursor` and `limit` (1-100; no `order_by` is documented), for a
/// list action: `(parameter, description)`.
pub const LIST_FILTERS: &[(&str, &str)] = &[("call_id", "Only events of this call.")];

/// A voice call event.
pub fn record() -> Value {
    record_of(
        "Voice call event",
        &[
            ("id", id()),
            (
                "type",
                describe(
                    string(),
                    "e.g. incoming-phone-call, phone-call-ringing, phone-call-answered, call-recording, voicemail-recording, completed-phone-call, missed-phone-call.",
                ),
            ),
            ("account_id", id()),
            ("call_id", describe(id(), "The call it happened in.")),
            ("user_id", describe(int_n(), "The agent involved, or null.")),
            (
                "customer_id",
                describe(int_n(), "The customer involved, or null."),
            ),
            ("created_datetime", datetime()),
            (
                "meta",
                json!({
                    "type": ["object", "string", "null"],
                    "additionalProperties": true,
                    "description": "Free-form details of the event: an object (any keys), null, or a string (the reference's example shows \"{}\").",
                }),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `voice_call_events` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![voice_stream(
        "voice_call_events",
        "Every event of every Gorgias Voice call: ringing, answered, forwarded, recorded, ended.",
        OBJ.path,
        record(),
        IncrementalRead::client_filter("created_datetime")
            .captures_updates(false)
            .note("Events never change and carry only created_datetime; the list's order is not documented and it cannot be ordered or filtered, so every sync reads every event and emits those created since the last."),
        LIST_FILTERS,
    )]
}

/// Voice call event actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![action::get(&OBJ).on_forbidden(ON_FORBIDDEN)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::validate::violations;

    /// `meta` may be an object, null or a string (the reference's example is `"{}"`).
    #[test]
    fn meta_is_free_form() {
        let base = json!({"id": 1, "type": "phone-call-ringing", "account_id": 2, "call_id": 3,
                          "user_id": null, "customer_id": 4, "created_datetime": "2024-07-01T10:00:00+00:00"});
        for meta in [json!({"to": "+1555"}), json!(null), json!("{}")] {
            let mut e = base.clone();
            e["meta"] = meta;
            assert!(violations(&record(), &e).unwrap().is_empty(), "{e}");
        }
        let d = streams()[0].descriptor();
        let inc = d.incremental.expect("incremental");
        assert!(!inc.captures_updates);
    }
}
