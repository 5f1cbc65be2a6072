//! `harness::*`: the harness itself is consistent with the connector, so no check is silently
//! skipped by a typo.

use crate::failure::{Failure, Outcome};
use crate::harness::Harness;
use crate::support::Session;
use crate::{Check, Plan};

/// `harness::names_known`: every stream and action the harness names (samples, empty streams)
/// is declared by the connector.
pub async fn names_known(h: &dyn Harness) -> Outcome {
    let definition = h.definition();
    let spec = definition.spec();
    let mut p = Vec::new();
    for a in h.action_samples().keys() {
        if spec.action(a).is_none() {
            p.push(format!(
                "action_samples names action `{a}`, which the spec does not declare"
            ));
        }
    }
    for (s, reason) in h.empty_streams() {
        if spec.stream(&s).is_none() {
            p.push(format!(
                "empty_streams names stream `{s}`, which the spec does not declare"
            ));
        }
        if reason.trim().is_empty() {
            p.push(format!("empty_streams gives no reason for `{s}`"));
        }
    }
    if !crate::checks::spec::is_snake_case(&h.name()) {
        p.push(format!("Harness::name `{}` is not snake_case", h.name()));
    }
    Failure::from_problems("the harness names what the connector does not declare", p)
}

/// `harness::definitions_agree`: the backend's definition declares the same spec as
/// [`Harness::definition`], and the bad-credentials config differs from the valid one.
pub async fn definitions_agree(h: &dyn Harness) -> Outcome {
    let planned = serde_json::to_value(h.definition().spec())
        .map_err(|e| Failure::new(format!("the spec does not serialise: {e}")))?;
    let session = Session::start(h).await?;
    let used = serde_json::to_value(session.spec())
        .map_err(|e| Failure::new(format!("the spec does not serialise: {e}")))?;
    let mut p = Vec::new();
    if planned != used {
        p.push(
            "Backend::definition declares a different spec than Harness::definition".to_string(),
        );
    }
    if session.backend.bad_credentials_config() == session.config {
        p.push("the bad-credentials config equals the valid config".into());
    }
    Failure::from_problems("the harness is inconsistent", p)
}

/// The family name.
pub const FAMILY: &str = "harness";

/// The `harness::*` checks: always.
pub fn register(_plan: &Plan) -> Vec<Check> {
    vec![
        plain!(FAMILY, "names_known", names_known),
        plain!(FAMILY, "definitions_agree", definitions_agree),
    ]
}
