//! The exported schemas (`schemas/gorgias/`): current, complete and valid.
//!
//! * `committed_export_is_current`: a fresh export (into a temporary folder, through
//!   `connector_sdk::export::write`) matches the committed folder file for file; when it does
//!   not, the failure says which files differ and the command that regenerates them.
//! * every exported schema (and every schema inside `spec.json`) is valid against the draft
//!   2020-12 meta-schema, compiles with formats enforced, has no dangling `$ref`, uses only the
//!   formats 2020-12 defines, and says in words what each `pattern` means.
//! * `index.json` lists every file and form; each form has a uiSchema that orders every field and
//!   hides secrets behind password widgets; the config form carries the annotations forms need.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connector_host::export;
use connector_sdk::Definition;
use gorgias_connector::GorgiasDefinition;
use serde_json::{Value, json};

const REGENERATE: &str = "cargo run -p gorgias-connector -- schemas --out schemas/gorgias";
const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The formats of the draft 2020-12 format vocabulary (written out here, not taken from the SDK,
/// so the exporter is checked against the standard rather than against itself).
const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/gorgias")
}

/// Every file under `dir`, relative path (with `/`) → content.
fn read_tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                out.insert(rel, text);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The export as the exporter renders it now, parsed.
fn exported() -> BTreeMap<String, Value> {
    export::render(GorgiasDefinition::new().spec())
        .expect("the export renders")
        .into_iter()
        .map(|(path, text)| {
            let v =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
            (path, v)
        })
        .collect()
}

/// Every schema of the export, named: the `*.schema.json` files and the schemas inside
/// `spec.json`.
fn schemas() -> Vec<(String, Value)> {
    let files = exported();
    let mut out: Vec<(String, Value)> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".schema.json"))
        .map(|(p, v)| (p.clone(), v.clone()))
        .collect();
    let spec = &files["spec.json"];
    out.push((
        "spec.json config_schema".into(),
        spec["config_schema"].clone(),
    ));
    for s in spec["streams"].as_array().unwrap() {
        out.push((
            format!("spec.json stream {} schema", s["name"]),
            s["schema"].clone(),
        ));
    }
    for a in spec["actions"].as_array().unwrap() {
        out.push((
            format!("spec.json action {} input_schema", a["name"]),
            a["input_schema"].clone(),
        ));
        out.push((
            format!("spec.json action {} output_schema", a["name"]),
            a["output_schema"].clone(),
        ));
    }
    assert!(out.len() > 3, "the export has no schemas");
    out
}

/// Calls `f(node, json_pointer)` on `node` and every subschema (schema positions only: a
/// property called `format` or `pattern` in `properties` is a name, not a keyword).
fn visit(node: &Value, pointer: &str, f: &mut dyn FnMut(&Value, &str)) {
    f(node, pointer);
    let Value::Object(map) = node else { return };
    for (key, value) in map {
        let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                for (name, sub) in value.as_object().into_iter().flatten() {
                    visit(
                        sub,
                        &format!("{here}/{}", name.replace('~', "~0").replace('/', "~1")),
                        f,
                    );
                }
            }
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                    visit(sub, &format!("{here}/{i}"), f);
                }
            }
            "items" if value.is_array() => {
                for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                    visit(sub, &format!("{here}/{i}"), f);
                }
            }
            "items"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "additionalProperties"
            | "additionalItems"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "propertyNames"
            | "contentSchema" => visit(value, &here, f),
            _ => {}
        }
    }
}

fn report(what: &str, problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s):\n  {}\n(fix the annotations or the exporter, then regenerate: {REGENERATE})",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn committed_export_is_current() {
    let tmp = tempfile::tempdir().unwrap();
    let written =
        export::write(GorgiasDefinition::new().spec(), tmp.path()).expect("the export writes");
    let fresh = read_tree(tmp.path());
    assert_eq!(
        written.len(),
        fresh.len(),
        "write() reported every file it wrote"
    );
    let rendered = export::render(GorgiasDefinition::new().spec()).unwrap();
    assert_eq!(
        rendered, fresh,
        "write() writes exactly what render() renders"
    );

    let committed = read_tree(&committed_dir());
    let missing: Vec<&String> = fresh
        .keys()
        .filter(|k| !committed.contains_key(*k))
        .collect();
    let extra: Vec<&String> = committed
        .keys()
        .filter(|k| !fresh.contains_key(*k))
        .collect();
    let changed: Vec<&String> = fresh
        .iter()
        .filter(|(k, v)| committed.get(*k).is_some_and(|c| c != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && changed.is_empty(),
        "schemas/gorgias/ is stale: {} file(s) missing {missing:?}, {} no longer generated {extra:?}, \
         {} changed {changed:?}.\nRegenerate it from the repository root with:\n\n    {REGENERATE}\n",
        missing.len(),
        extra.len(),
        changed.len(),
    );
}

