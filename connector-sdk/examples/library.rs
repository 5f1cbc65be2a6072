//! The example connector as a command-line program speaking the Airbyte protocol.
//!
//! ```text
//! echo '{"token":"letmein"}' > /tmp/library.json
//! cargo run -p connector-sdk --example library -- read --config /tmp/library.json
//! ```

use std::sync::Arc;

use connector_sdk::example::{ExampleBackend, ExampleDefinition};
use connector_sdk::host::Host;

fn main() -> std::process::ExitCode {
    let definition = ExampleDefinition::new(ExampleBackend::new(25, "letmein"));
    Host::new(Arc::new(definition)).main()
}
