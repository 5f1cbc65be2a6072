//! End-to-end tests of `files` against the sandbox: uploads from a local file and from base64
//! (several per call), private downloads by the returned url, as base64 and to a path, byte
//! for byte; the sandbox's side of the contract (credentials on `/api`, none on signed links,
//! 307, 403 for bad signatures, 400 and 413); and input refused before any request.

use base64::Engine as _;
use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, FaultKind, FaultPlan, FaultRule, FaultTrigger, SandboxHandle};
use serde_json::{Value, json};

use crate::common;

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(10))
}

/// Bytes that are not all alike, so a shifted or cut copy cannot pass.
fn pattern(n: usize, seed: u8) -> Vec<u8> {
    (0..n)
        .map(|i| (i as u64 * 31 + u64::from(seed)).wrapping_mul(2_654_435_761) as u8)
        .collect()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn unb64(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().expect("content_base64 is a string"))
        .expect("valid base64")
}

fn requests(sandbox: &SandboxHandle) -> u64 {
    sandbox
        .stats()
        .accounts
        .values()
        .map(|a| a.total_requests)
        .sum()
}

#[tokio::test]
async fn files_are_uploaded_and_downloaded_byte_for_byte() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let dir = tempfile::tempdir().expect("temp dir");
    let on_disk = pattern(300_000, 1);
    let local = dir.path().join("report.bin");
    std::fs::write(&local, &on_disk).expect("write");
    let inline = pattern(5_000, 2);

    let out = common::run(
        c,
        "upload_files",
        json!({"files": [
            {"name": "report.bin", "content_type": "application/octet-stream", "path": local.display().to_string()},
            {"name": "note label é", "content_type": "text/plain", "content_base64": b64(&inline), "filename": "note.txt"},
        ]}),
    )
    .await;
    let files = out.as_array().expect("an array of File objects");
    assert_eq!(files.len(), 2, "{out}");
    assert_eq!(files[0]["name"], "report.bin");
    assert_eq!(
        files[1]["name"], "note label é",
        "the field name is the label, UTF-8 kept"
    );
    assert_eq!(files[0]["size"], json!(on_disk.len()));
    assert_eq!(files[1]["content_type"], "text/plain");
    for f in files {
        let url = f["url"].as_str().expect("url");
        assert!(
            url.contains("/api/attachment/download/"),
            "a private url: {url}"
        );
    }

    // As base64, by the url as given.
    let got = common::run(c, "download_private_file", json!({"url": files[0]["url"]})).await;
    assert_eq!(unb64(&got["content_base64"]), on_disk);
    assert_eq!(got["size"], json!(on_disk.len()));
    assert_eq!(got["content_type"], "application/octet-stream");

    // To a path, by the url's path alone.
    let url = files[1]["url"].as_str().unwrap();
    let path_only = &url[url.find("/api/").expect("an /api/ path")..];
    let target = dir.path().join("out").join("note.txt");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let saved = common::run(
        c,
        "download_private_file",
        json!({"url": path_only, "save_to": target.display().to_string()}),
    )
    .await;
    assert_eq!(std::fs::read(&target).expect("saved"), inline);
    assert_eq!(saved["path"], json!(target.display().to_string()));
    assert_eq!(saved["size"], json!(inline.len()));
    assert_eq!(saved["content_type"], "text/plain");
    assert!(saved.get("content_base64").is_none());

    // An existing file is kept unless `overwrite`.
    let again = json!({"url": files[0]["url"], "save_to": target.display().to_string()});
    let e = c
        .run_action("download_private_file", again.clone())
        .await
        .expect_err("the file exists");
    assert!(
        matches!(&e, Error::InvalidInput { path, .. } if path == "save_to"),
        "{e}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), inline, "untouched");
    let mut again = again;
    again["overwrite"] = json!(true);
    common::run(c, "download_private_file", again).await;
    assert_eq!(std::fs::read(&target).unwrap(), on_disk, "replaced");
    let names: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["note.txt"], "no temporary file left behind");
}

