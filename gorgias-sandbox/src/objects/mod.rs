//! The Gorgias objects, one module each, named as the connector's modules. Each holds that object's
//! store shape (`STORE`), list rules (`LIST`), write rules (`WRITES`), routes, status codes and
//! seed generator, declared in one [`ObjectDef`] (`DEF`). This module is the one registration list;
//! the shared machinery never imports an object.

pub mod account;
pub mod custom_fields;
pub mod customers;
pub mod events;
pub mod files;
pub mod integrations;
pub mod jobs;
pub mod macros;
pub mod rules;
pub mod satisfaction_surveys;
pub mod search;
pub mod statistics;
pub mod tags;
pub mod teams;
pub mod ticket_messages;
pub mod tickets;
pub mod users;
pub mod views;
pub mod voice_call_events;
pub mod voice_call_recordings;
pub mod voice_calls;
pub mod widgets;

use crate::object::{self, ObjectDef};
use crate::options::AccountOptions;
use crate::seed;
use crate::server::AppState;
use crate::store::{AccountData, CollectionSpec, ObjectKind};
use axum::Router;

/// Every object with records, in seed order (later generators read what earlier ones stored:
/// tickets need users, teams, tags, integrations and customers; voice calls tickets, customers
/// and users; call events and recordings calls; events come last).
pub static ALL: &[&ObjectDef] = &[
    &users::DEF,
    &teams::DEF,
    &tags::DEF,
    &integrations::DEF,
    &account::DEF,
    &custom_fields::DEF,
    &macros::DEF,
    &customers::DEF,
    &tickets::DEF,
    &ticket_messages::DEF,
    &satisfaction_surveys::DEF,
    &voice_calls::DEF,
    &voice_call_events::DEF,
    &voice_call_recordings::DEF,
    &rules::DEF,
    &views::DEF,
    &widgets::DEF,
    &jobs::DEF,
    &events::DEF,
];

static NOTHING: CollectionSpec = CollectionSpec {
    fields: &[],
    indexes: &[],
    groups: &[],
    list_omit: &[],
};

/// The declaration of an object.
pub fn def(kind: ObjectKind) -> Option<&'static ObjectDef> {
    ALL.iter().copied().find(|d| d.kind == kind)
}

/// The store shape of an object.
pub fn store_spec(kind: ObjectKind) -> &'static CollectionSpec {
    def(kind).map_or(&NOTHING, |d| d.store)
}

/// Every `/api` route.
pub fn router() -> Router<AppState> {
    object::router(ALL, &[search::ROUTES, statistics::ROUTES]).merge(files::router())
}

/// The routes outside `/api` that need no credentials (files' signed links and public files).
pub fn public_router() -> Router<AppState> {
    files::public_router()
}

/// Generates the whole store of one account.
pub fn generate(account: &AccountOptions, account_index: usize, seed: u64) -> AccountData {
    let steps: Vec<seed::SeedFn> = ALL.iter().filter_map(|d| d.seed).collect();
    seed::generate(
        account,
        account_index,
        seed,
        store_spec,
        events::append,
        &steps,
    )
}
