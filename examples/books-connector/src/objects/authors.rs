//! Authors: the `authors` stream and `get_author`.
//!
//! Authors are never edited, only added, and `GET /v1/authors` filters by `created_at[gte]=`
//! (ordered by `created_at:asc`), so the stream is a server filter on `created_at`.

use serde_json::Value;

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{IncrementalRead, StreamDecl};
use connector_http::schema::*;


/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "author",
    plural: "authors",
    words: "author",
    path: "/v1/authors",
    record,
};

/// An author.
pub fn record() -> Value {
    record_of(
        "Author",
        &[
            ("id", id()),
            ("name", string()),
            ("born", describe(int_n(), "Year of birth, if known.")),
            ("created_at", date_time()),
        ],
        &["id", "name", "created_at"],
    )
}

/// The `authors` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "authors",
        "Every author the library knows.",
        OBJ.path,
        record(),
        &["id"],
        IncrementalRead::server_filter("created_at", "created_at:asc", 60).into(),
    )]
}

/// Author actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![action::get(&OBJ)]
}
