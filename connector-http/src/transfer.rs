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

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use connector_sdk::redact::excerpt;
use connector_sdk::{Error, Result};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::action::{ActionDecl, Body, Reply, request_parts_for};
use crate::client::{Client, Method, Response, RetryPolicy, is_loopback, transport};
use crate::schema;

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

// ---------------------------------------------------------------------------------------------
// Uploads

/// A checked multipart upload: every file's name, headers and source.
#[derive(Debug)]
pub struct Upload {
    action: String,
    field: &'static str,
    parts: Vec<FilePart>,
}

#[derive(Debug)]
struct FilePart {
    index: usize,
    name: String,
    filename: String,
    content_type: String,
    source: Source,
}

enum Source {
    /// A local regular file of `len` bytes (checked); streamed for each attempt.
    Path { path: PathBuf, len: u64 },
    /// Decoded base64.
    Bytes(Bytes),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Path { path, len } => write!(f, "Path({}, {len} bytes)", path.display()),
            Source::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
        }
    }
}

/// Refuses what cannot go in a part header as written: quotes, backslashes, control characters.
fn header_text(action: &str, at: &str, value: &str) -> Result<()> {
    if let Some(c) = value
        .chars()
        .find(|c| c.is_control() || *c == '"' || *c == '\\')
    {
        return Err(invalid(
            action,
            at,
            format!(
                "contains {}, which a multipart header cannot carry as written; remove it",
                match c {
                    '"' => "a double quote".to_string(),
                    '\\' => "a backslash".to_string(),
                    c => format!("the control character U+{:04X}", u32::from(c)),
                }
            ),
        ));
    }
    Ok(())
}

/// Decodes base64 (standard alphabet, padding optional, ASCII whitespace ignored).
fn decode_base64(text: &str) -> std::result::Result<Vec<u8>, base64::DecodeError> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
        engine.decode(compact)
    } else {
        engine.decode(text)
    }
}

impl Upload {
    /// Checks every file of `items` (the value of `multipart.field`) before any request:
    /// exactly one of `path` (an existing, readable regular file) and `content_base64` (well
    /// formed), header-safe names, a parseable content type, and all of them within
    /// `multipart.max_total_bytes`. Errors name the field (`files[1].path`) and the fix.
    pub fn check(action: &str, multipart: &Multipart, items: Value) -> Result<Upload> {
        let field = multipart.field;
        let cap = multipart.max_total_bytes;
        let Value::Array(items) = items else {
            return Err(invalid(
                action,
                field,
                "must be a list of files ({name, content_type, path or content_base64}); add at least one",
            ));
        };
        if items.is_empty() {
            return Err(invalid(action, field, "is empty; add at least one file"));
        }
        let mut parts = Vec::with_capacity(items.len());
        let mut total: u64 = 0;
        for (index, item) in items.into_iter().enumerate() {
            let at = format!("{field}[{index}]");
            let Value::Object(mut item) = item else {
                return Err(invalid(
                    action,
                    &at,
                    "must be an object {name, content_type, path or content_base64}",
                ));
            };
            let mut text = |key: &str, required: bool| -> Result<Option<String>> {
                match item.remove(key) {
                    Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
                    None | Some(Value::Null) if !required => Ok(None),
                    None | Some(Value::Null) => Err(invalid(
                        action,
                        format!("{at}.{key}"),
                        "is required; add it",
                    )),
                    Some(_) => Err(invalid(
                        action,
                        format!("{at}.{key}"),
                        "must be a non-empty string",
                    )),
                }
            };
            let name = text("name", true)?.unwrap_or_default();
            let content_type = text("content_type", true)?.unwrap_or_default();
            let path = text("path", false)?;
            let content = text("content_base64", false)?;
            let filename = text("filename", false)?;
            header_text(action, &format!("{at}.name"), &name)?;
            if let Some(f) = &filename {
                header_text(action, &format!("{at}.filename"), f)?;
            }
            if reqwest::multipart::Part::bytes(Vec::new())
                .mime_str(&content_type)
                .is_err()
            {
                return Err(invalid(
                    action,
                    format!("{at}.content_type"),
                    "is not a media type; give type/subtype, e.g. image/png or application/octet-stream",
                ));
            }
            let (source, size, default_name) = match (path, content) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        action,
                        &at,
                        "gives both path and content_base64; keep one",
                    ));
                }
                (None, None) => {
                    return Err(invalid(
                        action,
                        &at,
                        "has no content; give path (a local file) or content_base64 (its bytes in base64)",
                    ));
                }
                (Some(path), None) => {
                    let at = format!("{at}.path");
                    let (path, len) = check_file(action, &at, &path)?;
                    if total.saturating_add(len) > cap {
                        return Err(over_cap(action, &at, total.saturating_add(len), cap));
                    }
                    let default_name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .filter(|n| header_text(action, "", n).is_ok());
                    (Source::Path { path, len }, len, default_name)
                }
                (None, Some(content)) => {
                    let at = format!("{at}.content_base64");
                    // Every 4 characters of base64 hold 3 bytes: refuse before decoding.
                    let chars = content.bytes().filter(|b| !b.is_ascii_whitespace()).count();
                    let estimate = (chars as u64 / 4).saturating_mul(3);
                    if total.saturating_add(estimate) > cap.saturating_add(3) {
                        return Err(over_cap(action, &at, total.saturating_add(estimate), cap));
                    }
                    let bytes = decode_base64(&content).map_err(|e| {
                        invalid(action, &at, format!("is not valid base64 ({e}); encode the file's bytes with the standard alphabet (A-Z, a-z, 0-9, +, /)"))
                    })?;
                    let len = bytes.len() as u64;
                    if total.saturating_add(len) > cap {
                        return Err(over_cap(action, &at, total.saturating_add(len), cap));
                    }
                    (Source::Bytes(Bytes::from(bytes)), len, None)
                }
            };
            total = total.saturating_add(size);
            let filename = filename.or(default_name).unwrap_or_else(|| name.clone());
            parts.push(FilePart {
                index,
                name,
                filename,
                content_type,
                source,
            });
        }
        Ok(Upload {
            action: action.to_string(),
            field,
            parts,
        })
    }

    /// The total size of the files, in bytes.
    pub fn total_bytes(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| match &p.source {
                Source::Path { len, .. } => *len,
                Source::Bytes(b) => b.len() as u64,
            })
            .sum()
    }

    /// The multipart form of one attempt: files opened again (their size checked against what
    /// was checked before) and streamed with their lengths, so the request has a
    /// `Content-Length`.
    async fn form(&self) -> Result<reqwest::multipart::Form> {
        use reqwest::multipart::{Form, Part};
        // Names and file names were checked header-safe: send them as written (UTF-8), as
        // browsers do, rather than in the RFC 5987 form many servers do not read.
        let mut form = Form::new().percent_encode_noop();
        for p in &self.parts {
            let part = match &p.source {
                Source::Bytes(b) => {
                    Part::stream_with_length(reqwest::Body::from(b.clone()), b.len() as u64)
                }
                Source::Path { path, len } => {
                    let at = format!("{}[{}].path", self.field, p.index);
                    let file = tokio::fs::File::open(path)
                        .await
                        .map_err(|e| invalid(&self.action, &at, format!("cannot be read: {e}")))?;
                    let now = file
                        .metadata()
                        .await
                        .map_err(|e| invalid(&self.action, &at, format!("cannot be read: {e}")))?
                        .len();
                    if now != *len {
                        return Err(invalid(
                            &self.action,
                            &at,
                            format!(
                                "changed size while it was being sent ({len} bytes when checked, {now} now); upload it again once it is complete"
                            ),
                        ));
                    }
                    Part::stream_with_length(reqwest::Body::wrap_stream(exactly(file, *len)), *len)
                }
            };
            let part = part
                .file_name(p.filename.clone())
                .mime_str(&p.content_type)
                .map_err(|_| {
                    invalid(
                        &self.action,
                        format!("{}[{}].content_type", self.field, p.index),
                        "is not a media type; give type/subtype",
                    )
                })?;
            form = form.part(p.name.clone(), part);
        }
        Ok(form)
    }
}

