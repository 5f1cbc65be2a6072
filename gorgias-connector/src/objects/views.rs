//! Views: the `views` stream (saved ticket lists), the `view_items` stream (the tickets of every
//! view) and view actions (CRUD, list and search a view's tickets).
//!
//! Sources: Gorgias's REST reference ("List views", "List a view's items", paraphrased by withone.ai's Gorgias pages). A view is a saved ticket list: a `filters` expression (JavaScript-like, e.g.
//! `eq(ticket.status, 'open') && eq(ticket.assignee_user.id, '{{current_user.id}}')`, where
//! `{{current_user.*}}` is resolved for the caller), an ordering (`order_by` + `order_dir`), the
//! displayed columns (`fields`) and who sees it (`visibility`, `shared_with_users`,
//! `shared_with_teams`). Creating needs `slug` (deprecated but still required). System views
//! (Trash, Spam) cannot be deleted. Views have no `updated_datetime`.
//!
//! View items are tickets in the list-item shape (the ticket object's list-item shape), the view's ordering unless
//! `order_by` overrides it. `PUT /api/views/{id}/items` runs a view with inline changes; view id
//! 0 runs an ad-hoc view (no saved view needed).
//!
//! Incremental: `views` is a newest-first feed on `created_datetime` (the only orderable
//! datetime): new views are picked up, but edits of synced views are **not**. `view_items` is
//! full refresh only: it is the membership of each view *now* (a ticket leaves a view when it
//! stops matching), keyed by `[view_id, id]`, as Airbyte's `views_items` stream is. Its cost is
//! one request per view plus one per page of each view's tickets.
//!
//! View items page by `meta.next_items` (recorded: Nango test list-view-items: the envelope is
//! `{data, meta: {next_items, prev_items, current_cursor}}`, no `next_cursor`), resending every
//! parameter it carries (`cursor`, `direction`, `ignored_item`): see
//! [`crate::dialect::next_items_params`].
//!
//! **Customer-list views are skipped by `view_items`.** Every account has one ("All customers",
//! recorded: Nango test list-views) and its items are customers, not tickets (source:
//! NangoHQ/integration-templates list-view-items.ts); their shape is UNCONFIRMED, and the
//! `customers` stream already reads every customer. `view_items` reads the views whose `type` is
//! `ticket-list` (or that have no `type`). The `list_view_items` action still lists any view;
//! its items are tickets or customers, as the view's type says.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj, Reply};
use connector_http::client::Method;
use connector_http::list::{Browse, IncrementalRead, ReadKind, StreamDecl};
use crate::objects::tickets;
use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write`: the tickets scope covers "ticket views and their settings" (developers.gorgias.com/docs/oauth2-scopes); there is no views scope.
pub const SCOPE: &str = "tickets";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "view",
    plural: "views",
    words: "view",
    path: "/api/views",
    record,
};

/// Ticket attributes a view (and `order_by` on its items) can order by.
pub const ITEM_ORDERS: &[&str] = &[
    "created_datetime",
    "updated_datetime",
    "last_message_datetime",
    "last_received_message_datetime",
    "closed_datetime",
    "snooze_datetime",
    "priority",
];

fn summary(extra: (&'static str, Value)) -> Value {
    nested(&[("id", id()), ("name", string_n()), extra], false)
}

/// A view.
pub fn record() -> Value {
    record_of(
        "View",
        &[
            ("id", id()),
            ("uri", string()),
            ("name", string_n()),
            ("slug", string_n()),
            ("category", describe(string_n(), "e.g. user or system.")),
            (
                "type",
                describe(
                    string(),
                    "ticket-list, or customer-list (the system view All customers).",
                ),
            ),
            (
                "visibility",
                describe(string_n(), "public, shared or private."),
            ),
            (
                "filters",
                describe(
                    string_n(),
                    "The filter expression, e.g. `eq(ticket.status, 'open')`; empty when none.",
                ),
            ),
            (
                "filters_ast",
                describe(
                    object_n(),
                    "The filter expression parsed into an ESTree Program (key order not stable).",
                ),
            ),
            (
                "section_id",
                describe(
                    int_n(),
                    "The section the view is filed under; null when none.",
                ),
            ),
            (
                "order_by",
                describe(
                    string_n(),
                    "The ticket attribute items are ordered by, e.g. updated_datetime.",
                ),
            ),
            ("order_dir", describe(string_n(), "asc or desc.")),
            ("fields", describe(array_n(string()), "The columns shown.")),
            ("search", string_n()),
            (
                "decoration",
                describe(object_n(), "e.g. `{\"emoji\": \"🔥\"}`."),
            ),
            ("shared_with_users", array_n(summary(("meta", object_n())))),
            (
                "shared_with_teams",
                array_n(summary(("decoration", object_n()))),
            ),
            ("created_datetime", datetime()),
            ("deactivated_datetime", datetime_n()),
        ],
        &["id", "created_datetime"],
    )
}

