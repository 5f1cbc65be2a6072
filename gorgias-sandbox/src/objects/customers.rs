//! Customers: `/api/customers`.
//!
//! * Full record keys as recorded (Nango test get-customer): `id, external_id, active, email, name,
//!   firstname, lastname, channels, language, timezone, created_datetime, updated_datetime, meta,
//!   data, customer, note, custom_fields, integrations, external_data, ecommerce_data` — no `uri`.
//!   **List items leave out `channels`, `customer`, `integrations`, `external_data` and
//!   `ecommerce_data`** (recorded: Nango test customers). `meta` is `{"name_set_via":
//!   "agent"|"email"}` or null; `language`, `timezone`, `data` and `note` are null on real
//!   customers (same recording); `custom_fields` is keyed by field id with `{value, id}` items.
//!   Channels are `{id, type, address, preferred, created_datetime, updated_datetime,
//!   deleted_datetime, user{id, name}, customer{id, name}}` (recorded: Nango test get-customer);
//!   Shopify data sits under `integrations["<integration id>"]` with ids above 2^32
//!   (developers.gorgias.com/reference/the-customer-object).
//! * List: default `created_datetime:desc` (recorded: Nango test customers), envelope `{data,
//!   object, uri, meta}` without `total_resources`; filters `email` (case-insensitive),
//!   `external_id`, `language`, `timezone`, `name`; `order_by` `created_datetime` or
//!   `updated_datetime` (API reference via withone.ai; benpalmer1/Gorgias-MCP-Server). Unconfirmed
//!   filters (`channel_type`, `channel_address`, `view_id`) are unknown parameters (400).
//! * Create answers 200; `firstname`/`lastname` are derived from `name` as its first and last
//!   word, on create and on update (recorded: Nango tests create-customer, update-customer).
//!   Create and update answers leave out `external_data` and `ecommerce_data`; the merge answer
//!   has `ecommerce_data` (before `note`) but no `external_data` (recorded: Nango tests
//!   create-customer, update-customer, merge-customers). An update that changes nothing keeps
//!   `updated_datetime`, and so does a merge (recorded: Nango tests update-customer,
//!   merge-customers). A duplicate email is a 409 (documented example). `PUT` is partial,
//!   `channels` replaces all. `DELETE /{id}` and bulk `DELETE {ids}` answer 204 (recorded: Nango
//!   test delete-customer).
//! * `PUT /api/customers/merge?source_id=&target_id=` answers 200 with the target; body fields are
//!   **not applied** (recorded: Nango test merge-customers; whether Gorgias applies them is
//!   UNCONFIRMED); the source is deleted, its tickets and surveys move to the target, and a
//!   `customer-merged` event with `data.source_customer_id` is appended (recorded: Nango test
//!   list-events); both customers having data for one integration is a 409
//!   (developers.gorgias.com/reference/merge-customers).
//! * `PUT /api/customers/{id}/data {data, version?}` answers **200 with an empty body** (recorded:
//!   Nango test set-customer-data). An OAuth (Bearer) call stores the data under
//!   `external_data["<app id>"]` with `__app_name__`, leaving `data` null (recorded: Nango tests
//!   set-customer-data, customers); where an API-key call stores it is UNCONFIRMED (`data` chosen).
//!   An older `version` is ignored (API reference via withone.ai); a merged-away customer answers
//!   301 (documented, UNCONFIRMED).

use crate::auth::AuthKind;
use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, ids_body, ok, opt, req, touch, validate};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, insert_new, save_updated, stored};
use crate::seed::{Gen, Seeder, ascii, dt, json_string, text};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// Store shape (`email` is the first field: lookups by email read it).
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("email", Str),
        f("external_id", Str),
        f("language", Str),
        f("timezone", Str),
        f("name", Str),
        f("firstname", Str),
        f("lastname", Str),
        f("channels.*.address", List),
        f("channels.*.type", List),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("updated", &["updated_datetime"]),
    ],
    groups: &[],
    list_omit: &[
        "channels",
        "customer",
        "integrations",
        "external_data",
        "ecommerce_data",
    ],
};

