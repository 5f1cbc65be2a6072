//! One module per Gorgias object: its record schema, its stream and its actions, side by side.
//! Each module is declarations only; [`connector_http::list`] and [`connector_http::action`] do
//! the work. To add one, see "Adding an object" in ARCHITECTURE.md.

use connector_http::action::ActionDecl;
use connector_http::browse;
use connector_http::composite::CompositeDecl;
use connector_http::list::StreamDecl;
use connector_sdk::ActionEffect;

/// Declares the object modules and registers them, in catalog order, in one list: a module
/// cannot exist without being read (each must have `streams()`, `actions()` and `SCOPE`; one
/// listed as `module + composites` also its `composites()`, the composite read actions).
macro_rules! objects {
    ($($module:ident $(+ $composites:ident)?),+ $(,)?) => {
        $(pub mod $module;)+

        /// The object modules in catalog order: their declarations and OAuth scope.
        const MODULES: &[Module] = &[$(Module {
            streams: $module::streams,
            actions: $module::actions,
            composites: objects!(@composites $module $($composites)?),
            scope: $module::SCOPE,
        }),+];
    };
    (@composites $module:ident composites) => { $module::composites };
    (@composites $module:ident) => { none };
}

/// The composites of a module that declares none.
fn none() -> Vec<CompositeDecl> {
    Vec::new()
}

/// An object module: its declaration functions and the resource of its OAuth scopes.
struct Module {
    streams: fn() -> Vec<StreamDecl>,
    actions: fn() -> Vec<ActionDecl>,
    /// Composite read actions over the connector's own actions ([`connector_http::composite`]).
    composites: fn() -> Vec<CompositeDecl>,
    /// The scope resource (`tickets` for `tickets:read` and `tickets:write`) of the module's
    /// streams and actions that declare none of their own.
    scope: &'static str,
}

/// The largest page Gorgias serves (`limit` 1–100, developers.gorgias.com/reference/pagination).
pub const MAX_LIMIT: u32 = 100;

objects![
    account,
    customers + composites,
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
    tickets + composites,
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

    /// The module's composite read actions, each declaring `<scope>:read` unless it declares
    /// its own.
    fn composites(&self) -> Vec<CompositeDecl> {
        (self.composites)()
            .into_iter()
            .map(|mut c| {
                if c.scopes.is_empty() {
                    c.scopes = vec![format!("{}:read", self.scope)];
                }
                c
            })
            .collect()
    }
}

/// Every stream, in catalog order.
pub fn streams() -> Vec<StreamDecl> {
    MODULES.iter().flat_map(Module::streams).collect()
}

/// Every HTTP action, in spec order.
pub fn actions() -> Vec<ActionDecl> {
    MODULES.iter().flat_map(Module::actions).collect()
}

/// Every composite read action, in spec order (after the HTTP actions).
pub fn composites() -> Vec<CompositeDecl> {
    MODULES.iter().flat_map(Module::composites).collect()
}