/// A view item: a ticket in the list shape, with the id of the view it was listed in.
pub fn item_record() -> Value {
    let mut schema = tickets::record();
    schema["title"] = json!("View item");
    if let Some(props) = schema["properties"].as_object_mut() {
        props.insert(
            "view_id".into(),
            describe(id(), "The view the ticket was listed in."),
        );
    }
    schema["required"] = json!(["view_id", "id"]);
    schema
}

/// An item as the list actions return it: a ticket (ticket-list views) or a customer
/// (customer-list views), without `view_id`.
fn listed_item() -> Value {
    let mut ticket = strip_root(tickets::record());
    ticket["title"] = json!("Ticket");
    ticket["required"] = json!(["id"]);
    let mut customer = strip_root(crate::objects::customers::record());
    customer["title"] = json!("Customer");
    customer["required"] = json!(["id"]);
    json!({
        "title": "View item",
        "description": "A ticket for ticket-list views, a customer for customer-list views.",
        "anyOf": [ticket, customer],
    })
}

/// The `views` and `view_items` streams.
pub fn streams() -> Vec<StreamDecl> {
    vec![
        StreamDecl::new(
            "views",
            "Every saved ticket view (filters, ordering, columns, sharing).",
            "/api/views",
            record(),
            &["id"],
            IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (views have no updated_datetime): new views are picked up, but edits of synced views are not; a full refresh shows them.")
            .into(),
        )
        .browse(Browse::default().order_by(&["created_datetime:asc", "created_datetime:desc"])),
        StreamDecl::new(
            "view_items",
            "The tickets each view lists right now, one record per (view, ticket).",
            "/api/views",
            item_record(),
            &["view_id", "id"],
            ReadKind::Children {
                parent_path: "/api/views",
                child_path: "/api/views/{id}/items",
                key: "view_id",
                only: Some(("type", "ticket-list")),
            },
        ),
    ]
}

fn order_by_values() -> Vec<String> {
    ITEM_ORDERS
        .iter()
        .flat_map(|a| [format!("{a}:asc"), format!("{a}:desc")])
        .collect()
}

fn paging_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            "cursor",
            field(
                "Cursor",
                json!({"type": "string", "minLength": 1, "maxLength": 2048}),
                "`next_cursor` of the previous page; leave out for the first page.",
            ),
        ),
        (
            "limit",
            field(
                "Page size",
                json!({"type": "integer", "minimum": 1, "maximum": 100, "default": 30}),
                "Tickets per page (at most 100).",
            ),
        ),
        (
            "order_by",
            field(
                "Order by",
                json!({"enum": order_by_values()}),
                "Overrides the view's ordering, e.g. updated_datetime:desc.",
            ),
        ),
        (
            "direction",
            field(
                "Direction",
                one_of_strings(&["next", "prev"], false),
                "Which way to page from the cursor.",
            ),
        ),
        (
            "ignored_item",
            field(
                "Ignored ticket",
                positive_id(),
                "A ticket id to leave out (one already shown, when tickets move between pages).",
            ),
        ),
    ]
}

const PAGING: &[&str] = &["cursor", "limit", "order_by", "direction", "ignored_item"];

fn shared_with(title: &str, what: &str) -> Value {
    let reference = json!({"anyOf": [
        {"type": "integer", "minimum": 1},
        {"type": "object", "required": ["id"], "properties": {"id": positive_id()}},
    ]});
    field(
        title,
        json!({"type": "array", "items": reference, "maxItems": 100}),
        &format!("{what}, each as `{{\"id\": 12}}`; used when visibility is shared or private."),
    )
}

