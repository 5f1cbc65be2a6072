//! A read that fails part-way resumes the walk where it stopped (the state's `resume`), for a
//! first sync's oldest-first walk and for an incremental newest-first walk; a page cursor the
//! API refuses restarts the walk from the bookmark; a malformed `resume` is refused naming it.

use connector_sdk::{DefinitionExt, Error};
use gorgias_sandbox::{
    DataSizes, FaultKind, FaultPlan, FaultRule, FaultTrigger, ObjectKind, Sandbox, SandboxHandle,
    SandboxOptions,
};
use serde_json::{Value, json};

use crate::{Harvest, config, definition, fast_retry, read_once, requests_seen, sandbox_ids};

const TICKETS: &str = "GET /api/tickets";

/// 100 tickets, read 10 a page: 10 pages.
async fn sandbox() -> SandboxHandle {
    let sizes = DataSizes::default()
        .tickets(100)
        .customers(20)
        .messages_per_ticket(1, 1);
    Sandbox::start(
        SandboxOptions::default()
            .seed(5)
            .sizes(sizes)
            .without_rate_limit(),
    )
    .await
    .expect("sandbox starts")
}

/// Every tickets request from the `from`-th on fails with 503 (no retries are configured).
fn fail_from(sandbox: &SandboxHandle, from: u64) {
    sandbox.set_faults(FaultPlan::single(
        FaultRule::new(
            FaultTrigger::OnRequests((from..from + 100).collect()),
            FaultKind::Status { status: 503 },
        )
        .route_prefix("/api/tickets"),
    ));
}

fn tickets_requests(sandbox: &SandboxHandle) -> u64 {
    sandbox.stats().account("acme").route(TICKETS)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_resumes_oldest_first_where_it_stopped() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({"page_size": 10})))
        .expect("valid config");
    fail_from(&sandbox, 5);
    let mut harvest = Harvest::default();
    assert!(!read_once(connector.as_ref(), "tickets", &mut harvest).await);
    let state = harvest.state.clone().expect("four pages were checkpointed");
    assert_eq!(state["resume"]["ascending"], json!(true), "{state}");
    assert!(state["resume"]["page"].is_string(), "{state}");
    assert_eq!(harvest.keys.len(), 40);

    sandbox.clear_faults();
    sandbox.reset_stats();
    assert!(read_once(connector.as_ref(), "tickets", &mut harvest).await);
    assert_eq!(
        harvest.key_set(),
        sandbox_ids(&sandbox, ObjectKind::Tickets)
    );
    // The resumed walk went on from page 5: six pages (the last one may be empty), and no
    // record was delivered twice.
    assert!(
        tickets_requests(&sandbox) <= 7,
        "{}",
        tickets_requests(&sandbox)
    );
    assert!(harvest.keys.values().all(|n| *n == 1), "{:?}", harvest.keys);
    let end = harvest.state.clone().expect("final state");
    assert!(
        end.get("resume").is_none(),
        "a finished walk leaves no resume: {end}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incremental_walk_resumes_newest_first_where_it_stopped() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({"page_size": 10})))
        .expect("valid config");
    let mut full = Harvest::default();
    assert!(read_once(connector.as_ref(), "tickets", &mut full).await);
    let bookmark = full.state.clone().expect("final state");

    let changed: std::collections::BTreeSet<i64> = sandbox
        .touch("acme", ObjectKind::Tickets, 45)
        .expect("touch")
        .into_iter()
        .collect();
    sandbox.reset_stats();
    fail_from(&sandbox, 3);
    let mut harvest = Harvest {
        state: Some(bookmark.clone()),
        ..Harvest::default()
    };
    assert!(!read_once(connector.as_ref(), "tickets", &mut harvest).await);
    let state = harvest.state.clone().expect("two pages were checkpointed");
    // The bookmark does not move until the walk ends; the resume says where it is.
    assert_eq!(state["cursor"], bookmark["cursor"], "{state}");
    assert_eq!(state["resume"]["ascending"], json!(false), "{state}");
    assert!(state["resume"]["max"].is_string(), "{state}");
    assert_eq!(harvest.keys.len(), 20);

    sandbox.clear_faults();
    sandbox.reset_stats();
    assert!(read_once(connector.as_ref(), "tickets", &mut harvest).await);
    let got = harvest.key_set();
    assert!(
        changed.is_subset(&got),
        "lost changes: {:?}",
        changed.difference(&got).collect::<Vec<_>>()
    );
    // 45 changes + the record at the bookmark: pages 3 to 5 only.
    assert!(
        tickets_requests(&sandbox) <= 3,
        "{}",
        tickets_requests(&sandbox)
    );
    assert!(harvest.keys.values().all(|n| *n == 1), "{:?}", harvest.keys);
    let end = harvest.state.clone().expect("final state");
    assert!(end.get("resume").is_none(), "{end}");
    assert!(
        end["cursor"].as_str() > bookmark["cursor"].as_str(),
        "the bookmark advanced to the newest change: {end}"
    );

    // And the next incremental read has nothing new but the records at the bookmark.
    let mut next = Harvest {
        state: Some(end),
        ..Harvest::default()
    };
    assert!(read_once(connector.as_ref(), "tickets", &mut next).await);
    assert!(next.keys.len() <= 2, "{:?}", next.keys);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_page_cursor_restarts_the_walk_from_the_bookmark() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({"page_size": 10})))
        .expect("valid config");
    for ascending in [true, false] {
        sandbox.reset_stats();
        let state = json!({
            "cursor": "2000-01-01T00:00:00Z",
            "resume": {"ascending": ascending, "partition": 0, "page": "ZXhwaXJlZA==", "max": null},
        });
        let mut harvest = Harvest {
            state: Some(state),
            ..Harvest::default()
        };
        assert!(
            read_once(connector.as_ref(), "tickets", &mut harvest).await,
            "{:?}",
            harvest.errors
        );
        assert_eq!(
            harvest.key_set(),
            sandbox_ids(&sandbox, ObjectKind::Tickets),
            "ascending {ascending}"
        );
        let stats = sandbox.stats().account("acme");
        assert_eq!(
            stats.route(TICKETS),
            1 + 10,
            "the refused page, then the ten pages of the whole walk"
        );
    }
}

