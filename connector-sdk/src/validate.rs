//! JSON Schema validation with errors in words.
//!
//! Configs and action inputs are checked against their declared schemas (the `jsonschema`
//! crate, formats enforced) before anything else happens. Failures name the field by its path
//! (`auth.api_key`, `ids[2]`) and say how to fix it. Messages are built from the *schema*, never
//! from the value, so a secret can never be echoed back.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::spec::{ActionDescriptor, StreamDescriptor, ValidatorCell};

/// One reason a document does not match its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The field, dotted with indices (`auth.api_key`, `ids[2]`), or `(root)`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

/// Compiles a schema (draft read from `$schema`, 2020-12 by default) with formats enforced.
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| e.to_string())
}

fn cached<'a>(
    cell: &'a ValidatorCell,
    schema: &Value,
) -> Result<&'a jsonschema::Validator, String> {
    cell.0
        .get_or_init(|| compile(schema))
        .as_ref()
        .map_err(Clone::clone)
}

/// Validates `instance` against `schema`; every violation, in words, sorted by path.
pub fn violations(schema: &Value, instance: &Value) -> Result<Vec<Violation>, String> {
    let validator = compile(schema)?;
    Ok(collect(&validator, schema, instance))
}

fn collect(validator: &jsonschema::Validator, schema: &Value, instance: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    for error in validator.iter_errors(instance) {
        describe(&error, schema, &mut out);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out.dedup();
    out
}

/// Turns a JSON pointer (`/auth/api_key`, `/ids/2`) into words (`auth.api_key`, `ids[2]`).
pub fn pointer_to_path(pointer: &str) -> String {
    let mut path = String::new();
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            path.push('[');
            path.push_str(&seg);
            path.push(']');
        } else {
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&seg);
        }
    }
    if path.is_empty() {
        "(root)".to_string()
    } else {
        path
    }
}

