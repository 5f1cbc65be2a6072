//! Search: one action, `search`, over `POST /api/search` (no stream).
//!
//! Sources: Gorgias's REST reference ("Search for resources", paraphrased by withone.ai's Gorgias pages). The body names what to look for (`type`, required), the text (`query`, default
//! empty) and how many results (`size`, 1 to 50, default 10). Per benpalmer1/Gorgias-MCP-Server: `customer` matches names
//! and emails, `customer_profile` also every channel address, `agent` finds users,
//! `customers_by_phone` customers by phone number, and the `customer_channel*` types return
//! channels (Fides finds a customer by email with `customer_channel_email`).
//!
//! It is a POST that only reads, so its effect is Read and it is idempotent (safe to retry).
//! The response is documented as "list of the found resources" with status 201 and an untyped
//! schema; its shape is **UNCONFIRMED**: a bare JSON array or `{"data": [...]}` (benpalmer1/Gorgias-MCP-Server accepts
//! both). The output is passed on as Gorgias sends it, and its schema accepts both shapes.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::ActionDecl;
use connector_http::client::Method;
use connector_http::list::StreamDecl;
use crate::schema::*;

/// The OAuth scope resource of this module: `customers:read`; `search` declares the read scope of every resource it can find (customers, users for agents and teams, integrations, tags), since the type is chosen per call. Which scope Gorgias checks for each type is UNCONFIRMED.
pub const SCOPE: &str = "customers";

/// The documented search types.
pub const TYPES: &[&str] = &[
    "agent",
    "customer",
    "customer_profile",
    "customer_channel",
    "customer_channel_email",
    "customer_channel_phone",
    "customers_by_phone",
    "integration",
    "team",
    "tag",
];

/// No stream: search is an action.
pub fn streams() -> Vec<StreamDecl> {
    Vec::new()
}

/// The output: the found resources, as a bare array or inside `data`.
pub fn output() -> Value {
    let results = json!({"type": "array", "items": {"type": "object", "additionalProperties": true}, "description": "The found resources (users, customers, channels, integrations, teams or tags, by type)."});
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "Search results",
        "description": "Gorgias's answer as sent: `{\"data\": [...]}` or a bare array (the shape is not documented).",
        "anyOf": [
            {"type": "object", "required": ["data"], "properties": {"data": results}, "additionalProperties": true},
            results,
        ],
    })
}

/// The `search` action.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        ActionDecl::new(
            "search",
            "Search",
            "Finds agents, customers, customer channels, integrations, teams or tags matching a text.",
            ActionEffect::Read,
            Method::Post,
            "/api/search",
            input(
                "Search",
                &[
                    (
                        "type",
                        field(
                            "Type",
                            one_of_strings(TYPES, false),
                            "What to find: agent (users), customer (by name or email), customer_profile (also by any channel address), customer_channel / customer_channel_email / customer_channel_phone (channels), customers_by_phone, integration, team or tag.",
                        ),
                    ),
                    ("query", field("Query", json!({"type": "string", "maxLength": 1000, "default": ""}), "The text to match; empty matches everything.")),
                    ("size", field("Size", json!({"type": "integer", "minimum": 1, "maximum": 50, "default": 10}), "How many results at most (1 to 50).")),
                ],
                &["type"],
            ),
            output(),
        )
        .idempotent(true)
        .scopes(&["customers:read", "users:read", "integrations:read", "tags:read"]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::validate::{compile, violations};

    #[test]
    fn schemas_compile_and_both_shapes_are_accepted() {
        let a = &actions()[0];
        compile(&a.input).unwrap();
        compile(&a.output).unwrap();
        assert!(
            violations(&a.output, &json!({"data": [{"id": 1}]}))
                .unwrap()
                .is_empty()
        );
        assert!(
            violations(&a.output, &json!([{"id": 1}]))
                .unwrap()
                .is_empty()
        );
        assert!(
            !violations(&a.output, &json!({"results": []}))
                .unwrap()
                .is_empty()
        );
        assert!(
            !violations(&a.input, &json!({"type": "ticket"}))
                .unwrap()
                .is_empty()
        );
        assert!(
            !violations(&a.input, &json!({"type": "tag", "size": 51}))
                .unwrap()
                .is_empty()
        );
        assert_eq!((a.effect, a.idempotent), (ActionEffect::Read, true));
    }
}
