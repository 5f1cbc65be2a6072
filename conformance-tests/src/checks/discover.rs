//! `discover::*`: the Airbyte catalog says what the spec says, the host's `discover` prints it,
//! and a built connector hands out exactly the declared streams and actions.

use connector_host::airbyte;
use serde_json::{Value, json};

use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::support::{self, Session};
use crate::{Check, Plan};

/// `discover::catalog_matches_spec`: one catalog entry per stream, in order, with the stream's
/// schema, sync modes, cursor and primary key.
pub async fn catalog_matches_spec(h: &dyn Harness) -> Outcome {
    let definition = h.definition();
    let spec = definition.spec();
    let catalog = airbyte::catalog(spec);
    let Some(entries) = catalog["streams"].as_array() else {
        fail!("the catalog has no `streams` list: {catalog}");
    };
    let mut p = Vec::new();
    if entries.len() != spec.streams.len() {
        p.push(format!(
            "the catalog lists {} streams, the spec declares {}",
            entries.len(),
            spec.streams.len()
        ));
    }
    for (d, e) in spec.streams.iter().zip(entries) {
        let want = [
            ("name", json!(d.name)),
            ("json_schema", d.schema.clone()),
            ("supported_sync_modes", json!(d.sync_modes)),
            ("source_defined_cursor", json!(d.cursor_field.is_some())),
            (
                "default_cursor_field",
                json!(d.cursor_field.iter().collect::<Vec<_>>()),
            ),
            (
                "source_defined_primary_key",
                json!(d.primary_key.iter().map(|k| vec![k]).collect::<Vec<_>>()),
            ),
        ];
        for (key, value) in want {
            if e.get(key) != Some(&value) {
                p.push(format!(
                    "stream `{}`: catalog `{key}` is {}, the spec says {value}",
                    d.name,
                    e.get(key).unwrap_or(&Value::Null)
                ));
            }
        }
    }
    Failure::from_problems("the Airbyte catalog does not match the spec", p)
}

/// `discover::host_output_agrees`: `discover --config F` exits 0 and prints exactly one line, a
/// CATALOG message equal to the catalog of the spec.
pub async fn host_output_agrees(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let dir = support::temp_dir()?;
    let config = support::write_json(&dir, "config.json", &session.config)?;
    let run = support::host(
        session.definition.clone(),
        &["discover", "--config", &config],
    )
    .await?;
    ensure!(
        run.code == 0,
        "discover exited with {}: {}",
        run.code,
        run.stderr.trim()
    );
    ensure!(
        run.lines.len() == 1 && run.lines[0]["type"] == "CATALOG",
        "discover printed {} line(s), not exactly one CATALOG message: {:.500}",
        run.lines.len(),
        run.stdout
    );
    ensure!(
        run.lines[0]["catalog"] == airbyte::catalog(session.spec()),
        "the CATALOG printed by discover differs from the catalog of the spec"
    );
    Ok(())
}

/// `discover::connector_matches_spec`: a built connector's spec is the definition's, and its
/// `streams()` and `actions()` carry the declared descriptors, in the declared order (an action
/// validating against a laxer schema than declared would let invalid input through).
pub async fn connector_matches_spec(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let connector = session.connect()?;
    let spec = session.spec();
    let mut p = Vec::new();
    if ser(connector.spec()) != ser(spec) {
        p.push("Connector::spec differs from Definition::spec".to_string());
    }
    let streams = connector.streams();
    let names: Vec<&str> = streams
        .iter()
        .map(|s| s.descriptor().name.as_str())
        .collect();
    let declared: Vec<&str> = spec.streams.iter().map(|s| s.name.as_str()).collect();
    if names != declared {
        p.push(format!(
            "streams() gives {names:?}, the spec declares {declared:?}"
        ));
    }
    for s in &streams {
        if let Some(d) = spec.stream(&s.descriptor().name)
            && ser(s.descriptor()) != ser(d)
        {
            p.push(format!(
                "stream `{}`: its descriptor differs from the spec's",
                d.name
            ));
        }
    }
    let actions = connector.actions();
    let names: Vec<&str> = actions
        .iter()
        .map(|a| a.descriptor().name.as_str())
        .collect();
    let declared: Vec<&str> = spec.actions.iter().map(|a| a.name.as_str()).collect();
    if names != declared {
        p.push(format!(
            "actions() gives {names:?}, the spec declares {declared:?}"
        ));
    }
    for a in &actions {
        if let Some(d) = spec.action(&a.descriptor().name)
            && ser(a.descriptor()) != ser(d)
        {
            p.push(format!(
                "action `{}`: its descriptor (what inputs are validated against) differs from the spec's",
                d.name
            ));
        }
    }
    Failure::from_problems("the connector does not hand out what it declares", p)
}

/// A descriptor as JSON, to compare it.
fn ser<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The family name.
pub const FAMILY: &str = "discover";

/// The `discover::*` checks: always.
pub fn register(_plan: &Plan) -> Vec<Check> {
    vec![
        plain!(FAMILY, "catalog_matches_spec", catalog_matches_spec),
        plain!(FAMILY, "host_output_agrees", host_output_agrees),
        plain!(FAMILY, "connector_matches_spec", connector_matches_spec),
    ]
}
