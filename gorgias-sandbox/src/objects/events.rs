//! Events: `/api/events` (read-only), and the event log every write appends to.
//!
//! * Record keys as recorded (Nango test events): `id, context, created_datetime, data, object_id,
//!   object_type, type, user_id, uri`. `context` is a uuid4 (Gorgias shares one between the events
//!   of a causal chain; the sandbox gives each event its own) or `null` (a `user-logged-in` event);
//!   `data` is `null` on most events; `user_id` is `null` on system events (`account-updated`,
//!   `ticket-satisfaction-survey-skipped`, some `ticket-updated`) (same recording). Ids exceed
//!   2^31.
//! * `object_type` values: Account, Macro, Tag, Customer, Team, View, Widget, User, TicketMessage,
//!   Ticket, Rule, Integration, SatisfactionSurvey (API reference via withone.ai) and
//!   **CustomField** (recorded: Nango test events). Jobs emit no events (no documented object
//!   type).
//! * List: default order `created_datetime:desc` (recorded: Nango test list-events), default 30
//!   items (recorded: same), envelope `{data, object, uri, meta}` without `total_resources`
//!   (recorded: Nango test events); the only list with a datetime range filter
//!   `created_datetime[gt|gte|lt|lte]`, plus `object_id`, `object_type`, `types`, `user_ids`
//!   (repeated keys) (API reference "List Events" via withone.ai); bare `order_by=created_datetime`
//!   is deprecated and means ascending.
//! * Writes through the API append `<object>-created|updated|deleted` events as the caller, plus
//!   `customer-merged` (`data: {source_customer_id}`), `ticket-tags-added` (`{tags_added: [ids]}`)
//!   and `ticket-tags-removed` (`{tags_removed: [ids]}`) (payloads recorded: Nango tests events,
//!   list-events).

use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::ObjectDef;
use crate::seed::{self, Seeder, dt, json_string};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, EventNote, ObjectKind, uuid};
use crate::time::{self, Micros};
use serde_json::{Value, json};

const OBJECT_TYPES: &[&str] = &[
    "Account",
    "Macro",
    "Tag",
    "Customer",
    "Team",
    "View",
    "Widget",
    "User",
    "TicketMessage",
    "Ticket",
    "Rule",
    "Integration",
    "SatisfactionSurvey",
    "CustomField",
];

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("type", Str),
        f("object_type", Str),
        f("object_id", Int),
        f("user_id", Int),
        f("created_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &["object_id"],
    list_omit: &[],
};

/// `GET /api/events`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Events,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("created_datetime", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("created_datetime", TimeRange("created_datetime")),
        filter("object_id", IntEq("object_id")),
        filter("object_type", StrEq("object_type", OBJECT_TYPES)),
        filter("types", StrIn("type")),
        filter("user_ids", IntIn("user_id")),
    ],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Events, "/api/events", &STORE)
};

/// An event record.
#[allow(clippy::too_many_arguments)]
pub fn record(
    id: i64,
    context: Option<String>,
    at: Micros,
    data: Option<Value>,
    object_id: i64,
    object_type: &str,
    kind: &str,
    user_id: Option<i64>,
) -> Value {
    json!({
        "id": id,
        "context": context,
        "created_datetime": dt(at),
        "data": data,
        "object_id": object_id,
        "object_type": object_type,
        "type": kind,
        "user_id": user_id,
        "uri": format!("/api/events/{id}/"),
    })
}

/// The event hook of the store: appends the event a write describes, as the account owner (the
/// credentials' user), now.
pub fn append(data: &mut AccountData, note: EventNote) {
    let Some(object_type) = note.kind.event_object_type() else {
        return;
    };
    let at = data.now();
    let id = data.next_id(ObjectKind::Events);
    let context = data.uuid();
    let user = data.owner_user_id;
    let v = record(
        id,
        Some(context),
        at,
        note.data,
        note.object_id,
        object_type,
        &note.event_type,
        Some(user),
    );
    data.put(ObjectKind::Events, &v);
}

/// One planned event.
struct Planned {
    at: Micros,
    kind: ObjectKind,
    verb: String,
    object_id: i64,
    user: Option<i64>,
    data: Option<Value>,
    context: bool,
}

