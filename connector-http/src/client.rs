//! One HTTP client per account: pacing, retries, auth and error mapping live here and nowhere
//! else. Stream and action code never sleeps.
//!
//! * **Pacing**: one [`Pacer`] per account (see [`crate::pacer`]), built from the *declared*
//!   rate limit of the auth scheme in use (40 per 20 s for API keys, 80 per 20 s for OAuth: a
//!   bucket of that capacity leaking evenly) and shared by every stream and action of the
//!   account. Before each attempt the client asks it for a slot and sleeps until then
//!   (`tokio::time::sleep_until`); it feeds it every request sent, every usage header
//!   (`X-Gorgias-Account-Api-Call-Limit`) and every 429, so the pacer sees another client on
//!   the account's bucket and backs off.
//! * **Retries**: one decision, [`crate::retry::decide`]: a 429 waits `Retry-after` seconds
//!   (case-insensitive; backoff if absent), up to [`RetryOptions::max_rate_limited`] times;
//!   5xx, timeouts, resets and truncated bodies get jittered exponential backoff (`backon`),
//!   bounded by [`RetryOptions::max_retries`], only for requests that cannot duplicate data
//!   (reads, updates, deletes). Creates are retried only after a 429 (the request was refused).
//! * **Deadlines**: one request, its retries and waits included, gets at most
//!   [`RetryOptions::request_budget`] (10 minutes); `check` gets [`RetryOptions::check_budget`]
//!   (60 s). A wait that would end past the budget is not started: the last error is returned.
//! * **Bodies**: at most [`RetryOptions::max_response_bytes`] (32 MiB) of one response is
//!   buffered; a larger `Content-Length` is refused before reading, a longer body is cut off
//!   at the cap, both with [`Error::ResponseTooLarge`] (not retried).
//! * **Hostile answers**: a redirect is an error naming where it pointed (never followed: it
//!   could carry the credentials elsewhere; only a download's is followed, by
//!   [`crate::transfer`], to the hosts it declares, without credentials); an HTML page with a
//!   2xx status (a sign-in page) is an error saying so, not a JSON parse failure; `Retry-After` in seconds (any size: huge
//!   values saturate) or as an HTTP date.
//! * **Errors**: one mapping from status to [`Error`], carrying Gorgias's own message, with
//!   the account's credentials (every encoded form) removed and control characters escaped by
//!   the client's [`Redactor`]: a server that echoes request headers cannot make the connector
//!   print its own key.
//! * **Auth**: the `Authorization` header is asked of the account's [`Credentials`] right before
//!   each attempt: a fixed header, or an OAuth2 session ([`crate::oauth`]) that refreshes a due
//!   access token first; a 401 on an OAuth2 token refreshes it once and sends the request again.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder as _;
use connector_sdk::redact::{Redactor, excerpt};
use connector_sdk::{Error, RateLimit};

use crate::auth::{Authorizer, Credentials, SharedRedactor};
use crate::dialect::{Answer, Dialect};
use crate::pacer::Pacer;
use crate::retry::{self, Decision, Failed, Tries};
use crate::transfer::Payload;
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

/// The per-account client.
pub struct Client {
    http: reqwest::Client,
    auth: Authorizer,
    timeout: Duration,
    base: url::Url,
    dialect: Arc<dyn Dialect>,
    usage_header: Option<HeaderName>,
    retry_after_header: HeaderName,
    pacer: Mutex<Pacer>,
    paced: bool,
    retry: RetryOptions,
    stats: Arc<ClientStats>,
    redactor: SharedRedactor,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("paced", &self.paced)
            .finish_non_exhaustive()
    }
}

/// Where a redirect pointed, without query or fragment (they may carry tokens).
fn redirect_target(base: &url::Url, location: Option<&str>) -> String {
    match location.and_then(|l| base.join(l).ok()) {
        Some(u) => shown(&u),
        None => "an unreadable Location".into(),
    }
}

