//! The HTTP server: shared state, the request pipeline (account resolution, auth, rate limit,
//! faults, statistics) and the application router (the object routes are passed in).

use crate::auth::{self, AccountCredentials, AuthKind, Presented};
use crate::error::ApiError;
use crate::faults::{self, FaultEngine, FaultKind};
use crate::oauth::{OAuthAccount, OAuthOptions};
use crate::options::{DatetimeStyle, RateLimitOptions};
use crate::rate_limit::{AccountBuckets, Decision};
use crate::stats::{Recorder, Stats};
use crate::store::AccountData;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// The usage header.
pub const CALL_LIMIT_HEADER: &str = "x-gorgias-account-api-call-limit";

/// One account: credentials, data, buckets and counters.
#[derive(Debug)]
pub struct Account {
    /// Credentials.
    pub creds: AccountCredentials,
    data: RwLock<AccountData>,
    buckets: Mutex<AccountBuckets>,
    stats: Mutex<Recorder>,
    oauth: Mutex<OAuthAccount>,
    datetimes: DatetimeStyle,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Account {
    /// Wraps generated data.
    pub fn new(creds: AccountCredentials, data: AccountData) -> Self {
        // The OAuth2 state's random stream follows from the (seeded) credentials.
        let seed = creds
            .client_secret
            .bytes()
            .fold(0u64, |h, b| crate::seed::mix(h, u64::from(b)));
        let oauth = OAuthAccount::new(seed, &creds.refresh_token);
        Self {
            creds,
            data: RwLock::new(data),
            buckets: Mutex::new(AccountBuckets::default()),
            stats: Mutex::new(Recorder::default()),
            oauth: Mutex::new(oauth),
            datetimes: DatetimeStyle::Recorded,
        }
    }

    /// Renders the account's response datetimes in `style`.
    #[must_use]
    pub fn with_datetimes(mut self, style: DatetimeStyle) -> Self {
        self.datetimes = style;
        self
    }

    /// The OAuth2 state (codes, refresh tokens, issued access tokens).
    pub fn oauth(&self) -> MutexGuard<'_, OAuthAccount> {
        lock(&self.oauth)
    }

    /// How presented credentials authenticate with this account: its API key (Basic), its
    /// static bearer token, or an access token its OAuth2 app was issued and that has not
    /// expired (both Bearer: the OAuth2 budget).
    pub fn accepts(&self, presented: &Presented) -> Option<AuthKind> {
        self.creds.accepts(presented).or_else(|| match presented {
            Presented::Bearer(t) => {
                let now = crate::time::wall_now() as f64 / 1e6;
                self.oauth().accepts(t, now).then_some(AuthKind::Bearer)
            }
            Presented::Basic { .. } => None,
        })
    }

    /// Read access to the data.
    pub fn read(&self) -> RwLockReadGuard<'_, AccountData> {
        self.data
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Write access to the data.
    pub fn write(&self) -> RwLockWriteGuard<'_, AccountData> {
        self.data
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The counters.
    pub fn stats(&self) -> MutexGuard<'_, Recorder> {
        lock(&self.stats)
    }
}

/// State shared by every request.
#[derive(Debug)]
pub struct Shared {
    /// Accounts, in option order.
    pub accounts: Vec<Arc<Account>>,
    rate_limit: RwLock<RateLimitOptions>,
    oauth: RwLock<OAuthOptions>,
    faults: Mutex<FaultEngine>,
    started: Instant,
    unauthenticated: AtomicU64,
}

/// The router state.
pub type AppState = Arc<Shared>;

impl Shared {
    /// New state.
    pub fn new(
        accounts: Vec<Arc<Account>>,
        rate_limit: RateLimitOptions,
        oauth: OAuthOptions,
        faults: FaultEngine,
    ) -> Self {
        Self {
            accounts,
            rate_limit: RwLock::new(rate_limit),
            oauth: RwLock::new(oauth),
            faults: Mutex::new(faults),
            started: Instant::now(),
            unauthenticated: AtomicU64::new(0),
        }
    }

    /// The account with a subdomain.
    pub fn account(&self, sub: &str) -> Option<&Arc<Account>> {
        self.accounts
            .iter()
            .find(|a| a.creds.subdomain.eq_ignore_ascii_case(sub))
    }

    /// Replaces the fault plan (counters restart).
    pub fn set_faults(&self, engine: FaultEngine) {
        *lock(&self.faults) = engine;
    }

    /// The fault the plan injects into one request, if any.
    pub fn fault(&self, subdomain: &str, method: &str, path: &str) -> Option<FaultKind> {
        lock(&self.faults).decide(subdomain, method, path)
    }

