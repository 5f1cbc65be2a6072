//! One page of a stream without a sync: the paged list action `list_<stream>` of every list
//! stream, made from its [`StreamDecl`] so a host, a form or an agent can browse an object the
//! way the stream reads it.
//!
//! Its input is `limit` (1 to the API's maximum page size), `cursor` (the previous page's
//! `next_cursor`), `order_by` (one of the values the endpoint supports, when it orders at all)
//! and the stream's declared filters ([`Browse`](crate::list::Browse)); its output the page as `{data,
//! next_cursor}` ([`crate::schema::list_of`]). `limit`, `cursor` and `order_by` are sent as the
//! [`Dialect`]'s page parameters, so a connector whose API calls its cursor `page_token` gets
//! the same action. Streams of one object ([`ReadKind::Single`]) and of children of other
//! records ([`ReadKind::Children`]) have no list of their own: they get none.

use connector_sdk::{ActionEffect, Error, Result};
use serde_json::{Map, Value, json};

use crate::action::{ActionDecl, Reply};
use crate::client::Method;
use crate::dialect::Dialect;
use crate::list::{MAX_PAGE_CURSOR_BYTES, ReadKind, StreamDecl};
use crate::schema;

/// The input fields every paged list action has, in this order.
pub const PAGE_FIELDS: [&str; 3] = ["limit", "cursor", "order_by"];

/// The `order_by` values a stream's list accepts: the declared ones, else those its read
/// sends (the incremental walk's two orders, or a full refresh's one), without repeats.
fn order_values(stream: &StreamDecl) -> Vec<&'static str> {
    let mut values: Vec<&'static str> = stream.browse.order_by.clone();
    if values.is_empty() {
        match &stream.read {
            ReadKind::Incremental(read) => values.extend(read.asc.iter().chain(&read.desc)),
            ReadKind::Full { order_by } => values.extend(order_by),
            ReadKind::Single | ReadKind::Children { .. } => {}
        }
    }
    let mut seen = Vec::with_capacity(values.len());
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen
}

/// `list_<stream>` for a list stream, `None` for a single object or a child stream.
/// `max_limit` is the API's largest page size.
pub fn list_action(stream: &StreamDecl, max_limit: u32) -> Option<ActionDecl> {
    if matches!(stream.read, ReadKind::Single | ReadKind::Children { .. }) {
        return None;
    }
    let words = stream.name.replace('_', " ");
    let title = format!("List {words}");
    let mut fields: Vec<(&str, Value)> = vec![
        (
            "limit",
            schema::field(
                "Limit",
                json!({"type": "integer", "minimum": 1, "maximum": max_limit}),
                &format!("Records on the page, 1 to {max_limit}; the API's default when left out."),
            ),
        ),
        (
            "cursor",
            schema::field(
                "Cursor",
                json!({"type": "string", "minLength": 1, "maxLength": MAX_PAGE_CURSOR_BYTES}),
                "The previous page's next_cursor; leave out for the first page.",
            ),
        ),
    ];
    let orders = order_values(stream);
    if !orders.is_empty() {
        fields.push((
            "order_by",
            schema::field(
                "Order by",
                schema::one_of_strings(&orders, false),
                "The order of the records; the API's default when left out. Keep it the same while paging.",
            ),
        ));
    }
    for (name, filter_schema, description) in &stream.browse.filters {
        fields.push((
            name,
            schema::field(&title_of(name), filter_schema.clone(), description),
        ));
    }
    let filters: Vec<&'static str> = stream.browse.filters.iter().map(|(n, _, _)| *n).collect();
    let what = stream.description.trim_end_matches('.');
    let mut chars = what.chars();
    let what: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    let description = format!(
        "Returns one page of {words} and the cursor of the next page; to go on, pass next_cursor back as cursor with the same filters and order until it is null. The records are those the `{}` stream syncs: {what}.",
        stream.name
    );
    let mut decl = ActionDecl::new(
        format!("list_{}", stream.name),
        title.clone(),
        description,
        ActionEffect::Read,
        Method::Get,
        stream.path,
        schema::input(&title, &fields, &stream.browse.required),
        schema::list_of(stream.schema.clone()),
    )
    .query(&filters)
    .reply(Reply::List)
    .scopes(&stream.scopes.iter().map(String::as_str).collect::<Vec<_>>());
    decl.paged = true;
    Some(decl)
}

/// The paged list actions of `streams`, in their order.
pub fn list_actions(streams: &[StreamDecl], max_limit: u32) -> Vec<ActionDecl> {
    streams
        .iter()
        .filter_map(|s| list_action(s, max_limit))
        .collect()
}

