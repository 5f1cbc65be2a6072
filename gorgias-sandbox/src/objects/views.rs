//! Views: `/api/views`, and their items (`/api/views/{id}/items`).
//!
//! * Record keys as recorded (Nango tests list-views, create-view): `id, category,
//!   created_datetime, deactivated_datetime, decoration, fields, filters, filters_ast, name,
//!   order_by, order_dir, search, shared_with_teams, shared_with_users, section_id, slug, type,
//!   uri, visibility`; no `updated_datetime`. `filters_ast` is the ESTree of `filters`. An account
//!   comes with the system views Inbox, Unassigned, All, Snoozed, Closed, Trash, Spam (ticket-list,
//!   double-quoted filters) and **All customers** (`type: "customer-list"`, slug `all-customers`)
//!   (same recording).
//! * List: **newest first (id descending)** by default (recorded: Nango test list-views), envelope
//!   with `meta.total_resources: null`; `order_by=created_datetime:asc|desc` (API reference via
//!   withone.ai).
//! * Create needs `slug` (API reference "Create a View" via withone.ai) and answers 200 with the
//!   defaults `category: "user"`, `fields: []`, `filters: ""`, `order_by: "updated_datetime"`,
//!   `order_dir: "desc"` (recorded: Nango test create-view); filters that cannot be applied are a
//!   400 (sandbox choice). `DELETE` answers 204 (recorded: Nango test delete-view); system views
//!   cannot be deleted (400) (benpalmer1/Gorgias-MCP-Server).
//! * Items: `GET` (and `PUT` with an inline `{"view": {...}}`, view id 0 = ad hoc (API reference
//!   "Search a View's Items" via withone.ai)) lists the records of the view — tickets for
//!   ticket-list views, **customers for customer-list views** (NangoHQ/integration-templates
//!   actions/list-view-items.ts) — in the view's own ordering unless `order_by` overrides it (nulls
//!   first when ascending). Envelope **`{data, meta: {next_items, prev_items, current_cursor}}`** —
//!   no `object`, `uri` or `next_cursor` (recorded: Nango test list-view-items). Ticket items are
//!   ticket list items without `custom_fields` and `summary` (same recording); customer items are
//!   customer list items (their shape is UNCONFIRMED). `next_items` / `prev_items` are, when not
//!   null, the path of the next / previous page with `cursor`, `direction` and `ignored_item` (the
//!   id of the page's last / first item) — that form is UNCONFIRMED (no multi-page recording);
//!   `current_cursor` is the cursor of the page (null on the first). `ignored_item` excludes that
//!   record; `direction=prev` with a `next` cursor walks backwards.

use crate::error::ApiError;
use crate::http::{ApiResult, Call, Field, Ty, empty, opt, req, validate};
use crate::list::{self, Envelope, ListSpec, OrderSpec, asc, desc};
use crate::object::{self, ObjectDef, Writes, stored};
use crate::seed::{Seeder, dt};
use crate::server::json_text;
use crate::store::collection::{CollectionSpec, FieldKind::*, IndexSpec, f};
use crate::store::{AccountData, ObjectKind};
use crate::time::Micros;
use crate::viewfilter::{self, FieldFor};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::{customers, tickets};

/// Store shape.
pub static STORE: CollectionSpec = CollectionSpec {
    fields: &[
        f("name", Str),
        f("slug", Str),
        f("category", Str),
        f("created_datetime", Time),
    ],
    indexes: &[
        IndexSpec::on("id", &[]),
        IndexSpec::on("created", &["created_datetime"]),
    ],
    groups: &[],
    list_omit: &[],
};

/// `GET /api/views`.
pub static LIST: ListSpec = ListSpec {
    kind: ObjectKind::Views,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
    ],
    default_order: "id:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[desc("id:desc", "id")],
    envelope: Envelope::OBJECT_FIRST_WITH_TOTAL,
};

/// Ticket attributes a view (or `order_by` on its items) may order by (API reference via
/// withone.ai).
pub const ITEM_ORDERS: &[&str] = &[
    "created_datetime",
    "updated_datetime",
    "last_message_datetime",
    "last_received_message_datetime",
    "closed_datetime",
    "snooze_datetime",
    "priority",
];

