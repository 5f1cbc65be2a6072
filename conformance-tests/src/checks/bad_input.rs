//! `bad_input::*` (every connector): bad configs and bad action inputs derived from the schemas
//! (documents that are not objects, values out of the declared range, length or options, and
//! wrong types for the optional fields the valid document leaves out) are each refused with an
//! error naming the field, before any request (when the harness counts requests), and no error
//! echoes a secret value of the config. `config::*` and `actions::invalid_input_refused` cover
//! the fields the valid document holds (removed, wrongly typed, unknown); these cover the rest.

use connector_sdk::validate::{ValidInput, violations};
use connector_sdk::{ConnectorExt, DefinitionExt, Error};
use serde_json::{Value, json};

use crate::checks::config::mask;
use crate::failure::{Failure, Outcome, fail};
use crate::harness::Harness;
use crate::schema::{self, dotted};
use crate::support::{self, Session};
use crate::{Check, Plan};

/// One bad document and the field its error must name.
#[derive(Debug, Clone)]
pub struct BadCase {
    /// What is wrong, e.g. `page_size = 0, below the minimum 1`.
    pub label: String,
    /// The document.
    pub doc: Value,
    /// The field the error must name (`(root)` for the document itself).
    pub field: String,
}

/// Documents that are not objects: `null`, a number, a string (`text`), `true`, and a list
/// holding the valid document.
pub fn documents(valid: &Value, text: &str) -> Vec<BadCase> {
    [
        ("null", Value::Null),
        ("a number", json!(42)),
        ("a string", Value::String(text.to_string())),
        ("a boolean", json!(true)),
        ("a list", json!([valid.clone()])),
    ]
    .into_iter()
    .map(|(what, doc)| BadCase {
        label: format!("the document is {what}"),
        doc,
        field: "(root)".into(),
    })
    .collect()
}

/// Every property a document's objects declare, present or not: (path, schema, present).
fn slots(root: &Value, doc: &Value) -> Vec<(Vec<String>, Value, bool)> {
    let mut out: Vec<(Vec<String>, Value, bool)> = Vec::new();
    let mut objects: Vec<(Vec<String>, Value, Value)> = vec![(vec![], root.clone(), doc.clone())];
    for f in schema::fields(root, doc).fields {
        if f.value.is_object() {
            objects.push((f.path.clone(), f.schema.clone(), f.value.clone()));
        }
    }
    for (path, node, value) in objects {
        for (name, sub) in schema::shape(root, &node, &value).properties {
            let mut p = path.clone();
            p.push(name.clone());
            if !out.iter().any(|(q, _, _)| *q == p) {
                out.push((p, sub, value.get(&name).is_some()));
            }
        }
    }
    out
}

/// Values of the right type but out of what `node` allows: below `minimum` / at
/// `exclusiveMinimum`, above `maximum` / at `exclusiveMaximum`, shorter than `minLength`, longer
/// than `maxLength` (made of `text`), not one of a string `enum` (`text`).
pub fn out_of_range(root: &Value, node: &Value, text: &str) -> Vec<(String, Value)> {
    let Ok(n) = schema::resolve(root, node) else {
        return Vec::new();
    };
    let types = schema::types_of(root, node).unwrap_or_default();
    let has = |t: &str| types.iter().any(|x| x == t);
    let num = |k: &str| n.get(k).and_then(Value::as_f64);
    let mut out = Vec::new();
    let number = |v: f64| {
        if has("integer") && !has("number") {
            json!(v as i64)
        } else {
            json!(v)
        }
    };
    if has("integer") || has("number") {
        if let Some(m) = num("minimum") {
            let below = if has("number") {
                m - 0.5
            } else {
                m.ceil() - 1.0
            };
            out.push((format!("below the minimum {m}"), number(below)));
        }
        if let Some(m) = num("exclusiveMinimum") {
            out.push((format!("at the exclusive minimum {m}"), number(m)));
        }
        if let Some(m) = num("maximum") {
            let above = if has("number") {
                m + 0.5
            } else {
                m.floor() + 1.0
            };
            out.push((format!("above the maximum {m}"), number(above)));
        }
        if let Some(m) = num("exclusiveMaximum") {
            out.push((format!("at the exclusive maximum {m}"), number(m)));
        }
    }
    if has("string") {
        let text = if text.is_empty() { "x" } else { text };
        if let Some(m) = n.get("minLength").and_then(Value::as_u64)
            && m > 0
        {
            out.push((
                format!("shorter than the minimum length {m}"),
                json!("x".repeat(m as usize - 1)),
            ));
        }
        if let Some(m) = n.get("maxLength").and_then(Value::as_u64)
            && m < 100_000
        {
            let long: String = text.chars().cycle().take(m as usize + 1).collect();
            out.push((format!("longer than the maximum length {m}"), json!(long)));
        }
        if let Some(Value::Array(options)) = n.get("enum")
            && options.iter().all(Value::is_string)
            && !options.contains(&json!(text))
        {
            out.push(("not one of its options".into(), json!(text)));
        }
    }
    out
}

