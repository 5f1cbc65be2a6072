//! Integrations: `/api/integrations`.
//!
//! * Record keys as recorded for an email integration (Nango test list-integrations): `id,
//!   created_datetime, deactivated_datetime, decoration, description, http, locked_datetime, meta,
//!   name, type, updated_datetime, user{id}, uri, application_id, managed, business_hours_id`.
//!   `http` is `null` except for HTTP integrations, whose `http` is `{id, url, method, form,
//!   headers, request_content_type, response_content_type, triggers}`
//!   (developers.gorgias.com/reference/the-integration-object).
//! * List: envelope with `meta.total_resources: null` (recorded: Nango test list-integrations);
//!   `order_by=created_datetime:asc|desc` (default desc) and `type` (API reference via withone.ai).
//! * Create needs `name` and `type` (an HTTP integration also `http.url`), update needs `name` (API
//!   reference "Update an Integration" via withone.ai); create answers 200 (sandbox choice: every
//!   recorded create is 200), `DELETE` 204.

use crate::error::ApiError;
use crate::http::{Field, Ty, opt, req};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes};
use crate::seed::{Seeder, dt, odt};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use serde_json::{Map, Value, json};

/// Integration types accepted by the `type` filter and on create (API reference via withone.ai).
pub const TYPES: &[&str] = &[
    "email",
    "gmail",
    "outlook",
    "app",
    "aircall",
    "facebook",
    "gorgias_chat",
    "phone",
    "sms",
    "twitter",
    "yotpo",
    "whatsapp",
    "http",
    "shopify",
    "recharge",
    "smile",
    "smooch_inside",
    "smooch",
    "magento2",
    "zendesk",
    "klaviyo",
    "bigcommerce",
    "alloy",
    "ecom",
];