/// Items of ticket-list views.
pub static TICKET_ITEMS: ListSpec = ListSpec {
    kind: ObjectKind::Tickets,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
        asc("last_message_datetime:asc", "last_message"),
        desc("last_message_datetime:desc", "last_message"),
        asc(
            "last_received_message_datetime:asc",
            "last_received_message",
        ),
        desc(
            "last_received_message_datetime:desc",
            "last_received_message",
        ),
        asc("closed_datetime:asc", "closed"),
        desc("closed_datetime:desc", "closed"),
        asc("snooze_datetime:asc", "snooze"),
        desc("snooze_datetime:desc", "snooze"),
        asc("priority:asc", "priority"),
        desc("priority:desc", "priority"),
    ],
    default_order: "updated_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

/// Items of customer-list views.
pub static CUSTOMER_ITEMS: ListSpec = ListSpec {
    kind: ObjectKind::Customers,
    orders: &[
        asc("created_datetime:asc", "created"),
        desc("created_datetime:desc", "created"),
        asc("updated_datetime:asc", "updated"),
        desc("updated_datetime:desc", "updated"),
    ],
    default_order: "updated_datetime:desc",
    default_limit: 30,
    max_limit: 100,
    filters: &[],
    hidden_orders: &[],
    envelope: Envelope::DATA_FIRST,
};

const TYPES: &[&str] = &["ticket-list", "customer-list"];
const VISIBILITY: &[&str] = &["public", "shared", "private"];

