//! Satisfaction surveys: `/api/satisfaction-surveys`.
//!
//! * Record keys as recorded (Nango tests list-satisfaction-surveys, create-satisfaction-survey):
//!   `id, body_text, created_datetime, customer_id, meta, score, scored_datetime, sent_datetime,
//!   should_send_datetime, ticket_id, uri`; no `updated_datetime`. A survey created through the API
//!   has every datetime but `created_datetime` null (same recording).
//! * List: newest first, envelope `{data, object, uri, meta}` without `total_resources` (recorded:
//!   Nango test list-satisfaction-surveys); `order_by=created_datetime:asc|desc`, `ticket_id` (API
//!   reference via withone.ai).
//! * Create needs `customer_id` and `ticket_id` (API reference via withone.ai) and answers 200
//!   (recorded: Nango test create-satisfaction-survey); one survey per ticket (a second is a 409,
//!   sandbox choice per (developers.gorgias.com/reference/the-satisfactionsurvey-object)); `PUT` is
//!   partial: `{score, scored_datetime}` alone answers 200 with the full survey (recorded: Nango
//!   test update-satisfaction-survey). There is no `DELETE` (405).

use crate::error::ApiError;
use crate::http::{Field, Ty, opt, req};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes};
use crate::seed::{Gen, Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use serde_json::{Map, Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("ticket_id", Int),
        f("customer_id", Int),
        f("score", Int),
        f("created_datetime", Time),
        f("scored_datetime", Time),
        f("sent_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &["ticket_id", "customer_id"],
    list_omit: &[],
};

/// `GET /api/satisfaction-surveys`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::SatisfactionSurveys,
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

const CREATE: &[Field] = &[
    req("customer_id", Ty::Int),
    req("ticket_id", Ty::Int),
    opt("score", Ty::Int),
    opt("body_text", Ty::Str),
    opt("meta", Ty::Object),
    opt("scored_datetime", Ty::Datetime),
    opt("sent_datetime", Ty::Datetime),
    opt("should_send_datetime", Ty::Datetime),
];
const UPDATE: &[Field] = &[
    opt("customer_id", Ty::Int),
    opt("ticket_id", Ty::Int),
    opt("score", Ty::Int),
    opt("body_text", Ty::Str),
    opt("meta", Ty::Object),
    opt("scored_datetime", Ty::Datetime),
    opt("sent_datetime", Ty::Datetime),
    opt("should_send_datetime", Ty::Datetime),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "satisfaction survey",
    defaults,
    check: Some(check),
    prepare: None,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    writes: Some(&WRITES),
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(
        ObjectKind::SatisfactionSurveys,
        "/api/satisfaction-surveys",
        &STORE,
    )
};

/// A survey record (not sent, not scored).
pub fn record(id: i64, ticket_id: i64, customer_id: i64, created: Micros) -> Value {
    json!({
        "id": id,
        "body_text": null,
        "created_datetime": dt(created),
        "customer_id": customer_id,
        "meta": null,
        "score": null,
        "scored_datetime": null,
        "sent_datetime": null,
        "should_send_datetime": null,
        "ticket_id": ticket_id,
        "uri": format!("/api/satisfaction-surveys/{id}/"),
    })
}

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(record(id, 0, 0, now))
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    let bad = |field: &str, msg: &str| {
        ApiError::bad_request("Failed to save satisfaction survey").with_field(field, msg)
    };
    if let Some(s) = f.get("score").and_then(Value::as_i64)
        && !(1..=5).contains(&s)
    {
        return Err(bad(
            "score",
            "Must be greater than or equal to 1 and less than or equal to 5.",
        ));
    }
    if f.get("body_text")
        .and_then(Value::as_str)
        .is_some_and(|b| b.chars().count() > 1000)
    {
        return Err(bad("body_text", "Longer than maximum length 1000."));
    }
    if let Some(c) = f.get("customer_id").and_then(Value::as_i64)
        && data.col(ObjectKind::Customers).get(c).is_none()
    {
        return Err(bad("customer_id", "Customer not found."));
    }
    if let Some(t) = f.get("ticket_id").and_then(Value::as_i64) {
        if data.col(ObjectKind::Tickets).get(t).is_none() {
            return Err(bad("ticket_id", "Ticket not found."));
        }
        let col = data.col(ObjectKind::SatisfactionSurveys);
        let others = col
            .field("ticket_id")
            .and_then(|fi| col.group(fi, t))
            .unwrap_or_default();
        if others.iter().any(|o| Some(*o) != id) {
            return Err(ApiError::conflict(
                "ticket_id",
                "This ticket already has a satisfaction survey.",
            ));
        }
    }
    Ok(())
}

/// A survey sent after a ticket closed, sometimes scored.
fn sent_survey(g: &mut Gen, id: i64, created: Micros, ticket: i64, customer: i64) -> Value {
    let mut v = record(id, ticket, customer, created);
    let should = created + g.between(60_000_000, 7_200_000_000);
    v["should_send_datetime"] = dt(should);
    let sent = g.chance(0.85).then(|| should + g.between(0, 5_000_000));
    v["sent_datetime"] = odt(sent);
    let scored = sent
        .filter(|_| g.chance(0.6))
        .map(|s| s + g.between(60_000_000, 86_400_000_000));
    v["scored_datetime"] = odt(scored);
    let score = scored.map(|_| *g.pick(&[5, 5, 5, 4, 4, 3, 2, 1]));
    v["score"] = json!(score);
    v["body_text"] = json!(score.filter(|_| g.chance(0.5)).map(|s| if s >= 4 {
        "Great support, thanks!"
    } else {
        "Took too long."
    }));
    v
}

/// Seeds surveys for closed tickets (at most one per ticket).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(10);
    let col = s.data.col(ObjectKind::Tickets);
    let (closed_f, cust_f) = (col.field("closed_datetime"), col.field("customer.id"));
    let mut closed: Vec<(i64, Micros, i64)> = col
        .iter()
        .filter_map(|r| {
            let c = closed_f.and_then(|i| r.fields[i].as_int())?;
            Some((
                r.id,
                c,
                cust_f.and_then(|i| r.fields[i].as_int()).unwrap_or(0),
            ))
        })
        .collect();
    let want = s.sizes.satisfaction_surveys.min(closed.len());
    let mut chosen = Vec::with_capacity(want);
    for _ in 0..want {
        let i = g.index(closed.len());
        chosen.push(closed.swap_remove(i));
    }
    chosen.sort_by_key(|c| c.1);
    let ids = g.ids(chosen.len(), 6_960_000);
    for ((ticket, closed_at, customer), id) in chosen.into_iter().zip(ids) {
        let at = (closed_at + g.between(1, 3_600_000_000)).min(s.end - 1);
        let v = sent_survey(&mut g, id, at, ticket, customer);
        s.data.put(ObjectKind::SatisfactionSurveys, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = crate::seed::gen_now(data, now);
    let tickets = crate::seed::sample_values(data, ObjectKind::Tickets, &mut g, 1);
    let (tid, cid) = tickets.first().map_or((0, 0), |t| {
        (
            t["id"].as_i64().unwrap_or(0),
            t["customer"]["id"].as_i64().unwrap_or(0),
        )
    });
    let id = data.next_id(ObjectKind::SatisfactionSurveys);
    let v = record(id, tid, cid, now);
    Ok(object::insert_new(
        data,
        ObjectKind::SatisfactionSurveys,
        &v,
    )?)
}
