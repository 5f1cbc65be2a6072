//! The `books-connector` binary: the Airbyte-protocol host for the Books API connector.
//!
//! ```text
//! books-connector spec
//! books-connector check    --config config.json      (or --fake)
//! books-connector read     --config config.json [--catalog c.json] [--state s.json]
//! books-connector action NAME --config config.json --input input.json
//! ```
//! `--fake` (feature `fake`) starts the crate's fake Books API and reads from it.

use std::sync::Arc;

use books_connector::BooksDefinition;
use connector_host::Host;

fn main() -> std::process::ExitCode {
    let host = Host::new(Arc::new(BooksDefinition::new()));
    #[cfg(feature = "fake")]
    let host = host.with_preset(books_connector::fake::preset());
    host.main()
}
