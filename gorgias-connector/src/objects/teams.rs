//! Teams: the `teams` stream and team actions (CRUD).
//!
//! Sources: Airbyte's source-gorgias manifest (airbytehq/airbyte) and benpalmer1/Gorgias-MCP-Server: `GET/POST /api/teams`, `GET/PUT/DELETE /api/teams/{id}`; the list orders by
//! `created_datetime` or `name` (benpalmer1/Gorgias-MCP-Server), and Airbyte syncs a `teams` stream on `created_datetime`.
//! Gorgias documents no team fields; the record follows what tickets embed
//! (`assignee_team {id, name, decoration {emoji}}`) and the fields public clients use
//! (benpalmer1/Gorgias-MCP-Server, Panora): `uri`, `description`, `members` (user summaries) and `created_datetime`.
//! Teams are used to auto-assign tickets; an account that does not use them has none.
//! `members`, when sent on an update, replaces every member (benpalmer1/Gorgias-MCP-Server).
//!
//! Incremental: a newest-first feed on `created_datetime`, the only orderable datetime. New teams
//! are picked up; renames and membership changes of synced teams are **not** (a full refresh
//! shows them).

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `users:read` / `users:write`: Gorgias lists teams under the users scope (developers.gorgias.com/docs/oauth2-scopes: "role (basic agent, admin, etc.); teams"); there is no teams scope.
pub const SCOPE: &str = "users";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "team",
    plural: "teams",
    words: "team",
    path: "/api/teams",
    record,
};

/// A team.
pub fn record() -> Value {
    record_of(
        "Team",
        &[
            ("id", id()),
            ("uri", string()),
            ("name", string()),
            ("description", string_n()),
            (
                "decoration",
                describe(
                    nested(&[("emoji", string_n())], true),
                    "How the team looks, e.g. `{\"emoji\": \"🎧\"}`.",
                ),
            ),
            (
                "members",
                describe(
                    array_n(nested(
                        &[
                            ("id", id()),
                            ("name", string_n()),
                            ("email", string_n()),
                            ("meta", object_n()),
                        ],
                        false,
                    )),
                    "The users in the team.",
                ),
            ),
            ("created_datetime", datetime()),
        ],
        &["id", "created_datetime"],
    )
}

/// The `teams` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "teams",
        "Every team of agents, with its members.",
        "/api/teams",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (the only orderable datetime): new teams are picked up, but renames and membership changes of synced teams are not; a full refresh shows them.")
            .into(),
    )
        .browse(Browse::default().order_by(&["created_datetime:asc", "created_datetime:desc", "name:asc", "name:desc"]));
    s.may_be_empty = Some("Accounts that do not assign tickets to teams have no team.");
    vec![s]
}

fn team_fields(nullable: bool) -> Vec<(&'static str, Value)> {
    let n = |t: &str| {
        if nullable {
            json!([t, "null"])
        } else {
            json!(t)
        }
    };
    let member = input(
        "Member",
        &[(
            "id",
            field("User id", positive_id(), "A user of the account."),
        )],
        &["id"],
    );
    vec![
        ("name", field("Name", text(255), "")),
        (
            "description",
            field(
                "Description",
                json!({"type": n("string"), "maxLength": 1024}),
                "What the team handles.",
            ),
        ),
        (
            "decoration",
            field(
                "Decoration",
                json!({"type": n("object"), "properties": {"emoji": field("Emoji", json!({"type": ["string", "null"], "maxLength": 16}), "One emoji shown before the team's name.")}, "additionalProperties": false}),
                "How the team looks.",
            ),
        ),
        (
            "members",
            field(
                "Members",
                json!({"type": "array", "items": strip_root(member), "maxItems": 500, "uniqueItems": true}),
                "The team's users, each as `{\"id\": 12}`; replaces every member.",
            ),
        ),
    ]
}

/// Team actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(&OBJ, input("Create a team", &team_fields(false), &["name"])),
        action::update(&OBJ, input("Update a team", &team_fields(true), &[])),
        action::delete(&OBJ),
    ]
}