/// The bad variants of `valid` under `schema` (a valid document) other than non-object
/// documents: each declared field out of range (see [`out_of_range`]), and each optional field
/// the document leaves out given a wrong type. `text` is the string the values are made of
/// (callers pass a secret, to prove that errors never echo values). Variants the schema still
/// accepts are left out.
pub fn variants(schema: &Value, valid: &Value, text: &str) -> Vec<BadCase> {
    let mut out = Vec::new();
    for (path, sub, present) in slots(schema, valid) {
        let field = dotted(&path);
        for (why, value) in out_of_range(schema, &sub, text) {
            out.push(BadCase {
                label: format!("{field} {why}"),
                doc: schema::edit(valid, &path, Some(value)),
                field: field.clone(),
            });
        }
        if !present
            && let Some(types) = schema::types_of(schema, &sub)
            && let Some(wrong) = schema::wrong_value(&types, text)
        {
            out.push(BadCase {
                label: format!(
                    "{field} (left out of the valid document) as {} instead of {}",
                    schema::json_type(&wrong),
                    types.join(" or ")
                ),
                doc: schema::edit(valid, &path, Some(wrong)),
                field,
            });
        }
    }
    out.retain(|c| violations(schema, &c.doc).is_ok_and(|v| !v.is_empty()));
    out
}

/// The string bad values are made of: the config's first secret, so an error that echoes a
/// value is caught.
fn probe_text(session: &Session) -> (Vec<String>, String) {
    let secrets = support::secrets(session.spec(), &session.config);
    let text = secrets
        .first()
        .cloned()
        .unwrap_or_else(|| "conformance: not a valid value".into());
    (secrets, text)
}

/// The problems of one refused-or-not result: accepted, another error kind, another field, an
/// echoed secret.
fn judge(
    label: &str,
    field: &str,
    result: Result<(), Error>,
    secrets: &[String],
    p: &mut Vec<String>,
) {
    match result {
        Ok(()) => p.push(format!("{label}: accepted")),
        Err(e) => {
            let path = match &e {
                Error::InvalidConfig { path, .. } | Error::InvalidInput { path, .. } => {
                    Some(path.clone())
                }
                _ => None,
            };
            match path {
                None => p.push(format!(
                    "{label}: failed with {} instead of a validation error: {}",
                    e.kind(),
                    support::redact(&e.to_string(), secrets)
                )),
                Some(path) if path != field => p.push(format!(
                    "{label}: the error names `{path}` instead of `{field}`: {}",
                    support::redact(&e.to_string(), secrets)
                )),
                Some(_) => {}
            }
            for text in [e.to_string(), format!("{e:?}")] {
                if let Some(s) = support::echoed(&text, secrets) {
                    p.push(format!(
                        "{label}: the error echoes the secret {}: {}",
                        mask(s),
                        support::redact(&text, secrets)
                    ));
                    break;
                }
            }
        }
    }
}

async fn configs_refused(h: &dyn Harness, what: &str, documents_only: bool) -> Outcome {
    let session = Session::start(h).await?;
    let (secrets, text) = probe_text(&session);
    let root = &session.spec().config_schema;
    let cases = if documents_only {
        documents(&session.config, &text)
    } else {
        variants(root, &session.config, &text)
    };
    let mut p = Vec::new();
    let before = session.requests().await?;
    for c in &cases {
        let result = session.definition.connect(&c.doc).map(|_| ());
        judge(&c.label, &c.field, result, &secrets, &mut p);
    }
    let after = session.requests().await?;
    if let (Some(b), Some(a)) = (before, after)
        && a != b
    {
        p.push(format!(
            "{} request(s) reached the backend while refusing {} bad config(s); a config is validated before any request",
            a - b,
            cases.len()
        ));
    }
    Failure::from_problems(format!("{what} are not refused cleanly"), p)
}

