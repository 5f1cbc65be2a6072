//! A secret canary: every command of the binary (spec, check, discover, read, action, schemas),
//! succeeding and failing (bad credentials, invalid config, invalid input, upstream errors),
//! runs with `RUST_LOG=trace` and canary credentials. Neither the canaries nor the sandbox's
//! real credentials (in clear or in their Basic-auth encoding) may appear in stdout, stderr,
//! logs, errors, Debug output, written schemas, or the committed snapshots and schemas.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use connector_sdk::{DefinitionExt, ValidConfig};
use gorgias_connector::GorgiasConfig;
use gorgias_sandbox::{
    AccountCredentials, FaultKind, FaultPlan, FaultRule, FaultTrigger, Sandbox, SandboxOptions,
};
use serde_json::{Value, json};

use crate::{config, definition, fast_retry};

const BIN: &str = env!("CARGO_BIN_EXE_gorgias-connector");
const CANARY_KEY: &str = "CANARYkey0x5eCr3t7f3a9c";
const CANARY_TOKEN: &str = "CANARYtok0x5eCr3t5b1e";

/// Every form a secret could leak in.
fn needles(email: &str, key: &str, token: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        key.to_string(),
        token.to_string(),
        b64.encode(format!("{email}:{key}")),
        b64.encode(key),
        b64.encode(token),
    ]
}

fn assert_clean(what: &str, text: &str, needles: &[String]) {
    for n in needles {
        assert!(
            !text.contains(n.as_str()),
            "{what} leaks a secret ({n}):\n{text}"
        );
    }
}

fn write(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).expect("write file");
    path
}

