//! End-to-end tests of `tags` against the sandbox: the stream and every tag action.

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common;
use crate::tickets::support::{self, id_of, listed};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(20))
}

#[tokio::test]
async fn tags_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(&env.sandbox, "tags", ObjectKind::Tags, 2, true, |s, sub| {
        support::insert(s, sub, ObjectKind::Tags, 3)
    })
    .await;
}

#[tokio::test]
async fn tag_crud_round_trips() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = common::run(c, "create_tag", json!({"name": "e2e-vip", "description": "Important customers", "decoration": {"color": "#F58D86"}})).await;
    let id = id_of(&created);
    assert_eq!(created["name"], "e2e-vip");
    assert!(listed(c, "tags", id).await, "a created tag is listed");

    let updated = common::run(
        c,
        "update_tag",
        json!({"id": id, "name": "e2e-vvip", "description": null}),
    )
    .await;
    assert_eq!(updated["name"], "e2e-vvip");
    let got = common::run(c, "get_tag", json!({"id": id})).await;
    assert_eq!(
        (got["name"].as_str(), &got["description"]),
        (Some("e2e-vvip"), &json!(null))
    );

    common::run(c, "delete_tag", json!({"id": id})).await;
    let gone = c
        .run_action("get_tag", json!({"id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(!listed(c, "tags", id).await);
}

#[tokio::test]
async fn tags_are_deleted_in_bulk_and_merged() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let mut ids = Vec::new();
    for name in ["e2e-a", "e2e-b", "e2e-c", "e2e-d"] {
        ids.push(id_of(
            &common::run(c, "create_tag", json!({"name": name})).await,
        ));
    }

    let out = common::run(c, "delete_tags", json!({"ids": [ids[0], ids[1]]})).await;
    assert_eq!(out["ok"], true);
    for id in &ids[..2] {
        assert!(
            c.run_action("get_tag", json!({"id": id})).await.is_err(),
            "tag {id} survived a bulk delete"
        );
    }

    // Put the source tag on a ticket: the merge moves the ticket to the destination tag.
    let ticket = env
        .sandbox
        .all_ids(&support::sub(&env.sandbox), ObjectKind::Tickets)
        .expect("ids")[0];
    common::run(
        c,
        "replace_ticket_tags",
        json!({"ticket_id": ticket, "ids": [ids[3]]}),
    )
    .await;
    let merged = common::run(
        c,
        "merge_tags",
        json!({"id": ids[2], "source_tags_ids": [ids[3]]}),
    )
    .await;
    assert_eq!(merged["ok"], true);
    let gone = c
        .run_action("get_tag", json!({"id": ids[3]}))
        .await
        .expect_err("merged away");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    let tags = common::run(c, "list_ticket_tags", json!({"ticket_id": ticket})).await;
    assert_eq!(
        tags["data"][0]["id"],
        json!(ids[2]),
        "the ticket carries the destination tag: {tags}"
    );
    assert!(listed(c, "tags", ids[2]).await);
}
