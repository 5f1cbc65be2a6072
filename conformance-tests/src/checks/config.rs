//! `config::*`: the valid config is accepted and builds without a request; every required field
//! removed, every field given a wrong type and every unknown field is refused with
//! `Error::InvalidConfig` naming that field; no error echoes a secret.

use connector_sdk::{DefinitionExt, Error};
use serde_json::{Value, json};

use crate::failure::{Failure, Outcome, ensure, fail};
use crate::harness::Harness;
use crate::schema::{self, dotted};
use crate::support::{self, Session};
use crate::{Check, Plan};

/// The field name the unknown-field probe adds.
pub const UNKNOWN_FIELD: &str = "conformance_unknown_field";

/// One invalid variant of the valid config.
#[derive(Debug, Clone)]
pub struct Variant {
    /// What was done, e.g. `without auth.api_key`.
    pub label: String,
    /// The config.
    pub config: Value,
    /// The field the error must name.
    pub field: String,
}

/// The invalid variants of `config` under `schema`: each required field removed (recursively,
/// inside the `oneOf` branch the config selects), each field given a value of a wrong type
/// (`secret` is the string used where strings are wrong), and an unknown field added to each
/// object that refuses unknown fields.
pub fn variants(schema: &Value, config: &Value, secret: &str) -> Vec<Variant> {
    let found = schema::fields(schema, config);
    let mut out = Vec::new();
    for f in found.fields.iter().filter(|f| f.required) {
        out.push(Variant {
            label: format!("without {}", dotted(&f.path)),
            config: schema::edit(config, &f.path, None),
            field: dotted(&f.path),
        });
    }
    for f in &found.fields {
        let Some(types) = schema::types_of(schema, &f.schema) else {
            continue;
        };
        if let Some(wrong) = schema::wrong_value(&types, secret) {
            out.push(Variant {
                label: format!(
                    "{} as {} instead of {}",
                    dotted(&f.path),
                    schema::json_type(&wrong),
                    types.join(" or ")
                ),
                config: schema::edit(config, &f.path, Some(wrong)),
                field: dotted(&f.path),
            });
        }
    }
    for (path, closed) in &found.objects {
        if *closed {
            let mut p = path.clone();
            p.push(UNKNOWN_FIELD.to_string());
            out.push(Variant {
                label: format!("with unknown field {}", dotted(&p)),
                config: schema::edit(config, &p, Some(json!(true))),
                field: dotted(&p),
            });
        }
    }
    out
}

/// The string used as the wrong value of non-string fields: the config's longest secret, so a
/// message that echoes values is caught.
fn probe_text(secrets: &[String]) -> String {
    secrets
        .first()
        .cloned()
        .unwrap_or_else(|| "conformance: not a valid value".into())
}

/// The variants of the session's valid config of one kind (`without`, `as`, `unknown`).
fn session_variants(session: &Session, kind: &str) -> Vec<Variant> {
    let secrets = support::secrets(session.spec(), &session.config);
    variants(
        &session.spec().config_schema,
        &session.config,
        &probe_text(&secrets),
    )
    .into_iter()
    .filter(|v| match kind {
        "without" => v.label.starts_with("without "),
        "unknown" => v.label.starts_with("with unknown"),
        _ => !v.label.starts_with("without ") && !v.label.starts_with("with unknown"),
    })
    .collect()
}

/// Checks that each variant is refused with `InvalidConfig` naming its field.
fn refused(session: &Session, variants: &[Variant]) -> Vec<String> {
    let mut p = Vec::new();
    for v in variants {
        match session.definition.connect(&v.config) {
            Ok(_) => p.push(format!("{}: the config was accepted", v.label)),
            Err(Error::InvalidConfig { path, reason }) => {
                if path != v.field {
                    p.push(format!(
                        "{}: the error names `{path}` ({reason}) instead of `{}`",
                        v.label, v.field
                    ));
                }
                if reason.trim().is_empty() {
                    p.push(format!("{}: the error gives no reason", v.label));
                }
            }
            Err(e) => p.push(format!(
                "{}: failed with {} instead of invalid_config: {e}",
                v.label,
                e.kind()
            )),
        }
    }
    p
}

/// `config::valid_config_builds`: the valid config passes `validate_config`, builds, and building
/// makes no request.
pub async fn valid_config_builds(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    if let Err(e) = session.definition.validate_config(&session.config) {
        fail!("the valid config fails validate_config: {e}");
    }
    let before = session.requests().await?;
    let _connector = session.connect()?;
    let after = session.requests().await?;
    if let (Some(b), Some(a)) = (before, after) {
        ensure!(
            a == b,
            "building a connector made {} request(s); build must make none",
            a - b
        );
    }
    Ok(())
}

