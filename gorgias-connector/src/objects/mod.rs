//! One module per Gorgias object: its record schema, its stream and its actions, side by side.
//! Each module is declarations only; [`connector_http::list`] and [`connector_http::action`] do
//! the work. To add one, see "Adding an object" in ARCHITECTURE.md.

use connector_http::action::ActionDecl;
use connector_http::list::StreamDecl;

/// Declares the object modules and registers them, in catalog order, in one list: a module
/// cannot exist without being read (each must have `streams()` and `actions()`).
macro_rules! objects {
    ($($module:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// The object modules in catalog order: their stream and action declarations.
        const MODULES: &[Module] = &[$(($module::streams, $module::actions)),+];
    };
}

/// An object module's two declaration functions.
type Module = (fn() -> Vec<StreamDecl>, fn() -> Vec<ActionDecl>);

objects![
    account,
    customers,
    custom_fields,
    events,
    files,
    integrations,
    jobs,
    macros,
    rules,
    satisfaction_surveys,
    search,
    statistics,
    tags,
    teams,
    tickets,
    ticket_messages,
    users,
    views,
    widgets,
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
