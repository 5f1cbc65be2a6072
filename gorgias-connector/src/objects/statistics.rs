//! Statistics: two actions, no stream.
//!
//! Sources: <https://developers.gorgias.com/reference/get-legacy-statistic> ("Retrieve a statistic") and the reporting API pages. Gorgias has two statistics APIs, both POSTs that only read (effect Read,
//! idempotent: safe to retry):
//!
//! * `get_statistic`: the legacy `POST /api/stats/{name}` ("Retrieve a statistic"). The body
//!   needs `{"filters": {"period": {"start_datetime", "end_datetime"}}}`; other filters (agents,
//!   channels, tags, integrations...) are optional and their exact keys are **UNCONFIRMED**, so
//!   the known ones are described and others are passed through. `name` must be one of the
//!   documented statistics (the published list is truncated; `revenue-per-day` comes from a
//!   documented example path): an enum, which also keeps the path safe. The response is "a data
//!   payload whose structure varies by statistic type, plus meta timestamps"; observed shapes
//!   are `{"data": {"data": {"value": n}}}`, `{"data": {"data": [{"name", "value"}]}}` and
//!   `{"data": {"data": {"lines": [[{"value"}, ...]]}}}`. It is passed on as sent.
//!   (`POST /api/stats/{name}/download` returns CSV, which actions do not carry: not declared.)
//! * `run_reporting_query`: the newer `POST /api/reporting/stats`, paged with `cursor` and
//!   `limit` (at most 10000) as query parameters; the body is `{"query": {scope, filters,
//!   timezone, dimensions, measures, time_dimensions, order}}` with scope, filters and timezone
//!   required. Rows come in `data` and the next page in `meta.next_cursor` (benpalmer1/Gorgias-MCP-Server); row fields
//!   are named after the requested dimensions and measures (**UNCONFIRMED**).

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{ActionDecl, Reply};
use connector_http::client::Method;
use connector_http::list::StreamDecl;
use crate::schema::*;

/// The OAuth scope resource of this module: `statistics:read`, the only statistics scope (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "statistics";

/// The documented legacy statistic names.
pub const NAMES: &[&str] = &[
    "overview",
    "total-tickets-created",
    "total-tickets-replied",
    "total-tickets-closed",
    "total-messages-sent",
    "total-messages-received",
    "median-first-response-time",
    "median-resolution-time",
    "total-one-touch-tickets",
    "support-volume",
    "resolution-time",
    "first-response-time",
    "tickets-created-per-hour-per-weekday",
    "tickets-per-tag",
    "tickets-created-per-channel",
    "tickets-created-per-channel-per-day",
    "tickets-closed-per-agent",
    "tickets-closed-per-agent-per-day",
    "messages-sent-per-macro",
    "satisfaction-surveys",
    "revenue-per-day",
];

/// The 27 documented reporting scopes.
pub const SCOPES: &[&str] = &[
    "tickets-closed",
    "tickets-created",
    "tickets-open",
    "tickets-replied",
    "one-touch-tickets",
    "zero-touch-tickets",
    "satisfaction-surveys",
    "resolution-time",
    "messages-sent",
    "first-response-time",
    "human-first-response-time",
    "response-time",
    "messages-per-ticket",
    "ticket-handle-time",
    "online-time",
    "tags",
    "auto-qa",
    "messages-received",
    "automation-rate",
    "workload-tickets",
    "automated-interactions",
    "ticket-fields",
    "voice-calls",
    "voice-agent-events",
    "ticket-sla",
    "knowledge-insights",
    "voice-calls-summary",
];

/// The documented reporting filter operators.
pub const OPERATORS: &[&str] = &[
    "one-of",
    "not-one-of",
    "all-of",
    "afterDate",
    "beforeDate",
    "set",
    "inDateRange",
    "contains",
];

/// No stream: statistics are actions.
pub fn streams() -> Vec<StreamDecl> {
    Vec::new()
}

