//! What the container image and Airbyte's registry rely on: the binary works where no system
//! CA store exists (a minimal image without `ca-certificates`), and the connector's Airbyte
//! `metadata.yaml` names the image tag of this crate's version.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_gorgias-connector");

/// Runs the binary with the platform's CA store pointed at an empty file and an empty
/// directory (`SSL_CERT_FILE` / `SSL_CERT_DIR` replace the system paths for
/// rustls-native-certs): exit code, stdout, stderr.
fn without_system_roots(args: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("empty.pem");
    std::fs::write(&file, "").expect("write the empty bundle");
    let certs = dir.path().join("certs");
    std::fs::create_dir(&certs).expect("create the empty cert dir");
    let out = Command::new(BIN)
        .args(args)
        .env("SSL_CERT_FILE", &file)
        .env("SSL_CERT_DIR", &certs)
        .env("RUST_LOG", "warn")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Without any system root the HTTP client still builds (on the bundled Mozilla roots, with a
/// warning): `check --sandbox` succeeds and `read --sandbox` emits records. Before the bundled
/// roots, both failed with "cannot build the HTTP client: builder error".
#[test]
fn works_without_a_system_ca_store() {
    let (code, stdout, stderr) = without_system_roots(&["check", "--sandbox"]);
    assert_eq!(code, Some(0), "check failed:\n{stdout}\n{stderr}");
    let status: Vec<Value> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["type"] == "CONNECTION_STATUS")
        .collect();
    assert_eq!(
        status.len(),
        1,
        "one CONNECTION_STATUS line:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        status[0]["connectionStatus"]["status"], "SUCCEEDED",
        "check without system roots:\n{stdout}\n{stderr}"
    );
    assert!(
        !format!("{stdout}{stderr}").contains("cannot build the HTTP client"),
        "{stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("Mozilla root certificates built into the binary"),
        "the fallback is announced on stderr:\n{stderr}"
    );
}

/// The value of a top-level-or-nested `key: value` line of a YAML file whose key is unique
/// (the metadata has one `dockerImageTag`), quotes removed.
fn yaml_scalar(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.trim_start().strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\'').to_owned())
        .collect()
}

/// `metadata.yaml`'s `dockerImageTag` is this crate's version (the image's `io.airbyte.version`
/// label and tag are too, both taken from the crate): bump them together.
#[test]
fn metadata_image_tag_is_the_crate_version() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("metadata.yaml");
    let text = std::fs::read_to_string(&path).expect("gorgias-connector/metadata.yaml");
    assert_eq!(
        yaml_scalar(&text, "dockerImageTag"),
        vec![env!("CARGO_PKG_VERSION").to_owned()],
        "{}: dockerImageTag must equal the crate version {} (bump both)",
        path.display(),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(
        yaml_scalar(&text, "dockerRepository"),
        vec!["connector-toolkit/source-gorgias".to_owned()],
        "dockerRepository (the image name CI builds and labels)"
    );
    assert_eq!(yaml_scalar(&text, "connectorType"), vec!["source"]);

    let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).expect("gorgias-connector/Dockerfile");
    let arg = format!("ARG CONNECTOR_VERSION={}", env!("CARGO_PKG_VERSION"));
    assert!(
        text.lines().any(|l| l.trim() == arg),
        "{}: the io.airbyte.version label comes from `{arg}` (bump it with the crate)",
        dockerfile.display()
    );
    assert!(
        text.contains("io.airbyte.name=\"connector-toolkit/source-gorgias\""),
        "the image's io.airbyte.name label is metadata.yaml's dockerRepository"
    );
}
