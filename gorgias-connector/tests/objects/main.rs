//! End-to-end tests of every Gorgias object against the embedded sandbox: one module per
//! object (as `src/objects/`), one test binary (so the workspace links it once).

mod common;

mod account;
mod browse;
mod custom_fields;
mod customers;
mod events;
mod files;
mod integrations;
mod jobs;
mod macros;
mod rules;
mod satisfaction_surveys;
mod search;
mod statistics;
mod tags;
mod teams;
mod ticket_messages;
mod tickets;
mod users;
mod views;
mod voice_call_events;
mod voice_call_recordings;
mod voice_calls;
mod widgets;
