//! Users, customers and teams: the people records and the small summaries other records embed.

use super::{Gen, dt, odt, text};
use crate::time::{Micros, Style};
use serde_json::{Value, json};

/// A person as embedded in other records (`customer`, `sender`, `assignee_user`).
#[derive(Debug, Clone)]
pub struct Person {
    /// Id.
    pub id: i64,
    /// Email, if any.
    pub email: Option<String>,
    /// Full name, if any.
    pub name: Option<String>,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// `meta` as embedded.
    pub meta: Value,
}

impl Person {
    /// Reads the summary out of a stored customer or user record.
    pub fn from_value(v: &Value) -> Option<Self> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            id: v.get("id")?.as_i64()?,
            email: s("email"),
            name: s("name"),
            firstname: s("firstname").unwrap_or_default(),
            lastname: s("lastname").unwrap_or_default(),
            meta: v.get("meta").cloned().unwrap_or(Value::Null),
        })
    }

    /// `{id, email, name, firstname, lastname, meta}`.
    pub fn summary(&self) -> Value {
        json!({
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "meta": self.meta,
        })
    }

    /// The display name (name, else email, else the id).
    pub fn display(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| format!("#{}", self.id))
    }
}

/// A team as embedded in tickets.
#[derive(Debug, Clone)]
pub struct TeamRef {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Emoji of its decoration.
    pub emoji: String,
}

impl TeamRef {
    /// `{id, name, decoration: {emoji}}`.
    pub fn summary(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "decoration": { "emoji": self.emoji } })
    }
}

const ROLES: &[&str] = &[
    "agent",
    "agent",
    "basic-agent",
    "lite-agent",
    "observer-agent",
    "admin",
];

/// A user (agent) record. The first user of an account is its owner, an admin.
pub fn user(g: &mut Gen, id: i64, created: Micros, owner_email: Option<&str>, sub: &str) -> Value {
    let st = g.style();
    let first = g.pick(text::FIRST).to_string();
    let last = g.pick(text::LAST).to_string();
    let email = owner_email.map_or_else(
        || {
            format!(
                "{}.{}{}@{sub}.example.com",
                ascii(&first),
                ascii(&last),
                id % 1000
            )
        },
        str::to_owned,
    );
    let role = if owner_email.is_some() {
        "admin"
    } else {
        g.pick(ROLES)
    };
    let updated = g.between(created, g.span_end());
    let deactivated = (owner_email.is_none() && g.chance(0.1)).then(|| g.between(created, updated));
    json!({
        "id": id,
        "uri": format!("/api/users/{id}/"),
        "active": deactivated.is_none(),
        "bio": g.maybe(0.5, |_| "Support agent. Coffee enthusiast.".to_owned()),
        "country": g.maybe(0.7, |g| g.pick(text::COUNTRIES).to_string()),
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
        "deactivated_datetime": odt(deactivated, st),
        "email": email,
        "external_id": g.maybe(0.2, |_| format!("agent-{id}")),
        "firstname": first,
        "lastname": last,
        "name": format!("{first} {last}"),
        "language": g.maybe(0.8, |g| (if g.chance(0.8) { "en" } else { "fr" }).to_owned()),
        "meta": {
            "avatar_url": format!("https://avatars.example.com/{id}.png"),
            "profile_picture_url": Value::Null,
        },
        "role": { "name": role },
        "timezone": g.pick(text::TIMEZONES),
        "has_password": g.chance(0.9),
        "has_2fa_enabled": g.chance(0.3),
    })
}

/// A team record.
pub fn team(g: &mut Gen, id: i64, created: Micros, n: usize, members: &[Person]) -> Value {
    let st = g.style();
    let name = text::TEAMS
        .get(n)
        .map_or_else(|| format!("Team {}", n + 1), |s| s.to_string());
    let updated = g.between(created, g.span_end());
    let members: Vec<Value> = members
        .iter()
        .filter(|_| g.chance(0.5))
        .map(|p| json!({ "id": p.id, "name": p.name, "meta": p.meta }))
        .collect();
    json!({
        "id": id,
        "uri": format!("/api/teams/{id}/"),
        "name": name,
        "description": g.maybe(0.5, |_| format!("The {name} team")),
        "decoration": { "emoji": g.pick(text::EMOJIS) },
        "members": members,
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
    })
}

