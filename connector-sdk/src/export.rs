//! Exports a connector's schemas as files, for form builders and for review.
//!
//! Layout under the output folder: `spec.json` (the whole descriptor), `config.schema.json`,
//! `streams/<name>.schema.json`, `actions/<name>.input.schema.json`,
//! `actions/<name>.output.schema.json`, `ui/<form>.ui.json` (react-jsonschema-form uiSchema for
//! the config form and each action's input form), and `index.json` listing every file with the
//! one JSON Schema draft they all use. Files no longer generated are removed, so the folder is
//! always exactly the current export.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::schema::DRAFT;
use crate::spec::ConnectorSpec;

/// The files of an export, relative path → content, in a stable order.
pub fn render(spec: &ConnectorSpec) -> Result<BTreeMap<String, String>> {
    let mut files: BTreeMap<String, Value> = BTreeMap::new();
    let spec_value = serde_json::to_value(spec)
        .map_err(|e| Error::invalid_response("a serialisable spec", e.to_string()))?;
    files.insert("spec.json".into(), spec_value);
    files.insert("config.schema.json".into(), with_draft(&spec.config_schema));
    files.insert("ui/config.ui.json".into(), ui_schema(&spec.config_schema));
    for s in &spec.streams {
        files.insert(
            format!("streams/{}.schema.json", s.name),
            with_draft(&s.schema),
        );
    }
    for a in &spec.actions {
        files.insert(
            format!("actions/{}.input.schema.json", a.name),
            with_draft(&a.input_schema),
        );
        files.insert(
            format!("actions/{}.output.schema.json", a.name),
            with_draft(&a.output_schema),
        );
        files.insert(format!("ui/{}.ui.json", a.name), ui_schema(&a.input_schema));
    }
    let index = json!({
        "connector": spec.name,
        "version": spec.version,
        "draft": DRAFT,
        "files": files.keys().chain(std::iter::once(&"index.json".to_string())).collect::<Vec<_>>(),
        "forms": std::iter::once(json!({"name": "config", "schema": "config.schema.json", "ui": "ui/config.ui.json"}))
            .chain(spec.actions.iter().map(|a| json!({
                "name": a.name, "title": a.title,
                "schema": format!("actions/{}.input.schema.json", a.name),
                "ui": format!("ui/{}.ui.json", a.name),
            })))
            .collect::<Vec<_>>(),
    });
    files.insert("index.json".into(), index);
    files
        .into_iter()
        .map(|(k, v)| {
            let mut text = serde_json::to_string_pretty(&v)
                .map_err(|e| Error::invalid_response("serialisable JSON", e.to_string()))?;
            text.push('\n');
            Ok((k, text))
        })
        .collect()
}

fn with_draft(schema: &Value) -> Value {
    let mut s = schema.clone();
    if let Value::Object(map) = &mut s
        && !map.contains_key("$schema")
    {
        let mut ordered = serde_json::Map::new();
        ordered.insert("$schema".into(), Value::String(DRAFT.into()));
        ordered.extend(std::mem::take(map));
        *map = ordered;
    }
    s
}

/// Resolves a local `$ref` (`#/$defs/X`) against the root schema.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(r) if r.starts_with('#') => root.pointer(&r[1..]).unwrap_or(node),
        _ => node,
    }
}

/// A react-jsonschema-form uiSchema for a form schema: field order, password widgets for
/// secrets, placeholders from examples, help from descriptions of patterns and formats.
pub fn ui_schema(schema: &Value) -> Value {
    fn walk(root: &Value, node: &Value) -> Value {
        let node = resolve(root, node);
        let mut ui = serde_json::Map::new();
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            let order: Vec<Value> = props
                .keys()
                .map(|k| Value::String(k.clone()))
                .chain(std::iter::once(Value::String("*".into())))
                .collect();
            ui.insert("ui:order".into(), Value::Array(order));
            for (name, prop) in props {
                let field = walk(root, prop);
                if field.as_object().is_some_and(|m| !m.is_empty()) {
                    ui.insert(name.clone(), field);
                }
            }
            return Value::Object(ui);
        }
        for key in ["oneOf", "anyOf"] {
            if node.get(key).is_some() {
                // rjsf renders each branch with the branch's own uiSchema keys merged: collect
                // the union of the branches' field hints.
                for branch in node[key].as_array().into_iter().flatten() {
                    if let Value::Object(m) = walk(root, branch) {
                        for (k, v) in m {
                            if k != "ui:order" {
                                ui.entry(k).or_insert(v);
                            }
                        }
                    }
                }
                return Value::Object(ui);
            }
        }
        let secret = node.get("writeOnly") == Some(&Value::Bool(true))
            || node.get("airbyte_secret") == Some(&Value::Bool(true));
        if secret {
            ui.insert("ui:widget".into(), "password".into());
        }
        if let Some(example) = node
            .get("examples")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            && !secret
        {
            let text = match example {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            ui.insert("ui:placeholder".into(), text.into());
        }
        if (node.get("pattern").is_some() || node.get("format").is_some())
            && let Some(d) = node.get("description").and_then(Value::as_str)
        {
            ui.insert("ui:help".into(), d.into());
        }
        Value::Object(ui)
    }
    walk(schema, schema)
}

/// Writes the export into `dir`, removing exported files that are no longer generated.
/// Returns the paths written.
pub fn write(spec: &ConnectorSpec, dir: &Path) -> Result<Vec<PathBuf>> {
    let files = render(spec)?;
    let io = |context: String| move |source| Error::Io { context, source };
    for sub in ["streams", "actions", "ui"] {
        let d = dir.join(sub);
        if d.is_dir() {
            for entry in std::fs::read_dir(&d).map_err(io(format!("listing {}", d.display())))? {
                let entry = entry.map_err(io(format!("listing {}", d.display())))?;
                let rel = format!("{sub}/{}", entry.file_name().to_string_lossy());
                if rel.ends_with(".json") && !files.contains_key(&rel) {
                    std::fs::remove_file(entry.path())
                        .map_err(io(format!("removing stale {}", entry.path().display())))?;
                }
            }
        }
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(io(format!("creating {}", parent.display())))?;
        }
        std::fs::write(&path, text).map_err(io(format!("writing {}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}
