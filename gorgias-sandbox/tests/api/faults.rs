//! Every fault kind is injected as asked, and counted.

use crate::common::{call, shared, small, start};
use gorgias_sandbox::{FaultKind, FaultPlan, FaultRule, FaultTrigger, SandboxOptions};
use std::time::{Duration, Instant};

async fn sandbox(plan: FaultPlan) -> gorgias_sandbox::SandboxHandle {
    let _ = shared;
    start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit()
            .faults(plan),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_burst_faults() {
    let plan = FaultPlan::single(
        FaultRule::new(FaultTrigger::EveryNth(2), FaultKind::Status { status: 503 })
            .route_prefix("/api/tickets")
            .account("acme"),
    )
    .with_rule(
        FaultRule::new(
            FaultTrigger::OnRequests(vec![1]),
            FaultKind::RateLimitBurst {
                count: 3,
                retry_after_secs: 2,
            },
        )
        .route_prefix("/api/customers"),
    );
    let sb = sandbox(plan).await;
    let c = sb.accounts()[0].clone();
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..4 {
            v.push(
                call(&sb, &c, "GET", "/api/tickets?limit=1", None)
                    .await
                    .status,
            );
        }
        v
    };
    assert_eq!(statuses, [200, 503, 200, 503]);
    let r = call(&sb, &c, "GET", "/api/tickets", None).await;
    assert_eq!(r.status, 200);
    let r = call(&sb, &c, "GET", "/api/tickets", None).await;
    assert_eq!(
        r.json()["error"]["msg"],
        "An external service had an issue."
    );
    let mut burst = Vec::new();
    for _ in 0..5 {
        let r = call(&sb, &c, "GET", "/api/customers", None).await;
        burst.push((r.status, r.header("retry-after")));
    }
    let two = Some("2".to_owned());
    assert_eq!(
        burst,
        [
            (429, two.clone()),
            (429, two.clone()),
            (429, two),
            (200, None),
            (200, None)
        ]
    );
    // Other routes are unaffected.
    assert_eq!(call(&sb, &c, "GET", "/api/users", None).await.status, 200);
    let s = sb.stats().account("acme");
    assert_eq!(s.faults_injected, 6);
    assert_eq!(s.faults_by_kind["status"], 3);
    assert_eq!(s.faults_by_kind["rate_limit_burst"], 3);
    assert_eq!(s.rate_limited, 3);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_faults() {
    let sb = sandbox(FaultPlan::none()).await;
    let c = sb.accounts()[0].clone();
    let full = call(&sb, &c, "GET", "/api/tickets?limit=5", None)
        .await
        .text;

    sb.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::TruncatedJson { keep_fraction: 0.5 },
    )));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=5", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type").unwrap(), "application/json");
    assert_eq!(
        r.header("content-length").unwrap(),
        r.text.len().to_string()
    );
    assert!(full.starts_with(&r.text) && r.text.len() < full.len());
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());

    sb.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::MalformedJson,
    )));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=5", None).await;
    assert_eq!(r.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&r.text).is_err());

    sb.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::ConnectionReset { after_bytes: 100 },
    )));
    let url = format!("{}/api/tickets?limit=5", sb.base_url());
    let resp = crate::common::client()
        .get(&url)
        .header("Authorization", c.basic_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.bytes().await.is_err(), "the body is cut by a reset");

    sb.set_faults(FaultPlan::single(FaultRule::new(
        FaultTrigger::Always,
        FaultKind::Slow { delay_ms: 400 },
    )));
    let t = Instant::now();
    let r = call(&sb, &c, "GET", "/api/account", None).await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(400));
    let timeout = crate::common::client()
        .get(format!("{}/api/account", sb.base_url()))
        .header("Authorization", c.basic_header())
        .timeout(Duration::from_millis(100))
        .send()
        .await;
    assert!(
        timeout.is_err(),
        "a client timeout shorter than the delay fires"
    );

    sb.clear_faults();
    assert_eq!(
        call(&sb, &c, "GET", "/api/tickets?limit=5", None)
            .await
            .text,
        full
    );
    let s = sb.stats().account("acme");
    for kind in [
        "truncated_json",
        "malformed_json",
        "connection_reset",
        "slow",
    ] {
        assert!(s.faults_by_kind[kind] >= 1, "{kind}");
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probability_faults_are_reproducible_and_set_over_http() {
    let sb = sandbox(FaultPlan::none()).await;
    let c = sb.accounts()[0].clone();
    let plan = serde_json::json!({
        "seed": 9,
        "rules": [{ "route_prefix": "/api/users", "trigger": { "probability": 0.5 }, "fault": { "type": "status", "status": 502 } }]
    });
    let mut runs = Vec::new();
    for _ in 0..2 {
        let r = crate::common::client()
            .put(format!("{}/__sandbox/faults", sb.base_url()))
            .body(plan.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let mut seq = Vec::new();
        for _ in 0..20 {
            seq.push(call(&sb, &c, "GET", "/api/users", None).await.status);
        }
        runs.push(seq);
    }
    assert_eq!(runs[0], runs[1], "same seed, same sequence");
    assert!(runs[0].contains(&502) && runs[0].contains(&200));
    let bad = crate::common::client()
        .put(format!("{}/__sandbox/faults", sb.base_url()))
        .body("{\"rules\":[{}]}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    sb.shutdown().await;
}

fn always(fault: FaultKind) -> FaultPlan {
    FaultPlan::single(FaultRule::new(FaultTrigger::Always, fault))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pretty_print_and_forge_line() {
    let sb = sandbox(FaultPlan::none()).await;
    let c = sb.accounts()[0].clone();
    let plain = call(&sb, &c, "GET", "/api/tickets?limit=3", None).await;
    assert!(!plain.text.contains('\n'));

    sb.set_faults(always(FaultKind::PrettyPrint));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=3", None).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("\n  \"data\": [\n"), "{}", r.text);
    assert_eq!(r.json(), plain.json());
    assert_eq!(r.header("content-length"), Some(r.text.len().to_string()));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );

    let message = serde_json::json!({"type": "RECORD", "stream": "tickets", "record": {"id": -1}});
    let compact = message.to_string();
    sb.set_faults(always(FaultKind::ForgeLine {
        message: message.clone(),
    }));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=3", None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains(&format!("\"forged\":\n{compact}\n")),
        "{}",
        r.text
    );
    assert!(r.text.lines().any(|l| l == compact), "its own line");
    assert_eq!(r.header("content-length"), Some(r.text.len().to_string()));
    let mut got = r.json();
    assert_eq!(got["data"][0]["forged"], message);
    got["data"][0]
        .as_object_mut()
        .unwrap()
        .remove("forged")
        .unwrap();
    assert_eq!(got, plain.json(), "nothing else changes");
    // A single record: the forged field goes into the top-level object.
    let r = call(&sb, &c, "GET", "/api/account", None).await;
    assert!(r.text.contains(&format!("\"forged\":\n{compact}\n}}")));
    assert_eq!(r.json()["forged"], message);

    let s = sb.stats().account("acme");
    assert_eq!(s.faults_by_kind["pretty_print"], 1);
    assert_eq!(s.faults_by_kind["forge_line"], 2);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_override_on_any_status() {
    let sb = sandbox(always(FaultKind::Header {
        name: "Retry-After".into(),
        value: "1e20".into(),
    }))
    .await;
    let c = sb.accounts()[0].clone();
    let ok = call(&sb, &c, "GET", "/api/tickets?limit=1", None).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("retry-after").as_deref(), Some("1e20"));
    ok.json();
    let missing = call(&sb, &c, "GET", "/api/tickets/999999999", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("retry-after").as_deref(), Some("1e20"));
    sb.shutdown().await;

    // With the rate limit on, the override wins over the usage header.
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .faults(always(FaultKind::Header {
                name: "X-Gorgias-Account-Api-Call-Limit".into(),
                value: "junk".into(),
            })),
    )
    .await;
    let c = sb.accounts()[0].clone();
    let r = call(&sb, &c, "GET", "/api/account", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-gorgias-account-api-call-limit").as_deref(),
        Some("junk")
    );
    assert_eq!(sb.stats().account("acme").faults_by_kind["header"], 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_field_plain_and_wildcard() {
    let sb = sandbox(FaultPlan::none()).await;
    let c = sb.accounts()[0].clone();
    let plain = call(&sb, &c, "GET", "/api/tickets?limit=4", None)
        .await
        .json();
    assert!(plain["meta"]["next_cursor"].is_string());

    sb.set_faults(always(FaultKind::ReplaceField {
        pointer: "/meta/next_cursor".into(),
        value: "not-a-cursor".into(),
    }));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=4", None).await;
    assert_eq!(r.header("content-length"), Some(r.text.len().to_string()));
    let mut want = plain.clone();
    want["meta"]["next_cursor"] = "not-a-cursor".into();
    assert_eq!(r.json(), want);
    // Key order is kept: the envelope still starts with `object`.
    assert!(
        r.text.starts_with(r#"{"object":"list","uri":"#),
        "{}",
        r.text
    );

    sb.set_faults(always(FaultKind::ReplaceField {
        pointer: "/data/*/updated_datetime".into(),
        value: "yesterday".into(),
    }));
    let got = call(&sb, &c, "GET", "/api/tickets?limit=4", None)
        .await
        .json();
    let data = got["data"].as_array().unwrap();
    assert_eq!(data.len(), 4);
    for (g, p) in data.iter().zip(plain["data"].as_array().unwrap()) {
        assert_eq!(g["updated_datetime"], "yesterday");
        assert_eq!(g["id"], p["id"]);
        assert_eq!(g["created_datetime"], p["created_datetime"]);
    }

    // A missing last key is added; a missing intermediate one changes nothing.
    sb.set_faults(always(FaultKind::ReplaceField {
        pointer: "/data/0/extra".into(),
        value: serde_json::json!({"x": 1}),
    }));
    let got = call(&sb, &c, "GET", "/api/tickets?limit=4", None)
        .await
        .json();
    assert_eq!(got["data"][0]["extra"], serde_json::json!({"x": 1}));
    sb.set_faults(always(FaultKind::ReplaceField {
        pointer: "/nope/deeper".into(),
        value: 1.into(),
    }));
    let got = call(&sb, &c, "GET", "/api/tickets?limit=4", None)
        .await
        .json();
    assert_eq!(got, plain);
    assert_eq!(
        sb.stats().account("acme").faults_by_kind["replace_field"],
        4
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pad_body_is_streamed_to_the_exact_length() {
    const SIZE: u64 = 5 * 1024 * 1024;
    let sb = sandbox(FaultPlan::none()).await;
    let c = sb.accounts()[0].clone();
    let plain = call(&sb, &c, "GET", "/api/tickets?limit=3", None).await;
    sb.set_faults(always(FaultKind::PadBody { bytes: SIZE }));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=3", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some(SIZE.to_string()));
    assert_eq!(r.text.len() as u64, SIZE);
    assert!(r.text.starts_with(&plain.text));
    assert!(r.text[plain.text.len()..].bytes().all(|b| b == b' '));
    assert_eq!(r.json(), plain.json());
    // A body already longer than asked is left as it is.
    sb.set_faults(always(FaultKind::PadBody { bytes: 10 }));
    let r = call(&sb, &c, "GET", "/api/tickets?limit=3", None).await;
    assert_eq!(r.text, plain.text);
    assert_eq!(
        r.header("content-length"),
        Some(plain.text.len().to_string())
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_body_streams_until_the_client_leaves() {
    const ENOUGH: usize = 8 * 1024 * 1024;
    let sb = sandbox(always(FaultKind::EndlessBody)).await;
    let c = sb.accounts()[0].clone();
    let mut resp = crate::common::client()
        .get(format!("{}/api/tickets", sb.base_url()))
        .header("Authorization", c.basic_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.headers().get("content-length").is_none());
    assert_eq!(
        resp.headers().get("content-type").unwrap(),
        "application/json"
    );
    let mut head = Vec::new();
    let mut read = 0;
    while read < ENOUGH {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("the stream keeps flowing")
            .unwrap()
            .expect("the body never ends");
        if head.len() < 64 {
            head.extend_from_slice(&chunk);
        }
        read += chunk.len();
    }
    drop(resp);
    assert!(head.starts_with(br#"{"data":[{"id":1,"name":"x"},{"id":1,"name":"x"},"#));
    // The sandbox is still fine once the client has gone.
    sb.clear_faults();
    assert_eq!(call(&sb, &c, "GET", "/api/account", None).await.status, 200);
    assert_eq!(sb.stats().account("acme").faults_by_kind["endless_body"], 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_cursors_never_repeat() {
    let sb = sandbox(always(FaultKind::FreshCursors { keep_data: false })).await;
    let c = sb.accounts()[0].clone();
    let mut seen = std::collections::HashSet::new();
    let mut path = "/api/tickets?limit=2".to_owned();
    for _ in 0..5 {
        let r = call(&sb, &c, "GET", &path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        let v = r.json();
        assert_eq!(v["data"], serde_json::json!([]));
        assert_eq!(v["uri"], path.as_str(), "the uri is echoed as sent");
        let cursor = v["meta"]["next_cursor"].as_str().unwrap().to_owned();
        assert!(seen.insert(cursor.clone()), "{cursor} repeated");
        // Following the cursor keeps working.
        path = format!("/api/tickets?limit=2&cursor={cursor}");
    }
    sb.set_faults(always(FaultKind::FreshCursors { keep_data: true }));
    let a = call(&sb, &c, "GET", "/api/tickets?limit=2", None)
        .await
        .json();
    let b = call(&sb, &c, "GET", "/api/tickets?limit=2", None)
        .await
        .json();
    assert_eq!(a["data"].as_array().unwrap().len(), 2);
    assert_eq!(a["data"], b["data"]);
    assert_ne!(a["meta"]["next_cursor"], b["meta"]["next_cursor"]);
    // Not a list: unchanged.
    let faulty = call(&sb, &c, "GET", "/api/account", None).await.text;
    sb.clear_faults();
    assert_eq!(
        faulty,
        call(&sb, &c, "GET", "/api/account", None).await.text
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_headers_and_canned_responses() {
    let sb = sandbox(always(FaultKind::EchoHeaders { status: 400 })).await;
    let c = sb.accounts()[0].clone();
    let r = crate::common::client()
        .get(format!("{}/api/tickets", sb.base_url()))
        .header("Authorization", c.basic_header())
        .header("X-Probe", "one two")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    let msg = v["error"]["msg"].as_str().unwrap();
    let parts: Vec<&str> = msg.split("; ").collect();
    assert!(
        parts.contains(&format!("authorization: {}", c.basic_header()).as_str()),
        "{msg}"
    );
    assert!(parts.contains(&"x-probe: one two"), "{msg}");

    // A sign-in page with 200.
    let html = "<!doctype html><title>Sign in</title>\n<form>password</form>";
    sb.set_faults(always(FaultKind::Respond {
        status: 200,
        headers: [("Content-Type".into(), "text/html; charset=utf-8".into())].into(),
        body: html.into(),
    }));
    let r = call(&sb, &c, "GET", "/api/tickets", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(r.text, html);

    // A redirect (not followed).
    sb.set_faults(always(FaultKind::Respond {
        status: 307,
        headers: [("Location".into(), "https://evil.example/login".into())].into(),
        body: String::new(),
    }));
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .get(format!("{}/api/tickets", sb.base_url()))
        .header("Authorization", c.basic_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 307);
    assert_eq!(
        r.headers().get("location").unwrap(),
        "https://evil.example/login"
    );
    assert!(r.headers().get("content-type").is_none());
    assert_eq!(r.text().await.unwrap(), "");

    // A 429 with an HTTP-date and a body with terminal escapes, no Content-Type.
    let body = "\u{1b}[2J\u{1b}[31mslow down\u{1b}[0m\r\n";
    sb.set_faults(always(FaultKind::Respond {
        status: 429,
        headers: [("Retry-After".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into())].into(),
        body: body.into(),
    }));
    let r = call(&sb, &c, "GET", "/api/tickets", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(
        r.header("retry-after").as_deref(),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    assert!(r.header("content-type").is_none());
    assert_eq!(r.text, body);

    let s = sb.stats().account("acme");
    assert_eq!(s.faults_by_kind["echo_headers"], 1);
    assert_eq!(s.faults_by_kind["respond"], 3);
    sb.shutdown().await;
}