/// `GET /api/customers`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Customers,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("email", StrEqCi("email")),
        filter("external_id", StrEq("external_id", &[])),
        filter("language", StrEq("language", &[])),
        filter("timezone", StrEq("timezone", &[])),
        filter("name", StrEq("name", &[])),
    ],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const FIELDS: &[Field] = &[
    opt("email", Ty::Email),
    opt("name", Ty::Str),
    opt("firstname", Ty::Str),
    opt("lastname", Ty::Str),
    opt("external_id", Ty::Str),
    opt("language", Ty::Str),
    opt("timezone", Ty::Str),
    opt("channels", Ty::Array),
    opt("note", Ty::Str),
    opt("meta", Ty::Object),
    opt("data", Ty::Any),
    opt("active", Ty::Bool),
];

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    delete: true,
    routes: &[
        object::post("/api/customers", create),
        object::delete("/api/customers", bulk_delete),
        object::put("/api/customers/merge", merge),
        object::put("/api/customers/{id}", update),
        object::put("/api/customers/{id}/data", set_data),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Customers, "/api/customers", &STORE)
};

/// Side state: `/data` versions and merged-away customers.
#[derive(Debug, Default)]
pub struct CustomerState {
    /// `version` of the last `PUT /data` per customer.
    pub versions: HashMap<i64, Micros>,
    /// Customers merged away: source id -> target id.
    pub merged: HashMap<i64, i64>,
}

/// Maps a customer-list view filter path (`customer.email`) to a field.
pub fn filter_field(path: &str) -> Option<&'static str> {
    Some(match path.strip_prefix("customer.")? {
        "email" => "email",
        "name" => "name",
        "firstname" => "firstname",
        "lastname" => "lastname",
        "language" => "language",
        "timezone" => "timezone",
        "external_id" => "external_id",
        "created_datetime" => "created_datetime",
        "updated_datetime" => "updated_datetime",
        _ => return None,
    })
}

/// A channel item (recorded: Nango test get-customer).
pub fn channel(
    id: i64,
    kind: &str,
    address: &str,
    preferred: bool,
    at: Micros,
    customer: (i64, &Value),
) -> Value {
    json!({
        "id": id,
        "type": kind,
        "address": address,
        "preferred": preferred,
        "created_datetime": dt(at),
        "updated_datetime": dt(at),
        "deleted_datetime": null,
        "user": { "id": customer.0, "name": customer.1 },
        "customer": { "id": customer.0, "name": customer.1 },
    })
}

/// A full customer record.
pub fn record(
    id: i64,
    email: Option<&str>,
    name: Option<&str>,
    created: Micros,
    updated: Micros,
) -> Value {
    let (first, last) = name.map(split_name).unwrap_or(("", ""));
    json!({
        "id": id,
        "external_id": null,
        "active": true,
        "email": email,
        "name": name,
        "firstname": first,
        "lastname": last,
        "channels": [],
        "language": null,
        "timezone": null,
        "created_datetime": dt(created),
        "updated_datetime": dt(updated),
        "meta": { "name_set_via": "agent" },
        "data": null,
        "customer": null,
        "note": null,
        "custom_fields": {},
        "integrations": {},
        "external_data": {},
        "ecommerce_data": {},
    })
}

/// `firstname` and `lastname` derived from `name`: its first and its last word ("Romain @Gorgias
/// Updated" -> "Romain", "Updated"; recorded: Nango tests update-customer, create-customer).
pub fn split_name(name: &str) -> (&str, &str) {
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or("");
    (first, words.last().unwrap_or(""))
}

/// Which response a write answers with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    /// Create and update: no `external_data`, no `ecommerce_data` (recorded: Nango tests
    /// create-customer, update-customer).
    Write,
    /// Merge: `ecommerce_data` before `note`, no `external_data` (recorded: Nango test
    /// merge-customers).
    Merge,
}

