//! Jobs: `/api/jobs`.
//!
//! * Record keys as recorded (Nango tests get-job, list-jobs): `id, cancel_requested_datetime,
//!   cancelled_datetime, created_datetime, ended_datetime, failed_datetime, info, locked_datetime,
//!   meta, params, scheduled_datetime, started_datetime, status, type, user_id, uri`
//!   (`cancelled_datetime` with two l while the status is `canceled`); no `updated_datetime`.
//!   `scheduled_datetime` is null unless the job was scheduled.
//! * List: newest first, envelope `{data, object, uri, meta}` without `total_resources` (recorded:
//!   Nango test list-jobs); `status` and `type` filters (API reference "List Jobs" via withone.ai).
//! * `GET /api/jobs/{id}` answers **200** (recorded: Nango test get-job; (API reference via
//!   withone.ai) documents 202). `POST` (needs `type` and `params`; `scheduled_datetime` at most 60
//!   minutes ahead (developers.gorgias.com/reference/create-job)) answers 200; `PUT` updates
//!   `meta`, `params`, `scheduled_datetime`, `status` (benpalmer1/Gorgias-MCP-Server). `DELETE`
//!   cancels and answers 204 (recorded: Nango test cancel-job): a job that has not started becomes
//!   `canceled` with `cancelled_datetime` set; a running or finished job only gets
//!   `cancel_requested_datetime` (a `done` job with it is recorded: Nango test list-jobs). Jobs
//!   stay listed. No events (no documented object type).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, now_value, ok, opt, req, validate};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, stored};
use crate::seed::{Gen, Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros, SECOND};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// Job types (API reference "List Jobs" via withone.ai).
pub const TYPES: &[&str] = &[
    "applyMacro",
    "deleteTicket",
    "exportTicket",
    "importMacro",
    "exportMacro",
    "updateTicket",
    "exportTicketDrilldown",
    "exportConvertCampaignSalesDrilldown",
];

/// Job statuses (API reference "List Jobs" via withone.ai).
pub const STATUSES: &[&str] = &[
    "pending",
    "scheduled",
    "running",
    "done",
    "cancel_requested",
    "canceled",
    "errored",
    "fatal_errored",
];

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("status", Str),
        f("type", Str),
        f("created_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/jobs`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Jobs,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("status", StrEq("status", STATUSES)),
        filter("type", StrEq("type", TYPES)),
    ],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const CREATE: &[Field] = &[
    req("type", Ty::Enum(TYPES)),
    req("params", Ty::Object),
    opt("scheduled_datetime", Ty::Datetime),
    opt("meta", Ty::Object),
];

const UPDATE: &[Field] = &[
    opt("params", Ty::Object),
    opt("scheduled_datetime", Ty::Datetime),
    opt("meta", Ty::Object),
    opt("status", Ty::Enum(STATUSES)),
];

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    routes: &[
        object::post("/api/jobs", create),
        object::put("/api/jobs/{id}", update),
        object::delete("/api/jobs/{id}", cancel),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Jobs, "/api/jobs", &STORE)
};

/// A job record, pending.
pub fn record(id: i64, kind: &str, params: Value, user_id: i64, created: Micros) -> Value {
    json!({
        "id": id,
        "cancel_requested_datetime": null,
        "cancelled_datetime": null,
        "created_datetime": dt(created),
        "ended_datetime": null,
        "failed_datetime": null,
        "info": {},
        "locked_datetime": null,
        "meta": null,
        "params": params,
        "scheduled_datetime": null,
        "started_datetime": null,
        "status": "pending",
        "type": kind,
        "user_id": user_id,
        "uri": format!("/api/jobs/{id}/"),
    })
}

fn schedule(f: &Map<String, Value>, now: Micros) -> Result<Option<Micros>, ApiError> {
    let Some(s) = f.get("scheduled_datetime").and_then(Value::as_str) else {
        return Ok(None);
    };
    let t = time::parse(s).unwrap_or(now);
    if t > now + 3600 * SECOND {
        return Err(ApiError::bad_request("Invalid job").with_field(
            "scheduled_datetime",
            "Must be at most 60 minutes in the future.",
        ));
    }
    Ok(Some(t))
}

