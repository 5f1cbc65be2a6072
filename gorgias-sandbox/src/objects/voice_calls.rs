//! Voice calls: `/api/phone/voice-calls` (Gorgias Voice, the phone add-on), and what the three
//! voice objects share: whether the account has Voice, and the gated list and read routes.
//!
//! * Record keys as documented (developers.gorgias.com/reference/the-voicecall-object), in its
//!   order: `id, integration_id, ticket_id, phone_number_id, external_id, provider, status,
//!   direction, phone_number_source, country_source, phone_number_destination,
//!   country_destination, duration, started_datetime, created_datetime, updated_datetime,
//!   initiated_by_agent_id, last_answered_by_agent_id, customer_id, has_voicemail,
//!   has_call_recording`, then the newer keys of the API reference's examples (via withone.ai):
//!   `answered_by_external_customer_id, answered_by_external_number, last_monitoring_agent_id,
//!   last_rang_agent_id, monitoring_status, queue_id, status_in_queue, summaries`. Nullability as
//!   Pathlight/tap-gorgias `schemas/voice_calls.json` found it; `updated_datetime` may be null.
//!   No voice traffic was recorded.
//! * List: cursor pages in the usual envelope (`{data, object, uri, meta}`, the recorded shape of
//!   most lists; the reference's example shows `{data, meta}`); filters `ticket_id`, `cursor`,
//!   `limit` (default 30, at most 100) and nothing else (API reference via withone.ai;
//!   benpalmer1/Gorgias-MCP-Server): **no `order_by`** is documented, so one is an unknown
//!   parameter (400). The default order is UNCONFIRMED: newest first (`created_datetime`
//!   descending) is the sandbox's choice, as Pathlight/tap-gorgias assumes. `GET /{id}` reads one.
//!   There are no writes.
//! * Seeded calls follow the account's phone tickets (`ticket_id`, the ticket's customer, its
//!   assignee answering), plus calls that made no ticket; inbound and outbound, answered,
//!   missed (some with a voicemail) and failed, with Twilio ids, `+1555` numbers, the account's
//!   first `phone` integration (null when none is seeded) and a few summaries.
//!
//! **Accounts without Voice** ([`crate::Voice::Disabled`]): the API reference only says the
//! account needs Voice; what `/api/phone/*` answers without it is UNCONFIRMED. The default
//! ([`crate::NoVoice::Empty`]) is the sandbox's choice of the most plausible answer: the
//! endpoints answer as for any object the account has none of (empty list pages, 404 for an id).
//! The other plausible answers can be chosen: 403 or 404 with a Gorgias error body on every
//! `/api/phone/*` request ([`gate`]).

use crate::error::ApiError;
use crate::http::{ApiResult, Call};
use crate::list::{Envelope, FilterKind::*, ListSpec, desc, filter};
use crate::object::{self, ObjectDef};
use crate::options::{NoVoice, Voice};
use crate::seed::{Gen, Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("ticket_id", Int),
        f("customer_id", Int),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &["ticket_id"],
    list_omit: &[],
};

/// `GET /api/phone/voice-calls`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::VoiceCalls,
    orders: &[],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("ticket_id", IntEq("ticket_id"))],
    hidden_orders: &[desc("created_datetime:desc", "created")],
    envelope: Envelope::DATA_FIRST,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    routes: &[
        object::get("/api/phone/voice-calls", list_calls),
        object::get("/api/phone/voice-calls/{id}", get_call),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::VoiceCalls, "/api/phone/voice-calls", &STORE)
};

/// Whether the account has Voice (set when it is seeded).
#[derive(Debug, Default)]
pub struct VoiceState {
    /// The account's option.
    pub voice: Voice,
}

/// The answer of every `/api/phone/*` request on an account without Voice that answers with an
/// error ([`NoVoice::Forbidden`], [`NoVoice::NotFound`]); `Ok` otherwise.
pub fn gate(c: &Call) -> Result<(), ApiError> {
    let data = c.ctx.account.read();
    match data.ext::<VoiceState>().map(|s| s.voice) {
        Some(Voice::Disabled(NoVoice::Forbidden)) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "You do not have enough permissions to perform this action.",
        )),
        Some(Voice::Disabled(NoVoice::NotFound)) => Err(ApiError::not_found()),
        _ => Ok(()),
    }
}

/// A gated list page.
pub fn list_gated(c: &Call, spec: &ListSpec) -> ApiResult {
    gate(c)?;
    object::list(c, spec)
}

