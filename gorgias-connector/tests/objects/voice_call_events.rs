//! End-to-end tests of `voice_call_events` against the sandbox.

use std::collections::HashSet;

use connector_sdk::{ConnectorExt, Error, ReadRequest};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common::{self, run};
use crate::tickets::support::{self, sub};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(40))
}

#[tokio::test]
async fn voice_call_events_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    // Events never change: new ones are what the next sync brings.
    support::check_stream(
        &env.sandbox,
        "voice_call_events",
        ObjectKind::VoiceCallEvents,
        25,
        false,
        |s, sub| support::insert(s, sub, ObjectKind::VoiceCallEvents, 3),
    )
    .await;
}

#[tokio::test]
async fn voice_call_events_belong_to_calls_and_carry_free_form_meta() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let calls: HashSet<i64> = env
        .sandbox
        .all_ids(&sub(&env.sandbox), ObjectKind::VoiceCalls)
        .expect("ids")
        .into_iter()
        .collect();
    let events = common::read(c, "voice_call_events", ReadRequest::full_refresh()).await;
    common::assert_records_valid(c, "voice_call_events", &events.records);
    assert!(events.records.len() > calls.len(), "several events a call");
    for e in &events.records {
        assert!(
            calls.contains(&e["call_id"].as_i64().expect("call_id")),
            "{e}"
        );
    }
    // `meta` comes as an object, null or a string, and the schema takes all three.
    let kinds: HashSet<&str> = events
        .records
        .iter()
        .map(|e| match &e["meta"] {
            serde_json::Value::Object(_) => "object",
            serde_json::Value::Null => "null",
            serde_json::Value::String(_) => "string",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, HashSet::from(["object", "null", "string"]));
    let types: HashSet<&str> = events
        .records
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for t in [
        "incoming-phone-call",
        "phone-call-answered",
        "completed-phone-call",
    ] {
        assert!(types.contains(t), "{t} in {types:?}");
    }

    let first = &events.records[0];
    let got = run(c, "get_voice_call_event", json!({"id": first["id"]})).await;
    assert_eq!(&got, first);
    let missing = c
        .run_action("get_voice_call_event", json!({"id": 3}))
        .await
        .expect_err("no such event");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
}
