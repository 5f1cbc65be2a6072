//! Account: the `account` stream (one record) and the account and account-settings actions.
//!
//! Sources: <https://developers.gorgias.com/reference/the-account-object>. `GET /api/account` returns the account the credentials belong to: `domain`,
//! `created_datetime`, `deactivated_datetime`, `settings` (`[{id, type, data}]`) and `status`
//! (`{"status": "active"}`); Airbyte's schema adds `current_subscription` and `meta`. Settings are
//! listed by `GET /api/account/settings` (optional `type` filter), whose real answer is
//! `{"data": [...]}` without `meta` (a Nango capture; one Gorgias index page calls it paginated, a
//! minor conflict: the page parser reads either shape and reports a `next_cursor` when one comes).
//! Settings are created with `POST` (`type`, `data`) and changed with `PUT .../{id}`; there is no
//! delete.
//!
//! Incremental: none. The account is a snapshot with no cursor, read in full every sync (one
//! request); its primary key is `domain`, as in Airbyte.

use connector_sdk::ActionEffect;
use serde_json::Value;

use connector_http::action::{ActionDecl, Reply, with_id};
use connector_http::client::Method;
use connector_http::list::{ReadKind, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `account:read` / `account:write` (developers.gorgias.com/docs/oauth2-scopes: "account-wide settings like business hours").
pub const SCOPE: &str = "account";

/// Setting `type` values seen on live accounts (the list is open).
const SETTING_TYPES: &str = "e.g. satisfaction-surveys, business-hours, ticket-assignment, views-ordering, access, views-visibility, auto-merge, default-integration.";

fn setting_props() -> Vec<(&'static str, Value)> {
    vec![
        ("id", id()),
        ("uri", string()),
        (
            "type",
            describe(
                string(),
                "What the setting configures, e.g. business-hours.",
            ),
        ),
        (
            "data",
            describe(
                object(),
                "The setting's configuration; its shape depends on `type`.",
            ),
        ),
    ]
}

/// An account setting (`{id, type, data}`).
pub fn setting() -> Value {
    record_of("Account setting", &setting_props(), &["id"])
}

/// The account as `GET /api/account` returns it.
pub fn record() -> Value {
    record_of(
        "Account",
        &[
            (
                "domain",
                describe(string(), "The subdomain: `acme` for acme.gorgias.com."),
            ),
            ("created_datetime", datetime()),
            ("deactivated_datetime", datetime_n()),
            ("settings", array(nested(&setting_props(), false))),
            (
                "status",
                describe(
                    nested(&[("status", string())], false),
                    "e.g. `{\"status\": \"active\"}`.",
                ),
            ),
            (
                "current_subscription",
                nested(
                    &[
                        ("plan", string_n()),
                        ("start_datetime", datetime_n()),
                        ("status", describe(string_n(), "e.g. active or trialing.")),
                        ("trial_start_datetime", datetime_n()),
                        ("trial_end_datetime", datetime_n()),
                    ],
                    true,
                ),
            ),
            (
                "meta",
                nested(
                    &[
                        ("analytics_group_id", string_n()),
                        ("company_domain", string_n()),
                        ("company_id", int_n()),
                        ("hasCreditCard", boolean_n()),
                    ],
                    true,
                ),
            ),
        ],
        &["domain"],
    )
}

/// The `account` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "account",
        "The account itself (one record): its domain, status, subscription and settings.",
        "/api/account",
        record(),
        &["domain"],
        ReadKind::Single,
    )]
}

fn setting_type() -> Value {
    field(
        "Type",
        text(100),
        &format!("What the setting configures, {SETTING_TYPES}"),
    )
}

fn setting_data() -> Value {
    field(
        "Data",
        object(),
        "The setting's configuration; its shape depends on the type (e.g. business-hours: timezone and business_hours).",
    )
}

/// Account actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        ActionDecl::new(
            "get_account",
            "Get the account",
            "Returns the account the credentials belong to, with its settings.",
            ActionEffect::Read,
            Method::Get,
            "/api/account",
            input("Get the account", &[], &[]),
            record(),
        ),
        ActionDecl::new(
            "list_account_settings",
            "List account settings",
            "Returns the account's settings, optionally only those of one type.",
            ActionEffect::Read,
            Method::Get,
            "/api/account/settings",
            input(
                "List account settings",
                &[(
                    "type",
                    field(
                        "Type",
                        text(100),
                        &format!("Only settings of this type, {SETTING_TYPES}"),
                    ),
                )],
                &[],
            ),
            list_of(setting()),
        )
        .query(&["type"])
        .reply(Reply::List),
        ActionDecl::new(
            "create_account_setting",
            "Create an account setting",
            "Creates an account-wide setting (e.g. business hours) and returns it.",
            ActionEffect::Create,
            Method::Post,
            "/api/account/settings",
            input(
                "Create an account setting",
                &[("type", setting_type()), ("data", setting_data())],
                &["type", "data"],
            ),
            setting(),
        ),
        ActionDecl::new(
            "update_account_setting",
            "Update an account setting",
            "Changes an account setting and returns it; `data` replaces the setting's whole configuration.",
            ActionEffect::Update,
            Method::Put,
            "/api/account/settings/{id}",
            with_id(
                input(
                    "Update an account setting",
                    &[("type", setting_type()), ("data", setting_data())],
                    &[],
                ),
                "The setting's id.",
            ),
            setting(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn settings_filter_is_a_query_parameter() {
        let list = actions()
            .into_iter()
            .find(|a| a.name == "list_account_settings")
            .unwrap();
        let (path, query, body) =
            connector_http::action::request_parts(&list, json!({"type": "business-hours"})).unwrap();
        assert_eq!(path, "/api/account/settings");
        assert_eq!(
            query,
            vec![("type".to_string(), "business-hours".to_string())]
        );
        assert_eq!(body, None);
        let update = actions()
            .into_iter()
            .find(|a| a.name == "update_account_setting")
            .unwrap();
        let (path, _, body) =
            connector_http::action::request_parts(&update, json!({"id": 3, "data": {"a": 1}})).unwrap();
        assert_eq!(path, "/api/account/settings/3");
        assert_eq!(body, Some(json!({"data": {"a": 1}})));
    }
}
