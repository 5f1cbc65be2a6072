//! `actions::*` (connectors with actions): effects are declared honestly; invalid inputs are
//! refused with `Error::InvalidInput` naming the field before any request; sample outputs
//! validate against the output schema.

use connector_sdk::validate::{ValidInput, violations};
use connector_sdk::{ActionDescriptor, ActionEffect, ConnectorExt, Error};
use serde_json::{Value, json};

use crate::failure::{Failure, Outcome, fail};
use crate::harness::Harness;
use crate::schema::{self, dotted};
use crate::support::Session;
use crate::{Check, Plan};

/// The field name the unknown-field probe adds.
pub const UNKNOWN_FIELD: &str = "conformance_unknown_field";

/// One invalid input.
#[derive(Debug, Clone)]
pub struct InvalidCase {
    /// What is wrong, e.g. `without id`.
    pub label: String,
    /// The input.
    pub input: Value,
    /// The field the error must name (`None` when the base input was not known valid).
    pub field: Option<String>,
}

/// Invalid inputs made from `base` (a valid input when `base_valid`): a list instead of an
/// object, each required field removed, each required field wrongly typed, and an unknown field
/// in each object that refuses unknown fields.
pub fn invalid_inputs(schema: &Value, base: &Value, base_valid: bool) -> Vec<InvalidCase> {
    let mut out = Vec::new();
    let named = |f: String| base_valid.then_some(f);
    if schema::types_of(schema, schema).is_some_and(|t| !t.iter().any(|t| t == "array")) {
        out.push(InvalidCase {
            label: "a list instead of an object".into(),
            input: json!([]),
            field: Some("(root)".into()),
        });
    }
    let found = schema::fields(schema, base);
    for f in found.fields.iter().filter(|f| f.required) {
        out.push(InvalidCase {
            label: format!("without {}", dotted(&f.path)),
            input: schema::edit(base, &f.path, None),
            field: named(dotted(&f.path)),
        });
        if let Some(types) = schema::types_of(schema, &f.schema)
            && let Some(wrong) = schema::wrong_value(&types, "conformance: wrong type")
        {
            out.push(InvalidCase {
                label: format!("{} as {}", dotted(&f.path), schema::json_type(&wrong)),
                input: schema::edit(base, &f.path, Some(wrong)),
                field: named(dotted(&f.path)),
            });
        }
    }
    for (path, closed) in &found.objects {
        if *closed {
            let mut p = path.clone();
            p.push(UNKNOWN_FIELD.into());
            out.push(InvalidCase {
                label: format!("with unknown field {}", dotted(&p)),
                input: schema::edit(base, &p, Some(json!(1))),
                field: named(dotted(&p)),
            });
        }
    }
    out
}

