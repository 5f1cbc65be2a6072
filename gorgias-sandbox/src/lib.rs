//! # gorgias-sandbox
//!
//! A local imitation of the Gorgias REST API (like `stripe-mock` for Stripe), for the tests, demo
//! and benchmarks of a Gorgias connector. It answers like Gorgias does in the public recordings of
//! real 2026 traffic (NangoHQ/integration-templates `integrations/gorgias/tests/*.test.json`, cited
//! as "recorded: Nango test `<name>`") and, where nothing was recorded, like the documentation
//! (developers.gorgias.com) says: every object in scope under `/api/` with its recorded list
//! envelope and cursors, filters and orderings, writes with the recorded status codes and
//! `{"error":{"msg":..}}` bodies, HTTP Basic and Bearer auth, the OAuth2 app flow (authorize,
//! token with code and refresh grants, revoke; expiring JWT access tokens), a per-account leaky bucket with
//! `X-Gorgias-Account-Api-Call-Limit` and `429` with `Retry-after`, several accounts at once,
//! deterministic seeded data of any size, and fault injection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gorgias_sandbox::SandboxError> {
//! use gorgias_sandbox::{DataSizes, ObjectKind, Sandbox, SandboxOptions};
//! let sandbox =
//! Sandbox::start(SandboxOptions::default().seed(7).sizes(DataSizes::default())).await?;
//! let acme = &sandbox.accounts()[0];
//! // GET {base_url}/api/tickets with Basic auth (acme.email, acme.api_key) ...
//! println!("{} {}", sandbox.base_url(), acme.email);
//! let touched = sandbox.touch("acme", ObjectKind::Tickets, 3)?;
//! assert_eq!(touched.len(), 3);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## Layout
//!
//! * **One file per Gorgias object**, named as the connector's modules: [`objects`]`::{account,
//!   custom_fields, customers, events, files, integrations, jobs, macros, rules,
//!   satisfaction_surveys, search, statistics, tags, teams, ticket_messages, tickets, users, views,
//!   voice_calls, voice_call_events, voice_call_recordings, widgets}`. Each holds
//!   the object's store shape (`STORE`: extracted fields, orderings), list rules (`LIST`:
//!   orderings, filters, default order, page size, envelope), write rules (`WRITES`: validation,
//!   defaults, checks), its extra routes and status codes, its seed generator, and the recorded
//!   facts it follows in its module docs — all declared in one [`object::ObjectDef`] (`DEF`). Where
//!   do tickets live? `objects/tickets.rs`.
//! * **The standard routes** (list / get / create / update / delete, with the envelope and cursors)
//!   are generated from the declaration by [`object`]; an object adds or overrides routes in
//!   `DEF.routes`, so a simple object costs one file.
//! * **The registration list** is [`objects::ALL`] (also the seed order); search, statistics and
//!   files add routes only (files also the signed links, which need no credentials).
//! * **Shared machinery**, which never imports an object: [`server`] (state and the request
//!   pipeline: account resolution, [`auth`], [`rate_limit`], [`faults`], [`stats`]), [`oauth`]
//!   (`/oauth/authorize`, `/oauth/token`, `/oauth/revoke` and the access tokens `/api` accepts), [`admin`] (the
//!   `/__sandbox/*` routes), [`http`] (the request extractor, body validation, response builders),
//!   [`list`] (list parsing, keyset cursors, envelopes), [`store`] (collections of pre-serialised
//!   records with ordered indexes, the per-account store, the event hook), [`seed`] (random
//!   streams, people summaries, the seeding driver), [`viewfilter`] (view filter expressions and
//!   their ESTree), [`time`], [`par`], [`options`], [`error`].
//!
//! ## Account resolution
//! When the `Host` header is `<sub>.gorgias.com` or `<sub>.localhost` (any port), that subdomain
//! picks the account; an unknown subdomain answers `404` with a small HTML page (as Gorgias does
//! for a non-existent subdomain), and credentials of another account are a `401`. Otherwise (e.g.
//! `Host: 127.0.0.1:8089`) the account is the one whose credentials were presented (every account's
//! email, API key and token are unique). Missing or wrong credentials: `401
//! {"error":{"msg":"Unauthorized."}}`.
//!
//! ## Choices
//! What the recordings show wins; the rest follows the documentation; where neither settles a
//! behaviour the sandbox makes one plausible choice, listed here (each object's docs say which of
//! its behaviours are UNCONFIRMED):
//! - **Status codes** as recorded: creates answer **200** (not the documented 201); updates 200
//!   with the record; deletes 204; `POST`/`PUT /api/tickets/{id}/tags` and `PUT
//!   /api/customers/{id}/data` answer 200 with an empty body; message `PUT` 200 with the message,
//!   message `DELETE` 204; `GET /api/jobs/{id}` 200; `POST /api/rules/priorities` a bare array;
//!   `POST /api/search` 200 `{data, object, uri: "", meta: {}}`.
//! - **List envelopes** as recorded per endpoint: `{object, uri, data, meta{prev_cursor,
//!   next_cursor, total_resources: null}}` (tickets, users, views, tags, integrations, custom
//!   fields) or `{data, object, uri, meta{prev_cursor, next_cursor}}` (messages, events, customers,
//!   macros, jobs, teams, satisfaction surveys, rules; widgets, unrecorded, too); `uri` echoes the
//!   path and the re-encoded query, a bare `?` without one. View items answer `{data,
//!   meta{next_items, prev_items, current_cursor}}`; the non-null `next_items` form is UNCONFIRMED
//!   (the items path with `cursor`, `direction`, `ignored_item`). The deprecated `GET
//!   /api/tickets/{id}/messages` is offset-paginated. Unpaginated lists (account settings, a
//!   ticket's tags, custom-field values) answer `{"data":[..]}`.
//! - **Cursors** have the recorded form, base64 of `["next"|"prev", <sort value>, <id>]`, and do
//!   not carry the ordering: clients resend `order_by`. A cursor whose value cannot fit the
//!   ordering in force, or that is not a cursor, is a 400 naming `cursor` (the real status of a bad
//!   or expired cursor is UNCONFIRMED); cursors do not expire. Filters must be resent.
//! - **Default orders** as recorded: newest first for tickets, customers, events, jobs, rules,
//!   surveys, tags, teams, integrations, messages; views by id descending; users by name; custom
//!   fields by priority descending with deactivated ones included; macros `usage:desc` (ties by id
//!   descending, matching the recording); view items in the view's ordering. Default page size 30
//!   (recorded for events and tags), rules 100 (API reference via withone.ai), at most 100.
//! - **`order_by`** values are those Gorgias documents; deprecated bare names (`tags`: `name`,
//!   `created_datetime`, `usage`; `macros`: every attribute; `events`: `created_datetime`) are
//!   accepted: `usage`/`relevance` mean descending, the others ascending. `relevance` on macros
//!   needs `ticket_id` and ranks by usage.
//! - **Unknown query parameters** on list endpoints are a 400 naming the parameter
//!   (`{"error":{"msg":"Invalid request parameters.","data":{"foo":["Unknown field."]}}}`);
//!   single-record endpoints ignore query parameters. Unconfirmed customer filters (`channel_type`,
//!   `channel_address`, `view_id`) are treated as unknown.
//! - **Bodies**: unknown fields are ignored; wrong types and missing required fields are 400 with
//!   per-field messages in `error.data` (nested per message index for a new ticket's `messages`).
//!   `via` may be omitted on tickets and messages (recorded: Nango test create-ticket) and defaults
//!   to `api`.
//! - **Rate limit**: Basic and Bearer requests of one account use separate buckets (their
//!   capacities differ). Only authenticated `/api` requests count. The usage header is sent on
//!   every `/api` response of an authenticated request while the limit is on. `Retry-after` is only
//!   sent on 429s; the 429 body `{"error":{"msg":"Too many requests. Retry after N seconds."}}` is
//!   UNCONFIRMED.
//! - **Records** carry exactly the recorded keys, in the recorded order (customers, custom fields
//!   and the account have no `uri`; users' `uri` is absolute; customer list items leave out
//!   `channels` and the integration data); where a detail differs from the list item (a ticket's
//!   `messages`, `requester`, ...) or a write's answer from `GET` (customer create, update and
//!   merge; message and ticket create; a ticket's tags) it is built as recorded. Error bodies are
//!   `application/json; charset=utf-8`, successes `application/json` (recorded).
//! - **Events** are appended by writes (`<object>-created|updated|deleted`, `customer-merged`,
//!   `ticket-tags-added|removed`, `ticket-closed`, `ticket-subject-updated`, `ticket-assigned`), as
//!   the credentials' user; `CustomField` is an event object type (recorded); jobs emit none.
//! - **Statistics**: only the recorded overview shape, the scalar, list and table shapes seen in
//!   public code, and the documented reporting envelope (rows UNCONFIRMED) are modelled.
//! - **Seeded data** contains what real accounts contain: never-edited macros (`updated_datetime:
//!   null`), system events (`user_id: null`, `context: null` on logins), rules created without
//!   `event_types`, the `customer-list` view "All customers" (its items are customers), managed and
//!   deactivated custom fields, internal notes among ticket messages, bot users. Datetimes render
//!   as Gorgias's (`...+00:00`, microseconds, no fraction when zero) and lie in the two years
//!   before 2026-09-01T00:00:00Z (fixed, not the wall clock); writes use the wall clock (strictly
//!   increasing per account).
//! - **Trailing slashes** in paths are accepted (`/api/tickets/1/` = `/api/tickets/1`).
//! - **Voice** (`/api/phone/voice-calls`, `-call-events`, `-call-recordings`; nothing recorded):
//!   lists without `order_by` (calls and recordings newest first, events oldest first: the
//!   default orders are UNCONFIRMED), filters `ticket_id` / `call_id`; deleting a recording
//!   marks it deleted (`deleted_datetime`, `deleted_by_user_id`, `url` null) and keeps it listed.
//!   An account may be made without Voice ([`AccountOptions::voice`]); what Gorgias answers then
//!   is UNCONFIRMED: empty lists by default (the plausible answer), or 403 / 404 on every
//!   `/api/phone/*` request, to test a client's tolerance.

