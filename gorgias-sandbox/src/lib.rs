//! # gorgias-sandbox
//!
//! A faithful local imitation of the Gorgias REST API (like `stripe-mock` for Stripe), for the
//! tests, demo and benchmarks of a Gorgias connector. It serves every object in scope under
//! `/api/` with Gorgias's list envelope and cursor pagination, the documented filters and
//! orderings, create / update / delete with the documented status codes and
//! `{"error":{"msg":..}}` bodies, HTTP Basic and Bearer auth, a per-account leaky bucket with
//! `X-Gorgias-Account-Api-Call-Limit` and `429` + `Retry-after`, several accounts at once,
//! deterministic seeded data of any size, and fault injection.
//!
//! ```no_run
//! # async fn demo() -> Result<(), gorgias_sandbox::SandboxError> {
//! use gorgias_sandbox::{DataSizes, ObjectKind, Sandbox, SandboxOptions};
//! let sandbox = Sandbox::start(SandboxOptions::default().seed(7).sizes(DataSizes::default())).await?;
//! let acme = &sandbox.accounts()[0];
//! // GET {base_url}/api/tickets with Basic auth (acme.email, acme.api_key) ...
//! println!("{} {}", sandbox.base_url(), acme.email);
//! let touched = sandbox.touch("acme", ObjectKind::Tickets, 3)?;
//! assert_eq!(touched.len(), 3);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## Account resolution
//! When the `Host` header is `<sub>.gorgias.com` or `<sub>.localhost` (any port), that
//! subdomain picks the account; an unknown subdomain answers `404` with a small HTML page (as
//! Gorgias does for a non-existent subdomain), and credentials of another account are a `401`.
//! Otherwise (e.g. `Host: 127.0.0.1:8089`) the account is the one whose credentials were
//! presented (every account's email, API key and token are unique). Missing or wrong
//! credentials: `401 {"error":{"msg":"Unauthorized."}}`.
//!
//! ## Choices
//! Where the API facts are unconfirmed or conflicting, the sandbox does this:
//! - **Creates answer 201** (documented) everywhere, including tickets, customers and users
//!   (Nango recordings show 200 for those three).
//! - **List shape**: every paginated list uses the envelope
//!   `{"object":"list","uri":..,"data":[..],"meta":{"prev_cursor":..,"next_cursor":..}}`
//!   (never a bare array); `meta.total_resources` is not sent (except by the reporting API).
//!   `GET /api/account/settings` and `GET /api/tickets/{id}/tags` answer `{"data":[..]}`.
//! - **Cursors** are base64 of `["next"|"prev", order_by, [key, key], id]` (keyset on the sort
//!   value and the id). A cursor carries its `order_by`; sending a different `order_by` with it
//!   is a 400 naming `cursor`. Cursors do not expire. Filters must be resent with the cursor.
//! - **`order_by`** values are exactly those of the facts file; deprecated bare names
//!   (`tags`: `name`, `created_datetime`, `usage`; `macros`: every attribute; `events`:
//!   `created_datetime`) are accepted: `usage`/`relevance` mean descending, the others
//!   ascending. Customers accept `created_datetime` and `updated_datetime` (MCP1/Airbyte, not
//!   `name`). Macros default to `usage:desc` and accept `updated_datetime`; `relevance` needs
//!   `ticket_id` and ranks by usage. Views default to id order. Teams default to
//!   `created_datetime:desc`, custom fields to `priority:asc`.
//! - **Unknown query parameters** on list endpoints are a 400 naming the parameter
//!   (`{"error":{"msg":"Invalid request parameters.","data":{"foo":["Unknown field."]}}}`);
//!   single-record endpoints ignore query parameters. Unconfirmed customer filters
//!   (`channel_type`, `channel_address`, `view_id`) are treated as unknown.
//! - **Unknown body fields** are ignored (dropped); wrong types and missing required fields
//!   are 400 with per-field messages in `error.data` (nested per message index for
//!   `messages` of a new ticket).
//! - **Rate limit**: Basic and Bearer requests of one account use separate buckets (their
//!   capacities and leak rates differ). Only authenticated `/api` requests count. The usage
//!   header is sent on every `/api` response of an authenticated request while the limit is
//!   on; with the limit off nothing is counted and the header is omitted. `Retry-after` is
//!   only sent on 429s. The 429 body is `{"error":{"msg":"Too many requests. Retry after N
//!   seconds."}}` (unconfirmed upstream).
//! - **`GET /api/jobs/{id}` answers 202**, as documented. `DELETE /api/jobs/{id}` cancels:
//!   204, status `canceled`, `cancelled_datetime` set, the job stays listed.
//! - **Search** (`POST /api/search`) answers 201 (documented) with `{"data":[..]}` of full
//!   records (`customer_channel*` types return channels with their customer).
//! - **Statistics**: legacy `POST /api/stats/{name}` answers
//!   `{"data":{"label":name,"data":<payload>,"meta":{start/end and previous period}}}` with
//!   payload `{"value":n}` (scalars), `[{"name","value"}]` (overview, satisfaction-surveys) or
//!   `{"lines":[[{"value":..},..]]}` (tables); unknown names are 404. The reporting API
//!   returns rows keyed by the requested dimension and measure names, buckets times in UTC
//!   whatever `timezone` says, and returns no rows for scopes without data here (voice,
//!   automation, ...).
//! - **Satisfaction surveys**: one per ticket (a second is 409); `PUT` is partial.
//! - **Users**: changing `email` needs a non-empty `password_confirmation`; the caller cannot
//!   delete itself. `/api/users/0` is the account owner (the credentials' user).
//! - **Customers**: list items carry the full customer (including `channels` and the Shopify
//!   `integrations` with 64-bit ids). A customer message from an unknown email creates the
//!   customer. Merge conflicts (both customers with data for the same integration) are 409.
//! - **Tickets**: `via` defaults to `api`; the customer is `customer` or else the first
//!   message's sender (receiver when `from_agent`). A customer message reopens a closed
//!   ticket. Deleting a ticket deletes its messages and survey. Tag changes keep tag `usage`
//!   counts; deleting or merging tags rewrites tickets without moving their
//!   `updated_datetime`.
//! - **Views**: filters support `eq`, `neq`, `gt(e)`, `lt(e)`, `contains`, `notContains`,
//!   `containsAny`, `containsAll`, `isEmpty`, `isNotEmpty` on ticket fields, joined with
//!   `&&` / `||` and parentheses, with `{{current_user.id}}`; anything else is a 400 on save.
//! - **Events** are appended by writes: `<object>-created|updated|deleted`, plus
//!   `customer-merged`; jobs and custom fields emit none (no documented object type).
//! - **Trailing slashes** in paths are accepted (`/api/tickets/1/` = `/api/tickets/1`).
//! - **Datetimes** of seeded data lie in the two years before 2026-09-01T00:00:00Z (fixed,
//!   not the wall clock); writes use the wall clock (strictly increasing per account).

