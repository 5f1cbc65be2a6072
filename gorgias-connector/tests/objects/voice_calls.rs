//! End-to-end tests of `voice_calls` against the sandbox, and of what the three voice streams
//! share: an account without Voice reads as empty in every plausible form of Gorgias's answer,
//! and refusals that mean something else still fail.

use std::collections::HashSet;

use connector_sdk::{
    Connector, ConnectorExt, DefinitionExt, Error, LogLevel, Message, ReadRequest,
};
use futures::StreamExt;
use gorgias_sandbox::{AccountOptions, DataSizes, NoVoice, ObjectKind, SandboxOptions, Voice};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{self, run};
use crate::tickets::support::{self, sub};

/// The three voice streams.
pub const VOICE_STREAMS: [&str; 3] = ["voice_calls", "voice_call_events", "voice_call_recordings"];

fn small() -> SandboxOptions {
    common::sized(DataSizes::scaled(40))
}

/// What a read gave: records, warnings, states, or the error that ended it.
#[derive(Debug, Default)]
pub struct Outcome {
    pub records: Vec<Value>,
    pub warnings: Vec<String>,
    pub states: Vec<Value>,
    pub error: Option<Error>,
}

/// Reads a stream to its end or its first error, keeping the warnings.
pub async fn read_all(c: &dyn Connector, stream: &str, request: ReadRequest) -> Outcome {
    let mut s = c.read_stream(stream, request).expect("declared stream");
    let mut out = Outcome::default();
    while let Some(m) = s.next().await {
        match m {
            Ok(Message::Record(r)) => out.records.push(r.value().expect("JSON record")),
            Ok(Message::State(s)) => out.states.push(s.state),
            Ok(Message::Log(l)) if l.level == LogLevel::Warn => out.warnings.push(l.message),
            Ok(Message::Log(_)) => {}
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

#[tokio::test]
async fn voice_calls_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    // A call changes (its updated_datetime moves): the next sync brings it back.
    support::check_stream(
        &env.sandbox,
        "voice_calls",
        ObjectKind::VoiceCalls,
        7,
        false,
        |s, sub| s.touch(sub, ObjectKind::VoiceCalls, 3).expect("touch"),
    )
    .await;
}

#[tokio::test]
async fn voice_calls_point_at_seeded_records_and_are_read_one_by_one() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let sub = sub(&env.sandbox);
    let ids = |k| -> HashSet<i64> {
        env.sandbox
            .all_ids(&sub, k)
            .expect("ids")
            .into_iter()
            .collect()
    };
    let (tickets, customers, users) = (
        ids(ObjectKind::Tickets),
        ids(ObjectKind::Customers),
        ids(ObjectKind::Users),
    );
    let calls = common::read(c, "voice_calls", ReadRequest::full_refresh()).await;
    assert!(calls.records.len() >= 20, "{}", calls.records.len());
    let mut with_ticket = 0;
    for call in &calls.records {
        let id = |k: &str| call[k].as_i64();
        assert!(
            customers.contains(&id("customer_id").expect("customer")),
            "{call}"
        );
        if let Some(t) = id("ticket_id") {
            assert!(tickets.contains(&t), "{call}");
            with_ticket += 1;
        }
        for agent in [
            "initiated_by_agent_id",
            "last_answered_by_agent_id",
            "last_rang_agent_id",
        ] {
            if let Some(a) = id(agent) {
                assert!(users.contains(&a), "{agent} of {call}");
            }
        }
    }
    assert!(with_ticket > 0, "some calls made tickets");
    let directions: HashSet<&str> = calls
        .records
        .iter()
        .filter_map(|r| r["direction"].as_str())
        .collect();
    assert_eq!(directions, HashSet::from(["inbound", "outbound"]));

    let first = &calls.records[0];
    let got = run(c, "get_voice_call", json!({"id": first["id"]})).await;
    assert_eq!(&got, first);
    let missing = c
        .run_action("get_voice_call", json!({"id": 1}))
        .await
        .expect_err("no such call");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
    let refused = c
        .run_action("get_voice_call", json!({"id": 0}))
        .await
        .expect_err("ids are positive");
    assert!(matches!(refused, Error::InvalidInput { .. }), "{refused}");
}

/// An account without Voice, in each plausible form of Gorgias's answer (UNCONFIRMED): the
/// three voice streams read as empty, not as errors, with a warning naming a 403 or 404; the
/// rest of the account reads as usual; one-record reads fail as they should.
#[tokio::test]
async fn an_account_without_voice_reads_as_empty() {
    for answer in [NoVoice::Empty, NoVoice::Forbidden, NoVoice::NotFound] {
        let options = SandboxOptions::default()
            .without_rate_limit()
            .accounts(vec![
                AccountOptions::new("novoice")
                    .sizes(DataSizes::scaled(20))
                    .voice(Voice::Disabled(answer)),
            ]);
        let env = common::start_with(options).await;
        let c = env.connector.as_ref();
        for stream in VOICE_STREAMS {
            for request in [ReadRequest::full_refresh(), ReadRequest::incremental(None)] {
                let out = read_all(c, stream, request).await;
                assert!(out.error.is_none(), "{answer:?} {stream}: {:?}", out.error);
                assert!(out.records.is_empty(), "{answer:?} {stream}");
                assert!(!out.states.is_empty(), "{answer:?} {stream}: no state");
                match answer {
                    NoVoice::Empty => assert!(out.warnings.is_empty(), "{:?}", out.warnings),
                    _ => {
                        let status = if answer == NoVoice::Forbidden {
                            "403"
                        } else {
                            "404"
                        };
                        assert_eq!(
                            out.warnings.len(),
                            1,
                            "{answer:?} {stream}: {:?}",
                            out.warnings
                        );
                        let w = &out.warnings[0];
                        assert!(
                            w.contains(stream)
                                && w.contains(status)
                                && w.contains("without Gorgias Voice"),
                            "{w}"
                        );
                    }
                }
            }
        }
        let tickets = common::read(c, "tickets", ReadRequest::full_refresh()).await;
        assert!(
            !tickets.records.is_empty(),
            "the account is otherwise whole"
        );
        let one = c
            .run_action("get_voice_call", json!({"id": 88_100_001}))
            .await
            .expect_err("no calls");
        match answer {
            NoVoice::Forbidden => {
                assert!(matches!(one, Error::PermissionDenied { .. }), "{one}");
                assert!(one.to_string().contains("Gorgias Voice"), "{one}");
            }
            _ => assert!(matches!(one, Error::NotFound { .. }), "{one}"),
        }
        env.sandbox.shutdown().await;
    }
}

/// Only the answers that plausibly mean "no Voice" are read so: a 403 naming a missing OAuth
/// scope, an unknown subdomain's HTML 404, a server error and a 404 after a page cursor all
/// fail the read.
#[tokio::test]
async fn voice_refusals_that_mean_something_else_still_fail() {
    let cases = [
        (
            ResponseTemplate::new(403).set_body_raw(
                r#"{"error":{"msg":"You do not have enough permissions to perform this action. Missing scope: voice:read."}}"#,
                "application/json; charset=utf-8",
            ),
            "permission",
        ),
        (
            ResponseTemplate::new(404)
                .set_body_raw("<html><body><h1>Not Found</h1></body></html>", "text/html"),
            "subdomain",
        ),
        (
            ResponseTemplate::new(500).set_body_raw(r#"{"error":{"msg":"boom"}}"#, "application/json"),
            "500",
        ),
    ];
    for (answer, want) in cases {
        let server = MockServer::start().await;
        Mock::given(any()).respond_with(answer).mount(&server).await;
        let config = json!({
            "subdomain": "acme",
            "auth": {"type": "basic", "email": "a@example.com", "api_key": "k"},
            "base_url": server.uri(),
        });
        let c = common::definition().connect(&config).expect("config");
        for stream in VOICE_STREAMS {
            let out = read_all(c.as_ref(), stream, ReadRequest::full_refresh()).await;
            let e = out
                .error
                .unwrap_or_else(|| panic!("{stream}: {want} was read as no Voice"));
            assert!(e.to_string().contains(want), "{stream}: {e}");
            assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        }
    }

    // A 404 after the first page is the page cursor's (expired), not "no Voice".
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::query_param("cursor", "c2"))
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"error":{"msg":"Resource not found."}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": 1, "created_datetime": "2026-08-01T10:00:00+00:00"}],
            "object": "list", "uri": "/api/phone/voice-calls?",
            "meta": {"prev_cursor": null, "next_cursor": "c2"},
        })))
        .mount(&server)
        .await;
    let config = json!({
        "subdomain": "acme",
        "auth": {"type": "basic", "email": "a@example.com", "api_key": "k"},
        "base_url": server.uri(),
    });
    let c = common::definition().connect(&config).expect("config");
    let out = read_all(c.as_ref(), "voice_calls", ReadRequest::full_refresh()).await;
    assert!(
        matches!(out.error, Some(Error::NotFound { .. })),
        "{:?}",
        out.error
    );
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}