#[tokio::test]
async fn a_file_over_max_bytes_is_refused_and_nothing_is_kept() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let out = common::run(
        c,
        "upload_files",
        json!({"files": [{"name": "big", "content_type": "image/png", "content_base64": b64(&pattern(4_096, 3))}]}),
    )
    .await;
    let url = out[0]["url"].clone();
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.png");
    for input in [
        json!({"url": url, "max_bytes": 1_000}),
        json!({"url": url, "max_bytes": 1_000, "save_to": target.display().to_string()}),
    ] {
        let e = c
            .run_action("download_private_file", input.clone())
            .await
            .expect_err("over max_bytes");
        let Error::InvalidInput { path, reason, .. } = &e else {
            panic!("{input}: {e}")
        };
        assert_eq!(path, "max_bytes", "{e}");
        assert!(reason.contains("1000"), "{reason}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing kept"
    );
    let fits = common::run(
        c,
        "download_private_file",
        json!({"url": url, "max_bytes": 4_096}),
    )
    .await;
    assert_eq!(fits["size"], 4_096);
}

#[tokio::test]
async fn public_uploads_are_served_without_credentials() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let bytes = pattern(1_000, 4);
    let out = common::run(
        c,
        "upload_files",
        json!({"type": "public_attachment", "files": [{"name": "logo.png", "content_type": "image/png", "content_base64": b64(&bytes)}]}),
    )
    .await;
    let url = out[0]["url"].as_str().unwrap();
    assert!(!url.contains("/api/"), "a public url: {url}");
    let r = reqwest::get(url).await.expect("get");
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

/// Every bad file and download input is refused before any request, naming the field.
#[tokio::test]
async fn bad_transfer_input_is_refused_before_any_request() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.txt");
    std::fs::write(&ok, b"ok").unwrap();
    let ok = ok.display().to_string();
    let missing = dir.path().join("missing.txt").display().to_string();
    let f = |extra: Value| {
        let mut v = json!({"name": "a", "content_type": "text/plain"});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    // A sparse file over the 50 MiB cap: nothing of it is read.
    let huge = dir.path().join("huge.bin");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(gorgias_connector::objects::files::MAX_UPLOAD_BYTES + 1)
        .unwrap();
    let before = requests(&env.sandbox);
    let cases = [
        (
            "upload_files",
            json!({"files": [f(json!({"path": ok})), f(json!({"path": missing}))]}),
            "files[1].path",
        ),
        (
            "upload_files",
            json!({"files": [f(json!({"path": dir.path().display().to_string()}))]}),
            "files[0].path",
        ),
        (
            "upload_files",
            json!({"files": [f(json!({"content_base64": "%%%"}))]}),
            "files[0].content_base64",
        ),
        ("upload_files", json!({"files": [f(json!({}))]}), "files[0]"),
        (
            "upload_files",
            json!({"files": [f(json!({"path": huge.display().to_string()}))]}),
            "files[0].path",
        ),
        ("upload_files", json!({"files": []}), "files"),
        (
            "upload_files",
            json!({"files": [f(json!({"path": ok}))], "type": "secret"}),
            "type",
        ),
        (
            "download_private_file",
            json!({"url": "/api/account"}),
            "url",
        ),
        (
            "download_private_file",
            json!({"url": "/api/attachment/download/../../account/x"}),
            "url",
        ),
        (
            "download_private_file",
            json!({"url": "/api/attachment/download/h/n", "max_bytes": 64u64 << 20}),
            "max_bytes",
        ),
        (
            "download_private_file",
            json!({"url": "/api/attachment/download/h/n", "save_to": ok}),
            "save_to",
        ),
        (
            "download_private_file",
            json!({"url": "/api/attachment/download/h/n", "save_to": dir.path().join("no/dir/x").display().to_string()}),
            "save_to",
        ),
    ];
    for (action, input, field) in cases {
        let e = c
            .run_action(action, input.clone())
            .await
            .expect_err("refused");
        let Error::InvalidInput { path, reason, .. } = &e else {
            panic!("{action} {input}: {e}")
        };
        assert_eq!(path, field, "{action} {input}: {reason}");
    }
    assert_eq!(
        requests(&env.sandbox),
        before,
        "no request reached the sandbox"
    );
}