fn over_cap(action: &str, at: &str, total: u64, cap: u64) -> Error {
    invalid(
        action,
        at,
        format!(
            "brings the files to {total} bytes or more, over the {cap}-byte ({}) cap on one upload; send fewer or smaller files per call",
            mib(cap)
        ),
    )
}

/// Checks a local file to upload: it exists, is a regular file (not a directory, a pipe or a
/// device, which could be endless) and can be opened; returns it and its size.
fn check_file(action: &str, at: &str, path: &str) -> Result<(PathBuf, u64)> {
    let shown = excerpt(path, 200);
    let p = PathBuf::from(path);
    let meta = std::fs::metadata(&p).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no file is there; check the path".to_string(),
            std::io::ErrorKind::PermissionDenied => {
                "cannot be read (permission denied); give a file this process may read".into()
            }
            _ => format!("cannot be read ({e}); check the path"),
        };
        invalid(action, at, format!("{shown}: {why}"))
    })?;
    if meta.is_dir() {
        return Err(invalid(
            action,
            at,
            format!("{shown} is a directory; give a file"),
        ));
    }
    if !meta.is_file() {
        return Err(invalid(
            action,
            at,
            format!("{shown} is not a regular file (a pipe, socket or device); give a file"),
        ));
    }
    std::fs::File::open(&p).map_err(|e| {
        invalid(
            action,
            at,
            format!("{shown} cannot be opened ({e}); give a file this process may read"),
        )
    })?;
    Ok((p, meta.len()))
}

/// Exactly `len` bytes of `file`, in chunks: an error if it ends sooner (it shrank after the
/// check), and nothing beyond `len` if it grew.
fn exactly(
    file: tokio::fs::File,
    len: u64,
) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(CHUNK);
        let mut buf = vec![0u8; want];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file got shorter while it was being sent",
            ));
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), (file, left - n as u64))))
    })
}

// ---------------------------------------------------------------------------------------------
// Downloads