    /// The OAuth2 options in force.
    pub fn oauth_options(&self) -> OAuthOptions {
        self.oauth
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the OAuth2 options (tokens already issued keep their `exp`).
    pub fn set_oauth_options(&self, options: OAuthOptions) {
        *self
            .oauth
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = options;
    }

    /// The current fault plan.
    pub fn fault_plan(&self) -> crate::faults::FaultPlan {
        lock(&self.faults).plan().clone()
    }

    /// Current rate-limit options.
    pub fn rate_limit(&self) -> RateLimitOptions {
        self.rate_limit
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the rate-limit options.
    pub fn set_rate_limit(&self, opts: RateLimitOptions) {
        *self
            .rate_limit
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = opts;
    }

    /// A statistics snapshot.
    pub fn stats(&self) -> Stats {
        Stats {
            accounts: self
                .accounts
                .iter()
                .map(|a| (a.creds.subdomain.clone(), a.stats().snapshot()))
                .collect(),
            unauthenticated: self.unauthenticated.load(Ordering::Relaxed),
        }
    }

    /// Clears all statistics.
    pub fn reset_stats(&self) {
        for a in &self.accounts {
            a.stats().reset();
        }
        self.unauthenticated.store(0, Ordering::Relaxed);
    }
}

/// Who is calling: the resolved account, how it authenticated and its user.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The account.
    pub account: Arc<Account>,
    /// Auth scheme used.
    pub auth: AuthKind,
    /// The calling user (the account owner).
    pub user_id: i64,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

/// Builds a JSON response from serialised text.
pub fn json_text(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

const NOT_FOUND_HTML: &str = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n";

pub(crate) fn too_many(retry_after: u64, limit: u32) -> Response {
    let mut r = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Too many requests. Retry after {retry_after} seconds."),
    )
    .into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        h.insert(HeaderName::from_static("retry-after"), v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{limit}/{limit}")) {
        h.insert(HeaderName::from_static(CALL_LIMIT_HEADER), v);
    }
    r
}

pub(crate) fn status_fault(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let msg = match status {
        502 => "Bad gateway.",
        503 => "An external service had an issue.",
        504 => "Gateway timeout.",
        _ => "Internal server error.",
    };
    ApiError::new(code, msg).into_response()
}

/// The most bytes of a request body the sandbox reads to discard it before an early answer.
const DRAIN_BYTES: usize = 64 << 20;

/// Reads the rest of a request's body and drops it (at most [`DRAIN_BYTES`]), before an
/// answer given without running the handler (a 429, a fault's status). A server that answers
/// and closes with request bytes unread makes the kernel reset the connection, and the client
/// may see "broken pipe" while sending instead of the answer; servers avoid it by reading the
/// request whole first (a front end that buffers requests) or by a lingering close (nginx).
/// Which one Gorgias's front end does is unconfirmed; either way the client receives the answer.
async fn drain(req: Request) {
    let _ = axum::body::to_bytes(req.into_body(), DRAIN_BYTES).await;
}

/// The pipeline every `/api` request goes through.
pub async fn pipeline(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_owned(), |m| m.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let by_host = match auth::host_subdomain(host) {
        Some(sub) => match app.account(&sub) {
            Some(a) => Some(a.clone()),
            None => {
                app.unauthenticated.fetch_add(1, Ordering::Relaxed);
                let mut r = (StatusCode::NOT_FOUND, NOT_FOUND_HTML).into_response();
                r.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                );
                return r;
            }
        },
        None => None,
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(auth::parse_authorization);
    let resolved = match (presented, by_host) {
        (Some(p), Some(a)) => a.accepts(&p).map(|k| (a, k)),
        (Some(p), None) => app
            .accounts
            .iter()
            .find_map(|a| a.accepts(&p).map(|k| (a.clone(), k))),
        (None, _) => None,
    };
    let Some((account, kind)) = resolved else {
        app.unauthenticated.fetch_add(1, Ordering::Relaxed);
        return ApiError::unauthorized().into_response();
    };
    // The arrival instant is read under the account's statistics lock, so the request log is
    // in arrival order even when concurrent requests race through the steps above.
    let arrived = {
        let mut stats = account.stats();
        let now = Instant::now();
        stats.request(
            &format!("{method} {route}"),
            now.saturating_duration_since(app.started),
        );
        now
    };

    let opts = app.rate_limit();
    let mut usage = None;
    if opts.enabled {
        let decision = lock(&account.buckets).acquire(kind, arrived, &opts);
        match decision {
            Decision::Allowed { used, limit, level } => {
                account.stats().level(level);
                usage = Some(format!("{used}/{limit}"));
            }
            Decision::Limited {
                retry_after,
                limit,
                level,
            } => {
                {
                    let mut s = account.stats();
                    s.level(level);
                    s.status(429);
                }
                drain(req).await;
                return too_many(retry_after, limit);
            }
        }
    }

    let fault = lock(&app.faults).decide(&account.creds.subdomain, &method, &path);
    if let Some(f) = &fault {
        account.stats().fault(f.name());
    }
    let limit_for = |kind: AuthKind| match kind {
        AuthKind::Basic => opts.basic_capacity,
        AuthKind::Bearer => opts.bearer_capacity,
    };
    let early = match &fault {
        Some(FaultKind::Status { status }) => Some(status_fault(*status)),
        Some(FaultKind::EchoHeaders { status }) => Some(echo_headers(*status, req.headers())),
        Some(FaultKind::Respond { status, body, .. }) => Some(canned(*status, body)),
        Some(FaultKind::RateLimitBurst {
            retry_after_secs, ..
        }) => Some(too_many(*retry_after_secs, limit_for(kind))),
        Some(FaultKind::Slow { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(*delay_ms)).await;
            None
        }
        _ => None,
    };
    let mut resp = match early {
        Some(r) => {
            drain(req).await;
            r
        }
        None => {
            let user_id = account.read().owner_user_id;
            req.extensions_mut().insert(Ctx {
                account: account.clone(),
                auth: kind,
                user_id,
            });
            // A fresh cursor is not a real one: serve such a request as if it had none, and
            // echo the `uri` as it was sent.
            let mut sent_uri = None;
            if matches!(fault, Some(FaultKind::FreshCursors { .. })) {
                sent_uri = drop_fresh_cursor(&mut req);
            }
            let mut resp = next.run(req).await;
            // The account's datetime form first: faults act on what the account would send.
            if account.datetimes != DatetimeStyle::Recorded {
                let style = account.datetimes;
                resp = rewrite_json(resp, |b| crate::time::restyle(b, style)).await;
            }
            match fault {
                Some(FaultKind::ConnectionReset { after_bytes }) => {
                    reset_body(resp, after_bytes).await
                }
                Some(FaultKind::TruncatedJson { keep_fraction }) => {
                    truncate_body(resp, keep_fraction).await
                }
                Some(FaultKind::MalformedJson) => malformed_body(resp).await,
                Some(FaultKind::PrettyPrint) => rewrite_json(resp, faults::pretty_print).await,
                Some(FaultKind::ForgeLine { ref message }) => {
                    rewrite_json(resp, |b| faults::forge_line(b, message)).await
                }
                Some(FaultKind::ReplaceField {
                    ref pointer,
                    ref value,
                }) => rewrite_json(resp, |b| faults::replace_field(b, pointer, value)).await,
                Some(FaultKind::FreshCursors { keep_data }) => {
                    rewrite_json(resp, |b| {
                        faults::fresh_cursors(b, keep_data, sent_uri.as_deref())
                    })
                    .await
                }
                Some(FaultKind::PadBody { bytes }) => pad_body(resp, bytes).await,
                Some(FaultKind::EndlessBody) => endless_body(),
                _ => resp,
            }
        }
    };
    if let Some(u) = usage
        && let Ok(v) = HeaderValue::from_str(&u)
    {
        resp.headers_mut()
            .insert(HeaderName::from_static(CALL_LIMIT_HEADER), v);
    }
    // Header overrides go last, so they win over the usage header too.
    match &fault {
        Some(FaultKind::Header { name, value }) => set_header(&mut resp, name, value),
        Some(FaultKind::Respond { headers, .. }) => {
            for (name, value) in headers {
                set_header(&mut resp, name, value);
            }
        }
        _ => {}
    }
    account.stats().status(resp.status().as_u16());
    resp
}

async fn body_bytes(resp: Response) -> (axum::http::response::Parts, Bytes) {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

async fn reset_body(resp: Response, after: usize) -> Response {
    let (mut parts, bytes) = body_bytes(resp).await;
    let total = bytes.len();
    let cut = after.min(total.saturating_sub(1));
    let head = bytes.slice(..cut);
    // Let the headers and the first bytes go out, then fail the body: hyper aborts the
    // connection mid-body.
    let fail = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox fault: connection reset",
        ))
    });
    let first = futures::stream::iter([Ok::<Bytes, std::io::Error>(head)]);
    let stream = futures::StreamExt::chain(first, fail);
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, v);
    }
    Response::from_parts(parts, Body::from_stream(stream))
}

