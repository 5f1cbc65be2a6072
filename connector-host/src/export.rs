//! Exports a connector's schemas as files, for form builders and for review.
//!
//! Layout under the output folder: `spec.json` (the whole descriptor), `config.schema.json`,
//! `streams/<name>.schema.json`, `actions/<name>.input.schema.json`,
//! `actions/<name>.output.schema.json`, `ui/<form>.ui.json` (react-jsonschema-form uiSchema for
//! the config form and each action's input form), and `index.json` listing every file, every
//! form, the OAuth scopes of every stream and action and of the whole connector
//! ([`ConnectorSpec::scopes`]: what a consent flow asks for), and the one JSON Schema draft
//! they all use ([`DRAFT`], 2020-12). Files no longer
//! generated are removed, so the folder is always exactly the current export.
//!
//! Every exported schema states `$schema`. Form schemas (the config and action inputs) also go
//! through [`titled_enums`], so a user picks from titled options rather than raw values. The
//! uiSchema of a form ([`ui_schema`]) is derived from the schema's own annotations, so nothing is
//! edited by hand: field order (`order`, else declaration order), password widgets for secrets
//! (`writeOnly` or `airbyte_secret`), hidden widgets for constants and `airbyte_hidden` fields,
//! placeholders from `examples`, help from `pattern_descriptor` or the words for a standard
//! `format`, a text area for long text, and one uiSchema per `oneOf`/`anyOf` branch.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use connector_sdk::error::{Error, Result};
use connector_sdk::schema::{DRAFT, root_keys_first};
use connector_sdk::spec::ConnectorSpec;

/// Where the config form lives in an export.
pub const CONFIG_SCHEMA: &str = "config.schema.json";
/// The index of an export.
pub const INDEX: &str = "index.json";

/// The react-jsonschema-form `Form` props the export is meant to be rendered with, stated in
/// `index.json` (`react_jsonschema_form`): validate with ajv's draft 2020-12 class and its
/// `discriminator` option (so a tagged `oneOf` reports only the chosen branch's errors), skip
/// HTML5 validation (the schema's messages are better), and pre-fill nothing the user did not
/// ask for: no first option of an optional select, no optional field's default (defaults show as
/// placeholders instead; the connector applies them).
pub fn rjsf_form_props() -> Value {
    json!({
        "validator": {"ajv_class": "ajv/dist/2020", "ajv_options": {"discriminator": true}},
        "noHtml5Validate": true,
        "experimental_defaultFormStateBehavior": {
            "constAsDefaults": "skipOneOf",
            "emptyObjectFields": "populateRequiredDefaults",
        },
    })
}