fn join(path: &str, field: &str) -> String {
    if path == "(root)" {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

fn type_words(t: &str) -> &str {
    match t {
        "integer" => "a whole number",
        "number" => "a number",
        "string" => "a string",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "an object",
        "null" => "null",
        other => other,
    }
}

/// The `description` next to the keyword that failed, when the schema has one there.
fn sibling_description(schema: &Value, keyword_pointer: &str) -> Option<String> {
    let parent = keyword_pointer.rsplit_once('/')?.0;
    let node = schema.pointer(parent)?;
    node.get("description")
        .and_then(Value::as_str)
        .map(|s| s.trim_end_matches('.').to_string())
}

fn describe(error: &jsonschema::ValidationError<'_>, schema: &Value, out: &mut Vec<Violation>) {
    use jsonschema::error::ValidationErrorKind as K;
    let path = pointer_to_path(&error.instance_path().to_string());
    let schema_ptr = error.schema_path().to_string();
    let reason = match error.kind() {
        K::Required { property } => {
            let name = property
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| property.to_string());
            out.push(Violation {
                path: join(&path, &name),
                reason: "is required; add it".into(),
            });
            return;
        }
        K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                out.push(Violation {
                    path: join(&path, name),
                    reason: "is not a known field; remove it or fix its spelling".into(),
                });
            }
            return;
        }
        K::OneOfNotValid { context } | K::AnyOf { context } => {
            // Pick the branch the document meant: the one whose discriminator (`const`) matched.
            let meant: Vec<_> = context
                .iter()
                .filter(|branch| {
                    !branch
                        .iter()
                        .any(|e| matches!(e.kind(), K::Constant { .. }))
                })
                .collect();
            if meant.len() == 1 {
                for e in meant[0] {
                    describe(e, schema, out);
                }
                return;
            }
            // Every branch wants another type here (e.g. a string where an object goes): say which.
            let wrong_type = |e: &&jsonschema::ValidationError<'_>| {
                matches!(e.kind(), K::Type { .. })
                    && pointer_to_path(&e.instance_path().to_string()) == path
            };
            if !context.is_empty()
                && context
                    .iter()
                    .all(|branch| branch.iter().any(|e| wrong_type(&e)))
                && let Some(e) = context[0].iter().find(wrong_type)
            {
                describe(e, schema, out);
                return;
            }
            // Every branch misses the same required field (typically the discriminator, e.g.
            // `auth.type`): name that field rather than the whole object.
            let required = |e: &jsonschema::ValidationError<'_>| match e.kind() {
                K::Required { property } => Some((e.instance_path().to_string(), property.clone())),
                _ => None,
            };
            let shared = context.first().and_then(|first| {
                first.iter().filter_map(required).find(|r| {
                    context
                        .iter()
                        .all(|branch| branch.iter().filter_map(required).any(|x| x == *r))
                })
            });
            if let Some((at, property)) = shared {
                let name = property
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| property.to_string());
                out.push(Violation {
                    path: join(&pointer_to_path(&at), &name),
                    reason: "is required; add it".into(),
                });
                return;
            }
            let options: Vec<String> = context
                .iter()
                .flat_map(|branch| branch.iter())
                .filter_map(|e| match e.kind() {
                    K::Constant { expected_value } => Some(expected_value.to_string()),
                    _ => None,
                })
                .collect();
            if options.is_empty() {
                "matches none of the allowed shapes; see the field's description".to_string()
            } else {
                let at = context
                    .iter()
                    .flat_map(|b| b.iter())
                    .find(|e| matches!(e.kind(), K::Constant { .. }))
                    .map(|e| pointer_to_path(&e.instance_path().to_string()))
                    .unwrap_or(path.clone());
                out.push(Violation {
                    path: at,
                    reason: format!("must be one of {}", options.join(", ")),
                });
                return;
            }
        }
        K::OneOfMultipleValid { .. } => {
            "matches more than one allowed shape; make it specific".into()
        }
        K::Type { kind } => {
            let names: Vec<String> = match kind {
                jsonschema::error::TypeKind::Single(t) => vec![t.to_string()],
                jsonschema::error::TypeKind::Multiple(ts) => {
                    ts.iter().map(|t| t.to_string()).collect()
                }
            };
            let words: Vec<&str> = names
                .iter()
                .map(|n| type_words(n))
                .filter(|w| *w != "null")
                .collect();
            let nullable = names.iter().any(|n| n == "null");
            format!(
                "must be {}{}",
                words.join(" or "),
                if nullable { " (or null)" } else { "" }
            )
        }
        K::MinLength { limit } if *limit == 1 => "must not be empty".into(),
        K::MinLength { limit } => format!("must be at least {limit} characters long"),
        K::MaxLength { limit } => format!("must be at most {limit} characters long"),
        K::Minimum { limit } => format!("must be at least {limit}"),
        K::Maximum { limit } => format!("must be at most {limit}"),
        K::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        K::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        K::MinItems { limit } if *limit == 1 => "must not be an empty list".into(),
        K::MinItems { limit } => format!("must have at least {limit} items"),
        K::MaxItems { limit } => format!("must have at most {limit} items"),
        K::MinProperties { limit } => format!("must have at least {limit} fields"),
        K::MaxProperties { limit } => format!("must have at most {limit} fields"),
        K::UniqueItems => "must not repeat items".into(),
        K::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|v| v.to_string()).collect())
                .unwrap_or_default();
            format!("must be one of {}", list.join(", "))
        }
        K::Constant { expected_value } => format!("must be {expected_value}"),
        K::Pattern { .. } => match sibling_description(schema, &schema_ptr) {
            Some(d) => format!("has the wrong form: {d}"),
            None => "has the wrong form; see the field's description".into(),
        },
        K::Format { format } => match format.as_str() {
            "date-time" => "must be a date-time like 2024-01-31T00:00:00Z".into(),
            "date" => "must be a date like 2024-01-31".into(),
            "email" => "must be an email address like agent@example.com".into(),
            "uri" => "must be an absolute URL like https://example.com".into(),
            other => format!("must be a valid {other}"),
        },
        K::FalseSchema => "is not allowed here; remove it".into(),
        K::MultipleOf { .. } => "is not a multiple of the allowed step".into(),
        _ => "does not match the schema; see the field's description".into(),
    };
    out.push(Violation { path, reason });
}

/// The violation to report: a named field rather than the whole document when both fail
/// (`{}` for an update misses `id` *and* has too few fields: `id: is required` says what to do).
fn first(mut v: Vec<Violation>) -> Option<Violation> {
    let i = v.iter().position(|x| x.path != "(root)").unwrap_or(0);
    (i < v.len()).then(|| v.swap_remove(i))
}