/// Whether a redirect from `request` (the URL the API was asked) to `target` may be followed:
/// `Ok` or the reason it may not, naming the target's host.
pub fn redirect_allowed(
    allow: &RedirectAllow,
    request: &url::Url,
    target: &url::Url,
) -> std::result::Result<(), String> {
    let host = target.host_str().unwrap_or("(no host)").to_string();
    if !target.username().is_empty() || target.password().is_some() {
        return Err(format!(
            "the link to {host} carries a user name or password"
        ));
    }
    if allow.loopback_base && is_loopback(request) && target.origin() == request.origin() {
        return Ok(());
    }
    let domain = match target.host() {
        Some(url::Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(_) => {
            return Err(format!(
                "{host} is an IP address, not one of the file hosts this action downloads from ({})",
                allow.hosts.join(", ")
            ));
        }
        None => return Err("the link has no host".into()),
    };
    let listed = allow.hosts.iter().any(|h| {
        let h = h.to_ascii_lowercase();
        match h.strip_prefix('.') {
            Some(parent) => domain
                .strip_suffix(parent)
                .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.')),
            None => domain == h,
        }
    });
    if !listed {
        return Err(format!(
            "{host} is not one of the file hosts this action downloads from ({})",
            allow.hosts.join(", ")
        ));
    }
    if target.scheme() != "https" {
        return Err(format!(
            "the link to {host} is {}, not https",
            target.scheme()
        ));
    }
    if target.port().is_some() {
        return Err(format!("the link to {host} names a port"));
    }
    Ok(())
}

/// Where a link points, without user info, query or fragment (they may carry a signature).
fn shown(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    excerpt(u.as_str(), 200)
}

/// Whether a path segment is `.` or `..`, also percent-encoded.
fn is_dot_segment(seg: &str) -> bool {
    let lower = seg.to_ascii_lowercase().replace("%2e", ".");
    lower == "." || lower == ".."
}

/// A path segment as sent: as written when it is valid in a path, other characters
/// percent-encoded (spaces, non-ASCII); `None` for what must not be taken (empty, dot
/// segments, encoded slashes or backslashes, control characters, broken escapes).
fn path_segment(seg: &str) -> Option<String> {
    if seg.is_empty() || is_dot_segment(seg) {
        return None;
    }
    let bytes = seg.as_bytes();
    let mut out = String::with_capacity(seg.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = seg.get(i + 1..i + 3)?;
            let v = u8::from_str_radix(hex, 16).ok()?;
            if v == b'/' || v == b'\\' || v < 0x20 || v == 0x7f {
                return None;
            }
            out.push_str(&seg[i..i + 3]);
            i += 3;
            continue;
        }
        if b < 0x20 || b == 0x7f || b == b'\\' {
            return None;
        }
        let plain = b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@".contains(&b);
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
        i += 1;
    }
    Some(out)
}

/// The raw path of a URL (`https://host/a/b?q`) or bare path (`/a/b`), without query or
/// fragment, as written (no normalisation, so dot segments stay visible).
fn raw_path(input: &str) -> Option<&str> {
    let s = input.trim();
    let rest = if s.starts_with('/') && !s.starts_with("//") {
        s
    } else {
        let after = if let Some(r) = s.strip_prefix("//") {
            r
        } else {
            let (scheme, r) = s.split_once("://")?;
            if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
                return None;
            }
            r
        };
        let start = after.find(['/', '?', '#']).unwrap_or(after.len());
        if after[..start].is_empty() {
            return None;
        }
        &after[start..]
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The placeholders of the first of `patterns` that the path of `url` (a URL or a bare path)
/// matches, each with its segment as sent (see [`path_segment`]); the error says what was
/// expected, naming `field`.
pub fn url_captures(
    action: &str,
    field: &str,
    url: &str,
    patterns: &[&str],
) -> Result<Vec<(String, String)>> {
    let expected = || {
        format!(
            "must be a link (or its path) of the form {}; give the file's url as the service sent it",
            patterns.join(" or ")
        )
    };
    let path = raw_path(url).ok_or_else(|| invalid(action, field, expected()))?;
    let path = path.strip_suffix('/').unwrap_or(path);
    let raw: Vec<&str> = path.split('/').skip(1).collect();
    if raw.iter().any(|s| is_dot_segment(s)) {
        return Err(invalid(
            action,
            field,
            "contains a . or .. segment; give the file's url as the service sent it",
        ));
    }
    let segments: Vec<Option<String>> = raw.iter().map(|s| path_segment(s)).collect();
    for pattern in patterns {
        let parts: Vec<&str> = pattern.split('/').skip(1).collect();
        if parts.len() != segments.len() {
            continue;
        }
        let mut captures = Vec::new();
        let matched = parts.iter().zip(&segments).all(|(p, s)| {
            let Some(s) = s else { return false };
            match p.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    captures.push((name.to_string(), s.clone()));
                    true
                }
                None => p == s,
            }
        });
        if matched {
            return Ok(captures);
        }
    }
    if segments.iter().any(Option::is_none) {
        return Err(invalid(
            action,
            field,
            "has an empty segment, an encoded slash or backslash, or a control character in its path; give the file's url as the service sent it",
        ));
    }
    Err(invalid(action, field, expected()))
}

