//! Rules: `/api/rules`.
//!
//! * Record keys as recorded (Nango tests create-rule, list-rules): `id, code, code_ast,
//!   created_datetime, deactivated_datetime, description, event_types, settings, name, priority,
//!   type, updated_datetime, uri`. A rule created with only `{name, code}` has `event_types: null`,
//!   `description: null`, `settings: null`, `type: "user"` and the next free priority (recorded:
//!   Nango test create-rule); the rules a new account comes with carry `event_types:
//!   "ticket-created"` and a description (recorded: Nango test list-rules). `code_ast` here is an
//!   ESTree `Program` whose `loc` spans the code, with an empty `body`: the sandbox does not parse
//!   rule code (the recorded ASTs are full).
//! * List: default page size **100** (API reference "List Rules" via withone.ai), newest first,
//!   envelope `{data, object, uri, meta}` without `total_resources` (recorded: Nango test
//!   list-rules); `order_by=created_datetime:asc|desc`.
//! * Create 200, `PUT` 200, `DELETE` 204 (recorded: Nango tests create-rule, update-rule,
//!   delete-rule). `POST /api/rules/priorities {"priorities":[{id, priority}]}` answers 200 with a
//!   **bare array of every rule** (recorded: Nango test update-rule-priorities).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, ok, opt, req, touch, validate};
use crate::list::{Envelope, ListSpec, asc, desc};
use crate::object::{self, ObjectDef, Writes, save_updated, stored};
use crate::seed::{Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use serde_json::{Map, Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("name", Str),
        f("priority", Int),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/rules`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Rules,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 100,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const CREATE: &[Field] = &[
    req("name", Ty::Str),
    req("code", Ty::Str),
    opt("description", Ty::Str),
    opt("event_types", Ty::Str),
    opt("priority", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

const UPDATE: &[Field] = &[
    opt("name", Ty::Str),
    opt("code", Ty::Str),
    opt("description", Ty::Str),
    opt("event_types", Ty::Str),
    opt("priority", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "rule",
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
    routes: &[object::post("/api/rules/priorities", priorities)],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Rules, "/api/rules", &STORE)
};

/// The (body-less) ESTree `Program` of rule code: its `loc` spans the code.
pub fn code_ast(code: &str) -> Value {
    let lines = code.split('\n').count().max(1);
    let last = code.rsplit('\n').next().unwrap_or("").chars().count();
    json!({
        "loc": { "end": { "line": lines, "column": last }, "start": { "line": 1, "column": 0 } },
        "body": [],
        "type": "Program",
        "sourceType": "script",
    })
}

/// A rule record.
#[allow(clippy::too_many_arguments)]
pub fn record(
    id: i64,
    name: &str,
    code: &str,
    description: Option<&str>,
    event_types: Option<&str>,
    priority: i64,
    created: Micros,
    updated: Micros,
) -> Value {
    json!({
        "id": id,
        "code": code,
        "code_ast": code_ast(code),
        "created_datetime": dt(created),
        "deactivated_datetime": null,
        "description": description,
        "event_types": event_types,
        "settings": null,
        "name": name,
        "priority": priority,
        "type": "user",
        "updated_datetime": dt(updated),
        "uri": format!("/api/rules/{id}/"),
    })
}

fn defaults(
    data: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let next = data
        .col(ObjectKind::Rules)
        .iter()
        .filter_map(|r| r.fields[1].as_int())
        .max()
        .unwrap_or(0)
        + 1;
    Ok(record(id, "", "", None, None, next, now, now))
}

fn prepare(_: &mut AccountData, f: &mut Map<String, Value>) -> Result<(), ApiError> {
    if let Some(code) = f.get("code").and_then(Value::as_str) {
        let ast = code_ast(code);
        f.insert("code_ast".into(), ast);
    }
    Ok(())
}

fn priorities(c: &Call) -> ApiResult {
    let msg = "Failed to update priorities";
    let f = validate(&c.body, &[req("priorities", Ty::Array)], false, msg)?;
    let items = f["priorities"].as_array().cloned().unwrap_or_default();
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match (
            item.get("id").and_then(Value::as_i64),
            item.get("priority").and_then(Value::as_i64),
        ) {
            (Some(id), Some(p)) => pairs.push((id, p)),
            _ => {
                return Err(ApiError::bad_request(msg).with_field(
                    &format!("priorities.{i}"),
                    "Needs an integer id and priority.",
                ));
            }
        }
    }
    let mut data = c.ctx.account.write();
    for (id, _) in &pairs {
        stored(&data, ObjectKind::Rules, *id)?;
    }
    for (id, p) in pairs {
        let mut v = stored(&data, ObjectKind::Rules, id)?;
        let now = data.now();
        v["priority"] = json!(p);
        touch(&mut v, now);
        save_updated(&mut data, ObjectKind::Rules, &v)?;
    }
    let all: Vec<Value> = data
        .col(ObjectKind::Rules)
        .iter()
        .rev()
        .map(|r| r.value())
        .collect();
    ok(&Value::Array(all))
}

/// Rules a new account comes with (recorded: Nango test list-rules, abridged code).
const CATALOG: &[(&str, &str, &str)] = &[
    (
        "[Auto Tag] Identify intents and sentiments",
        "Tags tickets by order-related intents and sentiments detected in the ticket content",
        "if (containsAny(message.intents.name, ['order/status'])) {\n    Action('addTags', { tags: 'order-status' })\n}",
    ),
    (
        "[Auto Tag] Identify social questions and leads",
        "Tags questions and leads to prioritize support and customers with purchase intention",
        "if (eq(ticket.channel, 'facebook') || eq(ticket.channel, 'instagram-comment')) {\n    Action('addTags', { tags: 'social-question' })\n}",
    ),
    (
        "[Auto Tag] Outside business hours",
        "Tags tickets received outside business hours",
        "if (isOutsideBusinessHours()) {\n    Action('addTags', { tags: 'outside-business-hours' })\n}",
    ),
];

/// Seeds the account's rules, then API-made ones (`event_types` and `description` null).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(11);
    let n = s.sizes.rules;
    let ids = g.ids(n, 120_890);
    let times = g.sorted_times(n, s.start, s.end - crate::time::DAY);
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let v = match CATALOG.get(i) {
            Some((name, description, code)) => record(
                id,
                name,
                code,
                Some(description),
                Some("ticket-created"),
                i as i64 + 1,
                t,
                t + 2,
            ),
            None => {
                let updated = g.between(t, g.span_end());
                let code = format!(
                    "if (eq(ticket.subject, \"test {i}\")) {{ Action(\"addTags\", {{ tags: \"test\" }}) }}"
                );
                let mut v = record(
                    id,
                    &format!("Rule {}", i + 1),
                    &code,
                    None,
                    None,
                    i as i64 + 1,
                    t,
                    updated,
                );
                if g.chance(0.3) {
                    v["event_types"] = json!(*g.pick(&[
                        "ticket-created,ticket-updated",
                        "ticket-message-created",
                        "satisfaction-survey-responded"
                    ]));
                }
                if g.chance(0.2) {
                    v["deactivated_datetime"] = odt(Some(updated));
                }
                v
            }
        };
        s.data.put(ObjectKind::Rules, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Rules);
    let p = data.col(ObjectKind::Rules).len() as i64 + 1;
    let v = record(
        id,
        &format!("Rule {id}"),
        "Action('snoozeTicket', {})",
        None,
        None,
        p,
        now,
        now,
    );
    Ok(object::insert_new(data, ObjectKind::Rules, &v)?)
}
