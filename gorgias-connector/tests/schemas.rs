//! The exported schemas (`schemas/gorgias/`), what is Gorgias's own about them.
//!
//! * `committed_export_is_current`: a fresh export (into a temporary folder, through
//!   `connector_host::export::write`) matches the committed folder file for file; when it does
//!   not, the failure says which files differ and the command that regenerates them.
//! * the Gorgias config form: its uiSchema and annotations, and that it accepts and refuses what
//!   the connector does.
//!
//! What holds for every connector's export (valid draft 2020-12, no dangling `$ref`, standard
//! formats, patterns in words, index complete, uiSchemas matching their schemas) is the
//! conformance suite's `export::*` family, run on Gorgias by `tests/conformance.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use connector_host::export;
use connector_sdk::Definition;
use gorgias_connector::GorgiasDefinition;
use serde_json::{Value, json};

const REGENERATE: &str =
    "cargo run -p gorgias-connector --features cli -- schemas --out schemas/gorgias";

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

/// Gorgias's config form: both credentials are password fields, the discriminator is hidden,
/// the subdomain comes first with its placeholder and help. (That every form's uiSchema matches
/// its schema is `export::ui_schemas_match` in the conformance run.)
#[test]
fn the_config_form_hides_credentials_and_helps_with_the_subdomain() {
    let files = exported();
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
            ("bearer", "Access token (Bearer)"),
            ("oauth2", "OAuth2 app (refreshing tokens)"),
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
    for (branch, secret) in [
        (0, "api_key"),
        (1, "token"),
        (2, "client_secret"),
        (2, "refresh_token"),
        (2, "access_token"),
    ] {
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
    assert_eq!(
        secrets,
        [
            "auth.api_key",
            "auth.token",
            "auth.client_secret",
            "auth.refresh_token",
            "auth.access_token"
        ]
    );
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
        json!({"subdomain": "acme", "auth": {"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r"}}),
        json!({"subdomain": "acme", "auth": {"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r", "access_token": "a.b.c"}}),
    ] {
        assert!(validator.is_valid(&ok), "{ok}");
    }
    for bad in [
        json!({"subdomain": "acme shop!", "auth": {"type": "basic", "email": "agent@acme.com", "api_key": "k"}}),
        json!({"subdomain": "acme", "auth": {"type": "basic", "email": "agent@acme.com"}}),
        json!({"subdomain": "acme", "auth": {"type": "basic", "email": "not an email", "api_key": "k"}}),
        json!({"subdomain": "acme", "auth": {"type": "oauth", "token": "t"}}),
        json!({"subdomain": "acme", "auth": {"type": "bearer", "token": "t"}, "start_date": "yesterday"}),
        json!({"subdomain": "acme", "auth": {"type": "oauth2", "client_id": "app", "client_secret": "s"}}),
        json!({"subdomain": "acme", "auth": {"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r", "token_url": "https://evil.example/t"}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}
