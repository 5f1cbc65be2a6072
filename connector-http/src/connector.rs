//! The parts every HTTP connector's `lib.rs` would otherwise copy: its declarations and spec
//! built once per process ([`Catalog`]), one HTTP client shared by every account of a
//! definition ([`SharedHttp`]), and the per-account [`HttpConnector`] that binds the
//! declarations to that account's [`Client`].

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use connector_sdk::{
    Action, ActionDescriptor, Connector, ConnectorSpec, Result, Stream, StreamDescriptor,
};

use crate::action::{ActionDecl, HttpAction};
use crate::client::{Client, ClientStats};
use crate::composite::{CompositeAction, CompositeDecl};
use crate::list::{ListStream, StreamDecl};

/// A connector's declarations with their descriptors, and the spec made from them. Build it
/// once per process (in a `OnceLock`): building a connector for another account then costs no
/// schema work.
#[derive(Debug)]
pub struct Catalog {
    streams: Vec<(Arc<StreamDecl>, Arc<StreamDescriptor>)>,
    actions: Vec<(Arc<ActionDecl>, Arc<ActionDescriptor>)>,
    composites: Vec<(Arc<CompositeDecl>, Arc<ActionDescriptor>)>,
    spec: ConnectorSpec,
}

impl Catalog {
    /// The catalog of `streams` and `actions`; `spec` receives their descriptors (in order) and
    /// returns the connector's spec.
    pub fn new(
        streams: Vec<StreamDecl>,
        actions: Vec<ActionDecl>,
        spec: impl FnOnce(Vec<StreamDescriptor>, Vec<ActionDescriptor>) -> ConnectorSpec,
    ) -> Self {
        Self::with_composites(streams, actions, Vec::new(), spec)
    }

    /// [`Catalog::new`] with composite read actions ([`crate::composite`]) too: `spec`
    /// receives the stream descriptors, then the HTTP actions' descriptors followed by the
    /// composites'. A composite may call any of the HTTP actions that read.
    pub fn with_composites(
        streams: Vec<StreamDecl>,
        actions: Vec<ActionDecl>,
        composites: Vec<CompositeDecl>,
        spec: impl FnOnce(Vec<StreamDescriptor>, Vec<ActionDescriptor>) -> ConnectorSpec,
    ) -> Self {
        let streams: Vec<_> = streams
            .into_iter()
            .map(|mut d| {
                let descriptor = Arc::new(d.descriptor());
                // The descriptor holds the schema from here on; reads never look at it.
                d.schema = serde_json::Value::Null;
                (Arc::new(d), descriptor)
            })
            .collect();
        // An action is validated and described by its descriptor from here on: the
        // declaration keeps no schema.
        let actions: Vec<_> = actions
            .into_iter()
            .map(|d| described(d, ActionDecl::descriptor, |d| (&mut d.input, &mut d.output)))
            .collect();
        let composites: Vec<_> = composites
            .into_iter()
            .map(|d| {
                described(d, CompositeDecl::descriptor, |d| {
                    (&mut d.input, &mut d.output)
                })
            })
            .collect();
        let spec = spec(
            streams.iter().map(|(_, d)| (**d).clone()).collect(),
            actions
                .iter()
                .map(|(_, d)| (**d).clone())
                .chain(composites.iter().map(|(_, d)| (**d).clone()))
                .collect(),
        );
        Catalog {
            streams,
            actions,
            composites,
            spec,
        }
    }

    /// The spec.
    pub fn spec(&self) -> &ConnectorSpec {
        &self.spec
    }

    /// The connector for one account: every declared stream and action bound to `client`.
    pub fn connect(&'static self, client: Arc<Client>, options: AccountOptions) -> HttpConnector {
        let streams = self
            .streams
            .iter()
            .map(|(decl, d)| {
                Arc::new(ListStream::new(
                    decl.clone(),
                    d.clone(),
                    client.clone(),
                    options.page_size,
                    options.start_date,
                )) as Arc<dyn Stream>
            })
            .collect();
        let mut actions: Vec<Arc<dyn Action>> = self
            .actions
            .iter()
            .map(|(decl, d)| {
                Arc::new(HttpAction::new(decl.clone(), d.clone(), client.clone()))
                    as Arc<dyn Action>
            })
            .collect();
        if !self.composites.is_empty() {
            // What the composites may call: the account's HTTP actions, bound once.
            let bound: Arc<[Arc<dyn Action>]> = actions.clone().into();
            actions.extend(self.composites.iter().map(|(decl, d)| {
                Arc::new(CompositeAction::new(decl.clone(), d.clone(), bound.clone()))
                    as Arc<dyn Action>
            }));
        }
        HttpConnector {
            spec: &self.spec,
            client,
            check_path: options.check_path,
            streams,
            actions,
        }
    }
}

/// A declaration with its descriptor, its input and output schemas dropped (the descriptor
/// holds them).
fn described<D>(
    mut decl: D,
    descriptor: fn(&D) -> ActionDescriptor,
    schemas: fn(&mut D) -> (&mut serde_json::Value, &mut serde_json::Value),
) -> (Arc<D>, Arc<ActionDescriptor>) {
    let d = Arc::new(descriptor(&decl));
    let (input, output) = schemas(&mut decl);
    *input = serde_json::Value::Null;
    *output = serde_json::Value::Null;
    (Arc::new(decl), d)
}

/// What one account's connector needs beyond its client.
#[derive(Debug, Clone)]
pub struct AccountOptions {
    /// The path `check` reads (one cheap GET that needs valid credentials), e.g. `/api/account`.
    pub check_path: &'static str,
    /// Records per list request.
    pub page_size: u32,
    /// The first sync's lower bound, if the user set one.
    pub start_date: Option<DateTime<Utc>>,
}

/// The HTTP client (TLS configuration, connection pools) every account of a definition
/// shares, built on first use.
#[derive(Debug)]
pub struct SharedHttp {
    user_agent: &'static str,
    http: OnceLock<reqwest::Client>,
}

impl SharedHttp {
    /// A shared client sending `user_agent` (e.g. `concat!("books-connector/",
    /// env!("CARGO_PKG_VERSION"))`).
    pub fn new(user_agent: &'static str) -> Self {
        SharedHttp {
            user_agent,
            http: OnceLock::new(),
        }
    }

    /// The client, built once ([`Client::shared_http`]).
    pub fn get(&self) -> Result<reqwest::Client> {
        if let Some(c) = self.http.get() {
            return Ok(c.clone());
        }
        let built = Client::shared_http(self.user_agent)?;
        Ok(self.http.get_or_init(|| built).clone())
    }
}

/// One account's connector: the catalog's streams and actions over the account's client.
pub struct HttpConnector {
    spec: &'static ConnectorSpec,
    client: Arc<Client>,
    check_path: &'static str,
    streams: Vec<Arc<dyn Stream>>,
    actions: Vec<Arc<dyn Action>>,
}

impl std::fmt::Debug for HttpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConnector")
            .field("connector", &self.spec.name)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl HttpConnector {
    /// Request counters of this account's client.
    pub fn stats(&self) -> Arc<ClientStats> {
        self.client.stats()
    }
}

#[async_trait]
impl Connector for HttpConnector {
    fn spec(&self) -> &ConnectorSpec {
        self.spec
    }

    async fn check(&self) -> Result<()> {
        self.client.check(self.check_path).await.map(|_| ())
    }

    fn streams(&self) -> Vec<Arc<dyn Stream>> {
        self.streams.clone()
    }

    fn actions(&self) -> Vec<Arc<dyn Action>> {
        self.actions.clone()
    }
}
