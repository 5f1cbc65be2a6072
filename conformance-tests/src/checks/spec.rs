//! `spec::*`: the declarations alone, no backend. Schemas are valid JSON Schema of their draft
//! with no dangling `$ref`; names are unique and snake_case; secrets are marked; keys and
//! cursors exist; rate limits and auth kinds are well formed.

use std::collections::HashSet;

use connector_sdk::{ConnectorSpec, SyncMode};
use serde_json::Value;

use crate::failure::{Failure, Outcome, fail};
use crate::harness::Harness;
use crate::schema;
use crate::{Check, Plan};

fn spec_of(h: &dyn Harness) -> ConnectorSpec {
    h.definition().spec().clone()
}

/// Whether a name is snake_case: lowercase ASCII words of letters and digits joined by `_`,
/// starting with a letter.
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
}

/// Problems of one schema: meta-schema violations, dangling or non-local `$ref`s, failure to
/// compile with formats enforced, required names that are not declared properties, and (when
/// `object` is set) a root that is not `type: object`.
pub fn schema_problems(what: &str, schema: &Value, object: bool) -> Vec<String> {
    let mut out = Vec::new();
    if !schema.is_object() {
        return vec![format!("{what}: is not a JSON object")];
    }
    if let Some(draft) = schema.get("$schema")
        && !draft.is_string()
    {
        out.push(format!("{what}: `$schema` is not a string"));
    }
    match jsonschema::meta::validator_for(schema) {
        Ok(meta) => {
            for e in meta.iter_errors(schema) {
                out.push(format!(
                    "{what}: violates its draft's meta-schema at {:?}: {e}",
                    e.instance_path().to_string()
                ));
            }
        }
        Err(e) => out.push(format!("{what}: its `$schema` draft is unknown: {e}")),
    }
    for d in schema::dangling_refs(schema) {
        out.push(format!("{what}: dangling reference {d}"));
    }
    if let Err(e) = jsonschema::options()
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .build(schema)
    {
        out.push(format!(
            "{what}: does not compile (formats enforced, unknown formats refused): {e}"
        ));
    }
    schema::visit(schema, &mut |node, pointer| {
        if let (Some(Value::Array(req)), Some(Value::Object(props))) =
            (node.get("required"), node.get("properties"))
        {
            for r in req.iter().filter_map(Value::as_str) {
                if !props.contains_key(r) {
                    out.push(format!(
                        "{what}: at {pointer:?} `required` names `{r}`, which is not among its `properties`"
                    ));
                }
            }
        }
    });
    if object {
        let root_types = schema::types_of(schema, schema);
        if root_types.as_deref() != Some(&["object".to_string()][..]) {
            out.push(format!(
                "{what}: the root must be `type: object` (found {root_types:?})"
            ));
        }
    }
    out
}

/// `spec::metadata`: name snake_case, title, semver version, absolute documentation URL, a
/// positive polling interval.
pub async fn metadata(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    let mut p = Vec::new();
    if !is_snake_case(&spec.name) {
        p.push(format!("name `{}` is not snake_case", spec.name));
    }
    if spec.title.trim().is_empty() {
        p.push("title is empty".into());
    }
    let semver = spec.version.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = semver.split('.').collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|x| x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()))
    {
        p.push(format!(
            "version `{}` is not semver (MAJOR.MINOR.PATCH)",
            spec.version
        ));
    }
    if !(spec.documentation_url.starts_with("https://")
        || spec.documentation_url.starts_with("http://"))
    {
        p.push(format!(
            "documentation_url `{}` is not an absolute http(s) URL",
            spec.documentation_url
        ));
    }
    if spec.polling.recommended_interval_secs == 0 {
        p.push("polling.recommended_interval_secs is 0".into());
    }
    Failure::from_problems("the spec's metadata is incomplete", p)
}

/// `spec::config_schema_valid`: the config schema is a valid `type: object` JSON Schema.
pub async fn config_schema_valid(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    Failure::from_problems(
        "the config schema is not valid JSON Schema",
        schema_problems("config schema", &spec.config_schema, true),
    )
}

/// `spec::record_schema_valid::<stream>`: the stream's record schema is a valid `type: object`
/// JSON Schema.
pub async fn record_schema_valid(h: &dyn Harness, stream: &str) -> Outcome {
    let spec = spec_of(h);
    let Some(d) = spec.stream(stream) else {
        fail!("the spec declares no stream `{stream}`");
    };
    Failure::from_problems(
        format!("stream `{stream}`: the record schema is not valid JSON Schema"),
        schema_problems("record schema", &d.schema, true),
    )
}

/// `spec::action_schemas_valid::<action>`: the action's input (`type: object`) and output
/// schemas are valid JSON Schema; title and description are set.
pub async fn action_schemas_valid(h: &dyn Harness, action: &str) -> Outcome {
    let spec = spec_of(h);
    let Some(a) = spec.action(action) else {
        fail!("the spec declares no action `{action}`");
    };
    let mut p = schema_problems("input schema", &a.input_schema, true);
    p.extend(schema_problems("output schema", &a.output_schema, false));
    if a.title.trim().is_empty() {
        p.push("title is empty".into());
    }
    if a.description.trim().is_empty() {
        p.push("description is empty".into());
    }
    Failure::from_problems(
        format!("action `{action}`: its declaration is not valid"),
        p,
    )
}

