//! Two hosts on one account: Gorgias limits the account, not the client, so two processes
//! (here two definitions, each with its own HTTP client and pacer) share one bucket. Each
//! paces itself at the full declared rate, so together they would overrun it; the other's
//! requests seen in the usage header (and any 429) lower each one's rate (the client's
//! contention level) until they fit, and both finish with every record, drawing few 429s,
//! instead of one giving up after its bounded retries.

use std::time::Duration;

use connector_sdk::DefinitionExt;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing, RetryOptions};
use gorgias_sandbox::{DataSizes, RateLimitOptions, Sandbox, SandboxOptions};
use serde_json::json;

use crate::{STREAMS, config, read_resuming, sandbox_ids};

/// A 1 s window (40 requests a second with an API key) keeps the test short.
const WINDOW: Duration = Duration::from_secs(1);

/// 429s the two hosts may draw together over their 720 requests.
const MAX_429S: u64 = 8;

fn host() -> GorgiasDefinition {
    GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Window(WINDOW),
        retry: RetryOptions {
            max_retries: 2,
            // Tight on purpose: without the back-off, two hosts at full rate see runs of four
            // 429s on one request and a stream fails.
            max_rate_limited: 3,
            min_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
            ..RetryOptions::default()
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_sharing_an_account_both_finish() {
    let sizes = DataSizes::default()
        .tickets(600)
        .customers(600)
        .messages_per_ticket(1, 1);
    let sandbox = Sandbox::start(
        SandboxOptions::default()
            .seed(11)
            .sizes(sizes)
            .rate_limit(RateLimitOptions::with_window(WINDOW)),
    )
    .await
    .expect("sandbox starts");
    // 120 pages a stream, three streams a host at once: both bursts together cover a sixth.
    let cfg = config(&sandbox, 0, json!({"page_size": 5}));
    let hosts = [host(), host()].map(|d| d.connect(&cfg).expect("valid config"));
    let reads = hosts.iter().flat_map(|h| {
        STREAMS.iter().map(move |(stream, kind)| async move {
            (*stream, *kind, read_resuming(h.as_ref(), stream, 1).await)
        })
    });
    for (stream, kind, (harvest, done)) in futures::future::join_all(reads).await {
        assert!(done, "{stream}: {:?}", harvest.errors);
        assert_eq!(harvest.key_set(), sandbox_ids(&sandbox, kind), "{stream}");
    }
    // Each host paces itself at the full declared rate, so together they offer twice what the
    // bucket drains: without the back-off they overrun it (every run, with streams failing
    // after their 429 retries). Seeing each other's requests in the usage header, both slow
    // down before the bucket fills; a few 429s may still come from jitter.
    let stats = sandbox.stats().account("acme");
    assert!(
        stats.rate_limited <= MAX_429S,
        "the hosts drew {} 429s (at most {MAX_429S} expected): they are trading refusals instead of backing off",
        stats.rate_limited
    );
}