#![deny(missing_docs)]

pub mod admin;
pub mod auth;
pub mod error;
pub mod faults;
pub mod http;
pub mod list;
pub mod oauth;
pub mod object;
pub mod objects;
pub mod options;
pub mod par;
pub mod rate_limit;
pub mod seed;
pub mod server;
pub mod stats;
pub mod store;
pub mod time;
pub mod viewfilter;

pub use auth::{AccountCredentials, AuthKind};
pub use error::SandboxError;
pub use faults::{FaultKind, FaultPlan, FaultRule, FaultTrigger};
pub use oauth::OAuthOptions;
pub use options::{
    AccountOptions, DataSizes, DatetimeStyle, NoVoice, RateLimitOptions, SandboxOptions, Voice,
};
pub use stats::{AccountStats, Stats};
pub use store::ObjectKind;

use serde_json::{Value, json};
use server::{Account, AppState, Shared};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Starts sandboxes.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Generates every account's data (in parallel), binds the listener and serves until the handle
    /// is shut down or its last clone dropped.
    pub async fn start(options: SandboxOptions) -> Result<SandboxHandle, SandboxError> {
        let mut seen = std::collections::HashSet::new();
        for a in &options.accounts {
            let ok = !a.subdomain.is_empty()
                && a.subdomain
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(SandboxError::InvalidOptions(format!(
                    "subdomain {:?} must be letters, digits and hyphens",
                    a.subdomain
                )));
            }
            if !seen.insert(a.subdomain.to_ascii_lowercase()) {
                return Err(SandboxError::InvalidOptions(format!(
                    "duplicate subdomain {:?}",
                    a.subdomain
                )));
            }
        }
        if options.accounts.is_empty() {
            return Err(SandboxError::InvalidOptions(
                "at least one account is needed".into(),
            ));
        }
        let seed = options.seed;
        let jobs: Vec<_> = options
            .accounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let a = a.clone();
                tokio::task::spawn_blocking(move || {
                    let data = objects::generate(&a, i, seed);
                    Account::new(AccountCredentials::generate(seed, i, &a.subdomain), data)
                        .with_datetimes(a.datetimes)
                })
            })
            .collect();
        let mut accounts = Vec::new();
        for j in jobs {
            let account = j.await.map_err(|e| {
                SandboxError::InvalidOptions(format!("data generation failed: {e}"))
            })?;
            accounts.push(Arc::new(account));
        }
        let state: AppState = Arc::new(Shared::new(
            accounts,
            options.rate_limit.clone(),
            options.oauth.clone(),
            faults::FaultEngine::new(options.faults.clone()),
        ));
        let listener = tokio::net::TcpListener::bind(options.bind)
            .await
            .map_err(|source| SandboxError::Bind {
                addr: options.bind,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            addr: options.bind,
            source,
        })?;
        let app = server::app(state.clone(), objects::router())
            .merge(objects::public_router().with_state(state.clone()));
        let app = tower::Layer::layer(&axum::middleware::from_fn(strip_trailing_slash), app);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let service = axum::ServiceExt::<axum::extract::Request>::into_make_service(app);
            let served = axum::serve(listener, service).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(e) = served.await {
                tracing::error!("sandbox server stopped: {e}");
            }
        });
        tracing::info!(%addr, "gorgias sandbox listening");
        Ok(SandboxHandle {
            inner: Arc::new(Inner {
                addr,
                state,
                shutdown: Mutex::new(Some(tx)),
                task: Mutex::new(Some(task)),
            }),
        })
    }
}