fn ids(title: &str, what: &str) -> Value {
    field(
        title,
        json!({"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 500, "uniqueItems": true}),
        what,
    )
}

fn statistic_input() -> Value {
    let period = json!({
        "type": "object",
        "title": "Period",
        "description": "The time range the statistic covers.",
        "required": ["start_datetime", "end_datetime"],
        "additionalProperties": false,
        "properties": {
            "start_datetime": field("Start", input_datetime(), "ISO 8601 datetime the period starts at, e.g. 2024-01-01T00:00:00Z."),
            "end_datetime": field("End", input_datetime(), "ISO 8601 datetime the period ends at."),
        },
    });
    let filters = json!({
        "type": "object",
        "title": "Filters",
        "description": "The period (required) and optional filters; keys not listed here are sent as given.",
        "required": ["period"],
        "additionalProperties": true,
        "properties": {
            "period": period,
            "agents": ids("Agents", "Only tickets of these users (ids)."),
            "channels": field("Channels", json!({"type": "array", "items": text(64), "maxItems": 50, "uniqueItems": true}), "Only these channels, e.g. email, chat."),
            "tags": ids("Tags", "Only tickets with these tags (ids)."),
            "integrations": ids("Integrations", "Only these integrations (ids)."),
        },
    });
    input(
        "Get a statistic",
        &[
            (
                "name",
                field(
                    "Statistic",
                    one_of_strings(NAMES, false),
                    "Which statistic, e.g. overview or total-tickets-created.",
                ),
            ),
            ("filters", filters),
        ],
        &["name", "filters"],
    )
}

fn statistic_output() -> Value {
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "Statistic",
        "description": "Gorgias's answer as sent. Its `data` holds the payload, whose shape depends on the statistic: `{\"value\": n}`, `[{\"name\", \"value\"}]` or `{\"lines\": [[{\"value\"}, ...]]}`, plus meta timestamps.",
        "type": "object",
        "required": ["data"],
        "properties": {
            "data": {"description": "The statistic: its payload (often under `data`), label and meta."},
            "meta": {"description": "Timestamps used to build the statistic, when sent at this level."},
        },
        "additionalProperties": true,
    })
}

fn reporting_input() -> Value {
    let filter = json!({
        "type": "object",
        "title": "Filter",
        "required": ["member", "operator"],
        "additionalProperties": true,
        "properties": {
            "member": field("Member", text(128), "The field filtered on, e.g. periodStart, channel, agentId, tags."),
            "operator": field("Operator", one_of_strings(OPERATORS, false), ""),
            "values": field("Values", json!({"type": "array", "maxItems": 1000}), "What the member is compared with, e.g. [\"2024-01-01T00:00:00\"] or [\"email\", \"chat\"]."),
        },
    });
    let time_dimension = json!({
        "type": "object",
        "title": "Time dimension",
        "required": ["dimension"],
        "additionalProperties": true,
        "properties": {
            "dimension": field("Dimension", text(64), "The datetime to group by, e.g. createdDatetime, closedDatetime."),
            "granularity": field("Granularity", text(16), "The bucket size, e.g. hour, day, week or month."),
        },
    });
    let order = json!({
        "type": "array",
        "title": "Order",
        "description": "Sort rows by these `[field, \"asc\" or \"desc\"]` pairs.",
        "maxItems": 20,
        "items": {"type": "array", "minItems": 2, "maxItems": 2, "prefixItems": [text(128), one_of_strings(&["asc", "desc"], false)]},
    });
    let names = |title: &str, what: &str| {
        field(
            title,
            json!({"type": "array", "items": text(128), "maxItems": 50, "uniqueItems": true}),
            what,
        )
    };
    let query = json!({
        "type": "object",
        "title": "Query",
        "description": "What to compute: a scope, filters, a time zone, and optionally dimensions, measures, time buckets and an order.",
        "required": ["scope", "filters", "timezone"],
        "additionalProperties": false,
        "properties": {
            "scope": field("Scope", one_of_strings(SCOPES, false), "What is measured, e.g. tickets-created or satisfaction-surveys."),
            "filters": field("Filters", json!({"type": "array", "items": filter, "maxItems": 100}), "Each `{member, operator, values}`; usually at least the period."),
            "timezone": field("Time zone", text(64), "IANA time zone name the query runs in, e.g. UTC or America/New_York."),
            "dimensions": names("Dimensions", "Group rows by these, e.g. channel, agentId."),
            "measures": names("Measures", "The numbers wanted, e.g. ticketCount, averageSurveyScore, medianFirstResponseTime."),
            "time_dimensions": field("Time dimensions", json!({"type": "array", "items": time_dimension, "maxItems": 5}), "Group rows by time buckets."),
            "order": order,
        },
    });
    input(
        "Run a reporting query",
        &[
            ("query", query),
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
                    json!({"type": "integer", "minimum": 1, "maximum": 10000, "default": 30}),
                    "Rows per page (at most 10000).",
                ),
            ),
        ],
        &["query"],
    )
}