/// A gated single read.
pub fn get_gated(c: &Call, kind: ObjectKind) -> ApiResult {
    gate(c)?;
    object::get_one(c, kind, c.first_id()?)
}

fn list_calls(c: &Call) -> ApiResult {
    list_gated(c, &LIST)
}

fn get_call(c: &Call) -> ApiResult {
    get_gated(c, ObjectKind::VoiceCalls)
}

/// The account's id, as voice call events carry it (Gorgias's account object shows none; a
/// stable number per subdomain).
pub fn account_id(data: &AccountData) -> i64 {
    1_000 + (crate::seed::mix(data.subdomain.len() as u64, 0x5011) % 90_000) as i64
}

/// What a seeded call is about: its people and how it went.
#[derive(Debug, Clone)]
pub struct CallPlan {
    /// The call's id.
    pub id: i64,
    /// When it was made.
    pub created: Micros,
    /// Its ticket, if any.
    pub ticket: Option<i64>,
    /// The customer on the call.
    pub customer: i64,
    /// The agent who answered or placed it, if any.
    pub agent: Option<i64>,
    /// Inbound (else outbound).
    pub inbound: bool,
    /// `completed`, `missed`, `no-answer`, `failed`.
    pub status: &'static str,
    /// Seconds talked.
    pub duration: i64,
    /// Left a voicemail.
    pub voicemail: bool,
    /// Was recorded.
    pub recorded: bool,
}

impl CallPlan {
    /// When the call ended.
    pub fn ended(&self) -> Micros {
        self.created + (self.duration + 8) * time::SECOND
    }
}

/// The account's phone number the calls go through: `(phone_number_id, number)`.
fn line(sub: &str) -> (i64, String) {
    let n = crate::seed::mix(sub.len() as u64, 0x7E1) % 10_000;
    (2_100 + (n % 50) as i64, format!("+1415555{n:04}"))
}

/// A customer's number.
fn customer_number(customer: i64) -> String {
    format!("+1555{:07}", customer.rem_euclid(10_000_000))
}

/// A call record from its plan.
pub fn record(
    p: &CallPlan,
    g: &mut Gen,
    sub: &str,
    integration: Option<i64>,
    updated: Option<Micros>,
) -> Value {
    let (number_id, number) = line(sub);
    let theirs = customer_number(p.customer);
    let (from, to) = if p.inbound {
        (theirs, number)
    } else {
        (number, theirs)
    };
    let answered = p.status == "completed";
    let summaries: Vec<Value> = if p.recorded && g.chance(0.5) {
        vec![json!({
            "id": p.id * 10 + 1,
            "recording_id": super::voice_call_recordings::recording_id(p.id, false),
            "summary": g.pick(&[
                "The customer asked where their order is; the agent gave the tracking link.",
                "The customer wants to return a damaged item; a replacement was offered.",
                "The customer asked about wholesale prices; the agent promised an email.",
            ]),
            "created_datetime": dt(p.ended() + 30 * time::SECOND),
        })]
    } else {
        Vec::new()
    };
    json!({
        "id": p.id,
        "integration_id": integration,
        "ticket_id": p.ticket,
        "phone_number_id": number_id,
        "external_id": format!("CA{:016x}{:016x}", crate::seed::mix(p.id as u64, 1), crate::seed::mix(p.id as u64, 2)),
        "provider": "twilio",
        "status": p.status,
        "direction": if p.inbound { "inbound" } else { "outbound" },
        "phone_number_source": from,
        "country_source": "US",
        "phone_number_destination": to,
        "country_destination": "US",
        "duration": p.duration,
        "started_datetime": dt(p.created - g.between(0, 2 * time::SECOND)),
        "created_datetime": dt(p.created),
        "updated_datetime": odt(updated),
        "initiated_by_agent_id": if p.inbound { None } else { p.agent },
        "last_answered_by_agent_id": if p.inbound && answered { p.agent } else { None },
        "customer_id": p.customer,
        "has_voicemail": p.voicemail,
        "has_call_recording": p.recorded,
        "answered_by_external_customer_id": null,
        "answered_by_external_number": null,
        "last_monitoring_agent_id": null,
        "last_rang_agent_id": if p.inbound { p.agent } else { None },
        "monitoring_status": null,
        "queue_id": if p.inbound { Some(3_300 + (p.id % 3)) } else { None },
        "status_in_queue": if p.inbound { Some(if answered { "distributed" } else { "abandoned" }) } else { None },
        "summaries": summaries,
    })
}

/// A phone ticket a call made: `(ticket, its customer, its assignee)`.
type TicketRef = (i64, i64, Option<i64>);

