//! Embedding the connector in a host process: several Gorgias accounts at once, incremental
//! reads with saved state, and an action, all through the SDK traits.
//!
//! Runs against an embedded sandbox with two accounts (no Gorgias account needed):
//! `cargo run -p gorgias-connector --example embed`

use std::sync::Arc;
use std::time::Duration;

use connector_sdk::{Connector, ConnectorExt, DefinitionExt, Message, ReadRequest, State};
use futures::StreamExt;
use gorgias_connector::{ClientOptions, GorgiasDefinition, Pacing};
use gorgias_sandbox::{AccountOptions, Sandbox, SandboxOptions};
use serde_json::json;

/// Reads one stream incrementally from `state`, saving every checkpoint; returns the records.
async fn sync(
    connector: &dyn Connector,
    stream: &str,
    state: &mut State,
) -> connector_sdk::Result<usize> {
    let request = ReadRequest::incremental(state.get(stream).cloned());
    let mut messages = connector.read_stream(stream, request)?;
    let mut records = 0;
    while let Some(message) = messages.next().await {
        match message? {
            Message::Record(_record) => records += 1, // hand `_record.data` (raw JSON) to your sink
            Message::State(checkpoint) => state.apply(&checkpoint), // persist it with the records
            Message::Log(log) => eprintln!("{:?}: {}", log.level, log.message),
        }
    }
    Ok(records)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Two accounts, Gorgias's rate limit enforced over a 1 s window (instead of 20 s).
    let window = Duration::from_secs(1);
    let sandbox = Sandbox::start(
        SandboxOptions::default()
            .accounts(vec![
                AccountOptions::new("acme"),
                AccountOptions::new("globex"),
            ])
            .rate_limit_window(window),
    )
    .await?;

    // One definition serves every account; each connector gets its own paced client.
    let definition = Arc::new(GorgiasDefinition::with_options(ClientOptions {
        pacing: Pacing::Window(window), // production: Pacing::Declared (40 per 20 s)
        ..ClientOptions::default()
    }));
    let mut accounts = Vec::new();
    for creds in sandbox.accounts() {
        let config = json!({
            "subdomain": creds.subdomain,
            "auth": {"type": "basic", "email": creds.email, "api_key": creds.api_key},
            "base_url": sandbox.base_url(),
        });
        let connector = definition.connect(&config)?; // validated: errors name the field
        connector.check().await?;
        accounts.push((creds.subdomain.clone(), connector, State::new()));
    }

    // First sync of every account, concurrently.
    let firsts = futures::future::join_all(accounts.iter_mut().map(
        |(name, connector, state)| async move {
            let n = sync(connector.as_ref(), "tickets", state).await?;
            Ok::<_, connector_sdk::Error>((name.clone(), n))
        },
    ))
    .await;
    for r in firsts {
        let (name, n) = r?;
        println!("{name}: first sync read {n} tickets");
    }

    // An action: validated against its input schema before any request.
    let (_, acme, acme_state) = &mut accounts[0];
    let created = acme
        .run_action(
            "create_ticket",
            json!({"channel": "api", "via": "api", "subject": "Where is my order?",
                   "customer": {"email": "shopper@example.com"},
                   "messages": [{"channel": "api", "via": "api", "from_agent": false,
                                 "sender": {"email": "shopper@example.com"}, "body_text": "Hi!"}]}),
        )
        .await?;
    println!("acme: created ticket {}", created["id"]);
    match acme
        .run_action("get_ticket", json!({"id": "not a number"}))
        .await
    {
        Err(e) => println!("refused before any request: {e}"),
        Ok(_) => unreachable!("the input schema requires an integer id"),
    }

    // Second sync: only what changed since the saved state.
    let n = sync(acme.as_ref(), "tickets", acme_state).await?;
    println!("acme: incremental sync read {n} ticket(s)");
    sandbox.shutdown().await;
    Ok(())
}
