//! The command line a person (and PyAirbyte) expects of the binary: `--version`, `actions`
//! (a table, `--json` lines), and a read configured as PyAirbyte configures one (every stream
//! `incremental`, `--state` holding `[]`), which reads the full-refresh-only streams as full
//! refreshes with one WARN LOG line each instead of refusing the catalog; `mcp` refusing a bad
//! config or inconsistent flags without writing to stdout (the MCP channel).

use std::process::Command;

use connector_sdk::{Definition as _, SyncMode};
use gorgias_connector::GorgiasDefinition;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_gorgias-connector");

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run the binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

#[test]
fn version_names_the_connector_and_its_version() {
    let (code, out, _) = run(&["--version"]);
    assert_eq!(
        (code, out.as_str()),
        (0, concat!("gorgias ", env!("CARGO_PKG_VERSION"), "\n"))
    );
}

#[test]
fn actions_lists_every_declared_action() {
    let definition = GorgiasDefinition::new();
    let declared = &definition.spec().actions;
    let (code, out, _) = run(&["actions", "--json"]);
    assert_eq!(code, 0);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    assert_eq!(lines.len(), declared.len());
    for (line, action) in lines.iter().zip(declared) {
        assert_eq!(line["name"], action.name.as_str());
        assert_eq!(line["effect"], json!(action.effect));
        assert_eq!(line["description"], action.description.as_str());
    }
    let (code, table, _) = run(&["actions"]);
    assert_eq!(code, 0);
    let rows: Vec<&str> = table.lines().collect();
    assert_eq!(
        rows.len(),
        declared.len() + 2,
        "a header, the actions, a count"
    );
    assert!(rows[0].starts_with("ACTION"), "{}", rows[0]);
    let delete = rows
        .iter()
        .find(|r| r.starts_with("delete_ticket "))
        .expect("delete_ticket is listed");
    assert_eq!(
        delete.split_whitespace().take(3).collect::<Vec<_>>(),
        ["delete_ticket", "delete", "yes"]
    );
    assert!(rows.iter().all(|r| r.chars().count() < 160), "{table}");
}

/// PyAirbyte's `get_configured_catalog` asks every stream for incremental and passes
/// `--state` with `[]` on a first read (`airbyte/sources/base.py`).
#[test]
fn a_read_configured_as_pyairbyte_configures_it_succeeds() {
    let definition = GorgiasDefinition::new();
    let spec = definition.spec();
    let catalog = connector_host::airbyte::catalog(spec);
    let streams: Vec<Value> = catalog["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| {
            json!({"stream": s, "sync_mode": "incremental", "destination_sync_mode": "overwrite",
                   "primary_key": s["source_defined_primary_key"], "cursor_field": s["default_cursor_field"]})
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let catalog_path = dir.path().join("catalog.json");
    std::fs::write(&catalog_path, json!({"streams": streams}).to_string()).expect("write");
    let state_path = dir.path().join("state.json");
    std::fs::write(&state_path, "[]").expect("write");
    let (code, out, err) = run(&[
        "read",
        "--sandbox",
        "--catalog",
        catalog_path.to_str().expect("UTF-8 path"),
        "--state",
        state_path.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let messages: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let warnings: Vec<&str> = messages
        .iter()
        .filter(|m| m["type"] == "LOG" && m["log"]["level"] == "WARN")
        .filter_map(|m| m["log"]["message"].as_str())
        .collect();
    let full_refresh_only: Vec<&str> = spec
        .streams
        .iter()
        .filter(|s| !s.supports(SyncMode::Incremental))
        .map(|s| s.name.as_str())
        .collect();
    assert!(
        full_refresh_only.contains(&"account"),
        "{full_refresh_only:?}"
    );
    for name in &full_refresh_only {
        let about: Vec<&&str> = warnings
            .iter()
            .filter(|w| w.contains(&format!("`{name}`")))
            .collect();
        assert_eq!(about.len(), 1, "one warning about {name}: {warnings:?}");
        assert!(about[0].contains("read as a full refresh"), "{}", about[0]);
        assert!(
            messages
                .iter()
                .any(|m| m["type"] == "RECORD" && m["record"]["stream"] == *name),
            "{name} is read"
        );
    }
    let complete = messages
        .iter()
        .filter(|m| m["trace"]["stream_status"]["status"] == "COMPLETE")
        .count();
    assert_eq!(complete, spec.streams.len(), "{err}");
}

#[test]
fn mcp_refuses_a_bad_config_on_stderr_and_keeps_stdout_for_the_protocol() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("config.json");
    let secret = "mcp-canary-api-key-6f1d";
    std::fs::write(
        &path,
        json!({"subdomain": "acme", "auth": {"type": "basic", "email": "a@b.c", "api_key": secret}, "base_url": "http://example.com"}).to_string(),
    )
    .expect("write");
    let (code, out, err) = run(&["mcp", "--config", path.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out, "",
        "stdout is the MCP channel: nothing else goes there"
    );
    assert!(err.contains("base_url"), "{err}");
    assert!(!err.contains(secret), "{err}");
    let (code, out, err) = run(&["mcp"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert!(
        err.contains("--config") && err.contains("--sandbox"),
        "{err}"
    );
}

#[test]
fn mcp_deletes_need_writes_too() {
    let (code, out, err) = run(&["mcp", "--sandbox", "--allow-deletes"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("--allow-writes"), "{err}");
    let (code, out, err) = run(&["mcp", "--sandbox", "--max-result-kib", "0"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("--max-result-kib"), "{err}");
}