/// Seeds events about the seeded records: creations, updates, tag and assignment changes, logins
/// (`context` null) and system events (`user_id` null).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(15);
    let users: Vec<i64> = s.data.col(ObjectKind::Users).ids();
    let mut pool: Vec<(ObjectKind, i64, Micros, Option<Micros>)> = Vec::new();
    for kind in ObjectKind::ALL {
        if kind.event_object_type().is_none() || kind == ObjectKind::AccountSettings {
            continue;
        }
        let col = s.data.col(kind);
        let (cf, uf) = (col.field("created_datetime"), col.field("updated_datetime"));
        let Some(cf) = cf else { continue };
        for r in col.iter() {
            if let Some(c) = r.fields[cf].as_int() {
                let u = uf.and_then(|i| r.fields[i].as_int()).filter(|u| *u > c);
                pool.push((kind, r.id, c, u));
            }
        }
    }
    let mut planned: Vec<Planned> = Vec::with_capacity(s.sizes.events);
    if !pool.is_empty() && !users.is_empty() {
        let owner = users[0];
        for _ in 0..s.sizes.events {
            let (kind, id, created, updated) = *g.pick(&pool);
            let agent = *g.pick(&users);
            let roll = g.index(100);
            let p = match (kind, roll) {
                (ObjectKind::Users, 0..30) => Planned {
                    at: g.between(created, s.end - 1),
                    kind,
                    verb: "logged-in".into(),
                    object_id: id,
                    user: Some(id),
                    data: Some(
                        json!({ "remote_addr": format!("196.96.{}.{}", g.index(256), g.index(256)) }),
                    ),
                    context: false,
                },
                (ObjectKind::Tickets, 0..15) => Planned {
                    at: updated.map_or(created, |u| g.between(created, u)),
                    kind,
                    verb: "assigned".into(),
                    object_id: id,
                    user: Some(agent),
                    data: Some(json!({ "assignee_user_id": agent })),
                    context: true,
                },
                (ObjectKind::Tickets, 15..25) => Planned {
                    at: updated.map_or(created, |u| g.between(created, u)),
                    kind,
                    verb: "tags-added".into(),
                    object_id: id,
                    user: Some(agent),
                    data: Some(
                        json!({ "tags_added": [s.data.col(ObjectKind::Tags).ids().first().copied().unwrap_or(0)] }),
                    ),
                    context: true,
                },
                _ => match updated.filter(|_| g.chance(0.4)) {
                    Some(u) => Planned {
                        at: g.between(created + 1, u),
                        kind,
                        verb: "updated".into(),
                        object_id: id,
                        user: g.chance(0.85).then_some(agent),
                        data: None,
                        context: true,
                    },
                    None => Planned {
                        at: created,
                        kind,
                        verb: "created".into(),
                        object_id: id,
                        user: (kind != ObjectKind::Customers || g.chance(0.5)).then_some(
                            if kind == ObjectKind::Users {
                                owner
                            } else {
                                agent
                            },
                        ),
                        data: None,
                        context: true,
                    },
                },
            };
            planned.push(p);
        }
    }
    planned.sort_by_key(|p| p.at);
    let ids = g.ids(planned.len(), 2_189_000_000);
    let contexts: Vec<String> = (0..planned.len()).map(|_| uuid(&mut g.rng)).collect();
    let jsons = crate::par::chunks(planned.len(), seed::CHUNK, |_, r| {
        r.filter_map(|i| {
            let p = &planned[i];
            let object_type = p.kind.event_object_type()?;
            let event_type = format!("{}-{}", p.kind.event_prefix(), p.verb);
            let context = p.context.then(|| contexts[i].clone());
            Some(json_string(&record(
                ids[i],
                context,
                p.at,
                p.data.clone(),
                p.object_id,
                object_type,
                &event_type,
                p.user,
            )))
        })
        .collect()
    });
    s.data.put_batch(ObjectKind::Events, jsons);
    // The account's own system events: created by no one, updated by the system.
    let created = s.start - 60 * time::DAY;
    for (i, verb) in ["created", "updated"].iter().enumerate() {
        let id = 2_188_000_000 + i as i64;
        let v = record(
            id,
            Some(uuid(&mut g.rng)),
            created + i as i64 * time::SECOND,
            None,
            1,
            "Account",
            &format!("account-{verb}"),
            None,
        );
        s.data.put(ObjectKind::Events, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Events);
    let owner = data.owner_user_id;
    let v = record(
        id,
        None,
        now,
        Some(json!({ "remote_addr": "127.0.0.1" })),
        owner,
        "User",
        "user-logged-in",
        Some(owner),
    );
    data.put(ObjectKind::Events, &v)
        .ok_or_else(|| crate::SandboxError::Unsupported("record without id".into()))
}
