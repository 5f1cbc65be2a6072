//! End-to-end tests of `ticket_messages` against the sandbox: the stream and every message
//! action.

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common;
use crate::tickets::support::{self, id_of, listed};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(25))
}

#[tokio::test]
async fn ticket_messages_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(
        &env.sandbox,
        "ticket_messages",
        ObjectKind::Messages,
        3,
        true,
        |s, sub| support::insert(s, sub, ObjectKind::Messages, 4),
    )
    .await;
}

#[tokio::test]
async fn ticket_message_crud_round_trips() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let ticket = env
        .sandbox
        .all_ids(&support::sub(&env.sandbox), ObjectKind::Tickets)
        .expect("ids")[0];
    let me = common::run(c, "get_user", json!({"id": 0})).await;

    let created = common::run(
        c,
        "create_ticket_message",
        json!({"ticket_id": ticket, "channel": "internal-note", "via": "helpdesk", "from_agent": true, "public": false,
               "sender": {"id": me["id"]}, "body_text": "Checked with the warehouse."}),
    )
    .await;
    let id = id_of(&created);
    assert_eq!(
        (created["ticket_id"].as_i64(), created["public"].as_bool()),
        (Some(ticket), Some(false))
    );
    assert!(
        listed(c, "ticket_messages", id).await,
        "a created message is listed"
    );

    let got = common::run(
        c,
        "get_ticket_message",
        json!({"ticket_id": ticket, "id": id}),
    )
    .await;
    assert_eq!(got["body_text"], "Checked with the warehouse.");

    let updated = common::run(
        c,
        "update_ticket_message",
        json!({"ticket_id": ticket, "id": id, "channel": "internal-note", "via": "helpdesk", "from_agent": true, "body_text": "Shipped today."}),
    )
    .await;
    assert_eq!(
        (updated["ok"].as_bool(), updated["status"].as_i64()),
        // 200 with the message (recorded: Nango test update-ticket-message).
        (Some(true), Some(200))
    );
    assert_eq!(updated["response"]["body_text"], "Shipped today.");
    assert_eq!(
        common::run(
            c,
            "get_ticket_message",
            json!({"ticket_id": ticket, "id": id})
        )
        .await["body_text"],
        "Shipped today."
    );

    common::run(
        c,
        "delete_ticket_message",
        json!({"ticket_id": ticket, "id": id}),
    )
    .await;
    let gone = c
        .run_action("get_ticket_message", json!({"ticket_id": ticket, "id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(!listed(c, "ticket_messages", id).await);
}

#[tokio::test]
async fn a_message_without_channel_is_refused_before_any_request() {
    let env = common::start_with(small()).await;
    env.sandbox.reset_stats();
    let e = env
        .connector
        .run_action(
            "create_ticket_message",
            json!({"ticket_id": 1, "via": "api", "from_agent": true}),
        )
        .await
        .expect_err("channel missing");
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
    assert_eq!(
        env.sandbox
            .stats()
            .account(&support::sub(&env.sandbox))
            .total_requests,
        0
    );
}