#![deny(missing_docs)]

pub mod auth;
pub mod datagen;
pub mod error;
pub mod faults;
pub mod options;
pub mod paging;
pub mod par;
pub mod rate_limit;
pub mod routes;
pub mod server;
pub mod stats;
pub mod store;
pub mod time;
pub mod viewfilter;

pub use auth::{AccountCredentials, AuthKind};
pub use error::SandboxError;
pub use faults::{FaultKind, FaultPlan, FaultRule, FaultTrigger};
pub use options::{AccountOptions, DataSizes, RateLimitOptions, SandboxOptions};
pub use stats::{AccountStats, Stats};
pub use store::ObjectKind;

use serde_json::{Map, Value, json};
use server::{Account, AppState, Shared};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Starts sandboxes.
#[derive(Debug)]
pub struct Sandbox;

impl Sandbox {
    /// Generates every account's data (in parallel), binds the listener and serves until the
    /// handle is shut down or its last clone dropped.
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
                    let data = datagen::generate(&a.subdomain, i, seed, &a.sizes);
                    Account::new(AccountCredentials::generate(seed, i, &a.subdomain), data)
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
        let app = server::app(state.clone());
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

/// A running sandbox. Cheap to clone (shared); the server stops on [`SandboxHandle::shutdown`]
/// or when the last clone is dropped.
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

    fn acct(&self, subdomain: &str) -> Result<&Arc<Account>, SandboxError> {
        self.inner
            .state
            .account(subdomain)
            .ok_or_else(|| SandboxError::UnknownAccount(subdomain.to_owned()))
    }

