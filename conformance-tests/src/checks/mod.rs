//! The check families. Every check is a public async function taking the harness (and the
//! stream or action it is about), so a test can run one directly; [`crate::checks()`] lists
//! the ones a connector's declarations call for.

pub mod actions;
pub mod check;
pub mod config;
pub mod discover;
pub mod full_refresh;
pub mod harness;
pub mod hostile;
pub mod incremental;
pub mod limits;
pub mod protocol;
pub mod read;
pub mod snapshot;
pub mod spec;
