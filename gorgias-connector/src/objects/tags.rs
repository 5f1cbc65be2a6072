//! Tags: the `tags` stream and tag actions (CRUD, bulk delete, merge).
//!
//! Sources: Gorgias's REST reference ("List tags", paraphrased by withone.ai's Gorgias pages). A tag has a case-sensitive `name`, an optional `description`, a `decoration`
//! (`{"color": "#F58D86"}`, sometimes `{}` or null) and a `usage` count (tickets carrying it).
//! Tags have **no `updated_datetime`**. Writes:
//!
//! * `DELETE /api/tags` with `{"ids": [...]}` deletes several tags. No maximum is documented;
//!   this connector sends at most 100 ids per call (as for customers).
//! * `PUT /api/tags/{id}/merge` with `{"source_tags_ids": [...]}` moves the source tags' tickets
//!   to the destination tag and deletes the sources (benpalmer1/Gorgias-MCP-Server). Its response is not documented, so
//!   the action acknowledges and passes on whatever body came (the destination tag, as a rule).
//!   Not idempotent: once merged, the sources are gone and a second call fails.
//!
//! Incremental: a newest-first feed on `created_datetime`, the only orderable datetime (Airbyte
//! reads tags the same way). New tags are picked up; renames, description changes and `usage`
//! changes of tags already synced are **not** (a full refresh shows them).

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Body, Obj, Reply};
use connector_http::client::Method;
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `tags:read` / `tags:write` (developers.gorgias.com/docs/oauth2-scopes).
pub const SCOPE: &str = "tags";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "tag",
    plural: "tags",
    words: "tag",
    path: "/api/tags",
    record,
};

/// A tag.
pub fn record() -> Value {
    record_of(
        "Tag",
        &[
            ("id", id()),
            ("uri", string()),
            (
                "name",
                describe(string(), "Case-sensitive, unique in the account."),
            ),
            ("description", string_n()),
            (
                "decoration",
                describe(
                    object_n(),
                    "How the tag looks, e.g. `{\"color\": \"#F58D86\"}`; may be `{}` or null.",
                ),
            ),
            (
                "usage",
                describe(int_n(), "How many tickets carry the tag."),
            ),
            ("created_datetime", datetime()),
            ("deleted_datetime", datetime_n()),
        ],
        &["id", "created_datetime"],
    )
}

/// The `tags` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "tags",
        "Every ticket tag of the account, with its colour and how many tickets carry it.",
        "/api/tags",
        record(),
        &["id"],
        IncrementalRead::sorted_feed("created_datetime", "created_datetime:asc", "created_datetime:desc")
            .note("Ordered by created_datetime (tags have no updated_datetime): new tags are picked up, but renames and usage changes of synced tags are not; a full refresh shows them.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["created_datetime:asc", "created_datetime:desc", "name:asc", "name:desc", "usage:asc,name:asc", "usage:desc,name:desc"])
            .filter("search", text(255), "Only tags whose name matches this text (case-insensitive)."))]
}

fn tag_fields(nullable: bool) -> Vec<(&'static str, Value)> {
    let description = if nullable {
        json!({"type": ["string", "null"], "maxLength": 1024})
    } else {
        json!({"type": "string", "maxLength": 1024})
    };
    let color = json!({
        "type": "string",
        "pattern": "^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$",
        "description": "A hex colour: # followed by 3 or 6 hexadecimal digits, e.g. #F58D86.",
    });
    vec![
        (
            "name",
            field(
                "Name",
                text(256),
                "Case-sensitive; must be unique in the account.",
            ),
        ),
        (
            "description",
            field(
                "Description",
                description,
                "A short description of when to use the tag.",
            ),
        ),
        (
            "decoration",
            field(
                "Decoration",
                json!({"type": "object", "properties": {"color": field("Colour", color, "")}, "additionalProperties": false}),
                "How the tag looks.",
            ),
        ),
    ]
}

/// An acknowledgement whose `response` (when Gorgias sends a body) follows `response`.
fn ack_of(response: Value, what: &str) -> Value {
    let mut out = ack();
    out["properties"]["response"] = describe(strip_root(response), what);
    out
}

/// Tag actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(&OBJ, input("Create a tag", &tag_fields(false), &["name"])),
        action::update(&OBJ, input("Update a tag", &tag_fields(true), &[])),
        action::delete(&OBJ),
        ActionDecl::new(
            "delete_tags",
            "Delete tags",
            "Deletes several tags for good; tickets lose them.",
            ActionEffect::Delete,
            Method::Delete,
            "/api/tags",
            input(
                "Delete tags",
                &[(
                    "ids",
                    field("Tag ids", id_list(100), "The tags to delete (at most 100)."),
                )],
                &["ids"],
            ),
            ack(),
        )
        .body(Body::Rest),
        {
            let mut merge = ActionDecl::new(
                "merge_tags",
                "Merge tags",
                "Merges the source tags into the destination tag: their tickets get the destination tag, and the source tags are deleted.",
                ActionEffect::Update,
                Method::Put,
                "/api/tags/{id}/merge",
                input(
                    "Merge tags",
                    &[
                        ("id", field("Destination tag id", positive_id(), "The tag kept.")),
                        ("source_tags_ids", field("Source tag ids", id_list(100), "The tags merged into the destination and then deleted.")),
                    ],
                    &["id", "source_tags_ids"],
                ),
                ack(),
            )
            .reply(Reply::Ack)
            .idempotent(false);
            merge.output = ack_of(
                record(),
                "The destination tag after the merge, when Gorgias sends it.",
            );
            merge
        },
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
    fn merge_puts_the_sources_in_the_body() {
        let merge = find("merge_tags");
        let (path, query, body) =
            request_parts(&merge, json!({"id": 3, "source_tags_ids": [4, 5]})).unwrap();
        assert_eq!(path, "/api/tags/3/merge");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({"source_tags_ids": [4, 5]})));
        assert!(!merge.idempotent);
        assert_eq!(merge.effect, ActionEffect::Update);
        let out = json!({"ok": true, "status": 200, "response": {"id": 3, "name": "vip", "created_datetime": "2024-01-01T00:00:00+00:00"}});
        assert!(
            connector_sdk::validate::violations(&merge.output, &out)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bulk_delete_sends_ids_in_the_body() {
        let (path, query, body) =
            request_parts(&find("delete_tags"), json!({"ids": [1, 2]})).unwrap();
        assert_eq!((path.as_str(), query.len()), ("/api/tags", 0));
        assert_eq!(body, Some(json!({"ids": [1, 2]})));
        assert_eq!(find("delete_tags").reply, Reply::Ack);
    }
}