    /// Moves `updated_datetime` of `n` records (picked pseudo-randomly, seeded) to now and
    /// returns their ids; appends `-updated` events. Fails for objects without
    /// `updated_datetime`.
    pub fn touch(
        &self,
        subdomain: &str,
        object: ObjectKind,
        n: usize,
    ) -> Result<Vec<i64>, SandboxError> {
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        if data.col(object).field("updated_datetime").is_none() {
            return Err(SandboxError::Unsupported(format!(
                "{object} records have no updated_datetime"
            )));
        }
        let mut ids = data.col(object).ids();
        let mut out = Vec::new();
        while out.len() < n && !ids.is_empty() {
            let i = rand::Rng::random_range(&mut data.rng, 0..ids.len());
            let id = ids.swap_remove(i);
            let Some(mut v) = data.col(object).get_value(id) else {
                continue;
            };
            let now = data.now();
            routes::touch(&mut v, now);
            data.put(object, &v);
            data.event(object, "updated", id, None);
            out.push(id);
        }
        Ok(out)
    }

    /// Inserts one generated record created now (a ticket comes with one customer message;
    /// a message goes to a random ticket and updates it) and returns its id.
    pub fn insert(&self, subdomain: &str, object: ObjectKind) -> Result<i64, SandboxError> {
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        let now = data.now();
        match object {
            ObjectKind::Tickets => {
                let mut v = datagen::generate_one(&mut data, object, now);
                let customer = v["customer"]["id"].clone();
                for (k, val) in [
                    ("messages_count", json!(0)),
                    ("last_message_datetime", Value::Null),
                    ("last_received_message_datetime", Value::Null),
                    ("opened_datetime", Value::Null),
                ] {
                    v[k] = val;
                }
                let id = routes::insert_new(&mut data, object, &v)?;
                let f = json!({
                    "channel": v["channel"], "via": v["via"], "from_agent": false,
                    "sender": { "id": customer }, "body_text": v["excerpt"],
                });
                let f: Map<String, Value> = f.as_object().cloned().unwrap_or_default();
                routes::messages::attach(&mut data, id, f, "insert")?;
                Ok(id)
            }
            ObjectKind::Messages => {
                let tickets = data.col(ObjectKind::Tickets).ids();
                let Some(&tid) = tickets.get(rand::Rng::random_range(
                    &mut data.rng,
                    0..tickets.len().max(1),
                )) else {
                    return Err(SandboxError::Unsupported(
                        "no ticket to add a message to".into(),
                    ));
                };
                let owner = data.owner_user_id;
                let f = json!({
                    "channel": "email", "via": "helpdesk", "from_agent": true,
                    "sender": { "id": owner }, "body_text": "Thanks for your patience, this is now sorted.",
                });
                let f: Map<String, Value> = f.as_object().cloned().unwrap_or_default();
                let m = routes::messages::attach(&mut data, tid, f, "insert")?;
                m["id"]
                    .as_i64()
                    .ok_or_else(|| SandboxError::Unsupported("message without id".into()))
            }
            ObjectKind::Events => {
                let v = datagen::generate_one(&mut data, object, now);
                data.put(object, &v)
                    .ok_or_else(|| SandboxError::Unsupported("record without id".into()))
            }
            _ => {
                let v = datagen::generate_one(&mut data, object, now);
                Ok(routes::insert_new(&mut data, object, &v)?)
            }
        }
    }

    /// Applies a JSON object patch to a stored record (top-level keys replaced), moves its
    /// `updated_datetime` to now unless the patch sets it, appends an `-updated` event and
    /// returns the new record.
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
        routes::merge(&mut v, fields);
        v["id"] = json!(id);
        if !sets_updated {
            routes::touch(&mut v, now);
        }
        data.put(object, &v);
        data.event(object, "updated", id, None);
        Ok(v)
    }

    /// Deletes a record (tickets take their messages along) and appends a `-deleted` event.
    pub fn delete_record(
        &self,
        subdomain: &str,
        object: ObjectKind,
        id: i64,
    ) -> Result<(), SandboxError> {
        let account = self.acct(subdomain)?;
        let mut data = account.write();
        if object == ObjectKind::Tickets {
            return routes::tickets::delete_in(&mut data, id).map_err(|_| SandboxError::NotFound {
                object: object.as_str(),
                id,
            });
        }
        data.remove(object, id).ok_or(SandboxError::NotFound {
            object: object.as_str(),
            id,
        })?;
        data.event(object, "deleted", id, None);
        Ok(())
    }

    /// A stored record, as served by its retrieve endpoint's list form.
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
