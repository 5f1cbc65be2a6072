//! Composite read actions: one action that runs several of the same account's own bound read
//! actions in sequence, so a host or an AI agent gets in one call what would otherwise take
//! several round trips (a ticket with its messages, a customer with their tickets).
//!
//! A [`CompositeDecl`] is declared like an [`ActionDecl`](crate::action::ActionDecl): a name,
//! input and output schemas, a description, scopes. Its `run` function receives the validated
//! input and a [`Calls`] handle, through which it runs the account's actions by name: each call
//! is validated against that action's input schema, paced by the account's one client, retried
//! and datetime-normalised exactly as that action is when run on its own. Rules the toolkit
//! enforces rather than trusts:
//!
//! * **Bounded**: a composite declares `max_calls`, the most calls one run makes; it is written
//!   into the description, and a run that would make one more fails with
//!   [`Error::Internal`] (a connector bug) before that call is sent.
//! * **Read only**: a composite's effect is `Read` (and so idempotent), and it may only call
//!   actions whose effect is `Read`; calling any other, or an action the connector does not
//!   declare, is an [`Error::Internal`].
//! * **Errors pass through**: an error of a call (not found, rate limited, upstream) is the
//!   composite's error, unchanged.
//!
//! [`Catalog::with_composites`](crate::Catalog::with_composites) binds composites to an
//! account next to its HTTP actions; their descriptors come after the HTTP actions' in the spec.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use connector_sdk::{Action, ActionDescriptor, ActionEffect, ActionExt, Error, Result, ValidInput};
use futures::future::BoxFuture;
use serde_json::Value;

/// What a composite does with its validated input and its [`Calls`]: the output, which must
/// validate against the declared output schema.
pub type CompositeRun = fn(Calls, ValidInput) -> BoxFuture<'static, Result<Value>>;

/// A composite read action declared by an object module.
#[derive(Debug, Clone)]
pub struct CompositeDecl {
    /// Name (snake_case), unique among the connector's actions.
    pub name: String,
    /// Human title.
    pub title: String,
    /// What it does, when to use it instead of the single calls, and how to page on; the
    /// descriptor appends the call bound.
    pub description: String,
    /// Input schema.
    pub input: Value,
    /// Output schema.
    pub output: Value,
    /// The most calls (API requests, retries aside) one run makes.
    pub max_calls: u32,
    /// The OAuth scopes it needs: those of every action it calls.
    pub scopes: Vec<String>,
    /// The composite itself.
    pub run: CompositeRun,
}

impl CompositeDecl {
    /// A declaration making at most `max_calls` calls per run.
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
        input: Value,
        output: Value,
        max_calls: u32,
        run: CompositeRun,
    ) -> Self {
        CompositeDecl {
            name: name.into(),
            title: title.into(),
            description: description.into(),
            input,
            output,
            max_calls,
            scopes: Vec::new(),
            run,
        }
    }

    /// Declares the OAuth scopes it needs.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The SDK descriptor: effect `Read`, idempotent, the bound appended to the description.
    pub fn descriptor(&self) -> ActionDescriptor {
        let requests = if self.max_calls == 1 {
            "1 API request".to_string()
        } else {
            format!("{} API requests", self.max_calls)
        };
        let description = format!(
            "{} Bound: at most {requests} per call (retries of a failed request aside), paced within the account's rate limit.",
            self.description.trim_end()
        );
        ActionDescriptor::new(
            self.name.clone(),
            self.title.clone(),
            description,
            ActionEffect::Read,
            self.input.clone(),
            self.output.clone(),
        )
        .idempotent(true)
        .scopes(self.scopes.iter().cloned())
    }
}

/// One run's handle on the account's bound actions: runs them by name and counts the calls
/// against the composite's bound. Cheap to clone (the clones share the count).
#[derive(Clone)]
pub struct Calls {
    inner: Arc<CallsInner>,
}

struct CallsInner {
    composite: String,
    max_calls: u32,
    made: AtomicU32,
    actions: Arc<[Arc<dyn Action>]>,
}

impl std::fmt::Debug for Calls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Calls")
            .field("composite", &self.inner.composite)
            .field("max_calls", &self.inner.max_calls)
            .field("made", &self.made())
            .finish_non_exhaustive()
    }
}

impl Calls {
    /// A fresh count for one run of `composite` over `actions` (the account's bound actions).
    pub fn new(
        composite: impl Into<String>,
        max_calls: u32,
        actions: Arc<[Arc<dyn Action>]>,
    ) -> Self {
        Calls {
            inner: Arc::new(CallsInner {
                composite: composite.into(),
                max_calls,
                made: AtomicU32::new(0),
                actions,
            }),
        }
    }

