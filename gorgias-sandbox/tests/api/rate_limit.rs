//! The leaky bucket: usage header, 429 with Retry-after, per-account and per-auth buckets.

use crate::common::{call, send, start};
use gorgias_sandbox::{AccountOptions, DataSizes, RateLimitOptions, SandboxOptions};
use std::time::Duration;

fn tiny() -> DataSizes {
    DataSizes {
        tickets: 10,
        customers: 5,
        events: 10,
        ..DataSizes::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_fills_then_429_with_retry_after() {
    // A long window so nothing leaks noticeably during the test.
    let rl = RateLimitOptions {
        window: Duration::from_secs(600),
        basic_capacity: 5,
        bearer_capacity: 8,
        enabled: true,
    };
    let sb = start(
        SandboxOptions::default()
            .accounts(vec![
                AccountOptions::new("acme").sizes(tiny()),
                AccountOptions::new("globex").sizes(tiny()),
            ])
            .rate_limit(rl),
    )
    .await;
    let acme = sb.account("acme").unwrap();
    let globex = sb.account("globex").unwrap();
    for i in 1..=5 {
        let r = call(&sb, &acme, "GET", "/api/account", None).await;
        assert_eq!(r.status, 200);
        assert_eq!(
            r.header("x-gorgias-account-api-call-limit").unwrap(),
            format!("{i}/5")
        );
        assert!(r.header("retry-after").is_none());
    }
    let r = call(&sb, &acme, "GET", "/api/tickets", None).await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1, "integer seconds, at least 1");
    assert_eq!(r.header("x-gorgias-account-api-call-limit").unwrap(), "5/5");
    assert!(r.json()["error"]["msg"].is_string());
    // Bearer has its own bucket (capacity 8); the other account is untouched.
    let r = send(
        &sb,
        Some(&acme.bearer_header()),
        "GET",
        "/api/account",
        None,
    )
    .await;
    assert_eq!(
        (
            r.status,
            r.header("x-gorgias-account-api-call-limit").unwrap()
        ),
        (200, "1/8".to_owned())
    );
    let r = call(&sb, &globex, "GET", "/api/account", None).await;
    assert_eq!(
        (
            r.status,
            r.header("x-gorgias-account-api-call-limit").unwrap()
        ),
        (200, "1/5".to_owned())
    );
    let stats = sb.stats();
    let a = stats.account("acme");
    assert_eq!(a.rate_limited, 1);
    assert_eq!(a.total_requests, 7);
    assert!(a.max_bucket_level > 4.9 && a.max_bucket_level <= 5.0);
    assert_eq!(stats.account("globex").total_requests, 1);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bucket_leaks_over_a_scaled_window() {
    let rl = RateLimitOptions {
        window: Duration::from_secs(30),
        basic_capacity: 4,
        bearer_capacity: 8,
        enabled: true,
    };
    let sb = start(SandboxOptions::default().sizes(tiny()).rate_limit(rl)).await;
    let c = sb.accounts()[0].clone();
    let http = crate::common::client();
    let url = format!("{}/api/account", sb.base_url());
    let burst = (0..8).map(|_| {
        http.get(&url)
            .header("Authorization", c.basic_header())
            .send()
    });
    let statuses: Vec<u16> = futures::future::join_all(burst)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    let limited = statuses.iter().filter(|s| **s == 429).count() as u64;
    assert!(
        limited >= 3,
        "a burst of 8 over capacity 4 is limited: {statuses:?}"
    );
    // Scale the window down: the bucket drains in 200 ms, so after 400 ms it is empty.
    sb.set_rate_limit(RateLimitOptions {
        window: Duration::from_millis(200),
        ..sb.rate_limit()
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    let r = call(&sb, &c, "GET", "/api/account", None).await;
    assert_eq!(
        (
            r.status,
            r.header("x-gorgias-account-api-call-limit").unwrap()
        ),
        (200, "1/4".to_owned())
    );
    // Switched off at run time: no limit, no header.
    sb.set_rate_limit(RateLimitOptions::disabled());
    for _ in 0..10 {
        let r = call(&sb, &c, "GET", "/api/account", None).await;
        assert_eq!(r.status, 200);
        assert!(r.header("x-gorgias-account-api-call-limit").is_none());
    }
    let s = sb.stats().account("acme");
    assert_eq!(s.rate_limited, limited);
    assert_eq!(s.max_requests_in_window(Duration::from_secs(60)), 19);
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_log_is_in_arrival_order_under_concurrency() {
    let sb = start(
        SandboxOptions::default()
            .sizes(tiny())
            .rate_limit(RateLimitOptions {
                window: Duration::from_secs(600),
                basic_capacity: 10_000,
                bearer_capacity: 10_000,
                enabled: true,
            }),
    )
    .await;
    let acme = sb.accounts()[0].clone();
    // Rounds of 16 requests at once: they race through authentication and routing, and the
    // log (which tests and the conformance suite read as a timeline) must still be ordered.
    for _ in 0..20 {
        let calls = (0..16).map(|_| call(&sb, &acme, "GET", "/api/account", None));
        for r in futures::future::join_all(calls).await {
            assert_eq!(r.status, 200);
        }
    }
    let log = sb.stats().account(&acme.subdomain).request_log;
    assert_eq!(log.len(), 320);
    assert!(
        log.windows(2).all(|w| w[0] <= w[1]),
        "request instants out of order"
    );
}
