//! Files: `POST /api/upload` (multipart) and the private download `GET
//! /api/attachment/download/{domain_hash}/{resource_name}`, with the signed links it redirects
//! to. No records: files live in memory beside the account's data, bounded.
//!
//! * **Upload** (Gorgias's REST reference "Upload files", paraphrased by withone.ai; "The File
//!   object"): `multipart/form-data`, one part per file, the part's field name becoming the
//!   file's label (`name`); several files per request; query `type` ∈ `attachment` (default,
//!   private), `public_attachment`, `profile_picture`, `widget_picture` (another value is a 400
//!   naming `type`). Answers the documented **201** with an array of File objects
//!   `{content_type, name, size, url}`, `size` an integer (the documented type; the example's
//!   string form is not imitated). The real status and Gorgias's own size limit are
//!   UNCONFIRMED. Here: at most [`MAX_UPLOAD_BYTES`] of body per request, else **413** with a
//!   Gorgias-shaped error (413 for oversize payloads is documented under "Errors"); no part at
//!   all is a 400; a body that is not multipart is a 400.
//! * **Where files go**: a private attachment's `url` is `<base>/api/attachment/download/<domain
//!   hash>/<resource name>` (the form of the reference's "Download a private file" example,
//!   `/api/attachment/download/Hna8kldnmlal/image-….png`), the domain hash fixed per account
//!   and the resource name the file's name with a random suffix; public files are served at
//!   `<base>/uploads/<domain hash>/<resource name>` without credentials. The base is the
//!   request's own host.
//! * **Download**: with the account's credentials (like every `/api` endpoint), answers **307**
//!   to a signed link on the sandbox, `<base>/signed/<hash>/<name>?expires=<unix
//!   seconds>&signature=<hex>`, valid [`LINK_TTL_SECS`] seconds, as the reference documents ("a
//!   307 redirect to a signed, time-limited URL"). The signed link needs no credentials,
//!   serves the bytes with their content type, and answers **403** to a bad or expired
//!   signature (a storage host's XML error), 404 to a file it does not hold. Another account's
//!   domain hash or an unknown file is a 404 on the download.
//! * **Bounds**: per account at most [`MAX_STORED_BYTES`] and [`MAX_STORED_FILES`]; the oldest
//!   files are dropped first (their links then answer 404).

use std::collections::VecDeque;
use std::hash::BuildHasher as _;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::server::{AppState, Ctx};
use crate::store::AccountData;

/// The most body bytes one upload request may carry: 20 MiB (the sandbox's own choice;
/// Gorgias documents none).
pub const MAX_UPLOAD_BYTES: usize = 20 << 20;
/// How much of an oversize upload is read (and dropped) before answering 413, so a client that
/// is still sending sees the answer rather than a reset connection.
const DRAIN_BYTES: usize = 4 * MAX_UPLOAD_BYTES;
/// The most bytes of files one account holds: 64 MiB.
pub const MAX_STORED_BYTES: usize = 64 << 20;
/// The most files one account holds.
pub const MAX_STORED_FILES: usize = 1000;
/// How long a signed download link stays valid, in seconds.
pub const LINK_TTL_SECS: u64 = 60;

/// The upload types and whether each is private.
const TYPES: &[(&str, bool)] = &[
    ("attachment", true),
    ("public_attachment", false),
    ("profile_picture", false),
    ("widget_picture", false),
];

/// One stored file.
#[derive(Debug, Clone)]
struct StoredFile {
    resource: String,
    private: bool,
    content_type: String,
    data: Bytes,
}

/// An account's files, oldest first.
#[derive(Debug, Default)]
pub struct FileStore {
    files: VecDeque<StoredFile>,
    bytes: usize,
}

impl FileStore {
    fn insert(&mut self, f: StoredFile) {
        self.bytes += f.data.len();
        self.files.push_back(f);
        while self.bytes > MAX_STORED_BYTES || self.files.len() > MAX_STORED_FILES {
            match self.files.pop_front() {
                Some(old) => self.bytes -= old.data.len(),
                None => break,
            }
        }
    }

    fn get(&self, resource: &str) -> Option<&StoredFile> {
        self.files.iter().find(|f| f.resource == resource)
    }
}

/// The `/api` routes (behind the pipeline: credentials, rate limit, faults).
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/upload",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/attachment/download/{domain_hash}/{resource_name}",
            get(download),
        )
}

/// The routes that need no credentials: signed links and public files.
pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/signed/{domain_hash}/{resource_name}", get(signed))
        .route("/uploads/{domain_hash}/{resource_name}", get(public))
}

/// An account's fixed domain hash: 12 letters and digits derived from its subdomain.
pub fn domain_hash(subdomain: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    // FNV-1a: stable across runs and builds.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in subdomain.to_ascii_lowercase().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..12)
        .map(|_| {
            let c = ALPHABET[(h % 62) as usize] as char;
            h = (h / 62) ^ h.rotate_left(17);
            c
        })
        .collect()
}

