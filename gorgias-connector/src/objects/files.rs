//! Files: two actions, `upload_files` (`POST /api/upload`) and `download_private_file` (`GET
//! /api/{file_type}/download/{domain_hash}/{resource_name}`); no stream (Gorgias lists no
//! files). The toolkit's [`connector_http::transfer`] does the work.
//!
//! Sources: Gorgias's REST reference ("Upload files" and "Download a private file", paraphrased
//! by withone.ai's Gorgias pages), "The File object" (developers.gorgias.com/reference/the-file-object),
//! "The TicketMessage object" (attachments) and "Errors" (413), and benpalmer1/Gorgias-MCP-Server
//! `src/tools/files.ts`. No upload or download was recorded.
//!
//! * **Upload**: `multipart/form-data`, one part per file, the part's field name becoming the
//!   file's label (`name`); several files per request; an optional query `type`:
//!   `attachment` (the default, private), `public_attachment`, `profile_picture` or
//!   `widget_picture`. The answer is documented as **201** with an array of File objects
//!   `{content_type, name, size, url}`; the real status is **UNCONFIRMED** (every recorded
//!   create elsewhere answers 200): any 2xx is taken. `size` is documented an integer but the
//!   documented example is a string (`"784554"`): the output schema accepts both. A message
//!   then refers to the file by its `url` in its `attachments`.
//! * **Upload cap**: [`MAX_UPLOAD_BYTES`] (50 MiB) for all the files of one call, checked before
//!   any request; Gorgias's own limit is not documented and it answers **413** for oversize
//!   payloads, which the action reports with the fix (fewer or smaller files per call). An
//!   upload is a create: it is retried only after a 429 (refused before any effect).
//! * **Download**: the path comes from a private attachment's `url` with scheme and host
//!   stripped, segment by segment as written (`/api/attachment/download/Hna8kldnmlal/image.png`
//!   in the reference; benpalmer1/Gorgias-MCP-Server maps `https://gorgias.io/attachments/abc/file.png`
//!   to file type `attachments`: both forms are taken, the segments literally). Gorgias answers
//!   **307** to a signed, time-limited link; the action follows it only to [`FILE_HOSTS`] (and,
//!   for a loopback `base_url`, the sandbox's own address), never with the account's
//!   credentials, and refuses any other target naming its host. The file is written to
//!   `save_to` (never replacing a file unless `overwrite`) or returned as base64, up to
//!   `max_bytes` (default 10 MiB; at most 32 MiB inline, 1 GiB to a file).

use connector_http::action::{ActionDecl, Body, Reply};
use connector_http::client::Method;
use connector_http::list::StreamDecl;
use connector_http::transfer::{self, Download, Multipart, RedirectAllow};
use connector_sdk::ActionEffect;
use serde_json::{Value, json};

use crate::schema::*;

/// The OAuth scope resource of this module: `tickets:read` / `tickets:write`. The scopes page
/// (developers.gorgias.com/docs/oauth2-scopes) names no files scope; uploads become message
/// attachments, which the tickets scope covers ("tickets with their content"): UNCONFIRMED.
pub const SCOPE: &str = "tickets";

/// The most bytes the files of one `upload_files` call may come to: 50 MiB. Gorgias documents
/// no limit (it answers 413 for payloads too large); this cap keeps a mistaken call from
/// streaming gigabytes before being refused.
pub const MAX_UPLOAD_BYTES: u64 = 50 << 20;

/// The most files of one `upload_files` call.
pub const MAX_UPLOAD_FILES: u32 = 20;

/// The hosts a private file's redirect may lead to: Gorgias's own file hosts as its reference
/// shows them. `uploads.gorgias.io` serves files (the VoiceCallRecording object's `url`,
/// developers.gorgias.com/reference/the-voicecallrecording-object); `gorgias.io` is the host of
/// the File object's documented `url` (developers.gorgias.com/reference/the-file-object). Where
/// the signed link of a download really points is **UNCONFIRMED**: a redirect elsewhere is
/// refused with an error naming its host, which then belongs here once confirmed.
pub const FILE_HOSTS: &[&str] = &["uploads.gorgias.io", "gorgias.io"];

/// The path of a private file download, filled from the file's `url`.
const DOWNLOAD_PATH: &str = "/api/{file_type}/download/{domain_hash}/{resource_name}";

/// The forms a private attachment's `url` path takes: the download path itself (the
/// reference's example) and `/{file_type}/{domain_hash}/{resource_name}`
/// (benpalmer1/Gorgias-MCP-Server's reading of `https://gorgias.io/attachments/abc/file.png`).
const URL_PATHS: &[&str] = &[DOWNLOAD_PATH, "/{file_type}/{domain_hash}/{resource_name}"];

/// How private files are downloaded: from a `url` input, following redirects to [`FILE_HOSTS`].
pub const DOWNLOAD: Download = Download {
    url_field: Some("url"),
    url_paths: URL_PATHS,
    allow: RedirectAllow {
        hosts: FILE_HOSTS,
        loopback_base: true,
    },
    max_redirects: 5,
};

/// The upload types (`type` query parameter).
const TYPES: &[&str] = &[
    "attachment",
    "public_attachment",
    "profile_picture",
    "widget_picture",
];

/// A File object, as `POST /api/upload` answers.
pub fn record() -> Value {
    record_of(
        "File",
        &[
            ("content_type", describe(string(), "The file's media type.")),
            ("name", describe(string(), "The file's label: the form field name it was uploaded under.")),
            (
                "size",
                describe(
                    json!({"type": ["integer", "string"]}),
                    "The size in bytes; documented an integer, shown as a string in Gorgias's example.",
                ),
            ),
            ("url", describe(string(), "Where the file is; a private attachment's url is what download_private_file takes and what a message's attachments refer to.")),
        ],
        &["url"],
    )
}

