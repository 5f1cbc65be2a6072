//! One HTTP client per account: pacing, retries, auth and error mapping live here and nowhere
//! else. Stream and action code never sleeps.
//!
//! * **Pacing**: a GCRA limiter (`governor`) built from the *declared* rate limit of the auth
//!   scheme in use (40 per 20 s for API keys, 80 per 20 s for OAuth: a bucket of that capacity
//!   leaking evenly), shared by every stream and action of the account. When the
//!   `X-Gorgias-Account-Api-Call-Limit` header reports the account's bucket as full (another
//!   client shares it), new requests wait one leak interval.
//! * **Shared buckets**: Gorgias limits the *account*, not the client, so a second host (or
//!   another integration) on the same account eats into the same bucket. The client raises a
//!   contention level (at most [`MAX_CONTENTION`]) on two signals: each 429, and, at most once
//!   per window, a usage header showing [`EXTERNAL_MARGIN`] or more requests in the bucket
//!   beyond the client's own (it keeps its own count, leaking at the declared rate, so a lone
//!   client at the top of its burst is not mistaken for a crowd). At level `n` the client's
//!   requests are spaced `(1 + n)` leak intervals apart, and the level falls by one for each
//!   full window without a signal; for two windows after the last signal the client does not
//!   spend the burst its pacer saved up meanwhile. The usage signal matters for fairness: a
//!   host that is never refused (its requests land just as slots free) still sees the other
//!   host's requests in the header and backs off too, instead of holding the bucket full while
//!   the refused host's retries meet 429 after 429.
//! * **429**: waits `Retry-after` seconds (case-insensitive; backoff if absent), up to
//!   [`RetryOptions::max_rate_limited`] times.
//! * **5xx, timeouts, resets, truncated bodies**: jittered exponential backoff (`backon`),
//!   bounded by [`RetryOptions::max_retries`]; only for requests that cannot duplicate data
//!   (reads, updates, deletes). Creates are retried only after a 429 (the request was refused).
//! * **Deadlines**: one request, its retries and waits included, gets at most
//!   [`RetryOptions::request_budget`] (10 minutes); `check` gets [`RetryOptions::check_budget`]
//!   (60 s). A wait that would end past the budget is not started: the last error is returned.
//! * **Bodies**: at most [`RetryOptions::max_response_bytes`] (32 MiB) of one response is
//!   buffered; a larger `Content-Length` is refused before reading, a longer body is cut off
//!   at the cap, both with [`Error::ResponseTooLarge`] (not retried).
//! * **Hostile answers**: a redirect is an error naming where it pointed (never followed: it
//!   could carry the credentials elsewhere); an HTML page with a 2xx status (a sign-in page)
//!   is an error saying so, not a JSON parse failure; `Retry-After` in seconds (any size: huge
//!   values saturate) or as an HTTP date.
//! * **Errors**: one mapping from status to [`Error`], carrying Gorgias's own message, with
//!   the account's credentials (every encoded form) removed and control characters escaped by
//!   the client's [`Redactor`]: a server that echoes request headers cannot make the connector
//!   print its own key.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder as _;
use connector_sdk::redact::{Redactor, excerpt};
use connector_sdk::{Error, RateLimit};

use crate::dialect::{Answer, Dialect};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// Retry, deadline and size knobs; the defaults suit production, tests shrink the delays.
#[derive(Debug, Clone)]
pub struct RetryOptions {
    /// The most time one request may take, every retry and wait included.
    pub request_budget: Duration,
    /// The most time `check` may take, every retry and wait included.
    pub check_budget: Duration,
    /// The most bytes of one response body the client buffers.
    pub max_response_bytes: u64,
    /// Retries after 5xx, timeouts and transport errors.
    pub max_retries: usize,
    /// Retries after 429 (each waits `Retry-after`).
    pub max_rate_limited: u32,
    /// First backoff delay.
    pub min_delay: Duration,
    /// Largest backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-after` honoured; longer waits fail with [`Error::RateLimited`].
    pub max_retry_after: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            request_budget: Duration::from_secs(600),
            check_budget: Duration::from_secs(60),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_retries: 6,
            max_rate_limited: 10,
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

/// The default cap on one response body: 32 MiB. A page of 100 Gorgias records is far below it
/// (tickets average a few KiB each); a larger body is a hostile or broken server.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 << 20;

/// Reads a `Retry-After` value: delay-seconds (RFC 9110 §10.2.3; decimals tolerated, any size:
/// values beyond what a `Duration` holds saturate) or an HTTP date (`Wed, 21 Oct 2026 07:28:00
/// GMT`, waited until, never negative). `None` for anything else.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        return Some(Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let date = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - now;
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// Whether a request may be sent again after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryPolicy {
    /// Reads, updates, deletes: retry 5xx, timeouts and transport errors.
    Idempotent,
    /// Creates: retry only 429 (refused before any effect).
    RateLimitOnly,
}

