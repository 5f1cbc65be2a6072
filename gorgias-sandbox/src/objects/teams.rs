//! Teams: `/api/teams`.
//!
//! * Record keys as recorded (Nango tests get-team, create-team): `id, uri, name, description,
//!   decoration, members, created_datetime` — no `updated_datetime`. Create `{name, description}`
//!   answers 200 with `decoration: {}` and `members: []`; `DELETE` 204 (recorded: Nango test
//!   delete-team).
//! * List: envelope `{data, object, uri, meta}` without `total_resources` (recorded: Nango test
//!   list-teams); `order_by` `created_datetime` or `name`, asc/desc
//!   (benpalmer1/Gorgias-MCP-Server); default `created_datetime:desc` (sandbox choice, like the
//!   other lists).
//! * `members` items are `{id, name, meta}` of users: UNCONFIRMED (only `[]` was recorded).

use crate::error::ApiError;
use crate::http::{Field, Ty, opt, req};
use crate::list::{Envelope, ListSpec, asc, desc};
use crate::object::{self, ObjectDef, Writes};
use crate::seed::{Seeder, dt, text};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use serde_json::{Map, Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[f("name", Str), f("created_datetime", Time)],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("name", &["name"]),
    ],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/teams`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Teams,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("name:asc", "name"),
        desc("name:desc", "name"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const CREATE: &[Field] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
    opt("members", Ty::Array),
];
const UPDATE: &[Field] = &[
    opt("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
    opt("members", Ty::Array),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "team",
    defaults,
    check: None,
    prepare: Some(prepare),
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    writes: Some(&WRITES),
    delete: true,
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Teams, "/api/teams", &STORE)
};

/// A team record.
pub fn record(
    id: i64,
    name: &str,
    description: Option<&str>,
    decoration: Value,
    members: Vec<Value>,
    created: Micros,
) -> Value {
    json!({
        "id": id,
        "uri": format!("/api/teams/{id}/"),
        "name": name,
        "description": description,
        "decoration": decoration,
        "members": members,
        "created_datetime": dt(created),
    })
}

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(record(id, "", None, json!({}), Vec::new(), now))
}

/// Resolves `members: [{id}]` into user summaries.
fn prepare(data: &mut AccountData, f: &mut Map<String, Value>) -> Result<(), ApiError> {
    let Some(members) = f.get("members").and_then(Value::as_array).cloned() else {
        return Ok(());
    };
    let mut out = Vec::new();
    for m in members {
        let id = m.get("id").and_then(Value::as_i64).ok_or_else(|| {
            ApiError::bad_request("Failed to save team")
                .with_field("members", "Each member needs an integer id.")
        })?;
        let u = data.col(ObjectKind::Users).get_value(id).ok_or_else(|| {
            ApiError::bad_request("Failed to save team")
                .with_field("members", &format!("User {id} not found."))
        })?;
        out.push(json!({ "id": id, "name": u["name"], "meta": u["meta"] }));
    }
    f.insert("members".into(), Value::Array(out));
    Ok(())
}

const NAMES: &[&str] = &[
    "Support",
    "Billing",
    "VIP Care",
    "Returns",
    "Escalations",
    "Night shift",
];

/// Seeds teams with some of the agents as members.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(2);
    let users = s.people(ObjectKind::Users);
    let n = s.sizes.teams;
    let ids = g.ids(n, 2_000);
    let times = g.sorted_times(n, s.start, s.early);
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let name = NAMES
            .get(i)
            .map_or_else(|| format!("Team {}", i + 1), |s| s.to_string());
        let members: Vec<Value> = users
            .iter()
            .skip(1)
            .filter(|_| g.chance(0.4))
            .map(|p| json!({ "id": p.id, "name": p.name, "meta": p.meta }))
            .collect();
        let decoration = if g.chance(0.6) {
            json!({ "emoji": g.pick(text::EMOJIS) })
        } else {
            json!({})
        };
        let description = g.maybe(0.5, |_| format!("The {name} team"));
        let v = record(id, &name, description.as_deref(), decoration, members, t);
        s.data.put(ObjectKind::Teams, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Teams);
    let n = data.col(ObjectKind::Teams).len();
    let v = record(
        id,
        &format!("Team {}", n + 1),
        None,
        json!({}),
        Vec::new(),
        now,
    );
    Ok(object::insert_new(data, ObjectKind::Teams, &v)?)
}
