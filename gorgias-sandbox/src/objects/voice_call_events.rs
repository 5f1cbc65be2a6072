//! Voice call events: `/api/phone/voice-call-events` (what happened during each call).
//!
//! * Record keys as the API reference's "List Voice Call Events" example shows them (via
//!   withone.ai) and Pathlight/tap-gorgias `schemas/voice_call_events.json`: `id, type,
//!   account_id, call_id, user_id, customer_id, created_datetime, meta`. `meta` is free-form: an
//!   object with the event's details, `null`, or the string `"{}"` (the reference's example).
//!   No voice traffic was recorded.
//! * Types follow a call's course: `incoming-phone-call` / `outgoing-phone-call`,
//!   `phone-call-ringing`, `phone-call-answered`, `phone-call-conversation-started`,
//!   `call-recording`, `completed-phone-call`; unanswered: `missed-phone-call` (inbound, then
//!   `voicemail-recording` when one was left) or `phone-call-dial-failed` (outbound).
//! * List: cursor pages in the usual envelope (the reference's example is a bare array, a spec
//!   quirk of several endpoints whose recorded lists all use the envelope); filters `call_id`,
//!   `cursor`, `limit` (default 30, at most 100); no `order_by` (400). The default order is
//!   UNCONFIRMED: oldest first, as Pathlight/tap-gorgias's comment says. `GET /{id}` reads one.
//!   No writes. Accounts without Voice: see `objects::voice_calls`.

use crate::http::{ApiResult, Call};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, filter};
use crate::object::{self, ObjectDef};
use crate::options::Voice;
use crate::seed::{Gen, Seeder, dt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use serde_json::{Value, json};

use super::voice_calls::{CallPlan, CallPlans, account_id, get_gated, list_gated};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[f("call_id", Int), f("created_datetime", Time)],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &["call_id"],
    list_omit: &[],
};

/// `GET /api/phone/voice-call-events`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::VoiceCallEvents,
    orders: &[],
    default_order: "created_datetime:asc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("call_id", IntEq("call_id"))],
    hidden_orders: &[asc("created_datetime:asc", "created")],
    envelope: Envelope::DATA_FIRST,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    routes: &[
        object::get("/api/phone/voice-call-events", list_events),
        object::get("/api/phone/voice-call-events/{id}", get_event),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(
        ObjectKind::VoiceCallEvents,
        "/api/phone/voice-call-events",
        &STORE,
    )
};

fn list_events(c: &Call) -> ApiResult {
    list_gated(c, &LIST)
}

fn get_event(c: &Call) -> ApiResult {
    get_gated(c, ObjectKind::VoiceCallEvents)
}

/// An event record.
#[allow(clippy::too_many_arguments)]
pub fn record(
    id: i64,
    kind: &str,
    account: i64,
    call: i64,
    user: Option<i64>,
    customer: Option<i64>,
    at: Micros,
    meta: Value,
) -> Value {
    json!({
        "id": id,
        "type": kind,
        "account_id": account,
        "call_id": call,
        "user_id": user,
        "customer_id": customer,
        "created_datetime": dt(at),
        "meta": meta,
    })
}

/// The events of one call, in order: `(type, seconds after the call began, agent involved)`.
fn course(p: &CallPlan) -> Vec<(&'static str, i64, Option<i64>)> {
    let talk = p.duration;
    let mut out = Vec::new();
    if p.inbound {
        out.push(("incoming-phone-call", 0, None));
        out.push(("phone-call-ringing", 1, p.agent));
    } else {
        out.push(("outgoing-phone-call", 0, p.agent));
    }
    match (p.status, p.inbound) {
        ("completed", _) => {
            out.push(("phone-call-answered", 6, p.agent));
            out.push(("phone-call-conversation-started", 7, p.agent));
            if p.recorded {
                out.push(("call-recording", 8 + talk, p.agent));
            }
            out.push(("completed-phone-call", 8 + talk, p.agent));
        }
        (_, true) => {
            out.push(("missed-phone-call", 30, None));
            if p.voicemail {
                out.push(("voicemail-recording", 60, None));
            }
        }
        (_, false) => out.push(("phone-call-dial-failed", 20, p.agent)),
    }
    out
}

/// An event's `meta`: its details as an object, sometimes null, now and then the string `"{}"`
/// (as the reference's example shows it).
fn meta(g: &mut Gen, kind: &str, p: &CallPlan) -> Value {
    match g.index(10) {
        0 => Value::Null,
        1 => json!("{}"),
        _ => match kind {
            "phone-call-ringing" | "phone-call-answered" => {
                json!({ "queue_id": 3_300 + (p.id % 3), "ring_duration": 5 })
            }
            "completed-phone-call" => json!({ "duration": p.duration, "status": p.status }),
            "call-recording" | "voicemail-recording" => {
                let voicemail = kind == "voicemail-recording";
                json!({ "recording_id": super::voice_call_recordings::recording_id(p.id, voicemail) })
            }
            _ => json!({ "provider": "twilio" }),
        },
    }
}

/// Seeds every call's events (on accounts with Voice).
fn seed(s: &mut Seeder) {
    if s.voice != Voice::Enabled {
        return;
    }
    let mut g = s.gen_for(32);
    let account = account_id(&s.data);
    let plans = std::mem::take(&mut s.data.ext_mut::<CallPlans>().0);
    let mut events: Vec<(Micros, &'static str, &CallPlan, Option<i64>)> = Vec::new();
    for p in &plans {
        for (kind, after, agent) in course(p) {
            // Microseconds apart, as Gorgias's datetimes are: two events of a call that happen
            // in the same second (a recording and the call's end) do not share an instant.
            let at = p.created + after * time::SECOND + g.between(0, time::SECOND - 1);
            events.push((at, kind, p, agent));
        }
    }
    events.sort_by_key(|e| e.0);
    let ids = g.ids(events.len(), 413_000_000);
    for ((at, kind, p, agent), id) in events.into_iter().zip(ids) {
        let m = meta(&mut g, kind, p);
        let v = record(id, kind, account, p.id, agent, Some(p.customer), at, m);
        s.data.put(ObjectKind::VoiceCallEvents, &v);
    }
    s.data.ext_mut::<CallPlans>().0 = plans;
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = crate::seed::gen_now(data, now);
    let call = crate::seed::sample_values(data, ObjectKind::VoiceCalls, &mut g, 1)
        .into_iter()
        .next();
    let (call_id, customer, agent) = call.map_or((0, None, None), |c| {
        (
            c["id"].as_i64().unwrap_or(0),
            c["customer_id"].as_i64(),
            c["last_answered_by_agent_id"].as_i64(),
        )
    });
    let id = data.next_id(ObjectKind::VoiceCallEvents);
    let account = account_id(data);
    let v = record(
        id,
        "phone-call-ringing",
        account,
        call_id,
        agent,
        customer,
        now,
        json!({ "ring_duration": 5 }),
    );
    Ok(object::insert_new(data, ObjectKind::VoiceCallEvents, &v)?)
}