#[test]
fn every_schema_is_valid_2020_12() {
    let meta = jsonschema::draft202012::meta::validator();
    let mut problems = Vec::new();
    for (name, schema) in schemas() {
        if schema.get("$schema").and_then(Value::as_str) != Some(DRAFT) {
            problems.push(format!(
                "{name}: `$schema` is {:?}, not {DRAFT}",
                schema.get("$schema")
            ));
        }
        for e in meta.iter_errors(&schema) {
            problems.push(format!(
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
            problems.push(format!(
                "{name}: does not compile (formats enforced, unknown formats refused): {e}"
            ));
        }
    }
    report("schemas that are not valid draft 2020-12", problems);
}

#[test]
fn index_states_the_draft_and_lists_every_file_and_form() {
    let files = exported();
    let index = &files["index.json"];
    assert_eq!(index["draft"], DRAFT);
    assert_eq!(index["connector"], "gorgias");
    let listed: Vec<&str> = index["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let actual: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        listed, actual,
        "index.json lists exactly the exported files"
    );
    let spec = &files["spec.json"];
    let forms = index["forms"].as_array().unwrap();
    assert_eq!(
        forms.len(),
        1 + spec["actions"].as_array().unwrap().len(),
        "the config form and one per action"
    );
    assert_eq!(forms[0]["name"], "config");
    assert_eq!(forms[0]["schema"], "config.schema.json");
    for form in forms {
        for key in ["schema", "ui"] {
            let path = form[key].as_str().unwrap();
            assert!(
                files.contains_key(path),
                "form {} names {path}, which is not exported",
                form["name"]
            );
        }
        assert!(
            form["title"].as_str().is_some_and(|t| !t.trim().is_empty()),
            "form {} has no title",
            form["name"]
        );
    }
    for s in spec["streams"].as_array().unwrap() {
        assert!(files.contains_key(&format!(
            "streams/{}.schema.json",
            s["name"].as_str().unwrap()
        )));
    }
    for a in spec["actions"].as_array().unwrap() {
        let name = a["name"].as_str().unwrap();
        for suffix in ["input", "output"] {
            assert!(
                files.contains_key(&format!("actions/{name}.{suffix}.schema.json")),
                "{name} {suffix}"
            );
        }
    }
}

#[test]
fn no_dangling_refs() {
    let mut problems = Vec::new();
    for (name, schema) in schemas() {
        visit(&schema, "", &mut |node, pointer| {
            if let Some(r) = node.get("$ref") {
                match r.as_str() {
                    Some(r) if r.starts_with('#') => {
                        if schema.pointer(&r[1..]).is_none() {
                            problems.push(format!("{name}: {pointer}/$ref {r:?} points at nothing"));
                        }
                    }
                    other => problems.push(format!(
                        "{name}: {pointer}/$ref {other:?} is not a local reference (exported files must stand alone)"
                    )),
                }
            }
        });
    }
    report("dangling references", problems);
}

#[test]
fn only_standard_formats() {
    let mut problems = Vec::new();
    for (name, schema) in schemas() {
        visit(&schema, "", &mut |node, pointer| {
            if let Some(f) = node.get("format")
                && !f.as_str().is_some_and(|f| STANDARD_FORMATS.contains(&f))
            {
                problems.push(format!("{name}: {pointer} has the non-standard format {f}"));
            }
        });
    }
    report("non-standard formats", problems);
}

#[test]
fn every_pattern_is_described_in_words() {
    let mut problems = Vec::new();
    let mut patterns = 0;
    for (name, schema) in schemas() {
        visit(&schema, "", &mut |node, pointer| {
            let Some(pattern) = node.get("pattern").and_then(Value::as_str) else {
                return;
            };
            patterns += 1;
            let description = node
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim();
            let words = description
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .count();
            if description.is_empty() {
                problems.push(format!(
                    "{name}: {pointer} has the pattern {pattern:?} and no description"
                ));
            } else if description.contains(pattern) || words < 3 {
                problems.push(format!(
                    "{name}: {pointer}: the description {description:?} of the pattern {pattern:?} is not in words"
                ));
            }
        });
    }
    assert!(patterns > 0, "no patterns found: is the walk broken?");
    report("patterns without words", problems);
}

#[test]
fn forms_have_ui_schemas_that_order_every_field_and_hide_secrets() {
    let files = exported();
    let mut problems = Vec::new();
    for form in files["index.json"]["forms"].as_array().unwrap() {
        let name = form["name"].as_str().unwrap();
        let schema = &files[form["schema"].as_str().unwrap()];
        let ui = &files[form["ui"].as_str().unwrap()];
        let props: Vec<&String> = schema["properties"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        let order: Vec<&str> = ui["ui:order"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for p in &props {
            if !order.contains(&p.as_str()) {
                problems.push(format!("{name}: ui:order misses {p}"));
            }
        }
        if !props.is_empty() && order.last() != Some(&"*") {
            problems.push(format!("{name}: ui:order does not end with \"*\""));
        }
        visit(schema, "", &mut |node, pointer| {
            if node.get("enum").is_some() {
                problems.push(format!(
                    "{name}: {pointer} is an untitled enum (forms get oneOf [{{const, title}}])"
                ));
            }
            if let Some(options) = node.get("oneOf").and_then(Value::as_array) {
                for (i, o) in options.iter().enumerate() {
                    if o.get("title")
                        .and_then(Value::as_str)
                        .is_none_or(|t| t.trim().is_empty())
                    {
                        problems.push(format!("{name}: {pointer}/oneOf/{i} has no title"));
                    }
                }
            }
        });
    }
    // Secrets: every writeOnly / airbyte_secret field of the config is a password field.
    let ui = &files["ui/config.ui.json"];
    for (i, branch) in ["api_key", "token"].iter().enumerate() {
        assert_eq!(
            ui["auth"]["oneOf"][i][branch]["ui:widget"], "password",
            "{branch} in {ui}"
        );
        assert_eq!(
            ui["auth"]["oneOf"][i]["type"]["ui:widget"], "hidden",
            "auth.type in {ui}"
        );
    }
    assert_eq!(ui["subdomain"]["ui:placeholder"], "acme");
    assert!(
        ui["subdomain"]["ui:help"]
            .as_str()
            .unwrap()
            .contains("letters, digits and hyphens")
    );
    assert_eq!(ui["ui:order"][0], "subdomain");
    report("forms", problems);
}

#[test]
fn config_schema_carries_form_annotations() {
    let files = exported();
    let config = &files["config.schema.json"];
    let keys: Vec<&String> = config.as_object().unwrap().keys().take(3).collect();
    assert_eq!(
        keys,
        ["$schema", "title", "description"],
        "root keywords first"
    );
    assert_eq!(config["title"], "Gorgias connection");
    for (name, prop) in config["properties"].as_object().unwrap() {
        for key in ["title", "description"] {
            assert!(
                prop[key].as_str().is_some_and(|t| !t.is_empty()),
                "config.{name} has no {key}"
            );
        }
        assert!(prop["order"].is_u64(), "config.{name} has no order");
        assert!(
            !prop["description"].as_str().unwrap().contains('`'),
            "config.{name}: markdown in a description"
        );
    }
    assert_eq!(config["required"], json!(["subdomain", "auth"]));
    assert_eq!(
        config["properties"]["subdomain"]["examples"],
        json!(["acme"])
    );
    assert!(config["properties"]["subdomain"]["pattern_descriptor"].is_string());
    assert_eq!(config["properties"]["page_size"]["default"], 100);
    assert_eq!(config["properties"]["request_timeout_secs"]["default"], 30);
    assert_eq!(config["properties"]["base_url"]["airbyte_hidden"], true);

    // The auth choice: a oneOf with a constant discriminator, each branch titled.
    assert_eq!(config["properties"]["auth"]["$ref"], "#/$defs/Auth");
    assert_eq!(config["properties"]["auth"]["title"], "Authentication");
    let auth = &config["$defs"]["Auth"];
    assert_eq!(auth["discriminator"], json!({"propertyName": "type"}));
    let branches = auth["oneOf"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = branches
        .iter()
        .map(|b| {
            (
                b["properties"]["type"]["const"].as_str().unwrap(),
                b["title"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("basic", "API key (HTTP Basic)"),
            ("bearer", "Access token (Bearer)")
        ]
    );
    for b in branches {
        let t = &b["properties"]["type"];
        assert_eq!(
            t["default"], t["const"],
            "the discriminator defaults to its constant"
        );
        assert!(b["required"].as_array().unwrap().contains(&json!("type")));
    }
    for (branch, secret) in [(0, "api_key"), (1, "token")] {
        let s = &branches[branch]["properties"][secret];
        assert_eq!(s["writeOnly"], true, "{secret}");
        assert_eq!(s["airbyte_secret"], true, "{secret}");
        assert!(s["title"].as_str().is_some(), "{secret} has a title");
    }
    // The spec's auth kinds name exactly these secrets.
    let spec = &files["spec.json"];
    let secrets: Vec<&str> = spec["auth_kinds"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|k| {
            k["secret_fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
        })
        .collect();
    assert_eq!(secrets, ["auth.api_key", "auth.token"]);
}

#[test]
fn the_config_schema_accepts_and_refuses_what_the_connector_does() {
    let files = exported();
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&files["config.schema.json"])
        .unwrap();
    for ok in [
        json!({"subdomain": "acme", "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "k"}}),
        json!({"subdomain": "https://acme.gorgias.com/app", "auth": {"type": "bearer", "token": "t"}, "start_date": "2024-01-31"}),
    ] {
        assert!(validator.is_valid(&ok), "{ok}");
    }
    for bad in [
        json!({"subdomain": "acme shop!", "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "k"}}),
        json!({"subdomain": "acme", "auth": {"type": "basic", "email": "agent@acme.com"}}),
        json!({"subdomain": "acme", "auth": {"type": "basic", "email": "not an email", "api_key": "k"}}),
        json!({"subdomain": "acme", "auth": {"type": "oauth", "token": "t"}}),
        json!({"subdomain": "acme", "auth": {"type": "bearer", "token": "t"}, "start_date": "yesterday"}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}