/// `config::missing_required_fields`: removing each required field (recursively) fails with
/// `InvalidConfig` naming it.
pub async fn missing_required_fields(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let variants = session_variants(&session, "without");
    ensure!(
        !variants.is_empty(),
        "the valid config has no required field: the config schema should require what the connector needs"
    );
    Failure::from_problems(
        "a config without a required field is not refused clearly",
        refused(&session, &variants),
    )
}

/// `config::wrong_types`: giving each field a value of a wrong type fails with `InvalidConfig`
/// naming it.
pub async fn wrong_types(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let variants = session_variants(&session, "as");
    Failure::from_problems(
        "a config with a wrongly typed field is not refused clearly",
        refused(&session, &variants),
    )
}

/// `config::unknown_fields`: an unknown field in an object that declares
/// `additionalProperties: false` fails with `InvalidConfig` naming it.
pub async fn unknown_fields(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let variants = session_variants(&session, "unknown");
    Failure::from_problems(
        "a config with an unknown field is not refused clearly",
        refused(&session, &variants),
    )
}

/// `config::secrets_not_echoed`: no error (Display or Debug) of any invalid variant, nor of a
/// config whose non-secret fields hold a secret value, nor the Debug of a `ValidConfig`, contains
/// a secret value of the valid config.
pub async fn secrets_not_echoed(h: &dyn Harness) -> Outcome {
    let session = Session::start(h).await?;
    let spec = session.spec();
    let secrets = support::secrets(spec, &session.config);
    if secrets.is_empty() {
        return Ok(());
    }
    let root = &spec.config_schema;
    let mut probes: Vec<(String, Value)> = variants(root, &session.config, &secrets[0])
        .into_iter()
        .map(|v| (v.label, v.config))
        .collect();
    for f in schema::fields(root, &session.config).fields {
        let secret_field = schema::flag(root, &f.schema, "writeOnly")
            || schema::flag(root, &f.schema, "airbyte_secret")
            || secrets.iter().any(|s| f.value == Value::String(s.clone()));
        if !secret_field && !f.value.is_object() {
            probes.push((
                format!("{} holding a secret value", dotted(&f.path)),
                schema::edit(
                    &session.config,
                    &f.path,
                    Some(Value::String(secrets[0].clone())),
                ),
            ));
        }
    }
    let mut p = Vec::new();
    for (label, config) in &probes {
        if let Err(e) = session.definition.connect(config) {
            for text in [e.to_string(), format!("{e:?}")] {
                if let Some(s) = support::echoed(&text, &secrets) {
                    p.push(format!(
                        "{label}: the error echoes the secret {}: {}",
                        mask(s),
                        support::redact(&text, &secrets)
                    ));
                }
            }
        }
    }
    match session.definition.validate_config(&session.config) {
        Ok(valid) => {
            let debug = format!("{valid:?}");
            if let Some(s) = support::echoed(&debug, &secrets) {
                p.push(format!(
                    "the Debug of the valid config echoes the secret {}",
                    mask(s)
                ));
            }
        }
        Err(e) => p.push(format!("the valid config is refused: {e}")),
    }
    Failure::from_problems("config errors echo secrets", p)
}

/// A secret shown by its length only.
pub(crate) fn mask(secret: &str) -> String {
    format!("<{} characters>", secret.chars().count())
}

/// The error messages of every invalid variant, for the `config_errors` snapshot.
pub(crate) async fn error_messages(h: &dyn Harness) -> Result<Value, Failure> {
    let session = Session::start(h).await?;
    let secrets = support::secrets(session.spec(), &session.config);
    let mut out = serde_json::Map::new();
    for v in variants(
        &session.spec().config_schema,
        &session.config,
        &probe_text(&secrets),
    ) {
        let message = match session.definition.connect(&v.config) {
            Ok(_) => "(accepted)".to_string(),
            Err(e) => e.to_string(),
        };
        let message = support::redact(&message, &secrets);
        out.insert(v.label, Value::String(message));
    }
    Ok(Value::Object(out))
}

/// The family name.
pub const FAMILY: &str = "config";

/// The `config::*` checks: always.
pub fn register(_plan: &Plan) -> Vec<Check> {
    vec![
        plain!(FAMILY, "valid_config_builds", valid_config_builds),
        plain!(FAMILY, "missing_required_fields", missing_required_fields),
        plain!(FAMILY, "wrong_types", wrong_types),
        plain!(FAMILY, "unknown_fields", unknown_fields),
        plain!(FAMILY, "secrets_not_echoed", secrets_not_echoed),
    ]
}
