//! `export::*` (every connector, from the spec alone): the schema export a form builder reads
//! (`connector_host::export::render`: `config.schema.json`, `streams/*`, `actions/*`,
//! `ui/*.ui.json`, `index.json`) renders, lists every file and form, and every exported schema
//! (each file and each schema inside `spec.json`) is valid draft 2020-12 with no dangling
//! `$ref`, only standard `format`s and every `pattern` described in words; every uiSchema
//! matches its form schema's properties.

use std::collections::BTreeMap;

use connector_host::export;
use connector_sdk::ConnectorSpec;
use connector_sdk::schema::{DRAFT, STANDARD_FORMATS, dangling_refs, resolve, visit};
use serde_json::Value;

use crate::failure::{Failure, Outcome};
use crate::harness::Harness;
use crate::{Check, Plan};

/// The exported files of `spec`, parsed: relative path → JSON.
pub fn exported(spec: &ConnectorSpec) -> Result<BTreeMap<String, Value>, Failure> {
    let files = export::render(spec)
        .map_err(|e| Failure::new(format!("the schema export does not render: {e}")))?;
    files
        .into_iter()
        .map(|(path, text)| {
            serde_json::from_str(&text)
                .map(|v| (path.clone(), v))
                .map_err(|e| Failure::new(format!("exported `{path}` is not JSON: {e}")))
        })
        .collect()
}

/// Every schema of an export, named: the `*.schema.json` files and the schemas inside
/// `spec.json`.
pub fn schemas(files: &BTreeMap<String, Value>) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".schema.json"))
        .map(|(p, v)| (p.clone(), v.clone()))
        .collect();
    let Some(spec) = files.get("spec.json") else {
        return out;
    };
    out.push((
        "spec.json config_schema".into(),
        spec["config_schema"].clone(),
    ));
    let list = |key: &str| spec[key].as_array().cloned().unwrap_or_default();
    for s in list("streams") {
        out.push((
            format!("spec.json stream {} schema", s["name"]),
            s["schema"].clone(),
        ));
    }
    for a in list("actions") {
        for key in ["input_schema", "output_schema"] {
            out.push((
                format!("spec.json action {} {key}", a["name"]),
                a[key].clone(),
            ));
        }
    }
    out
}

fn all_schemas(h: &dyn Harness) -> Result<Vec<(String, Value)>, Failure> {
    Ok(schemas(&exported(h.definition().spec())?))
}