/// A whole number of a validated input (`5` or `5.0`), or `default` when it is left out.
pub(crate) fn whole(input: &serde_json::Value, key: &str, default: u64) -> u64 {
    let v = &input[key];
    v.as_u64()
        .or_else(|| {
            v.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        })
        .unwrap_or(default)
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
        for c in composites() {
            compile(&c.input).unwrap_or_else(|e| panic!("{} input: {e}", c.name));
            compile(&c.output).unwrap_or_else(|e| panic!("{} output: {e}", c.name));
        }
    }

    /// The composites over stub actions: each call validated against the real action's input
    /// schema, answered by `answer(action, input)`, and logged.
    mod composites {
        use std::sync::{Arc, Mutex};

        use async_trait::async_trait;
        use connector_http::composite::{Calls, CompositeDecl};
        use connector_sdk::{Action, ActionDescriptor, Result, ValidInput};
        use serde_json::{Value, json};

        type Log = Arc<Mutex<Vec<(String, Value)>>>;

        struct Stub {
            descriptor: ActionDescriptor,
            log: Log,
            answer: fn(&str, &Value) -> Value,
        }

        #[async_trait]
        impl Action for Stub {
            fn descriptor(&self) -> &ActionDescriptor {
                &self.descriptor
            }
            async fn run(&self, input: ValidInput) -> Result<Value> {
                let input = input.into_value();
                let name = self.descriptor.name.clone();
                self.log
                    .lock()
                    .expect("log")
                    .push((name.clone(), input.clone()));
                Ok((self.answer)(&name, &input))
            }
        }

        /// Runs the composite `name` on `input` over stubs; its output (checked against its
        /// output schema) and the calls made.
        async fn run(
            name: &str,
            input: Value,
            answer: fn(&str, &Value) -> Value,
        ) -> (Value, Vec<(String, Value)>) {
            let log: Log = Arc::default();
            let actions: Vec<Arc<dyn Action>> = super::actions()
                .iter()
                .map(|a| {
                    Arc::new(Stub {
                        descriptor: a.descriptor(),
                        log: log.clone(),
                        answer,
                    }) as Arc<dyn Action>
                })
                .collect();
            let decl: CompositeDecl = super::composites()
                .into_iter()
                .find(|c| c.name == name)
                .expect("declared");
            let descriptor = decl.descriptor();
            let input = ValidInput::check(&descriptor, input).expect("valid input");
            let calls = Calls::new(name, decl.max_calls, actions.into());
            let out = (decl.run)(calls, input).await.expect("runs");
            let found = connector_sdk::validate::violations(&decl.output, &out).expect("compiles");
            assert!(found.is_empty(), "{name} output: {found:?}\n{out}");
            let calls = log.lock().expect("log").clone();
            (out, calls)
        }

        fn customers(action: &str, _: &Value) -> Value {
            match action {
                "list_customers" => json!({"data": [
                    {"id": 1, "email": "other@example.com", "updated_datetime": "2024-01-01T00:00:00Z"},
                    {"id": 2, "email": "A@Example.com", "updated_datetime": "2024-01-01T00:00:00Z"},
                    {"id": 3, "email": "a@example.com", "updated_datetime": "2024-01-01T00:00:00Z"},
                ], "next_cursor": "more"}),
                "list_tickets" => {
                    json!({"data": [{"id": 9, "updated_datetime": "2024-01-01T00:00:00Z"}], "next_cursor": null})
                }
                other => panic!("unexpected call {other}"),
            }
        }

        #[tokio::test]
        async fn several_customers_with_the_email_the_exact_one_is_taken_and_the_rest_named() {
            let (out, calls) = run(
                "find_customer_by_email",
                json!({"email": "a@example.com", "tickets_limit": 5.0}),
                customers,
            )
            .await;
            assert_eq!(out["customer"]["id"], 2, "{out}");
            assert_eq!(out["other_matches"], json!([1, 3]));
            assert_eq!(out["more_matches"], true);
            assert_eq!(
                calls,
                vec![
                    (
                        "list_customers".to_string(),
                        json!({"email": "a@example.com", "limit": 10})
                    ),
                    (
                        "list_tickets".to_string(),
                        json!({"customer_id": 2, "limit": 5, "order_by": "updated_datetime:desc"})
                    ),
                ]
            );
        }

        /// Two pages of tickets in the forms Gorgias sends (naive, space-separated, offsets).
        fn ticket_pages(_: &str, input: &Value) -> Value {
            let t = |id: i64, created: &str, status: &str, channel: &str| json!({"id": id, "created_datetime": created, "updated_datetime": created, "status": status, "channel": channel});
            if input.get("cursor").is_none() {
                json!({"data": [
                    t(1, "2024-03-01 10:00:00", "open", "email"),
                    t(2, "2024-02-15T09:00:00.123456", "closed", "chat"),
                ], "next_cursor": "page2"})
            } else {
                json!({"data": [
                    t(3, "2024-02-01T00:00:00+01:00", "open", "chat"),
                    t(4, "2024-01-31T22:30:00+00:00", "open", "email"),
                ], "next_cursor": "page3"})
            }
        }

        #[tokio::test]
        async fn the_summary_reads_every_datetime_form_and_stops_at_since() {
            let (out, calls) = run(
                "summarize_tickets",
                json!({"since": "2024-01-31T23:00:00Z", "until": "2024-03-01T00:00:00"}),
                ticket_pages,
            )
            .await;
            // Ticket 1 is after until; 2 and 3 (2024-01-31T23:00Z) are in; 4 is before since.
            assert_eq!(out["tickets_counted"], 2, "{out}");
            assert_eq!(out["by_status"], json!({"closed": 1, "open": 1}));
            assert_eq!(out["by_channel"], json!({"chat": 2}));
            assert_eq!(out["open_by_channel"], json!({"chat": 1}));
            assert_eq!(out["complete"], true);
            assert_eq!(out["oldest_counted"], "2024-01-31T23:00:00.000000Z");
            assert_eq!(out["until"], "2024-03-01T00:00:00.000000Z");
            assert_eq!(out["pages_read"], 2);
            assert_eq!(calls.len(), 2);
            assert_eq!(
                calls[1].1,
                json!({"limit": 100, "order_by": "created_datetime:desc", "trashed": false, "cursor": "page2"})
            );

            let (cut, calls) = run(
                "summarize_tickets",
                json!({"since": "2020-01-01T00:00:00Z", "max_pages": 1}),
                ticket_pages,
            )
            .await;
            assert_eq!(
                (cut["complete"].clone(), calls.len()),
                (json!(false), 1),
                "{cut}"
            );
            assert_eq!(cut["tickets_counted"], 2);
        }
    }
}