/// HTTP method of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// DELETE.
    Delete,
}

impl Method {
    fn reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

/// A successful response: status and body bytes.
#[derive(Debug)]
pub struct Response {
    /// HTTP status (2xx).
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Counters of what the client did, for summaries and benchmarks.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Requests sent (every attempt).
    pub requests: AtomicU64,
    /// Attempts that were retried.
    pub retries: AtomicU64,
    /// 429 answers received.
    pub rate_limited: AtomicU64,
    /// Signals (429s, and usage headers showing another client's requests) taken as a sign
    /// that another client shares the account's bucket.
    pub contention_signals: AtomicU64,
}

/// The highest contention level: the client then sends at a fifth of the declared rate.
pub const MAX_CONTENTION: u32 = 4;

/// Requests in the account's bucket beyond the client's own count, as the usage header
/// reports it, that mean another client shares the bucket. Above the header's rounding (one)
/// and this client's requests in flight when the header was written.
pub const EXTERNAL_MARGIN: f64 = 3.0;

/// How much another client seems to use the account's bucket (see the module docs).
#[derive(Debug)]
struct Contention {
    level: u32,
    /// The last raise, or the last step down.
    last_change: tokio::time::Instant,
    /// The last raise on the usage signal (at most one a window).
    last_usage_raise: Option<tokio::time::Instant>,
    /// The last raise on any signal.
    last_signal: Option<tokio::time::Instant>,
    next_slot: tokio::time::Instant,
    /// This client's own requests in the account's bucket, leaking at the declared rate.
    own: f64,
    own_at: tokio::time::Instant,
}

impl Contention {
    fn new(now: tokio::time::Instant) -> Self {
        Contention {
            level: 0,
            last_change: now,
            last_usage_raise: None,
            last_signal: None,
            next_slot: now,
            own: 0.0,
            own_at: now,
        }
    }

    /// Leaks the client's own count to `now` at one request per `leak_interval`.
    fn leak_own(&mut self, now: tokio::time::Instant, leak_interval: Duration) {
        let leaked = now.duration_since(self.own_at).as_secs_f64()
            / leak_interval.as_secs_f64().max(f64::MIN_POSITIVE);
        self.own = (self.own - leaked).max(0.0);
        self.own_at = now;
    }

    /// One signal of another client: one level up.
    fn raise(&mut self, now: tokio::time::Instant, stats: &ClientStats) {
        self.level = (self.level + 1).min(MAX_CONTENTION);
        self.last_change = now;
        self.last_signal = Some(now);
        stats.contention_signals.fetch_add(1, Ordering::Relaxed);
    }
}

/// The per-account client.
pub struct Client {
    http: reqwest::Client,
    auth: HeaderValue,
    timeout: Duration,
    base: url::Url,
    dialect: Arc<dyn Dialect>,
    usage_header: Option<HeaderName>,
    retry_after_header: HeaderName,
    pacer: Option<DefaultDirectRateLimiter>,
    leak_interval: Duration,
    window: Duration,
    hold_until: Mutex<Option<tokio::time::Instant>>,
    contention: Mutex<Contention>,
    retry: RetryOptions,
    stats: Arc<ClientStats>,
    redactor: Redactor,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("paced", &self.pacer.is_some())
            .finish_non_exhaustive()
    }
}

enum Failure {
    RateLimited(Option<Duration>),
    Retryable(Error),
    Fatal(Error),
}

