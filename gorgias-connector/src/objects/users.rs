//! Users: the `users` stream (the account's agents) and user actions (CRUD).
//!
//! Sources: <https://developers.gorgias.com/reference/the-user-object>. `GET`/`PUT /api/users/0` act on the authenticated user (the owner of the API
//! key or token), so `get_user` and `update_user` accept id 0; deleting is by real id only.
//! Changing a user's `email` needs the acting user's current password as
//! `password_confirmation` (the official user page). Creating needs `email`, `name` and a
//! `role` (benpalmer1/Gorgias-MCP-Server); roles are admin, agent, basic-agent, bot, internal-agent, lite-agent and
//! observer-agent (the list filter's documented values). `DELETE` answers 204 (real capture).
//!
//! Incremental: a newest-first feed on `created_datetime`. Users have an `updated_datetime`,
//! but the list cannot order by it (only `created_datetime`, `name`, `email`, `role.name`), so
//! new users are picked up while changes to synced users (role, deactivation, profile) are
//! **not** (Airbyte reads users the same way; a full refresh shows the changes).

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `users:read` / `users:write` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "users";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "user",
    plural: "users",
    words: "user",
    path: "/api/users",
    record,
};

/// The documented user roles.
pub const ROLES: &[&str] = &[
    "admin",
    "agent",
    "basic-agent",
    "bot",
    "internal-agent",
    "lite-agent",
    "observer-agent",
];

/// A user (agent).
pub fn record() -> Value {
    record_of(
        "User",
        &[
            ("id", id()),
            ("uri", string()),
            (
                "active",
                describe(boolean(), "Whether the user can log in."),
            ),
            ("bio", string_n()),
            (
                "country",
                describe(string_n(), "ISO 3166-1 alpha-2 code, e.g. FR."),
            ),
            ("created_datetime", datetime()),
            ("updated_datetime", datetime_n()),
            ("deactivated_datetime", datetime_n()),
            ("email", string_n()),
            ("external_id", string_n()),
            ("firstname", string_n()),
            ("lastname", string_n()),
            ("name", string_n()),
            (
                "language",
                describe(string_n(), "The user's interface language, e.g. en or fr."),
            ),
            (
                "meta",
                describe(object_n(), "e.g. avatar_url, profile_picture_url."),
            ),
            (
                "role",
                describe(
                    nested(&[("name", string())], true),
                    "e.g. `{\"name\": \"agent\"}`.",
                ),
            ),
            ("timezone", string_n()),
            ("has_password", boolean_n()),
            ("has_2fa_enabled", boolean_n()),
            (
                "client_id",
                describe(
                    string_n(),
                    "The client id of the app an app bot belongs to; null for people.",
                ),
            ),
        ],
        &["id", "created_datetime"],
    )
}

/// The `users` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "users",
        "Every user (agent, admin, bot, ...) of the account, with role and profile.",
        "/api/users",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (updated_datetime cannot be ordered by): new users are picked up, but role, profile and deactivation changes of synced users are not; a full refresh shows them.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc", "name:asc", "name:desc", "email:asc", "email:desc", "role.name:asc", "role.name:desc"])
            .filter("email", text(320), "Only the user with this email.")
            .filter("external_id", text(255), "Only the user with this id in another system.")
            .filter("roles", json!({"type": "array", "items": one_of_strings(&["admin", "agent", "basic-agent", "bot", "internal-agent", "lite-agent", "observer-agent"], false), "maxItems": 7}), "Only users with these roles.")
            .filter("search", text(255), "Only users whose name or email matches this text.")
            .filter("available_first", boolean(), "List available users first."))]
}

fn user_fields(update: bool) -> Vec<(&'static str, Value)> {
    let n = |t: &str| if update { json!([t, "null"]) } else { json!(t) };
    let mut fields = vec![
        (
            "email",
            field(
                "Email",
                json!({"type": "string", "format": "email", "maxLength": 320}),
                "The user's login email (unique in the account).",
            ),
        ),
        ("name", field("Name", text(255), "Full name.")),
        (
            "firstname",
            field(
                "First name",
                json!({"type": n("string"), "maxLength": 255}),
                "",
            ),
        ),
        (
            "lastname",
            field(
                "Last name",
                json!({"type": n("string"), "maxLength": 255}),
                "",
            ),
        ),
        (
            "role",
            field(
                "Role",
                json!({"type": "object", "required": ["name"], "additionalProperties": false,
                       "properties": {"name": field("Role name", one_of_strings(ROLES, false), "")}}),
                "`{\"name\": \"agent\"}`: what the user may do.",
            ),
        ),
        (
            "active",
            field("Active", boolean(), "Whether the user can log in."),
        ),
        (
            "bio",
            field(
                "Bio",
                json!({"type": n("string"), "maxLength": 1024}),
                "A short biography.",
            ),
        ),
        (
            "country",
            field(
                "Country",
                json!({"type": n("string"), "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2 code: two capital letters, e.g. FR or US."}),
                "",
            ),
        ),
        (
            "language",
            field(
                "Language",
                json!({"type": n("string"), "pattern": "^[a-z]{2}$", "description": "ISO 639-1 code of the interface language: two lowercase letters, e.g. en or fr."}),
                "",
            ),
        ),
        (
            "timezone",
            field(
                "Time zone",
                text(64),
                "IANA time zone name, e.g. Europe/Paris.",
            ),
        ),
        (
            "external_id",
            field(
                "External id",
                json!({"type": n("string"), "maxLength": 255}),
                "The user's id in another system.",
            ),
        ),
        (
            "meta",
            field("Meta", object(), "Free-form data kept on the user."),
        ),
    ];
    if update {
        fields.push((
            "password_confirmation",
            field(
                "Password confirmation",
                json!({"type": "string", "minLength": 1, "maxLength": 1024, "writeOnly": true, "airbyte_secret": true}),
                "The acting user's current password; needed to change an email.",
            ),
        ));
    }
    fields
}

/// User actions. `get_user` and `update_user` accept id 0: the authenticated user.
pub fn actions() -> Vec<ActionDecl> {
    let mut get = action::get(&OBJ);
    get.input["properties"]["id"]["minimum"] = json!(0);
    get.input["properties"]["id"]["description"] =
        json!("The user's id; 0 for the user the credentials belong to.");
    let mut update = action::update(&OBJ, input("Update a user", &user_fields(true), &[]));
    update.input["properties"]["id"]["minimum"] = json!(0);
    update.input["properties"]["id"]["description"] =
        json!("The user's id; 0 for the user the credentials belong to.");
    vec![
        get,
        action::create(
            &OBJ,
            input(
                "Create a user",
                &user_fields(false),
                &["email", "name", "role"],
            ),
        ),
        update,
        action::delete(&OBJ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::validate::violations;

    #[test]
    fn id_zero_is_the_authenticated_user_for_get_and_update_only() {
        let by = |n: &str| actions().into_iter().find(|a| a.name == n).unwrap();
        assert!(
            violations(&by("get_user").input, &json!({"id": 0}))
                .unwrap()
                .is_empty()
        );
        assert!(
            violations(&by("update_user").input, &json!({"id": 0, "bio": "hi"}))
                .unwrap()
                .is_empty()
        );
        assert!(
            !violations(&by("delete_user").input, &json!({"id": 0}))
                .unwrap()
                .is_empty()
        );
        assert!(
            !violations(&by("get_user").input, &json!({"id": -1}))
                .unwrap()
                .is_empty()
        );
        let (path, _, _) = connector_http::action::request_parts(&by("get_user"), json!({"id": 0})).unwrap();
        assert_eq!(path, "/api/users/0");
    }
}