fn view_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("name", field("Name", text(255), "")),
        (
            "filters",
            field(
                "Filters",
                json!({"type": "string", "maxLength": 10000}),
                "Which tickets the view lists, e.g. `eq(ticket.status, 'open') && eq(ticket.assignee_user.id, '{{current_user.id}}')`; empty for every ticket.",
            ),
        ),
        (
            "order_by",
            field(
                "Order by",
                one_of_strings(ITEM_ORDERS, false),
                "The ticket attribute the tickets are ordered by.",
            ),
        ),
        (
            "order_dir",
            field(
                "Order direction",
                one_of_strings(&["asc", "desc"], false),
                "",
            ),
        ),
        (
            "visibility",
            field(
                "Visibility",
                one_of_strings(&["public", "shared", "private"], false),
                "public: every user; shared: the given users and teams (and admins); private: one user.",
            ),
        ),
        (
            "fields",
            field(
                "Columns",
                json!({"type": "array", "items": text(64), "maxItems": 30, "uniqueItems": true}),
                "Ticket attributes shown as columns, e.g. details, tags, customer, updated.",
            ),
        ),
        (
            "search",
            field(
                "Search",
                json!({"type": ["string", "null"], "maxLength": 1000}),
                "Free text the tickets must match.",
            ),
        ),
        (
            "type",
            field(
                "Type",
                one_of_strings(&["ticket-list"], false),
                "Always ticket-list.",
            ),
        ),
        (
            "category",
            field("Category", text(64), "user for views people make."),
        ),
        (
            "decoration",
            field(
                "Decoration",
                json!({"type": ["object", "null"], "properties": {"emoji": field("Emoji", json!({"type": ["string", "null"], "maxLength": 16}), "One emoji shown before the view's name.")}, "additionalProperties": false}),
                "",
            ),
        ),
        (
            "shared_with_users",
            shared_with("Shared with users", "Users"),
        ),
        (
            "shared_with_teams",
            shared_with("Shared with teams", "Teams"),
        ),
    ]
}

/// View actions.
pub fn actions() -> Vec<ActionDecl> {
    let mut create_fields = vec![(
        "slug",
        field(
            "Slug",
            text(255),
            "A short identifier (deprecated by Gorgias but still required), e.g. open-tickets.",
        ),
    )];
    create_fields.extend(view_fields());
    let mut list_fields = vec![(
        "view_id",
        field("View id", positive_id(), "The view whose tickets to list."),
    )];
    list_fields.extend(paging_fields());
    let mut search_fields = vec![(
        "view_id",
        field(
            "View id",
            json!({"type": "integer", "minimum": 0}),
            "The view to start from; 0 for none (an ad-hoc view).",
        ),
    )];
    search_fields.extend(paging_fields());
    let inline = strip_root(input("Inline view", &view_fields(), &[]));
    search_fields.push((
        "view",
        field(
            "View",
            inline,
            "Changes to the view for this search only (filters, ordering, search text...).",
        ),
    ));
    vec![
        action::get(&OBJ),
        action::create(&OBJ, input("Create a view", &create_fields, &["slug"])),
        action::update(&OBJ, input("Update a view", &view_fields(), &[])),
        action::delete(&OBJ),
        ActionDecl::new(
            "list_view_items",
            "List a view's tickets",
            "Returns one page of the items a view lists (tickets; customers for a customer-list view), in the view's ordering unless order_by says otherwise. To go on, send next_page's parameters (cursor, direction, ignored_item) with the same view_id.",
            ActionEffect::Read,
            Method::Get,
            "/api/views/{view_id}/items",
            input("List a view's tickets", &list_fields, &["view_id"]),
            list_of(listed_item()),
        )
        .query(PAGING)
        .reply(Reply::List),
        ActionDecl::new(
            "search_view_items",
            "Search tickets with a view",
            "Returns one page of the tickets a view lists with the given changes applied (view id 0: only the given filters), without saving anything.",
            ActionEffect::Read,
            Method::Put,
            "/api/views/{view_id}/items",
            input("Search tickets with a view", &search_fields, &["view_id", "view"]),
            list_of(listed_item()),
        )
        .query(PAGING)
        .reply(Reply::List)
        .idempotent(true),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;

    fn find(name: &str) -> ActionDecl {
        actions().into_iter().find(|a| a.name == name).unwrap()
    }

    #[test]
    fn items_are_keyed_by_view_and_ticket() {
        let s = streams();
        assert_eq!(s[1].primary_key, &["view_id", "id"]);
        assert_eq!(item_record()["required"], json!(["view_id", "id"]));
        assert!(item_record()["properties"]["view_id"].is_object());
    }

    #[test]
    fn list_items_sends_paging_as_query() {
        let input = json!({"view_id": 4, "limit": 50, "order_by": "priority:desc", "cursor": "abc", "ignored_item": 9, "direction": "next"});
        let (path, query, body) = request_parts(&find("list_view_items"), input).unwrap();
        assert_eq!(path, "/api/views/4/items");
        assert_eq!(query.len(), 5);
        assert!(query.contains(&("order_by".to_string(), "priority:desc".to_string())));
        assert_eq!(body, None);
        let (path, query, body) = request_parts(
            &find("search_view_items"),
            json!({"view_id": 0, "limit": 10, "view": {"filters": "eq(ticket.status, 'open')"}}),
        )
        .unwrap();
        assert_eq!(path, "/api/views/0/items");
        assert_eq!(query, vec![("limit".to_string(), "10".to_string())]);
        assert_eq!(
            body,
            Some(json!({"view": {"filters": "eq(ticket.status, 'open')"}}))
        );
    }
}
