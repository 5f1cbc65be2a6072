//! # connector-http
//!
//! The HTTP toolkit every connector of a REST API reuses, on the [`connector_sdk`] contract:
//!
//! * [`client`]: one paced, retrying client per account, built from the `RateLimit` the
//!   connector declares (its request count, window, usage and `Retry-After` headers): what is
//!   declared is what runs. Deadlines, body caps, redirects refused, errors mapped and scrubbed.
//! * [`pacer`]: the pure state machine deciding when each request of an account may go (the
//!   declared rate, a spare slot, back-off when another client shares the account's bucket).
//! * [`retry`]: the one decision whether and when a failed request is sent again.
//! * [`list`]: the one generic list stream, implementing the SDK's incremental strategies over
//!   [`StreamDecl`](list::StreamDecl) declarations, with resumable checkpoints.
//! * [`action`]: the one generic HTTP action over [`ActionDecl`](action::ActionDecl)
//!   declarations (path templates, query fields, bodies, replies) and CRUD builders.
//! * [`composite`]: composite read actions over [`CompositeDecl`]
//!   declarations: several of the account's own read actions in one call, with a declared
//!   bound on the number of calls.
//! * [`transfer`]: file transfers for the generic action: multipart uploads from an input
//!   field, and downloads that follow redirects only to declared hosts (never with the
//!   credentials) into a file or a bounded buffer.
//! * [`datetimes`]: where a schema declares datetimes, and their rewrite into RFC 3339 when
//!   an API sends forms RFC 3339 refuses (no offset, a space), without re-encoding the rest.
//! * [`schema`]: builders for hand-written record and input schemas.
//! * [`page`]: raw list pages and the field visitor that reads a cursor without parsing records.
//! * [`connector`]: the declarations and spec built once ([`Catalog`]), the HTTP client shared
//!   by every account ([`SharedHttp`]), and the per-account connector ([`HttpConnector`]).
//! * [`auth`]: where the `Authorization` header comes from (a fixed header or an OAuth2
//!   session) and the redactor of every form of its secrets.
//! * [`oauth`]: OAuth2 sessions (tokens refreshed before they expire, once on a 401, shared by
//!   concurrent requests; rotated refresh tokens handed to the host) and the consent-flow
//!   helpers (authorize URL, code exchange).
//! * [`dialect`]: the one trait a connector implements for what is its API's own (error bodies,
//!   list envelopes, special statuses).
//!
//! A connector is then a config, a [`Dialect`], and its objects as declarations; see the
//! `books-connector` example crate for a whole one in a few hundred lines.
#![deny(missing_docs)]

pub mod action;
pub mod auth;
pub mod browse;
pub mod client;
pub mod composite;
pub mod connector;
pub mod datetimes;
pub mod dialect;
pub mod list;
pub mod oauth;
pub mod pacer;
pub mod page;
pub mod retry;
pub mod schema;
#[cfg(test)]
mod testing;
pub mod transfer;

pub use auth::Credentials;
pub use client::{Client, ClientStats, Method, RetryOptions, RetryPolicy};
pub use composite::{Calls, CompositeDecl};
pub use connector::{AccountOptions, Catalog, HttpConnector, SharedHttp};
pub use dialect::Dialect;
pub use oauth::{OAuth2, OAuth2Fields};
