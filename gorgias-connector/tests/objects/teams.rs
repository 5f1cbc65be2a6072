//! End-to-end tests of `teams` against the sandbox: the stream and every team action.

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common;
use crate::tickets::support::{self, id_of, listed};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(20))
}

#[tokio::test]
async fn teams_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(
        &env.sandbox,
        "teams",
        ObjectKind::Teams,
        2,
        true,
        |s, sub| support::insert(s, sub, ObjectKind::Teams, 3),
    )
    .await;
}

#[tokio::test]
async fn team_crud_round_trips() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let users = env
        .sandbox
        .all_ids(&support::sub(&env.sandbox), ObjectKind::Users)
        .expect("ids");
    let created = common::run(
        c,
        "create_team",
        json!({"name": "E2E Escalations", "description": "Hard cases", "decoration": {"emoji": "🚒"}, "members": [{"id": users[0]}]}),
    )
    .await;
    let id = id_of(&created);
    assert_eq!(created["members"][0]["id"], json!(users[0]));
    assert!(listed(c, "teams", id).await, "a created team is listed");

    let updated = common::run(
        c,
        "update_team",
        json!({"id": id, "name": "E2E Tier 2", "members": [{"id": users[1]}, {"id": users[2]}]}),
    )
    .await;
    assert_eq!(updated["name"], "E2E Tier 2");
    let got = common::run(c, "get_team", json!({"id": id})).await;
    assert_eq!(
        got["members"].as_array().map(Vec::len),
        Some(2),
        "members are replaced: {got}"
    );

    common::run(c, "delete_team", json!({"id": id})).await;
    let gone = c
        .run_action("get_team", json!({"id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(!listed(c, "teams", id).await);
}
