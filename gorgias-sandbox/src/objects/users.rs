//! Users (agents): `/api/users`.
//!
//! * Record keys as recorded (Nango tests users, create-user): `id, active, bio, created_datetime,
//!   country, deactivated_datetime, email, external_id, firstname, has_password, has_2fa_enabled,
//!   lastname, language, meta, name, role{name}, timezone, updated_datetime, client_id, uri`. The
//!   `uri` is **absolute**, `https://{sub}.gorgias.com/api/users/{id}/` (recorded: Nango test
//!   users). Accounts include bot users (`role.name: "bot"`, "Gorgias Bot"; an app bot with a
//!   `client_id`).
//! * List: default `name:asc` (ties by id), envelope with `meta.total_resources: null` (recorded:
//!   Nango test users); `order_by` on `created_datetime`, `name`, `email`, `role.name`; filters
//!   `email`, `external_id`, `roles` (repeated), `search`, `available_first` (accepted, no effect)
//!   (API reference "List Users" via withone.ai).
//! * `/api/users/0` is the caller (the credentials' user) (benpalmer1/Gorgias-MCP-Server;
//!   brooklyn-data/tap-gorgias). Create `{name, email, role:{name}}` answers 200 (recorded: Nango
//!   test create-user); changing the email needs a non-empty `password_confirmation`
//!   (developers.gorgias.com/reference/the-user-object); the caller cannot delete itself (sandbox
//!   choice); `DELETE` answers 204 (recorded: Nango test delete-user).

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, json, opt, req};
use crate::list::{Envelope, FilterKind::*, ListSpec, asc, desc, filter};
use crate::object::{self, ObjectDef, Writes, get_one};
use crate::seed::{Gen, Seeder, ascii, dt, odt, text};
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

