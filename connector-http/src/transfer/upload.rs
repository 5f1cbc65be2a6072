//! Multipart uploads: the files of one input field, checked before any request, then streamed
//! (files from disk, base64 decoded once) as one `multipart/form-data` body per attempt.

use std::path::PathBuf;

use base64::Engine as _;
use bytes::Bytes;
use connector_sdk::redact::excerpt;
use connector_sdk::{Error, Result};
use serde_json::Value;
use tokio::io::AsyncReadExt as _;

use super::{CHUNK, Multipart, Payload, fields_of, invalid, mib};
use crate::action::{ActionDecl, request_parts_for};
use crate::client::{Client, RetryPolicy};

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
    pub(super) async fn form(&self) -> Result<reqwest::multipart::Form> {
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

/// Sends an upload action: checks its files, then one multipart request (a create: retried
/// only after a 429, unless declared idempotent).
pub(super) async fn run(
    decl: &ActionDecl,
    m: &Multipart,
    client: &Client,
    input: Value,
) -> Result<Value> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        #[rustfmt::skip]
        let cases: Vec<(Value, &str, &str)> = vec![
            (json!([]), "files", "at least one"),
            (json!([file(json!({}))]), "files[0]", "give path"),
            (json!([file(json!({"path": small, "content_base64": "aGk="}))]), "files[0]", "keep one"),
            (json!([file(json!({"path": small})), file(json!({"path": missing}))]), "files[1].path", "no file"),
            (json!([file(json!({"path": folder}))]), "files[0].path", "directory"),
            (json!([file(json!({"path": "/dev/null"}))]), "files[0].path", "not a regular file"),
            (json!([file(json!({"content_base64": "not base64!"}))]), "files[0].content_base64", "base64"),
            (json!([file(json!({"content_base64": "aGk=", "name": "a\"b"}))]), "files[0].name", "double quote"),
            (json!([file(json!({"content_base64": "aGk=", "filename": "a\r\nb"}))]), "files[0].filename", "control"),
            (json!([file(json!({"content_base64": "aGk=", "content_type": "no slash"}))]), "files[0].content_type", "media type"),
            // 5 + 5 bytes over a cap of 8; and base64 refused by its length before decoding
            (json!([file(json!({"path": small})), file(json!({"path": small}))]), "files[1].path", "cap"),
            (json!([file(json!({"content_base64": "A".repeat(400)}))]), "files[0].content_base64", "cap"),
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
}