    /// Validates `input` and runs the read action called `action`, counting the call. An
    /// action the connector does not declare, one that is not a read, or a call beyond the
    /// declared bound fails with [`Error::Internal`] and sends nothing; the action's own
    /// errors pass through unchanged.
    pub async fn call(&self, action: &str, input: Value) -> Result<Value> {
        let me = &self.inner.composite;
        let found = self
            .inner
            .actions
            .iter()
            .find(|a| a.descriptor().name == action)
            .ok_or_else(|| {
                Error::internal(format!(
                    "composite action `{me}` calls `{action}`, which the connector does not declare"
                ))
            })?;
        if found.descriptor().effect != ActionEffect::Read {
            return Err(Error::internal(format!(
                "composite action `{me}` calls `{action}`, which is not a read; composites only read"
            )));
        }
        let bound = self.inner.max_calls;
        let made = self
            .inner
            .made
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < bound).then_some(n + 1)
            });
        if made.is_err() {
            return Err(Error::internal(format!(
                "composite action `{me}` would make more than its declared {bound} calls (the next was `{action}`)"
            )));
        }
        found.invoke(input).await
    }

    /// The calls made so far (refused ones not counted).
    pub fn made(&self) -> u32 {
        self.inner.made.load(Ordering::SeqCst)
    }

    /// The calls this run may still make.
    pub fn remaining(&self) -> u32 {
        self.inner.max_calls.saturating_sub(self.made())
    }
}

/// A declared composite bound to an account's actions.
pub struct CompositeAction {
    decl: Arc<CompositeDecl>,
    descriptor: Arc<ActionDescriptor>,
    actions: Arc<[Arc<dyn Action>]>,
}

impl std::fmt::Debug for CompositeAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompositeAction")
            .field("name", &self.decl.name)
            .field("max_calls", &self.decl.max_calls)
            .finish_non_exhaustive()
    }
}

impl CompositeAction {
    /// Binds a declaration and its descriptor (both built once per process) to an account's
    /// bound actions (those it may call).
    pub fn new(
        decl: Arc<CompositeDecl>,
        descriptor: Arc<ActionDescriptor>,
        actions: Arc<[Arc<dyn Action>]>,
    ) -> Self {
        CompositeAction {
            decl,
            descriptor,
            actions,
        }
    }
}

#[async_trait]
impl Action for CompositeAction {
    fn descriptor(&self) -> &ActionDescriptor {
        &self.descriptor
    }

    async fn run(&self, input: ValidInput) -> Result<Value> {
        let calls = Calls::new(
            self.decl.name.clone(),
            self.decl.max_calls,
            self.actions.clone(),
        );
        (self.decl.run)(calls, input).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use connector_sdk::validate::violations;
    use futures::FutureExt;
    use serde_json::json;

    use super::*;
    use crate::schema;

    /// A stub action answering `answer(input)` and logging every input it ran on.
    struct Stub {
        descriptor: ActionDescriptor,
        log: Arc<Mutex<Vec<Value>>>,
        answer: fn(&Value) -> Result<Value>,
    }

    #[async_trait]
    impl Action for Stub {
        fn descriptor(&self) -> &ActionDescriptor {
            &self.descriptor
        }
        async fn run(&self, input: ValidInput) -> Result<Value> {
            let input = input.into_value();
            self.log.lock().expect("log").push(input.clone());
            (self.answer)(&input)
        }
    }

    fn stub(
        name: &str,
        effect: ActionEffect,
        log: &Arc<Mutex<Vec<Value>>>,
        answer: fn(&Value) -> Result<Value>,
    ) -> Arc<dyn Action> {
        let input = schema::input(
            name,
            &[("id", schema::field("Id", schema::positive_id(), ""))],
            &["id"],
        );
        Arc::new(Stub {
            descriptor: ActionDescriptor::new(name, name, name, effect, input, json!({})),
            log: log.clone(),
            answer,
        })
    }

    struct World {
        log: Arc<Mutex<Vec<Value>>>,
        actions: Arc<[Arc<dyn Action>]>,
    }

    fn world() -> World {
        let log = Arc::new(Mutex::new(Vec::new()));
        let actions: Vec<Arc<dyn Action>> = vec![
            stub("get_thing", ActionEffect::Read, &log, |i| {
                Ok(json!({"id": i["id"], "name": "thing"}))
            }),
            stub("get_missing", ActionEffect::Read, &log, |_| {
                Err(Error::NotFound {
                    what: "thing 7".into(),
                    message: "no such thing".into(),
                })
            }),
            stub("delete_thing", ActionEffect::Delete, &log, |_| {
                Ok(json!({"ok": true}))
            }),
        ];
        World {
            log,
            actions: actions.into(),
        }
    }

    /// Reads `get_thing` for each id in `ids` and returns `{things: [..]}`.
    fn things(calls: Calls, input: ValidInput) -> BoxFuture<'static, Result<Value>> {
        async move {
            let mut out = Vec::new();
            for id in input.value()["ids"].as_array().cloned().unwrap_or_default() {
                out.push(calls.call("get_thing", json!({"id": id})).await?);
            }
            Ok(json!({"things": out, "calls": calls.made()}))
        }
        .boxed()
    }