/// Normalises `/api/tickets/1/` to `/api/tickets/1` (Gorgias accepts both).
async fn strip_trailing_slash(
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = req.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let new = match req.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(pq) = new.parse::<axum::http::uri::PathAndQuery>() {
            let mut parts = req.uri().clone().into_parts();
            parts.path_and_query = Some(pq);
            if let Ok(uri) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    next.run(req).await
}

#[derive(Debug)]
struct Inner {
    addr: SocketAddr,
    state: AppState,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.get_mut().ok().and_then(Option::take) {
            let _ = tx.send(());
        }
    }
}

/// A running sandbox. Cheap to clone (shared); the server stops on [`SandboxHandle::shutdown`] or
/// when the last clone is dropped.
#[derive(Debug, Clone)]
pub struct SandboxHandle {
    inner: Arc<Inner>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// Every account's credentials, in option order.
    pub fn accounts(&self) -> Vec<AccountCredentials> {
        self.inner
            .state
            .accounts
            .iter()
            .map(|a| a.creds.clone())
            .collect()
    }

    /// One account's credentials.
    pub fn account(&self, subdomain: &str) -> Option<AccountCredentials> {
        self.inner.state.account(subdomain).map(|a| a.creds.clone())
    }

    /// A statistics snapshot.
    pub fn stats(&self) -> Stats {
        self.inner.state.stats()
    }

