//! Voice call recordings: `/api/phone/voice-call-recordings` (call recordings and voicemails).
//!
//! * Record keys as documented (developers.gorgias.com/reference/the-voicecallrecording-object),
//!   in its order: `id, call_id, external_id, url, duration, type, created_datetime,
//!   deleted_datetime, deleted_by_user_id, error_code`; nullability as Pathlight/tap-gorgias
//!   `schemas/voice_call_recordings.json`. `type` is `voicemail` or, for a recording of the call,
//!   `call-recording` (that literal is the sandbox's choice: UNCONFIRMED). Some recordings have
//!   `url: null` with an `error_code` (`RECORDING_IS_PRIVATE`, the documented example), a few
//!   were already deleted. No voice traffic was recorded.
//! * List: cursor pages in the usual envelope; filters `call_id`, `cursor`, `limit` (default 30,
//!   at most 100); no `order_by` (400) (benpalmer1/Gorgias-MCP-Server). The default order is
//!   UNCONFIRMED: newest first, as Pathlight/tap-gorgias assumes. `GET /{id}` reads one.
//! * `DELETE /{id}` answers 204 (documented, benpalmer1/Gorgias-MCP-Server; not recorded). The
//!   object has `deleted_datetime` and `deleted_by_user_id`, so the sandbox **marks the
//!   recording deleted** rather than removing it: both are set (to now and the caller), `url`
//!   becomes null (the audio file is gone), and it stays listed and readable. Whether Gorgias
//!   still lists deleted recordings is UNCONFIRMED. Deleting it again answers 204 and changes
//!   nothing. Accounts without Voice: see `objects::voice_calls`.

use crate::error::ApiError;
use crate::http::{ApiResult, Call, empty};
use crate::list::{Envelope, FilterKind::*, ListSpec, desc, filter};
use crate::object::{self, ObjectDef, stored};
use crate::options::Voice;
use crate::seed::{Gen, Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::voice_calls::{CallPlan, CallPlans, gate, get_gated, list_gated};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("call_id", Int),
        f("created_datetime", Time),
        f("deleted_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &["call_id"],
    list_omit: &[],
};

/// `GET /api/phone/voice-call-recordings`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::VoiceCallRecordings,
    orders: &[],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("call_id", IntEq("call_id"))],
    hidden_orders: &[desc("created_datetime:desc", "created")],
    envelope: Envelope::DATA_FIRST,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    routes: &[
        object::get("/api/phone/voice-call-recordings", list_recordings),
        object::get("/api/phone/voice-call-recordings/{id}", get_recording),
        object::delete("/api/phone/voice-call-recordings/{id}", delete_recording),
    ],
    seed: Some(seed),
    generate: Some(generate),
    touch: Some(touch),
    ..ObjectDef::new(
        ObjectKind::VoiceCallRecordings,
        "/api/phone/voice-call-recordings",
        &STORE,
    )
};

fn list_recordings(c: &Call) -> ApiResult {
    list_gated(c, &LIST)
}

fn get_recording(c: &Call) -> ApiResult {
    get_gated(c, ObjectKind::VoiceCallRecordings)
}

/// Marks a recording deleted now by `user`; `false` when it already was.
fn mark_deleted(data: &mut AccountData, id: i64, user: i64, now: Micros) -> Result<bool, ApiError> {
    let mut v = stored(data, ObjectKind::VoiceCallRecordings, id)?;
    if !v["deleted_datetime"].is_null() {
        return Ok(false);
    }
    v["deleted_datetime"] = dt(now);
    v["deleted_by_user_id"] = json!(user);
    v["url"] = Value::Null;
    data.put(ObjectKind::VoiceCallRecordings, &v);
    Ok(true)
}