/// The record as a write answers it (the stored record keeps every key; `GET` shows them all).
fn answer(v: &Value, form: Form) -> Value {
    let Some(obj) = v.as_object() else {
        return v.clone();
    };
    let mut out = Map::new();
    for (k, val) in obj {
        match k.as_str() {
            "external_data" | "ecommerce_data" => {}
            "note" if form == Form::Merge => {
                let e = obj
                    .get("ecommerce_data")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                out.insert("ecommerce_data".into(), e);
                out.insert(k.clone(), val.clone());
            }
            _ => {
                out.insert(k.clone(), val.clone());
            }
        }
    }
    Value::Object(out)
}

/// The customer with this email (case-insensitive).
pub fn by_email(data: &AccountData, email: &str) -> Option<i64> {
    let email = email.to_lowercase();
    data.col(ObjectKind::Customers)
        .iter()
        .find(|r| {
            r.fields[0]
                .as_str()
                .is_some_and(|e| e.to_lowercase() == email)
        })
        .map(|r| r.id)
}

fn check_email(
    data: &AccountData,
    f: &Map<String, Value>,
    id: Option<i64>,
) -> Result<(), ApiError> {
    if let Some(email) = f.get("email").and_then(Value::as_str)
        && let Some(other) = by_email(data, email)
        && Some(other) != id
    {
        return Err(ApiError::conflict(
            "email",
            "A customer with this email already exists.",
        ));
    }
    Ok(())
}

fn build_channels(
    id: i64,
    now: Micros,
    list: &[Value],
    name: &Value,
) -> Result<Vec<Value>, ApiError> {
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let kind = c.get("type").and_then(Value::as_str);
            let address = c.get("address").and_then(Value::as_str);
            match (kind, address) {
                (Some(k), Some(a)) => {
                    let cid = c
                        .get("id")
                        .and_then(Value::as_i64)
                        .unwrap_or(id * 10 + i as i64 + 1);
                    let preferred = c
                        .get("preferred")
                        .and_then(Value::as_bool)
                        .unwrap_or(i == 0);
                    Ok(channel(cid, k, a, preferred, now, (id, name)))
                }
                _ => Err(ApiError::bad_request("Invalid customer").with_field(
                    &format!("channels.{i}"),
                    "Each channel needs a type and an address.",
                )),
            }
        })
        .collect()
}

/// Creates a customer from validated body fields (also used when a ticket or message names an
/// unknown email).
pub fn create_in(data: &mut AccountData, mut f: Map<String, Value>) -> Result<Value, ApiError> {
    check_email(data, &f, None)?;
    let id = data.next_id(ObjectKind::Customers);
    let now = data.now();
    let email = f.get("email").and_then(Value::as_str).map(str::to_owned);
    let name = f.get("name").and_then(Value::as_str).map(str::to_owned);
    if let Some(n) = &name {
        let (first, last) = split_name(n);
        f.entry("firstname").or_insert_with(|| json!(first));
        f.entry("lastname").or_insert_with(|| json!(last));
    }
    let name_v = json!(name);
    let mut channels = match f.remove("channels") {
        Some(Value::Array(list)) => build_channels(id, now, &list, &name_v)?,
        _ => Vec::new(),
    };
    if let Some(e) = &email
        && !channels
            .iter()
            .any(|c| c["type"] == "email" && c["address"] == e.as_str())
    {
        let n = channels.len() as i64;
        channels.push(channel(
            id * 10 + n + 1,
            "email",
            e,
            channels.is_empty(),
            now,
            (id, &name_v),
        ));
    }
    let mut v = record(id, email.as_deref(), name.as_deref(), now, now);
    v["channels"] = Value::Array(channels);
    crate::http::merge(&mut v, f);
    insert_new(data, ObjectKind::Customers, &v)?;
    Ok(v)
}

