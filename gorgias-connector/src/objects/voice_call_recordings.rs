//! Voice call recordings: the `voice_call_recordings` stream, `get_voice_call_recording` and
//! `delete_voice_call_recording` (call recordings and voicemails of Gorgias Voice).
//!
//! Sources: <https://developers.gorgias.com/reference/the-voicecallrecording-object> (fields),
//! benpalmer1/Gorgias-MCP-Server `src/tools/voice-calls.ts` (paths, filters, the delete) and
//! Pathlight/tap-gorgias `tap_gorgias/schemas/voice_call_recordings.json` (nullability). No voice
//! traffic was recorded.
//!
//! * `GET /api/phone/voice-call-recordings` lists recordings in cursor pages;
//!   `GET /api/phone/voice-call-recordings/{id}` reads one; `DELETE
//!   /api/phone/voice-call-recordings/{id}` deletes one and answers 204 (documented, not
//!   recorded).
//! * List filters: `call_id` (only the recordings of one call), `cursor`, `limit` (1-100, default
//!   30); **no `order_by`** is documented ([`LIST_FILTERS`]).
//! * A recording has its call, the provider's id (Twilio's `RE...`), a direct `url` to the audio
//!   file, or null with an `error_code` saying why (e.g. `RECORDING_IS_PRIVATE`), its duration,
//!   its `type` (`voicemail`, or a call recording: that literal is UNCONFIRMED), and
//!   `deleted_datetime` / `deleted_by_user_id`, set once it is deleted.
//!
//! Incremental: the list's order is UNCONFIRMED (Pathlight assumes newest first) and it cannot
//! be ordered or filtered, so every sync reads every page and emits what changed at or after the
//! bookmark (`ClientFilter`), right whatever the order. The only documented change of a
//! recording is its deletion, which sets `deleted_datetime`, so the cursor is `deleted_datetime`,
//! or `created_datetime` while it is null: a recording is synced when made, and again when
//! deleted (if Gorgias still lists deleted recordings, which the `deleted_*` fields suggest but
//! nothing confirms). An account without Voice reads as empty (see `objects::voice_calls`).

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{IncrementalRead, StreamDecl};
use serde_json::Value;

use super::voice_calls::{ON_FORBIDDEN, voice_stream};
use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write`. Which scope covers
/// `/api/phone/*` is not on developers.gorgias.com/docs/oauth2-scopes (UNCONFIRMED); calls
/// belong to phone tickets, so the tickets scope is declared.
pub const SCOPE: &str = "tickets";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "voice_call_recording",
    plural: "voice_call_recordings",
    words: "voice call recording",
    path: "/api/phone/voice-call-recordings",
    record,
};

/// The list's filters besides `cursor` and `limit` (1-100; no `order_by` is documented), for a
/// list action: `(parameter, description)`.
pub const LIST_FILTERS: &[(&str, &str)] = &[("call_id", "Only recordings of this call.")];

/// A voice call recording (or voicemail).
pub fn record() -> Value {
    record_of(
        "Voice call recording",
        &[
            ("id", id()),
            ("call_id", describe(id(), "The call recorded.")),
            (
                "external_id",
                describe(string_n(), "The provider's recording id, e.g. Twilio's RE..."),
            ),
            (
                "url",
                describe(
                    string_n(),
                    "A direct link to the audio file; null when it cannot be given (error_code says why) or once deleted.",
                ),
            ),
            ("duration", describe(int_n(), "Seconds.")),
            (
                "type",
                describe(string(), "voicemail, or a recording of the call."),
            ),
            ("created_datetime", datetime()),
            (
                "deleted_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the recording was deleted (UTC when no offset is given); null until then.",
                ),
            ),
            (
                "deleted_by_user_id",
                describe(int_n(), "The user who deleted it, or null."),
            ),
            (
                "error_code",
                describe(
                    string_n(),
                    "Why url is missing, e.g. RECORDING_IS_PRIVATE; null otherwise.",
                ),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `voice_call_recordings` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![voice_stream(
        "voice_call_recordings",
        "Every call recording and voicemail of Gorgias Voice, with a link to the audio file.",
        OBJ.path,
        record(),
        IncrementalRead::client_filter("deleted_datetime")
            .fallback("created_datetime")
            .note("A recording changes only when it is deleted: the cursor is deleted_datetime, or created_datetime until then. The list's order is not documented and it cannot be ordered or filtered, so every sync reads every recording and emits those made or deleted since the last."),
        LIST_FILTERS,
    )]
}

/// Voice call recording actions.
pub fn actions() -> Vec<ActionDecl> {
    let mut delete = action::delete(&OBJ).on_forbidden(ON_FORBIDDEN);
    delete.description = "Deletes a call recording or voicemail (its audio file is gone for good). Gorgias answers 204.".into();
    vec![action::get(&OBJ).on_forbidden(ON_FORBIDDEN), delete]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;

    #[test]
    fn a_deletion_moves_the_cursor() {
        let d = streams()[0].descriptor();
        assert_eq!(d.cursor_field.as_deref(), Some("deleted_datetime"));
        let inc = d.incremental.expect("incremental");
        assert!(inc.captures_updates);
        assert_eq!(inc.cursor_fallback.as_deref(), Some("created_datetime"));
        let delete = actions().pop().expect("delete");
        let (path, _, body) = request_parts(&delete, serde_json::json!({"id": 9})).unwrap();
        assert_eq!(
            (path.as_str(), body),
            ("/api/phone/voice-call-recordings/9", None)
        );
    }
}
