//! Tags: `/api/tags`, plus the tag bookkeeping tickets use (usage counts, removing a deleted tag
//! from tickets).
//!
//! * Record keys as recorded (Nango tests list-tags, create-tag): `id, decoration, description,
//!   name, usage, uri, created_datetime, deleted_datetime`; no `updated_datetime`. `decoration` is
//!   `{"color": ..}` or `{}` (the seeded "sample ticket" tag). Tags embedded in tickets are `{id,
//!   name, decoration}`.
//! * List: default 30 items, newest first, envelope with `meta.total_resources: null` (recorded:
//!   Nango test list-tags); `search` (case-insensitive name match) and `order_by`
//!   `created_datetime`, `name`, `usage:asc,name:asc`, `usage:desc,name:desc` (bare names
//!   deprecated: `name` and `created_datetime` ascending, `usage` descending) (API reference "List
//!   Tags" via withone.ai).
//! * Create `{name}` answers 200 and Gorgias picks a random `decoration.color` (recorded: Nango
//!   test create-tag); a duplicate name is a 409 (sandbox choice per the documented 409). `DELETE
//!   /api/tags/{id}` and bulk `DELETE /api/tags {ids}` answer 204, `PUT /api/tags/{id}/merge
//!   {source_tags_ids}` answers 200 with the destination tag (recorded: Nango tests delete-tag,
//!   delete-tags, merge-tags); merged sources are deleted (benpalmer1/Gorgias-MCP-Server).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, ids_body, json, opt, req, validate};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes, save_updated, stored};
use crate::seed::{Seeder, dt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, FieldVal, ObjectKind};
use crate::time::Micros;
use axum::http::StatusCode;
use rand::Rng;
use serde_json::{Map, Value, json};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[f("name", Str), f("usage", Int), f("created_datetime", Time)],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("name", &["name"]),
        IndexSpec::on("usage_name", &["usage", "name"]),
    ],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/tags`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Tags,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("name:asc", "name"),
        desc("name:desc", "name"),
        asc("usage:asc,name:asc", "usage_name"),
        desc("usage:desc,name:desc", "usage_name"),
        asc("name", "name"),
        asc("created_datetime", "created"),
        desc("usage", "usage_name"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("search", Search(&["name"]))],
    hidden_orders: &[],
    envelope: Envelope::OBJECT_FIRST_WITH_TOTAL,
};

const CREATE: &[Field] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
];
const UPDATE: &[Field] = &[
    opt("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "tag",
    defaults,
    check: Some(check),
    prepare: None,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    writes: Some(&WRITES),
    delete: true,
    routes: &[
        object::delete("/api/tags", bulk_delete),
        object::delete("/api/tags/{id}", delete_one),
        object::put("/api/tags/{id}/merge", merge),
    ],
    seed: Some(seed),
    generate: Some(generate),
    remove: Some(remove),
    ..ObjectDef::new(ObjectKind::Tags, "/api/tags", &STORE)
};

/// A tag record.
pub fn record(
    id: i64,
    name: &str,
    description: Option<&str>,
    decoration: Value,
    usage: i64,
    created: Micros,
) -> Value {
    json!({
        "id": id,
        "decoration": decoration,
        "description": description,
        "name": name,
        "usage": usage,
        "uri": format!("/api/tags/{id}/"),
        "created_datetime": dt(created),
        "deleted_datetime": null,
    })
}

/// A random `#rrggbb` colour, as Gorgias assigns to tags created without one.
pub fn random_color(data: &mut AccountData) -> String {
    format!("#{:06x}", data.rng.random_range(0..0x0100_0000u32))
}

fn defaults(
    data: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let color = random_color(data);
    Ok(record(id, "", None, json!({ "color": color }), 0, now))
}

/// The id of the tag with this exact name.
pub fn by_name(data: &AccountData, name: &str) -> Option<i64> {
    data.col(ObjectKind::Tags)
        .iter()
        .find(|r| r.fields[0].as_str() == Some(name))
        .map(|r| r.id)
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    if let Some(name) = f.get("name").and_then(Value::as_str)
        && let Some(other) = by_name(data, name)
        && Some(other) != id
    {
        return Err(ApiError::conflict(
            "name",
            "A tag with this name already exists.",
        ));
    }
    Ok(())
}

/// Adds `delta` to a tag's `usage`.
pub fn add_usage(data: &mut AccountData, id: i64, delta: i64) {
    if let Some(mut v) = data.col(ObjectKind::Tags).get_value(id) {
        let u = v["usage"].as_i64().unwrap_or(0) + delta;
        v["usage"] = json!(u.max(0));
        data.put(ObjectKind::Tags, &v);
    }
}

/// Tickets carrying a tag.
pub fn tickets_with(data: &AccountData, tag_id: i64) -> Vec<i64> {
    let col = data.col(ObjectKind::Tickets);
    let Some(f) = col.field("tags.*.id") else {
        return Vec::new();
    };
    let needle = tag_id.to_string();
    col.iter()
        .filter(|r| matches!(&r.fields[f], FieldVal::List(l) if l.iter().any(|x| **x == *needle)))
        .map(|r| r.id)
        .collect()
}

/// Rewrites the tags of every ticket carrying `from`: removed, or replaced by `to`. Tickets'
/// `updated_datetime` does not move (sandbox choice).
fn retag(data: &mut AccountData, from: i64, to: Option<&Value>) {
    for tid in tickets_with(data, from) {
        let Some(mut t) = data.col(ObjectKind::Tickets).get_value(tid) else {
            continue;
        };
        let mut tags: Vec<Value> = t["tags"].as_array().cloned().unwrap_or_default();
        tags.retain(|x| x["id"].as_i64() != Some(from));
        if let Some(to) = to
            && !tags.iter().any(|x| x["id"] == to["id"])
        {
            tags.push(to.clone());
        }
        t["tags"] = Value::Array(tags);
        data.put(ObjectKind::Tickets, &t);
    }
}