/// A config that has been checked against a connector's config schema.
///
/// Only this module can make one, so a connector's `build` can never receive an unchecked
/// document.
#[derive(Clone)]
pub struct ValidConfig(Value);

impl std::fmt::Debug for ValidConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The document holds secrets: never print it.
        f.debug_struct("ValidConfig").finish_non_exhaustive()
    }
}

impl ValidConfig {
    /// Validates `config` against `schema`: the first violation becomes
    /// [`Error::InvalidConfig`] naming the field.
    pub fn check(schema: &Value, config: &Value) -> Result<Self> {
        // A schema that does not compile is the connector's bug, not the user's config.
        let found = violations(schema, config).map_err(|e| {
            Error::internal(format!("the connector's config schema is invalid: {e}"))
        })?;
        match first(found) {
            Some(v) => Err(Error::invalid_config(v.path, v.reason)),
            None => Ok(ValidConfig(config.clone())),
        }
    }

    /// The checked document.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// Deserialises into the connector's config type; errors name the field.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T> {
        serde_path_to_error::deserialize::<_, T>(&self.0).map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." {
                "(root)".to_string()
            } else {
                path
            };
            Error::invalid_config(path, scrub(&e.into_inner().to_string()))
        })
    }
}

/// Removes quoted values from a serde message so it cannot echo a secret.
fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut in_quote = false;
    for c in message.chars() {
        if c == '"' {
            if !in_quote {
                out.push_str("\"…\"");
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(c);
        }
    }
    out
}

/// An action input that has been checked against the action's input schema.
///
/// [`crate::Action::run`] takes only this type: an action cannot be run on unchecked input.
#[derive(Clone)]
pub struct ValidInput(Value);

impl std::fmt::Debug for ValidInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ValidInput").field(&self.0).finish()
    }
}

impl ValidInput {
    /// Validates `input` against the action's input schema (compiled once per descriptor).
    pub fn check(action: &ActionDescriptor, input: Value) -> Result<Self> {
        // A schema that does not compile is the connector's bug, not the caller's input.
        let validator = cached(&action.validator, &action.input_schema).map_err(|e| {
            Error::internal(format!(
                "action `{}`: its input schema is invalid: {e}",
                action.name
            ))
        })?;
        match first(collect(validator, &action.input_schema, &input)) {
            Some(v) => Err(Error::InvalidInput {
                action: action.name.clone(),
                path: v.path,
                reason: v.reason,
            }),
            None => Ok(ValidInput(input)),
        }
    }

    /// The checked document.
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// Takes the checked document.
    pub fn into_value(self) -> Value {
        self.0
    }

    /// Deserialises into a typed input; errors name the field.
    pub fn parse<T: DeserializeOwned>(&self, action: &str) -> Result<T> {
        serde_path_to_error::deserialize::<_, T>(&self.0).map_err(|e| Error::InvalidInput {
            action: action.to_string(),
            path: e.path().to_string(),
            reason: scrub(&e.into_inner().to_string()),
        })
    }
}