/// `http://<Host>`: the address the caller used.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

/// A resource name: the file's name made URL-safe, with a random suffix before its extension.
fn resource_name(data: &mut AccountData, file_name: &str) -> String {
    let clean: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .take(100)
        .collect();
    let clean = clean.trim_matches('.');
    let clean = if clean.is_empty() { "file" } else { clean };
    let suffix: String = data.uuid().chars().filter(|c| *c != '-').take(12).collect();
    match clean.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{suffix}.{ext}"),
        _ => format!("{clean}-{suffix}"),
    }
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("Request entity too large: uploads are limited to {MAX_UPLOAD_BYTES} bytes."),
    )
}

/// One part read from the form.
struct Part {
    label: String,
    file_name: String,
    content_type: String,
    data: Vec<u8>,
}

/// Reads every part, at most [`MAX_UPLOAD_BYTES`] in all; an oversize body is drained up to
/// [`DRAIN_BYTES`] and refused with 413.
async fn read_parts(form: &mut Multipart) -> Result<Vec<Part>, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::bad_request(format!("Invalid multipart body: {}.", e.body_text()))
    };
    let mut parts = Vec::new();
    let mut total = 0usize;
    let mut over = false;
    while let Some(mut field) = form.next_field().await.map_err(bad)? {
        let label = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().unwrap_or(&label).to_owned();
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let mut data = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            total += chunk.len();
            if total > DRAIN_BYTES {
                return Err(too_large());
            }
            over |= total > MAX_UPLOAD_BYTES;
            if !over {
                data.extend_from_slice(&chunk);
            }
        }
        if !over {
            parts.push(Part {
                label,
                file_name,
                content_type,
                data,
            });
        }
    }
    if over {
        return Err(too_large());
    }
    Ok(parts)
}

#[derive(Debug, serde::Deserialize)]
struct UploadQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// `POST /api/upload`.
async fn upload(
    ctx: Ctx,
    headers: HeaderMap,
    uri: Uri,
    form: Result<Multipart, MultipartRejection>,
) -> Response {
    match upload_inner(ctx, &headers, &uri, form).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn upload_inner(
    ctx: Ctx,
    headers: &HeaderMap,
    uri: &Uri,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let query: UploadQuery = Query::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or(UploadQuery { kind: None });
    let kind = query.kind.unwrap_or_else(|| "attachment".into());
    let private = TYPES
        .iter()
        .find(|(t, _)| *t == kind)
        .map(|(_, p)| *p)
        .ok_or_else(|| {
            ApiError::bad_param(
                "type",
                "Must be one of: attachment, public_attachment, profile_picture, widget_picture.",
            )
        })?;
    if headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|n| n > DRAIN_BYTES)
    {
        return Err(too_large());
    }
    let mut form = form.map_err(|_| {
        ApiError::bad_request("The request must be multipart/form-data with one part per file.")
    })?;
    let parts = read_parts(&mut form).await?;
    if parts.is_empty() {
        return Err(ApiError::bad_request("No file was uploaded.")
            .with_field("files", "At least one file is required."));
    }
    let base = origin(headers);
    let sub = ctx.account.creds.subdomain.clone();
    let hash = domain_hash(&sub);
    let mut out = Vec::with_capacity(parts.len());
    let mut data = ctx.account.write();
    for p in parts {
        let resource = resource_name(&mut data, &p.file_name);
        let url = if private {
            format!("{base}/api/attachment/download/{hash}/{resource}")
        } else {
            format!("{base}/uploads/{hash}/{resource}")
        };
        out.push(json!({
            "content_type": p.content_type,
            "name": p.label,
            "size": p.data.len(),
            "url": url,
        }));
        data.ext_mut::<FileStore>().insert(StoredFile {
            resource,
            private,
            content_type: p.content_type,
            data: Bytes::from(p.data),
        });
    }
    drop(data);
    Ok(crate::http::json(StatusCode::CREATED, &Value::Array(out)))
}

/// The signing keys of this process's links.
fn keys() -> &'static (std::hash::RandomState, std::hash::RandomState) {
    static KEYS: OnceLock<(std::hash::RandomState, std::hash::RandomState)> = OnceLock::new();
    KEYS.get_or_init(|| (std::hash::RandomState::new(), std::hash::RandomState::new()))
}