/// A URL as messages show it: without user info, query or fragment (they may carry a token
/// or a signature), at most 200 characters.
pub(crate) fn shown(url: &url::Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    let _ = u.set_username("");
    let _ = u.set_password(None);
    excerpt(u.as_str(), 200)
}

/// Mozilla's root certificates as compiled in (`webpki-root-certs`), for [`Client::shared_http`]
/// where the platform store is empty.
fn bundled_roots() -> Vec<reqwest::Certificate> {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok())
        .collect()
}

/// An error and its sources, `: `-separated (reqwest's builder error alone says only
/// "builder error").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The timeout of one attempt unless [`ClientBuilder::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds a [`Client`]: [`Client::builder`], then the optional parts, then [`ClientBuilder::build`].
pub struct ClientBuilder {
    http: reqwest::Client,
    base: url::Url,
    dialect: Arc<dyn Dialect>,
    credentials: Credentials,
    timeout: Duration,
    limit: Option<RateLimit>,
    retry: RetryOptions,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// How long one attempt may take (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Paces requests by `limit`, the declared rate limit of the auth scheme in use (its count,
    /// window, usage and `Retry-After` headers); `None` (the default): unpaced, 429s still
    /// honoured with the standard `Retry-After`.
    pub fn rate_limit(mut self, limit: Option<RateLimit>) -> Self {
        self.limit = limit;
        self
    }

    /// Retry, deadline and size knobs (default [`RetryOptions::default`]).
    pub fn retry(mut self, retry: RetryOptions) -> Self {
        self.retry = retry;
        self
    }

    /// The client; refuses a base that is neither https nor loopback, and declared header names
    /// that are not header names (a connector bug: [`Error::Internal`]).
    pub fn build(self) -> Result<Client, Error> {
        Client::new(self)
    }
}

impl Client {
    /// The HTTP client every account of a definition shares (connection pools, TLS config):
    /// no redirects (a redirect could carry credentials elsewhere), JSON accepted.
    ///
    /// **TLS roots**: the platform's store first (rustls-platform-verifier: on Linux the system
    /// CA bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set), so an operator's own roots
    /// and removals win. Where it yields no certificate at all (a minimal container image
    /// without `ca-certificates`, a store pointed at an empty place), the verifier refuses to
    /// start; the client then trusts Mozilla's root program as compiled in
    /// ([`webpki_root_certs`], <https://wiki.mozilla.org/CA/Included_Certificates>), with a
    /// warning, instead of failing every request.
    pub fn shared_http(user_agent: &str) -> Result<reqwest::Client, Error> {
        let builder = || {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            reqwest::Client::builder()
                .default_headers(headers)
                .connect_timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(8)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(user_agent)
        };
        let platform = match builder().build() {
            Ok(client) => return Ok(client),
            Err(e) => e,
        };
        // The only part the platform build has and this one lacks is the platform store: any
        // other builder error fails here too, and is then reported as the platform's.
        let bundled = bundled_roots();
        match builder().tls_certs_only(bundled).build() {
            Ok(client) => {
                tracing::warn!(
                    "no usable system CA certificates ({}): trusting the {} Mozilla root \
                     certificates built into the binary; install ca-certificates or set \
                     SSL_CERT_FILE to use the system's",
                    error_chain(&platform),
                    webpki_root_certs::TLS_SERVER_ROOT_CERTS.len()
                );
                Ok(client)
            }
            Err(_) => Err(Error::internal(format!(
                "cannot build the HTTP client: {}",
                error_chain(&platform)
            ))),
        }
    }

    /// A builder of the client for one account at `base` (already validated), over the shared
    /// `http` client, speaking `dialect`, authenticating every request with `credentials` (whose
    /// redactor scrubs every error the client returns).
    pub fn builder(
        http: reqwest::Client,
        base: url::Url,
        dialect: Arc<dyn Dialect>,
        credentials: Credentials,
    ) -> ClientBuilder {
        ClientBuilder {
            http,
            base,
            dialect,
            credentials,
            timeout: DEFAULT_TIMEOUT,
            limit: None,
            retry: RetryOptions::default(),
        }
    }

