//! Macros: the `macros` stream (canned replies and ticket actions) and macro actions.
//!
//! Sources: Gorgias's REST reference ("List macros" at developers.gorgias.com, paraphrased by withone.ai's Gorgias pages). A macro is a named list of `actions` (`{name, title, type, arguments}`: set the
//! reply text, add tags, close, ...) agents apply to tickets, with an `intent`, a `language` and
//! a `usage` count. `PUT /api/macros/{id}` replaces the whole `actions` list when it is sent;
//! `DELETE` is refused (409) while an active rule uses the macro. `PUT /api/macros/archive` and
//! `/unarchive` take `{"ids": [...]}`, at most 30 ids. `archived_datetime` is
//! **UNCONFIRMED** (only one source shows it); the schema allows it, nullable.
//!
//! The list hides archived macros unless `archived=true` (default false), so the stream reads two
//! partitions, `archived=false` and `archived=true`, to sync every macro.
//!
//! Incremental: **CONFLICT**: withone.ai's pages and benpalmer1/Gorgias-MCP-Server list `updated_datetime:asc|desc` as
//! `order_by` values, but Airbyte's tests state `created_datetime` is the only ordering the
//! endpoint accepts. The safe reading is taken: every sync reads all macros (ordered
//! `created_datetime:asc`, which every source allows, for stable pages) and emits those updated
//! at or after the bookmark. Accounts have tens of macros, so this costs a request or two.
//! `updated_datetime` is null until a macro is first edited (recorded: Nango test get-macro);
//! such a macro counts as changed at its `created_datetime`.

use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj, Reply};
use connector_http::client::Method;
use connector_http::list::{Browse, IncrementalRead, StreamDecl};
use crate::schema::*;

/// The OAuth scope resource of this module: `macros:read` / `macros:write` (developers.gorgias.com/docs/oauth2-scopes); archiving and unarchiving declare the legacy `write:all` instead (recorded: Nango test unarchive-macros).
pub const SCOPE: &str = "macros";

/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "macro",
    plural: "macros",
    words: "macro",
    path: "/api/macros",
    record,
};

const INTENTS: &[&str] = &[
    "discount/request",
    "exchange/request",
    "exchange/status",
    "feedback",
    "order/damaged",
    "order/cancel",
    "order/change",
    "order/wrong",
    "other/no_reply",
    "other/question",
    "other/thanks",
    "product/recommendation",
    "product/question",
    "refund/request",
    "refund/status",
    "return/request",
    "return/status",
    "shipping/change",
    "shipping/delivery-issue",
    "shipping/policy",
    "shipping/status",
    "stock/request",
    "subscription/cancel",
    "subscription/change",
];

/// A macro.
pub fn record() -> Value {
    let macro_action = nested(
        &[
            (
                "name",
                describe(string(), "e.g. setResponseText, addTags, setStatus."),
            ),
            ("title", string_n()),
            ("type", string_n()),
            ("arguments", object_n()),
            ("description", string_n()),
        ],
        false,
    );
    record_of(
        "Macro",
        &[
            ("id", id()),
            ("uri", string()),
            ("external_id", string_n()),
            ("name", string()),
            (
                "intent",
                describe(
                    string_n(),
                    "The use case, e.g. refund/request or shipping/status.",
                ),
            ),
            ("language", describe(string_n(), "ISO 639-1 code, e.g. en.")),
            ("usage", describe(id(), "How many times agents applied it.")),
            ("actions", array(macro_action)),
            ("created_datetime", datetime()),
            (
                "updated_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime of the last edit (UTC when no offset is given); null until the macro is first edited.",
                ),
            ),
            (
                "archived_datetime",
                describe(
                    datetime_n(),
                    "ISO 8601 datetime the macro was archived (UTC when no offset is given); null while active.",
                ),
            ),
        ],
        &["id", "updated_datetime"],
    )
}