async fn truncate_body(resp: Response, keep: f64) -> Response {
    let (mut parts, bytes) = body_bytes(resp).await;
    let keep = ((bytes.len() as f64) * keep.clamp(0.0, 1.0)) as usize;
    let keep = keep.min(bytes.len().saturating_sub(1));
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes.slice(..keep)))
}

async fn malformed_body(resp: Response) -> Response {
    let (mut parts, bytes) = body_bytes(resp).await;
    let mut body = bytes.to_vec();
    // Drop the final closing brace and add a dangling comma and a stray token.
    if body.last() == Some(&b'}') {
        body.pop();
    }
    body.extend_from_slice(b",\"meta\":{nul}");
    parts.status = StatusCode::OK;
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// Sets one header, skipping names or values HTTP cannot carry.
pub(crate) fn set_header(resp: &mut Response, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        resp.headers_mut().insert(n, v);
    }
}

/// `status` with `{"error":{"msg":..}}` echoing every request header as `name: value`.
pub(crate) fn echo_headers(status: u16, headers: &axum::http::HeaderMap) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = headers
        .iter()
        .map(|(n, v)| format!("{}: {}", n.as_str(), String::from_utf8_lossy(v.as_bytes())))
        .collect::<Vec<_>>()
        .join("; ");
    ApiError::new(code, text).into_response()
}

