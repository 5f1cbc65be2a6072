//! What a connector tells its host outside the data: an updated config to store.
//!
//! Some credentials change while a connector runs: an OAuth2 token endpoint may answer a refresh
//! with a *new* refresh token and stop accepting the old one (rotation). The only copy of the new
//! one is then in the connector's memory, and the config the host stored is stale. The connector
//! hands the updated config to a [`ConfigSink`] the host gave it when it was built
//! ([`crate::Definition::build_with_updates`]); the Airbyte-protocol host prints it as a `CONTROL`
//! message of type `CONNECTOR_CONFIG` (docs.airbyte.com/understanding-airbyte/airbyte-protocol,
//! "AirbyteControlMessage"), which the platform stores in place of the connection's config.
//!
//! **Ordering** (the contract both sides keep): a connector calls [`ConfigSink::send`] and waits
//! for it to return *before* it uses the new credentials for any request; a host's sink returns
//! `Ok` only once the update is stored (for the CLI: the line written *and* flushed). A process
//! that dies before the sink returned has not used the new credentials, and one that dies after
//! has stored them: nothing is lost between the two. A sink that fails (`Err`) makes the
//! connector keep the new credentials unused and fail the request that needed them, naming the
//! problem; it offers them to the sink again on the next request.
//!
//! An update carries the whole config, secrets included (it is what the host stores): it is the
//! one place where secrets may be written out. Its `Debug` output shows none of it.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;

use crate::error::Result;

/// An updated config, whole (every field, secrets included), for the host to store in place of
/// the one the connector was built with.
#[derive(Clone, PartialEq)]
pub struct ConfigUpdate {
    /// The whole updated config document.
    pub config: Value,
}

impl std::fmt::Debug for ConfigUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The document holds secrets: never print it.
        f.debug_struct("ConfigUpdate").finish_non_exhaustive()
    }
}

/// The function a host stores updates with: it resolves once the update is stored.
pub type ConfigSinkFn = dyn Fn(ConfigUpdate) -> BoxFuture<'static, Result<()>> + Send + Sync;

/// Where a connector hands updated configs (see the module docs for the ordering both sides
/// keep). Cheap to clone; [`ConfigSink::none`] (the default) stores nothing.
#[derive(Clone, Default)]
pub struct ConfigSink(Option<Arc<ConfigSinkFn>>);

impl std::fmt::Debug for ConfigSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigSink")
            .field("attached", &self.0.is_some())
            .finish()
    }
}

impl ConfigSink {
    /// No host stores updates: a connector whose credentials change can only keep them in
    /// memory (it says so in a warning).
    pub fn none() -> Self {
        Self(None)
    }

    /// A sink calling `store` for every update; the future it returns resolves once the update
    /// is stored (`Err` when it could not be).
    pub fn new<F>(store: F) -> Self
    where
        F: Fn(ConfigUpdate) -> BoxFuture<'static, Result<()>> + Send + Sync + 'static,
    {
        Self(Some(Arc::new(store)))
    }

    /// Whether a host attached a store.
    pub fn is_attached(&self) -> bool {
        self.0.is_some()
    }

    /// Hands `update` over and waits until it is stored. Without a store: `Ok(false)` at once.
    /// `Ok(true)`: stored.
    pub async fn send(&self, update: ConfigUpdate) -> Result<bool> {
        match &self.0 {
            None => Ok(false),
            Some(store) => store(update).await.map(|()| true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt as _;
    use std::sync::Mutex;

    #[test]
    fn updates_reach_the_store_and_debug_shows_no_secret() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let store = seen.clone();
        let sink = ConfigSink::new(move |u: ConfigUpdate| {
            store.lock().unwrap().push(u.config);
            async { Ok(()) }.boxed()
        });
        let update = ConfigUpdate {
            config: serde_json::json!({"auth": {"refresh_token": "CANARY-rt"}}),
        };
        assert!(!format!("{update:?}").contains("CANARY"));
        assert!(futures::executor::block_on(sink.send(update.clone())).unwrap());
        assert_eq!(seen.lock().unwrap()[0], update.config);
        assert!(sink.is_attached());
        assert!(!futures::executor::block_on(ConfigSink::none().send(update)).unwrap());
        assert_eq!(
            format!("{:?}", ConfigSink::none()),
            "ConfigSink { attached: false }"
        );
    }
}