/// The `macros` stream.
pub fn streams() -> Vec<StreamDecl> {
    let mut s = StreamDecl::new(
        "macros",
        "Every macro (canned reply with ticket actions), archived ones included.",
        "/api/macros",
        record(),
        &["id"],
        IncrementalRead::client_filter("updated_datetime")
            // Null until the macro is first edited (recorded: Nango test get-macro).
            .fallback("created_datetime")
            .order_by("created_datetime:asc")
            .note("Whether the API orders macros by updated_datetime is disputed: every sync reads them all and emits those changed since the last one.")
            .into(),
    )
        .browse(Browse::default()
            .order_by(&["name:asc", "name:desc", "created_datetime:asc", "created_datetime:desc", "updated_datetime:asc", "updated_datetime:desc", "usage:asc", "usage:desc", "language:asc", "language:desc"])
            .filter("search", text(255), "Only macros whose name matches this text.")
            .filter("tags", json!({"type": "array", "items": text(255), "maxItems": 100}), "Only macros with all of these tags.")
            .filter("languages", json!({"type": "array", "items": text(10), "maxItems": 100}), "Only macros in any of these languages.")
            .filter("archived", boolean(), "true: archived macros; false (Gorgias's default): active ones."));
    s.partitions = vec![vec![("archived", "false")], vec![("archived", "true")]];
    vec![s]
}

fn macro_fields() -> Vec<(&'static str, Value)> {
    let item = input(
        "Macro action",
        &[
            (
                "name",
                field(
                    "Name",
                    text(100),
                    "What the action does, e.g. setResponseText, addTags, setStatus.",
                ),
            ),
            ("title", field("Title", text(255), "The label agents see.")),
            ("type", field("Type", text(64), "e.g. user.")),
            (
                "arguments",
                field(
                    "Arguments",
                    object(),
                    "The action's arguments, e.g. `{\"body_text\": \"Hi\"}` or `{\"tags\": \"refund\"}`.",
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
        ],
        &["name", "title", "arguments"],
    );
    vec![
        (
            "name",
            field("Name", text(255), "A name agents can search for."),
        ),
        (
            "actions",
            field(
                "Actions",
                json!({"type": "array", "items": strip_root(item), "maxItems": 100}),
                "What the macro does; replaces every existing action.",
            ),
        ),
        (
            "intent",
            field("Intent", one_of_strings(INTENTS, true), "The use case."),
        ),
        (
            "language",
            field(
                "Language",
                json!({"type": ["string", "null"], "pattern": "^[a-z]{2}$", "description": "ISO 639-1 code: two lowercase letters, e.g. en."}),
                "",
            ),
        ),
        (
            "external_id",
            field(
                "External id",
                json!({"type": ["string", "null"], "maxLength": 255}),
                "The macro's id in another system.",
            ),
        ),
    ]
}

fn bulk(name: &str, title: &str, description: &str, path: &str) -> ActionDecl {
    ActionDecl::new(
        name,
        title,
        description,
        ActionEffect::Update,
        Method::Put,
        path,
        input(
            title,
            &[("ids", field("Macro ids", id_list(30), "At most 30 macros."))],
            &["ids"],
        ),
        ack(),
    )
    .reply(Reply::Ack)
    .scopes(&["write:all"])
}

/// Why archiving can be refused: Gorgias answered `PUT /api/macros/unarchive` with 403 "Missing
/// scope: write:all." to an OAuth token with the current scopes (recorded: Nango test
/// unarchive-macros); archive presumably the same (UNCONFIRMED).
const WRITE_ALL: &str = "archiving and unarchiving macros over OAuth needs the legacy write:all scope: add it to the app's scopes and reconnect, or use an API key";

/// Macro actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(&OBJ, input("Create a macro", &macro_fields(), &["name"])),
        action::update(&OBJ, input("Update a macro", &macro_fields(), &[])),
        action::delete(&OBJ),
        bulk(
            "archive_macros",
            "Archive macros",
            "Archives up to 30 macros: they leave the macro list but are kept. Over OAuth it needs the legacy write:all scope (as unarchiving does; for archiving this is UNCONFIRMED); an API key may always.",
            "/api/macros/archive",
        )
        .on_forbidden(WRITE_ALL),
        bulk(
            "unarchive_macros",
            "Unarchive macros",
            "Restores up to 30 archived macros. Over OAuth it needs the legacy write:all scope (recorded: Gorgias answers 403 \"Missing scope: write:all.\" to a token without it); an API key may always.",
            "/api/macros/unarchive",
        )
        .on_forbidden(WRITE_ALL),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_sends_ids_in_the_body() {
        let archive = actions()
            .into_iter()
            .find(|a| a.name == "archive_macros")
            .unwrap();
        let (path, query, body) =
            connector_http::action::request_parts(&archive, json!({"ids": [3, 4]})).unwrap();
        assert_eq!(path, "/api/macros/archive");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({"ids": [3, 4]})));
    }
}