/// `export::renders`: the export renders, every file is JSON, `index.json` states the draft
/// and lists exactly the exported files, every form names an exported schema and uiSchema and
/// has a title, and every stream and action has its schema files.
pub async fn renders(h: &dyn Harness) -> Outcome {
    let definition = h.definition();
    let spec = definition.spec();
    let files = exported(spec)?;
    let mut p = Vec::new();
    let Some(index) = files.get(export::INDEX) else {
        return Err(Failure::new("the export has no index.json"));
    };
    if index["draft"] != DRAFT {
        p.push(format!("index.json states the draft {}", index["draft"]));
    }
    let listed: Vec<&str> = index["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let actual: Vec<&str> = files.keys().map(String::as_str).collect();
    if listed != actual {
        p.push(format!(
            "index.json lists {listed:?}, the export has {actual:?}"
        ));
    }
    let forms = index["forms"].as_array().cloned().unwrap_or_default();
    if forms.len() != 1 + spec.actions.len() {
        p.push(format!(
            "index.json lists {} form(s); expected the config form and one per action ({})",
            forms.len(),
            1 + spec.actions.len()
        ));
    }
    for form in &forms {
        for key in ["schema", "ui"] {
            match form[key].as_str() {
                Some(path) if files.contains_key(path) => {}
                other => p.push(format!(
                    "form {}: `{key}` names {other:?}, which is not exported",
                    form["name"]
                )),
            }
        }
        if form["title"].as_str().is_none_or(|t| t.trim().is_empty()) {
            p.push(format!("form {} has no title", form["name"]));
        }
    }
    let mut expected: Vec<String> = spec
        .streams
        .iter()
        .map(|s| format!("streams/{}.schema.json", s.name))
        .collect();
    for a in &spec.actions {
        expected.push(format!("actions/{}.input.schema.json", a.name));
        expected.push(format!("actions/{}.output.schema.json", a.name));
    }
    for path in expected.iter().filter(|p| !files.contains_key(*p)) {
        p.push(format!("{path} is not exported"));
    }
    Failure::from_problems("the schema export is incomplete", p)
}

/// `export::schemas_valid_2020_12`: every exported schema states draft 2020-12, is valid
/// against its meta-schema, and compiles with formats enforced and unknown formats refused.
pub async fn schemas_valid_2020_12(h: &dyn Harness) -> Outcome {
    let meta = jsonschema::draft202012::meta::validator();
    let mut p = Vec::new();
    for (name, schema) in all_schemas(h)? {
        if schema.get("$schema").and_then(Value::as_str) != Some(DRAFT) {
            p.push(format!(
                "{name}: `$schema` is {:?}, not {DRAFT}",
                schema.get("$schema")
            ));
        }
        for e in meta.iter_errors(&schema) {
            p.push(format!(
                "{name}: violates the 2020-12 meta-schema at {:?}: {e}",
                e.instance_path().to_string()
            ));
        }
        if let Err(e) = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(false)
            .build(&schema)
        {
            p.push(format!(
                "{name}: does not compile (formats enforced, unknown formats refused): {e}"
            ));
        }
    }
    Failure::from_problems("exported schemas are not valid draft 2020-12", p)
}

/// `export::no_dangling_refs`: every `$ref` of every exported schema resolves inside that
/// schema (exported files stand alone).
pub async fn no_dangling_refs(h: &dyn Harness) -> Outcome {
    let mut p = Vec::new();
    for (name, schema) in all_schemas(h)? {
        for d in dangling_refs(&schema) {
            p.push(format!("{name}: dangling reference {d}"));
        }
    }
    Failure::from_problems("exported schemas have dangling references", p)
}

/// `export::standard_formats`: every `format` of every exported schema is one draft 2020-12
/// defines ([`STANDARD_FORMATS`]).
pub async fn standard_formats(h: &dyn Harness) -> Outcome {
    let mut p = Vec::new();
    for (name, schema) in all_schemas(h)? {
        visit(&schema, &mut |node, pointer| {
            if let Some(f) = node.get("format")
                && !f.as_str().is_some_and(|f| STANDARD_FORMATS.contains(&f))
            {
                p.push(format!(
                    "{name}: at {pointer:?} the non-standard format {f}"
                ));
            }
        });
    }
    Failure::from_problems("exported schemas use non-standard formats", p)
}

/// Whether `description` says in words what `pattern` means: at least three words with
/// letters, and not the pattern itself.
pub fn in_words(description: &str, pattern: &str) -> bool {
    let words = description
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    !description.contains(pattern) && words >= 3
}

/// `export::patterns_in_words`: every `pattern` of every exported schema comes with a
/// `description` that says in words what it accepts (see [`in_words`]), so a user who breaks
/// it learns why.
pub async fn patterns_in_words(h: &dyn Harness) -> Outcome {
    let mut p = Vec::new();
    for (name, schema) in all_schemas(h)? {
        visit(&schema, &mut |node, pointer| {
            let Some(pattern) = node.get("pattern").and_then(Value::as_str) else {
                return;
            };
            let description = node
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim();
            if description.is_empty() {
                p.push(format!(
                    "{name}: at {pointer:?} the pattern {pattern:?} has no description"
                ));
            } else if !in_words(description, pattern) {
                p.push(format!(
                    "{name}: at {pointer:?} the description {description:?} of the pattern {pattern:?} is not in words"
                ));
            }
        });
    }
    Failure::from_problems("exported patterns are not described in words", p)
}

fn is_true(node: &Value, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// Compares one uiSchema node with its schema node (`outer` may be a `$ref` with siblings).
fn match_ui(root: &Value, outer: &Value, ui: &Value, at: &str, depth: usize, p: &mut Vec<String>) {
    if depth > 32 {
        return;
    }
    let node = resolve(root, outer).unwrap_or(outer);
    let empty = Value::Object(Default::default());
    let Some(ui_map) = ui.as_object() else {
        p.push(format!("{at}: the uiSchema is not an object"));
        return;
    };
    let secret = ["writeOnly", "airbyte_secret"]
        .iter()
        .any(|k| is_true(outer, k) || is_true(node, k));
    if secret && ui_map.get("ui:widget").and_then(Value::as_str) != Some("password") {
        p.push(format!(
            "{at}: a secret field without a password widget (ui:widget {:?})",
            ui_map.get("ui:widget")
        ));
    }
    if node.get("enum").is_some() {
        p.push(format!(
            "{at}: an untitled enum (forms get `oneOf` of titled `const`s)"
        ));
    }
    if ui_map.get("ui:widget").and_then(Value::as_str) == Some("hidden") {
        // Not rendered: nothing below it needs a uiSchema.
        return;
    }
    let props = node.get("properties").and_then(Value::as_object);
    if let Some(props) = props {
        let order: Vec<&str> = ui_map
            .get("ui:order")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for name in props.keys().filter(|n| !order.contains(&n.as_str())) {
            p.push(format!("{at}: `ui:order` misses the property `{name}`"));
        }
        if !props.is_empty() && order.last() != Some(&"*") {
            p.push(format!("{at}: `ui:order` does not end with \"*\""));
        }
        for name in order.iter().filter(|n| **n != "*") {
            if !props.contains_key(*name) {
                p.push(format!(
                    "{at}: `ui:order` names `{name}`, which is not a property"
                ));
            }
        }
        for (name, prop) in props {
            let sub = ui_map.get(name).unwrap_or(&empty);
            match_ui(root, prop, sub, &format!("{at}.{name}"), depth + 1, p);
        }
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        let sub = ui_map.get("items").unwrap_or(&empty);
        match_ui(root, items, sub, &format!("{at}[]"), depth + 1, p);
    }
    for key in ["oneOf", "anyOf"] {
        let Some(branches) = node.get(key).and_then(Value::as_array) else {
            continue;
        };
        let uis = match ui_map.get(key) {
            None => vec![empty.clone(); branches.len()],
            Some(Value::Array(u)) if u.len() == branches.len() => u.clone(),
            Some(_) => {
                p.push(format!(
                    "{at}: the uiSchema's `{key}` does not match the schema's {} branches",
                    branches.len()
                ));
                continue;
            }
        };
        for (i, (branch, bu)) in branches.iter().zip(&uis).enumerate() {
            match_ui(root, branch, bu, &format!("{at}/{key}/{i}"), depth + 1, p);
        }
    }
    for key in ui_map.keys() {
        let known = key.starts_with("ui:")
            || (key == "items" && node.get("items").is_some_and(Value::is_object))
            || ((key == "oneOf" || key == "anyOf") && node.get(key).is_some())
            || props.is_some_and(|m| m.contains_key(key));
        if !known {
            p.push(format!(
                "{at}: the uiSchema names `{key}`, which the schema does not declare"
            ));
        }
    }
    if let Some(options) = node.get("oneOf").and_then(Value::as_array) {
        for (i, o) in options.iter().enumerate() {
            let o = resolve(root, o).unwrap_or(o);
            if o.get("title")
                .and_then(Value::as_str)
                .is_none_or(|t| t.trim().is_empty())
            {
                p.push(format!("{at}/oneOf/{i}: an option without a title"));
            }
        }
    }
}

/// `export::ui_schemas_match`: every form's uiSchema matches its schema: `ui:order` lists
/// every property (and only properties) and ends with `"*"`, it names no field the schema lacks
/// (per `oneOf`/`anyOf` branch and `items` too), every secret field (`writeOnly` or
/// `airbyte_secret`) has a password widget, every option of a choice has a title, and no form
/// has an untitled `enum`.
pub async fn ui_schemas_match(h: &dyn Harness) -> Outcome {
    let files = exported(h.definition().spec())?;
    let mut p = Vec::new();
    let forms = files
        .get(export::INDEX)
        .and_then(|i| i["forms"].as_array().cloned())
        .unwrap_or_default();
    for form in forms {
        let name = form["name"].as_str().unwrap_or("?").to_string();
        let (Some(schema), Some(ui)) = (
            form["schema"].as_str().and_then(|s| files.get(s)),
            form["ui"].as_str().and_then(|u| files.get(u)),
        ) else {
            p.push(format!(
                "form `{name}`: its schema or uiSchema is not exported"
            ));
            continue;
        };
        match_ui(schema, schema, ui, &format!("form `{name}`"), 0, &mut p);
    }
    Failure::from_problems("uiSchemas do not match their schemas", p)
}

/// The family name.
pub const FAMILY: &str = "export";

/// The `export::*` checks: always (they need the spec alone).
pub fn register(_plan: &Plan) -> Vec<Check> {
    vec![
        plain!(FAMILY, "renders", renders),
        plain!(FAMILY, "schemas_valid_2020_12", schemas_valid_2020_12),
        plain!(FAMILY, "no_dangling_refs", no_dangling_refs),
        plain!(FAMILY, "standard_formats", standard_formats),
        plain!(FAMILY, "patterns_in_words", patterns_in_words),
        plain!(FAMILY, "ui_schemas_match", ui_schemas_match),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ui_schemas_are_matched_to_their_schemas() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "key": {"type": "string", "writeOnly": true},
                "kind": {"enum": ["a", "b"]}
            }
        });
        let good = connector_host::export::ui_schema(&connector_host::export::form_schema(&schema));
        let mut p = Vec::new();
        let form = connector_host::export::form_schema(&schema);
        match_ui(&form, &form, &good, "form", 0, &mut p);
        assert!(p.is_empty(), "{p:?}");
        let bad = json!({"ui:order": ["name", "ghost"], "key": {}, "extra": {}});
        match_ui(&schema, &schema, &bad, "form", 0, &mut p);
        for needle in [
            "`ui:order` misses the property `key`",
            "`ui:order` does not end with \"*\"",
            "`ui:order` names `ghost`, which is not a property",
            "form.key: a secret field without a password widget",
            "form.kind: an untitled enum",
            "the uiSchema names `extra`, which the schema does not declare",
        ] {
            assert!(p.iter().any(|m| m.contains(needle)), "{needle}: {p:?}");
        }
        assert!(in_words("Letters, digits and hyphens.", "^[a-z0-9-]+$"));
        assert!(!in_words("^[a-z]+$ only", "^[a-z]+$"));
    }
}