/// `spec::names_unique_snake_case`: stream names and action names are unique and snake_case.
pub async fn names_unique_snake_case(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    let mut p = Vec::new();
    for (kind, names) in [
        (
            "stream",
            spec.streams
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "action",
            spec.actions.iter().map(|a| a.name.as_str()).collect(),
        ),
    ] {
        let mut seen = HashSet::new();
        for n in names {
            if !is_snake_case(n) {
                p.push(format!("{kind} name `{n}` is not snake_case"));
            }
            if !seen.insert(n) {
                p.push(format!("{kind} name `{n}` is declared twice"));
            }
        }
    }
    Failure::from_problems("stream and action names are not unique snake_case", p)
}

/// Whether a config field name looks like it holds a secret.
pub fn looks_secret(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["key", "token", "secret", "password"]
        .iter()
        .any(|w| n.contains(w))
}

/// `spec::secrets_marked`: every string config field whose name contains key, token, secret or
/// password, and every path of every auth kind's `secret_fields`, is marked `writeOnly: true` and
/// `airbyte_secret: true`.
pub async fn secrets_marked(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    let root = &spec.config_schema;
    let mut p = Vec::new();
    let marks = |node: &Value| {
        let mut missing = Vec::new();
        if !schema::flag(root, node, "writeOnly") {
            missing.push("`writeOnly: true`");
        }
        if !schema::flag(root, node, "airbyte_secret") {
            missing.push("`airbyte_secret: true`");
        }
        missing
    };
    for (path, name, node) in schema::all_properties(root) {
        let stringy = schema::types_of(root, node)
            .map(|t| t.iter().any(|t| t == "string"))
            .unwrap_or(true);
        if looks_secret(&name) && stringy {
            let missing = marks(node);
            if !missing.is_empty() {
                p.push(format!(
                    "config field `{path}` looks secret but lacks {}",
                    missing.join(" and ")
                ));
            }
        }
    }
    for kind in &spec.auth_kinds {
        for path in &kind.secret_fields {
            let found = schema::property_schemas(root, path);
            if found.is_empty() {
                p.push(format!(
                    "auth kind `{}` lists secret field `{path}`, which the config schema does not declare",
                    kind.config_type
                ));
            }
            for node in found {
                let missing = marks(node);
                if !missing.is_empty() {
                    p.push(format!(
                        "auth kind `{}`: secret field `{path}` lacks {}",
                        kind.config_type,
                        missing.join(" and ")
                    ));
                }
            }
        }
    }
    p.dedup();
    Failure::from_problems("secrets are not marked in the config schema", p)
}

/// `spec::stream_declaration::<stream>`: a description; a non-empty primary key whose fields are
/// declared and required record properties; a cursor field that is a declared property;
/// sync modes non-empty and distinct; incremental declared exactly when the incremental sync
/// mode is, with a cursor field.
pub async fn stream_declaration(h: &dyn Harness, stream: &str) -> Outcome {
    let spec = spec_of(h);
    let Some(d) = spec.stream(stream) else {
        fail!("the spec declares no stream `{stream}`");
    };
    let root = &d.schema;
    let node = schema::resolve(root, root).unwrap_or(root);
    let props = node.get("properties").and_then(Value::as_object);
    let required: Vec<&str> = node
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let declared = |f: &str| props.is_some_and(|p| p.contains_key(f));
    let mut p = Vec::new();
    if d.description.trim().is_empty() {
        p.push("description is empty".to_string());
    }
    if d.primary_key.is_empty() {
        p.push("declares no primary key: records cannot be deduplicated".into());
    }
    for k in &d.primary_key {
        if !declared(k) {
            p.push(format!(
                "primary key field `{k}` is not a property of the record schema"
            ));
        } else if !required.contains(&k.as_str()) {
            p.push(format!(
                "primary key field `{k}` is not `required` in the record schema"
            ));
        }
    }
    if let Some(c) = &d.cursor_field
        && !declared(c)
    {
        p.push(format!(
            "cursor field `{c}` is not a property of the record schema"
        ));
    }
    if d.sync_modes.is_empty() {
        p.push("declares no sync mode".into());
    }
    let distinct: HashSet<_> = d.sync_modes.iter().collect();
    if distinct.len() != d.sync_modes.len() {
        p.push(format!("sync modes repeat: {:?}", d.sync_modes));
    }
    let incremental_mode = d.supports(SyncMode::Incremental);
    match (&d.incremental, incremental_mode) {
        (Some(_), false) => {
            p.push("declares `incremental` but not the incremental sync mode".into())
        }
        (None, true) => {
            p.push("supports the incremental sync mode but does not declare `incremental`".into())
        }
        _ => {}
    }
    if incremental_mode && d.cursor_field.is_none() {
        p.push("supports the incremental sync mode without a cursor field".into());
    }
    if let Some(inc) = &d.incremental
        && inc.note.trim().is_empty()
    {
        p.push("incremental.note is empty: say what a user should know".into());
    }
    if let Some(reason) = &d.may_be_empty
        && reason.trim().is_empty()
    {
        p.push("may_be_empty is set without a reason".into());
    }
    Failure::from_problems(
        format!("stream `{stream}`: its declaration is inconsistent"),
        p,
    )
}