/// A tag with `id` first, `uri` last and the other keys in alphabetical order between, as
/// `GET /api/tickets/{id}/tags` and the merge answer show it (recorded: Nango tests
/// list-ticket-tags, merge-tags).
pub fn alphabetical(tag: &Value) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), tag["id"].clone());
    let mut rest: Vec<(&String, &Value)> = tag
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| *k != "id" && *k != "uri")
                .collect()
        })
        .unwrap_or_default();
    rest.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in rest {
        m.insert(k.clone(), v.clone());
    }
    if let Some(uri) = tag.get("uri") {
        m.insert("uri".into(), uri.clone());
    }
    Value::Object(m)
}

/// The summary tickets embed: `{id, name, decoration}` (recorded: Nango test list-tickets).
pub fn summary(tag: &Value) -> Value {
    json!({ "id": tag["id"], "name": tag["name"], "decoration": tag["decoration"] })
}

fn delete_tags(data: &mut AccountData, ids: &[i64]) {
    for id in ids {
        if data.remove(ObjectKind::Tags, *id).is_some() {
            retag(data, *id, None);
            data.event(ObjectKind::Tags, "deleted", *id, None);
        }
    }
}

fn remove(data: &mut AccountData, id: i64) -> Result<(), ApiError> {
    stored(data, ObjectKind::Tags, id)?;
    delete_tags(data, &[id]);
    Ok(())
}

fn delete_one(c: &Call) -> ApiResult {
    remove(&mut c.ctx.account.write(), c.first_id()?)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn bulk_delete(c: &Call) -> ApiResult {
    let ids = ids_body(&c.body, 100)?;
    delete_tags(&mut c.ctx.account.write(), &ids);
    Ok(empty(StatusCode::NO_CONTENT))
}

fn merge(c: &Call) -> ApiResult {
    let dest = c.first_id()?;
    let f = validate(
        &c.body,
        &[req("source_tags_ids", Ty::Array)],
        false,
        "Failed to merge tags",
    )?;
    let sources: Vec<i64> = f["source_tags_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let mut data = c.ctx.account.write();
    let mut target = stored(&data, ObjectKind::Tags, dest)?;
    for s in &sources {
        stored(&data, ObjectKind::Tags, *s)?;
    }
    let sum = summary(&target);
    for s in sources.iter().filter(|s| **s != dest) {
        retag(&mut data, *s, Some(&sum));
        data.remove(ObjectKind::Tags, *s);
        data.event(ObjectKind::Tags, "deleted", *s, None);
    }
    target["usage"] = json!(tickets_with(&data, dest).len());
    save_updated(&mut data, ObjectKind::Tags, &target)?;
    Ok(json(StatusCode::OK, &alphabetical(&target)))
}

/// The tags a new Gorgias account comes with, oldest first, with their colours (recorded: Nango
/// test list-tags).
pub const DEFAULT_TAGS: &[(&str, &str)] = &[
    ("sample ticket", ""),
    ("already-shipped", "#f7d808"),
    ("cancel/refund", "#ffb200"),
    ("change-order", "#f1c50e"),
    ("REFUND", "#d85a17"),
    ("full-refund", "#fe691d"),
    ("partial-refund", "#fe8940"),
    ("PRODUCT", "#1265ed"),
    ("auto-close", "#0079ff"),
    ("auto-reply", "#0e62f1"),
    ("policy", "#4497bb"),
    ("outside-business-hours", "#4461bb"),
    ("during-business-hours", "#20a0df"),
    ("quick-reply-FAQ", "#4aa0b5"),
    ("automatic-ooo", "#3090cf"),
    ("VIP", "#4988b6"),
    ("social-question", "#13a6ec"),
    ("social-lead", "#1869e7"),
    ("discount-request", "#69c0fc"),
    ("order-wrong", "#1f45c2"),
    ("spam", "#9c9c9c"),
    ("sentiments-urgent", "#f30c4c"),
    ("sentiments-negative", "#ce3132"),
    ("sentiments-offensive", "#c54e3a"),
    ("sentiments-threatening", "#c13e50"),
    ("sentiments-positive", "#6dd766"),
    ("sentiments-promoter", "#3bc47b"),
];

/// Seeds the default tags of an account, then agent-made ones (usage is counted when tickets are
/// seeded).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(3);
    let n = s.sizes.tags;
    let ids = g.ids(n, 1_812_970);
    let birth = s.start;
    let times = g.sorted_times(n, s.start, s.end - 30 * crate::time::DAY);
    for (i, &id) in ids.iter().enumerate() {
        let v = match DEFAULT_TAGS.get(i) {
            Some((name, color)) => {
                let decoration = if color.is_empty() {
                    json!({})
                } else {
                    json!({ "color": color })
                };
                record(id, name, None, decoration, 0, birth + i as i64 * 1_000)
            }
            None => {
                let name = format!("topic-{}", i + 1 - DEFAULT_TAGS.len());
                let color = format!("#{:06x}", g.rng_range(0, 0x0100_0000));
                let description = g.maybe(0.4, |_| format!("Tickets about {name}"));
                record(
                    id,
                    &name,
                    description.as_deref(),
                    json!({ "color": color }),
                    0,
                    times[i],
                )
            }
        };
        s.data.put(ObjectKind::Tags, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Tags);
    let color = random_color(data);
    let v = record(
        id,
        &format!("tag-{id}"),
        None,
        json!({ "color": color }),
        0,
        now,
    );
    Ok(object::insert_new(data, ObjectKind::Tags, &v)?)
}