/// Runs the binary with `args`, `RUST_LOG=trace`, and returns (exit code, stdout + stderr).
fn cli(args: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn secrets_never_leak_from_any_command() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = rt
        .block_on(Sandbox::start(
            SandboxOptions::default().seed(5).without_rate_limit(),
        ))
        .expect("sandbox starts");
    let real = sandbox.accounts()[0].clone();
    let mut secrets = needles(&real.email, CANARY_KEY, CANARY_TOKEN);
    secrets.extend(needles(&real.email, &real.api_key, &real.bearer_token));

    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let good = config(&sandbox, 0, json!({"page_size": 50}));
    let canary_basic = {
        let mut c = good.clone();
        c["auth"]["api_key"] = json!(CANARY_KEY);
        c
    };
    let canary_bearer = {
        let mut c = good.clone();
        c["auth"] = json!({"type": "bearer", "token": CANARY_TOKEN});
        c
    };
    let invalid_configs = [
        ("page_size", json!({"page_size": 0})),
        ("misplaced key", json!({"api_key": CANARY_KEY})),
        (
            "key in subdomain",
            json!({"subdomain": format!("https://{CANARY_KEY}.evil.com")}),
        ),
        (
            "key as base_url",
            json!({"base_url": format!("http://{CANARY_KEY}.example")}),
        ),
        ("key as start_date", json!({"start_date": CANARY_KEY})),
        (
            "token with a newline",
            json!({"auth": {"type": "bearer", "token": format!("{CANARY_TOKEN}\n")}}),
        ),
        (
            "token with NUL",
            json!({"auth": {"type": "bearer", "token": format!("{CANARY_TOKEN}\u{0}")}}),
        ),
        (
            "key as email",
            json!({"auth": {"type": "basic", "email": CANARY_KEY, "api_key": CANARY_KEY}}),
        ),
        (
            "token in basic",
            json!({"auth": {"type": "basic", "email": "a@b.co", "api_key": CANARY_KEY, "token": CANARY_TOKEN}}),
        ),
        ("key as page_size", json!({"page_size": CANARY_KEY})),
    ];
    let f_good = write(d, "good.json", &good);
    let f_basic = write(d, "canary-basic.json", &canary_basic);
    let f_bearer = write(d, "canary-bearer.json", &canary_bearer);
    let catalog = write(
        d,
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "tickets"}, "sync_mode": "incremental"}]}),
    );
    let bad_catalog = write(
        d,
        "bad-catalog.json",
        &json!({"streams": [{"stream": {"name": "no_such_stream"}}]}),
    );
    let first_ticket = sandbox
        .all_ids(&real.subdomain, gorgias_sandbox::ObjectKind::Tickets)
        .expect("account")[0];
    let get_one = write(d, "get.json", &json!({ "id": first_ticket }));
    let get_missing = write(d, "missing.json", &json!({"id": 999_999_999}));
    let bad_input = write(d, "bad-input.json", &json!({"id": CANARY_KEY}));
    std::fs::write(
        d.join("broken.json"),
        format!("{{\"auth\": {{\"api_key\": \"{CANARY_KEY}\""),
    )
    .expect("broken file");
    let p = |f: &PathBuf| f.to_string_lossy().into_owned();

    let (good, basic, bearer) = (p(&f_good), p(&f_basic), p(&f_bearer));
    let (catalog, bad_catalog) = (p(&catalog), p(&bad_catalog));
    let (one, missing, bad) = (p(&get_one), p(&get_missing), p(&bad_input));
    let (broken, out) = (p(&d.join("broken.json")), p(&d.join("schemas")));
    let table: Vec<(&str, Vec<&str>)> = vec![
        ("spec", vec!["spec"]),
        ("check ok", vec!["check", "--config", &good]),
        ("check canary basic", vec!["check", "--config", &basic]),
        ("check canary bearer", vec!["check", "--config", &bearer]),
        ("discover canary", vec!["discover", "--config", &basic]),
        (
            "read ok",
            vec!["read", "--config", &good, "--catalog", &catalog],
        ),
        (
            "read canary basic",
            vec!["read", "--config", &basic, "--catalog", &catalog],
        ),
        ("read canary bearer", vec!["read", "--config", &bearer]),
        (
            "read bad catalog",
            vec!["read", "--config", &basic, "--catalog", &bad_catalog],
        ),
        ("read broken config", vec!["read", "--config", &broken]),
        (
            "action canary",
            vec!["action", "get_ticket", "--config", &basic, "--input", &one],
        ),
        (
            "action ok",
            vec!["action", "get_ticket", "--config", &good, "--input", &one],
        ),
        (
            "action not found",
            vec![
                "action",
                "get_ticket",
                "--config",
                &good,
                "--input",
                &missing,
            ],
        ),
        (
            "action invalid input",
            vec!["action", "get_ticket", "--config", &basic, "--input", &bad],
        ),
        (
            "action unknown",
            vec![
                "action",
                "no_such_action",
                "--config",
                &basic,
                "--input",
                &one,
            ],
        ),
        ("schemas", vec!["schemas", "--out", &out]),
    ];
    let mut runs: Vec<(String, Vec<String>)> = table
        .into_iter()
        .map(|(what, args)| {
            (
                what.to_string(),
                args.into_iter().map(str::to_string).collect(),
            )
        })
        .collect();
    for (what, patch) in &invalid_configs {
        let mut c = canary_basic.clone();
        if let (Some(c), Some(patch)) = (c.as_object_mut(), patch.as_object()) {
            c.extend(patch.clone());
        }
        let f = write(d, &format!("invalid-{}.json", what.replace(' ', "-")), &c);
        runs.push((
            format!("check invalid config ({what})"),
            vec!["check".into(), "--config".into(), p(&f)],
        ));
        runs.push((
            format!("read invalid config ({what})"),
            vec!["read".into(), "--config".into(), p(&f)],
        ));
    }
    let mut failures = 0;
    for (what, args) in &runs {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, text) = cli(&args);
        if code != 0 {
            failures += 1;
        }
        if ["spec", "check ok", "read ok", "action ok", "schemas"].contains(&what.as_str()) {
            assert_eq!(code, 0, "{what} failed:\n{text}");
        }
        assert_clean(what, &text, &secrets);
    }
    // Upstream errors: the sandbox answers 400 and 422 to ticket requests (5xx would be
    // retried for half a minute with the production backoff).
    for status in [400, 422] {
        sandbox.set_faults(FaultPlan::single(
            FaultRule::new(FaultTrigger::Always, FaultKind::Status { status })
                .route_prefix("/api/tickets"),
        ));
        for (what, args) in [
            (
                "read upstream error",
                ["read", "--config", &good, "--catalog", &catalog].as_slice(),
            ),
            (
                "action upstream error",
                ["action", "get_ticket", "--config", &good, "--input", &one].as_slice(),
            ),
        ] {
            let (code, text) = cli(args);
            assert_ne!(code, 0, "{what} with {status} succeeded");
            assert!(
                text.contains(&status.to_string()),
                "{what}: the status is not reported:\n{text}"
            );
            assert_clean(what, &text, &secrets);
            failures += 1;
        }
    }
    sandbox.clear_faults();
    assert!(failures >= 20, "only {failures} failing runs");

    // Written schemas.
    for entry in walk(&d.join("schemas")) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert_clean(&entry.display().to_string(), &text, &secrets);
    }

    // Debug output of configs, connectors and errors.
    let definition = definition(fast_retry(0));
    for cfg in [&canary_basic, &canary_bearer] {
        let parsed: GorgiasConfig = serde_json::from_value(cfg.clone()).expect("parses");
        assert_clean("GorgiasConfig Debug", &format!("{parsed:?}"), &secrets);
        let resolved = parsed.resolve().expect("resolves");
        assert_clean("Resolved Debug", &format!("{resolved:?}"), &secrets);
        let valid = definition.validate_config(cfg).expect("valid");
        assert_clean("ValidConfig Debug", &format!("{valid:?}"), &secrets);
        let _: &ValidConfig = &valid;
        let connector = definition.connect(cfg).expect("connects");
        let err = rt
            .block_on(connector.check())
            .expect_err("canary credentials are refused");
        assert_clean("check error Display", &err.to_string(), &secrets);
        assert_clean("check error Debug", &format!("{err:?}"), &secrets);
    }
    for (what, patch) in &invalid_configs {
        let mut c = canary_basic.clone();
        if let (Some(c), Some(patch)) = (c.as_object_mut(), patch.as_object()) {
            c.extend(patch.clone());
        }
        let err = definition
            .connect(&c)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_clean(what, &format!("{err} {err:?}"), &secrets);
    }
    assert_clean(
        "GorgiasDefinition Debug",
        &format!("{definition:?}"),
        &secrets,
    );
    let credentials =
        connector_http::Credentials::basic(&real.email, CANARY_KEY, "auth.api_key").expect("ok");
    assert_clean("Credentials Debug", &format!("{credentials:?}"), &secrets);
    let client = connector_http::Client::builder(
        connector_http::Client::shared_http("canary").expect("http client"),
        url::Url::parse(&sandbox.base_url()).expect("url"),
        std::sync::Arc::new(gorgias_connector::GorgiasDialect::new("acme")),
        credentials,
    )
    .timeout(std::time::Duration::from_secs(5))
    .retry(fast_retry(0))
    .build()
    .expect("client");
    assert_clean("Client Debug", &format!("{client:?}"), &secrets);

    // Committed snapshots and schemas: no canary, and no credential of the sandbox accounts
    // the suites run against (the default seed and this test's seed).
    let mut known = secrets.clone();
    for seed in [42u64, 5] {
        for (i, sub) in ["acme", "globex", "initech", "umbrella", "hooli"]
            .iter()
            .enumerate()
        {
            let c = AccountCredentials::generate(seed, i, sub);
            known.extend(needles(&c.email, &c.api_key, &c.bearer_token));
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut scanned = 0;
    for folder in ["conformance-tests/tests/snapshots", "schemas"] {
        for file in walk(&root.join(folder)) {
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            assert_clean(&file.display().to_string(), &text, &known);
            scanned += 1;
        }
    }
    eprintln!(
        "canary: {} CLI runs ({failures} failing), {scanned} committed files scanned, no secret seen",
        runs.len() + 2
    );
    rt.block_on(sandbox.shutdown());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

const CANARY_SECRET: &str = "CANARYcs0x5eCr3t11aa";
const CANARY_REFRESH: &str = "CANARYrt0x5eCr3t22bb";
const CANARY_ACCESS: &str = "CANARYat0x5eCr3t33cc";

/// Every form an OAuth2 app's secret travels in: raw, base64, and the Basic client pair.
fn app_needles(client_id: &str, secret: &str, refresh: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.to_string(),
        refresh.to_string(),
        b64.encode(secret),
        b64.encode(refresh),
        b64.encode(format!("{client_id}:{secret}")),
    ]
}

/// Runs the binary; (exit code, stdout without its CONTROL lines + stderr, the CONTROL lines).
fn cli_outside_control(args: &[&str]) -> (i32, String, Vec<String>) {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (control, other): (Vec<&str>, Vec<&str>) = stdout
        .lines()
        .partition(|l| l.starts_with(r#"{"type":"CONTROL""#));
    let text = format!(
        "{}\n{}",
        other.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        out.status.code().unwrap_or(-1),
        text,
        control.into_iter().map(str::to_string).collect(),
    )
}

/// The `oauth2` kind: the client secret, refresh tokens and every access token the sandbox
/// issued never reach logs (`RUST_LOG=trace`), errors, Debug output or any stdout line but a
/// CONTROL one, even when the sandbox echoes the request's headers (the Bearer access token on
/// `/api`, the Basic client pair on `/oauth/token`) and when the refresh token rotates.
#[test]
fn oauth2_secrets_never_leak_outside_control_lines() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = rt
        .block_on(Sandbox::start(
            SandboxOptions::default().seed(5).without_rate_limit(),
        ))
        .expect("sandbox starts");
    let real = sandbox.accounts()[0].clone();
    let mut secrets = app_needles(&real.client_id, &real.client_secret, &real.refresh_token);
    secrets.extend(app_needles(&real.client_id, CANARY_SECRET, CANARY_REFRESH));
    secrets.extend(needles(&real.email, &real.api_key, CANARY_ACCESS));

    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let oauth = {
        let mut c = config(&sandbox, 0, json!({"page_size": 50}));
        c["auth"] = json!({
            "type": "oauth2",
            "client_id": real.client_id,
            "client_secret": real.client_secret,
            "refresh_token": real.refresh_token,
        });
        c
    };
    let canary = {
        let mut c = oauth.clone();
        c["auth"]["client_secret"] = json!(CANARY_SECRET);
        c["auth"]["refresh_token"] = json!(CANARY_REFRESH);
        c["auth"]["access_token"] = json!(CANARY_ACCESS);
        c
    };
    let p = |name: &str, v: &Value| write(d, name, v).to_string_lossy().into_owned();
    let f_oauth = p("oauth.json", &oauth);
    let f_canary = p("canary-oauth.json", &canary);
    let catalog = p(
        "catalog.json",
        &json!({"streams": [{"stream": {"name": "tags"}, "sync_mode": "full_refresh"}]}),
    );
    let input = p("input.json", &json!({}));
    let mut invalid = Vec::new();
    for (what, auth) in [
        (
            "secret with a newline",
            json!({"client_secret": format!("{CANARY_SECRET}\n")}),
        ),
        (
            "refresh token with a space",
            json!({"refresh_token": format!("{CANARY_REFRESH} x")}),
        ),
        (
            "access token with NUL",
            json!({"access_token": format!("{CANARY_ACCESS}\u{0}")}),
        ),
        (
            "secret as client id",
            json!({"client_id": format!("{CANARY_SECRET}:{CANARY_SECRET}")}),
        ),
        (
            "unknown token_url",
            json!({"token_url": format!("https://{CANARY_SECRET}.evil.example/token")}),
        ),
        ("missing refresh token", json!({"refresh_token": null})),
    ] {
        let mut c = canary.clone();
        for (k, v) in auth.as_object().expect("object") {
            if v.is_null() {
                c["auth"].as_object_mut().expect("auth").remove(k);
            } else {
                c["auth"][k] = v.clone();
            }
        }
        invalid.push((
            what,
            p(&format!("invalid-{}.json", what.replace(' ', "-")), &c),
        ));
    }

    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut run = |what: &str, args: &[&str], ok: bool, secrets: &[String]| {
        let (code, text, control) = cli_outside_control(args);
        assert_eq!(code == 0, ok, "{what}: exit {code}\n{text}");
        assert_clean(what, &text, secrets);
        outputs.push((what.to_string(), text));
        control
    };
    run(
        "check oauth",
        &["check", "--config", &f_oauth],
        true,
        &secrets,
    );
    run(
        "read oauth",
        &["read", "--config", &f_oauth, "--catalog", &catalog],
        true,
        &secrets,
    );
    run(
        "action oauth",
        &[
            "action",
            "get_account",
            "--config",
            &f_oauth,
            "--input",
            &input,
        ],
        true,
        &secrets,
    );
    run(
        "check canary oauth",
        &["check", "--config", &f_canary],
        false,
        &secrets,
    );
    run(
        "read canary oauth",
        &["read", "--config", &f_canary],
        false,
        &secrets,
    );
    for (what, f) in &invalid {
        run(
            &format!("check invalid oauth ({what})"),
            &["check", "--config", f],
            false,
            &secrets,
        );
    }
    // The sandbox echoes every request header: on `/api` the Bearer access token, on the
    // token endpoint the Basic client pair (the form's refresh token is not a header).
    for prefix in ["/api/", "/oauth/token"] {
        sandbox.set_faults(FaultPlan::single(
            FaultRule::new(FaultTrigger::Always, FaultKind::EchoHeaders { status: 400 })
                .route_prefix(prefix),
        ));
        run(
            &format!("check echo {prefix}"),
            &["check", "--config", &f_oauth],
            false,
            &secrets,
        );
        run(
            &format!("read echo {prefix}"),
            &["read", "--config", &f_oauth, "--catalog", &catalog],
            false,
            &secrets,
        );
        run(
            &format!("action echo {prefix}"),
            &[
                "action",
                "get_account",
                "--config",
                &f_oauth,
                "--input",
                &input,
            ],
            false,
            &secrets,
        );
    }
    sandbox.clear_faults();

    // Rotation: the CONTROL line carries the new refresh token; nothing else does.
    sandbox.set_oauth_options(gorgias_sandbox::OAuthOptions::default().rotate_refresh_tokens(true));
    let control = run(
        "read oauth, rotating",
        &["read", "--config", &f_oauth, "--catalog", &catalog],
        true,
        &secrets,
    );
    assert_eq!(control.len(), 1, "one CONTROL line");
    let line: Value = serde_json::from_str(&control[0]).expect("JSON");
    let stored = &line["control"]["connectorConfig"]["config"]["auth"];
    assert_eq!(
        stored["client_secret"],
        real.client_secret.as_str(),
        "the whole config"
    );
    let rotated = stored["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string();
    secrets.extend(app_needles(&real.client_id, &real.client_secret, &rotated));
    run(
        "check old refresh token",
        &["check", "--config", &f_oauth],
        false,
        &secrets,
    );

    // The echoes happened (and were scrubbed): the access token on /api, the pair on the token
    // endpoint.
    for (what, text) in outputs.iter().filter(|(w, _)| w.starts_with("check echo")) {
        assert!(
            text.contains("[redacted]"),
            "{what}: nothing was echoed:\n{text}"
        );
    }
    // Every access token the sandbox issued, looked for in everything printed.
    let issued = sandbox.issued_access_tokens("acme").expect("account");
    assert!(issued.len() >= 5, "{} access tokens issued", issued.len());
    for token in &issued {
        secrets.extend(needles(&real.email, &real.api_key, token));
    }
    for (what, text) in &outputs {
        assert_clean(what, text, &secrets);
    }

    // Debug output of the config, the credentials, the session inputs, the client and errors.
    let definition = definition(fast_retry(0));
    let parsed: GorgiasConfig = serde_json::from_value(canary.clone()).expect("parses");
    assert_clean("GorgiasConfig Debug", &format!("{parsed:?}"), &secrets);
    let resolved = parsed.resolve().expect("resolves");
    assert_clean("Resolved Debug", &format!("{resolved:?}"), &secrets);
    let valid = definition.validate_config(&canary).expect("valid");
    assert_clean("ValidConfig Debug", &format!("{valid:?}"), &secrets);
    let connector = definition.connect(&canary).expect("connects");
    let err = rt
        .block_on(connector.check())
        .expect_err("canary app credentials are refused");
    assert_clean("check error", &format!("{err} {err:?}"), &secrets);
    let session = connector_http::OAuth2::new(
        "/oauth/token",
        gorgias_connector::config::OAUTH2_FIELDS,
        real.client_id.as_str(),
        CANARY_SECRET,
        CANARY_REFRESH,
    )
    .access_token(Some(CANARY_ACCESS.into()));
    assert_clean("OAuth2 Debug", &format!("{session:?}"), &secrets);
    let credentials = connector_http::Credentials::oauth2(session).expect("credentials");
    assert_clean("Credentials Debug", &format!("{credentials:?}"), &secrets);
    let client = connector_http::Client::builder(
        connector_http::Client::shared_http("canary").expect("http client"),
        url::Url::parse(&sandbox.base_url()).expect("url"),
        std::sync::Arc::new(gorgias_connector::GorgiasDialect::new("acme")),
        credentials,
    )
    .retry(fast_retry(0))
    .build()
    .expect("client");
    assert_clean("Client Debug", &format!("{client:?}"), &secrets);
    assert_clean("sandbox credentials Debug", &format!("{real:?}"), &secrets);
    rt.block_on(sandbox.shutdown());
}