/// `bad_input::config_documents`: a config that is not an object (null, a number, a string
/// holding a secret, a boolean, a list) is refused with `InvalidConfig` naming `(root)`,
/// without a request and without echoing the secret.
pub async fn config_documents(h: &dyn Harness) -> Outcome {
    configs_refused(h, "configs that are not objects", true).await
}

/// `bad_input::config_out_of_range`: every config field out of its declared range, length or
/// options, and every optional field the valid config leaves out given a wrong type (see
/// [`variants`]), is refused with `InvalidConfig` naming it, without a request and without
/// echoing a secret.
pub async fn config_out_of_range(h: &dyn Harness) -> Outcome {
    configs_refused(
        h,
        "out-of-range and wrongly typed optional config fields",
        false,
    )
    .await
}

/// `bad_input::action_inputs::<action>`: inputs that are not objects, every field out of its
/// declared range, length or options, and every optional field the base input leaves out given
/// a wrong type, are refused with `InvalidInput` naming the field (base: the first sample
/// input, or a synthesized one), without a request and without echoing a secret of the config.
pub async fn action_inputs(h: &dyn Harness, action: &str) -> Outcome {
    let session = Session::start(h).await?;
    let Some(d) = session.spec().action(action).cloned() else {
        fail!("the spec declares no action `{action}`");
    };
    let (secrets, text) = probe_text(&session);
    let sample = h
        .action_samples()
        .get(action)
        .and_then(|s| s.first().cloned())
        .or_else(|| schema::synthesize(&d.input_schema, &d.input_schema))
        .filter(|s| ValidInput::check(&d, s.clone()).is_ok());
    let object = schema::types_of(&d.input_schema, &d.input_schema)
        .is_none_or(|t| t.iter().all(|t| t == "object"));
    let mut cases = Vec::new();
    if object {
        cases.extend(documents(sample.as_ref().unwrap_or(&json!({})), &text));
    }
    if let Some(base) = &sample {
        cases.extend(variants(&d.input_schema, base, &text));
    }
    let connector = session.connect()?;
    let mut p = Vec::new();
    let before = session.requests().await?;
    for c in &cases {
        let result = connector.run_action(action, c.doc.clone()).await;
        if let Err(Error::InvalidInput { action: named, .. }) = &result
            && named != action
        {
            p.push(format!("{}: the error names action `{named}`", c.label));
        }
        judge(&c.label, &c.field, result.map(|_| ()), &secrets, &mut p);
    }
    let after = session.requests().await?;
    if let (Some(b), Some(a)) = (before, after)
        && a != b
    {
        p.push(format!(
            "{} request(s) reached the backend while refusing {} bad input(s); input is validated before any request",
            a - b,
            cases.len()
        ));
    }
    Failure::from_problems(
        format!("action `{action}`: bad input is not refused cleanly"),
        p,
    )
}

/// The family name.
pub const FAMILY: &str = "bad_input";

/// The `bad_input::*` checks: the config ones always, `action_inputs` per action.
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = vec![
        plain!(FAMILY, "config_documents", config_documents),
        plain!(FAMILY, "config_out_of_range", config_out_of_range),
    ];
    for a in &plan.spec.actions {
        out.push(about!(FAMILY, "action_inputs", action_inputs, &a.name));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_per_keyword() {
        let root = json!({
            "type": "object",
            "properties": {
                "n": {"type": "integer", "minimum": 1, "maximum": 100},
                "s": {"type": "string", "minLength": 2, "maxLength": 4},
                "e": {"type": "string", "enum": ["a", "b"]},
                "free": {}
            }
        });
        let valid = json!({"n": 5});
        let cases = variants(&root, &valid, "SECRET");
        let labels: Vec<&str> = cases.iter().map(|c| c.label.as_str()).collect();
        assert!(labels.contains(&"n below the minimum 1"), "{labels:?}");
        assert!(labels.contains(&"n above the maximum 100"), "{labels:?}");
        assert!(
            labels.contains(&"s longer than the maximum length 4"),
            "{labels:?}"
        );
        assert!(labels.contains(&"e not one of its options"), "{labels:?}");
        assert!(
            labels.iter().any(|l| l.starts_with("s (left out")),
            "{labels:?}"
        );
        assert!(!labels.iter().any(|l| l.starts_with("free")), "{labels:?}");
        let long = cases
            .iter()
            .find(|c| c.label.starts_with("s longer"))
            .unwrap();
        assert_eq!(long.doc["s"], "SECRE");
        assert!(cases.iter().all(|c| c.field != "(root)"));
        assert_eq!(documents(&valid, "x").len(), 5);
    }
}
