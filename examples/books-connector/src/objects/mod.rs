//! One module per Books API object: its record schema, stream and actions, as declarations.
//! [`connector_http::list`] and [`connector_http::action`] do the work.

use connector_http::action::ActionDecl;
use connector_http::browse;
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

/// The largest page the Books API serves.
pub const MAX_LIMIT: u32 = 100;

/// Every action, in spec order: each module's paged list actions (`list_books`, made by the
/// toolkit from the stream, its cursor sent as `page_token`), then its own.
pub fn actions() -> Vec<ActionDecl> {
    MODULES
        .iter()
        .flat_map(|(s, a)| {
            let mut all = browse::list_actions(&s(), MAX_LIMIT);
            all.extend(a());
            all
        })
        .collect()
}