const UPDATE: &[Field] = &[
    opt("name", Ty::Str),
    opt("slug", Ty::Str),
    opt("filters", Ty::Str),
    opt("order_by", Ty::Enum(ITEM_ORDERS)),
    opt("order_dir", Ty::Enum(&["asc", "desc"])),
    opt("visibility", Ty::Enum(VISIBILITY)),
    opt("type", Ty::Enum(TYPES)),
    opt("category", Ty::Str),
    opt("fields", Ty::Array),
    opt("search", Ty::Str),
    opt("decoration", Ty::Object),
    opt("shared_with_users", Ty::Array),
    opt("shared_with_teams", Ty::Array),
    opt("section_id", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

const CREATE: &[Field] = &[
    req("slug", Ty::Str),
    opt("name", Ty::Str),
    opt("filters", Ty::Str),
    opt("order_by", Ty::Enum(ITEM_ORDERS)),
    opt("order_dir", Ty::Enum(&["asc", "desc"])),
    opt("visibility", Ty::Enum(VISIBILITY)),
    opt("type", Ty::Enum(TYPES)),
    opt("category", Ty::Str),
    opt("fields", Ty::Array),
    opt("search", Ty::Str),
    opt("decoration", Ty::Object),
    opt("shared_with_users", Ty::Array),
    opt("shared_with_teams", Ty::Array),
    opt("section_id", Ty::Int),
    opt("deactivated_datetime", Ty::Datetime),
];

/// Create / update.
pub static WRITES: Writes = Writes {
    create: CREATE,
    update: UPDATE,
    noun: "view",
    defaults,
    check: Some(check),
    prepare: Some(prepare),
};

/// The declaration.
pub static DEF: ObjectDef = ObjectDef {
    list: Some(&LIST),
    retrieve: true,
    writes: Some(&WRITES),
    routes: &[
        object::delete("/api/views/{id}", delete),
        object::get("/api/views/{id}/items", items),
        object::put("/api/views/{id}/items", search_items),
    ],
    seed: Some(seed),
    generate: Some(generate),
    ..ObjectDef::new(ObjectKind::Views, "/api/views", &STORE)
};

/// A view record.
#[allow(clippy::too_many_arguments)]
pub fn record(
    id: i64,
    name: &str,
    slug: &str,
    category: &str,
    kind: &str,
    filters: &str,
    order_by: &str,
    fields: &[&str],
    created: Micros,
) -> Value {
    json!({
        "id": id,
        "category": category,
        "created_datetime": dt(created),
        "deactivated_datetime": null,
        "decoration": null,
        "fields": fields,
        "filters": filters,
        "filters_ast": viewfilter::ast(filters),
        "name": name,
        "order_by": order_by,
        "order_dir": "desc",
        "search": null,
        "shared_with_teams": [],
        "shared_with_users": [],
        "section_id": null,
        "slug": slug,
        "type": kind,
        "uri": format!("/api/views/{id}/"),
        "visibility": "public",
    })
}

fn defaults(
    _: &mut AccountData,
    id: i64,
    now: Micros,
    f: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let slug = f.get("slug").and_then(Value::as_str).unwrap_or("view");
    Ok(record(
        id,
        slug,
        slug,
        "user",
        "ticket-list",
        "",
        "updated_datetime",
        &[],
        now,
    ))
}

fn paths(kind: &Value) -> FieldFor {
    if kind == "customer-list" {
        customers::filter_field
    } else {
        tickets::filter_field
    }
}

fn check(data: &AccountData, f: &Map<String, Value>, id: Option<i64>) -> Result<(), ApiError> {
    if let Some(filters) = f.get("filters").and_then(Value::as_str) {
        let kind = match f.get("type") {
            Some(k) => k.clone(),
            None => id
                .and_then(|id| data.col(ObjectKind::Views).get_value(id))
                .map_or(json!("ticket-list"), |v| v["type"].clone()),
        };
        let col = data.col(if kind == "customer-list" {
            ObjectKind::Customers
        } else {
            ObjectKind::Tickets
        });
        viewfilter::compile(filters, col, paths(&kind), data.owner_user_id).map_err(|e| {
            ApiError::bad_request("Failed to save view")
                .with_field("filters", &format!("Invalid filters: {e}."))
        })?;
    }
    Ok(())
}

fn prepare(_: &mut AccountData, f: &mut Map<String, Value>) -> Result<(), ApiError> {
    if let Some(filters) = f.get("filters").and_then(Value::as_str) {
        let ast = viewfilter::ast(filters);
        f.insert("filters_ast".into(), ast);
    }
    Ok(())
}

fn delete(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let mut data = c.ctx.account.write();
    if stored(&data, ObjectKind::Views, id)?["category"] == "system" {
        return Err(ApiError::bad_request("System views cannot be deleted."));
    }
    object::remove_in(&mut data, ObjectKind::Views, id)?;
    Ok(empty(StatusCode::NO_CONTENT))
}

const TICKET_ITEM_KEYS: &[&str] = &[
    "id",
    "uri",
    "external_id",
    "language",
    "status",
    "priority",
    "channel",
    "via",
    "from_agent",
    "customer",
    "assignee_user",
    "assignee_team",
    "subject",
    "meta",
    "tags",
    "is_unread",
    "spam",
    "created_datetime",
    "opened_datetime",
    "last_received_message_datetime",
    "last_message_datetime",
    "updated_datetime",
    "closed_datetime",
    "snooze_datetime",
    "trashed_datetime",
    "integrations",
    "messages_count",
    "excerpt",
    "last_sent_message_not_delivered",
];

/// A ticket list item as view items show it (recorded: Nango test list-view-items).
fn ticket_item(json: &str) -> String {
    let v: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    let mut m = Map::new();
    for k in TICKET_ITEM_KEYS {
        m.insert((*k).to_owned(), v.get(*k).cloned().unwrap_or(Value::Null));
    }
    Value::Object(m).to_string()
}

/// `/api/views/{id}/items?cursor=..&direction=..&ignored_item=..` (the UNCONFIRMED form).
fn items_link(view: i64, cursor: &str, direction: &str, ignored: i64) -> String {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("cursor", cursor)
        .append_pair("direction", direction)
        .append_pair("ignored_item", &ignored.to_string())
        .finish();
    format!("/api/views/{view}/items?{q}")
}

fn run_items(c: &Call, data: &AccountData, view_id: i64, view: &Value) -> ApiResult {
    let customers_view = view["type"] == "customer-list";
    let (spec, kind): (&ListSpec, ObjectKind) = if customers_view {
        (&CUSTOMER_ITEMS, ObjectKind::Customers)
    } else {
        (&TICKET_ITEMS, ObjectKind::Tickets)
    };
    let mut params: Vec<(String, String)> = Vec::new();
    let backwards = c.param("direction") == Some("prev");
    let mut ignored = None;
    for (k, v) in &c.params {
        match k.as_str() {
            "direction" => {
                if !matches!(v.as_str(), "prev" | "next" | "") {
                    return Err(ApiError::bad_param(
                        "direction",
                        "Must be one of: prev, next.",
                    ));
                }
            }
            "ignored_item" => {
                ignored =
                    Some(v.parse::<i64>().map_err(|_| {
                        ApiError::bad_param("ignored_item", "Not a valid integer.")
                    })?);
            }
            "cursor" if backwards => params.push((k.clone(), flip_prev(v))),
            _ => params.push((k.clone(), v.clone())),
        }
    }
    if !params.iter().any(|(k, _)| k == "order_by") {
        let by = view["order_by"].as_str().unwrap_or("updated_datetime");
        let dir = view["order_dir"].as_str().unwrap_or("desc");
        let wanted = format!("{by}:{dir}");
        let fits = |o: &OrderSpec| o.value == wanted;
        let chosen = if spec.orders.iter().any(fits) {
            wanted
        } else {
            spec.default_order.to_owned()
        };
        params.push(("order_by".into(), chosen));
    }
    let col = data.col(kind);
    let mut q = list::parse_with(spec, &params, data, col, c.ctx.user_id, &[])?;
    if let Some(id) = ignored {
        q.exclude(id);
    }
    let expr = viewfilter::compile(
        view["filters"].as_str().unwrap_or(""),
        col,
        paths(&view["type"]),
        c.ctx.user_id,
    )
    .map_err(|e| ApiError::bad_request(format!("The view's filters cannot be applied: {e}.")))?;
    q.view(expr);
    let page = list::run(col, &q);
    let items: Vec<String> = if customers_view {
        page.records.iter().map(|r| r.json.to_string()).collect()
    } else {
        page.records.iter().map(|r| ticket_item(&r.json)).collect()
    };
    let next = page
        .next_cursor
        .as_deref()
        .zip(page.records.last())
        .map(|(cur, r)| items_link(view_id, cur, "next", r.id));
    let prev = page
        .prev_cursor
        .as_deref()
        .zip(page.records.first())
        .map(|(cur, r)| items_link(view_id, cur, "prev", r.id));
    let current = c
        .param("cursor")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let mut body = list::data_only(items.iter().map(String::as_str));
    body.pop();
    body.push_str(&format!(
        r#","meta":{}}}"#,
        json!({ "next_items": next, "prev_items": prev, "current_cursor": current })
    ));
    Ok(json_text(StatusCode::OK, body))
}

/// A cursor re-encoded as a `prev` cursor (a `next` one sent with `direction=prev`).
fn flip_prev(raw: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .map(|s| STANDARD.encode(s.replacen("\"next\"", "\"prev\"", 1)))
        .unwrap_or_else(|| raw.to_owned())
}

fn items(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let data = c.ctx.account.read();
    let view = stored(&data, ObjectKind::Views, id)?;
    run_items(c, &data, id, &view)
}

fn search_items(c: &Call) -> ApiResult {
    let id = c.first_id()?;
    let f = validate(
        &c.body,
        &[req("view", Ty::Object)],
        false,
        "Invalid view search",
    )?;
    let over = validate(&f["view"], UPDATE, true, "Invalid view search")?;
    let data = c.ctx.account.read();
    let mut view = if id == 0 {
        json!({ "type": "ticket-list", "filters": "", "order_by": "updated_datetime", "order_dir": "desc" })
    } else {
        stored(&data, ObjectKind::Views, id)?
    };
    check(&data, &over, (id != 0).then_some(id))?;
    crate::http::merge(&mut view, over);
    run_items(c, &data, id, &view)
}

/// The views of a new account (recorded: Nango test list-views), then agent-made ones: `(name,
/// slug, category, type, filters, order_by)`.
const CATALOG: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "Inbox",
        "inbox",
        "system",
        "ticket-list",
        "eq(ticket.assignee_user.id, \"{{current_user.id}}\") && eq(ticket.status, \"open\")",
        "last_message_datetime",
    ),
    (
        "Unassigned",
        "unassigned",
        "system",
        "ticket-list",
        "(eq(ticket.status, \"open\")) && (isEmpty(ticket.assignee_user.id))",
        "last_message_datetime",
    ),
    (
        "All",
        "all",
        "system",
        "ticket-list",
        "eq(ticket.status, \"open\")",
        "last_message_datetime",
    ),
    (
        "Snoozed",
        "snoozed",
        "system",
        "ticket-list",
        "eq(ticket.assignee_user.id, \"{{current_user.id}}\") && isNotEmpty(ticket.snooze_datetime)",
        "last_message_datetime",
    ),
    (
        "Closed",
        "closed",
        "system",
        "ticket-list",
        "eq(ticket.status, \"closed\")",
        "last_message_datetime",
    ),
    (
        "Trash",
        "trash",
        "system",
        "ticket-list",
        "isNotEmpty(ticket.trashed_datetime)",
        "last_message_datetime",
    ),
    (
        "Spam",
        "spam",
        "system",
        "ticket-list",
        "eq(ticket.spam, true)",
        "last_message_datetime",
    ),
    (
        "All customers",
        "all-customers",
        "system",
        "customer-list",
        "",
        "updated_datetime",
    ),
    (
        "Email",
        "email",
        "user",
        "ticket-list",
        "eq(ticket.channel, \"email\")",
        "created_datetime",
    ),
    (
        "Urgent",
        "urgent",
        "user",
        "ticket-list",
        "containsAny(ticket.priority, [\"high\", \"critical\"])",
        "priority",
    ),
    (
        "Everything",
        "everything",
        "user",
        "ticket-list",
        "",
        "updated_datetime",
    ),
];