    /// Clears all statistics.
    pub fn reset_stats(&self) {
        self.inner.state.reset_stats();
    }

    /// Replaces the fault plan (rule counters restart).
    pub fn set_faults(&self, plan: FaultPlan) {
        self.inner.state.set_faults(faults::FaultEngine::new(plan));
    }

    /// Removes all faults.
    pub fn clear_faults(&self) {
        self.set_faults(FaultPlan::none());
    }

    /// The rate-limit options in force.
    pub fn rate_limit(&self) -> RateLimitOptions {
        self.inner.state.rate_limit()
    }

    /// Replaces the rate-limit options (buckets keep their levels).
    pub fn set_rate_limit(&self, options: RateLimitOptions) {
        self.inner.state.set_rate_limit(options);
    }

    /// The OAuth2 options in force.
    pub fn oauth_options(&self) -> OAuthOptions {
        self.inner.state.oauth_options()
    }

    /// Replaces the OAuth2 options (tokens already issued keep their `exp`).
    pub fn set_oauth_options(&self, options: OAuthOptions) {
        self.inner.state.set_oauth_options(options);
    }

    /// Revokes a refresh token of an account, as `POST /oauth/revoke` or uninstalling the app
    /// does; whether it was one of the account's.
    pub fn revoke_refresh_token(&self, subdomain: &str, token: &str) -> Result<bool, SandboxError> {
        Ok(self.acct(subdomain)?.oauth().revoke(token))
    }

    /// Every OAuth2 access token issued to an account so far (at most the last 10 000), for
    /// tests that look for them where they must not be.
    pub fn issued_access_tokens(&self, subdomain: &str) -> Result<Vec<String>, SandboxError> {
        Ok(self.acct(subdomain)?.oauth().issued_access_tokens())
    }

    /// Makes `/api` refuse every access token issued so far to an account (later ones work):
    /// a test hook standing for any server-side reason a token is refused before its `exp`
    /// (real access tokens are stateless JWTs that stay valid until then).
    pub fn invalidate_access_tokens(&self, subdomain: &str) -> Result<(), SandboxError> {
        self.acct(subdomain)?.oauth().invalidate_access_tokens();
        Ok(())
    }

    fn acct(&self, subdomain: &str) -> Result<&Arc<Account>, SandboxError> {
        self.inner
            .state
            .account(subdomain)
            .ok_or_else(|| SandboxError::UnknownAccount(subdomain.to_owned()))
    }