/// Store shape (`type` is the first field: tickets and customers look integrations up by it).
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("type", Str),
        f("name", Str),
        f("meta.address", Str),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[IndexSpec::on("created", &["created_datetime"])],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/integrations`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Integrations,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "created_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[filter("type", StrEq("type", TYPES))],
    hidden_orders: &[],
    envelope: Envelope::OBJECT_FIRST_WITH_TOTAL,
};

const CREATE: &[Field] = &[
    req("name", Ty::Str),
    req("type", Ty::Enum(TYPES)),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
    opt("http", Ty::Object),
    opt("meta", Ty::Object),
    opt("application_id", Ty::Str),
    opt("business_hours_id", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

const UPDATE: &[Field] = &[
    req("name", Ty::Str),
    opt("description", Ty::Str),
    opt("decoration", Ty::Object),
    opt("http", Ty::Object),
    opt("meta", Ty::Object),
    opt("application_id", Ty::Str),
    opt("business_hours_id", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "integration",
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
    ..ObjectDef::new(ObjectKind::Integrations, "/api/integrations", &STORE)
};

/// An integration record.
#[allow(clippy::too_many_arguments)]
pub fn record(
    id: i64,
    kind: &str,
    name: &str,
    meta: Value,
    http: Value,
    user_id: i64,
    created: Micros,
    updated: Micros,
) -> Value {
    json!({
        "id": id,
        "created_datetime": dt(created),
        "deactivated_datetime": null,
        "decoration": null,
        "description": null,
        "http": http,
        "locked_datetime": null,
        "meta": meta,
        "name": name,
        "type": kind,
        "updated_datetime": dt(updated),
        "user": { "id": user_id },
        "uri": format!("/api/integrations/{id}/"),
        "application_id": null,
        "managed": false,
        "business_hours_id": null,
    })
}

fn defaults(
    data: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    Ok(record(
        id,
        f.get("type").and_then(Value::as_str).unwrap_or("http"),
        "",
        json!({}),
        Value::Null,
        data.owner_user_id,
        now,
        now,
    ))
}

fn check(_: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    if id.is_none() && f.get("type").and_then(Value::as_str) == Some("http") {
        let url = f
            .get("http")
            .and_then(|h| h.get("url"))
            .and_then(Value::as_str);
        if url.is_none() {
            return Err(ApiError::bad_request("Failed to create integration")
                .with_field("http", "The url of an HTTP integration is required."));
        }
    }
    Ok(())
}

/// The `meta` of an email integration (recorded: Nango test list-integrations).
pub fn email_meta(address: &str) -> Value {
    json!({
        "provider": "sendgrid",
        "outbound_verification_status": { "single_sender": "unverified", "domain": "success" },
        "address": address,
        "preferred": false,
        "marketing": false,
        "verified": true,
        "email_forwarding_activated": false,
    })
}

/// Integration types seeded, in order (the first email, Shopify and HTTP ones are used by tickets,
/// customers and widgets).
const SEEDED: &[&str] = &[
    "email",
    "shopify",
    "http",
    "gorgias_chat",
    "facebook",
    "sms",
    "klaviyo",
    "recharge",
    "phone",
];

/// Seeds the account's integrations: its email mailbox first (the Gorgias Bot's address).
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(4);
    let n = s.sizes.integrations;
    let ids = g.ids(n, 126_600);
    let times = g.sorted_times(n, s.start, s.early);
    let sub = s.sub.clone();
    let owner = s.data.owner_user_id;
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let kind = SEEDED[i % SEEDED.len()];
        let updated = g.between(t, g.span_end());
        let (name, meta, http) = match kind {
            "email" => (
                format!("{sub} Support"),
                email_meta(&super::users::mailbox(&sub)),
                Value::Null,
            ),
            "shopify" => (
                format!("{sub}-store"),
                json!({ "shop_name": format!("{sub}-store"), "shop_domain": format!("{sub}-store.myshopify.com"), "currency": "USD" }),
                Value::Null,
            ),
            "http" => (
                "Order lookup".to_owned(),
                json!({}),
                json!({
                    "id": id + 1,
                    "url": format!("https://hooks.example.com/{sub}/orders?email={{{{ticket.customer.email}}}}"),
                    "method": "GET",
                    "form": {},
                    "headers": { "X-Api-Key": "redacted" },
                    "request_content_type": "application/json",
                    "response_content_type": "application/json",
                    "triggers": { "ticket_created": true, "ticket_updated": false, "ticket_message_created": false },
                }),
            ),
            other => (format!("{sub} {other}"), json!({}), Value::Null),
        };
        let mut v = record(id, kind, &name, meta, http, owner, t, updated);
        if g.chance(0.1) && i > 2 {
            v["deactivated_datetime"] = odt(Some(updated));
        }
        if kind == "klaviyo" {
            v["application_id"] = json!(format!(
                "{:024x}",
                u128::from(crate::seed::mix(id as u64, 9))
            ));
        }
        s.data.put(ObjectKind::Integrations, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Integrations);
    let http = json!({
        "id": id + 1, "url": "https://hooks.example.com/new", "method": "POST", "form": {}, "headers": {},
        "request_content_type": "application/json", "response_content_type": "application/json",
        "triggers": { "ticket_created": true },
    });
    let v = record(
        id,
        "http",
        "Webhook",
        json!({}),
        http,
        data.owner_user_id,
        now,
        now,
    );
    Ok(object::insert_new(data, ObjectKind::Integrations, &v)?)
}

/// The account's first integration of a type: `(id, name, address)`.
pub fn first_of(data: &AccountData, kind: &str) -> Option<(i64, String, String)> {
    data.col(ObjectKind::Integrations)
        .iter()
        .find(|r| r.fields[0].as_str() == Some(kind))
        .map(|r| {
            (
                r.id,
                r.fields[1].as_str().unwrap_or_default().to_owned(),
                r.fields[2].as_str().unwrap_or_default().to_owned(),
            )
        })
}