/// A canned response with no headers of its own (the fault's are set by the pipeline, after
/// the usage header).
pub(crate) fn canned(status: u16, body: &str) -> Response {
    let mut r = Response::new(Body::from(body.to_owned()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r
}

/// Removes fresh cursors from the request's query; the URI as sent when it did.
fn drop_fresh_cursor(req: &mut Request) -> Option<String> {
    let sent = req.uri().path_and_query()?.as_str().to_owned();
    let query = faults::strip_fresh_cursor(req.uri().query()?)?;
    let path = req.uri().path();
    let new = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let pq = new.parse::<axum::http::uri::PathAndQuery>().ok()?;
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = Some(pq);
    *req.uri_mut() = axum::http::Uri::from_parts(parts).ok()?;
    Some(sent)
}

/// The response with its body rewritten by `f` (unchanged when `f` declines).
async fn rewrite_json(resp: Response, f: impl FnOnce(&[u8]) -> Option<Vec<u8>>) -> Response {
    let (mut parts, bytes) = body_bytes(resp).await;
    match f(&bytes) {
        Some(body) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(body))
        }
        None => Response::from_parts(parts, Body::from(bytes)),
    }
}

/// Spaces streamed as padding.
static SPACES: [u8; 64 * 1024] = [b' '; 64 * 1024];

async fn pad_body(resp: Response, min: u64) -> Response {
    let (mut parts, bytes) = body_bytes(resp).await;
    let len = bytes.len() as u64;
    let total = len.max(min);
    let pad = futures::stream::unfold(total - len, |left| async move {
        if left == 0 {
            return None;
        }
        let n = usize::try_from(left).map_or(SPACES.len(), |l| l.min(SPACES.len()));
        Some((
            Ok::<Bytes, std::io::Error>(Bytes::from_static(&SPACES[..n])),
            left - n as u64,
        ))
    });
    let first = futures::stream::iter([Ok::<Bytes, std::io::Error>(bytes)]);
    let stream = futures::StreamExt::chain(first, pad);
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        parts.headers.insert(header::CONTENT_LENGTH, v);
    }
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Safety bound of an endless body.
const ENDLESS_MAX_BYTES: u64 = 64 << 30;

fn endless_body() -> Response {
    static CHUNK: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    const ITEM: &[u8] = br#"{"id":1,"name":"x"},"#;
    let chunk = CHUNK
        .get_or_init(|| Bytes::from(ITEM.repeat(64 * 1024 / ITEM.len())))
        .clone();
    let head = futures::stream::iter([Ok::<Bytes, std::io::Error>(Bytes::from_static(
        b"{\"data\":[",
    ))]);
    let items = futures::stream::unfold(0u64, move |sent| {
        let chunk = chunk.clone();
        async move {
            if sent >= ENDLESS_MAX_BYTES {
                return None;
            }
            let n = chunk.len() as u64;
            Some((Ok::<Bytes, std::io::Error>(chunk), sent + n))
        }
    });
    let mut r = Response::new(Body::from_stream(futures::StreamExt::chain(head, items)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// 404 for unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::not_found()
}

/// 405 for known routes with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The specified HTTP method is not allowed.",
    )
}

/// The full application router: the admin routes and `api` (every object's routes) behind the
/// pipeline.
pub fn app(state: AppState, api: Router<AppState>) -> Router {
    let api = api
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pipeline,
        ));
    crate::admin::router()
        .merge(crate::oauth::router())
        .merge(api)
        .with_state(state)
}

/// The JSON body of an admin error.
pub fn admin_error(status: StatusCode, msg: &str) -> Response {
    json_text(status, json!({ "error": { "msg": msg } }).to_string())
}
