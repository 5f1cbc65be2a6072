//! The smaller objects: tags, integrations, custom fields, macros, rules, views, widgets, jobs,
//! satisfaction surveys, account settings, events and the account itself.

use super::{Gen, dt, odt, text};
use crate::time::{Micros, Style};
use serde_json::{Value, json};

/// A tag record.
pub fn tag(g: &mut Gen, id: i64, created: Micros, n: usize, usage: i64) -> Value {
    let st = g.style();
    let name = text::TAGS
        .get(n)
        .map_or_else(|| format!("tag-{}", n + 1), |s| s.to_string());
    let decoration = match g.index(5) {
        0 => Value::Null,
        1 => json!({}),
        _ => json!({ "color": g.pick(text::COLORS) }),
    };
    json!({
        "id": id,
        "uri": format!("/api/tags/{id}/"),
        "name": name,
        "description": g.maybe(0.4, |_| format!("Tickets about {name}")),
        "decoration": decoration,
        "usage": usage,
        "created_datetime": dt(created, st),
        "deleted_datetime": Value::Null,
    })
}

/// Integration types generated, in order (the first email, Shopify and HTTP ones are used by
/// tickets, customers and widgets).
pub const INTEGRATION_TYPES: &[&str] = &[
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

/// An integration record.
pub fn integration(
    g: &mut Gen,
    id: i64,
    created: Micros,
    kind: &str,
    sub: &str,
    user_id: i64,
) -> Value {
    let st = g.style();
    let updated = g.between(created, g.span_end());
    let (name, meta, http) = match kind {
        "email" => (
            format!("{sub} support"),
            json!({ "address": format!("support@{sub}.example.com"), "provider": "gmail" }),
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
    json!({
        "id": id,
        "uri": format!("/api/integrations/{id}/"),
        "name": name,
        "type": kind,
        "description": g.maybe(0.3, |_| format!("{kind} integration")),
        "http": http,
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
        "deactivated_datetime": odt(g.chance(0.1).then_some(updated), st),
        "locked_datetime": Value::Null,
        "deleted_datetime": Value::Null,
        "user": { "id": user_id },
        "meta": meta,
        "application_id": if kind == "klaviyo" { Value::String(format!("app_{id}")) } else { Value::Null },
        "business_hours_id": Value::Null,
    })
}

const CUSTOM_FIELDS: &[(&str, &str, &str)] = &[
    ("Ticket", "Contact reason", "dropdown"),
    ("Customer", "Loyalty tier", "dropdown"),
    ("Ticket", "Product", "text"),
    ("Customer", "Birthday", "text"),
    ("Ticket", "Resolution", "dropdown"),
    ("Customer", "Lifetime orders", "number"),
    ("Ticket", "Refund amount", "number"),
    ("Ticket", "Follow-up needed", "boolean"),
];

/// A custom field definition; `n` picks the label and object type.
pub fn custom_field(g: &mut Gen, id: i64, created: Micros, n: usize) -> Value {
    let st = g.style();
    let (object_type, label, data_type) = CUSTOM_FIELDS[n % CUSTOM_FIELDS.len()];
    let label = if n < CUSTOM_FIELDS.len() {
        label.to_owned()
    } else {
        format!("{label} {}", n + 1)
    };
    custom_field_value(g, id, created, object_type, &label, data_type, n as i64, st)
}

/// Builds a custom field definition.
#[allow(clippy::too_many_arguments)]
pub fn custom_field_value(
    g: &mut Gen,
    id: i64,
    created: Micros,
    object_type: &str,
    label: &str,
    data_type: &str,
    priority: i64,
    st: Style,
) -> Value {
    let input_settings = match data_type {
        "dropdown" => {
            json!({ "input_type": "dropdown", "choices": ["Option A", "Option B", "Option C"] })
        }
        "number" => json!({ "input_type": "input_number", "min": 0 }),
        "boolean" => json!({ "input_type": "dropdown", "choices": [true, false] }),
        _ => json!({ "input_type": "input", "placeholder": "Type here" }),
    };
    let updated = g.between(created, g.span_end().max(created));
    json!({
        "id": id,
        "uri": format!("/api/custom-fields/{id}/"),
        "external_id": Value::Null,
        "object_type": object_type,
        "label": label,
        "description": g.maybe(0.5, |_| format!("{label} of the {}", object_type.to_lowercase())),
        "priority": priority,
        "required": false,
        "managed_type": Value::Null,
        "definition": { "data_type": data_type, "input_settings": input_settings },
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
        "deactivated_datetime": odt(g.chance(0.1).then_some(updated), st),
    })
}

/// A macro record.
pub fn macro_(g: &mut Gen, id: i64, created: Micros, n: usize, tags: &[String]) -> Value {
    let st = g.style();
    let name = text::MACROS
        .get(n)
        .map_or_else(|| format!("Macro {}", n + 1), |s| s.to_string());
    let updated = g.between(created, g.span_end());
    let mut actions = vec![json!({
        "name": "setResponseText",
        "title": "Add response text",
        "type": "user",
        "arguments": {
            "body_text": format!("Hi {{{{ticket.customer.firstname}}}}, {}.", name.to_lowercase()),
            "body_html": format!("<div>Hi {{{{ticket.customer.firstname}}}}, {}.</div>", name.to_lowercase()),
        },
    })];
    if !tags.is_empty() && g.chance(0.6) {
        let a = g.pick(tags).clone();
        let b = g.pick(tags).clone();
        let list = if a == b { a } else { format!("{a}, {b}") };
        actions.push(json!({ "name": "addTags", "title": "Add tags", "type": "user", "arguments": { "tags": list } }));
    }
    if g.chance(0.3) {
        actions.push(json!({ "name": "setStatus", "title": "Close", "type": "user", "arguments": { "status": "closed" } }));
    }
    json!({
        "id": id,
        "uri": format!("/api/macros/{id}/"),
        "external_id": Value::Null,
        "name": name,
        "intent": g.maybe(0.6, |g| g.pick(text::INTENTS).to_string()),
        "language": g.maybe(0.8, |g| g.pick(text::LANGUAGES).to_string()),
        "usage": g.rng_range(0, 500),
        "actions": actions,
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
        "archived_datetime": odt(g.chance(0.15).then_some(updated), st),
    })
}

/// A rule record.
pub fn rule(g: &mut Gen, id: i64, created: Micros, n: usize) -> Value {
    let st = g.style();
    let name = text::RULES
        .get(n)
        .map_or_else(|| format!("Rule {}", n + 1), |s| s.to_string());
    let updated = g.between(created, g.span_end());
    let code = "if (eq(ticket.channel, 'email')) { Action('addTags', { tags: 'shipping' }) }";
    json!({
        "id": id,
        "uri": format!("/api/rules/{id}/"),
        "name": name,
        "description": g.maybe(0.5, |_| format!("{name} automatically")),
        "code": code,
        "code_ast": { "type": "Program", "body": [], "sourceType": "script" },
        "event_types": g.pick(&["ticket-created", "ticket-created,ticket-updated", "ticket-message-created", "satisfaction-survey-responded"]),
        "priority": g.rng_range(0, 100),
        "deactivated_datetime": odt(g.chance(0.2).then_some(updated), st),
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
    })
}

/// Seeded views: name, slug, filters, order_by, order_dir.
pub const VIEWS: &[(&str, &str, &str, &str, &str)] = &[
    ("All", "all", "", "updated_datetime", "desc"),
    (
        "Open",
        "open",
        "eq(ticket.status, 'open')",
        "updated_datetime",
        "desc",
    ),
    (
        "Closed",
        "closed",
        "eq(ticket.status, 'closed')",
        "closed_datetime",
        "desc",
    ),
    (
        "Unassigned",
        "unassigned",
        "isEmpty(ticket.assignee_user.id) && eq(ticket.status, 'open')",
        "created_datetime",
        "asc",
    ),
    (
        "Mine",
        "mine",
        "eq(ticket.assignee_user.id, '{{current_user.id}}') && eq(ticket.status, 'open')",
        "last_message_datetime",
        "desc",
    ),
    (
        "Email",
        "email",
        "eq(ticket.channel, 'email')",
        "created_datetime",
        "desc",
    ),
    (
        "Urgent",
        "urgent",
        "containsAny(ticket.priority, ['high', 'critical'])",
        "priority",
        "desc",
    ),
    (
        "Spam",
        "spam",
        "eq(ticket.spam, true)",
        "updated_datetime",
        "desc",
    ),
    (
        "Trash",
        "trash",
        "isNotEmpty(ticket.trashed_datetime)",
        "updated_datetime",
        "desc",
    ),
];

/// A view record.
pub fn view(g: &mut Gen, id: i64, created: Micros, n: usize, owner: (i64, &str)) -> Value {
    let st = g.style();
    let (name, slug, filters, order_by, order_dir) = VIEWS[n % VIEWS.len()];
    let (name, slug) = if n < VIEWS.len() {
        (name.to_owned(), slug.to_owned())
    } else {
        (format!("{name} {}", n + 1), format!("{slug}-{}", n + 1))
    };
    json!({
        "id": id,
        "uri": format!("/api/views/{id}/"),
        "name": name,
        "slug": slug,
        "category": if n < 3 { "system" } else { "user" },
        "type": "ticket-list",
        "visibility": g.pick(&["public", "public", "shared", "private"]),
        "filters": filters,
        "order_by": order_by,
        "order_dir": order_dir,
        "fields": ["details", "tags", "customer", "updated", "assignee"],
        "search": Value::Null,
        "decoration": { "emoji": g.pick(text::EMOJIS) },
        "shared_with_users": [{ "id": owner.0, "name": owner.1, "meta": {} }],
        "shared_with_teams": [],
        "created_datetime": dt(created, st),
        "deactivated_datetime": Value::Null,
    })
}

/// A widget record.
pub fn widget(
    g: &mut Gen,
    id: i64,
    created: Micros,
    n: usize,
    integration: Option<(i64, &str)>,
) -> Value {
    let st = g.style();
    let updated = g.between(created, g.span_end());
    let (kind, integration_id) = match integration {
        Some((iid, t)) if t == "shopify" || t == "http" || t == "recharge" || t == "klaviyo" => {
            (t.to_owned(), Some(iid))
        }
        _ => ("custom".to_owned(), None),
    };
    json!({
        "id": id,
        "uri": format!("/api/widgets/{id}/"),
        "app_id": if n % 4 == 3 { Value::String(format!("app_{}", 100 + n)) } else { Value::Null },
        "context": if n.is_multiple_of(2) { "ticket" } else { "customer" },
        "integration_id": integration_id,
        "order": n as i64,
        "template": {
            "type": "wrapper",
            "widgets": [{
                "path": format!("{kind}.customer"),
                "title": format!("{} customer", kind),
                "type": "card",
                "widgets": [{ "path": "email", "title": "Email", "type": "text" }],
            }],
        },
        "type": kind,
        "created_datetime": dt(created, st),
        "updated_datetime": dt(updated, st),
        "deactivated_datetime": Value::Null,
    })
}

/// Job types.
pub const JOB_TYPES: &[&str] = &[
    "applyMacro",
    "deleteTicket",
    "exportTicket",
    "importMacro",
    "exportMacro",
    "updateTicket",
    "exportTicketDrilldown",
    "exportConvertCampaignSalesDrilldown",
];

/// Job statuses.
pub const JOB_STATUSES: &[&str] = &[
    "pending",
    "scheduled",
    "running",
    "done",
    "cancel_requested",
    "canceled",
    "errored",
    "fatal_errored",
];

/// A job record.
pub fn job(g: &mut Gen, id: i64, created: Micros, user_id: i64, ticket_ids: &[i64]) -> Value {
    let st = g.style();
    let kind = *g.pick(JOB_TYPES);
    let status = if g.chance(0.6) {
        "done"
    } else {
        *g.pick(JOB_STATUSES)
    };
    let started = (status != "pending" && status != "scheduled")
        .then(|| created + g.between(1_000_000, 60_000_000));
    let ended = started
        .filter(|_| matches!(status, "done" | "errored" | "fatal_errored"))
        .map(|s| s + g.between(1_000_000, 600_000_000));
    let ids: Vec<i64> = (0..3)
        .filter_map(|_| ticket_ids.get(g.index(ticket_ids.len().max(1))))
        .copied()
        .collect();
    let canceled = (status == "canceled").then(|| created + 2_000_000);
    json!({
        "id": id,
        "uri": format!("/api/jobs/{id}/"),
        "type": kind,
        "status": status,
        "user_id": user_id,
        "params": { "ticket_ids": ids, "updates": { "status": "closed" }, "apply_and_close": false, "context": {} },
        "info": { "progress_count": if ended.is_some() { ids.len() } else { 0 } },
        "meta": Value::Null,
        "created_datetime": dt(created, st),
        "scheduled_datetime": dt(created, st),
        "started_datetime": odt(started, st),
        "locked_datetime": odt(started, st),
        "ended_datetime": odt(ended, st),
        "failed_datetime": odt(ended.filter(|_| status.contains("errored")), st),
        "cancel_requested_datetime": odt(canceled.map(|c| c - 1_000_000), st),
        "cancelled_datetime": odt(canceled, st),
    })
}

/// A satisfaction survey record.
pub fn survey(g: &mut Gen, id: i64, created: Micros, ticket_id: i64, customer_id: i64) -> Value {
    let st = g.style();
    let sent = g
        .chance(0.85)
        .then(|| created + g.between(60_000_000, 3_600_000_000));
    let scored = sent
        .filter(|_| g.chance(0.6))
        .map(|s| s + g.between(60_000_000, 86_400_000_000));
    let score = scored.map(|_| *g.pick(&[5, 5, 5, 4, 4, 3, 2, 1]));
    json!({
        "id": id,
        "uri": format!("/api/satisfaction-surveys/{id}/"),
        "ticket_id": ticket_id,
        "customer_id": customer_id,
        "score": score,
        "body_text": score.filter(|_| g.chance(0.5)).map(|s| if s >= 4 { "Great support, thanks!" } else { "Took too long." }),
        "meta": Value::Null,
        "created_datetime": dt(created, st),
        "scored_datetime": odt(scored, st),
        "sent_datetime": odt(sent, st),
        "should_send_datetime": odt(Some(created + 60_000_000), st),
    })
}

/// Account setting types and their data.
pub fn settings() -> Vec<(&'static str, Value)> {
    vec![
        (
            "satisfaction-surveys",
            json!({ "send_survey_for_chat": true, "send_survey_for_email": true, "survey_interval": 60 }),
        ),
        (
            "business-hours",
            json!({ "timezone": "UTC", "business_hours": [{ "days": "1,2,3,4,5", "from_time": "09:00", "to_time": "18:00" }] }),
        ),
        (
            "ticket-assignment",
            json!({ "auto_assign_to_teams": true, "max_user_chat_ticket": 5 }),
        ),
        (
            "views-ordering",
            json!({ "views": {}, "view_sections": {} }),
        ),
        (
            "access",
            json!({ "signup_mode": "invite", "google_sso_enabled": false }),
        ),
        ("views-visibility", json!({ "hidden_views": [] })),
        (
            "auto-merge",
            json!({ "enabled": false, "merging_window_days": 5 }),
        ),
        ("default-integration", json!({ "email": 0 })),
    ]
}

/// A stored setting.
pub fn setting(id: i64, kind: &str, data: Value) -> Value {
    json!({ "id": id, "uri": format!("/api/account/settings/{id}/"), "type": kind, "data": data })
}

/// An event record.
#[allow(clippy::too_many_arguments)]
pub fn event(
    g: &mut Gen,
    id: i64,
    at: Micros,
    kind: &str,
    object_type: &str,
    object_id: i64,
    user_id: Option<i64>,
) -> Value {
    let st = g.style();
    let context = crate::store::uuid(&mut g.rng);
    let data = if kind.ends_with("-updated") && g.chance(0.7) {
        json!({ "changes": { "status": { "old": "open", "new": "closed" } } })
    } else {
        Value::Null
    };
    json!({
        "id": id,
        "uri": format!("/api/events/{id}/"),
        "context": context,
        "created_datetime": dt(at, st),
        "data": data,
        "object_id": object_id,
        "object_type": object_type,
        "type": kind,
        "user_id": user_id,
    })
}

/// The account object.
pub fn account(sub: &str, created: Micros) -> Value {
    json!({
        "domain": sub,
        "created_datetime": crate::time::format(created, Style::Micros),
        "deactivated_datetime": Value::Null,
        "status": { "status": "active" },
        "current_subscription": {
            "plan": "advanced-monthly-usd-4",
            "start_datetime": crate::time::format(created, Style::Micros),
            "status": "active",
        },
        "meta": {
            "analytics_group_id": format!("grp_{sub}"),
            "company_domain": format!("{sub}.example.com"),
            "company_id": 1,
            "hasCreditCard": true,
        },
    })
}