    fn new(b: ClientBuilder) -> Result<Self, Error> {
        let ClientBuilder {
            http,
            base,
            dialect,
            credentials,
            timeout,
            limit,
            retry,
        } = b;
        let limit = limit.as_ref();
        if base.scheme() != "https" && !is_loopback(&base) {
            return Err(Error::invalid_config(
                "base_url",
                "must use https unless it is a loopback address",
            ));
        }
        let (auth, redactor) = credentials.into_authorizer(&base)?;
        let pacer = Pacer::new(limit, tokio::time::Instant::now());
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
        Ok(Client {
            http,
            auth,
            timeout,
            base,
            dialect,
            usage_header,
            retry_after_header,
            paced: pacer.is_paced(),
            pacer: Mutex::new(pacer),
            retry,
            stats: Arc::new(ClientStats::default()),
            redactor,
        })
    }

    /// The redactor of this client's errors, as it is now (an OAuth2 session adds every access
    /// token it gets).
    pub fn redactor(&self) -> Redactor {
        self.redactor.snapshot()
    }

    /// What the client has done so far.
    pub fn stats(&self) -> Arc<ClientStats> {
        self.stats.clone()
    }

    /// The retry, deadline and size knobs in force.
    pub fn retry_options(&self) -> &RetryOptions {
        &self.retry
    }

    /// The API's conventions this client speaks.
    pub fn dialect(&self) -> &dyn Dialect {
        &*self.dialect
    }

    /// The account's pacer (a poisoned lock is taken over: the pacer's state is always whole).
    fn pacer(&self) -> std::sync::MutexGuard<'_, Pacer> {
        self.pacer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits for the slot the pacer books for this request.
    async fn pace(&self) {
        if !self.paced {
            return;
        }
        let slot = self.pacer().reserve(tokio::time::Instant::now());
        tokio::time::sleep_until(slot).await;
    }

    /// The current contention level (0: the client seems alone on the account).
    pub fn contention_level(&self) -> u32 {
        self.pacer().level(tokio::time::Instant::now())
    }

