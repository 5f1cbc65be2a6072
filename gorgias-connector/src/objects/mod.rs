//! One module per Gorgias object: its record schema, its stream and its actions, side by side.
//! Each module is declarations only; [`crate::list`] and [`crate::action`] do the work.

use crate::action::ActionDecl;
use crate::list::StreamDecl;

pub mod account;
pub mod custom_fields;
pub mod customers;
pub mod events;
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
pub mod widgets;

/// An object module's two declaration functions.
type Module = (fn() -> Vec<StreamDecl>, fn() -> Vec<ActionDecl>);

/// The object modules in catalog order.
const MODULES: &[Module] = &[
    (account::streams, account::actions),
    (customers::streams, customers::actions),
    (custom_fields::streams, custom_fields::actions),
    (events::streams, events::actions),
    (integrations::streams, integrations::actions),
    (jobs::streams, jobs::actions),
    (macros::streams, macros::actions),
    (rules::streams, rules::actions),
    (satisfaction_surveys::streams, satisfaction_surveys::actions),
    (search::streams, search::actions),
    (statistics::streams, statistics::actions),
    (tags::streams, tags::actions),
    (teams::streams, teams::actions),
    (tickets::streams, tickets::actions),
    (ticket_messages::streams, ticket_messages::actions),
    (users::streams, users::actions),
    (views::streams, views::actions),
    (widgets::streams, widgets::actions),
];

/// Every stream, in catalog order.
pub fn streams() -> Vec<StreamDecl> {
    MODULES.iter().flat_map(|(s, _)| s()).collect()
}

/// Every action, in spec order.
pub fn actions() -> Vec<ActionDecl> {
    MODULES.iter().flat_map(|(_, a)| a()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_sdk::validate::compile;

    #[test]
    fn every_declared_schema_compiles() {
        for s in streams() {
            compile(&s.schema).unwrap_or_else(|e| panic!("stream {}: {e}", s.name));
        }
        for a in actions() {
            compile(&a.input).unwrap_or_else(|e| panic!("{} input: {e}", a.name));
            compile(&a.output).unwrap_or_else(|e| panic!("{} output: {e}", a.name));
        }
    }
}