    /// Moves `updated_datetime` of `n` records (picked pseudo-randomly, seeded) to now and returns
    /// their ids; appends `-updated` events. An object without `updated_datetime` that declares
    /// how it changes (voice call recordings: deleted now) is changed that way instead; the other
    /// objects without one fail.
    pub fn touch(
        &self,
        subdomain: &str,
        object: ObjectKind,
        n: usize,
    ) -> Result<Vec<i64>, SandboxError> {
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        let own = objects::def(object).and_then(|d| d.touch);
        if own.is_none() && data.col(object).field("updated_datetime").is_none() {
            return Err(SandboxError::Unsupported(format!(
                "{object} records have no updated_datetime"
            )));
        }
        let mut ids = data.col(object).ids();
        let mut out = Vec::new();
        while out.len() < n && !ids.is_empty() {
            let i = rand::Rng::random_range(&mut data.rng, 0..ids.len());
            let id = ids.swap_remove(i);
            if let Some(change) = own {
                let now = data.now();
                if change(&mut data, id, now).is_ok() {
                    out.push(id);
                }
                continue;
            }
            let Some(mut v) = data.col(object).get_value(id) else {
                continue;
            };
            let now = data.now();
            http::touch(&mut v, now);
            data.put(object, &v);
            data.event(object, "updated", id, None);
            out.push(id);
        }
        Ok(out)
    }

    /// Inserts one generated record created now (a ticket comes with one customer message; a
    /// message goes to a random ticket and updates it) and returns its id.
    pub fn insert(&self, subdomain: &str, object: ObjectKind) -> Result<i64, SandboxError> {
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        let now = data.now();
        let generate = objects::def(object)
            .and_then(|d| d.generate)
            .ok_or_else(|| {
                SandboxError::Unsupported(format!("{object} records cannot be generated"))
            })?;
        generate(&mut data, now)
    }

    /// Applies a JSON object patch to a stored record (top-level keys replaced), moves its
    /// `updated_datetime` to now unless the patch sets it, appends an `-updated` event and returns
    /// the new record.
    pub fn update_record(
        &self,
        subdomain: &str,
        object: ObjectKind,
        id: i64,
        patch: Value,
    ) -> Result<Value, SandboxError> {
        let Value::Object(fields) = patch else {
            return Err(SandboxError::Unsupported(
                "the patch must be a JSON object".into(),
            ));
        };
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        let mut v = data
            .col(object)
            .get_value(id)
            .ok_or(SandboxError::NotFound {
                object: object.as_str(),
                id,
            })?;
        let sets_updated = fields.contains_key("updated_datetime");
        let now = data.now();
        http::merge(&mut v, fields);
        v["id"] = json!(id);
        if !sets_updated {
            http::touch(&mut v, now);
        }
        data.put(object, &v);
        data.event(object, "updated", id, None);
        Ok(v)
    }

    /// Deletes a record (with the side effects of its `DELETE` endpoint: tickets take their
    /// messages and survey along) and appends a `-deleted` event.
    pub fn delete_record(
        &self,
        subdomain: &str,
        object: ObjectKind,
        id: i64,
    ) -> Result<(), SandboxError> {
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        let done = match objects::def(object).and_then(|d| d.remove) {
            Some(remove) => remove(&mut data, id),
            None => object::remove_in(&mut data, object, id),
        };
        done.map_err(|_| SandboxError::NotFound {
            object: object.as_str(),
            id,
        })
    }

    /// A stored record in full (customers with the keys their list items leave out).
    pub fn get_record(
        &self,
        subdomain: &str,
        object: ObjectKind,
        id: i64,
    ) -> Result<Option<Value>, SandboxError> {
        Ok(self.acct(subdomain)?.read().col(object).get_value(id))
    }

    /// Number of records of an object.
    pub fn record_count(&self, subdomain: &str, object: ObjectKind) -> Result<usize, SandboxError> {
        Ok(self.acct(subdomain)?.read().col(object).len())
    }

    /// Every id of an object, ascending.
    pub fn all_ids(&self, subdomain: &str, object: ObjectKind) -> Result<Vec<i64>, SandboxError> {
        Ok(self.acct(subdomain)?.read().col(object).ids())
    }

    /// Stops accepting connections, lets in-flight requests finish and waits for the server.
    pub async fn shutdown(&self) {
        if let Some(tx) = self.inner.shutdown.lock().ok().and_then(|mut g| g.take()) {
            let _ = tx.send(());
        }
        let task = self.inner.task.lock().ok().and_then(|mut g| g.take());
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handle_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<super::SandboxHandle>();
        check::<super::AccountCredentials>();
        check::<super::Stats>();
    }
}