/// A customer record (the full object, including Shopify data with 64-bit ids).
pub fn customer(
    g: &mut Gen,
    id: i64,
    created: Micros,
    updated: Micros,
    shopify: Option<i64>,
) -> Value {
    let st = g.style();
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
    let has_name = g.chance(0.93);
    let mut channels = Vec::new();
    if let Some(e) = &email {
        channels.push(channel(id * 10 + 1, "email", e, created, st, &first, id));
    }
    if g.chance(0.35) {
        let phone = format!("+1555{:07}", id % 10_000_000);
        channels.push(channel(
            id * 10 + 2,
            "phone",
            &phone,
            created,
            st,
            &first,
            id,
        ));
    }
    let mut integrations = serde_json::Map::new();
    if let Some(shop) = shopify
        && g.chance(0.6)
    {
        let shop_customer_id: i64 = 6_100_000_000_000 + g.rng_range(0, 900_000_000_000);
        let orders: Vec<Value> = (0..g.rng_range(0, 4))
            .map(|k| {
                json!({
                    "id": 5_200_000_000_000_i64 + g.rng_range(0, 900_000_000_000) + k,
                    "name": format!("#{}", 1000 + g.rng_range(0, 9000)),
                    "total_price": format!("{}.{:02}", g.rng_range(10, 400), g.rng_range(0, 100)),
                    "currency": "USD",
                    "financial_status": g.pick(&["paid", "refunded", "pending"]),
                    "created_at": crate::time::format(g.between(created, updated), Style::Seconds),
                })
            })
            .collect();
        integrations.insert(
            shop.to_string(),
            json!({
                "__integration_type__": "shopify",
                "customer": {
                    "id": shop_customer_id,
                    "email": email,
                    "first_name": first,
                    "last_name": last,
                    "orders_count": orders.len(),
                    "total_spent": format!("{}.00", g.rng_range(0, 2000)),
                    "admin_graphql_api_id": format!("gid://shopify/Customer/{shop_customer_id}"),
                },
                "orders": orders,
            }),
        );
    }
    json!({
        "id": id,
        "uri": format!("/api/customers/{id}/"),
        "external_id": g.maybe(0.3, |_| format!("cus_{}", id * 7 % 1_000_003)),
        "active": true,
        "email": email,
        "name": has_name.then(|| format!("{first} {last}")),
        "firstname": first,
        "lastname": last,
        "channels": channels,
        "language": g.maybe(0.7, |g| g.pick(text::LANGUAGES).to_string()),
        "timezone": g.maybe(0.8, |g| g.pick(text::TIMEZONES).to_string()),
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
        "meta": if g.chance(0.6) { json!({ "name_set_via": "agent" }) } else { Value::Null },
        "data": if g.chance(0.2) { json!({ "loyalty_points": g.rng_range(0, 5000) }) } else { Value::Null },
        "customer": Value::Null,
        "integrations": integrations,
        "note": g.maybe(0.15, |_| "Prefers email. Long-time customer.".to_owned()),
        "custom_fields": {},
        "external_data": {},
        "ecommerce_data": {},
    })
}

#[allow(clippy::too_many_arguments)]
fn channel(
    id: i64,
    kind: &str,
    address: &str,
    created: Micros,
    st: Style,
    first: &str,
    customer_id: i64,
) -> Value {
    json!({
        "id": id,
        "type": kind,
        "address": address,
        "preferred": kind == "email",
        "created_datetime": dt(created, st),
        "updated_datetime": dt(created, st),
        "deleted_datetime": Value::Null,
        "user": Value::Null,
        "customer": { "id": customer_id, "name": first },
    })
}

/// Lower-case ASCII version of a name, for email local parts.
pub fn ascii(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' | 'ê' => Some('e'),
            'ö' => Some('o'),
            'ü' => Some('u'),
            'ç' => Some('c'),
            'í' => Some('i'),
            'á' => Some('a'),
            c if c.is_ascii_alphanumeric() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}
