//! Custom fields: the definitions (`/api/custom-fields`) and the values tickets and customers carry
//! (`/api/{tickets|customers}/{id}/custom-fields`).
//!
//! * Definition keys as recorded (Nango tests custom-fields, create-custom-field): `id,
//!   external_id, object_type, label, description, priority, required, requirement_type,
//!   managed_type, definition{data_type, input_settings}, created_datetime, updated_datetime,
//!   deactivated_datetime` — no `uri`. Accounts come with managed fields (`call_status`,
//!   `managed_sentiment`, `ai_intent`, `contact_reason`, `product`, `resolution`, `customer_type`)
//!   and some deactivated ones (same recording).
//! * List: `object_type` is required (NangoHQ/integration-templates actions/list-custom-fields.ts);
//!   default order `priority` descending and **deactivated fields included** unless `archived` is
//!   sent (recorded: Nango test custom-fields); `archived=true` lists only deactivated fields,
//!   `archived=false` only active ones (UNCONFIRMED); envelope with `meta.total_resources: null`.
//! * `POST` answers 200 and the server picks the priority (`priority: 0` came back as the next free
//!   value, recorded: Nango test create-custom-field); `PUT /{id}` is partial (recorded: Nango test
//!   update-custom-field); bulk `PUT /api/custom-fields` with a bare array answers
//!   `{"data":[definitions]}` (recorded: Nango test bulk-update-custom-fields). No `DELETE`
//!   (deactivate with `deactivated_datetime`).
//! * Values: ticket `GET` answers `{"data":[{field, prediction: null, value}]}` (recorded: Nango
//!   test list-ticket-custom-field-values), customer `GET` `{"data":[{field, value}]}` whose
//!   `field` lacks `requirement_type` (recorded: Nango tests list-customer-custom-field-values,
//!   update-customer-custom-field-values); bulk `PUT` with `[{id, value}]` answers the same shape
//!   for the fields sent and leaves the others (the replace-or-merge CONFLICT is UNCONFIRMED; merge
//!   chosen); single `PUT /{field_id}` with `{id?, value}` answers 200 with the one entry
//!   (UNCONFIRMED); a `null` value clears it (benpalmer1/Gorgias-MCP-Server: the entry leaves
//!   the record's `custom_fields`, in both `PUT`s); `DELETE /{field_id}` 204 (recorded: Nango tests
//!   delete-ticket-custom-field-value, delete-customer-custom-field-value). Records carry the
//!   values as `custom_fields: {"<id>": {id, value}}` (tickets) or `{value, id}` (customers)
//!   (recorded: Nango tests list-tickets, customers).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, ok, opt, req, touch};
use crate::list::{Envelope, FilterKind::*, FilterSpec, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes, save_updated, stored};
use crate::seed::{Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

const OBJECT_TYPES: &[&str] = &["Ticket", "Customer"];
const DATA_TYPES: &[&str] = &["text", "number", "boolean"];

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("object_type", Str),
        f("label", Str),
        f("priority", Int),
        f("deactivated_datetime", Time),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[IndexSpec::on("priority", &["priority"])],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/custom-fields`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::CustomFields,
    orders: &[
        asc("priority:asc", "priority"),
        desc("priority:desc", "priority"),
    ],
    default_order: "priority:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        FilterSpec {
            param: "object_type",
            kind: StrEq("object_type", OBJECT_TYPES),
            required: true,
        },
        filter("search", Search(&["label"])),
        filter("archived", Archived("deactivated_datetime", true)),
    ],
    hidden_orders: &[],
    envelope: Envelope::OBJECT_FIRST_WITH_TOTAL,
};

const CREATE: &[Field] = &[
    req("object_type", Ty::Enum(OBJECT_TYPES)),
    req("label", Ty::Str),
    req("definition", Ty::Object),
    opt("description", Ty::Str),
    opt("priority", Ty::Int),
    opt("required", Ty::Bool),
    opt("managed_type", Ty::Str),
    opt("external_id", Ty::Str),
    opt("deactivated_datetime", Ty::Datetime),
];
const UPDATE: &[Field] = &[
    opt("label", Ty::Str),
    opt("object_type", Ty::Enum(OBJECT_TYPES)),
    opt("definition", Ty::Object),
    opt("description", Ty::Str),
    opt("priority", Ty::Int),
    opt("required", Ty::Bool),
    opt("managed_type", Ty::Str),
    opt("external_id", Ty::Str),
    opt("deactivated_datetime", Ty::Datetime),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "custom field",
    defaults,
    check: Some(check),
    prepare: None,
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    writes: Some(&WRITES),
    routes: &[
        object::post("/api/custom-fields", create),
        object::put("/api/custom-fields", bulk_update),
        object::get("/api/tickets/{id}/custom-fields", ticket_values),
        object::put("/api/tickets/{id}/custom-fields", put_ticket_values),
        object::put(
            "/api/tickets/{id}/custom-fields/{field_id}",
            put_ticket_value,
        ),
        object::delete(
            "/api/tickets/{id}/custom-fields/{field_id}",
            delete_ticket_value,
        ),
        object::get("/api/customers/{id}/custom-fields", customer_values),
        object::put("/api/customers/{id}/custom-fields", put_customer_values),
        object::put(
            "/api/customers/{id}/custom-fields/{field_id}",
            put_customer_value,
        ),
        object::delete(
            "/api/customers/{id}/custom-fields/{field_id}",
            delete_customer_value,
        ),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::CustomFields, "/api/custom-fields", &STORE)
};

/// A definition record.
#[allow(clippy::too_many_arguments)]
pub fn record(
    id: i64,
    object_type: &str,
    label: &str,
    description: Option<&str>,
    priority: i64,
    managed_type: Option<&str>,
    definition: Value,
    created: Micros,
    updated: Micros,
    deactivated: Option<Micros>,
) -> Value {
    json!({
        "id": id,
        "external_id": null,
        "object_type": object_type,
        "label": label,
        "description": description,
        "priority": priority,
        "required": false,
        "requirement_type": "visible",
        "managed_type": managed_type,
        "definition": definition,
        "created_datetime": dt(created),
        "updated_datetime": dt(updated),
        "deactivated_datetime": odt(deactivated),
    })
}

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let ot = f
        .get("object_type")
        .and_then(Value::as_str)
        .unwrap_or("Ticket");
    Ok(record(id, ot, "", None, 0, None, json!({}), now, now, None))
}

fn check(_: &AccountData, f: &Map<String, Value>, _: Option<i64>) -> Result<(), ApiError> {
    if let Some(def) = f.get("definition").filter(|d| !d.is_null()) {
        let ok = def
            .get("data_type")
            .and_then(Value::as_str)
            .is_some_and(|t| DATA_TYPES.contains(&t));
        if !ok {
            return Err(
                ApiError::bad_request("Failed to save custom field").with_field(
                    "definition.data_type",
                    &format!("Must be one of: {}.", DATA_TYPES.join(", ")),
                ),
            );
        }
    }
    Ok(())
}

/// The next free priority of an object type.
fn next_priority(data: &AccountData, object_type: &str) -> i64 {
    data.col(ObjectKind::CustomFields)
        .iter()
        .filter(|r| r.fields[0].as_str() == Some(object_type))
        .filter_map(|r| r.fields[2].as_int())
        .max()
        .unwrap_or(0)
        + 1
}

fn create(c: &Call) -> ApiResult {
    let mut data = c.ctx.account.write();
    let mut body = c.body.clone();
    let ot = body["object_type"].as_str().unwrap_or("Ticket").to_owned();
    if body.get("priority").and_then(Value::as_i64).unwrap_or(0) == 0
        && let Some(o) = body.as_object_mut()
    {
        o.insert("priority".into(), json!(next_priority(&data, &ot)));
    }
    let v = WRITES.create_in(&mut data, ObjectKind::CustomFields, &body)?;
    ok(&v)
}

fn bulk_update(c: &Call) -> ApiResult {
    let bad = |field: String, msg: &str| {
        ApiError::bad_request("Failed to update custom fields").with_field(&field, msg)
    };
    let items = c
        .body
        .as_array()
        .ok_or_else(|| bad("_schema".into(), "Not a valid list."))?;
    let mut data = c.ctx.account.write();
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let id = item
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad(format!("{i}.id"), "Missing data for required field."))?;
        stored(&data, ObjectKind::CustomFields, id)?;
        ids.push(id);
    }
    let mut out = Vec::new();
    for (item, id) in items.iter().zip(ids) {
        let mut patch = item.clone();
        if let Some(o) = patch.as_object_mut() {
            o.remove("id");
        }
        out.push(WRITES.update_in(&mut data, ObjectKind::CustomFields, id, &patch)?);
    }
    ok(&json!({ "data": out }))
}

fn object_type(kind: ObjectKind) -> &'static str {
    if kind == ObjectKind::Tickets {
        "Ticket"
    } else {
        "Customer"
    }
}

fn definition(data: &AccountData, kind: ObjectKind, field_id: i64) -> Result<Value, ApiError> {
    match data.col(ObjectKind::CustomFields).get_value(field_id) {
        Some(d) if d["object_type"] == object_type(kind) => Ok(d),
        _ => Err(ApiError::bad_request("Invalid custom field value")
            .with_field("id", &format!("Custom field {field_id} not found."))),
    }
}

fn check_value(def: &Value, value: &Value) -> Result<(), ApiError> {
    let ok = value.is_null()
        || match def["definition"]["data_type"].as_str().unwrap_or("text") {
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            _ => value.is_string(),
        };
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request("Invalid custom field value")
            .with_field("value", "Not a valid value for this field."))
    }
}

/// One value entry as the value endpoints answer it.
fn entry(kind: ObjectKind, mut field: Value, value: &Value) -> Value {
    if kind == ObjectKind::Tickets {
        json!({ "field": field, "prediction": null, "value": value })
    } else {
        if let Some(o) = field.as_object_mut() {
            o.shift_remove("requirement_type");
        }
        json!({ "field": field, "value": value })
    }
}

fn entries(
    data: &AccountData,
    kind: ObjectKind,
    record: &Value,
    only: Option<&[i64]>,
) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(map) = record["custom_fields"].as_object() {
        for (k, v) in map {
            let Ok(fid) = k.parse::<i64>() else { continue };
            if only.is_some_and(|o| !o.contains(&fid)) {
                continue;
            }
            let field = data
                .col(ObjectKind::CustomFields)
                .get_value(fid)
                .unwrap_or(Value::Null);
            out.push(entry(kind, field, &v["value"]));
        }
    }
    out
}

fn values(c: &Call, kind: ObjectKind) -> ApiResult {
    let data = c.ctx.account.read();
    let record = stored(&data, kind, c.first_id()?)?;
    ok(&json!({ "data": entries(&data, kind, &record, None) }))
}

/// Sets (or with `None` removes) values of a ticket or customer, moving its `updated_datetime`.
fn set_values(
    data: &mut AccountData,
    kind: ObjectKind,
    id: i64,
    pairs: &[(i64, Option<Value>)],
) -> Result<Value, ApiError> {
    let mut record = stored(data, kind, id)?;
    for (fid, value) in pairs {
        let def = definition(data, kind, *fid)?;
        if let Some(v) = value {
            check_value(&def, v)?;
        }
    }
    if !record["custom_fields"].is_object() {
        record["custom_fields"] = json!({});
    }
    if let Some(map) = record["custom_fields"].as_object_mut() {
        for (fid, value) in pairs {
            match value {
                // `null` clears a value (benpalmer1/Gorgias-MCP-Server): the entry goes.
                Some(Value::Null) | None => {
                    map.shift_remove(&fid.to_string());
                }
                Some(v) if kind == ObjectKind::Tickets => {
                    map.insert(fid.to_string(), json!({ "id": fid, "value": v }));
                }
                Some(v) => {
                    map.insert(fid.to_string(), json!({ "value": v, "id": fid }));
                }
            }
        }
    }
    let now = data.now();
    touch(&mut record, now);
    save_updated(data, kind, &record)?;
    Ok(record)
}

fn put_values(c: &Call, kind: ObjectKind) -> ApiResult {
    let bad = |field: String, msg: &str| {
        ApiError::bad_request("Invalid custom field values").with_field(&field, msg)
    };
    let items = c
        .body
        .as_array()
        .ok_or_else(|| bad("_schema".into(), "Not a valid list."))?;
    let mut pairs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let fid = item
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad(format!("{i}.id"), "Missing data for required field."))?;
        pairs.push((fid, Some(item.get("value").cloned().unwrap_or(Value::Null))));
    }
    let mut data = c.ctx.account.write();
    let record = set_values(&mut data, kind, c.first_id()?, &pairs)?;
    let sent: Vec<i64> = pairs.iter().map(|p| p.0).collect();
    ok(&json!({ "data": entries(&data, kind, &record, Some(&sent)) }))
}

fn put_value(c: &Call, kind: ObjectKind) -> ApiResult {
    let fid = c.id(1)?;
    let value = c.body.get("value").cloned().ok_or_else(|| {
        ApiError::bad_request("Invalid custom field value")
            .with_field("value", "Missing data for required field.")
    })?;
    if c.body.get("id").is_some_and(|id| id.as_i64() != Some(fid)) {
        return Err(ApiError::bad_request("Invalid custom field value")
            .with_field("id", "Must be the custom field id of the path."));
    }
    let mut data = c.ctx.account.write();
    set_values(
        &mut data,
        kind,
        c.first_id()?,
        &[(fid, Some(value.clone()))],
    )?;
    let field = stored(&data, ObjectKind::CustomFields, fid)?;
    ok(&entry(kind, field, &value))
}

fn delete_value(c: &Call, kind: ObjectKind) -> ApiResult {
    let fid = c.id(1)?;
    let mut data = c.ctx.account.write();
    set_values(&mut data, kind, c.first_id()?, &[(fid, None)])?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn ticket_values(c: &Call) -> ApiResult {
    values(c, ObjectKind::Tickets)
}
fn put_ticket_values(c: &Call) -> ApiResult {
    put_values(c, ObjectKind::Tickets)
}
fn put_ticket_value(c: &Call) -> ApiResult {
    put_value(c, ObjectKind::Tickets)
}
fn delete_ticket_value(c: &Call) -> ApiResult {
    delete_value(c, ObjectKind::Tickets)
}
fn customer_values(c: &Call) -> ApiResult {
    values(c, ObjectKind::Customers)
}
fn put_customer_values(c: &Call) -> ApiResult {
    put_values(c, ObjectKind::Customers)
}
fn put_customer_value(c: &Call) -> ApiResult {
    put_value(c, ObjectKind::Customers)
}
fn delete_customer_value(c: &Call) -> ApiResult {
    delete_value(c, ObjectKind::Customers)
}

/// A seeded definition: `(object_type, label, description, managed_type, definition)`.
type Template = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Value,
);

/// A dropdown definition.
fn dropdown(choices: &[&str]) -> Value {
    json!({ "data_type": "text", "input_settings": { "input_type": "dropdown", "choices": choices } })
}

/// The managed fields a new account has (recorded: Nango test custom-fields), then agent-made ones:
/// `(object_type, label, description, managed_type, definition)`.
fn catalog() -> Vec<Template> {
    vec![
        (
            "Ticket",
            "Resolution",
            Some("The action taken by the agent to solve the customer's issue."),
            Some("resolution"),
            dropdown(&[
                "No action",
                "Refund",
                "Discount",
                "Replacement sent",
                "Updated Account Information",
                "Information Given",
                "Other",
            ]),
        ),
        (
            "Ticket",
            "Product",
            Some("The type of product mentioned in a ticket."),
            Some("product"),
            dropdown(&[]),
        ),
        (
            "Ticket",
            "Contact reason",
            Some("The reason why customers contact you."),
            Some("contact_reason"),
            dropdown(&[
                "Pre-sale::Product question",
                "Order::Cancel",
                "Order::Status",
                "Shipping::Change Address",
                "Shipping::Delivery not received",
                "Return",
                "Feedback::Positive",
                "Feedback::Negative",
                "Other",
            ]),
        ),
        (
            "Ticket",
            "AI Intent",
            Some("Topics detected in tickets"),
            Some("ai_intent"),
            dropdown(&[
                "Other::Other::Other",
                "Order::Status",
                "Order::Refund",
                "Shipping::Delay",
                "Return::Request",
                "Product::Details",
            ]),
        ),
        (
            "Ticket",
            "Managed sentiment",
            Some("Managed sentiment"),
            Some("managed_sentiment"),
            dropdown(&["Positive", "Negative", "Undefined"]),
        ),
        (
            "Ticket",
            "Call status",
            Some("The status of the last call related to a ticket."),
            Some("call_status"),
            dropdown(&[
                "Answered",
                "Missed with Voicemail",
                "Missed",
                "Cancelled",
                "Abandoned",
                "Callback Requested",
            ]),
        ),
        (
            "Customer",
            "Customer Type",
            Some("Capture customer type for easy recognition in future communications."),
            Some("customer_type"),
            dropdown(&[
                "💎 VIP",
                "Collaborator::😊 Ambassador",
                "😡 Problematic",
                "📦 High Returns",
            ]),
        ),
        (
            "Ticket",
            "Order number",
            None,
            None,
            json!({ "data_type": "text", "input_settings": { "input_type": "input", "placeholder": "#1001" } }),
        ),
        (
            "Customer",
            "Loyalty points",
            None,
            None,
            json!({ "data_type": "number", "input_settings": { "input_type": "input_number", "min": 0 } }),
        ),
        (
            "Ticket",
            "Refund approved",
            None,
            None,
            json!({ "data_type": "boolean", "input_settings": { "input_type": "dropdown", "choices": [true, false] } }),
        ),
        (
            "Customer",
            "Preferred contact",
            Some("How the customer likes to be reached"),
            None,
            dropdown(&["Email", "Phone", "SMS"]),
        ),
    ]
}

/// Seeds the definitions: the managed ones, then agent-made ones, a few deactivated (at a whole
/// second, as Gorgias's own form sets them: `2026-08-26T18:45:00+00:00`, recorded: Nango test
/// custom-fields).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(5);
    let cat = catalog();
    let n = s.sizes.custom_fields;
    let ids = g.ids(n, 319_600);
    let times = g.sorted_times(n, s.start, s.early);
    let mut priorities = std::collections::HashMap::new();
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let (ot, label, description, managed, definition) = cat[i % cat.len()].clone();
        let label = if i < cat.len() {
            label.to_owned()
        } else {
            format!("{label} {}", i + 1)
        };
        let p = priorities.entry(ot).or_insert(0i64);
        *p += 1;
        let custom = managed.is_none();
        let mut updated = if custom {
            g.between(t, g.span_end())
        } else {
            t + 7
        };
        let deactivated = (custom && i % 2 == 1).then(|| {
            let d = g.between(t, updated) + 60 * time::SECOND;
            d - d.rem_euclid(60 * time::SECOND)
        });
        if let Some(d) = deactivated {
            updated = updated.max(d - 2_481_372);
        }
        let v = record(
            id,
            ot,
            &label,
            description,
            *p,
            managed,
            definition,
            t,
            updated,
            deactivated,
        );
        let mut v = v;
        if managed == Some("call_status") {
            // The managed call-status field is shown conditionally (recorded: Nango test
            // custom-fields).
            v["requirement_type"] = json!("conditional");
        }
        s.data.put(ObjectKind::CustomFields, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::CustomFields);
    let p = next_priority(data, "Ticket");
    let def = json!({ "data_type": "text", "input_settings": { "input_type": "input" } });
    let v = record(
        id,
        "Ticket",
        &format!("Field {id}"),
        None,
        p,
        None,
        def,
        now,
        now,
        None,
    );
    Ok(object::insert_new(data, ObjectKind::CustomFields, &v)?)
}