/// Validates a record against its stream's schema (compiled once per descriptor).
pub fn check_record(stream: &StreamDescriptor, record: &Value) -> Result<(), Vec<Violation>> {
    let validator = cached(&stream.validator, &stream.schema).map_err(|e| {
        vec![Violation {
            path: "(schema)".into(),
            reason: e,
        }]
    })?;
    let found = collect(validator, &stream.schema, record);
    if found.is_empty() { Ok(()) } else { Err(found) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A schema that does not compile is the connector's fault: an internal (system) error, not
    /// the user's invalid config or input.
    #[test]
    fn a_broken_schema_is_an_internal_error() {
        let broken = json!({"type": "object", "properties": {"a": {"type": "no-such-type"}}});
        let e = ValidConfig::check(&broken, &json!({})).expect_err("refused");
        assert!(matches!(e, Error::Internal { .. }), "{e:?}");
        assert_eq!(e.failure_type(), crate::FailureType::SystemError);
        assert!(!e.is_retryable());
        let action = crate::ActionDescriptor::new(
            "a",
            "A",
            "",
            crate::ActionEffect::Read,
            broken,
            json!({}),
        );
        let e = ValidInput::check(&action, json!({})).expect_err("refused");
        assert!(matches!(e, Error::Internal { .. }), "{e:?}");
    }

    fn schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "required": ["subdomain", "auth"],
            "properties": {
                "subdomain": {"type": "string", "pattern": "^[a-z0-9-]+$",
                    "description": "Letters, digits and hyphens only."},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
                "start_date": {"type": "string", "format": "date-time"},
                "auth": {"oneOf": [
                    {"type": "object", "required": ["type", "email", "api_key"],
                     "properties": {"type": {"const": "basic"}, "email": {"type": "string"},
                        "api_key": {"type": "string", "minLength": 1}}},
                    {"type": "object", "required": ["type", "token"],
                     "properties": {"type": {"const": "bearer"}, "token": {"type": "string", "minLength": 1}}}
                ]}
            }
        })
    }

    fn reasons(config: Value) -> Vec<String> {
        violations(&schema(), &config)
            .unwrap()
            .into_iter()
            .map(|v| format!("{}: {}", v.path, v.reason))
            .collect()
    }

    #[test]
    fn paths_in_words() {
        assert_eq!(pointer_to_path(""), "(root)");
        assert_eq!(pointer_to_path("/auth/api_key"), "auth.api_key");
        assert_eq!(pointer_to_path("/ids/2"), "ids[2]");
        assert_eq!(pointer_to_path("/a~1b"), "a/b");
    }

    #[test]
    fn each_kind_of_violation_names_its_field() {
        let r = reasons(json!({"auth": {"type": "basic", "email": "a@b.c", "api_key": "k"}}));
        assert_eq!(r, vec!["subdomain: is required; add it"]);
        let r =
            reasons(json!({"subdomain": "Bad Domain!", "auth": {"type": "bearer", "token": "t"}}));
        assert_eq!(
            r,
            vec!["subdomain: has the wrong form: Letters, digits and hyphens only"]
        );
        let r = reasons(
            json!({"subdomain": "a", "page_size": 500, "auth": {"type": "bearer", "token": "t"}}),
        );
        assert_eq!(r, vec!["page_size: must be at most 100"]);
        let r = reasons(
            json!({"subdomain": "a", "page_size": "x", "auth": {"type": "bearer", "token": "t"}}),
        );
        assert_eq!(r, vec!["page_size: must be a whole number"]);
        let r = reasons(
            json!({"subdomain": "a", "start_date": "yesterday", "auth": {"type": "bearer", "token": "t"}}),
        );
        assert_eq!(
            r,
            vec!["start_date: must be a date-time like 2024-01-31T00:00:00Z"]
        );
        let r = reasons(
            json!({"subdomain": "a", "extra": 1, "auth": {"type": "bearer", "token": "t"}}),
        );
        assert_eq!(
            r,
            vec!["extra: is not a known field; remove it or fix its spelling"]
        );
    }

    #[test]
    fn one_of_reports_the_branch_that_was_meant() {
        let r = reasons(
            json!({"subdomain": "a", "auth": {"type": "basic", "email": "a@b.c", "api_key": ""}}),
        );
        assert_eq!(r, vec!["auth.api_key: must not be empty"]);
        let r = reasons(json!({"subdomain": "a", "auth": {"type": "basic", "email": "a@b.c"}}));
        assert_eq!(r, vec!["auth.api_key: is required; add it"]);
        let r = reasons(json!({"subdomain": "a", "auth": {"email": "a@b.c", "api_key": "k"}}));
        assert_eq!(r, vec!["auth.type: is required; add it"]);
        let r = reasons(json!({"subdomain": "a", "auth": "basic"}));
        assert_eq!(r, vec!["auth: must be an object"]);
        let r = reasons(json!({"subdomain": "a", "auth": {"type": "oauth"}}));
        assert_eq!(r, vec!["auth.type: must be one of \"basic\", \"bearer\""]);
    }

    #[test]
    fn secrets_are_never_echoed() {
        let secret = "sk_live_SECRET_VALUE_123";
        let cfg = json!({"subdomain": secret, "page_size": secret, "auth": {"type": "bearer", "token": 5}});
        for line in reasons(cfg) {
            assert!(!line.contains(secret), "{line}");
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u8,
        }
        let v = ValidConfig(json!({"n": secret}));
        let e = v.parse::<T>().unwrap_err().to_string();
        assert!(!e.contains(secret), "{e}");
        assert!(e.contains("n:"), "{e}");
        assert!(!format!("{v:?}").contains(secret));
    }
}