#[tokio::test]
async fn an_upload_over_the_sandbox_limit_is_a_413_and_not_retried() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(gorgias_sandbox::objects::files::MAX_UPLOAD_BYTES as u64 + 1)
        .unwrap();
    let before = requests(&env.sandbox);
    let e = c
        .run_action(
            "upload_files",
            json!({"files": [{"name": "big", "content_type": "application/octet-stream", "path": big.display().to_string()}]}),
        )
        .await
        .expect_err("too large for the sandbox");
    let Error::Upstream { status, message } = &e else {
        panic!("{e}")
    };
    assert_eq!(*status, 413);
    assert!(message.contains("fewer or smaller"), "{message}");
    assert_eq!(requests(&env.sandbox), before + 1, "a create is sent once");
}

/// The sandbox's side, spoken to directly: `/api` needs the account's credentials, the signed
/// link does not, a tampered link is a 403, and bad uploads are 400s.
#[tokio::test]
async fn the_sandbox_redirects_to_signed_links_that_need_no_credentials() {
    let env = common::start_with(small()).await;
    let a = &env.sandbox.accounts()[0];
    let base = env.sandbox.base_url();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let auth = |r: reqwest::RequestBuilder| r.basic_auth(&a.email, Some(&a.api_key));
    let form = || {
        reqwest::multipart::Form::new().part(
            "hello.txt",
            reqwest::multipart::Part::bytes(b"hello".to_vec())
                .file_name("hello.txt")
                .mime_str("text/plain")
                .unwrap(),
        )
    };

    let anonymous = http
        .post(format!("{base}/api/upload"))
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let up = auth(http.post(format!("{base}/api/upload")))
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 201, "the documented status");
    let files: Value = up.json().await.unwrap();
    assert_eq!(files[0]["name"], "hello.txt");
    assert_eq!(files[0]["size"], 5);
    let url = files[0]["url"].as_str().unwrap().to_string();

    assert_eq!(
        http.get(&url).send().await.unwrap().status(),
        401,
        "the download needs credentials"
    );
    let redirect = auth(http.get(&url)).send().await.unwrap();
    assert_eq!(redirect.status(), 307);
    let location = redirect.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("signature=") && location.contains("expires="),
        "{location}"
    );
    let signed = http.get(&location).send().await.unwrap();
    assert_eq!(signed.status(), 200, "the signed link needs no credentials");
    assert_eq!(signed.headers()["content-type"], "text/plain");
    assert_eq!(signed.bytes().await.unwrap().as_ref(), b"hello");

    let tampered = location.replace("signature=", "signature=0");
    assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    let later = location.replace("expires=", "expires=9");
    assert_eq!(
        http.get(&later).send().await.unwrap().status(),
        403,
        "the expiry is signed"
    );
    let unsigned = &location[..location.find('?').unwrap()];
    assert_eq!(http.get(unsigned).send().await.unwrap().status(), 403);

    let other = url.replace("/download/", "/download/x");
    assert_eq!(auth(http.get(&other)).send().await.unwrap().status(), 404);

    let empty = auth(http.post(format!("{base}/api/upload")))
        .multipart(reqwest::multipart::Form::new())
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 400, "no file parts");
    let not_multipart = auth(http.post(format!("{base}/api/upload")))
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_multipart.status(), 400);
    let bad_type = auth(http.post(format!("{base}/api/upload?type=secret")))
        .multipart(form())
        .send()
        .await
        .unwrap();
    assert_eq!(bad_type.status(), 400);
    let body: Value = bad_type.json().await.unwrap();
    assert!(body["error"]["data"]["type"].is_array(), "{body}");
}

#[tokio::test]
async fn an_unknown_private_file_is_not_found() {
    let env = common::start_with(small()).await;
    let e = env
        .connector
        .run_action(
            "download_private_file",
            json!({"url": format!("{}/api/attachment/download/nope/missing.png", env.sandbox.base_url())}),
        )
        .await
        .expect_err("no such file");
    assert!(matches!(e, Error::NotFound { .. }), "{e}");
}

