//! Widgets: `/api/widgets`. No widget traffic has been recorded; everything here follows the
//! documentation.
//!
//! * Record keys (API reference via withone.ai;
//!   developers.gorgias.com/v1.1/reference/the-widget-object): `id, uri, app_id, context,
//!   integration_id, order, template, type, created_datetime, updated_datetime,
//!   deactivated_datetime`.
//! * List: `order_by` `created_datetime` or `order`, asc/desc (default created desc);
//!   `integration_id`, `app_id` filters (API reference "List Widgets" via withone.ai). The envelope
//!   variant is UNCONFIRMED (`{data, object, uri, meta}` chosen).
//! * Create needs `template` and `type`; documented 201, answered **200** like every recorded
//!   create (UNCONFIRMED); `PUT` 200; `DELETE` 204 (API reference via withone.ai;
//!   benpalmer1/Gorgias-MCP-Server).

use crate::error::ApiError;
use crate::http::{Field, Ty, opt, req};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes};
use crate::seed::{Seeder, dt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use serde_json::{Map, Value, json};

/// Widget types (API reference via withone.ai).
pub const TYPES: &[&str] = &[
    "bigcommerce",
    "custom",
    "customer_external_data",
    "http",
    "magento2",
    "recharge",
    "shopify",
    "smile",
    "standalone",
    "yotpo",
    "klaviyo",
    "stripe",
    "woocommerce",
];

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("integration_id", Int),
        f("app_id", Str),
        f("order", Int),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("order", &["order"]),
    ],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/widgets`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Widgets,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("order:asc", "order"),
        desc("order:desc", "order"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("integration_id", IntEq("integration_id")),
        filter("app_id", StrEq("app_id", &[])),
    ],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const CONTEXTS: &[&str] = &["ticket", "customer", "user"];

const CREATE: &[Field] = &[
    req("template", Ty::Object),
    req("type", Ty::Enum(TYPES)),
    opt("context", Ty::Enum(CONTEXTS)),
    opt("integration_id", Ty::Int),
    opt("app_id", Ty::Str),
    opt("order", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];
const UPDATE: &[Field] = &[
    opt("template", Ty::Object),
    opt("type", Ty::Enum(TYPES)),
    opt("context", Ty::Enum(CONTEXTS)),
    opt("integration_id", Ty::Int),
    opt("app_id", Ty::Str),
    opt("order", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "widget",
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
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Widgets, "/api/widgets", &STORE)
};

/// A widget record.
pub fn record(
    id: i64,
    kind: &str,
    integration_id: Option<i64>,
    order: i64,
    created: Micros,
    updated: Micros,
) -> Value {
    json!({
        "id": id,
        "uri": format!("/api/widgets/{id}/"),
        "app_id": null,
        "context": "ticket",
        "integration_id": integration_id,
        "order": order,
        "template": {
            "type": "wrapper",
            "widgets": [{
                "path": format!("{kind}.customer"),
                "title": format!("{kind} customer"),
                "type": "card",
                "widgets": [{ "path": "email", "title": "Email", "type": "text" }],
            }],
        },
        "type": kind,
        "created_datetime": dt(created),
        "updated_datetime": dt(updated),
        "deactivated_datetime": null,
    })
}

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    _: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(record(id, "custom", None, 0, now, now))
}

fn check(data: &AccountData, f: &Map<String, Value>, _: Option<i64>) -> Result<(), ApiError> {
    if let Some(iid) = f.get("integration_id").and_then(Value::as_i64)
        && data.col(ObjectKind::Integrations).get(iid).is_none()
    {
        return Err(ApiError::bad_request("Failed to save widget")
            .with_field("integration_id", "Integration not found."));
    }
    Ok(())
}

/// Seeds widgets for the account's Shopify, HTTP, Recharge and Klaviyo integrations.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(13);
    let integrations: Vec<(i64, String)> = s
        .data
        .col(ObjectKind::Integrations)
        .iter()
        .filter_map(|r| {
            let t = r.fields[0].as_str()?;
            matches!(t, "shopify" | "http" | "recharge" | "klaviyo").then(|| (r.id, t.to_owned()))
        })
        .collect();
    let n = s.sizes.widgets;
    let ids = g.ids(n, 20_000);
    let times = g.sorted_times(n, s.start, s.end - crate::time::DAY);
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let integ =
            (!integrations.is_empty() && i % 3 != 2).then(|| &integrations[i % integrations.len()]);
        let (kind, iid) = integ.map_or(("custom", None), |(id, t)| (t.as_str(), Some(*id)));
        let updated = g.between(t, g.span_end());
        let mut v = record(id, kind, iid, i as i64, t, updated);
        v["context"] = json!(if i % 2 == 0 { "ticket" } else { "customer" });
        if i % 4 == 3 {
            v["app_id"] = json!(format!("app_{}", 100 + i));
        }
        s.data.put(ObjectKind::Widgets, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Widgets);
    let n = data.col(ObjectKind::Widgets).len() as i64;
    let v = record(id, "custom", None, n, now, now);
    Ok(object::insert_new(data, ObjectKind::Widgets, &v)?)
}
