//! The `gorgias-connector` binary: the Airbyte-protocol host for the Gorgias connector (built
//! with the `cli` feature; `sandbox` adds the embedded sandbox).
//!
//! ```text
//! gorgias-connector spec
//! gorgias-connector check    --config config.json      (or --sandbox)
//! gorgias-connector discover --config config.json      (or --sandbox)
//! gorgias-connector read     --config config.json [--catalog c.json] [--state s.json]
//! gorgias-connector action NAME --config config.json --input input.json
//! gorgias-connector schemas  --out schemas/gorgias
//! ```
//! `--sandbox` starts an embedded Gorgias sandbox (seeded data, its own credentials) and uses
//! it instead of a config: no account needed.

use std::sync::Arc;

use connector_host::Host;
use gorgias_connector::GorgiasDefinition;

fn main() -> std::process::ExitCode {
    let host = Host::new(Arc::new(GorgiasDefinition::new()));
    #[cfg(feature = "sandbox")]
    let host = host.with_preset(gorgias_connector::sandbox_preset::preset());
    #[cfg(not(feature = "sandbox"))]
    let host = host.with_preset(without_sandbox());
    host.main()
}

/// A binary built without the `sandbox` feature still knows the flag, and says how to get it.
#[cfg(not(feature = "sandbox"))]
fn without_sandbox() -> connector_host::Preset {
    use futures::FutureExt as _;
    connector_host::Preset {
        flag: "sandbox",
        help: "Use an embedded Gorgias sandbox (only in binaries built with --features sandbox)",
        provide: Arc::new(|| {
            async {
                Err(connector_sdk::Error::invalid_config(
                    "--sandbox",
                    "this binary was built without the embedded sandbox; rebuild it with `cargo build --release -p gorgias-connector --features sandbox`, or pass --config",
                ))
            }
            .boxed()
        }),
    }
}
