//! The `gorgias-connector` binary: the SDK's Airbyte-protocol host for the Gorgias connector.
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
    host.main()
}
