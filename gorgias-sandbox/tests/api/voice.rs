//! Gorgias Voice: the three `/api/phone/*` lists (cursor pages, their filters, no `order_by`),
//! single reads, deleting a recording, and accounts without Voice in each plausible answer.

use std::collections::HashSet;

use crate::common::{call, get, ids, small, start, walk};
use gorgias_sandbox::{AccountOptions, NoVoice, ObjectKind, SandboxOptions, Voice};

const LISTS: [&str; 3] = [
    "/api/phone/voice-calls",
    "/api/phone/voice-call-events",
    "/api/phone/voice-call-recordings",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voice_lists_page_filter_and_read() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = sb.accounts()[0].clone();
    let kinds = [
        ObjectKind::VoiceCalls,
        ObjectKind::VoiceCallEvents,
        ObjectKind::VoiceCallRecordings,
    ];
    for (path, kind) in LISTS.iter().zip(kinds) {
        let all = walk(&sb, &c, &format!("{path}?limit=7")).await;
        let mut got = ids(&all);
        got.sort_unstable();
        assert_eq!(got, sb.all_ids("acme", kind).unwrap(), "{path}");
        assert!(got.len() > 7, "{path}: several pages");
        let one = get(&sb, &c, &format!("{path}/{}", got[0])).await;
        assert_eq!(one["id"], got[0]);
        // No ordering is documented: `order_by` is an unknown parameter.
        let r = call(
            &sb,
            &c,
            "GET",
            &format!("{path}?order_by=created_datetime:asc"),
            None,
        )
        .await;
        assert_eq!(
            (r.status, r.error_fields()),
            (400, vec!["order_by".to_string()]),
            "{}",
            r.text
        );
        let r = call(&sb, &c, "GET", &format!("{path}/1"), None).await;
        assert_eq!(r.status, 404);
    }
    // Calls newest first, events oldest first (both UNCONFIRMED choices).
    let calls = get(&sb, &c, "/api/phone/voice-calls?limit=100").await;
    let created: Vec<&str> = calls["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["created_datetime"].as_str())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));

    // `ticket_id` on calls, `call_id` on events and recordings.
    let with_ticket = calls["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["ticket_id"].is_i64())
        .expect("a call with a ticket");
    let t = with_ticket["ticket_id"].as_i64().unwrap();
    let of_ticket = get(&sb, &c, &format!("/api/phone/voice-calls?ticket_id={t}")).await;
    let list = of_ticket["data"].as_array().unwrap();
    assert!(!list.is_empty() && list.iter().all(|v| v["ticket_id"] == t));
    let recorded = get(&sb, &c, "/api/phone/voice-call-recordings?limit=1").await;
    let call_id = recorded["data"][0]["call_id"].as_i64().unwrap();
    for path in &LISTS[1..] {
        let v = get(&sb, &c, &format!("{path}?call_id={call_id}")).await;
        let list = v["data"].as_array().unwrap();
        assert!(
            !list.is_empty() && list.iter().all(|e| e["call_id"] == call_id),
            "{path}"
        );
    }
    let events = walk(
        &sb,
        &c,
        &format!("/api/phone/voice-call-events?call_id={call_id}"),
    )
    .await;
    let types: HashSet<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(
        types.contains("call-recording") || types.contains("voicemail-recording"),
        "{types:?}"
    );
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_recording_marks_it_deleted() {
    let sb = start(
        SandboxOptions::default()
            .sizes(small())
            .without_rate_limit(),
    )
    .await;
    let c = sb.accounts()[0].clone();
    let all = walk(&sb, &c, "/api/phone/voice-call-recordings?limit=100").await;
    assert!(
        all.iter()
            .any(|r| r["url"].is_null() && r["error_code"] == "RECORDING_IS_PRIVATE")
    );
    let live = all
        .iter()
        .find(|r| r["deleted_datetime"].is_null() && r["url"].is_string())
        .expect("a live recording");
    let path = format!("/api/phone/voice-call-recordings/{}", live["id"]);
    let r = call(&sb, &c, "DELETE", &path, None).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    let gone = get(&sb, &c, &path).await;
    assert!(gone["deleted_datetime"].is_string() && gone["url"].is_null());
    assert!(gone["deleted_by_user_id"].is_i64());
    let again = call(&sb, &c, "DELETE", &path, None).await;
    assert_eq!(again.status, 204);
    assert_eq!(
        get(&sb, &c, &path).await,
        gone,
        "a second delete changes nothing"
    );
    let listed = walk(&sb, &c, "/api/phone/voice-call-recordings?limit=100").await;
    assert!(listed.iter().any(|r| r["id"] == live["id"]), "still listed");
    let r = call(
        &sb,
        &c,
        "DELETE",
        "/api/phone/voice-call-recordings/1",
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    // `touch` changes a recording the same way (it has no updated_datetime).
    let touched = sb
        .touch("acme", ObjectKind::VoiceCallRecordings, 2)
        .unwrap();
    assert_eq!(touched.len(), 2);
    for id in touched {
        let r = sb
            .get_record("acme", ObjectKind::VoiceCallRecordings, id)
            .unwrap()
            .unwrap();
        assert!(r["deleted_datetime"].is_string(), "{r}");
    }
    sb.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_without_voice_answer_as_chosen() {
    for (answer, status) in [
        (NoVoice::Empty, 200),
        (NoVoice::Forbidden, 403),
        (NoVoice::NotFound, 404),
    ] {
        let sb = start(
            SandboxOptions::default()
                .without_rate_limit()
                .accounts(vec![
                    AccountOptions::new("acme")
                        .sizes(small())
                        .voice(Voice::Disabled(answer)),
                ]),
        )
        .await;
        let c = sb.accounts()[0].clone();
        for path in LISTS {
            let r = call(&sb, &c, "GET", path, None).await;
            assert_eq!(r.status, status, "{answer:?} {path}: {}", r.text);
            match status {
                200 => assert_eq!(r.json()["data"], serde_json::json!([])),
                _ => assert!(r.json()["error"]["msg"].is_string(), "{}", r.text),
            }
            let one = call(&sb, &c, "GET", &format!("{path}/5"), None).await;
            assert_eq!(one.status, if status == 200 { 404 } else { status });
        }
        assert!(
            sb.all_ids("acme", ObjectKind::VoiceCalls)
                .unwrap()
                .is_empty()
        );
        assert!(!sb.all_ids("acme", ObjectKind::Tickets).unwrap().is_empty());
        sb.shutdown().await;
    }
}