/// The pacer's quota: the declared leak rate, and a burst one request short of the declared
/// capacity. The spare slot absorbs network jitter: a GCRA as large as the server's bucket
/// fills it exactly, so a request that reaches the server a few milliseconds early after a
/// slow one is refused with a 429 (seen about once per 300 paced requests in the sync
/// benchmark's B2); one spare slot costs 1 of `capacity + rate × duration` requests.
fn quota(limit: &RateLimit) -> Option<Quota> {
    let requests = NonZeroU32::new(limit.requests)?;
    let period = limit.window() / limit.requests;
    let burst = NonZeroU32::new(limit.requests - 1).unwrap_or(requests);
    Some(Quota::with_period(period)?.allow_burst(burst))
}

/// Where a redirect pointed, without query or fragment (they may carry tokens).
fn redirect_target(base: &url::Url, location: Option<&str>) -> String {
    match location.and_then(|l| base.join(l).ok()) {
        Some(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_username("");
            let _ = u.set_password(None);
            excerpt(u.as_str(), 200)
        }
        None => "an unreadable Location".into(),
    }
}

impl Client {
    /// The HTTP client every account of a definition shares (connection pools, TLS config):
    /// no redirects (a redirect could carry credentials elsewhere), JSON accepted.
    pub fn shared_http(user_agent: &str) -> Result<reqwest::Client, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(Duration::from_secs(10))
            .pool_max_idle_per_host(8)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()
            .map_err(|e| Error::internal(format!("cannot build the HTTP client: {e}")))
    }

    /// A client for one account at `base` (already validated), over the shared `http` client,
    /// speaking `dialect`, authenticating every request with `auth`, paced by `limit` (`None`:
    /// unpaced, for benchmarks with the limit off). The usage and `Retry-After` headers it
    /// reads are the ones `limit` declares (`Retry-After` when it declares none).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        http: reqwest::Client,
        base: url::Url,
        dialect: Arc<dyn Dialect>,
        auth: HeaderValue,
        timeout: Duration,
        limit: Option<&RateLimit>,
        retry: RetryOptions,
    ) -> Result<Self, Error> {
        if base.scheme() != "https" && !is_loopback(&base) {
            return Err(Error::invalid_config(
                "base_url",
                "must use https unless it is a loopback address",
            ));
        }
        let pacer = limit.and_then(quota).map(RateLimiter::direct);
        let leak_interval = limit
            .map(|l| l.window() / l.requests.max(1))
            .unwrap_or(Duration::ZERO);
        let window = limit.map(RateLimit::window).unwrap_or(Duration::ZERO);
        let header_name = |name: &str, field: &str| {
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                Error::internal(format!(
                    "the declared rate limit's {field} `{name}` is not a valid header name"
                ))
            })
        };
        let usage_header = match limit.and_then(|l| l.usage_header.as_deref()) {
            Some(name) => Some(header_name(name, "usage_header")?),
            None => None,
        };
        let retry_after_header = match limit.and_then(|l| l.retry_after_header.as_deref()) {
            Some(name) => header_name(name, "retry_after_header")?,
            None => reqwest::header::RETRY_AFTER,
        };
        let now = tokio::time::Instant::now();
        Ok(Client {
            http,
            auth,
            timeout,
            base,
            dialect,
            usage_header,
            retry_after_header,
            pacer,
            leak_interval,
            window,
            hold_until: Mutex::new(None),
            contention: Mutex::new(Contention::new(now)),
            retry,
            stats: Arc::new(ClientStats::default()),
            redactor: Redactor::none(),
        })
    }

    /// Scrubs every error this client returns with `redactor` (the account's credentials).
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = redactor;
        self
    }

    /// The redactor of this client's errors.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// What the client has done so far.
    pub fn stats(&self) -> Arc<ClientStats> {
        self.stats.clone()
    }

    /// The API's conventions this client speaks.
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.dialect
    }

    async fn pace(&self) {
        let hold = *self.hold_until.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = hold {
            tokio::time::sleep_until(until).await;
        }
        if let Some(pacer) = &self.pacer {
            pacer.until_ready().await;
            if let Some(slot) = self.contention_slot() {
                tokio::time::sleep_until(slot).await;
            }
        }
    }

    /// Under contention, the time this request may go: slots `(1 + level)` leak intervals
    /// apart, shared by every request of the account. `None` when nobody else is seen.
    ///
    /// Until two windows have passed since the last signal, requests go at least one leak
    /// interval apart even at level 0 (the declared rate, without the burst the pacer saved up
    /// while the level held it back): a burst there would overrun the bucket the other client
    /// is still using.
    fn contention_slot(&self) -> Option<tokio::time::Instant> {
        let now = tokio::time::Instant::now();
        let mut c = self.contention_now(now);
        let calm = c
            .last_signal
            .is_none_or(|t| now.duration_since(t) >= self.window * 2);
        if c.level == 0 && calm {
            return None;
        }
        let slot = c.next_slot.max(now);
        c.next_slot = slot + self.leak_interval * (1 + c.level);
        Some(slot)
    }

    /// Another client seems to share the account's bucket: space requests further.
    fn contended(&self) {
        if self.pacer.is_none() {
            return;
        }
        // Raised from where it last stood, without the decay of quiet windows in between: a 429
        // after a calm means the other client is back. (Decaying first was tried: the
        // `shared_account` test then failed one run in four.)
        let mut c = self.contention.lock().unwrap_or_else(|p| p.into_inner());
        c.raise(tokio::time::Instant::now(), &self.stats);
        tracing::debug!(
            level = c.level,
            "429: the account's bucket is shared: pacing down"
        );
    }

    /// Counts one request of this client into its own view of the account's bucket.
    fn sent(&self) {
        if self.pacer.is_none() {
            return;
        }
        let mut c = self.contention.lock().unwrap_or_else(|p| p.into_inner());
        c.leak_own(tokio::time::Instant::now(), self.leak_interval);
        c.own += 1.0;
    }

    /// The usage header reported `used` requests in the account's bucket: when that exceeds
    /// this client's own count by [`EXTERNAL_MARGIN`], another client is using the account, and
    /// the level rises (at most once a window, so a bucket that is merely slow to drain does
    /// not drive it to the floor). Paced clients only (see `observe_usage`).
    fn usage_seen(&self, used: u32) {
        let now = tokio::time::Instant::now();
        let mut c = self.contention_now(now);
        c.leak_own(now, self.leak_interval);
        let external = f64::from(used) - c.own;
        let due = c
            .last_usage_raise
            .is_none_or(|t| now.duration_since(t) >= self.window);
        if external >= EXTERNAL_MARGIN && due {
            c.raise(now, &self.stats);
            c.last_usage_raise = Some(now);
            tracing::debug!(
                used,
                own = c.own,
                level = c.level,
                "the account's bucket holds another client's requests: pacing down"
            );
        }
    }

    /// The current contention level (0: the client seems alone on the account).
    pub fn contention_level(&self) -> u32 {
        self.contention_now(tokio::time::Instant::now()).level
    }

    /// The contention state at `now`, lowered by one level per full window without a signal.
    fn contention_now(&self, now: tokio::time::Instant) -> std::sync::MutexGuard<'_, Contention> {
        let mut c = self.contention.lock().unwrap_or_else(|p| p.into_inner());
        while c.level > 0 && now.duration_since(c.last_change) >= self.window {
            c.level -= 1;
            c.last_change += self.window;
        }
        c
    }

    fn observe_usage(&self, headers: &HeaderMap) {
        // An unpaced client (the limit off) has no rate to correct.
        if self.pacer.is_none() {
            return;
        }
        let Some(name) = &self.usage_header else {
            return;
        };
        let Some((used, limit)) = headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once('/'))
            .and_then(|(u, l)| {
                Some((u.trim().parse::<u32>().ok()?, l.trim().parse::<u32>().ok()?))
            })
        else {
            return;
        };
        self.usage_seen(used);
        if used >= limit {
            let until = tokio::time::Instant::now() + self.leak_interval;
            *self.hold_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(until);
            tracing::debug!(
                used,
                limit,
                "account bucket reported full; holding one leak interval"
            );
        }
    }

    fn url(&self, path: &str, query: &[(String, String)]) -> Result<url::Url, Error> {
        let mut url = self
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|_| Error::invalid_response("a valid request path", path))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    async fn attempt(
        &self,
        method: Method,
        url: &url::Url,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<Response, Failure> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        self.sent();
        let mut request = self
            .http
            .request(method.reqwest(), url.clone())
            .header(AUTHORIZATION, self.auth.clone())
            .timeout(timeout);
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(serde_json::to_vec(body).unwrap_or_default());
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::Retryable(transport(&e)))?;
        let status = response.status().as_u16();
        self.observe_usage(response.headers());
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = header(self.retry_after_header.clone())
            .and_then(|v| parse_retry_after(&v, chrono::Utc::now()));
        let content_type = header(CONTENT_TYPE);
        if (300..=399).contains(&status) {
            let target = redirect_target(url, header(reqwest::header::LOCATION).as_deref());
            return Err(Failure::Fatal(Error::upstream(
                status,
                format!(
                    "the server answered with a redirect to {target}, which the connector does not follow (it would carry the credentials along); check the subdomain (a renamed account redirects) or the base_url"
                ),
            )));
        }
        let body = self.read_body(method, url, response).await?;
        let answer = Answer {
            status,
            path: url.path(),
            content_type: content_type.as_deref(),
            body: &body,
        };
        if (200..=299).contains(&status) && answer.is_html() {
            return Err(Failure::Fatal(Error::invalid_response(
                "a JSON body",
                format!(
                    "the server answered with an HTML page (status {status}), not JSON: a sign-in, maintenance or proxy page; check the config's address, and that it serves the {} API",
                    self.dialect.service()
                ),
            )));
        }
        if (200..=299).contains(&status) {
            return Ok(Response { status, body });
        }
        if status == 429 {
            self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            self.contended();
            return Err(Failure::RateLimited(retry_after));
        }
        if let Some(e) = self.dialect.status_error(&answer) {
            return Err(Failure::Fatal(e));
        }
        let message = || self.dialect.error_message(&body);
        Err(match status {
            401 => Failure::Fatal(Error::AuthRejected { message: message() }),
            403 => Failure::Fatal(Error::PermissionDenied { message: message() }),
            404 => Failure::Fatal(Error::NotFound {
                what: url.path().to_string(),
                message: message(),
            }),
            409 => Failure::Fatal(Error::Conflict { message: message() }),
            408 | 500..=599 => Failure::Retryable(Error::upstream(status, message())),
            _ => Failure::Fatal(Error::upstream(status, message())),
        })
    }

    /// Reads a body into one buffer, at most [`RetryOptions::max_response_bytes`] of it: a
    /// declared length beyond the cap is refused before reading, a body that grows beyond it is
    /// dropped at the cap.
    async fn read_body(
        &self,
        method: Method,
        url: &url::Url,
        mut response: reqwest::Response,
    ) -> Result<Vec<u8>, Failure> {
        let cap = self.retry.max_response_bytes;
        let too_large = || {
            Failure::Fatal(Error::ResponseTooLarge {
                what: format!("{} {}", method.reqwest(), url.path()),
                limit_bytes: cap,
            })
        };
        let declared = response.content_length();
        if declared.is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let reserve = usize::try_from(declared.unwrap_or(0).min(cap)).unwrap_or(0);
        let mut body = Vec::with_capacity(reserve);
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Failure::Retryable(transport(&e)))?
        {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Sends a request with pacing and retries within [`RetryOptions::request_budget`]; `parse`
    /// turns a 2xx body into the result and may itself fail retryably (a truncated body on a
    /// read). Every error is scrubbed of the account's credentials.
    pub async fn send<T>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        policy: RetryPolicy,
        parse: impl Fn(Response) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let budget = self.retry.request_budget;
        self.send_within(method, path, query, body, policy, budget, parse)
            .await
    }

    /// [`Client::send`] within `budget` (retries and waits included), errors scrubbed.
    #[allow(clippy::too_many_arguments)]
    async fn send_within<T>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        policy: RetryPolicy,
        budget: Duration,
        parse: impl Fn(Response) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let deadline = deadline_after(budget);
        self.send_until(method, path, query, body, policy, deadline, parse)
            .await
            .map_err(|e| self.redactor.scrub_error(e))
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_until<T>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
        policy: RetryPolicy,
        deadline: tokio::time::Instant,
        parse: impl Fn(Response) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let url = self.url(path, query)?;
        let past_deadline = |wait: Duration| {
            tokio::time::Instant::now()
                .checked_add(wait)
                .is_none_or(|end| end > deadline)
        };
        let mut backoff = backon::ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.max_retries)
            .with_jitter()
            .build();
        let mut rate_limited = 0u32;
        loop {
            self.pace().await;
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return Err(Error::transport(
                    "the request's time budget ran out while waiting to send it; lower the concurrency or retry later",
                    true,
                ));
            }
            let timeout = self.timeout.min(remaining);
            let failure = match self.attempt(method, &url, body, timeout).await {
                Ok(response) => match parse(response) {
                    Ok(v) => return Ok(v),
                    // A 2xx whose body cannot be read is a transport fault on a read.
                    Err(e @ Error::InvalidResponse { .. }) if policy == RetryPolicy::Idempotent => {
                        Failure::Retryable(e)
                    }
                    Err(e) => return Err(e),
                },
                Err(f) => f,
            };
            self.stats.retries.fetch_add(1, Ordering::Relaxed);
            match failure {
                Failure::Fatal(e) => return Err(e),
                Failure::RateLimited(wait) => {
                    rate_limited += 1;
                    let wait = wait
                        .or_else(|| backoff.next())
                        .unwrap_or(self.retry.max_delay);
                    if rate_limited > self.retry.max_rate_limited
                        || wait > self.retry.max_retry_after
                        || past_deadline(wait)
                    {
                        return Err(Error::RateLimited {
                            retry_after: Some(wait),
                            attempts: rate_limited,
                        });
                    }
                    tracing::debug!(?wait, path, "429: waiting Retry-after");
                    tokio::time::sleep(wait).await;
                }
                Failure::Retryable(e) if policy == RetryPolicy::Idempotent => {
                    match backoff.next().filter(|w| !past_deadline(*w)) {
                        Some(wait) => {
                            tracing::debug!(?wait, path, error = %e, "retrying");
                            tokio::time::sleep(wait).await;
                        }
                        None => return Err(e),
                    }
                }
                Failure::Retryable(e) => return Err(e),
            }
        }
    }

    /// GET with retries, returning the JSON body.
    pub async fn get_json(&self, path: &str, query: &[(String, String)]) -> Result<Value, Error> {
        self.send(
            Method::Get,
            path,
            query,
            None,
            RetryPolicy::Idempotent,
            parse_json,
        )
        .await
    }

    /// The `check` request: GET `path` within [`RetryOptions::check_budget`], so a rate-limit
    /// storm fails a check in about a minute rather than after every retry.
    pub async fn check(&self, path: &str) -> Result<Value, Error> {
        let (method, policy) = (Method::Get, RetryPolicy::Idempotent);
        let budget = self.retry.check_budget;
        self.send_within(method, path, &[], None, policy, budget, parse_json)
            .await
    }
}