fn verb(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

/// `actions::effects_declared`: an action's effect matches its name: `delete`/`destroy`/`purge`
/// actions declare `delete`; `remove`/`cancel`/`merge`/`archive` actions declare `update` or
/// `delete` (never `read` or `create`); `get`/`list`/`search`/`find`/`count` actions declare
/// `read`; `create`/`add`/`update`/`set`/`send` actions do not declare `read`. Read actions are
/// idempotent.
pub async fn effects_declared(h: &dyn Harness) -> Outcome {
    let definition = h.definition();
    let mut p = Vec::new();
    for a in &definition.spec().actions {
        let e = a.effect;
        let v = verb(&a.name);
        let wrong = match v {
            "delete" | "destroy" | "purge" => e != ActionEffect::Delete,
            "remove" | "cancel" | "merge" | "archive" => {
                matches!(e, ActionEffect::Read | ActionEffect::Create)
            }
            "get" | "list" | "search" | "find" | "count" => e != ActionEffect::Read,
            "create" | "add" | "update" | "set" | "send" => e == ActionEffect::Read,
            _ => false,
        };
        if wrong {
            p.push(format!(
                "action `{}` declares effect {e:?}, which hides what `{v}` does",
                a.name
            ));
        }
        if e == ActionEffect::Read && !a.idempotent {
            p.push(format!(
                "action `{}` only reads but is not declared idempotent",
                a.name
            ));
        }
    }
    Failure::from_problems("action effects are not declared as such", p)
}

/// The input invalid cases are made from, and whether it is valid: the action's first sample
/// when it validates, else one synthesized from the input schema (`{}` when none can be).
pub(crate) fn base_input(h: &dyn Harness, d: &ActionDescriptor) -> (Value, bool) {
    let sample = h
        .action_samples()
        .get(&d.name)
        .and_then(|s| s.first().cloned())
        .filter(|s| ValidInput::check(d, s.clone()).is_ok());
    match sample {
        Some(s) => (s, true),
        None => {
            let synth = schema::synthesize(&d.input_schema, &d.input_schema).unwrap_or(json!({}));
            let ok = ValidInput::check(d, synth.clone()).is_ok();
            (synth, ok)
        }
    }
}

/// `actions::invalid_input_refused::<action>`: every [`invalid_inputs`] case (made from the
/// first sample input, or a synthesized one) is refused with `InvalidInput` for this action
/// naming the field, and the backend's request count does not move.
pub async fn invalid_input_refused(h: &dyn Harness, action: &str) -> Outcome {
    let session = Session::start(h).await?;
    let Some(d) = session.spec().action(action).cloned() else {
        fail!("the spec declares no action `{action}`");
    };
    let (base, valid) = base_input(h, &d);
    let connector = session.connect()?;
    let mut p = Vec::new();
    for case in invalid_inputs(&d.input_schema, &base, valid) {
        let before = session.requests().await?;
        let result = connector.run_action(action, case.input.clone()).await;
        let after = session.requests().await?;
        match result {
            Ok(out) => p.push(format!("{}: accepted, output {out:.200}", case.label)),
            Err(Error::InvalidInput {
                action: named,
                path,
                ..
            }) => {
                if named != action {
                    p.push(format!("{}: the error names action `{named}`", case.label));
                }
                if let Some(f) = &case.field
                    && &path != f
                {
                    p.push(format!(
                        "{}: the error names `{path}` instead of `{f}`",
                        case.label
                    ));
                }
            }
            Err(e) => p.push(format!(
                "{}: failed with {} instead of invalid_input: {e}",
                case.label,
                e.kind()
            )),
        }
        if let (Some(b), Some(a)) = (before, after)
            && a != b
        {
            p.push(format!(
                "{}: {} request(s) reached the backend; input must be validated before any request",
                case.label,
                a - b
            ));
        }
    }
    Failure::from_problems(
        format!("action `{action}`: invalid input is not refused cleanly"),
        p,
    )
}

/// Runs the samples of `action` in order on one backend: `(input, output or error)`.
pub(crate) async fn run_samples(
    h: &dyn Harness,
    action: &str,
) -> Result<(Session, Vec<(Value, Result<Value, Error>)>), Failure> {
    let session = Session::start(h).await?;
    let connector = session.connect()?;
    let mut out = Vec::new();
    for input in h.action_samples().get(action).cloned().unwrap_or_default() {
        let result = connector.run_action(action, input.clone()).await;
        out.push((input, result));
    }
    Ok((session, out))
}

/// `actions::sample_outputs_valid::<action>`: every sample input runs without error and its
/// output validates against the output schema (formats enforced).
pub async fn sample_outputs_valid(h: &dyn Harness, action: &str) -> Outcome {
    let (session, runs) = run_samples(h, action).await?;
    let Some(d) = session.spec().action(action) else {
        fail!("the spec declares no action `{action}`");
    };
    let mut p = Vec::new();
    for (i, (input, result)) in runs.iter().enumerate() {
        match result {
            Err(e) => p.push(format!(
                "sample #{i} {input}: failed with {} error: {e}",
                e.kind()
            )),
            Ok(out) => match violations(&d.output_schema, out) {
                Err(e) => p.push(format!("the output schema does not compile: {e}")),
                Ok(vs) => {
                    for v in vs {
                        p.push(format!(
                            "sample #{i} {input}: output {}: {}",
                            v.path, v.reason
                        ));
                    }
                }
            },
        }
    }
    Failure::from_problems(
        format!("action `{action}`: sample outputs do not match the output schema"),
        p,
    )
}

/// The sample runs as a snapshot document: `[{"input", "output"}]` (or `"error"`).
pub(crate) async fn sample_document(h: &dyn Harness, action: &str) -> Result<Value, Failure> {
    let (_, runs) = run_samples(h, action).await?;
    Ok(Value::Array(
        runs.into_iter()
            .map(|(input, result)| match result {
                Ok(output) => json!({"input": input, "output": output}),
                Err(e) => json!({"input": input, "error": e.to_string()}),
            })
            .collect(),
    ))
}

/// The family name.
pub const FAMILY: &str = "actions";

/// The `actions::*` checks: `effects_declared` when there are actions, `invalid_input_refused`
/// per action, `sample_outputs_valid` per sampled action.
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = Vec::new();
    if !plan.spec.actions.is_empty() {
        out.push(plain!(FAMILY, "effects_declared", effects_declared));
    }
    for a in &plan.spec.actions {
        out.push(about!(
            FAMILY,
            "invalid_input_refused",
            invalid_input_refused,
            &a.name
        ));
    }
    for a in plan.sampled_actions() {
        out.push(about!(
            FAMILY,
            "sample_outputs_valid",
            sample_outputs_valid,
            &a.name
        ));
    }
    out
}