/// No stream: Gorgias lists no files.
pub fn streams() -> Vec<StreamDecl> {
    Vec::new()
}

fn upload() -> ActionDecl {
    let output = json!({
        "$schema": connector_sdk::schema::DRAFT,
        "title": "Uploaded files",
        "type": "array",
        "items": strip_root(record()),
    });
    let mut types = one_of_strings(TYPES, false);
    types["default"] = json!("attachment");
    ActionDecl::new(
        "upload_files",
        "Upload files",
        "Uploads files (from local paths or base64) in one multipart request and returns Gorgias's File objects; a private attachment's url can then be put in a message's attachments. Not retried after a failure that may have reached Gorgias.",
        ActionEffect::Create,
        Method::Post,
        "/api/upload",
        input(
            "Upload files",
            &[
                (
                    "files",
                    field(
                        "Files",
                        transfer::file_parts(MAX_UPLOAD_FILES, MAX_UPLOAD_BYTES),
                        &format!("Each file's label (name), media type, and its bytes from a local path or base64: at most {MAX_UPLOAD_FILES} files and {} MiB ({MAX_UPLOAD_BYTES} bytes) per call.", MAX_UPLOAD_BYTES >> 20),
                    ),
                ),
                (
                    "type",
                    field(
                        "Type",
                        types,
                        "What the files are for: attachment (private, the default), public_attachment, profile_picture or widget_picture.",
                    ),
                ),
            ],
            &["files"],
        ),
        output,
    )
    .query(&["type"])
    .body(Body::Multipart(Multipart {
        field: "files",
        max_total_bytes: MAX_UPLOAD_BYTES,
    }))
}

fn download() -> ActionDecl {
    let mut fields = vec![(
        "url",
        field(
            "URL",
            json!({"type": "string", "minLength": 1, "maxLength": 2048}),
            "The private file's url as Gorgias gives it (a message attachment's url), e.g. https://acme.gorgias.com/api/attachment/download/Hna8kldnmlal/image.png, or its path.",
        ),
    )];
    fields.extend(transfer::download_fields());
    ActionDecl::new(
        "download_private_file",
        "Download a private file",
        "Downloads a private file (an attachment) by its url: writes it to save_to, or returns it as base64. Gorgias redirects to a signed, short-lived link; only Gorgias's file hosts are followed, and never with the account's credentials.",
        ActionEffect::Read,
        Method::Get,
        DOWNLOAD_PATH,
        input("Download a private file", &fields, &["url"]),
        transfer::download_output(),
    )
    .reply(Reply::Download(DOWNLOAD))
}

/// The file actions.
pub fn actions() -> Vec<ActionDecl> {
    vec![upload(), download()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_http::action::request_parts;
    use connector_sdk::validate::violations;

    fn find(name: &str) -> ActionDecl {
        actions().into_iter().find(|a| a.name == name).unwrap()
    }

    #[test]
    fn upload_is_a_create_sending_type_as_a_query_parameter() {
        let up = find("upload_files");
        assert!(!up.idempotent, "an upload is not retried after a failure");
        assert_eq!(up.effect, ActionEffect::Create);
        let (path, query, body) = request_parts(
            &up,
            json!({"type": "public_attachment", "files": [{"name": "a", "content_type": "text/plain", "content_base64": "aGk="}]}),
        )
        .unwrap();
        assert_eq!(path, "/api/upload");
        assert_eq!(query, vec![("type".into(), "public_attachment".into())]);
        assert!(body.unwrap().is_array(), "the files are the multipart field");
    }

    /// The documented answer, with `size` as an integer or as in the example, a string.
    #[test]
    fn the_upload_output_takes_both_documented_sizes() {
        let up = find("upload_files");
        for size in [json!(784554), json!("784554")] {
            let out = json!([{"content_type": "image/png", "name": "a.png", "size": size, "url": "https://gorgias.io/attachments/abc/a.png"}]);
            assert!(violations(&up.output, &out).unwrap().is_empty(), "{out}");
        }
    }

    #[test]
    fn download_follows_only_gorgias_file_hosts() {
        let d = find("download_private_file");
        assert_eq!(d.reply, Reply::Download(DOWNLOAD));
        assert!(d.idempotent && d.effect == ActionEffect::Read);
        assert_eq!(d.output, transfer::download_output());
        let api: url::Url = "https://acme.gorgias.com/api/attachment/download/h/n".parse().unwrap();
        for (target, ok) in [
            ("https://uploads.gorgias.io/h/n?Signature=x", true),
            ("https://gorgias.io/attachments/h/n", true),
            ("https://acme.gorgias.com/x", false),
            ("https://storage.example.com/h/n", false),
            ("http://uploads.gorgias.io/h/n", false),
        ] {
            let got = transfer::redirect_allowed(&DOWNLOAD.allow, &api, &target.parse().unwrap());
            assert_eq!(got.is_ok(), ok, "{target}: {got:?}");
        }
    }

    #[test]
    fn both_url_forms_give_the_download_path() {
        for url in [
            "https://acme.gorgias.com/api/attachment/download/Hna8kldnmlal/image.png",
            "/api/attachment/download/Hna8kldnmlal/image.png",
        ] {
            let c = transfer::url_captures("d", "url", url, URL_PATHS).unwrap();
            assert_eq!(c[0], ("file_type".into(), "attachment".into()), "{url}");
        }
        let c = transfer::url_captures("d", "url", "https://gorgias.io/attachments/abc/file.png", URL_PATHS).unwrap();
        assert_eq!(
            c,
            vec![
                ("file_type".into(), "attachments".into()),
                ("domain_hash".into(), "abc".into()),
                ("resource_name".into(), "file.png".into())
            ]
        );
    }
}
