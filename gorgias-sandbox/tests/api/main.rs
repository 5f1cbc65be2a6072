//! Integration tests: a real sandbox over loopback, driven with reqwest.

mod common;
mod errors;
mod faults;
mod filters;
mod misc;
mod oauth;
mod pagination;
mod rate_limit;
mod recorded;
mod voice;
mod writes;