/// A customer referenced by `{id}` or `{email}` (an unknown email creates the customer, named by
/// `name` when given).
pub fn resolve(
    data: &mut AccountData,
    r: &Value,
    field: &str,
    msg: &str,
) -> Result<Value, ApiError> {
    let bad = |text: &str| ApiError::bad_request(msg.to_owned()).with_field(field, text);
    if let Some(id) = r.get("id").and_then(Value::as_i64) {
        return data
            .col(ObjectKind::Customers)
            .get_value(id)
            .ok_or_else(|| bad("Customer not found."));
    }
    if let Some(email) = r.get("email").and_then(Value::as_str) {
        if let Some(id) = by_email(data, email) {
            return stored(data, ObjectKind::Customers, id);
        }
        let mut f = Map::new();
        f.insert("email".into(), json!(email));
        if let Some(n) = r.get("name").filter(|n| n.is_string()) {
            f.insert("name".into(), n.clone());
        }
        return create_in(data, f);
    }
    Err(bad("Needs an id or an email."))
}

fn create(c: &Call) -> ApiResult {
    let f = validate(&c.body, FIELDS, false, "Failed to create customer")?;
    let v = create_in(&mut c.ctx.account.write(), f)?;
    ok(&answer(&v, Form::Write))
}

fn apply_update(
    data: &mut AccountData,
    id: i64,
    mut f: Map<String, Value>,
) -> Result<Value, ApiError> {
    let before = stored(data, ObjectKind::Customers, id)?;
    let mut v = before.clone();
    check_email(data, &f, Some(id))?;
    let now = data.now();
    if let Some(n) = f.get("name").and_then(Value::as_str) {
        let (first, last) = split_name(n);
        let (first, last) = (json!(first), json!(last));
        f.entry("firstname").or_insert(first);
        f.entry("lastname").or_insert(last);
    }
    if let Some(Value::Array(list)) = f.remove("channels") {
        v["channels"] = Value::Array(build_channels(id, now, &list, &v["name"])?);
    }
    crate::http::merge(&mut v, f);
    if v == before {
        // An update that changes nothing keeps `updated_datetime` (recorded: Nango test
        // update-customer, a rerun whose name was already set).
        return Ok(v);
    }
    let summary = json!({ "id": id, "name": v["name"] });
    if let Some(list) = v["channels"].as_array_mut() {
        for ch in list {
            ch["user"] = summary.clone();
            ch["customer"] = summary.clone();
        }
    }
    touch(&mut v, now);
    save_updated(data, ObjectKind::Customers, &v)?;
    Ok(v)
}

fn update(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let f = validate(&c.body, FIELDS, true, "Failed to update customer")?;
    let v = apply_update(&mut c.ctx.account.write(), id, f)?;
    ok(&answer(&v, Form::Write))
}

