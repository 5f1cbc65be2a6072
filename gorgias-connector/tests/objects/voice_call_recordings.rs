//! End-to-end tests of `voice_call_recordings` against the sandbox: the stream, reading one and
//! deleting one.

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
async fn voice_call_recordings_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    // A recording changes by being deleted: its deleted_datetime moves the cursor.
    support::check_stream(
        &env.sandbox,
        "voice_call_recordings",
        ObjectKind::VoiceCallRecordings,
        4,
        false,
        |s, sub| {
            s.touch(sub, ObjectKind::VoiceCallRecordings, 3)
                .expect("touch")
        },
    )
    .await;
}

#[tokio::test]
async fn a_deleted_recording_is_marked_and_synced_again() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let calls: HashSet<i64> = env
        .sandbox
        .all_ids(&sub(&env.sandbox), ObjectKind::VoiceCalls)
        .expect("ids")
        .into_iter()
        .collect();
    let first = common::read(c, "voice_call_recordings", ReadRequest::incremental(None)).await;
    common::assert_records_valid(c, "voice_call_recordings", &first.records);
    let all = &first.records;
    assert!(all.len() >= 5, "{}", all.len());
    assert!(
        all.iter()
            .all(|r| calls.contains(&r["call_id"].as_i64().unwrap_or(0)))
    );
    let types: HashSet<&str> = all.iter().filter_map(|r| r["type"].as_str()).collect();
    assert!(types.contains("voicemail") && types.len() == 2, "{types:?}");
    assert!(
        all.iter()
            .any(|r| r["url"].is_null() && r["error_code"].is_string()),
        "some recordings have no url and say why"
    );

    let live = all
        .iter()
        .find(|r| r["deleted_datetime"].is_null() && r["url"].is_string())
        .expect("a recording with a url");
    let id = live["id"].as_i64().expect("id");
    assert_eq!(
        &run(c, "get_voice_call_recording", json!({"id": id})).await,
        live
    );
    let ack = run(c, "delete_voice_call_recording", json!({"id": id})).await;
    assert_eq!(
        (ack["ok"].as_bool(), ack["status"].as_u64()),
        (Some(true), Some(204))
    );
    let gone = run(c, "get_voice_call_recording", json!({"id": id})).await;
    assert!(gone["deleted_datetime"].is_string(), "{gone}");
    assert!(
        gone["url"].is_null() && gone["deleted_by_user_id"].is_i64(),
        "{gone}"
    );

    // The deletion moved the recording's cursor: the next sync brings it back, changed.
    let second = common::read(
        c,
        "voice_call_recordings",
        ReadRequest::incremental(Some(first.last_state())),
    )
    .await;
    let again = second
        .records
        .iter()
        .find(|r| r["id"] == json!(id))
        .expect("the deleted recording is synced again");
    assert_eq!(again, &gone);
    assert!(second.records.len() <= 2, "{}", second.records.len());

    let missing = c
        .run_action("delete_voice_call_recording", json!({"id": 5}))
        .await
        .expect_err("no such recording");
    assert!(matches!(missing, Error::NotFound { .. }), "{missing}");
    let refused = c
        .run_action("delete_voice_call_recording", json!({"id": "5"}))
        .await
        .expect_err("ids are integers");
    assert!(matches!(refused, Error::InvalidInput { .. }), "{refused}");
}
