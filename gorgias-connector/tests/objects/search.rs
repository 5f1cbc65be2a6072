//! End-to-end tests of `search` against the sandbox.

use connector_sdk::{ConnectorExt, Error};
use gorgias_sandbox::DataSizes;
use serde_json::{Value, json};

use crate::common;

fn results(out: &Value) -> Vec<Value> {
    out.get("data")
        .unwrap_or(out)
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no results in {out}"))
}

#[tokio::test]
async fn search_finds_tags_agents_and_customers() {
    let env = common::start_with(common::sized(DataSizes::scaled(20))).await;
    let c = env.connector.as_ref();
    common::run(c, "create_tag", json!({"name": "e2e-findme"})).await;
    let tags = results(&common::run(c, "search", json!({"type": "tag", "query": "findme"})).await);
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0]["name"], "e2e-findme");

    let email = env.sandbox.accounts()[0].email.clone();
    let agents = results(&common::run(c, "search", json!({"type": "agent", "query": email})).await);
    assert!(
        agents.iter().any(|a| a["email"] == json!(email)),
        "{agents:?}"
    );

    let some = results(&common::run(c, "search", json!({"type": "customer", "size": 3})).await);
    assert!(!some.is_empty() && some.len() <= 3);

    let e = c
        .run_action("search", json!({"type": "customer", "size": 500}))
        .await
        .expect_err("size too big");
    assert!(matches!(e, Error::InvalidInput { .. }), "{e}");
}