/// User roles.
pub const ROLES: &[&str] = &[
    "admin",
    "agent",
    "basic-agent",
    "bot",
    "internal-agent",
    "lite-agent",
    "observer-agent",
];

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("email", Str),
        f("external_id", Str),
        f("name", Str),
        f("role.name", Str),
        f("created_datetime", Time),
        f("updated_datetime", Time),
    ],
    indexes: &[
        IndexSpec::on("created", &["created_datetime"]),
        IndexSpec::on("name", &["name"]),
        IndexSpec::on("email", &["email"]),
        IndexSpec::on("role", &["role.name"]),
    ],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/users`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Users,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("name:asc", "name"),
        desc("name:desc", "name"),
        asc("email:asc", "email"),
        desc("email:desc", "email"),
        asc("role.name:asc", "role"),
        desc("role.name:desc", "role"),
    ],
    default_order: "name:asc",
    default_limit: 30,
    max_limit: 100,
    filters: &[
        filter("email", StrEqCi("email")),
        filter("external_id", StrEq("external_id", &[])),
        filter("roles", StrIn("role.name")),
        filter("search", Search(&["name", "email"])),
        filter("available_first", Ignored),
    ],
    hidden_orders: &[],
    envelope: Envelope::OBJECT_FIRST_WITH_TOTAL,
};

const FIELDS: &[Field] = &[
    opt("email", Ty::Email),
    opt("name", Ty::Str),
    opt("role", Ty::Object),
    opt("firstname", Ty::Str),
    opt("lastname", Ty::Str),
    opt("bio", Ty::Str),
    opt("country", Ty::Str),
    opt("language", Ty::Str),
    opt("timezone", Ty::Str),
    opt("external_id", Ty::Str),
    opt("meta", Ty::Object),
    opt("active", Ty::Bool),
];

const CREATE: &[Field] = &[
    req("email", Ty::Email),
    req("name", Ty::Str),
    opt("role", Ty::Object),
    opt("firstname", Ty::Str),
    opt("lastname", Ty::Str),
    opt("bio", Ty::Str),
    opt("country", Ty::Str),
    opt("language", Ty::Str),
    opt("timezone", Ty::Str),
    opt("external_id", Ty::Str),
    opt("meta", Ty::Object),
    opt("active", Ty::Bool),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: FIELDS,
    noun: "user",
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
        object::get("/api/users/{id}", retrieve),
        object::put("/api/users/{id}", update),
        object::delete("/api/users/{id}", remove),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Users, "/api/users", &STORE)
};

/// The absolute `uri` of a user (recorded: Nango test users).
pub fn uri(sub: &str, id: i64) -> String {
    format!("https://{sub}.gorgias.com/api/users/{id}/")
}

/// A user record with every recorded key.
#[allow(clippy::too_many_arguments)]
pub fn record(
    sub: &str,
    id: i64,
    created: Micros,
    updated: Micros,
    email: &str,
    name: (&str, &str),
    role: &str,
    meta: Value,
) -> Value {
    let (first, last) = name;
    let full = if last.is_empty() {
        first.to_owned()
    } else {
        format!("{first} {last}")
    };
    json!({
        "id": id,
        "active": true,
        "bio": null,
        "created_datetime": dt(created),
        "country": null,
        "deactivated_datetime": null,
        "email": email,
        "external_id": null,
        "firstname": first,
        "has_password": false,
        "has_2fa_enabled": false,
        "lastname": last,
        "language": null,
        "meta": meta,
        "name": full,
        "role": { "name": role },
        "timezone": null,
        "updated_datetime": dt(updated),
        "client_id": null,
        "uri": uri(sub, id),
    })
}

fn defaults(
    data: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    let mut v = record(
        &data.subdomain,
        id,
        now,
        now,
        "",
        (first, last),
        "agent",
        json!({ "sso": null, "profile_picture_url": null }),
    );
    v["name"] = json!(name);
    v["timezone"] = json!(account_timezone(data));
    Ok(v)
}

/// The account's business-hours timezone, which a user created without `timezone` gets (recorded:
/// Nango tests create-user and list-account-settings, both `Africa/Nairobi`). Read from the
/// settings collection, so this module does not depend on `account`.
fn account_timezone(data: &AccountData) -> String {
    data.col(ObjectKind::AccountSettings)
        .iter()
        .map(|r| r.value())
        .find(|s| s["type"] == "business-hours")
        .and_then(|s| s["data"]["timezone"].as_str().map(str::to_owned))
        .unwrap_or_else(|| "UTC".to_owned())
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    if let Some(role) = f.get("role").filter(|r| !r.is_null()) {
        match role.get("name").and_then(Value::as_str) {
            Some(r) if ROLES.contains(&r) => {}
            _ => {
                return Err(ApiError::bad_request("Failed to save user")
                    .with_field("role", &format!("Must be one of: {}.", ROLES.join(", "))));
            }
        }
    }
    if let Some(email) = f.get("email").and_then(Value::as_str) {
        let email = email.to_lowercase();
        let taken = data.col(ObjectKind::Users).iter().any(|r| {
            Some(r.id) != id
                && r.fields[0]
                    .as_str()
                    .is_some_and(|e| e.to_lowercase() == email)
        });
        if taken {
            return Err(ApiError::conflict(
                "email",
                "A user with this email already exists.",
            ));
        }
    }
    Ok(())
}

/// The id a path refers to: `0` is the caller.
fn resolve(c: &Call) -> Result<i64, ApiError> {
    let id = c.first_id()?;
    Ok(if id == 0 { c.ctx.user_id } else { id })
}

fn retrieve(c: &Call) -> ApiResult {
    get_one(c, ObjectKind::Users, resolve(c)?)
}

fn update(c: &Call) -> ApiResult {
    let id = resolve(c)?;
    let mut data = c.ctx.account.write();
    let current = object::stored(&data, ObjectKind::Users, id)?;
    if let Some(email) = c.body.get("email").and_then(Value::as_str)
        && Some(email) != current["email"].as_str()
        && c.body
            .get("password_confirmation")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request("Failed to update user")
            .with_field("password_confirmation", "Missing data for required field."));
    }
    let v = WRITES.update_in(&mut data, ObjectKind::Users, id, &c.body)?;
    Ok(json(StatusCode::OK, &v))
}

fn remove(c: &Call) -> ApiResult {
    let id = resolve(c)?;
    if id == c.ctx.user_id {
        return Err(ApiError::bad_request("You cannot delete yourself."));
    }
    object::remove_in(&mut c.ctx.account.write(), ObjectKind::Users, id)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

const AGENT_ROLES: &[&str] = &[
    "agent",
    "agent",
    "agent",
    "basic-agent",
    "lite-agent",
    "observer-agent",
    "admin",
];

/// The email address of the account's support mailbox (the Gorgias Bot user and the email
/// integration share it, recorded: Nango tests users, list-integrations).
pub fn mailbox(sub: &str) -> String {
    let h = crate::seed::mix(
        sub.len() as u64,
        sub.bytes().fold(7u64, |a, b| a * 31 + u64::from(b)),
    );
    format!("{:016x}@email.gorgias.com", h)
}

fn agent(g: &mut Gen, sub: &str, id: i64, created: Micros, updated: Micros) -> Value {
    let first = g.pick(text::FIRST).to_string();
    let last = g.pick(text::LAST).to_string();
    let email = format!(
        "{}.{}{}@{sub}.example.com",
        ascii(&first),
        ascii(&last),
        id % 1000
    );
    let role = *g.pick(AGENT_ROLES);
    let meta = if g.chance(0.5) {
        json!({ "sso": null, "profile_picture_url": null })
    } else {
        json!({ "sso": "google", "name_set_via": "agent" })
    };
    let mut v = record(
        sub,
        id,
        created,
        updated,
        &email,
        (&first, &last),
        role,
        meta,
    );
    let deactivated = g.chance(0.1).then(|| g.between(created, updated));
    v["active"] = json!(deactivated.is_none());
    v["deactivated_datetime"] = odt(deactivated);
    v["bio"] = json!(g.maybe(0.3, |_| "Support agent.".to_owned()));
    v["country"] = json!(g.maybe(0.6, |g| g.pick(text::COUNTRIES).to_string()));
    v["external_id"] = json!(g.maybe(0.1, |_| format!("agent-{id}")));
    v["has_password"] = json!(g.chance(0.7));
    v["has_2fa_enabled"] = json!(g.chance(0.3));
    v["language"] = json!(g.maybe(0.4, |g| {
        (if g.chance(0.8) { "en" } else { "fr" }).to_owned()
    }));
    v["timezone"] = json!(g.maybe(0.8, |g| g.pick(text::TIMEZONES).to_string()));
    v
}

/// Seeds the owner (an admin, the credentials' user), the Gorgias Bot, an app bot and agents.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(1);
    let n = s.sizes.users.max(1);
    let ids = g.ids(n, 10_000);
    let times = g.sorted_times(n, s.start - 30 * crate::time::DAY, s.early);
    let sub = s.sub.clone();
    for (i, (&id, &t)) in ids.iter().zip(&times).enumerate() {
        let updated = g.between(t, t + 60 * crate::time::SECOND);
        let v = match i {
            0 => {
                let first = g.pick(text::FIRST).to_string();
                let last = g.pick(text::LAST).to_string();
                let mut v = record(
                    &sub,
                    id,
                    t,
                    updated,
                    &crate::seed::owner_email(&sub),
                    (&first, &last),
                    "admin",
                    json!({ "sso": "google", "name_set_via": "agent" }),
                );
                v["timezone"] = json!("UTC");
                v
            }
            1 => record(
                &sub,
                id,
                t,
                updated,
                &mailbox(&sub),
                ("Gorgias", "Bot"),
                "bot",
                json!({}),
            ),
            2 => {
                let client = format!("{:024x}", u128::from(crate::seed::mix(id as u64, 3)));
                let mut v = record(
                    &sub,
                    id,
                    t,
                    updated,
                    &format!("bot@{client}"),
                    ("Gorgias", "Bot"),
                    "bot",
                    json!({ "sso": null, "profile_picture_url": null }),
                );
                v["name"] = json!("Gorgias Helpdesk- Bot");
                v["client_id"] = json!(client);
                v
            }
            _ => {
                let updated = g.between(t, g.span_end());
                agent(&mut g, &sub, id, t, updated)
            }
        };
        s.data.put(ObjectKind::Users, &v);
    }
    s.data.owner_user_id = ids[0];
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let mut g = crate::seed::gen_now(data, now);
    let id = data.next_id(ObjectKind::Users);
    let sub = data.subdomain.clone();
    let v = agent(&mut g, &sub, id, now, now);
    Ok(object::insert_new(data, ObjectKind::Users, &v)?)
}

/// A user referenced by `{id}` or `{email}` (a 400 naming `field` when there is none).
pub fn lookup(data: &AccountData, r: &Value, field: &str, msg: &str) -> Result<Value, ApiError> {
    let col = data.col(ObjectKind::Users);
    let found = if let Some(id) = r.get("id").and_then(Value::as_i64) {
        col.get_value(id)
    } else if let Some(email) = r.get("email").and_then(Value::as_str) {
        col.iter()
            .find(|u| {
                u.fields[0]
                    .as_str()
                    .is_some_and(|e| e.eq_ignore_ascii_case(email))
            })
            .map(|u| u.value())
    } else {
        None
    };
    found.ok_or_else(|| ApiError::bad_request(msg.to_owned()).with_field(field, "User not found."))
}
