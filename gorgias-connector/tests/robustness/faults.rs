//! The fault matrix: 429 storms, 500/502/503, connections reset mid-body, truncated and
//! malformed JSON, and timeouts, each injected into 1%, 10% and 30% of requests (seeded).
//!
//! Every case must end with exactly the sandbox's records by primary key: the read either
//! finishes (retries absorbed the faults), or fails with a clear, retryable error after its
//! bounded retries and is resumed from its last checkpoint (with the faults still on) until it
//! finishes. Retries are kept low (one retry, four 429s) so the failure-and-resume path is
//! really taken. Page sizes are chosen per rate so that every rate, 1% included, fires
//! several faults (asserted: a case where nothing fired proves nothing).

use std::collections::BTreeSet;

use connector_sdk::{DefinitionExt, Error};
use gorgias_connector::RetryOptions;
use gorgias_sandbox::{
    DataSizes, FaultKind, FaultPlan, FaultRule, FaultTrigger, Sandbox, SandboxHandle,
    SandboxOptions,
};
use serde_json::json;

use crate::{config, declared, definition, fast_retry, read_resuming, sandbox_ids};

const RATES: [f64; 3] = [0.01, 0.10, 0.30];

/// Page sizes per rate for cheap faults: about 450, 95 and 95 requests for the three streams
/// (about 900 records), so even 1% fires a few faults.
const PAGES: [u32; 3] = [2, 10, 10];

/// Page sizes per rate for timeouts, each of which costs a second: about 450, 30 and 20
/// requests, so 2 to 6 timeouts fire at each rate.
const TIMEOUT_PAGES: [u32; 3] = [2, 30, 50];

/// Multi-page data: 300 tickets, 150 customers, about 450 messages.
async fn sandbox() -> SandboxHandle {
    let sizes = DataSizes::default()
        .tickets(300)
        .customers(150)
        .messages_per_ticket(1, 2);
    Sandbox::start(
        SandboxOptions::default()
            .seed(7)
            .sizes(sizes)
            .without_rate_limit(),
    )
    .await
    .expect("sandbox starts")
}

/// An error that ends an attempt must say what happened and be one a host would retry.
fn assert_clear(e: &Error) {
    let text = e.to_string();
    assert!(
        e.is_retryable() || matches!(e, Error::InvalidResponse { .. }),
        "a fault ended the read with a non-retryable error: {text}"
    );
    assert!(text.len() > 20, "error too terse: {text}");
}