fn create(c: &Call) -> ApiResult {
    let f = validate(&c.body, CREATE, false, "Failed to create job")?;
    let mut data = c.ctx.account.write();
    let now = data.now();
    let scheduled = schedule(&f, now)?;
    let id = data.next_id(ObjectKind::Jobs);
    let mut v = record(
        id,
        f["type"].as_str().unwrap_or_default(),
        f["params"].clone(),
        c.ctx.user_id,
        now,
    );
    if let Some(s) = scheduled {
        v["scheduled_datetime"] = now_value(s);
        if s > now {
            v["status"] = json!("scheduled");
        }
    }
    if let Some(m) = f.get("meta") {
        v["meta"] = m.clone();
    }
    data.put(ObjectKind::Jobs, &v);
    ok(&v)
}

fn update(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let mut f = validate(&c.body, UPDATE, true, "Failed to update job")?;
    let mut data = c.ctx.account.write();
    let mut v = stored(&data, ObjectKind::Jobs, id)?;
    let now = data.now();
    if let Some(t) = schedule(&f, now)? {
        f.insert("scheduled_datetime".into(), now_value(t));
    }
    crate::http::merge(&mut v, f);
    data.put(ObjectKind::Jobs, &v);
    ok(&v)
}

fn cancel(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let mut data = c.ctx.account.write();
    let mut v = stored(&data, ObjectKind::Jobs, id)?;
    let now = data.now();
    match v["status"].as_str().unwrap_or_default() {
        "pending" | "scheduled" => {
            v["status"] = json!("canceled");
            v["cancelled_datetime"] = now_value(now);
        }
        "canceled" => {}
        // A running job finishes (as `done`) with `cancel_requested_datetime` set (recorded:
        // Nango test list-jobs).
        _ => v["cancel_requested_datetime"] = now_value(now),
    }
    data.put(ObjectKind::Jobs, &v);
    Ok(empty(StatusCode::NO_CONTENT))
}

fn job(g: &mut Gen, id: i64, created: Micros, user_id: i64, ticket_ids: &[i64]) -> Value {
    let kind = *g.pick(TYPES);
    let params = if kind.contains("Macro") || kind.contains("Drilldown") || g.chance(0.3) {
        json!({})
    } else {
        let ids: Vec<i64> = (0..3)
            .filter_map(|_| ticket_ids.get(g.index(ticket_ids.len().max(1))))
            .copied()
            .collect();
        json!({ "ticket_ids": ids, "updates": { "status": "closed" }, "apply_and_close": false })
    };
    let mut v = record(id, kind, params, user_id, created);
    let status = if g.chance(0.6) {
        "done"
    } else {
        *g.pick(STATUSES)
    };
    v["status"] = json!(status);
    let scheduled = matches!(status, "scheduled" | "canceled")
        .then(|| created + g.between(50 * 60 * SECOND, 59 * 60 * SECOND));
    v["scheduled_datetime"] = odt(scheduled);
    let started = (!matches!(status, "pending" | "scheduled" | "canceled"))
        .then(|| created + g.between(50_000, 2 * SECOND));
    v["started_datetime"] = odt(started);
    let ended = started
        .filter(|_| matches!(status, "done" | "errored" | "fatal_errored"))
        .map(|s| s + g.between(SECOND, 600 * SECOND));
    v["ended_datetime"] = odt(ended);
    v["failed_datetime"] = odt(ended.filter(|_| status.contains("errored")));
    if status == "canceled" {
        v["cancelled_datetime"] = dt(created + g.between(SECOND, 10 * SECOND));
    }
    if status == "cancel_requested" || (status == "done" && g.chance(0.1)) {
        v["cancel_requested_datetime"] = odt(started.map(|s| s + 200_000));
    }
    if ended.is_some() && v["params"]["ticket_ids"].is_array() {
        v["info"] = json!({ "progress_count": 3 });
    }
    v
}

/// Seeds jobs of the last months.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(14);
    let tickets = s.data.col(ObjectKind::Tickets).ids();
    let n = s.sizes.jobs;
    let ids = g.ids(n, 1_551_700);
    let times = g.sorted_times(n, s.end - 120 * time::DAY, s.end - time::DAY);
    let owner = s.data.owner_user_id;
    for (&id, &t) in ids.iter().zip(&times) {
        let v = job(&mut g, id, t, owner, &tickets);
        s.data.put(ObjectKind::Jobs, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Jobs);
    let v = record(id, "exportMacro", json!({}), data.owner_user_id, now);
    data.put(ObjectKind::Jobs, &v)
        .ok_or_else(|| crate::SandboxError::Unsupported("record without id".into()))
}