/// Takes a paged list action's `limit`, `cursor` and `order_by` out of its input and returns
/// them as the dialect's query parameters.
pub(crate) fn page_query(
    action: &str,
    dialect: &dyn Dialect,
    fields: &mut Map<String, Value>,
) -> Result<Vec<(String, String)>> {
    let mut query = Vec::new();
    if let Some(cursor) = fields.remove("cursor") {
        let Value::String(cursor) = cursor else {
            return Err(not_text(action, "cursor"));
        };
        query.extend(dialect.cursor_params(&cursor));
    }
    if let Some(limit) = fields.remove("limit") {
        let limit = limit.as_u64().ok_or_else(|| Error::InvalidInput {
            action: action.to_string(),
            path: "limit".into(),
            reason: "must be a whole number of records; give it without a fraction".into(),
        })?;
        query.push((dialect.limit_param().to_string(), limit.to_string()));
    }
    if let Some(order) = fields.remove("order_by") {
        let Value::String(order) = order else {
            return Err(not_text(action, "order_by"));
        };
        query.push((dialect.order_param().to_string(), order));
    }
    Ok(query)
}

/// A form title for a query parameter: `customer_id` → `Customer id`,
/// `created_datetime[gte]` → `Created datetime gte`.
fn title_of(name: &str) -> String {
    let words: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_string(),
    }
}

fn not_text(action: &str, field: &str) -> Error {
    Error::InvalidInput {
        action: action.to_string(),
        path: field.into(),
        reason: "must be a string; pass the value the previous page gave".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::{Browse, IncrementalRead};
    use crate::testing::JsonDialect;

    fn stream(read: ReadKind) -> StreamDecl {
        StreamDecl::new(
            "tickets",
            "Every ticket.",
            "/api/tickets",
            schema::record_of("Ticket", &[("id", schema::id())], &["id"]),
            &["id"],
            read,
        )
        .scopes(&["tickets:read"])
    }

    #[test]
    fn a_list_stream_gets_a_paged_action_with_its_orders_and_filters() {
        let s = stream(
            IncrementalRead::sorted_feed(
                "updated_datetime",
                "updated_datetime:asc",
                "updated_datetime:desc",
            )
            .into(),
        )
        .browse(Browse::default().filter(
            "customer_id",
            schema::positive_id(),
            "Only this customer's tickets.",
        ));
        let a = list_action(&s, 100).unwrap();
        assert_eq!(a.name, "list_tickets");
        assert_eq!(a.effect, ActionEffect::Read);
        assert!(a.paged);
        assert_eq!(a.query, vec!["customer_id"]);
        assert_eq!(a.scopes, vec!["tickets:read"]);
        let props = &a.input["properties"];
        assert_eq!(props["limit"]["maximum"], 100);
        assert_eq!(
            props["order_by"]["enum"],
            json!(["updated_datetime:asc", "updated_datetime:desc"])
        );
        assert!(props["customer_id"].is_object());
        assert_eq!(a.input["additionalProperties"], false);
        assert_eq!(a.output["properties"]["data"]["items"]["title"], "Ticket");
    }

    #[test]
    fn declared_orders_win_and_single_or_child_streams_get_none() {
        let s = stream(ReadKind::Full { order_by: None })
            .browse(Browse::default().order_by(&["name:asc", "name:desc"]));
        let a = list_action(&s, 50).unwrap();
        assert_eq!(
            a.input["properties"]["order_by"]["enum"],
            json!(["name:asc", "name:desc"])
        );
        let unordered = list_action(&stream(ReadKind::Full { order_by: None }), 50).unwrap();
        assert!(unordered.input["properties"].get("order_by").is_none());
        assert!(list_action(&stream(ReadKind::Single), 100).is_none());
        let child = ReadKind::Children {
            parent_path: "/api/views",
            child_path: "/api/views/{id}/items",
            key: "view_id",
            only: None,
        };
        assert!(list_action(&stream(child), 100).is_none());
    }

    #[test]
    fn page_inputs_become_the_dialects_parameters() {
        let mut fields = serde_json::from_value::<Map<String, Value>>(
            json!({"cursor": "abc", "limit": 5, "order_by": "name:asc", "customer_id": 7}),
        )
        .unwrap();
        let q = page_query("list_tickets", &JsonDialect, &mut fields).unwrap();
        assert_eq!(
            q,
            vec![
                ("cursor".to_string(), "abc".to_string()),
                ("limit".to_string(), "5".to_string()),
                ("order_by".to_string(), "name:asc".to_string())
            ]
        );
        assert_eq!(Value::Object(fields), json!({"customer_id": 7}));
        let mut bad = serde_json::from_value::<Map<String, Value>>(json!({"cursor": 5})).unwrap();
        let e = page_query("list_tickets", &JsonDialect, &mut bad).unwrap_err();
        assert!(
            matches!(e, Error::InvalidInput { ref path, .. } if path == "cursor"),
            "{e}"
        );
    }
}