/// A random call of a customer (with its ticket and agent, when given), made at `at`.
fn plan(
    g: &mut Gen,
    id: i64,
    at: Micros,
    ticket: Option<TicketRef>,
    customers: &[i64],
    agents: &[i64],
) -> CallPlan {
    let inbound = g.chance(0.75);
    let status = if inbound {
        *g.pick(&["completed", "completed", "completed", "missed"])
    } else {
        *g.pick(&["completed", "completed", "no-answer", "failed"])
    };
    let answered = status == "completed";
    let (ticket, customer, assignee) = match ticket {
        Some((t, c, a)) => (Some(t), c, a),
        None => (
            None,
            customers
                .get(g.index(customers.len()))
                .copied()
                .unwrap_or(0),
            None,
        ),
    };
    let agent = assignee
        .or_else(|| agents.get(g.index(agents.len())).copied())
        .filter(|_| answered || !inbound || g.chance(0.5));
    CallPlan {
        id,
        created: at,
        ticket,
        customer,
        agent,
        inbound,
        status,
        duration: if answered { g.rng_range(25, 900) } else { 0 },
        voicemail: inbound && !answered && g.chance(0.6),
        recorded: answered && g.chance(0.7),
    }
}

/// Every seeded call's plan (also read by the events and recordings seeds).
#[derive(Debug, Default)]
pub struct CallPlans(pub Vec<CallPlan>);

/// Seeds the calls (on accounts with Voice): one per phone ticket first, at the ticket's
/// creation, then calls that made no ticket.
fn seed(s: &mut Seeder) {
    s.data.ext_mut::<VoiceState>().voice = s.voice;
    if s.voice != Voice::Enabled {
        return;
    }
    let mut g = s.gen_for(31);
    let tickets = s.data.col(ObjectKind::Tickets);
    let (channel, customer, assignee, created) = (
        tickets.field("channel"),
        tickets.field("customer.id"),
        tickets.field("assignee_user.id"),
        tickets.field("created_datetime"),
    );
    let int = |r: &crate::store::Record, f: Option<usize>| f.and_then(|i| r.fields[i].as_int());
    let mut phone: Vec<(Micros, i64, i64, Option<i64>)> = tickets
        .iter()
        .filter(|r| channel.and_then(|i| r.fields[i].as_str()) == Some("phone"))
        .filter_map(|r| Some((int(r, created)?, r.id, int(r, customer)?, int(r, assignee))))
        .collect();
    phone.sort_unstable();
    let customers = s.data.col(ObjectKind::Customers).ids();
    let agents: Vec<i64> = s.data.col(ObjectKind::Users).ids();
    let n = s.sizes.voice_calls;
    let mut when: Vec<(Micros, Option<TicketRef>)> = phone
        .iter()
        .take(n * 3 / 4)
        .map(|(t, id, c, a)| {
            (
                t - g.between(time::SECOND, 40 * time::SECOND),
                Some((*id, *c, *a)),
            )
        })
        .collect();
    let rest = n - when.len();
    for t in g.sorted_times(rest, s.start, s.end - time::DAY) {
        when.push((t, None));
    }
    when.sort_by_key(|w| w.0);
    let ids = g.ids(when.len(), 88_100_000);
    let integration = super::integrations::first_of(&s.data, "phone").map(|i| i.0);
    let mut plans = Vec::with_capacity(when.len());
    for ((at, ticket), id) in when.into_iter().zip(ids) {
        let p = plan(&mut g, id, at, ticket, &customers, &agents);
        let updated = g.chance(0.9).then(|| {
            (p.ended() + g.between(0, 60 * time::SECOND))
                .min(s.end - 1)
                .max(p.created)
        });
        let v = record(&p, &mut g, &s.sub, integration, updated);
        s.data.put(ObjectKind::VoiceCalls, &v);
        plans.push(p);
    }
    s.data.ext_mut::<CallPlans>().0 = plans;
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = crate::seed::gen_now(data, now);
    let id = data.next_id(ObjectKind::VoiceCalls);
    let customers = data.col(ObjectKind::Customers).ids();
    let agents = data.col(ObjectKind::Users).ids();
    let p = plan(&mut g, id, now, None, &customers, &agents);
    let integration = super::integrations::first_of(data, "phone").map(|i| i.0);
    let sub = data.subdomain.clone();
    let v = record(&p, &mut g, &sub, integration, Some(now));
    Ok(object::insert_new(data, ObjectKind::VoiceCalls, &v)?)
}
