//! The check families. Every check is a public async function taking the harness (and the
//! stream or action it is about), so a test can run one directly. Each family registers its own
//! checks (`<family>::register`, from the [`Plan`]); [`FAMILIES`] lists the families in order,
//! and [`crate::checks()`] just runs every `register`.

pub mod actions;
pub mod bad_input;
pub mod check;
pub mod config;
pub mod discover;
pub mod export;
pub mod full_refresh;
pub mod harness;
pub mod hostile;
pub mod incremental;
pub mod limits;
pub mod protocol;
pub mod read;
pub mod snapshot;
pub mod spec;

use crate::{Check, Plan};

/// A family's registration: the checks the plan calls for.
pub type Register = fn(&Plan) -> Vec<Check>;

/// Every family, in the order its checks run and are listed.
pub const FAMILIES: &[(&str, Register)] = &[
    (harness::FAMILY, harness::register),
    (spec::FAMILY, spec::register),
    (export::FAMILY, export::register),
    (config::FAMILY, config::register),
    (check::FAMILY, check::register),
    (discover::FAMILY, discover::register),
    (read::FAMILY, read::register),
    (full_refresh::FAMILY, full_refresh::register),
    (incremental::FAMILY, incremental::register),
    (actions::FAMILY, actions::register),
    (bad_input::FAMILY, bad_input::register),
    (limits::FAMILY, limits::register),
    (protocol::FAMILY, protocol::register),
    (hostile::FAMILY, hostile::register),
    (snapshot::FAMILY, snapshot::register),
];
