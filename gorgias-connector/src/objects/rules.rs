//! Rules: the `rules` stream (automation rules) and rule actions.
//!
//! Sources: Gorgias's REST reference ("List rules", "Update rules' priorities", paraphrased by withone.ai's Gorgias pages). A rule is JavaScript `code` (with its ESTree `code_ast`) run on the ticket events
//! listed in `event_types` (a comma-separated string); rules with a higher `priority` run first.
//! `POST /api/rules` requires `name` and `code`. `POST /api/rules/priorities` with
//! `{"priorities": [{"id", "priority"}]}` reorders several rules and answered 200 with a bare
//! array of every rule of the account (recorded: Nango test update-rule-priorities; documented
//! as 202 with the rules), passed on in the acknowledgement's `response`. `event_types` is null
//! on a rule created without it (recorded: Nango test create-rule). The list's default page
//! size is 100.
//! `updated_datetime` is **UNCONFIRMED** (seen in one third-party type only); the schema allows
//! it.
//!
//! Incremental: a newest-first feed on `created_datetime`, the only orderable datetime (as
//! Airbyte reads rules). New rules are picked up; edits of rules already synced (code, priority,
//! deactivation) are **not**: a full refresh shows them.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj, Reply};
use connector_http::client::Method;
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `rules:read` / `rules:write` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "rules";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "rule",
    plural: "rules",
    words: "rule",
    path: "/api/rules",
    record,
};

const EVENT_TYPES: &str = "ticket-created, ticket-updated, ticket-message-created, ticket-assigned, ticket-self-unsnoozed, satisfaction-survey-responded";

/// A rule.
pub fn record() -> Value {
    record_of(
        "Rule",
        &[
            ("id", id()),
            ("uri", string()),
            ("name", string()),
            ("description", string_n()),
            ("code", describe(string(), "The rule as JavaScript.")),
            (
                "code_ast",
                describe(object_n(), "The rule's code as an ESTree syntax tree."),
            ),
            (
                "event_types",
                describe(
                    string_n(),
                    "Comma-separated events that run the rule, e.g. ticket-created,ticket-updated; null when none were given.",
                ),
            ),
            (
                "priority",
                describe(id(), "Rules with a higher priority run first."),
            ),
            (
                "deactivated_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the rule was turned off (UTC when no offset is given); null while active.",
                ),
            ),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime_n()),
            (
                "settings",
                describe(object_n(), "The rule's settings; recorded only as null."),
            ),
            (
                "type",
                describe(string(), "e.g. user (also on the rules Gorgias provides)."),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `rules` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "rules",
        "Every automation rule: its JavaScript code, triggering events, priority and state.",
        "/api/rules",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (the only ordering the API offers): new rules are picked up, edits of synced rules are not; a full refresh shows them.")
            .into(),
    )
        .browse(Browse::default().order_by(&["created_datetime:asc", "created_datetime:desc"]));
    s.may_be_empty = Some("An account that never set up an automation rule has none.");
    vec![s]
}

fn rule_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("name", field("Name", text(255), "")),
        (
            "code",
            field(
                "Code",
                json!({"type": "string", "minLength": 1, "maxLength": 100_000}),
                "The rule as JavaScript.",
            ),
        ),
        (
            "description",
            field(
                "Description",
                json!({"type": ["string", "null"], "maxLength": 1024}),
                "",
            ),
        ),
        (
            "code_ast",
            field(
                "Code syntax tree",
                object(),
                "The code as an ESTree tree; Gorgias derives it from the code when left out.",
            ),
        ),
        (
            "event_types",
            field(
                "Event types",
                json!({"type": "string", "maxLength": 1024, "pattern": "^[a-z-]+(,[a-z-]+)*$",
                       "description": format!("Events that run the rule, separated by commas without spaces (lowercase words and hyphens), from: {EVENT_TYPES}.")}),
                "",
            ),
        ),
        (
            "priority",
            field(
                "Priority",
                json!({"type": "integer"}),
                "Rules with a higher priority run first.",
            ),
        ),
        (
            "deactivated_datetime",
            field(
                "Deactivated at",
                input_datetime_n(),
                "ISO 8601 datetime: set to turn the rule off, null to turn it on.",
            ),
        ),
    ]
}

/// Rule actions.
pub fn actions() -> Vec<ActionDecl> {
    let pair = input(
        "Rule priority",
        &[
            ("id", field("Rule id", positive_id(), "")),
            (
                "priority",
                field("Priority", json!({"type": "integer"}), "Higher runs first."),
            ),
        ],
        &["id", "priority"],
    );
    let mut actions = vec![
        action::get(&OBJ),
        action::create(&OBJ, input("Create a rule", &rule_fields(), &["name", "code"])),
        action::update(&OBJ, input("Update a rule", &rule_fields(), &[])),
        action::delete(&OBJ),
        ActionDecl::new(
            "update_rule_priorities",
            "Update rule priorities",
            "Sets the priority of several rules at once (rules with a higher priority run first). Gorgias answers with every rule of the account, passed on under `response`.",
            ActionEffect::Update,
            Method::Post,
            "/api/rules/priorities",
            input(
                "Update rule priorities",
                &[(
                    "priorities",
                    field(
                        "Priorities",
                        json!({"type": "array", "items": strip_root(pair), "minItems": 1, "maxItems": 1000}),
                        "Pairs of rule id and new priority.",
                    ),
                )],
                &["priorities"],
            ),
            ack(),
        )
        .reply(Reply::Ack),
    ];
    // After `reply`, which resets the output to a plain acknowledgement.
    let priorities = actions.last_mut().expect("declared above");
    priorities.output["properties"]["response"] = json!({
        "description": "The rules as Gorgias answers: a bare array of every rule (recorded, 200) or `{\"data\": [...]}` (documented, 202).",
        "anyOf": [
            {"type": "array", "items": strip_root(record())},
            {"type": "object", "properties": {"data": {"type": "array", "items": strip_root(record())}}, "additionalProperties": true},
        ],
    });
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_are_posted_as_an_object() {
        let a = actions()
            .into_iter()
            .find(|a| a.name == "update_rule_priorities")
            .unwrap();
        let input = json!({"priorities": [{"id": 1, "priority": 5}]});
        let (path, _, body) = connector_http::action::request_parts(&a, input.clone()).unwrap();
        assert_eq!(path, "/api/rules/priorities");
        assert_eq!(body, Some(input));
        assert!(a.idempotent);
    }
}