/// `spec::rate_limits_well_formed`: each rate limit allows requests > 0 per window > 0, names
/// non-empty headers when it names any, applies to a declared auth scheme, and no two limits
/// apply to the same scheme.
pub async fn rate_limits_well_formed(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    let mut p = Vec::new();
    let mut seen = HashSet::new();
    for (i, r) in spec.rate_limits.iter().enumerate() {
        let at = format!("rate_limits[{i}]");
        if r.requests == 0 {
            p.push(format!("{at}: requests is 0"));
        }
        if r.window_ms == 0 {
            p.push(format!("{at}: window_ms is 0"));
        }
        for (name, header) in [
            ("usage_header", &r.usage_header),
            ("retry_after_header", &r.retry_after_header),
        ] {
            if let Some(hd) = header
                && (hd.trim().is_empty() || hd.contains(char::is_whitespace))
            {
                p.push(format!("{at}: {name} {hd:?} is not a header name"));
            }
        }
        if let Some(s) = r.auth_scheme
            && !spec.auth_kinds.iter().any(|k| k.scheme == s)
        {
            p.push(format!("{at}: applies to {s:?}, which no auth kind uses"));
        }
        if !seen.insert(r.auth_scheme) {
            p.push(format!("{at}: a second limit for {:?}", r.auth_scheme));
        }
    }
    Failure::from_problems("the declared rate limits are not well formed", p)
}

/// `spec::auth_kinds_well_formed`: at least one auth kind; `config_type`s non-empty and
/// distinct; titles and descriptions set.
pub async fn auth_kinds_well_formed(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    let mut p = Vec::new();
    if spec.auth_kinds.is_empty() {
        p.push("no auth kind is declared".to_string());
    }
    let mut seen = HashSet::new();
    for (i, k) in spec.auth_kinds.iter().enumerate() {
        if k.config_type.trim().is_empty() {
            p.push(format!("auth_kinds[{i}]: config_type is empty"));
        } else if !seen.insert(k.config_type.as_str()) {
            p.push(format!(
                "auth_kinds[{i}]: config_type `{}` is declared twice",
                k.config_type
            ));
        }
        if k.title.trim().is_empty() || k.description.trim().is_empty() {
            p.push(format!(
                "auth_kinds[{i}] (`{}`): title or description is empty",
                k.config_type
            ));
        }
    }
    Failure::from_problems("the declared auth kinds are not well formed", p)
}

/// The family name.
pub const FAMILY: &str = "spec";

/// `spec::scopes_declared`: OAuth scopes are declared by every stream and action or by none
/// (a consent flow built from the declarations must not miss one), and each is one word
/// without spaces or control characters.
pub async fn scopes_declared(h: &dyn Harness) -> Outcome {
    let spec = spec_of(h);
    let all: Vec<(String, &Vec<String>)> = spec
        .streams
        .iter()
        .map(|s| (format!("stream `{}`", s.name), &s.scopes))
        .chain(
            spec.actions
                .iter()
                .map(|a| (format!("action `{}`", a.name), &a.scopes)),
        )
        .collect();
    if all.iter().all(|(_, scopes)| scopes.is_empty()) {
        return Ok(());
    }
    let mut p = Vec::new();
    for (what, scopes) in &all {
        if scopes.is_empty() {
            p.push(format!("{what} declares no scope while others do"));
        }
        for scope in scopes.iter() {
            if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
                p.push(format!("{what}: scope {scope:?} is not one word"));
            }
        }
    }
    Failure::from_problems("OAuth scopes are not declared throughout", p)
}

/// The `spec::*` checks: the connector-wide ones, then one per stream and one per action.
pub fn register(plan: &Plan) -> Vec<Check> {
    let mut out = vec![
        plain!(FAMILY, "metadata", metadata),
        plain!(FAMILY, "config_schema_valid", config_schema_valid),
        plain!(FAMILY, "names_unique_snake_case", names_unique_snake_case),
        plain!(FAMILY, "secrets_marked", secrets_marked),
        plain!(FAMILY, "auth_kinds_well_formed", auth_kinds_well_formed),
        plain!(FAMILY, "rate_limits_well_formed", rate_limits_well_formed),
        plain!(FAMILY, "scopes_declared", scopes_declared),
    ];
    for s in &plan.spec.streams {
        out.push(about!(
            FAMILY,
            "record_schema_valid",
            record_schema_valid,
            &s.name
        ));
        out.push(about!(
            FAMILY,
            "stream_declaration",
            stream_declaration,
            &s.name
        ));
    }
    for a in &plan.spec.actions {
        out.push(about!(
            FAMILY,
            "action_schemas_valid",
            action_schemas_valid,
            &a.name
        ));
    }
    out
}
