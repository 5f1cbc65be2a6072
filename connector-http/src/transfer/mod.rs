//! File transfers for the generic action ([`crate::action`]): multipart uploads and downloads,
//! declared like any other action and sent through the same per-account [`Client`] (its pacer,
//! retry rules, deadline and error scrubbing).
//!
//! * **Uploads** ([`Body::Multipart`]): one declared input field holds a list of files
//!   ([`file_parts`] is its schema), sent as `multipart/form-data`, one part per file: the
//!   item's `name` is the part's field name, `filename` and `content_type` its headers, and the
//!   bytes come from a local `path` (streamed from disk, never held whole in memory) or from
//!   `content_base64`. Every item is checked before any request ([`Upload::check`]): exactly
//!   one source, the path a readable regular file, the base64 well formed, the total within the
//!   declared cap; each refusal names the field (`files[1].path`) and the fix. Uploads are
//!   creates: retried only after a 429, the body rebuilt from the sources for each attempt.
//! * **Downloads** ([`Reply::Download`]): a GET whose answer is a file, either in the body or,
//!   as file APIs do, behind a redirect to a signed, short-lived link on a storage host. The
//!   redirect is followed **only** to the hosts the action declares ([`RedirectAllow`]; a
//!   loopback base's own origin when it says so, for local fakes), always over https otherwise,
//!   never with the account's `Authorization` header or any other credential, at most
//!   [`Download::max_redirects`] times; anything else is refused naming the host, and nothing
//!   is sent there. The body is streamed into a file (`save_to`, refusing to replace one unless
//!   `overwrite`) or a buffer returned as base64, and stops at `max_bytes` (refused before
//!   reading when the declared length is larger). Every other request of the client still
//!   refuses redirects.
//!
//! The action's input may give the resource as a URL ([`Download::url_field`]): its path,
//! stripped of scheme and host, is matched against declared patterns whose placeholders fill
//! the action's path template, segment by segment and as written (already percent-encoded);
//! dot segments and encoded slashes are refused.
//!
//! The API request of a transfer is paced, retried, bounded by the request budget and scrubbed
//! like any other; the requests to a file host are not paced (they do not count against the
//! account's rate limit) but share the attempt (a transient failure there retries the whole
//! download, which asks for a fresh link), its timeout per answer and chunk, and the request
//! budget overall.
//!
//! Layout: `upload` (checking the files, the multipart body), `links` (the pure decisions:
//! which redirect may be followed, how a URL fills the path), `download` (following, streaming,
//! the temporary file and its final rename).

use connector_sdk::{Error, Result};
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};

use crate::action::{ActionDecl, Body, Reply};
use crate::client::Client;
use crate::schema;

mod download;
mod links;
mod upload;

pub use download::Fetch;
pub use links::{redirect_allowed, url_captures};
pub use upload::Upload;

/// The input field of a download action naming the local file to write (optional).
pub const SAVE_TO: &str = "save_to";
/// The input field allowing `save_to` to be replaced.
pub const OVERWRITE: &str = "overwrite";
/// The input field capping the file's size.
pub const MAX_BYTES: &str = "max_bytes";
/// The default of `max_bytes`: 10 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 10 << 20;
/// The largest `max_bytes` without `save_to` (the bytes come back as base64 in the output,
/// which is held in memory and printed as one line): 32 MiB, the client's cap on any body.
pub const MAX_INLINE_BYTES: u64 = crate::client::DEFAULT_MAX_RESPONSE_BYTES;
/// The largest `max_bytes` with `save_to` (streamed to disk): 1 GiB.
pub const MAX_SAVED_BYTES: u64 = 1 << 30;
/// How much of a file is read or written at once.
const CHUNK: usize = 64 << 10;

/// A `multipart/form-data` body built from one input field (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Multipart {
    /// The input field holding the files (a list shaped as [`file_parts`] describes).
    pub field: &'static str,
    /// The most bytes all the files of one request may come to (checked before sending).
    pub max_total_bytes: u64,
}

/// Where a download's redirects may lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedirectAllow {
    /// Host names (https, default port, no user info) a redirect may point to; an entry
    /// starting with a dot (`.example.com`) allows that domain's subdomains.
    pub hosts: &'static [&'static str],
    /// Whether a redirect to the request's own origin is allowed when that origin is loopback
    /// (a local fake of the API, which serves its signed links itself).
    pub loopback_base: bool,
}

/// A reply that is a file (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Download {
    /// The input field giving the resource as a URL or a bare path, if the action takes one;
    /// otherwise the path template is filled from input fields as usual.
    pub url_field: Option<&'static str>,
    /// The paths (templates like `/api/{file_type}/download/{hash}/{name}`) the URL's path may
    /// take; the first that matches fills the action's path template with its placeholders.
    pub url_paths: &'static [&'static str],
    /// Where redirects may lead.
    pub allow: RedirectAllow,
    /// The most redirects followed for one download.
    pub max_redirects: u8,
}

