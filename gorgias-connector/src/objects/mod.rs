//! One module per Gorgias object: its record schema, its stream and its actions, side by side.
//! Each module is declarations only; [`connector_http::list`] and [`connector_http::action`] do
//! the work. To add one, see "Adding an object" in ARCHITECTURE.md.

use connector_http::action::ActionDecl;
use connector_http::browse;
use connector_http::list::StreamDecl;
use connector_sdk::ActionEffect;

/// Declares the object modules and registers them, in catalog order, in one list: a module
/// cannot exist without being read (each must have `streams()`, `actions()` and `SCOPE`).
macro_rules! objects {
    ($($module:ident),+ $(,)?) => {
        $(pub mod $module;)+

        /// The object modules in catalog order: their declarations and OAuth scope.
        const MODULES: &[Module] = &[$(Module {
            streams: $module::streams,
            actions: $module::actions,
            scope: $module::SCOPE,
        }),+];
    };
}

/// An object module: its two declaration functions and the resource of its OAuth scopes.
struct Module {
    streams: fn() -> Vec<StreamDecl>,
    actions: fn() -> Vec<ActionDecl>,
    /// The scope resource (`tickets` for `tickets:read` and `tickets:write`) of the module's
    /// streams and actions that declare none of their own.
    scope: &'static str,
}

/// The largest page Gorgias serves (`limit` 1–100, developers.gorgias.com/reference/pagination).
pub const MAX_LIMIT: u32 = 100;

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
    voice_calls,
    voice_call_events,
    voice_call_recordings,
    widgets,
];

impl Module {
    /// The module's streams, each declaring `<scope>:read` unless it declares its own.
    fn streams(&self) -> Vec<StreamDecl> {
        (self.streams)()
            .into_iter()
            .map(|mut s| {
                if s.scopes.is_empty() {
                    s.scopes = vec![format!("{}:read", self.scope)];
                }
                s
            })
            .collect()
    }

    /// The paged list action of each list stream, then the module's own actions; each declares
    /// `<scope>:read` (reads) or `<scope>:write` (changes) unless it declares its own.
    fn actions(&self) -> Vec<ActionDecl> {
        let mut all = browse::list_actions(&self.streams(), MAX_LIMIT);
        all.extend((self.actions)().into_iter().map(|mut a| {
            if a.scopes.is_empty() {
                let access = match a.effect {
                    ActionEffect::Read => "read",
                    ActionEffect::Create | ActionEffect::Update | ActionEffect::Delete => "write",
                };
                a.scopes = vec![format!("{}:{access}", self.scope)];
            }
            a
        }));
        all
    }
}

/// Every stream, in catalog order.
pub fn streams() -> Vec<StreamDecl> {
    MODULES.iter().flat_map(Module::streams).collect()
}

/// Every action, in spec order.
pub fn actions() -> Vec<ActionDecl> {
    MODULES.iter().flat_map(Module::actions).collect()
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