const TICKET_FIELDS: &[&str] = &["details", "tags", "customer", "last_message"];
const CUSTOMER_FIELDS: &[&str] = &["name", "email", "created", "updated"];

/// Seeds the system views of an account, then agent-made ones.
fn seed(s: &mut Seeder) {
    let mut g = s.gen_for(12);
    let n = s.sizes.views;
    let ids = g.ids(n, 1_177_160);
    let birth = s.start;
    let times = g.sorted_times(n, s.start, s.early);
    for (i, &id) in ids.iter().enumerate() {
        let (name, slug, category, kind, filters, order_by) = CATALOG[i % CATALOG.len()];
        let (name, slug) = if i < CATALOG.len() {
            (name.to_owned(), slug.to_owned())
        } else {
            (format!("{name} {}", i + 1), format!("{slug}-{}", i + 1))
        };
        let fields = if kind == "customer-list" {
            CUSTOMER_FIELDS
        } else {
            TICKET_FIELDS
        };
        let created = if category == "system" {
            birth + i as i64 * 2
        } else {
            times[i]
        };
        let mut v = record(
            id, &name, &slug, category, kind, filters, order_by, fields, created,
        );
        if category == "user" {
            v["fields"] = json!(["details", "tags", "customer", "updated", "assignee"]);
            if g.chance(0.5) {
                v["decoration"] = json!({ "emoji": g.pick(crate::seed::text::EMOJIS) });
            }
        }
        s.data.put(ObjectKind::Views, &v);
    }
}

fn generate(data: &mut AccountData, now: Micros) -> Result<i64, crate::SandboxError> {
    let id = data.next_id(ObjectKind::Views);
    let v = record(
        id,
        &format!("View {id}"),
        &format!("view-{id}"),
        "user",
        "ticket-list",
        "",
        "updated_datetime",
        &[],
        now,
    );
    Ok(object::insert_new(data, ObjectKind::Views, &v)?)
}
