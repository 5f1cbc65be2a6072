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
