//! One module per Books API object: its record schema, stream and actions, as declarations.
//! [`connector_http::list`] and [`connector_http::action`] do the work.

use connector_http::action::ActionDecl;
use connector_http::list::StreamDecl;

/// Declares the object modules and registers them, in catalog order, in one list.
macro_rules! objects {
    ($($module:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// The object modules in catalog order: their stream and action declarations.
        const MODULES: &[Module] = &[$(($module::streams, $module::actions)),+];
    };
}

/// An object module's two declaration functions.
type Module = (fn() -> Vec<StreamDecl>, fn() -> Vec<ActionDecl>);

objects![books, authors];

/// Every stream, in catalog order.
pub fn streams() -> Vec<StreamDecl> {
    MODULES.iter().flat_map(|(s, _)| s()).collect()
}

/// Every action, in spec order.
pub fn actions() -> Vec<ActionDecl> {
    MODULES.iter().flat_map(|(_, a)| a()).collect()
}
