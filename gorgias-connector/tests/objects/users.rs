//! End-to-end tests of `users` against the sandbox: the stream and every user action,
//! including id 0 (the authenticated user).

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::{DataSizes, ObjectKind};
use serde_json::json;

use crate::common;
use crate::tickets::support::{self, id_of, listed};

fn small() -> gorgias_sandbox::SandboxOptions {
    common::sized(DataSizes::scaled(20))
}

#[tokio::test]
async fn users_are_read_fully_and_incrementally() {
    let env = common::start_with(small()).await;
    support::check_stream(
        &env.sandbox,
        "users",
        ObjectKind::Users,
        2,
        true,
        |s, sub| support::insert(s, sub, ObjectKind::Users, 3),
    )
    .await;
}

#[tokio::test]
async fn user_zero_is_the_authenticated_user() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let me = common::run(c, "get_user", json!({"id": 0})).await;
    assert_eq!(
        me["email"].as_str(),
        Some(env.sandbox.accounts()[0].email.as_str())
    );
    let updated = common::run(
        c,
        "update_user",
        json!({"id": 0, "bio": "Runs the e2e tests."}),
    )
    .await;
    assert_eq!(
        (updated["id"].clone(), updated["bio"].as_str()),
        (me["id"].clone(), Some("Runs the e2e tests."))
    );
}

#[tokio::test]
async fn user_crud_round_trips() {
    let env = common::start_with(small()).await;
    let c = env.connector.as_ref();
    let created = common::run(
        c,
        "create_user",
        json!({"email": "e2e.agent@example.com", "name": "Ada Lovelace", "role": {"name": "agent"}, "country": "GB", "language": "en", "timezone": "Europe/London"}),
    )
    .await;
    let id = id_of(&created);
    assert_eq!(created["role"]["name"], "agent");
    assert!(listed(c, "users", id).await, "a created user is listed");

    let updated = common::run(
        c,
        "update_user",
        json!({"id": id, "role": {"name": "lite-agent"}, "country": null}),
    )
    .await;
    assert_eq!(updated["role"]["name"], "lite-agent");
    let moved = common::run(
        c,
        "update_user",
        json!({"id": id, "email": "e2e.agent2@example.com", "password_confirmation": "secret"}),
    )
    .await;
    assert_eq!(moved["email"], "e2e.agent2@example.com");
    assert_eq!(
        common::run(c, "get_user", json!({"id": id})).await["role"]["name"],
        "lite-agent"
    );

    common::run(c, "delete_user", json!({"id": id})).await;
    let gone = c
        .run_action("get_user", json!({"id": id}))
        .await
        .expect_err("deleted");
    assert!(matches!(gone, Error::NotFound { .. }), "{gone}");
    assert!(!listed(c, "users", id).await);
}