/// The schema of a [`Multipart`] field: 1 to `max_files` files, each `{name, content_type,
/// path | content_base64, filename?}`.
pub fn file_parts(max_files: u32, max_total_bytes: u64) -> Value {
    let item = json!({
        "type": "object",
        "title": "File",
        "properties": {
            "name": schema::field("Name", schema::text(255), "The part's field name, which the service takes as the file's label (e.g. invoice.pdf). No quotes, backslashes or control characters."),
            "content_type": schema::field("Content type", json!({"type": "string", "minLength": 3, "maxLength": 255}), "The file's media type, e.g. image/png or application/pdf."),
            "path": schema::field("Path", json!({"type": "string", "minLength": 1, "maxLength": 4096}), "A local file to send (streamed from disk). Give this or content_base64, not both."),
            "content_base64": schema::field("Content (base64)", json!({"type": "string"}), "The file's bytes in base64 (standard alphabet; padding and line breaks optional). Give this or path, not both."),
            "filename": schema::field("File name", schema::text(255), "The file name sent with the part (default: the path's file name, else name)."),
        },
        "required": ["name", "content_type"],
        "additionalProperties": false,
    });
    json!({
        "type": "array",
        "items": item,
        "minItems": 1,
        "maxItems": max_files,
        "description": format!("The files to send, one part each: at most {max_files}, together at most {} bytes ({}).", max_total_bytes, mib(max_total_bytes)),
    })
}

/// The input fields every download action takes after its own: `save_to`, `overwrite`,
/// `max_bytes` (default [`DEFAULT_MAX_BYTES`]).
pub fn download_fields() -> Vec<(&'static str, Value)> {
    vec![
        (
            SAVE_TO,
            schema::field(
                "Save to",
                json!({"type": "string", "minLength": 1, "maxLength": 4096}),
                "A local file path to write the file to (its folder must exist). Leave it out to get the bytes back as content_base64.",
            ),
        ),
        (
            OVERWRITE,
            schema::field(
                "Overwrite",
                json!({"type": "boolean", "default": false}),
                "Replace the file at save_to if there is one; otherwise an existing file is an error.",
            ),
        ),
        (
            MAX_BYTES,
            schema::field(
                "Max bytes",
                json!({"type": "integer", "minimum": 1, "maximum": MAX_SAVED_BYTES, "default": DEFAULT_MAX_BYTES}),
                &format!(
                    "The largest file accepted, in bytes (default {DEFAULT_MAX_BYTES}, {}); at most {MAX_INLINE_BYTES} ({}) without save_to, {MAX_SAVED_BYTES} ({}) with it. A larger file is an error and nothing of it is kept.",
                    mib(DEFAULT_MAX_BYTES),
                    mib(MAX_INLINE_BYTES),
                    mib(MAX_SAVED_BYTES)
                ),
            ),
        ),
    ]
}

/// The output of a download action: `{path, size, content_type}` with `save_to`, else
/// `{content_base64, size, content_type}`.
pub fn download_output() -> Value {
    json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "Downloaded file",
        "type": "object",
        "required": ["size", "content_type"],
        "properties": {
            "path": {"type": "string", "description": "Where the file was written (absolute), when save_to was given."},
            "content_base64": {"type": "string", "description": "The file's bytes in base64 (standard alphabet, padded), when save_to was not given."},
            "size": {"type": "integer", "minimum": 0, "description": "The file's size in bytes."},
            "content_type": {"type": ["string", "null"], "description": "The media type the file host sent, or null."},
        },
        "additionalProperties": false,
    })
}

fn mib(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{} MiB", bytes >> 20)
    }
}

fn invalid(action: &str, path: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidInput {
        action: action.to_string(),
        path: path.into(),
        reason: reason.into(),
    }
}

/// What one request sends and, for downloads, how its answer is taken: the client's hook for
/// transfers ([`Client::send_payload`]).
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// A JSON body, or none: every request but transfers.
    Json(Option<&'a Value>),
    /// A `multipart/form-data` body, rebuilt from its sources for every attempt.
    Multipart(&'a Upload),
    /// No body; a 2xx or 3xx answer is a file, behind redirects to the declared hosts only.
    Download(&'a Fetch),
}

impl<'a> Payload<'a> {
    /// Adds the body to a request (for every attempt).
    pub(crate) async fn apply(
        self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder> {
        Ok(match self {
            Payload::Json(None) | Payload::Download(_) => request,
            Payload::Json(Some(body)) => request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).unwrap_or_default()),
            Payload::Multipart(upload) => request.multipart(upload.form().await?),
        })
    }

    /// The download, if this is one.
    pub(crate) fn download(self) -> Option<&'a Fetch> {
        match self {
            Payload::Download(f) => Some(f),
            _ => None,
        }
    }
}

/// Whether `decl` is a transfer (a multipart body or a download reply), which [`run`] sends.
pub(crate) fn is_transfer(decl: &ActionDecl) -> bool {
    matches!(decl.body, Body::Multipart(_)) || matches!(decl.reply, Reply::Download(_))
}

/// Runs a transfer action on a checked input.
pub(crate) async fn run(decl: &ActionDecl, client: &Client, input: Value) -> Result<Value> {
    match (&decl.body, decl.reply) {
        (Body::Multipart(m), _) => upload::run(decl, m, client, input).await,
        (_, Reply::Download(d)) => download::run(decl, &d, client, input).await,
        _ => Err(Error::internal(format!(
            "action `{}` is not a transfer",
            decl.name
        ))),
    }
}

fn fields_of(decl: &ActionDecl, input: Value) -> Result<Map<String, Value>> {
    match input {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(invalid(&decl.name, "(root)", "must be an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemas_compile_and_describe_the_caps() {
        connector_sdk::validate::compile(&download_output()).unwrap();
        let input = schema::input("x", &[("files", file_parts(20, 50 << 20))], &["files"]);
        connector_sdk::validate::compile(&input).unwrap();
        assert!(input.to_string().contains("50 MiB"));
        let fields = download_fields();
        assert_eq!(fields[2].1["maximum"], json!(MAX_SAVED_BYTES));
    }
}