/// An upload is a create: a 429 (refused before any effect) is retried, its body rebuilt from
/// the file; a 500 (which may have stored the files) is not.
#[tokio::test]
async fn an_upload_is_retried_after_a_429_only() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = env.sandbox.accounts()[0].subdomain.clone();
    let uploads = || env.sandbox.stats().account(&sub).route("POST /api/upload");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("a.bin");
    let bytes = pattern(70_000, 5);
    std::fs::write(&local, &bytes).unwrap();
    let input = json!({"files": [{"name": "a.bin", "content_type": "application/octet-stream", "path": local.display().to_string()}]});
    let on_upload = |trigger, fault| {
        FaultPlan::single(
            FaultRule::new(trigger, fault)
                .route_prefix("/api/upload")
                .method("POST"),
        )
    };

    env.sandbox.set_faults(on_upload(
        FaultTrigger::OnRequests(vec![1]),
        FaultKind::RateLimitBurst {
            count: 1,
            retry_after_secs: 0,
        },
    ));
    let out = common::run(c, "upload_files", input.clone()).await;
    assert_eq!(uploads(), 2, "the 429 was retried");
    let got = common::run(c, "download_private_file", json!({"url": out[0]["url"]})).await;
    assert_eq!(
        unb64(&got["content_base64"]),
        bytes,
        "the retried body is whole"
    );

    env.sandbox.set_faults(on_upload(
        FaultTrigger::Always,
        FaultKind::Status { status: 500 },
    ));
    let e = c
        .run_action("upload_files", input)
        .await
        .expect_err("a 500");
    assert!(matches!(e, Error::Upstream { status: 500, .. }), "{e}");
    assert_eq!(uploads(), 3, "a 500 on a create is not retried");
}

/// The request on the wire, against wiremock: one multipart part per file with its field
/// name, file name and type, a `Content-Length`, the account's credentials and `type` as a
/// query parameter; the answer is taken as 201 (documented) or 200 (what other creates
/// answer), `size` as an integer or a string.
#[tokio::test]
async fn the_upload_request_is_multipart_and_200_or_201_is_taken() {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    for status in [201u16, 200] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/upload"))
            .and(query_param("type", "profile_picture"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!([
                {"content_type": "image/png", "name": "résumé", "size": "3", "url": "https://uploads.gorgias.io/x/r.png"},
                {"content_type": "text/plain", "name": "b", "size": 2, "url": "https://uploads.gorgias.io/x/b.txt"},
            ])))
            .expect(1)
            .mount(&server)
            .await;
        let connector = connector_sdk::DefinitionExt::connect(
            &common::definition(),
            &json!({
                "subdomain": "acme",
                "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "KEY-1"},
                "base_url": server.uri(),
            }),
        )
        .expect("config");
        let out = common::run(
            connector.as_ref(),
            "upload_files",
            json!({"type": "profile_picture", "files": [
                {"name": "résumé", "content_type": "image/png", "content_base64": b64(b"PNG"), "filename": "r.png"},
                {"name": "b", "content_type": "text/plain", "content_base64": b64(b"hi")},
            ]}),
        )
        .await;
        assert_eq!(out[0]["size"], "3");
        let seen = server.received_requests().await.unwrap();
        let r = &seen[0];
        assert!(r.headers.contains_key("authorization"));
        let ct = r.headers["content-type"].to_str().unwrap();
        let boundary = ct
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap_or_else(|| panic!("{ct}"));
        assert_eq!(
            r.headers["content-length"].to_str().unwrap(),
            r.body.len().to_string()
        );
        let body = String::from_utf8_lossy(&r.body);
        assert_eq!(
            body.matches(&format!("--{boundary}\r\n")).count(),
            2,
            "{body}"
        );
        assert!(body.contains("Content-Disposition: form-data; name=\"résumé\"; filename=\"r.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n"), "{body}");
        assert!(
            body.contains("name=\"b\"; filename=\"b\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n"),
            "{body}"
        );
    }
}