/// The status of an expired page cursor is UNCONFIRMED (never recorded): each plausible
/// refusal (400, 404, 410, 422) of the stored cursor restarts the walk from the bookmark, and a
/// 503 (not a refusal) is not taken for one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_plausible_expired_cursor_status_restarts_the_walk() {
    use gorgias_sandbox::{FaultKind, FaultPlan, FaultRule, FaultTrigger};
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({"page_size": 10})))
        .expect("valid config");
    for status in [400u16, 404, 410, 422, 503] {
        sandbox.set_faults(FaultPlan::single(
            FaultRule::new(
                FaultTrigger::OnRequests(vec![1]),
                FaultKind::Respond {
                    status,
                    headers: [("content-type".to_string(), "application/json".to_string())]
                        .into_iter()
                        .collect(),
                    body: r#"{"error":{"msg":"Invalid cursor."}}"#.into(),
                },
            )
            .route_prefix("/api/tickets")
            .method("GET"),
        ));
        sandbox.reset_stats();
        let state = json!({
            "cursor": "2000-01-01T00:00:00Z",
            "resume": {"ascending": true, "partition": 0, "page": "ZXhwaXJlZA==", "max": null},
        });
        let mut harvest = Harvest {
            state: Some(state),
            ..Harvest::default()
        };
        let done = read_once(connector.as_ref(), "tickets", &mut harvest).await;
        if status == 503 {
            assert!(
                !done,
                "a 503 is not a refused cursor: the read fails and is retried later"
            );
            continue;
        }
        assert!(done, "{status}: {:?}", harvest.errors);
        assert_eq!(
            harvest.key_set(),
            sandbox_ids(&sandbox, ObjectKind::Tickets),
            "{status}"
        );
    }
    sandbox.clear_faults();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_resume_is_refused_naming_it() {
    let sandbox = sandbox().await;
    let connector = definition(fast_retry(0))
        .connect(&config(&sandbox, 0, json!({})))
        .expect("valid config");
    let good = json!({"ascending": false, "partition": 0, "page": "x", "max": null});
    let with = |key: &str, value: Value| {
        let mut r = good.clone();
        r[key] = value;
        json!({"cursor": "2024-01-01T00:00:00Z", "resume": r})
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "ascending missing",
            json!({"cursor": "2024-01-01T00:00:00Z", "resume": {"partition": 0}}),
            "resume.ascending",
        ),
        (
            "ascending a string",
            with("ascending", json!("no")),
            "resume.ascending",
        ),
        (
            "partition negative",
            with("partition", json!(-1)),
            "resume.partition",
        ),
        (
            "partition a string",
            with("partition", json!("0")),
            "resume.partition",
        ),
        ("page a number", with("page", json!(7)), "resume.page"),
        ("page empty", with("page", json!("")), "resume.page"),
        (
            "max not a datetime",
            with("max", json!("soon")),
            "resume.max",
        ),
        ("max a number", with("max", json!(3)), "resume.max"),
        (
            "partition out of range",
            with("partition", json!(4)),
            "`resume` does not fit",
        ),
        (
            "descending without a bookmark",
            json!({"resume": good}),
            "`resume` does not fit",
        ),
        (
            "on a stream without resumable walks",
            with("ascending", json!(false)),
            "`resume` does not fit",
        ),
    ];
    let before = requests_seen(&sandbox);
    for (what, state, needle) in cases {
        let stream = if what.starts_with("on a stream") {
            "events"
        } else {
            "tickets"
        };
        let mut harvest = Harvest {
            state: Some(state),
            ..Harvest::default()
        };
        assert!(
            !read_once(connector.as_ref(), stream, &mut harvest).await,
            "{what}: accepted"
        );
        let e = harvest.errors.last().expect("an error");
        assert!(matches!(e, Error::InvalidState { .. }), "{what}: {e:?}");
        let text = e.to_string();
        assert!(text.contains(needle), "{what}: {text}");
        assert!(text.contains("remove `resume`"), "{what}: no fix in {text}");
    }
    assert_eq!(
        requests_seen(&sandbox),
        before,
        "a bad state sent a request"
    );
}
