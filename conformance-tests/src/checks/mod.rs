//! The check families. Every check is a public async function taking the harness (and the
//! stream or action it is about), so a test can run one directly. Each family registers its own
//! checks (`<family>::register`, from the [`Plan`]); [`FAMILIES`] lists the families in order,
//! and [`crate::checks()`] just runs every `register`.

use crate::{Check, Plan};

/// A family's registration: the checks the plan calls for.
pub type Register = fn(&Plan) -> Vec<Check>;

/// Declares the family modules and lists them, in order, in [`FAMILIES`]: a family module
/// cannot exist without registering its checks.
macro_rules! families {
    ($($family:ident),+ $(,)?) => {
        $(pub mod $family;)+

        /// Every family, in the order its checks run and are listed.
        pub const FAMILIES: &[(&str, Register)] = &[$(($family::FAMILY, $family::register)),+];
    };
}

families![
    harness,
    spec,
    export,
    config,
    check,
    discover,
    read,
    full_refresh,
    incremental,
    actions,
    browse,
    mcp,
    bad_input,
    limits,
    protocol,
    hostile,
    snapshot,
];