/// The signature of a link: two keyed SipHash values over its parts.
pub fn signature(domain_hash: &str, resource: &str, expires: u64) -> String {
    let msg = format!("{domain_hash}\n{resource}\n{expires}");
    let (a, b) = keys();
    format!("{:016x}{:016x}", a.hash_one(&msg), b.hash_one(&msg))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether a link's signature and expiry hold at `now`.
pub fn link_valid(domain_hash: &str, resource: &str, expires: u64, sig: &str, now: u64) -> bool {
    now <= expires && signature(domain_hash, resource, expires) == sig
}

/// `GET /api/attachment/download/{domain_hash}/{resource_name}`: 307 to a signed link.
async fn download(
    ctx: Ctx,
    headers: HeaderMap,
    Path((hash, resource)): Path<(String, String)>,
) -> Response {
    if hash != domain_hash(&ctx.account.creds.subdomain) {
        return ApiError::not_found().into_response();
    }
    let known = ctx
        .account
        .read()
        .ext::<FileStore>()
        .is_some_and(|s| s.get(&resource).is_some());
    if !known {
        return ApiError::not_found().into_response();
    }
    let expires = unix_now() + LINK_TTL_SECS;
    let sig = signature(&hash, &resource, expires);
    let location = format!(
        "{}/signed/{hash}/{resource}?expires={expires}&signature={sig}",
        origin(&headers)
    );
    let mut r = StatusCode::TEMPORARY_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml; charset=UTF-8"),
    );
    r
}

/// The file `resource` of the account whose domain hash is `hash`.
fn find(app: &AppState, hash: &str, resource: &str) -> Option<StoredFile> {
    app.accounts
        .iter()
        .find(|a| domain_hash(&a.creds.subdomain) == hash)
        .and_then(|a| a.read().ext::<FileStore>()?.get(resource).cloned())
}

fn serve(f: StoredFile) -> Response {
    let mut r = (StatusCode::OK, f.data).into_response();
    let ct = HeaderValue::from_str(&f.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    r.headers_mut().insert(header::CONTENT_TYPE, ct);
    r
}

#[derive(Debug, serde::Deserialize)]
struct LinkQuery {
    expires: Option<String>,
    signature: Option<String>,
}

/// `GET /signed/{domain_hash}/{resource_name}?expires=..&signature=..` (no credentials).
async fn signed(
    State(app): State<AppState>,
    Path((hash, resource)): Path<(String, String)>,
    uri: Uri,
) -> Response {
    let q: LinkQuery = Query::try_from_uri(&uri).map_or(
        LinkQuery {
            expires: None,
            signature: None,
        },
        |q| q.0,
    );
    let (Some(expires), Some(sig)) = (q.expires.and_then(|e| e.parse::<u64>().ok()), q.signature)
    else {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "Missing expires or signature.",
        );
    };
    if signature(&hash, &resource, expires) != sig {
        return storage_error(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "The request signature does not match.",
        );
    }
    if !link_valid(&hash, &resource, expires, &sig, unix_now()) {
        return storage_error(
            StatusCode::FORBIDDEN,
            "ExpiredToken",
            "Request has expired.",
        );
    }
    match find(&app, &hash, &resource) {
        Some(f) => serve(f),
        None => storage_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

/// `GET /uploads/{domain_hash}/{resource_name}`: a public file (no credentials).
async fn public(
    State(app): State<AppState>,
    Path((hash, resource)): Path<(String, String)>,
) -> Response {
    match find(&app, &hash, &resource).filter(|f| !f.private) {
        Some(f) => serve(f),
        None => storage_error(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_expire_and_are_bound_to_their_file() {
        let now = 1_000_000;
        let sig = signature("H", "a.png", now + 60);
        assert!(link_valid("H", "a.png", now + 60, &sig, now));
        assert!(link_valid("H", "a.png", now + 60, &sig, now + 60));
        assert!(
            !link_valid("H", "a.png", now + 60, &sig, now + 61),
            "expired"
        );
        assert!(
            !link_valid("H", "b.png", now + 60, &sig, now),
            "another file"
        );
        assert!(
            !link_valid("G", "a.png", now + 60, &sig, now),
            "another account"
        );
        assert!(
            !link_valid("H", "a.png", now + 120, &sig, now),
            "a later expiry"
        );
    }

    #[test]
    fn domain_hashes_are_stable_and_distinct() {
        let a = domain_hash("acme");
        assert_eq!(a.len(), 12);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(a, domain_hash("ACME"));
        assert_ne!(a, domain_hash("globex"));
    }

    #[test]
    fn the_store_drops_the_oldest_files_first() {
        let mut s = FileStore::default();
        let file = |name: &str, len: usize| StoredFile {
            resource: name.into(),
            private: true,
            content_type: "x/y".into(),
            data: Bytes::from(vec![0u8; len]),
        };
        s.insert(file("a", MAX_STORED_BYTES / 2));
        s.insert(file("b", MAX_STORED_BYTES / 2));
        s.insert(file("c", 1));
        assert!(s.get("a").is_none() && s.get("b").is_some() && s.get("c").is_some());
        assert!(s.bytes <= MAX_STORED_BYTES);
    }
}
