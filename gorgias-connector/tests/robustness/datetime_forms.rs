//! Datetimes in every form Gorgias might send arrive as RFC 3339: the same seed served with
//! the recorded `+00:00` form, the documented naive form and a space-separated form gives the
//! same records and outputs, value for value, and every record validates against its schema
//! with `format: date-time` enforced.

use connector_sdk::validate::check_record;
use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Message, ReadRequest};
use futures::StreamExt as _;
use gorgias_sandbox::{AccountOptions, DataSizes, DatetimeStyle, Sandbox, SandboxOptions};
use serde_json::{Value, json};

use super::{config, definition, fast_retry};

async fn sandbox(style: DatetimeStyle) -> (gorgias_sandbox::SandboxHandle, Box<dyn Connector>) {
    let sizes = DataSizes {
        tickets: 12,
        customers: 10,
        events: 20,
        messages_per_ticket_min: 1,
        messages_per_ticket_max: 2,
        ..DataSizes::default()
    };
    let options = SandboxOptions::default()
        .without_rate_limit()
        .seed(7)
        .accounts(vec![
            AccountOptions::new("acme").sizes(sizes).datetimes(style),
        ]);
    let sandbox = Sandbox::start(options).await.expect("sandbox starts");
    let connector = definition(fast_retry(2))
        .connect(&config(&sandbox, 0, json!({})))
        .expect("config is valid");
    (sandbox, connector)
}

/// Every record of every stream, full refresh, by stream in catalog order.
async fn everything(connector: &dyn Connector) -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    for stream in &connector.spec().streams {
        let mut s = connector
            .read_stream(&stream.name, ReadRequest::full_refresh())
            .expect("declared stream");
        let mut records = Vec::new();
        while let Some(m) = s.next().await {
            if let Message::Record(r) = m.unwrap_or_else(|e| panic!("{}: {e}", stream.name)) {
                let v = r.value().expect("record is JSON");
                if let Err(found) = check_record(stream, &v) {
                    panic!("{} record violates its schema: {found:?}\n{v}", stream.name);
                }
                records.push(v);
            }
        }
        out.push((stream.name.clone(), records));
    }
    out
}

#[tokio::test]
async fn every_form_arrives_as_the_same_rfc3339_records() {
    let (_a, recorded) = sandbox(DatetimeStyle::Recorded).await;
    let want = everything(recorded.as_ref()).await;
    let total: usize = want.iter().map(|(_, r)| r.len()).sum();
    assert!(
        total > 100,
        "the comparison reads real data ({total} records)"
    );
    // The recorded form is RFC 3339 already: records carry `+00:00`, and nothing needed a change.
    let ticket = &want
        .iter()
        .find(|(n, _)| n == "tickets")
        .expect("tickets")
        .1[0];
    assert!(
        ticket["created_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );

    for style in [DatetimeStyle::Naive, DatetimeStyle::Spaced] {
        let (served, connector) = sandbox(style).await;
        // The sandbox really sends the other form.
        let sub = &served.accounts()[0];
        let raw = reqwest::Client::new()
            .get(format!("{}/api/tickets?limit=1", served.base_url()))
            .basic_auth(&sub.email, Some(&sub.api_key))
            .send()
            .await
            .expect("sandbox answers")
            .text()
            .await
            .expect("a body");
        let sent: Value = serde_json::from_str(&raw).expect("JSON");
        let created = sent["data"][0]["created_datetime"]
            .as_str()
            .unwrap()
            .to_owned();
        match style {
            DatetimeStyle::Naive => assert!(!created.contains('+'), "{created}"),
            _ => assert_eq!(created.as_bytes()[10], b' ', "{created}"),
        }

        let got = everything(connector.as_ref()).await;
        for ((name, want), (_, got)) in want.iter().zip(&got) {
            assert_eq!(got, want, "{style:?}: stream {name}");
        }
        // Outputs too: a ticket read by an action.
        let id = ticket["id"].clone();
        let out = connector
            .run_action("get_ticket", json!({"id": id}))
            .await
            .expect("get_ticket");
        assert_eq!(
            out["created_datetime"], ticket["created_datetime"],
            "{style:?}"
        );
        assert_eq!(
            out["updated_datetime"], ticket["updated_datetime"],
            "{style:?}"
        );

        // An incremental read keeps its bookmark in RFC 3339 and resumes from it.
        let mut s = connector
            .read_stream("tickets", ReadRequest::incremental(None))
            .expect("tickets");
        let mut state = None;
        while let Some(m) = s.next().await {
            if let Message::State(c) = m.expect("read") {
                state = Some(c.state);
            }
        }
        let cursor = state.expect("a checkpoint")["cursor"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(cursor.ends_with('Z'), "{style:?}: {cursor}");
    }
}