/// Statistics actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        ActionDecl::new(
            "get_statistic",
            "Get a statistic",
            "Computes one of Gorgias's statistics (ticket volumes, response and resolution times, satisfaction, per agent, channel, tag...) over a period.",
            ActionEffect::Read,
            Method::Post,
            "/api/stats/{name}",
            statistic_input(),
            statistic_output(),
        )
        .idempotent(true),
        ActionDecl::new(
            "run_reporting_query",
            "Run a reporting query",
            "Runs a query on Gorgias's reporting API (a scope, filters, dimensions and measures) and returns one page of rows.",
            ActionEffect::Read,
            Method::Post,
            "/api/reporting/stats",
            reporting_input(),
            list_of(json!({"type": "object", "additionalProperties": true, "description": "One row: a field per requested dimension and measure."})),
        )
        .query(&["cursor", "limit"])
        .reply(Reply::List)
        .idempotent(true),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;
    use connector_sdk::validate::violations;

    fn find(name: &str) -> ActionDecl {
        actions().into_iter().find(|a| a.name == name).unwrap()
    }

    fn period() -> Value {
        json!({"period": {"start_datetime": "2024-01-01T00:00:00Z", "end_datetime": "2024-02-01T00:00:00Z"}})
    }

    #[test]
    fn statistic_name_fills_the_path_and_filters_are_the_body() {
        let input = json!({"name": "total-tickets-created", "filters": period()});
        let (path, query, body) = request_parts(&find("get_statistic"), input).unwrap();
        assert_eq!(path, "/api/stats/total-tickets-created");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({"filters": period()})));
    }

    #[test]
    fn unsafe_or_unknown_names_are_refused_by_the_input_schema() {
        let input = find("get_statistic").input;
        for name in [
            "../account",
            "overview/download",
            "overview?x=1",
            "nope",
            "",
        ] {
            let found = violations(&input, &json!({"name": name, "filters": period()})).unwrap();
            assert!(found.iter().any(|v| v.path == "name"), "{name}: {found:?}");
        }
        let found = violations(&input, &json!({"name": "overview", "filters": {}})).unwrap();
        assert!(!found.is_empty());
    }

    #[test]
    fn reporting_pages_with_query_parameters() {
        let q = json!({"scope": "tickets-created", "filters": [], "timezone": "UTC", "measures": ["ticketCount"]});
        let a = find("run_reporting_query");
        assert!(
            violations(&a.input, &json!({"query": q, "limit": 10001}))
                .unwrap()
                .iter()
                .any(|v| v.path == "limit")
        );
        assert!(
            !violations(
                &a.input,
                &json!({"query": {"scope": "nope", "filters": [], "timezone": "UTC"}})
            )
            .unwrap()
            .is_empty()
        );
        let (path, query, body) =
            request_parts(&a, json!({"query": q, "limit": 500, "cursor": "abc"})).unwrap();
        assert_eq!(path, "/api/reporting/stats");
        assert_eq!(
            query,
            vec![
                ("cursor".to_string(), "abc".to_string()),
                ("limit".to_string(), "500".to_string())
            ]
        );
        assert_eq!(body, Some(json!({"query": q})));
        assert_eq!(SCOPES.len(), 27);
    }
}