/// Runs one fault at every rate, with `pages[i]` records a page at `RATES[i]` and the given
/// request timeout.
async fn matrix(name: &str, fault: FaultKind, pages: [u32; 3], timeout_secs: u64) {
    let sandbox = sandbox().await;
    let retry = RetryOptions {
        max_rate_limited: 4,
        ..fast_retry(1)
    };
    for (i, rate) in RATES.into_iter().enumerate() {
        let extra = json!({"page_size": pages[i], "request_timeout_secs": timeout_secs});
        let connector = definition(retry.clone())
            .connect(&config(&sandbox, 0, extra))
            .expect("valid config");
        let streams = declared(connector.as_ref());
        assert!(!streams.is_empty(), "no stream to read");
        let rule = FaultRule::new(FaultTrigger::Probability(rate), fault.clone())
            .route_prefix("/api/")
            .method("GET");
        sandbox.set_faults(FaultPlan {
            seed: name.bytes().fold(i as u64, |h, b| {
                h.wrapping_mul(31).wrapping_add(u64::from(b))
            }),
            rules: vec![rule],
        });
        sandbox.reset_stats();
        let mut failures = 0;
        for (stream, kind) in &streams {
            let (harvest, done) = read_resuming(connector.as_ref(), stream, 30).await;
            assert!(
                done,
                "{name} at {rate}: {stream} did not finish after 30 resumed attempts: {:?}",
                harvest.errors.last().map(ToString::to_string)
            );
            harvest.errors.iter().for_each(assert_clear);
            failures += harvest.errors.len();
            assert!(
                harvest.keyless.is_empty(),
                "records without id: {:?}",
                harvest.keyless
            );
            let want = sandbox_ids(&sandbox, *kind);
            let got = harvest.key_set();
            let lost: BTreeSet<_> = want.difference(&got).collect();
            let extra: BTreeSet<_> = got.difference(&want).collect();
            assert!(
                lost.is_empty() && extra.is_empty(),
                "{name} at {rate}: {stream}: lost {lost:?}, extra {extra:?}"
            );
        }
        let stats = sandbox.stats().account("acme");
        assert!(
            stats.faults_injected >= 2,
            "{name} at {rate}: only {} faults fired in {} requests: the case proves nothing",
            stats.faults_injected,
            stats.total_requests
        );
        eprintln!(
            "fault matrix: {name} at {:>2}%: {} requests, {} faults injected, {} read attempts failed and were resumed",
            (rate * 100.0) as u32,
            stats.total_requests,
            stats.faults_injected,
            failures
        );
    }
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_500() {
    matrix("500", FaultKind::Status { status: 500 }, PAGES, 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_502() {
    matrix("502", FaultKind::Status { status: 502 }, PAGES, 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_503() {
    matrix("503", FaultKind::Status { status: 503 }, PAGES, 30).await;
}

/// Storms of three consecutive 429s. `Retry-after: 0` keeps CI fast; the wait itself is
/// covered by [`retry_after_is_honoured`].
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_storms() {
    let storm = FaultKind::RateLimitBurst {
        count: 3,
        retry_after_secs: 0,
    };
    matrix("429 storm", storm, PAGES, 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_resets_mid_body() {
    matrix(
        "reset mid-body",
        FaultKind::ConnectionReset { after_bytes: 64 },
        PAGES,
        30,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_json() {
    matrix(
        "truncated JSON",
        FaultKind::TruncatedJson { keep_fraction: 0.5 },
        PAGES,
        30,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json() {
    matrix("malformed JSON", FaultKind::MalformedJson, PAGES, 30).await;
}

/// Pretty-printed pages (newlines inside every record) at every rate: the key sets stay exact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pretty_printed_pages() {
    matrix("pretty-printed", FaultKind::PrettyPrint, PAGES, 30).await;
}

/// Successes carrying an absurd `Retry-After` (a panic before), at every rate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_retry_after_on_successes() {
    let header = FaultKind::Header {
        name: "Retry-After".into(),
        value: "1e20".into(),
    };
    matrix("Retry-After 1e20 on 200", header, PAGES, 30).await;
}

/// Slow responses (1.2 s) against a 1 s request timeout. Bigger pages at the higher rates keep
/// the number of one-second timeouts small.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts() {
    matrix(
        "timeout",
        FaultKind::Slow { delay_ms: 1200 },
        TIMEOUT_PAGES,
        1,
    )
    .await;
}

/// A storm of two 429s with `Retry-after: 1` (the sandbox's smallest wait) on the second
/// request: the client waits as told, twice, and the read completes with nothing lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(2))
        .connect(&config(&sandbox, 0, json!({"page_size": 20})))
        .expect("valid config");
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests(vec![2]),
            FaultKind::RateLimitBurst {
                count: 2,
                retry_after_secs: 1,
            },
        )
        .route_prefix("/api/tickets"),
    ));
    let (harvest, done) = read_resuming(connector.as_ref(), "tickets", 1).await;
    assert!(done, "{:?}", harvest.errors);
    assert_eq!(
        harvest.key_set(),
        sandbox_ids(&sandbox, gorgias_sandbox::ObjectKind::Tickets)
    );
    assert_eq!(sandbox.stats().account("acme").rate_limited, 2);
}

/// When the service keeps failing, the read stops after its bounded retries with a clear
/// error (no endless loop), and resuming once the service is back completes the set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_failure_stops_then_resumes() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(3))
        .connect(&config(&sandbox, 0, json!({"page_size": 10})))
        .expect("valid config");
    // Every tickets request from the 3rd on fails with 503.
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests((3..200).collect()),
            FaultKind::Status { status: 503 },
        )
        .route_prefix("/api/tickets"),
    ));
    let mut harvest = crate::Harvest::default();
    let done = crate::read_once(connector.as_ref(), "tickets", &mut harvest).await;
    assert!(!done, "the read cannot finish while every request fails");
    let error = harvest.errors.last().expect("an error").to_string();
    assert!(error.contains("503"), "{error}");
    let checkpoint = harvest
        .state
        .clone()
        .expect("two good pages left a checkpoint");
    assert!(checkpoint["cursor"].is_string(), "{checkpoint}");
    // 1 + 1 good requests, then the failing page: 1 attempt + 3 retries, nothing more.
    let stats = sandbox.stats().account("acme");
    assert_eq!(stats.route("GET /api/tickets"), 2 + 4);
    sandbox.clear_faults();
    assert!(crate::read_once(connector.as_ref(), "tickets", &mut harvest).await);
    assert_eq!(
        harvest.key_set(),
        sandbox_ids(&sandbox, gorgias_sandbox::ObjectKind::Tickets)
    );
    // The resumed read went on from the failed page (the checkpoint's `resume`): no record
    // was delivered twice.
    let again: u32 = harvest.keys.values().map(|n| n - 1).sum();
    assert_eq!(again, 0, "{again} records were delivered twice");
}
