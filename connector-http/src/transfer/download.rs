//! Downloads: the API's answer (the file, or a redirect to it), redirects followed only where
//! [`super::links::redirect_allowed`] says, without credentials, and the body streamed into a
//! file (through a temporary file beside it) or a bounded buffer.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use connector_sdk::redact::excerpt;
use connector_sdk::{Error, Result};
use reqwest::header::{ACCEPT, CONTENT_TYPE, LOCATION};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

use super::links::{fill, redirect_allowed, shown, url_captures};
use super::{
    DEFAULT_MAX_BYTES, Download, MAX_BYTES, MAX_INLINE_BYTES, MAX_SAVED_BYTES, OVERWRITE, Payload,
    RedirectAllow, SAVE_TO, fields_of, invalid, mib,
};
use crate::action::{ActionDecl, request_parts_for};
use crate::client::{Client, Method, Response, RetryPolicy, transport};

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
                let declared = response.content_length().unwrap_or(0).min(self.max_bytes);
                let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
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

/// Sends a download action: checks `save_to` and `max_bytes`, fills the path from the URL,
/// then one GET (retried as a read: each attempt asks for a fresh link).
pub(super) async fn run(
    decl: &ActionDecl,
    d: &Download,
    client: &Client,
    input: Value,
) -> Result<Value> {
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
}