fn bulk_delete(c: &Call) -> ApiResult {
    let ids = ids_body(&c.body, 100)?;
    let mut data = c.ctx.account.write();
    for id in ids {
        let _ = object::remove_in(&mut data, ObjectKind::Customers, id);
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

fn merge(c: &Call) -> ApiResult {
    let mut source = None;
    let mut target = None;
    for (k, v) in &c.params {
        let n = v
            .parse::<i64>()
            .map_err(|_| ApiError::bad_param(k, "Not a valid integer."));
        match k.as_str() {
            "source_id" => source = Some(n?),
            "target_id" => target = Some(n?),
            other => return Err(ApiError::bad_param(other, "Unknown field.")),
        }
    }
    let source = source
        .ok_or_else(|| ApiError::bad_param("source_id", "Missing data for required field."))?;
    let target = target
        .ok_or_else(|| ApiError::bad_param("target_id", "Missing data for required field."))?;
    if source == target {
        return Err(ApiError::bad_param(
            "source_id",
            "Cannot merge a customer into itself.",
        ));
    }
    let mut data = c.ctx.account.write();
    let src = stored(&data, ObjectKind::Customers, source)?;
    let mut tgt = stored(&data, ObjectKind::Customers, target)?;
    let src_int = src["integrations"].as_object().cloned().unwrap_or_default();
    let mut ints = tgt["integrations"].as_object().cloned().unwrap_or_default();
    if src_int.keys().any(|k| ints.contains_key(k)) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "Both customers have data for the same integration.",
        ));
    }
    let summary = crate::seed::person(&tgt);
    let tcol = data.col(ObjectKind::Tickets);
    let tickets = tcol
        .field("customer.id")
        .and_then(|fi| tcol.group(fi, source))
        .unwrap_or_default();
    for tid in tickets {
        if let Some(mut t) = data.col(ObjectKind::Tickets).get_value(tid) {
            t["customer"] = summary.clone();
            data.put(ObjectKind::Tickets, &t);
        }
    }
    let scol = data.col(ObjectKind::SatisfactionSurveys);
    let surveys = scol
        .field("customer_id")
        .and_then(|fi| scol.group(fi, source))
        .unwrap_or_default();
    for sid in surveys {
        if let Some(mut s) = data.col(ObjectKind::SatisfactionSurveys).get_value(sid) {
            s["customer_id"] = json!(target);
            data.put(ObjectKind::SatisfactionSurveys, &s);
        }
    }
    data.remove(ObjectKind::Customers, source);
    data.event(ObjectKind::Customers, "deleted", source, None);
    data.ext_mut::<CustomerState>()
        .merged
        .insert(source, target);
    ints.extend(src_int);
    tgt["integrations"] = Value::Object(ints);
    if tgt["channels"].as_array().is_some_and(Vec::is_empty) {
        tgt["channels"] = src["channels"].clone();
    }
    // The recorded merge kept the target's `updated_datetime` (Nango test merge-customers).
    data.put(ObjectKind::Customers, &tgt);
    data.event(
        ObjectKind::Customers,
        "merged",
        target,
        Some(json!({ "source_customer_id": source })),
    );
    ok(&answer(&tgt, Form::Merge))
}

/// The key OAuth apps' customer data lands under (stands for the calling app's id).
fn app_key(sub: &str) -> String {
    format!(
        "{:024x}",
        u128::from(crate::seed::mix(sub.len() as u64, 0x0A99))
    )
}

fn set_data(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let f = validate(
        &c.body,
        &[req("data", Ty::Any), opt("version", Ty::Datetime)],
        false,
        "Failed to set customer data",
    )?;
    let mut data = c.ctx.account.write();
    if let Some(target) = data
        .ext::<CustomerState>()
        .and_then(|s| s.merged.get(&id))
        .copied()
    {
        let mut resp = StatusCode::MOVED_PERMANENTLY.into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("/api/customers/{target}/data")) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return Ok(resp);
    }
    let mut v = stored(&data, ObjectKind::Customers, id)?;
    let version = f
        .get("version")
        .and_then(Value::as_str)
        .and_then(time::parse);
    let state = data.ext_mut::<CustomerState>();
    let older = match (version, state.versions.get(&id)) {
        (Some(v), Some(known)) => v < *known,
        _ => false,
    };
    if !older {
        if let Some(ver) = version {
            state.versions.insert(id, ver);
        }
        let now = data.now();
        if c.ctx.auth == AuthKind::Bearer {
            let mut payload = f["data"].clone();
            if let Some(o) = payload.as_object_mut() {
                o.insert("__app_name__".into(), json!("Sandbox app"));
            }
            if !v["external_data"].is_object() {
                v["external_data"] = json!({});
            }
            v["external_data"][app_key(&data.subdomain)] = payload;
        } else {
            v["data"] = f["data"].clone();
        }
        touch(&mut v, now);
        save_updated(&mut data, ObjectKind::Customers, &v)?;
    }
    Ok(empty(StatusCode::OK))
}