    fn decl(max_calls: u32, run: CompositeRun) -> CompositeDecl {
        CompositeDecl::new(
            "get_things",
            "Get things",
            "Reads several things.",
            schema::input(
                "Get things",
                &[(
                    "ids",
                    schema::field("Ids", schema::id_list(5), "The things."),
                )],
                &["ids"],
            ),
            json!({
                "type": "object",
                "required": ["things", "calls"],
                "properties": {
                    "things": {"type": "array", "items": {"type": "object", "required": ["id", "name"],
                        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}},
                    "calls": {"type": "integer", "minimum": 0},
                },
                "additionalProperties": false,
            }),
            max_calls,
            run,
        )
        .scopes(&["things:read"])
    }

    fn bind(decl: CompositeDecl, w: &World) -> CompositeAction {
        let d = Arc::new(decl.descriptor());
        CompositeAction::new(Arc::new(decl), d, w.actions.clone())
    }

    #[tokio::test]
    async fn a_composite_runs_its_calls_and_its_output_validates() {
        let w = world();
        let decl = decl(3, things);
        let output_schema = decl.output.clone();
        let a = bind(decl, &w);
        let d = a.descriptor();
        assert_eq!(d.effect, ActionEffect::Read);
        assert!(d.idempotent);
        assert_eq!(d.scopes, vec!["things:read"]);
        assert!(
            d.description
                .ends_with("Bound: at most 3 API requests per call (retries of a failed request aside), paced within the account's rate limit."),
            "{}",
            d.description
        );
        let out = a.invoke(json!({"ids": [1, 2]})).await.expect("runs");
        assert_eq!(
            out,
            json!({"things": [{"id": 1, "name": "thing"}, {"id": 2, "name": "thing"}], "calls": 2})
        );
        assert!(
            violations(&output_schema, &out)
                .expect("compiles")
                .is_empty()
        );
        assert_eq!(
            *w.log.lock().expect("log"),
            vec![json!({"id": 1}), json!({"id": 2})]
        );
    }

    #[tokio::test]
    async fn the_bound_is_enforced_before_the_call_is_sent() {
        let w = world();
        let a = bind(decl(2, things), &w);
        let e = a
            .invoke(json!({"ids": [1, 2, 3]}))
            .await
            .expect_err("over the bound");
        assert!(matches!(e, Error::Internal { .. }), "{e}");
        assert!(e.to_string().contains("declared 2 calls"), "{e}");
        assert_eq!(
            w.log.lock().expect("log").len(),
            2,
            "the third call was sent"
        );
        // Each run counts afresh.
        assert!(a.invoke(json!({"ids": [4, 5]})).await.is_ok());
    }

    #[tokio::test]
    async fn unknown_and_non_read_actions_are_internal_errors() {
        let w = world();
        let calls = Calls::new("c", 5, w.actions.clone());
        let e = calls
            .call("get_nothing", json!({"id": 1}))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Internal { .. }), "{e}");
        assert!(e.to_string().contains("does not declare"), "{e}");
        let e = calls
            .call("delete_thing", json!({"id": 1}))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Internal { .. }), "{e}");
        assert!(e.to_string().contains("not a read"), "{e}");
        assert_eq!(calls.made(), 0);
        assert!(w.log.lock().expect("log").is_empty());
    }

    #[tokio::test]
    async fn errors_of_a_call_pass_through_and_inputs_are_validated() {
        let w = world();
        let calls = Calls::new("c", 5, w.actions.clone());
        let e = calls
            .call("get_missing", json!({"id": 7}))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }), "{e}");
        // The called action validates its input: nothing reaches it.
        let e = calls
            .call("get_thing", json!({"id": "x"}))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { action, path, .. } if action == "get_thing" && path == "id"),
            "{e}"
        );
        assert_eq!(w.log.lock().expect("log").len(), 1);
        assert_eq!((calls.made(), calls.remaining()), (2, 3));
        // The composite's own input is validated before any call.
        let a = bind(decl(3, things), &w);
        let e = a.invoke(json!({"ids": []})).await.unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { action, .. } if action == "get_things"),
            "{e}"
        );
        assert_eq!(w.log.lock().expect("log").len(), 1);
    }
}