/// The files of an export, relative path → content (pretty JSON, one trailing newline), in a
/// stable order.
pub fn render(spec: &ConnectorSpec) -> Result<BTreeMap<String, String>> {
    let mut files: BTreeMap<String, Value> = BTreeMap::new();
    let spec_value = serde_json::to_value(spec)
        .map_err(|e| Error::invalid_response("a serialisable spec", e.to_string()))?;
    files.insert("spec.json".into(), spec_value);

    let mut forms = Vec::new();
    let config = form_schema(&spec.config_schema);
    files.insert("ui/config.ui.json".into(), ui_schema(&config));
    forms.push(json!({
        "name": "config",
        "title": config.get("title").cloned().unwrap_or_else(|| json!(spec.title)),
        "description": config.get("description").cloned().unwrap_or(Value::Null),
        "schema": CONFIG_SCHEMA,
        "ui": "ui/config.ui.json",
    }));
    files.insert(CONFIG_SCHEMA.into(), config);

    let mut streams = Vec::new();
    for s in &spec.streams {
        let path = format!("streams/{}.schema.json", s.name);
        streams.push(json!({"name": s.name, "description": s.description, "schema": path, "scopes": s.scopes}));
        files.insert(path, with_draft(&s.schema));
    }

    let mut actions = Vec::new();
    for a in &spec.actions {
        let input_path = format!("actions/{}.input.schema.json", a.name);
        let output_path = format!("actions/{}.output.schema.json", a.name);
        let ui_path = format!("ui/{}.ui.json", a.name);
        let input = form_schema(&a.input_schema);
        files.insert(ui_path.clone(), ui_schema(&input));
        files.insert(input_path.clone(), input);
        files.insert(output_path.clone(), with_draft(&a.output_schema));
        forms.push(json!({
            "name": a.name,
            "title": a.title,
            "description": a.description,
            "schema": input_path,
            "ui": ui_path,
        }));
        actions.push(json!({
            "name": a.name,
            "title": a.title,
            "effect": a.effect,
            "scopes": a.scopes,
            "input": input_path,
            "output": output_path,
            "ui": ui_path,
        }));
    }

    let mut listed: Vec<&str> = files.keys().map(String::as_str).collect();
    listed.push(INDEX);
    listed.sort_unstable();
    let index = json!({
        "connector": spec.name,
        "title": spec.title,
        "version": spec.version,
        "draft": DRAFT,
        "spec": "spec.json",
        "react_jsonschema_form": rjsf_form_props(),
        "files": listed,
        "forms": forms,
        "streams": streams,
        "actions": actions,
        "scopes": spec.scopes(),
    });
    files.insert(INDEX.into(), index);
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

/// A copy of `schema` that states [`DRAFT`] (unless it states a draft already), with `$schema`,
/// `title` and `description` first.
pub fn with_draft(schema: &Value) -> Value {
    let mut s = schema.clone();
    if let Value::Object(map) = &mut s
        && !map.contains_key("$schema")
    {
        map.insert("$schema".into(), Value::String(DRAFT.into()));
    }
    root_keys_first(s)
}

/// The schema of a form as exported: [`with_draft`], [`titled_enums`], then
/// [`titled_properties`].
pub fn form_schema(schema: &Value) -> Value {
    let mut s = with_draft(schema);
    titled_enums(&mut s);
    titled_properties(&mut s);
    s
}

/// Gives every property without a `title` one made from its name (`from_agent` → `From
/// agent`), so a form never labels a field with a raw key.
pub fn titled_properties(schema: &mut Value) {
    visit_schemas_mut(schema, &mut |node| {
        let Some(Value::Object(props)) = node.get_mut("properties") else {
            return;
        };
        for (name, prop) in props.iter_mut() {
            if let Value::Object(p) = prop
                && !p.contains_key("title")
            {
                p.insert(
                    "title".into(),
                    option_title(&Value::String(name.clone())).into(),
                );
            }
        }
    });
}

/// Calls `f` on `node` and every subschema below it: the SDK's walker
/// ([`connector_sdk::schema::visit_mut`]) without the pointers.
pub fn visit_schemas_mut(node: &mut Value, f: &mut dyn FnMut(&mut Value)) {
    connector_sdk::schema::visit_mut(node, &mut |n, _| f(n));
}

/// Words for an enum value: `in_progress` → `In progress`, `applyMacro` → `Apply macro`,
/// `created_datetime:desc` → `Created datetime (desc)`, `ai_intent` → `AI intent`, `null` →
/// `None`.
pub fn option_title(value: &Value) -> String {
    let raw = match value {
        Value::Null => return "None".into(),
        Value::String(s) => s.clone(),
        other => return other.to_string(),
    };
    let (main, qualifier) = match raw.split_once(':') {
        Some((m, q)) if !m.is_empty() && !q.is_empty() => (m.to_string(), Some(q.to_string())),
        _ => (raw.clone(), None),
    };
    let words = |s: &str| {
        // snake_case, kebab-case and camelCase become lowercase words; known acronyms stay upper.
        let mut spaced = String::with_capacity(s.len() + 8);
        let mut prev_lower = false;
        for c in s.chars() {
            if c == '_' || c == '-' {
                spaced.push(' ');
                prev_lower = false;
                continue;
            }
            if c.is_uppercase() && prev_lower {
                spaced.push(' ');
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            spaced.push(c);
        }
        spaced
            .split_whitespace()
            .map(|w| match w.to_lowercase().as_str() {
                "ai" | "api" | "id" | "ids" | "url" | "uri" | "sms" | "csv" | "html" | "http"
                | "https" | "iso" | "utc" => w.to_uppercase().replace("IDS", "IDs"),
                _ if w.chars().skip(1).any(char::is_uppercase) => w.to_string(),
                lower => lower.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut text = words(&main);
    if let Some(first) = text.chars().next() {
        text = first.to_uppercase().chain(text.chars().skip(1)).collect();
    }
    if text.is_empty() {
        return raw;
    }
    match qualifier {
        Some(q) => format!("{text} ({})", words(&q)),
        None => text,
    }
}

/// Rewrites every `enum` of a form schema as `oneOf: [{const, title}]`, so each option has a
/// title a user can read (react-jsonschema-form renders such a `oneOf` as a select of titles).
/// A node without `type` gets the type of its values, so form builders see a select of that
/// type rather than a choice between schemas. Nodes that already have a `oneOf` are left alone.
pub fn titled_enums(schema: &mut Value) {
    visit_schemas_mut(schema, &mut |node| {
        let Value::Object(map) = node else { return };
        if map.contains_key("oneOf") {
            return;
        }
        let Some(Value::Array(values)) = map.get("enum") else {
            return;
        };
        let options: Vec<Value> = values
            .iter()
            .map(|v| json!({"const": v, "title": option_title(v)}))
            .collect();
        let inferred = if map.contains_key("type") {
            None
        } else {
            value_types(values)
        };
        let mut rebuilt = Map::new();
        if let Some(t) = inferred {
            rebuilt.insert("type".into(), t);
        }
        for (k, v) in std::mem::take(map) {
            if k == "enum" {
                rebuilt.insert("oneOf".into(), Value::Array(options.clone()));
            } else {
                rebuilt.insert(k, v);
            }
        }
        *map = rebuilt;
    });
}

/// The JSON Schema `type` of a list of values (`"string"`, or `["string", "null"]`), if known.
fn value_types(values: &[Value]) -> Option<Value> {
    let mut types: Vec<&str> = Vec::new();
    for v in values {
        let t = connector_sdk::schema::json_type(v);
        if !types.contains(&t) {
            types.push(t);
        }
    }
    if types.contains(&"number") {
        types.retain(|t| *t != "integer");
    }
    match types.as_slice() {
        [] => None,
        [one] => Some(json!(one)),
        _ => {
            // null last, as in `["string", "null"]`.
            types.sort_by_key(|t| *t == "null");
            Some(json!(types))
        }
    }
}

/// Resolves local `$ref`s against the root schema ([`connector_sdk::schema::resolve`]); a
/// dangling one resolves to itself.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    connector_sdk::schema::resolve(root, node).unwrap_or(node)
}

/// Words for a standard `format`, used as help text.
fn format_words(format: &str) -> Option<&'static str> {
    Some(match format {
        "email" | "idn-email" => "An email address",
        "date-time" => "A date and time, as 2024-01-31T00:00:00Z",
        "date" => "A date, as YYYY-MM-DD",
        "time" => "A time of day, as 13:45:00Z",
        "duration" => "A duration, as P1DT2H (ISO 8601)",
        "uri" | "iri" => "A full address, as https://example.com/path",
        "uri-reference" | "iri-reference" => "An address or a path",
        "hostname" | "idn-hostname" => "A host name, as example.com",
        "ipv4" => "An IPv4 address, as 192.0.2.1",
        "ipv6" => "An IPv6 address, as 2001:db8::1",
        "uuid" => "A UUID, as 123e4567-e89b-12d3-a456-426614174000",
        _ => return None,
    })
}

fn is_true(node: &Value, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// Whether a schema is a choice of constants (rendered as a select, not as branches).
fn is_select(root: &Value, node: &Value) -> bool {
    ["oneOf", "anyOf"].iter().any(|k| {
        node.get(*k)
            .and_then(Value::as_array)
            .is_some_and(|branches| {
                branches
                    .iter()
                    .all(|b| resolve(root, b).get("const").is_some())
            })
    })
}

/// Property names in form order: by `order` where given (stable), else declaration order.
fn field_order(root: &Value, props: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<(usize, Option<i64>, &String)> = props
        .iter()
        .enumerate()
        .map(|(i, (name, prop))| {
            let order = prop
                .get("order")
                .or_else(|| resolve(root, prop).get("order"))
                .and_then(Value::as_i64);
            (i, order, name)
        })
        .collect();
    // Fields with an `order` first, by it; the rest after them, in declaration order.
    names.sort_by_key(|(i, order, _)| (order.is_none(), order.unwrap_or(0), *i));
    names.into_iter().map(|(_, _, n)| n.clone()).collect()
}

/// A react-jsonschema-form uiSchema for a form schema: field order, password widgets for
/// secrets, hidden widgets for constants and `airbyte_hidden` fields, placeholders from
/// examples (else defaults), help from pattern descriptors and formats, one uiSchema per
/// `oneOf`/`anyOf` branch (`"oneOf": [..]`, which react-jsonschema-form applies to the chosen
/// branch), and Markdown in descriptions.
pub fn ui_schema(schema: &Value) -> Value {
    fn walk(root: &Value, outer: &Value, depth: usize) -> Value {
        let node = resolve(root, outer);
        // Keywords written next to a `$ref` win over the referenced schema's.
        let get = |key: &str| outer.get(key).or_else(|| node.get(key));
        let mut ui = Map::new();
        if depth > 32 {
            return Value::Object(ui);
        }
        if is_true(outer, "airbyte_hidden") || is_true(node, "airbyte_hidden") {
            ui.insert("ui:widget".into(), "hidden".into());
            return Value::Object(ui);
        }
        if let Some(props) = node.get("properties").and_then(Value::as_object) {
            let mut order: Vec<Value> = field_order(root, props)
                .into_iter()
                .map(Value::String)
                .collect();
            order.push("*".into());
            ui.insert("ui:order".into(), Value::Array(order));
            for (name, prop) in props {
                let field = walk(root, prop, depth + 1);
                if field.as_object().is_some_and(|m| !m.is_empty()) {
                    ui.insert(name.clone(), field);
                }
            }
        }
        if !is_select(root, node) {
            for key in ["oneOf", "anyOf"] {
                if let Some(branches) = node.get(key).and_then(Value::as_array) {
                    let per_branch: Vec<Value> =
                        branches.iter().map(|b| walk(root, b, depth + 1)).collect();
                    if per_branch
                        .iter()
                        .any(|b| b.as_object().is_some_and(|m| !m.is_empty()))
                    {
                        ui.insert(key.into(), Value::Array(per_branch));
                    }
                }
            }
        }
        if let Some(items) = node.get("items").filter(|i| i.is_object()) {
            let item_ui = walk(root, items, depth + 1);
            if item_ui.as_object().is_some_and(|m| !m.is_empty()) {
                ui.insert("items".into(), item_ui);
            }
        }
        if node.get("properties").is_some() {
            return Value::Object(ui);
        }
        if node.get("const").is_some() {
            ui.insert("ui:widget".into(), "hidden".into());
            return Value::Object(ui);
        }
        let secret = is_true(outer, "writeOnly")
            || is_true(node, "writeOnly")
            || is_true(outer, "airbyte_secret")
            || is_true(node, "airbyte_secret");
        if secret {
            ui.insert("ui:widget".into(), "password".into());
            ui.insert("ui:autocomplete".into(), "off".into());
        } else if node
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|m| m >= 1000)
        {
            ui.insert("ui:widget".into(), "textarea".into());
        }
        if !secret
            && let Some(example) = get("examples")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .or_else(|| get("default"))
            && !example.is_object()
            && !example.is_array()
            && !example.is_null()
        {
            let text = match example {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            ui.insert("ui:placeholder".into(), text.into());
        }
        let help = match (get("pattern_descriptor"), get("format")) {
            (Some(Value::String(words)), _) => Some(format!("Format: {words}.")),
            (_, Some(Value::String(f))) => format_words(f).map(|w| format!("{w}.")),
            _ => None,
        };
        if let Some(help) = help {
            ui.insert("ui:help".into(), help.into());
        }
        Value::Object(ui)
    }
    let mut ui = walk(schema, schema, 0);
    if let Value::Object(map) = &mut ui {
        // Descriptions may use Markdown code spans (`{"id": 1}`): render them as such.
        map.insert(
            "ui:globalOptions".into(),
            json!({"enableMarkdownInDescription": true}),
        );
    }
    ui
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_become_titled_options() {
        let mut s = json!({"type": "object", "properties": {
            "status": {"type": ["string", "null"], "enum": ["open", "in_progress", null], "title": "Status"},
            "order_by": {"enum": ["created_datetime:desc"]},
            "tags": {"type": "array", "items": {"enum": ["a"]}},
        }});
        titled_enums(&mut s);
        assert_eq!(
            s["properties"]["status"]["oneOf"],
            json!([
                {"const": "open", "title": "Open"},
                {"const": "in_progress", "title": "In progress"},
                {"const": null, "title": "None"},
            ])
        );
        assert!(s["properties"]["status"].get("enum").is_none());
        assert_eq!(s["properties"]["order_by"]["type"], "string");
        assert_eq!(option_title(&json!("applyMacro")), "Apply macro");
        assert_eq!(option_title(&json!("ai_intent")), "AI intent");
        assert_eq!(option_title(&json!("Ticket")), "Ticket");
        assert_eq!(option_title(&json!(3)), "3");
        assert_eq!(
            s["properties"]["order_by"]["oneOf"][0]["title"],
            "Created datetime (desc)"
        );
        assert_eq!(s["properties"]["tags"]["items"]["oneOf"][0]["const"], "a");
    }

    #[test]
    fn ui_schema_from_annotations() {
        let s = json!({
            "type": "object",
            "properties": {
                "b": {"type": "string", "order": 1, "pattern": "^x$", "description": "An x.",
                      "pattern_descriptor": "the letter x", "examples": ["x"]},
                "a": {"type": "string", "order": 0, "writeOnly": true, "examples": ["secret"]},
                "c": {"type": "string", "format": "email"},
                "h": {"type": "string", "airbyte_hidden": true},
                "auth": {"$ref": "#/$defs/Auth"},
            },
            "$defs": {"Auth": {"oneOf": [
                {"type": "object", "properties": {"type": {"const": "k"}, "key": {"type": "string", "airbyte_secret": true}}},
                {"type": "object", "properties": {"type": {"const": "t"}}},
            ]}},
        });
        let ui = ui_schema(&s);
        assert_eq!(ui["ui:order"], json!(["a", "b", "c", "h", "auth", "*"]));
        assert_eq!(
            ui["a"],
            json!({"ui:widget": "password", "ui:autocomplete": "off"})
        );
        assert_eq!(ui["b"]["ui:placeholder"], "x");
        assert_eq!(ui["b"]["ui:help"], "Format: the letter x.");
        assert_eq!(ui["c"]["ui:help"], "An email address.");
        assert_eq!(ui["h"]["ui:widget"], "hidden");
        assert_eq!(ui["auth"]["oneOf"][0]["type"]["ui:widget"], "hidden");
        assert_eq!(ui["auth"]["oneOf"][0]["key"]["ui:widget"], "password");
        assert_eq!(ui["auth"]["oneOf"][1]["ui:order"], json!(["type", "*"]));
    }

    #[test]
    fn selects_are_not_branches() {
        let s = json!({"type": "object", "properties": {
            "s": {"oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]}
        }});
        let ui = ui_schema(&s);
        assert!(ui.get("s").is_none(), "{ui}");
    }
}
