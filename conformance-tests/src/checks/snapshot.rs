//! `snapshot::*` (harnesses with a snapshot folder): insta snapshots of everything stable, named
//! `<snapshot>@<harness name>.snap`, with the harness's redactions. With `CI` set a mismatch
//! fails and nothing is written; locally a mismatch writes `.snap.new` for `cargo insta review`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use connector_host::airbyte;
use serde_json::Value;

use crate::checks::{actions, config};
use crate::failure::{Failure, Outcome, fail};
use crate::harness::Harness;
use crate::support::{self, Session};
use crate::{Check, Plan};

/// How many records of each stream are snapshotted.
pub const RECORDS: usize = 3;

/// Asserts the snapshot `name` of `value` in the harness's snapshot folder.
pub fn assert(h: &dyn Harness, name: &str, value: &Value) -> Outcome {
    let Some(dir) = h.snapshot_dir() else {
        fail!("the harness has no snapshot folder");
    };
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_snapshot_suffix(h.name());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("conformance snapshot `{name}` of `{}`", h.name()));
    for (selector, redaction) in h.redactions(name) {
        settings.add_redaction(&selector, redaction);
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_json_snapshot!(name, value));
    }));
    result.map_err(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        Failure::new(format!(
            "snapshot `{name}@{}` does not match (review with `cargo insta review`): {why}",
            h.name()
        ))
    })
}

/// `snapshot::spec`: the whole spec as JSON.
pub async fn spec(h: &dyn Harness) -> Outcome {
    let value = serde_json::to_value(h.definition().spec())
        .map_err(|e| Failure::new(format!("the spec does not serialise: {e}")))?;
    assert(h, "spec", &value)
}

/// `snapshot::catalog`: the Airbyte catalog.
pub async fn catalog(h: &dyn Harness) -> Outcome {
    assert(h, "catalog", &airbyte::catalog(h.definition().spec()))
}

/// `snapshot::config_errors`: the error message of every invalid config variant.
pub async fn config_errors(h: &dyn Harness) -> Outcome {
    let value = config::error_messages(h).await?;
    assert(h, "config_errors", &value)
}

/// `snapshot::records::<stream>`: the first [`RECORDS`] records of the default read.
pub async fn records(h: &dyn Harness, stream: &str) -> Outcome {
    let session = Session::start(h).await?;
    let d = session.stream(stream)?;
    let connector = session.connect()?;
    let read = support::read(
        connector.as_ref(),
        stream,
        support::default_request(&d),
        Some(RECORDS),
        session.max_records,
    )
    .await?;
    let value = Value::Array(read.records().into_iter().cloned().collect());
    assert(h, &format!("records.{stream}"), &value)
}

/// `snapshot::action::<action>`: the sample inputs of the action and their outputs.
pub async fn action(h: &dyn Harness, name: &str) -> Outcome {
    let value = actions::sample_document(h, name).await?;
    assert(h, &format!("action.{name}"), &value)
}

/// The family name.
pub const FAMILY: &str = "snapshot";

/// The `snapshot::*` checks: when the harness names a snapshot folder; one per stream and
/// per sampled action.
pub fn register(plan: &Plan) -> Vec<Check> {
    if !plan.snapshots {
        return Vec::new();
    }
    let mut out = vec![
        plain!(FAMILY, "spec", spec),
        plain!(FAMILY, "catalog", catalog),
        plain!(FAMILY, "config_errors", config_errors),
    ];
    for s in &plan.spec.streams {
        out.push(about!(FAMILY, "records", records, &s.name));
    }
    for a in plan.sampled_actions() {
        out.push(about!(FAMILY, "action", action, &a.name));
    }
    out
}
