//! `full_refresh::*::<stream>`: full-refresh reads are repeatable and ignore any state.

use std::collections::HashSet;

use connector_sdk::ReadRequest;

use crate::failure::{Outcome, ensure};
use crate::harness::Harness;
use crate::support::{self, Session};
use crate::{Check, Plan};
use connector_sdk::SyncMode;

fn diff(a: &HashSet<String>, b: &HashSet<String>) -> String {
    let only_a: Vec<&String> = a.difference(b).take(5).collect();
    let only_b: Vec<&String> = b.difference(a).take(5).collect();
    format!("only in the first: {only_a:?}; only in the second: {only_b:?}")
}

/// `full_refresh::same_keys_twice::<stream>`: two full-refresh reads give the same set of keys.
pub async fn same_keys_twice(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let first = session
        .read(connector.as_ref(), stream, ReadRequest::full_refresh())
        .await?;
    let second = session
        .read(connector.as_ref(), stream, ReadRequest::full_refresh())
        .await?;
    let (a, b) = (
        support::keys(first.records(), &d.primary_key),
        support::keys(second.records(), &d.primary_key),
    );
    ensure!(
        a == b,
        "stream `{stream}`: two full-refresh reads gave different keys ({} and {}); {}",
        a.len(),
        b.len(),
        diff(&a, &b)
    );
    Ok(())
}

/// `full_refresh::ignores_state::<stream>`: a full-refresh read given the final state of an
/// incremental read still yields every key.
pub async fn ignores_state(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let incremental = session
        .read(connector.as_ref(), stream, ReadRequest::incremental(None))
        .await?;
    let plain = session
        .read(connector.as_ref(), stream, ReadRequest::full_refresh())
        .await?;
    let with_state = session
        .read(
            connector.as_ref(),
            stream,
            ReadRequest {
                sync_mode: connector_sdk::SyncMode::FullRefresh,
                state: incremental.final_state().cloned(),
            },
        )
        .await?;
    let (a, b) = (
        support::keys(plain.records(), &d.primary_key),
        support::keys(with_state.records(), &d.primary_key),
    );
    ensure!(
        a == b,
        "stream `{stream}`: a full-refresh read given a state yields other keys than one without ({} and {}); full refresh must ignore state; {}",
        a.len(),
        b.len(),
        diff(&a, &b)
    );
    Ok(())
}

/// The family name.
pub const FAMILY: &str = "full_refresh";

/// The `full_refresh::*` checks, per full-refresh stream (`ignores_state` when it is also
/// incremental).
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = Vec::new();
    for s in plan
        .spec
        .streams
        .iter()
        .filter(|s| s.supports(SyncMode::FullRefresh))
    {
        out.push(about!(FAMILY, "same_keys_twice", same_keys_twice, &s.name));
        if s.supports(SyncMode::Incremental) {
            out.push(about!(FAMILY, "ignores_state", ignores_state, &s.name));
        }
    }
    out
}
