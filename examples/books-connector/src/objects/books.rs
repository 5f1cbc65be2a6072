//! Books: the `books` stream and book actions (get, create, update, delete).
//!
//! `GET /v1/books` orders by `updated_at:asc|desc`, so the stream is a sorted feed on
//! `updated_at`: every change to a book is picked up. `PUT /v1/books/{id}` is a partial update.

use serde_json::{Value, json};

use connector_http::action::{self, ActionDecl, Obj};
use connector_http::list::{IncrementalRead, StreamDecl};
use connector_http::schema::*;


/// The object, for the CRUD builders.
pub const OBJ: Obj = Obj {
    singular: "book",
    plural: "books",
    words: "book",
    path: "/v1/books",
    record,
};

/// A book.
pub fn record() -> Value {
    record_of(
        "Book",
        &[
            ("id", id()),
            ("title", string()),
            ("author_id", describe(int_n(), "The author's id, if known.")),
            ("isbn", describe(string_n(), "ISBN-13, digits only.")),
            ("published_year", int_n()),
            ("available", describe(boolean(), "Whether a copy is on the shelf.")),
            ("created_at", date_time()),
            ("updated_at", date_time()),
        ],
        &["id", "title", "updated_at"],
    )
}

/// The `books` stream.
pub fn streams() -> Vec<StreamDecl> {
    vec![StreamDecl::new(
        "books",
        "Every book of the library, with its author and whether it is on the shelf.",
        OBJ.path,
        record(),
        &["id"],
        IncrementalRead::sorted_feed("updated_at", "updated_at:asc", "updated_at:desc")
            .captures_updates(true)
            .note("Ordered by updated_at: every change to a book is picked up; deleted books are not (a full refresh shows them gone).")
            .into(),
    )]
}

/// Writable fields; `nullable` lets an update clear the optional ones.
fn fields(nullable: bool) -> Vec<(&'static str, Value)> {
    let n = |t: &str| if nullable { json!([t, "null"]) } else { json!(t) };
    vec![
        ("title", field("Title", text(500), "")),
        ("author_id", field("Author id", json!({"type": n("integer"), "minimum": 1}), "The author, by id.")),
        ("isbn", field("ISBN", json!({"type": n("string"), "pattern": "^[0-9]{13}$"}), "An ISBN-13: exactly 13 digits, without hyphens or spaces.")),
        ("published_year", field("Published", json!({"type": n("integer"), "minimum": 0, "maximum": 3000}), "The year of publication.")),
        ("available", field("Available", boolean(), "Whether a copy is on the shelf.")),
    ]
}

/// Book actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![
        action::get(&OBJ),
        action::create(&OBJ, input("Create a book", &fields(false), &["title"])),
        action::update(&OBJ, input("Update a book", &fields(true), &[])),
        action::delete(&OBJ),
    ]
}