/// Fills `{name}` placeholders of `template` with `captures` (already encoded as sent).
fn fill(template: &str, captures: &[(String, String)]) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| {
            Error::internal(format!("the path template {template:?} has an unclosed {{"))
        })?;
        let name = &rest[start + 1..end];
        out.push_str(&rest[..start]);
        match captures.iter().find(|(n, _)| n == name) {
            Some((_, v)) => out.push_str(v),
            // Left for the input fields to fill.
            None => out.push_str(&rest[start..=end]),
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Where a download goes.
#[derive(Debug)]
enum Sink {
    /// Into memory, returned as base64.
    Memory,
    /// Into a file, written through a temporary file beside it.
    File { target: PathBuf, overwrite: bool },
}

/// A temporary file that is removed unless kept.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// What the last successful attempt received.
#[derive(Debug)]
struct Received {
    content_type: Option<String>,
    size: u64,
    file: Option<TempFile>,
}

/// A download being made: where the bytes go, the cap, the redirect rule and what was received.
#[derive(Debug)]
pub struct Fetch {
    action: String,
    sink: Sink,
    max_bytes: u64,
    allow: RedirectAllow,
    max_redirects: u8,
    deadline: tokio::time::Instant,
    received: Mutex<Option<Received>>,
}

impl Fetch {
    fn too_large(&self, what: &str) -> Error {
        let more = match self.sink {
            Sink::Memory => format!(
                "raise max_bytes (at most {MAX_INLINE_BYTES} without save_to), or give save_to to write it to a file"
            ),
            Sink::File { .. } => format!("raise max_bytes (at most {MAX_SAVED_BYTES})"),
        };
        invalid(
            &self.action,
            MAX_BYTES,
            format!(
                "the file is larger than {} bytes ({what}); nothing of it was kept; {more}",
                self.max_bytes
            ),
        )
    }

    /// Takes the API's answer to the download request (2xx: the file; 3xx: a redirect), follows
    /// the allowed redirects without credentials, and streams the file into the sink. The
    /// returned body holds the bytes when they go to memory.
    pub(crate) async fn receive(
        &self,
        http: &reqwest::Client,
        request: &url::Url,
        mut response: reqwest::Response,
        timeout: Duration,
    ) -> Result<Response> {
        let mut current = request.clone();
        let mut hops: u8 = 0;
        loop {
            let status = response.status().as_u16();
            if (300..=399).contains(&status) {
                if hops >= self.max_redirects {
                    return Err(Error::upstream(
                        status,
                        format!(
                            "the download was redirected more than {} times (last to {}); the connector stopped following",
                            self.max_redirects,
                            shown(&current)
                        ),
                    ));
                }
                hops += 1;
                let target = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|l| current.join(l).ok())
                    .ok_or_else(|| {
                        Error::upstream(
                            status,
                            "the server answered the download with a redirect without a readable Location",
                        )
                    })?;
                if let Err(why) = redirect_allowed(&self.allow, request, &target) {
                    return Err(Error::upstream(
                        status,
                        format!(
                            "the server redirected the download to {}: {why}; the connector did not follow it and sent nothing there",
                            shown(&target)
                        ),
                    ));
                }
                drop(response);
                response = self.get_plain(http, &target, timeout).await?;
                current = target;
                continue;
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            if (200..=299).contains(&status) {
                // The API itself answered with a page: a sign-in or proxy page, not the file.
                if hops == 0
                    && content_type
                        .as_deref()
                        .is_some_and(|t| t.to_ascii_lowercase().contains("html"))
                {
                    return Err(Error::invalid_response(
                        "a file or a redirect to it",
                        format!(
                            "the server answered with an HTML page (status {status}): a sign-in, maintenance or proxy page; check the config's address"
                        ),
                    ));
                }
                return self
                    .sink(response, &current, status, content_type, timeout)
                    .await;
            }
            return Err(target_error(&current, &response, status));
        }
    }

    /// A GET of a redirect target: no credentials (a new request, never the account's
    /// `Authorization`), any media type, within the attempt's timeout for the answer and the
    /// download's deadline overall.
    async fn get_plain(
        &self,
        http: &reqwest::Client,
        target: &url::Url,
        timeout: Duration,
    ) -> Result<reqwest::Response> {
        let remaining = self
            .deadline
            .saturating_duration_since(tokio::time::Instant::now());
        if remaining.is_zero() {
            return Err(Error::transport(
                "the download's time budget ran out before the file host was asked",
                true,
            ));
        }
        let request = http
            .get(target.clone())
            .header(ACCEPT, "*/*")
            .timeout(remaining)
            .send();
        match tokio::time::timeout(timeout, request).await {
            Ok(r) => r.map_err(|e| transport(&e)),
            Err(_) => Err(Error::transport(
                format!("the file host {} did not answer in time", host_of(target)),
                true,
            )),
        }
    }

    /// Streams a 2xx body into the sink, at most `max_bytes` of it, each chunk within
    /// `timeout` (a stalled host is a transport error).
    async fn sink(
        &self,
        mut response: reqwest::Response,
        at: &url::Url,
        status: u16,
        content_type: Option<String>,
        timeout: Duration,
    ) -> Result<Response> {
        if let Some(n) = response.content_length()
            && n > self.max_bytes
        {
            return Err(self.too_large(&format!("its declared length is {n}")));
        }
        let over = |size: u64| size > self.max_bytes;
        match &self.sink {
            Sink::Memory => {
                let mut body = Vec::new();
                while let Some(chunk) = next_chunk(&mut response, at, timeout).await? {
                    if over((body.len() + chunk.len()) as u64) {
                        return Err(self.too_large("it went past the cap while being read"));
                    }
                    body.extend_from_slice(&chunk);
                }
                self.set_received(Received {
                    content_type,
                    size: body.len() as u64,
                    file: None,
                });
                Ok(Response { status, body })
            }
            Sink::File { target, .. } => {
                let (temp, mut file) = temp_beside(target).await.map_err(|e| io(target, e))?;
                let mut size: u64 = 0;
                while let Some(chunk) = next_chunk(&mut response, at, timeout).await? {
                    size += chunk.len() as u64;
                    if over(size) {
                        return Err(self.too_large("it went past the cap while being read"));
                    }
                    file.write_all(&chunk).await.map_err(|e| io(target, e))?;
                }
                file.flush().await.map_err(|e| io(target, e))?;
                drop(file);
                self.set_received(Received {
                    content_type,
                    size,
                    file: Some(temp),
                });
                Ok(Response {
                    status,
                    body: Vec::new(),
                })
            }
        }
    }

    fn set_received(&self, r: Received) {
        *self.received.lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
    }

    fn take_received(&self) -> Option<Received> {
        self.received
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// The next chunk of a body, within `timeout` (a stalled host is a transport error).
async fn next_chunk(
    response: &mut reqwest::Response,
    at: &url::Url,
    timeout: Duration,
) -> Result<Option<Bytes>> {
    match tokio::time::timeout(timeout, response.chunk()).await {
        Ok(c) => c.map_err(|e| transport(&e)),
        Err(_) => Err(Error::transport(
            format!("the file host {} stopped sending", host_of(at)),
            true,
        )),
    }
}

fn host_of(url: &url::Url) -> String {
    url.host_str().unwrap_or("(no host)").to_string()
}

fn io(target: &Path, source: std::io::Error) -> Error {
    Error::Io {
        context: format!(
            "writing the download to {}",
            excerpt(&target.display().to_string(), 200)
        ),
        source,
    }
}

/// The error of a redirect target that did not answer 2xx or 3xx. Its body (storage hosts
/// answer XML that may quote the signed request) is not used.
fn target_error(at: &url::Url, response: &reqwest::Response, status: u16) -> Error {
    let host = host_of(at);
    match status {
        429 => Error::RateLimited {
            retry_after: response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| crate::client::parse_retry_after(v, chrono::Utc::now())),
            attempts: 1,
        },
        404 | 410 => Error::NotFound {
            what: shown(at),
            message: format!("the file host {host} has no file there (status {status})"),
        },
        401 | 403 => Error::upstream(
            status,
            format!(
                "the file host {host} refused the signed link (it may have expired); run the download again"
            ),
        ),
        _ => Error::upstream(status, format!("the file host {host} answered {status}")),
    }
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new temporary file in `target`'s folder (so the final rename stays on one file system).
async fn temp_beside(target: &Path) -> std::io::Result<(TempFile, tokio::fs::File)> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    loop {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{name}.{}-{n}.part", std::process::id()));
        match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
        {
            Ok(file) => return Ok((TempFile { path, kept: false }, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Checks `save_to` before any request: not a directory, its folder exists, and no file is
/// there unless `overwrite`.
fn check_save_to(action: &str, save_to: &str, overwrite: bool) -> Result<PathBuf> {
    let shown = excerpt(save_to, 200);
    let path = std::path::absolute(save_to).map_err(|e| {
        invalid(
            action,
            SAVE_TO,
            format!("{shown} is not a usable path ({e})"),
        )
    })?;
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => {
            return Err(invalid(
                action,
                SAVE_TO,
                format!("{shown} is a directory; give a file path inside it"),
            ));
        }
        Ok(_) if !overwrite => {
            return Err(invalid(
                action,
                SAVE_TO,
                format!(
                    "{shown} already exists; set overwrite to true to replace it, or choose another path"
                ),
            ));
        }
        _ => {}
    }
    let parent = path.parent().unwrap_or(Path::new("/"));
    if !parent.is_dir() {
        return Err(invalid(
            action,
            SAVE_TO,
            format!(
                "the folder {} does not exist; create it first",
                excerpt(&parent.display().to_string(), 200)
            ),
        ));
    }
    Ok(path)
}

/// Moves the finished temporary file to `target` (replacing it only with `overwrite`).
fn persist(action: &str, mut temp: TempFile, target: &Path, overwrite: bool) -> Result<()> {
    if overwrite {
        std::fs::rename(&temp.path, target).map_err(|e| io(target, e))?;
        temp.kept = true;
        return Ok(());
    }
    // A hard link fails when the target exists: no race with another writer.
    match std::fs::hard_link(&temp.path, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(invalid(
            action,
            SAVE_TO,
            format!(
                "{} appeared while the file was downloaded; set overwrite to true to replace it, or choose another path",
                excerpt(&target.display().to_string(), 200)
            ),
        )),
        // File systems without hard links: check, then rename.
        Err(_) if !target.exists() => {
            std::fs::rename(&temp.path, target).map_err(|e| io(target, e))?;
            temp.kept = true;
            Ok(())
        }
        Err(e) => Err(io(target, e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Running transfer actions

/// Whether `decl` is a transfer (a multipart body or a download reply), which [`run`] sends.
pub(crate) fn is_transfer(decl: &ActionDecl) -> bool {
    matches!(decl.body, Body::Multipart(_)) || matches!(decl.reply, Reply::Download(_))
}

/// Runs a transfer action on a checked input.
pub(crate) async fn run(decl: &ActionDecl, client: &Client, input: Value) -> Result<Value> {
    match (&decl.body, decl.reply) {
        (Body::Multipart(m), _) => upload(decl, m, client, input).await,
        (_, Reply::Download(d)) => download(decl, &d, client, input).await,
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

async fn upload(decl: &ActionDecl, m: &Multipart, client: &Client, input: Value) -> Result<Value> {
    let mut fields = fields_of(decl, input)?;
    let items = fields.remove(m.field).unwrap_or(Value::Null);
    let upload = Upload::check(&decl.name, m, items)?;
    let (path, query, _) = request_parts_for(decl, &decl.path, Value::Object(fields))?;
    let policy = if decl.idempotent {
        RetryPolicy::Idempotent
    } else {
        RetryPolicy::RateLimitOnly
    };
    client
        .send_payload(
            decl.method,
            &path,
            &query,
            Payload::Multipart(&upload),
            policy,
            |r| {
                serde_json::from_slice(&r.body)
                    .map_err(|e| Error::invalid_response("a JSON response", e.to_string()))
            },
        )
        .await
        .map_err(|e| match e {
            Error::Upstream { status: 413, message } => Error::Upstream {
                status: 413,
                message: format!(
                    "{message}; the upload ({} bytes) is larger than the service accepts: send fewer or smaller files per call",
                    upload.total_bytes()
                ),
            },
            e => e,
        })
}

async fn download(decl: &ActionDecl, d: &Download, client: &Client, input: Value) -> Result<Value> {
    let action = decl.name.as_str();
    let mut fields = fields_of(decl, input)?;
    let save_to = match fields.remove(SAVE_TO) {
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        None | Some(Value::Null) => None,
        Some(_) => return Err(invalid(action, SAVE_TO, "must be a non-empty path")),
    };
    let overwrite = match fields.remove(OVERWRITE) {
        Some(Value::Bool(b)) => b,
        None | Some(Value::Null) => false,
        Some(_) => return Err(invalid(action, OVERWRITE, "must be true or false")),
    };
    let max_bytes = match fields.remove(MAX_BYTES) {
        None | Some(Value::Null) => DEFAULT_MAX_BYTES,
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .or_else(|| {
                v.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 1.0)
                    .map(|f| f as u64)
            })
            .ok_or_else(|| {
                invalid(
                    action,
                    MAX_BYTES,
                    "must be a whole number of bytes, 1 or more",
                )
            })?,
    };
    let sink = match &save_to {
        None if max_bytes > MAX_INLINE_BYTES => {
            return Err(invalid(
                action,
                MAX_BYTES,
                format!(
                    "is over {MAX_INLINE_BYTES} ({}), the most returned as content_base64; give save_to to write larger files to disk",
                    mib(MAX_INLINE_BYTES)
                ),
            ));
        }
        None => Sink::Memory,
        Some(_) if max_bytes > MAX_SAVED_BYTES => {
            return Err(invalid(
                action,
                MAX_BYTES,
                format!(
                    "is over {MAX_SAVED_BYTES} ({}), the most this action writes",
                    mib(MAX_SAVED_BYTES)
                ),
            ));
        }
        Some(s) => Sink::File {
            target: check_save_to(action, s, overwrite)?,
            overwrite,
        },
    };
    let template = match d.url_field {
        Some(f) => {
            let url = match fields.remove(f) {
                Some(Value::String(s)) => s,
                _ => return Err(invalid(action, f, "is required; add the file's url")),
            };
            fill(&decl.path, &url_captures(action, f, &url, d.url_paths)?)?
        }
        None => decl.path.clone(),
    };
    let (path, query, _) = request_parts_for(decl, &template, Value::Object(fields))?;
    let fetch = Fetch {
        action: action.to_string(),
        sink,
        max_bytes,
        allow: d.allow,
        max_redirects: d.max_redirects,
        deadline: deadline_after(client.retry_options().request_budget),
        received: Mutex::new(None),
    };
    let response = client
        .send_payload(
            Method::Get,
            &path,
            &query,
            Payload::Download(&fetch),
            RetryPolicy::Idempotent,
            Ok,
        )
        .await?;
    let received = fetch
        .take_received()
        .ok_or_else(|| Error::internal("a download succeeded without receiving a file"))?;
    match &fetch.sink {
        Sink::Memory => Ok(json!({
            "content_base64": base64::engine::general_purpose::STANDARD.encode(&response.body),
            "size": received.size,
            "content_type": received.content_type,
        })),
        Sink::File { target, overwrite } => {
            let temp = received
                .file
                .ok_or_else(|| Error::internal("a download to a file left no file"))?;
            persist(action, temp, target, *overwrite)?;
            Ok(json!({
                "path": target.display().to_string(),
                "size": received.size,
                "content_type": received.content_type,
            }))
        }
    }
}

fn deadline_after(budget: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(budget)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GORGIAS: RedirectAllow = RedirectAllow {
        hosts: &["uploads.example.io", ".files.example.com"],
        loopback_base: true,
    };

    /// The redirect rule as a table: (request URL, target, allowed).
    #[test]
    fn redirects_are_allowed_only_to_declared_hosts() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "https://acme.example.com/api/x",
                "https://uploads.example.io/a/b?sig=1",
                true,
            ),
            (
                "https://acme.example.com/api/x",
                "https://UPLOADS.example.io/a",
                true,
            ),
            (
                "https://acme.example.com/api/x",
                "https://eu.files.example.com/a",
                true,
            ),
            (
                "https://acme.example.com/api/x",
                "https://a.b.files.example.com/a",
                true,
            ),
            // the parent of a wildcard, and look-alikes
            (
                "https://acme.example.com/api/x",
                "https://files.example.com/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://evilfiles.example.com/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://uploads.example.io.evil.com/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://evil.com/uploads.example.io",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://uploads.example.io.",
                false,
            ),
            // http, ports, user info, IPs
            (
                "https://acme.example.com/api/x",
                "http://uploads.example.io/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://uploads.example.io:8443/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://u:p@uploads.example.io/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://uploads.example.io@evil.com/a",
                false,
            ),
            (
                "https://acme.example.com/api/x",
                "https://127.0.0.1/a",
                false,
            ),
            ("https://acme.example.com/api/x", "https://[::1]/a", false),
            // the API's own host is not a file host
            (
                "https://acme.example.com/api/x",
                "https://acme.example.com/signed/a",
                false,
            ),
            // a loopback base: its own origin only
            (
                "http://127.0.0.1:8089/api/x",
                "http://127.0.0.1:8089/signed/a?s=1",
                true,
            ),
            (
                "http://127.0.0.1:8089/api/x",
                "http://127.0.0.1:8090/signed/a",
                false,
            ),
            (
                "http://127.0.0.1:8089/api/x",
                "http://localhost:8089/signed/a",
                false,
            ),
            (
                "http://127.0.0.1:8089/api/x",
                "https://127.0.0.1:8089/signed/a",
                false,
            ),
            (
                "http://localhost:8089/api/x",
                "http://localhost:8089/signed/a",
                true,
            ),
            ("http://127.0.0.1:8089/api/x", "http://10.0.0.1/a", false),
            (
                "http://127.0.0.1:8089/api/x",
                "https://uploads.example.io/a",
                true,
            ),
        ];
        for (request, target, want) in cases {
            let got = redirect_allowed(
                &GORGIAS,
                &request.parse().unwrap(),
                &target.parse().unwrap(),
            );
            assert_eq!(got.is_ok(), *want, "{request} -> {target}: {got:?}");
            if let Err(why) = got {
                let host = url::Url::parse(target).unwrap();
                assert!(
                    why.contains(host.host_str().unwrap_or("no host")),
                    "{target}: the reason names no host: {why}"
                );
            }
        }
        let strict = RedirectAllow {
            loopback_base: false,
            ..GORGIAS
        };
        assert!(
            redirect_allowed(
                &strict,
                &"http://127.0.0.1:1/api".parse().unwrap(),
                &"http://127.0.0.1:1/signed".parse().unwrap()
            )
            .is_err()
        );
    }

    const PATTERNS: &[&str] = &[
        "/api/{file_type}/download/{domain_hash}/{resource_name}",
        "/{file_type}/{domain_hash}/{resource_name}",
    ];

    /// URLs and bare paths to placeholders, as a table: taken literally (encoded as sent), the
    /// query dropped, dot segments and encoded slashes refused.
    #[test]
    fn url_paths_fill_the_template_literally() {
        let ok: &[(&str, [&str; 3])] = &[
            (
                "https://acme.gorgias.com/api/attachment/download/Hna8kldnmlal/image.png",
                ["attachment", "Hna8kldnmlal", "image.png"],
            ),
            (
                "/api/attachment/download/Hna8kldnmlal/image.png",
                ["attachment", "Hna8kldnmlal", "image.png"],
            ),
            (
                "https://gorgias.io/attachments/abc123/file.png",
                ["attachments", "abc123", "file.png"],
            ),
            (
                "HTTPS://host/api/attachment/download/h/a%20b.png?x=1#f",
                ["attachment", "h", "a%20b.png"],
            ),
            (
                "//host/api/attachment/download/h/n/",
                ["attachment", "h", "n"],
            ),
            (
                "/api/attachment/download/h/a b é.png",
                ["attachment", "h", "a%20b%20%C3%A9.png"],
            ),
        ];
        for (url, want) in ok {
            let got =
                url_captures("a", "url", url, PATTERNS).unwrap_or_else(|e| panic!("{url}: {e}"));
            let values: Vec<&str> = got.iter().map(|(_, v)| v.as_str()).collect();
            assert_eq!(values, want, "{url}");
            let path = fill(PATTERNS[0], &got).unwrap();
            assert_eq!(
                path,
                format!("/api/{}/download/{}/{}", want[0], want[1], want[2])
            );
        }
        for bad in [
            "",
            "image.png",
            "ftp://host/api/attachment/download/h/n",
            "https:///api/attachment/download/h/n",
            "/api/attachment/download/h",
            "/api/attachment/upload/h/n",
            "/api/attachment/download/h/n/extra",
            "/api/attachment/download/../../account",
            "/api/attachment/download/h/%2e%2E",
            "/api/attachment/download/h%2F..%2Faccount/n",
            "/api/attachment/download/h/n%5c",
            "/api/attachment/download/h/n%0d%0a",
            "/api/attachment/download/h/n%zz",
            "/api/attachment/download//n",
            "/api/attachment/download/h/n\r\nHost: evil",
        ] {
            let e = url_captures("a", "url", bad, PATTERNS).expect_err(bad);
            let Error::InvalidInput { path, reason, .. } = &e else {
                panic!("{bad}: {e}")
            };
            assert_eq!(path, "url", "{bad}");
            assert!(
                reason.contains("url") || reason.contains("segment"),
                "{bad}: {reason}"
            );
        }
    }

    fn multipart(cap: u64) -> Multipart {
        Multipart {
            field: "files",
            max_total_bytes: cap,
        }
    }

    fn refused(items: Value, cap: u64) -> (String, String) {
        match Upload::check("upload", &multipart(cap), items) {
            Err(Error::InvalidInput { path, reason, .. }) => (path, reason),
            other => panic!("not refused: {other:?}"),
        }
    }

    /// Every bad file is refused before any request, naming its field and the fix.
    #[test]
    fn uploads_are_checked_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("a.txt");
        std::fs::write(&small, b"hello").unwrap();
        let small = small.display().to_string();
        let missing = dir.path().join("nope.txt").display().to_string();
        let folder = dir.path().display().to_string();
        let file = |extra: Value| {
            let mut v = json!({"name": "a", "content_type": "text/plain"});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            v
        };
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!([]), "files", "at least one"),
            (json!([file(json!({}))]), "files[0]", "give path"),
            (
                json!([file(json!({"path": small, "content_base64": "aGk="}))]),
                "files[0]",
                "keep one",
            ),
            (
                json!([file(json!({"path": small})), file(json!({"path": missing}))]),
                "files[1].path",
                "no file",
            ),
            (
                json!([file(json!({"path": folder}))]),
                "files[0].path",
                "directory",
            ),
            (
                json!([file(json!({"path": "/dev/null"}))]),
                "files[0].path",
                "not a regular file",
            ),
            (
                json!([file(json!({"content_base64": "not base64!"}))]),
                "files[0].content_base64",
                "base64",
            ),
            (
                json!([file(json!({"content_base64": "aGk=", "name": "a\"b"}))]),
                "files[0].name",
                "double quote",
            ),
            (
                json!([file(
                    json!({"content_base64": "aGk=", "filename": "a\r\nb"})
                )]),
                "files[0].filename",
                "control",
            ),
            (
                json!([file(
                    json!({"content_base64": "aGk=", "content_type": "no slash"})
                )]),
                "files[0].content_type",
                "media type",
            ),
            // 5 + 5 bytes over a cap of 8; and base64 refused by its length before decoding
            (
                json!([file(json!({"path": small})), file(json!({"path": small}))]),
                "files[1].path",
                "cap",
            ),
            (
                json!([file(json!({"content_base64": "A".repeat(400)}))]),
                "files[0].content_base64",
                "cap",
            ),
        ];
        for (items, field, words) in cases {
            let (path, reason) = refused(items.clone(), 8);
            assert_eq!(path, field, "{items}: {reason}");
            assert!(reason.contains(words), "{items}: {reason}");
        }
        let ok = Upload::check(
            "upload",
            &multipart(8),
            json!([
                file(json!({"path": small})),
                file(json!({"content_base64": "aG\nk="}))
            ]),
        )
        .unwrap();
        assert_eq!(ok.total_bytes(), 7);
        assert_eq!(
            ok.parts[0].filename, "a.txt",
            "the path's file name by default"
        );
        assert_eq!(ok.parts[1].filename, "a", "else the name");
        assert!(!format!("{ok:?}").contains("aGk"), "Debug shows no content");
    }

    #[tokio::test]
    async fn a_file_is_streamed_exactly_as_long_as_checked() {
        use futures::TryStreamExt as _;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![7u8; 200_000]).unwrap();
        let f = tokio::fs::File::open(&p).await.unwrap();
        let chunks: Vec<Bytes> = exactly(f, 150_000).try_collect().await.unwrap();
        assert_eq!(chunks.iter().map(Bytes::len).sum::<usize>(), 150_000);
        assert!(chunks.iter().all(|c| c.len() <= CHUNK));
        let f = tokio::fs::File::open(&p).await.unwrap();
        let shorter: std::io::Result<Vec<Bytes>> = exactly(f, 300_000).try_collect().await;
        assert_eq!(
            shorter.unwrap_err().kind(),
            std::io::ErrorKind::UnexpectedEof
        );
    }

    #[test]
    fn save_to_is_checked_before_sending() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("x.bin");
        std::fs::write(&existing, b"x").unwrap();
        let existing = existing.display().to_string();
        let nowhere = dir.path().join("no/such/dir/x.bin").display().to_string();
        let folder = dir.path().display().to_string();
        for (path, overwrite, words) in [
            (existing.as_str(), false, "already exists"),
            (nowhere.as_str(), false, "does not exist"),
            (folder.as_str(), true, "directory"),
        ] {
            let e = check_save_to("d", path, overwrite).expect_err(path);
            let Error::InvalidInput {
                path: f, reason, ..
            } = &e
            else {
                panic!("{e}")
            };
            assert_eq!(f, SAVE_TO);
            assert!(reason.contains(words), "{reason}");
        }
        assert!(check_save_to("d", &existing, true).is_ok());
        assert!(
            check_save_to(
                "d",
                &dir.path().join("new.bin").display().to_string(),
                false
            )
            .is_ok()
        );
    }

    #[tokio::test]
    async fn a_finished_download_replaces_only_with_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("t.bin");
        let (temp, mut f) = temp_beside(&target).await.unwrap();
        f.write_all(b"new").await.unwrap();
        f.flush().await.unwrap();
        drop(f);
        std::fs::write(&target, b"old").unwrap();
        let temp_path = temp.path.clone();
        let e = persist("d", temp, &target, false).expect_err("exists");
        assert!(e.to_string().contains("overwrite"), "{e}");
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert!(!temp_path.exists(), "the temporary file is removed");
        let (temp, mut f) = temp_beside(&target).await.unwrap();
        f.write_all(b"new").await.unwrap();
        f.flush().await.unwrap();
        drop(f);
        persist("d", temp, &target, true).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

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