/// Now plus `budget`, saturating at about thirty years (an `Instant` cannot hold `Duration::MAX`).
fn deadline_after(budget: Duration) -> tokio::time::Instant {
    let now = tokio::time::Instant::now();
    now.checked_add(budget)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

fn parse_json(r: Response) -> Result<Value, Error> {
    serde_json::from_slice(&r.body)
        .map_err(|e| Error::invalid_response("a JSON body", e.to_string()))
}

fn transport(e: &reqwest::Error) -> Error {
    // Built from the error's kind and causes, never its URL: errors stay free of addresses.
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the response body was cut off"
    } else {
        "the request failed"
    };
    let mut message = what.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::transport(message, e.is_timeout())
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Retry-After` in every form a server may send, as a table: seconds of any size (huge ones
    /// saturate instead of panicking), HTTP dates (past ones mean now), and garbage.
    #[test]
    fn retry_after_values_are_read_without_panics() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-10-21T07:28:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        for (value, want) in [
            ("3", Some(Duration::from_secs(3))),
            (" 1.5 ", Some(Duration::from_millis(1500))),
            ("0", Some(Duration::ZERO)),
            ("1e20", Some(Duration::MAX)),
            ("18446744073709551615", Some(Duration::MAX)),
            ("1e400", None),
            ("-1", None),
            ("NaN", None),
            ("inf", None),
            ("soon", None),
            ("", None),
            (
                "Wed, 21 Oct 2026 07:28:30 GMT",
                Some(Duration::from_secs(30)),
            ),
            ("Wed, 21 Oct 2026 07:00:00 GMT", Some(Duration::ZERO)),
            ("Wed, 21 Oct 2026 07:28:30", None),
        ] {
            assert_eq!(parse_retry_after(value, now), want, "{value:?}");
        }
    }

    #[test]
    fn redirect_targets_drop_credentials_and_queries() {
        let base: url::Url = "https://acme.example.com/api/account".parse().unwrap();
        assert_eq!(
            redirect_target(&base, Some("https://u:p@evil.example/login?token=abc#x")),
            "https://evil.example/login"
        );
        assert_eq!(
            redirect_target(&base, Some("/app/login?next=1")),
            "https://acme.example.com/app/login"
        );
        assert_eq!(redirect_target(&base, None), "an unreadable Location");
    }

    /// A client for a loopback address it never calls, paced by `limit`.
    fn client(limit: Option<&RateLimit>) -> Client {
        Client::new(
            Client::shared_http("test").expect("http client"),
            "http://127.0.0.1:9".parse().expect("url"),
            Arc::new(crate::testing::JsonDialect),
            HeaderValue::from_static("Basic x"),
            Duration::from_secs(1),
            limit,
            RetryOptions::default(),
        )
        .expect("client")
    }

    fn paced_client(requests: u32, window_ms: u64) -> Client {
        client(Some(&RateLimit {
            auth_scheme: None,
            requests,
            window_ms,
            scope: connector_sdk::RateLimitScope::Account,
            usage_header: None,
            retry_after_header: None,
            note: String::new(),
        }))
    }

    /// Alone on the account, nothing is spaced; each 429 widens the spacing by one leak
    /// interval, up to `MAX_CONTENTION`.
    #[test]
    fn each_429_spaces_requests_one_more_leak_interval() {
        let client = paced_client(40, 20_000); // a leak interval of 500 ms
        assert_eq!(client.contention_slot(), None);
        client.contended();
        client.contended();
        assert_eq!(client.contention_level(), 2);
        let slots: Vec<_> = (0..3).filter_map(|_| client.contention_slot()).collect();
        assert_eq!(slots.len(), 3);
        assert_eq!(slots[1] - slots[0], Duration::from_millis(1500));
        assert_eq!(slots[2] - slots[1], Duration::from_millis(1500));
        for _ in 0..10 {
            client.contended();
        }
        assert_eq!(client.contention_level(), MAX_CONTENTION);
        assert_eq!(
            client.stats().contention_signals.load(Ordering::Relaxed),
            12
        );
    }

    /// The level falls by one per window without a 429, so a client that was crowded once
    /// returns to the full rate.
    #[test]
    fn contention_decays_one_level_per_quiet_window() {
        let client = paced_client(40, 100);
        client.contended();
        client.contended();
        std::thread::sleep(Duration::from_millis(130));
        assert!(
            client.contention_level() < 2,
            "one quiet window lowers the level"
        );
        std::thread::sleep(Duration::from_millis(230));
        assert_eq!(client.contention_slot(), None, "two quiet windows clear it");
        assert_eq!(client.contention_level(), 0);
    }

    /// An unpaced client (limit off) ignores 429s for pacing: it has no rate to lower.
    #[test]
    fn unpaced_clients_do_not_track_contention() {
        let client = client(None);
        client.contended();
        assert_eq!(client.contention_level(), 0);
        assert_eq!(client.contention_slot(), None);
    }

    /// A lone client at the top of its burst sees only its own requests in the usage header:
    /// that is not contention.
    #[test]
    fn own_requests_in_the_usage_header_are_not_contention() {
        let client = paced_client(40, 20_000);
        for used in 1..=39 {
            client.sent();
            // Up to two more than its own count: the header's rounding up, and a request in
            // flight.
            client.usage_seen(used + 2);
        }
        assert_eq!(client.contention_level(), 0);
        client.usage_seen(39 + 3);
        assert_eq!(client.contention_level(), 1, "three more: another client");
    }

    /// Requests beyond the client's own in the usage header raise the level, at most once a
    /// window; while they persist the level holds, and it falls once they stop.
    #[test]
    fn another_clients_requests_in_the_usage_header_raise_the_level_once_a_window() {
        let client = paced_client(40, 100);
        client.usage_seen(5);
        assert_eq!(client.contention_level(), 1);
        client.usage_seen(30);
        assert_eq!(client.contention_level(), 1, "at most one raise a window");
        std::thread::sleep(Duration::from_millis(110));
        client.usage_seen(30);
        assert_eq!(
            client.contention_level(),
            1,
            "still crowded: the level holds"
        );
        std::thread::sleep(Duration::from_millis(110));
        assert_eq!(client.contention_level(), 0, "a quiet window lowers it");
        assert_eq!(client.stats().contention_signals.load(Ordering::Relaxed), 2);
    }
}