fn delete_recording(c: &Call) -> ApiResult {
    gate(c)?;
    let id = c.first_id()?;
    let mut data = c.ctx.account.write();
    let now = data.now();
    mark_deleted(&mut data, id, c.ctx.user_id, now)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// How a recording changes (it has no `updated_datetime`): it is deleted, by the account owner.
fn touch(data: &mut AccountData, id: i64, now: Micros) -> Result<(), ApiError> {
    let owner = data.owner_user_id;
    if mark_deleted(data, id, owner, now)? {
        Ok(())
    } else {
        Err(ApiError::bad_request("Recording already deleted."))
    }
}

/// The id of a seeded call's recording (or voicemail).
pub fn recording_id(call: i64, voicemail: bool) -> i64 {
    call * 10 + if voicemail { 3 } else { 2 }
}

/// A recording (or voicemail) of a call, made at `at`.
pub fn record(
    g: &mut Gen,
    id: i64,
    sub: &str,
    call: &CallPlan,
    voicemail: bool,
    at: Micros,
) -> Value {
    let sid = format!(
        "RE{:016x}{:016x}",
        crate::seed::mix(id as u64, 3),
        crate::seed::mix(id as u64, 4)
    );
    let private = g.chance(0.15);
    let url = (!private).then(|| format!("https://uploads.gorgias.io/{sub}/phone-{sid}.mp3"));
    let duration = if voicemail {
        g.rng_range(4, 90)
    } else {
        call.duration
    };
    json!({
        "id": id,
        "call_id": call.id,
        "external_id": sid,
        "url": url,
        "duration": duration,
        "type": if voicemail { "voicemail" } else { "call-recording" },
        "created_datetime": dt(at),
        "deleted_datetime": null,
        "deleted_by_user_id": null,
        "error_code": private.then_some("RECORDING_IS_PRIVATE"),
    })
}

/// Seeds a recording of every recorded call and every voicemail (on accounts with Voice); a few
/// already deleted.
fn seed(s: &mut Seeder) {
    if s.voice != Voice::Enabled {
        return;
    }
    let mut g = s.gen_for(33);
    let plans = std::mem::take(&mut s.data.ext_mut::<CallPlans>().0);
    let made: Vec<(&CallPlan, bool)> = plans
        .iter()
        .filter(|p| p.recorded || p.voicemail)
        .map(|p| (p, p.voicemail))
        .collect();
    let agents = s.data.col(ObjectKind::Users).ids();
    for (p, voicemail) in made {
        // The ids the call's summaries and events name (calls' ids grow with time, so these do).
        let id = recording_id(p.id, voicemail);
        let at = p.ended() + g.between(time::SECOND, 20 * time::SECOND);
        let mut v = record(&mut g, id, &s.sub, p, voicemail, at);
        if g.chance(0.05) {
            v["deleted_datetime"] = odt(Some(
                (at + g.between(time::DAY, 30 * time::DAY)).min(s.end - 1),
            ));
            v["deleted_by_user_id"] = json!(agents.get(g.index(agents.len())));
            v["url"] = Value::Null;
            v["error_code"] = Value::Null;
        }
        s.data.put(ObjectKind::VoiceCallRecordings, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = crate::seed::gen_now(data, now);
    let call = crate::seed::sample_values(data, ObjectKind::VoiceCalls, &mut g, 1)
        .into_iter()
        .next();
    let plan = CallPlan {
        id: call.as_ref().and_then(|c| c["id"].as_i64()).unwrap_or(0),
        created: now,
        ticket: None,
        customer: 0,
        agent: None,
        inbound: true,
        status: "completed",
        duration: call
            .as_ref()
            .and_then(|c| c["duration"].as_i64())
            .unwrap_or(60),
        voicemail: false,
        recorded: true,
    };
    let id = data.next_id(ObjectKind::VoiceCallRecordings);
    let sub = data.subdomain.clone();
    let v = record(&mut g, id, &sub, &plan, false, now);
    Ok(object::insert_new(
        data,
        ObjectKind::VoiceCallRecordings,
        &v,
    )?)
}
