//! Macros: `/api/macros`.
//!
//! * Record keys as recorded (Nango tests macros, list-macros, get-macro): `id, external_id, name,
//!   intent, language, usage, actions[{arguments, name, title, type?}], created_datetime,
//!   updated_datetime, archived_datetime, uri`. **`updated_datetime` is `null` on every macro never
//!   edited since creation**, the create response included; the first `PUT` sets it (recorded:
//!   Nango tests create-macro, update-macro). Actions created through the API without `type` have
//!   none (recorded: Nango test macros).
//! * List: envelope `{data, object, uri, meta}` without `total_resources`; filters `search`, `tags`
//!   (all must match), `languages`, `archived` (default false), `ticket_id`, `message_id`,
//!   `number_predictions`; `order_by` on `name`, `created_datetime`, `updated_datetime`, `usage`,
//!   `relevance` (needs `ticket_id`; ranks by usage here), `language`, with `:asc|:desc` (bare
//!   names deprecated: ascending except `usage` and `relevance`) (API reference "List Macros" via
//!   withone.ai). `updated_datetime:asc` is accepted and lists never-edited macros (null) first, by
//!   id (recorded: Nango test macros). The documented default is `usage`; the recording came back
//!   newest first with every usage 0, which `usage:desc` with ties by id descending reproduces (the
//!   real tie-break is UNCONFIRMED).
//! * Create answers 200, `PUT` 200, `DELETE` 204 (recorded: Nango tests create-macro, update-macro,
//!   delete-macro). `PUT /api/macros/archive` and `/unarchive` with `{ids}` (at most 30) answer 200
//!   with an empty body (UNCONFIRMED: only a 403 for a missing `write:all` scope was recorded,
//!   Nango test unarchive-macros; OAuth scopes are not modelled).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, ids_body, now_value, opt, req};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes, save_updated, stored};
use crate::seed::{Seeder, dt, odt, text};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("name", Str),
        f("language", Str),
        f("usage", Int),
        f("actions.*.arguments.tags", List),
        f("archived_datetime", Time),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("updated", &["updated_datetime"]),
        IndexSpec::on("name", &["name"]),
        IndexSpec::on("usage", &["usage"]),
        IndexSpec::on("language", &["language"]),
    ],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/macros`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Macros,
    orders: &[
        asc("name:asc", "name"),
        desc("name:desc", "name"),
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
        asc("usage:asc", "usage"),
        desc("usage:desc", "usage"),
        asc("relevance:asc", "usage"),
        desc("relevance:desc", "usage"),
        asc("language:asc", "language"),
        desc("language:desc", "language"),
        asc("name", "name"),
        asc("created_datetime", "created"),
        asc("updated_datetime", "updated"),
        desc("usage", "usage"),
        desc("relevance", "usage"),
        asc("language", "language"),
    ],
    default_order: "usage:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("search", Search(&["name"])),
        filter("tags", ListHasAll("actions.*.arguments.tags")),
        filter("languages", StrIn("language")),
        filter("archived", Archived("archived_datetime", false)),
        filter("ticket_id", Ignored),
        filter("message_id", Ignored),
        filter("number_predictions", Ignored),
    ],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const CREATE: &[Field] = &[
    req("name", Ty::Str),
    opt("actions", Ty::Array),
    opt("intent", Ty::Str),
    opt("language", Ty::Str),
    opt("external_id", Ty::Str),
];
const UPDATE: &[Field] = &[
    opt("name", Ty::Str),
    opt("actions", Ty::Array),
    opt("intent", Ty::Str),
    opt("language", Ty::Str),
    opt("external_id", Ty::Str),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "macro",
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
    routes: &[
        object::get("/api/macros", list_macros),
        object::put("/api/macros/archive", archive),
        object::put("/api/macros/unarchive", unarchive),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Macros, "/api/macros", &STORE)
};

/// A macro record (never edited: `updated_datetime` null).
pub fn record(id: i64, name: &str, actions: Vec<Value>, created: Micros) -> Value {
    json!({
        "id": id,
        "external_id": null,
        "name": name,
        "intent": null,
        "language": null,
        "usage": 0,
        "actions": actions,
        "created_datetime": dt(created),
        "updated_datetime": null,
        "archived_datetime": null,
        "uri": format!("/api/macros/{id}/"),
    })
}

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(record(id, "", Vec::new(), now))
}

/// Actions come back with their keys in alphabetical order and no `type` when none was sent
/// (recorded: Nango tests create-macro, macros).
fn prepare(_: &mut AccountData, f: &mut Map<String, Value>) -> Result<(), ApiError> {
    if let Some(Value::Array(actions)) = f.get_mut("actions") {
        for a in actions.iter_mut() {
            if let Value::Object(o) = a {
                o.sort_keys();
            }
        }
    }
    Ok(())
}

fn list_macros(c: &Call) -> ApiResult {
    if c.param("order_by")
        .is_some_and(|v| v.starts_with("relevance"))
        && c.param("ticket_id").is_none()
    {
        return Err(ApiError::bad_param(
            "ticket_id",
            "Required when ordering by relevance.",
        ));
    }
    object::list(c, &LIST)
}

fn set_archived(c: &Call, archived: bool) -> ApiResult {
    let ids = ids_body(&c.body, 30)?;
    let mut data = c.ctx.account.write();
    for id in &ids {
        stored(&data, ObjectKind::Macros, *id)?;
    }
    for id in ids {
        let mut v = stored(&data, ObjectKind::Macros, id)?;
        let now = data.now();
        v["archived_datetime"] = if archived {
            now_value(now)
        } else {
            Value::Null
        };
        v["updated_datetime"] = now_value(now);
        save_updated(&mut data, ObjectKind::Macros, &v)?;
    }
    Ok(empty(StatusCode::OK))
}

fn archive(c: &Call) -> ApiResult {
    set_archived(c, true)
}

fn unarchive(c: &Call) -> ApiResult {
    set_archived(c, false)
}

fn response_text(body: &str) -> Value {
    json!({
        "arguments": {
            "body_html": format!("<div>{}</div>", body.replace('\n', "</div><br/><div>")),
            "body_text": body,
        },
        "name": "setResponseText",
        "title": "Add response text",
        "type": "user",
    })
}

/// Macros a new account comes with (recorded: Nango tests macros, list-macros, get-macro), then
/// agent-made ones: `(name, intent, body)`.
const CATALOG: &[(&str, Option<&str>, &str)] = &[
    (
        "Generic: How can I help?",
        None,
        "Hi {{ticket.customer.firstname}}!\n\nThanks for reaching out. How can I help you today?",
    ),
    (
        "Generic: Sign off",
        Some("other/thanks"),
        "Let us know if we can do anything else for you - we're here to help.",
    ),
    (
        "Where is my order",
        Some("shipping/status"),
        "Hi {{ticket.customer.firstname}}, your order is on its way: {{ticket.customer.integrations.shopify.orders[0].fulfillments[0].tracking_url}}",
    ),
    (
        "Refund issued",
        Some("refund/request"),
        "Hi {{ticket.customer.firstname}}, your refund has been issued; it takes 5-7 business days to show up.",
    ),
    (
        "Address change confirmed",
        None,
        "Hi {{ticket.customer.firstname}}, the shipping address of your order is updated.",
    ),
    (
        "Discount code fixed",
        None,
        "Hi {{ticket.customer.firstname}}, the code works again, sorry for the trouble.",
    ),
    (
        "Ask for photo of damage",
        None,
        "Hi {{ticket.customer.firstname}}, could you send us a photo of the damaged item?",
    ),
    (
        "Close: no reply",
        None,
        "We haven't heard back from you, so we're closing this ticket. Just reply to reopen it.",
    ),
];

/// Seeds macros: most never edited (`updated_datetime: null`), some archived.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(6);
    let tags: Vec<String> = s
        .data
        .col(ObjectKind::Tags)
        .iter()
        .filter_map(|r| r.fields[0].as_str().map(str::to_owned))
        .collect();
    let n = s.sizes.macros;
    let ids = g.ids(n, 374_400);
    let times = g.sorted_times(n, s.start, s.end - crate::time::DAY);
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let (name, intent, body) = CATALOG[i % CATALOG.len()];
        let name = if i < CATALOG.len() {
            name.to_owned()
        } else {
            format!("{name} ({})", i / CATALOG.len() + 1)
        };
        let mut actions = vec![response_text(body)];
        if !tags.is_empty() && g.chance(0.4) {
            let a = g.pick(&tags).clone();
            actions.push(json!({ "arguments": { "tags": a }, "name": "addTags", "title": "Add tags", "type": "user" }));
        }
        if g.chance(0.3) {
            actions.push(json!({ "arguments": { "status": "closed" }, "name": "setStatus", "title": "Close", "type": "user" }));
        }
        let mut v = record(id, &name, actions, t);
        v["intent"] = json!(intent);
        v["language"] = json!(g.maybe(0.9, |g| if g.chance(0.9) {
            "en".to_owned()
        } else {
            g.pick(text::LANGUAGES).to_string()
        }));
        v["usage"] = json!(if g.chance(0.7) {
            g.rng_range(0, 400)
        } else {
            0
        });
        let edited = (i >= 2 && g.chance(0.35)).then(|| g.between(t, g.span_end()));
        v["updated_datetime"] = odt(edited);
        if let Some(e) = edited.filter(|_| g.chance(0.3)) {
            v["archived_datetime"] = dt(e);
        }
        s.data.put(ObjectKind::Macros, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Macros);
    let v = record(
        id,
        &format!("Macro {id}"),
        vec![response_text("Thanks!")],
        now,
    );
    Ok(object::insert_new(data, ObjectKind::Macros, &v)?)
}
