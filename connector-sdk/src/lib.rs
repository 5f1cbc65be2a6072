//! # connector-sdk
//!
//! The contract every connector is written against: traits, descriptors, messages, errors,
//! validation, pagination, cursors and schema helpers. It runs nothing by itself: the
//! `connector-host` crate gives a connector its command line (the Airbyte protocol), and the
//! `connector-http` crate gives an HTTP API connector its paced client, list walk and actions.
//!
//! * A [`Definition`] knows its [`ConnectorSpec`] without a config and builds a [`Connector`]
//!   from a config checked against the spec's config schema ([`ValidConfig`]).
//! * A [`Connector`] (one account) checks its credentials and hands out [`Stream`]s and
//!   [`Action`]s. All three traits are object safe: a host holds `Vec<Box<dyn Connector>>` of
//!   different connector types side by side.
//! * A [`Stream`] reads lazily as a `futures` stream of [`Message`]s (records, state
//!   checkpoints, logs); memory stays flat however many records flow.
//! * An [`Action`] runs on a [`ValidInput`], which only exists once the input matched the
//!   action's input schema: no request can be made with an unchecked input.
//! * A connector whose credentials change while it runs (a rotated OAuth2 refresh token) hands
//!   the updated config to the [`ConfigSink`] its host built it with ([`control`]).
//! * Descriptors ([`StreamDescriptor`], [`ActionDescriptor`], [`RateLimit`], [`AuthKind`],
//!   [`PollingMode`]) are plain data with JSON schemas; what is declared is what runs.
#![deny(missing_docs)]

pub mod connector;
pub mod control;
pub mod cursor;
pub mod error;
pub mod message;
pub mod paginate;
pub mod redact;
pub mod schema;
pub mod spec;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validate;

pub use connector::{
    Action, ActionExt, Connector, ConnectorExt, Definition, DefinitionExt, ReadRequest, Stream,
};
pub use control::{ConfigSink, ConfigUpdate};
pub use error::{Error, FailureType, Result};
pub use message::{LogLevel, LogMessage, Message, Record, State, StateCheckpoint};
pub use spec::{
    ActionDescriptor, ActionEffect, AuthKind, AuthScheme, ChangeDetection, ConnectorSpec,
    Incremental, IncrementalStrategy, PollingMode, RateLimit, RateLimitScope, StreamDescriptor,
    SyncMode,
};
pub use validate::{ValidConfig, ValidInput};

/// Re-exports for connector authors, so their versions match the SDK's.
pub mod reexports {
    pub use async_trait::async_trait;
    pub use futures;
    pub use schemars;
    pub use serde_json;
}