/// A seeded customer (with Shopify data for some, when the account has a store).
fn customer(g: &mut Gen, id: i64, created: Micros, updated: Micros, shopify: Option<i64>) -> Value {
    let first = g.pick(text::FIRST).to_string();
    let last = g.pick(text::LAST).to_string();
    let email = g.maybe(0.95, |g| {
        format!(
            "{}.{}.{id}@{}",
            ascii(&first),
            ascii(&last),
            g.pick(text::DOMAINS)
        )
    });
    let name = g.chance(0.93).then(|| format!("{first} {last}"));
    let mut v = record(id, email.as_deref(), name.as_deref(), created, updated);
    if name.is_none() {
        v["firstname"] = json!("");
        v["lastname"] = json!("");
    }
    let name_v = json!(name);
    let mut channels = Vec::new();
    if let Some(e) = &email {
        channels.push(channel(
            id * 10 + 1,
            "email",
            e,
            true,
            created,
            (id, &name_v),
        ));
    }
    if g.chance(0.3) {
        let phone = format!("+1555{:07}", id % 10_000_000);
        channels.push(channel(
            id * 10 + 2,
            "phone",
            &phone,
            channels.is_empty(),
            created,
            (id, &name_v),
        ));
    }
    v["channels"] = Value::Array(channels);
    v["meta"] = match g.index(10) {
        0..6 => json!({ "name_set_via": "agent" }),
        6..8 => json!({ "name_set_via": "email" }),
        _ => Value::Null,
    };
    if g.chance(0.05) {
        v["external_id"] = json!(format!("cus_{}", id * 7 % 1_000_003));
    }
    if let Some(shop) = shopify
        && g.chance(0.6)
    {
        let shop_customer: i64 = 6_100_000_000_000 + g.rng_range(0, 900_000_000_000);
        let orders: Vec<Value> = (0..g.rng_range(0, 4))
            .map(|k| {
                json!({
                    "id": 5_200_000_000_000_i64 + g.rng_range(0, 900_000_000_000) + k,
                    "name": format!("#{}", 1000 + g.rng_range(0, 9000)),
                    "total_price": format!("{}.{:02}", g.rng_range(10, 400), g.rng_range(0, 100)),
                    "currency": "USD",
                    "financial_status": g.pick(&["paid", "refunded", "pending"]),
                    "created_at": time::format(g.between(created, updated), time::Style::Seconds),
                })
            })
            .collect();
        v["integrations"] = json!({
            shop.to_string(): {
                "__integration_type__": "shopify",
                "customer": {
                    "id": shop_customer,
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "orders_count": orders.len(),
                    "total_spent": format!("{}.00", g.rng_range(0, 2000)),
                    "admin_graphql_api_id": format!("gid://shopify/Customer/{shop_customer}"),
                },
                "orders": orders,
            }
        });
    }
    v
}

/// Seeds customers (serialised on every core, one random stream per chunk).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(7);
    let n = if s.sizes.tickets > 0 {
        s.sizes.customers.max(1)
    } else {
        s.sizes.customers
    };
    let ids = g.ids(n, 519_500_000);
    let times = g.sorted_times(n, s.start, s.end - 10 * time::DAY);
    let shopify = super::integrations::first_of(&s.data, "shopify").map(|i| i.0);
    let fields: Vec<i64> = s
        .data
        .col(ObjectKind::CustomFields)
        .iter()
        .filter(|r| {
            r.fields[0].as_str() == Some("Customer") && r.fields[3] == crate::store::FieldVal::Null
        })
        .map(|r| r.id)
        .collect();
    let (seed, end) = (s.seed, s.end);
    let jsons = crate::par::chunks(n, crate::seed::CHUNK, |c, r| {
        let mut g = Gen::new(seed, 1_000 + c as u64, end);
        r.map(|i| {
            let updated = g.between(times[i], end - time::DAY);
            let mut v = customer(&mut g, ids[i], times[i], updated, shopify);
            if let Some(fid) = fields.first().filter(|_| g.chance(0.1)) {
                v["custom_fields"] = json!({ fid.to_string(): { "value": "💎 VIP", "id": fid } });
            }
            json_string(&v)
        })
        .collect()
    });
    s.data.put_batch(ObjectKind::Customers, jsons);
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = crate::seed::gen_now(data, now);
    let id = data.next_id(ObjectKind::Customers);
    let shopify = super::integrations::first_of(data, "shopify").map(|i| i.0);
    let v = customer(&mut g, id, now, now, shopify);
    Ok(insert_new(data, ObjectKind::Customers, &v)?)
}