    /// Feeds the usage header (`used/limit`) of a response to the pacer.
    fn observe_usage(&self, headers: &HeaderMap) {
        // An unpaced client (the limit off) has no rate to correct.
        if !self.paced {
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
        let seen = self.pacer().usage(tokio::time::Instant::now(), used, limit);
        if seen.raised {
            self.stats
                .contention_signals
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                used,
                "the account's bucket holds another client's requests: pacing down"
            );
        }
        if seen.full {
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
            // The path comes from the connector's declarations: a bad one is its bug.
            .map_err(|_| {
                Error::internal(format!("the request path {path:?} does not form a URL"))
            })?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    async fn attempt(
        &self,
        method: Method,
        url: &url::Url,
        body: Payload<'_>,
        timeout: Duration,
        auth: &HeaderValue,
    ) -> Result<Response, Error> {
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        if self.paced {
            self.pacer().sent(tokio::time::Instant::now());
        }
        let mut request = self
            .http
            .request(method.reqwest(), url.clone())
            .header(AUTHORIZATION, auth.clone())
            .timeout(timeout);
        request = body.apply(request).await?;
        let response = request.send().await.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        self.observe_usage(response.headers());
        // A download takes the file, or follows its redirect to the hosts it declares
        // (`crate::transfer`); every other redirect is refused below.
        if let Some(fetch) = body.download()
            && (200..=399).contains(&status)
        {
            return fetch.receive(&self.http, url, response, timeout).await;
        }
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
            return Err(Error::upstream(
                status,
                format!(
                    "the server answered with a redirect to {target}, which the connector does not follow (it would carry the credentials along); check the subdomain (a renamed account redirects) or the base_url"
                ),
            ));
        }
        let body = self.read_body(method, url, response).await?;
        let answer = Answer {
            status,
            path: url.path(),
            content_type: content_type.as_deref(),
            body: &body,
        };
        if (200..=299).contains(&status) && answer.is_html() {
            return Err(Error::invalid_response(
                "a JSON body",
                format!(
                    "the server answered with an HTML page (status {status}), not JSON: a sign-in, maintenance or proxy page; check the config's address, and that it serves the {} API",
                    self.dialect.service()
                ),
            ));
        }
        if (200..=299).contains(&status) {
            return Ok(Response { status, body });
        }
        if status == 429 {
            self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            if self.pacer().rate_limited(tokio::time::Instant::now()) {
                self.stats
                    .contention_signals
                    .fetch_add(1, Ordering::Relaxed);
                tracing::debug!("429: the account's bucket is shared: pacing down");
            }
            return Err(Error::RateLimited {
                retry_after,
                attempts: 1,
            });
        }
        if let Some(e) = self.dialect.status_error(&answer) {
            return Err(e);
        }
        let message = || self.dialect.error_message(&body);
        Err(match status {
            401 => Error::AuthRejected { message: message() },
            403 => Error::PermissionDenied { message: message() },
            404 => Error::NotFound {
                what: url.path().to_string(),
                message: message(),
            },
            409 => Error::Conflict { message: message() },
            408 | 500..=599 => Error::upstream(status, message()),
            _ => Error::upstream(status, message()),
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
    ) -> Result<Vec<u8>, Error> {
        let cap = self.retry.max_response_bytes;
        let too_large = || Error::ResponseTooLarge {
            what: format!("{} {}", method.reqwest(), url.path()),
            limit_bytes: cap,
        };
        let declared = response.content_length();
        if declared.is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        let reserve = usize::try_from(declared.unwrap_or(0).min(cap)).unwrap_or(0);
        let mut body = Vec::with_capacity(reserve);
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
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
        let body = Payload::Json(body);
        self.send_payload(method, path, query, body, policy, parse)
            .await
    }

    /// [`Client::send`] with any [`Payload`]: a multipart body or a download
    /// ([`crate::transfer`]), paced, retried, bounded and scrubbed the same way.
    pub async fn send_payload<T>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Payload<'_>,
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
        body: Payload<'_>,
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
        body: Payload<'_>,
        policy: RetryPolicy,
        deadline: tokio::time::Instant,
        parse: impl Fn(Response) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let url = self.url(path, query)?;
        let mut backoff = backon::ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.max_retries)
            .with_jitter()
            .build();
        let mut tries = Tries::default();
        // A refused OAuth2 access token is refreshed once, and the request sent again.
        let mut reauthorized = false;
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
            let (auth, token) = self.auth.header(self, deadline).await?;
            let result = self.attempt(method, &url, body, timeout, &auth).await;
            if !reauthorized
                && matches!(result, Err(Error::AuthRejected { .. }))
                && self.auth.rejected(self, token, deadline).await?
            {
                reauthorized = true;
                continue;
            }
            let (error, unreadable) = match result.map(&parse) {
                Ok(Ok(v)) => return Ok(v),
                // `parse` failed on a 2xx body.
                Ok(Err(e)) => (e, true),
                Err(e) => (e, false),
            };
            let failed = if unreadable {
                Failed::Unreadable(&error)
            } else {
                Failed::Error(&error)
            };
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let decision =
                retry::decide(failed, policy, &self.retry, &mut tries, remaining, || {
                    backoff.next()
                });
            match decision {
                Decision::Retry { wait } => {
                    self.stats.retries.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(?wait, path, error = %error, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Decision::Fail => {
                    return Err(match error {
                        Error::RateLimited { retry_after, .. } => Error::RateLimited {
                            retry_after,
                            attempts: tries.rate_limited + 1,
                        },
                        e => e,
                    });
                }
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
        let body = Payload::Json(None);
        self.send_within(method, path, &[], body, policy, budget, parse_json)
            .await
    }
}

/// Token requests of an OAuth2 session ([`crate::oauth`]).
impl Client {
    /// One POST of the form-encoded `form` to `url` (the account's token URL) with
    /// `authorization`: paced and counted like every request of the account (it spends the same
    /// budget), within `deadline` and the attempt timeout; a redirect is refused. The caller
    /// decides retries.
    pub(crate) async fn post_form(
        &self,
        url: &url::Url,
        authorization: &HeaderValue,
        form: String,
        deadline: tokio::time::Instant,
    ) -> Result<crate::oauth::FormAnswer, Error> {
        self.pace().await;
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        if remaining.is_zero() {
            return Err(Error::transport(
                "the request's time budget ran out while waiting to refresh the access token; lower the concurrency or retry later",
                true,
            ));
        }
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        if self.paced {
            self.pacer().sent(tokio::time::Instant::now());
        }
        let response = self
            .http
            .post(url.clone())
            .header(AUTHORIZATION, authorization.clone())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .timeout(self.timeout.min(remaining))
            .send()
            .await
            .map_err(|e| transport(&e))?;
        self.observe_usage(response.headers());
        if response.status().as_u16() == 429 {
            self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            self.pacer().rate_limited(tokio::time::Instant::now());
        }
        crate::oauth::FormAnswer::read(response, url, &self.retry_after_header).await
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

pub(crate) fn transport(e: &reqwest::Error) -> Error {
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

/// Whether `url` points at this machine (`127.0.0.0/8`, `::1`, `localhost`): the only hosts a
/// client reaches without https, and the only ones a connector should let a config's base URL
/// name.
pub fn is_loopback(url: &url::Url) -> bool {
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
    use crate::testing::limit;

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
        Client::builder(
            Client::shared_http("test").expect("http client"),
            "http://127.0.0.1:9".parse().expect("url"),
            Arc::new(crate::testing::JsonDialect),
            Credentials::bearer("x", "auth.token").expect("credentials"),
        )
        .timeout(Duration::from_secs(1))
        .rate_limit(limit.cloned())
        .build()
        .expect("client")
    }

    /// On tokio's paused clock, the client sleeps until the slots its pacer books: the burst
    /// (capacity - 1) at once, then one leak interval apart; a 429 spaces the next ones further.
    #[tokio::test(start_paused = true)]
    async fn the_client_waits_for_the_pacers_slots_on_tokio_time() {
        let client = client(Some(&limit(40, 20_000))); // a leak interval of 500 ms
        let t0 = tokio::time::Instant::now();
        for _ in 0..39 {
            client.pace().await;
        }
        assert_eq!(t0.elapsed(), Duration::ZERO, "the burst goes at once");
        for _ in 0..6 {
            client.pace().await;
        }
        assert_eq!(
            t0.elapsed(),
            Duration::from_millis(3000),
            "then 500 ms apart"
        );
        client.pacer().rate_limited(tokio::time::Instant::now());
        let before = tokio::time::Instant::now();
        client.pace().await;
        client.pace().await;
        assert!(
            before.elapsed() >= Duration::from_millis(1000),
            "after a 429 they go at least two leak intervals apart: {:?}",
            before.elapsed()
        );
    }

    /// An unpaced client (limit off) has no pacer to wait for and ignores 429s for pacing; a
    /// paced one books distinct slots (the timing itself is the pacer's tables).
    #[tokio::test]
    async fn the_client_keeps_one_pacer_per_account() {
        let unpaced = client(None);
        for _ in 0..100 {
            unpaced.pace().await;
        }
        let paced = client(Some(&limit(4, 400_000)));
        let t0 = tokio::time::Instant::now();
        assert!(!unpaced.pacer().rate_limited(t0));
        assert_eq!(unpaced.contention_level(), 0);
        let slots: Vec<_> = (0..4).map(|_| paced.pacer().reserve(t0)).collect();
        assert_eq!(slots[..3], [t0; 3], "a burst of capacity - 1");
        assert_eq!(
            slots[3] - t0,
            Duration::from_secs(100),
            "then one leak interval"
        );
        assert!(paced.pacer().rate_limited(t0));
        assert_eq!(paced.contention_level(), 1);
    }
}
