//! OAuth2 for any connector: a session that keeps an account's access token fresh for as long
//! as the refresh token lives, and the helpers of the consent flow that gets one.
//!
//! # The session ([`Credentials::oauth2`](crate::Credentials::oauth2))
//!
//! * **Where**: the token URL is the API base joined with the connector's declared path (for
//!   Gorgias `https://{sub}.gorgias.com/oauth/token`, or a loopback sandbox's `/oauth/token`).
//!   It is never configurable on its own, and a path that would leave the API's origin is
//!   refused: the client secret cannot be sent to another host.
//! * **How** (RFC 6749 §6, §2.3.1): `POST`, form-encoded, client authentication by HTTP Basic
//!   `client_id:client_secret`, `grant_type=refresh_token&refresh_token=..`. Token requests go
//!   through the account's pacer like API requests (they spend the same budget), and are
//!   retried like reads (429 after `Retry-After`, 5xx and transport errors with backoff).
//! * **When**: before expiry, computed from the access token's JWT `exp` claim (the payload is
//!   decoded, never verified: the connector only needs to know when the token ends). Gorgias
//!   sent `expires_in: 0` with 24 h tokens (gorgias/appstore-demo-app README), so `expires_in`
//!   is only a fallback for tokens without `exp`, when it is above 0; a token with neither is
//!   used until the API refuses it. The token is refreshed once it is within a fifth of its
//!   lifetime (at most five minutes) of its end ([`Expiry::due`]), checked right before each
//!   request is sent.
//! * **On a 401**: the token is refreshed once and the request sent again; a second 401 is
//!   [`Error::AuthRejected`]. Concurrent requests share one refresh (single flight): the first
//!   refreshes, the others wait for it and use its token.
//! * **Revoked**: a refresh answered `invalid_grant` is an [`Error::AuthRejected`] saying that the
//!   refresh token was revoked or expired and the app must be reconnected; it is not retried.
//! * **Secrets**: the client secret, the refresh token, every access (and ID) token ever issued
//!   and the Basic client pair (every encoding) are in the client's redactor from the moment they
//!   are known, so an upstream that echoes them cannot make an error print them.
//!
//! # Rotation ([`OAuth2::updates`])
//!
//! A token response that carries a *new* `refresh_token` rotates it (Gorgias's 2021 demo showed
//! none, "keep using the original"; whether Gorgias rotates today is UNCONFIRMED, so both are
//! supported). The session then patches the config document it was given (the refresh token and
//! the access token fields) and hands the whole updated config to the host's
//! [`ConfigSink`], waiting until the host has stored it **before** the new access token is used
//! for any request: a process that dies in between loses nothing (either the host has the new
//! config, or the new tokens were never used and the next run refreshes with what the host
//! has, which a server that rotated without invalidating still accepts). If the sink fails, the
//! request that needed the token fails with that reason and the new tokens stay unused; the next
//! request offers them to the sink again. Without a sink (an embedder that attached none) the
//! session keeps the new refresh token in memory and warns that the stored config may be stale.
//!
//! # The consent flow ([`AuthorizeRequest`], [`exchange_code`])
//!
//! A host sends the user's browser to [`AuthorizeRequest::url`] (authorization-code grant, with
//! `state` and `nonce` from the OS's CSPRNG unless given), receives `code` and `state` at its
//! redirect URI, checks `state`, and trades the code for tokens with [`exchange_code`]; the
//! refresh token goes into the connector's config.

use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder as _;
use base64::Engine as _;
use connector_sdk::control::{ConfigSink, ConfigUpdate};
use connector_sdk::redact::{Redactor, excerpt};
use connector_sdk::{Error, Result};
use reqwest::header::HeaderValue;
use serde_json::Value;

use crate::auth::{SharedRedactor, sensitive_header, unsendable};
use crate::client::{Client, RetryPolicy};
use crate::retry::{self, Decision, Failed, Tries};

/// The most a token is refreshed ahead of its end: five minutes (covers clock skew between this
/// machine and the server, and slow requests). Shorter tokens use a fifth of their lifetime.
pub const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// The most bytes of a token response read (a token response is a few KiB).
const MAX_TOKEN_RESPONSE_BYTES: u64 = 64 << 10;

/// The config fields (dotted paths, e.g. `auth.refresh_token`) an OAuth2 session's secrets
/// come from: errors name them, and a rotated refresh token is written back to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OAuth2Fields {
    /// The client (app) id.
    pub client_id: &'static str,
    /// The client secret.
    pub client_secret: &'static str,
    /// The refresh token.
    pub refresh_token: &'static str,
    /// The current access token (optional in the config).
    pub access_token: &'static str,
}

/// What an OAuth2 session starts from: the connector's declarations (token path, config
/// fields) and the account's secrets. Build it with [`OAuth2::new`], then
/// [`crate::Credentials::oauth2`].
pub struct OAuth2 {
    token_path: &'static str,
    fields: OAuth2Fields,
    client_id: String,
    client_secret: String,
    refresh_token: String,
    access_token: Option<String>,
    config: Option<Value>,
    sink: ConfigSink,
}

impl std::fmt::Debug for OAuth2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuth2")
            .field("token_path", &self.token_path)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("refresh_token", &"[redacted]")
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl OAuth2 {
    /// A session for `client_id`/`client_secret` refreshing with `refresh_token` at
    /// `token_path` (an absolute path such as `/oauth/token`, on the API base's host).
    pub fn new(
        token_path: &'static str,
        fields: OAuth2Fields,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        OAuth2 {
            token_path,
            fields,
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            access_token: None,
            config: None,
            sink: ConfigSink::none(),
        }
    }

    /// Starts from an access token already issued (used until it is due; refreshed first if it
    /// already is).
    pub fn access_token(mut self, token: Option<String>) -> Self {
        self.access_token = token.filter(|t| !t.is_empty());
        self
    }

    /// Where a rotated refresh token goes: `config` is the whole config document the session
    /// was built from; on rotation its refresh-token and access-token fields are replaced and the
    /// result handed to `sink` before the new tokens are used (see the module docs).
    pub fn updates(mut self, config: Value, sink: ConfigSink) -> Self {
        self.config = Some(config);
        self.sink = sink;
        self
    }

    /// Refuses secrets no header can carry, naming their field; the redactor of every secret.
    pub(crate) fn check(&self) -> Result<Redactor> {
        let f = &self.fields;
        let (_, mut redactor) = client_basic(&self.client_id, &self.client_secret, f)?;
        if self.refresh_token.is_empty() {
            return Err(Error::invalid_config(
                f.refresh_token,
                "is empty; paste it again",
            ));
        }
        redactor.add(&self.refresh_token);
        if let Some(token) = &self.access_token {
            redactor.add(token);
            if sensitive_header(&format!("Bearer {token}")).is_none() {
                return Err(unsendable(f.access_token));
            }
        }
        Ok(redactor)
    }
}

/// The HTTP Basic client authentication of a token request (RFC 6749 §2.3.1, as Gorgias's
/// demo sends it: `base64(client_id:client_secret)`), and the redactor of the secret, the pair
/// and the header; refuses, naming the field, what the header cannot carry.
fn client_basic(
    client_id: &str,
    client_secret: &str,
    f: &OAuth2Fields,
) -> Result<(HeaderValue, Redactor)> {
    if client_id.contains(':') {
        return Err(Error::invalid_config(
            f.client_id,
            "contains a colon, which HTTP Basic client authentication cannot carry; paste the app's client id again",
        ));
    }
    if client_secret.is_empty() {
        return Err(Error::invalid_config(
            f.client_secret,
            "is empty; paste it again",
        ));
    }
    let pair = format!("{client_id}:{client_secret}");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(&pair)
    );
    let mut redactor = Redactor::none();
    redactor.add(client_secret);
    redactor.add(&pair);
    redactor.add(&basic);
    let header = sensitive_header(&basic).ok_or_else(|| unsendable(f.client_id))?;
    Ok((header, redactor))
}

/// What a token endpoint answered: status, `Retry-After`, whether it was an HTML page, and
/// the body (at most [`MAX_TOKEN_RESPONSE_BYTES`]). No `Debug`: the body holds tokens.
pub(crate) struct FormAnswer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    pub(crate) html: bool,
    pub(crate) body: Vec<u8>,
}

impl FormAnswer {
    /// Reads `response` to `url`: a redirect is refused (it would carry the client secret
    /// along), a body beyond the cap is an error, `Retry-After` is read from `retry_after`.
    pub(crate) async fn read(
        mut response: reqwest::Response,
        url: &url::Url,
        retry_after: &reqwest::header::HeaderName,
    ) -> Result<Self> {
        let status = response.status().as_u16();
        let header = |name: &reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if (300..=399).contains(&status) {
            return Err(Error::upstream(
                status,
                "the token endpoint answered with a redirect, which the connector does not follow (it would carry the app's credentials along); check the subdomain or the base_url",
            ));
        }
        let retry_after = header(retry_after)
            .and_then(|v| crate::client::parse_retry_after(&v, chrono::Utc::now()));
        let html = header(&reqwest::header::CONTENT_TYPE)
            .is_some_and(|t| t.to_ascii_lowercase().contains("html"));
        let too_large = || Error::ResponseTooLarge {
            what: format!("POST {}", url.path()),
            limit_bytes: MAX_TOKEN_RESPONSE_BYTES,
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_TOKEN_RESPONSE_BYTES)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| crate::client::transport(&e))?
        {
            if (body.len() + chunk.len()) as u64 > MAX_TOKEN_RESPONSE_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FormAnswer {
            status,
            retry_after,
            html,
            body,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Expiry: pure, with the time passed in.

/// The times a JWT's payload states, in Unix milliseconds (decoded, not verified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JwtTimes {
    /// `exp`: when the token ends.
    pub exp: Option<i64>,
    /// `iat`: when it was issued.
    pub iat: Option<i64>,
}

/// The times of a JWT (`header.payload.signature`, base64url segments) without verifying it:
/// `None` for anything that is not a JWS in compact form with a JSON-object payload (an opaque
/// token). A claim that is not a positive finite number is absent.
pub fn jwt_times(token: &str) -> Option<JwtTimes> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.is_empty() || payload.len() > 16 << 10 {
        return None;
    }
    let payload = payload.trim_end_matches('=');
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(payload))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    let claims = claims.as_object()?;
    let time = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite() && *t > 0.0)
            // Float-to-integer casts saturate: a year-3000000 `exp` is just "far away".
            .map(|t| (t * 1000.0) as i64)
    };
    Some(JwtTimes {
        exp: time("exp"),
        iat: time("iat"),
    })
}

/// When an access token ends, as far as the connector can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Expiry {
    /// The end, in Unix milliseconds; `None`: unknown (used until the API refuses it).
    pub at: Option<i64>,
    /// How long it lived from issue (sets the refresh margin); `None`: unknown.
    pub lifetime: Option<i64>,
}

impl Expiry {
    /// The expiry of `token`: its JWT `exp` (lifetime from `iat`, else from `received`); else
    /// `expires_in` seconds after `received` when above 0; else unknown. `received` is when the
    /// token response arrived (Unix ms), `None` for a token taken from a config.
    pub fn of(token: &str, expires_in: Option<f64>, received: Option<i64>) -> Self {
        if let Some(JwtTimes {
            exp: Some(exp),
            iat,
        }) = jwt_times(token)
        {
            let lifetime = iat.or(received).map(|from| exp.saturating_sub(from));
            return Expiry {
                at: Some(exp),
                lifetime: lifetime.filter(|l| *l > 0),
            };
        }
        match (expires_in.filter(|s| s.is_finite() && *s > 0.0), received) {
            (Some(secs), Some(received)) => {
                let lifetime = (secs * 1000.0) as i64;
                Expiry {
                    at: Some(received.saturating_add(lifetime)),
                    lifetime: Some(lifetime),
                }
            }
            _ => Expiry::default(),
        }
    }

    /// How long before its end a token is refreshed: a fifth of its lifetime, at most
    /// [`MAX_REFRESH_MARGIN`] (the most, too, when the lifetime is unknown).
    pub fn margin(&self) -> i64 {
        let max = MAX_REFRESH_MARGIN.as_millis() as i64;
        match self.lifetime {
            Some(l) if l > 0 => (l / 5).min(max),
            _ => max,
        }
    }

    /// Whether a token with this expiry must be refreshed before a request sent at `now` (Unix
    /// ms): it ends within [`Expiry::margin`]. A token of unknown expiry never is.
    pub fn due(&self, now: i64) -> bool {
        self.at
            .is_some_and(|at| now.saturating_add(self.margin()) >= at)
    }
}

/// The wall clock, in Unix milliseconds.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

// ---------------------------------------------------------------------------------------------
// Token responses.

/// What a token endpoint issued (RFC 6749 §5.1). `Debug` shows no token.
#[derive(Clone, PartialEq)]
pub struct TokenSet {
    /// The access token.
    pub access_token: String,
    /// A refresh token, when the endpoint sent one (with Gorgias's `offline` scope).
    pub refresh_token: Option<String>,
    /// `expires_in` in seconds, when sent (Gorgias sent 0: read [`Expiry::of`] instead).
    pub expires_in: Option<f64>,
    /// The OpenID Connect ID token, when sent (with the `openid` scope).
    pub id_token: Option<String>,
    /// The granted scopes, space-separated, when sent.
    pub scope: Option<String>,
    /// `token_type` (`Bearer`), when sent.
    pub token_type: Option<String>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("token_type", &self.token_type)
            .finish_non_exhaustive()
    }
}

impl TokenSet {
    /// Every secret of the set (to add to a redactor).
    fn secrets(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.access_token.as_str())
            .chain(self.refresh_token.as_deref())
            .chain(self.id_token.as_deref())
    }
}

/// Which grant a token request made (the error of a refused one says what to do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    Refresh,
    Code,
}

/// The token set of a 2xx body; never echoes the body (it holds tokens).
fn parse_tokens(body: &[u8]) -> Result<TokenSet> {
    let bad = |why: &str| Error::invalid_response("an OAuth2 token response", why);
    let value: Value =
        serde_json::from_slice(body).map_err(|_| bad("the token endpoint's answer is not JSON"))?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("the token endpoint's answer is not a JSON object"))?;
    let string = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let access_token = string("access_token")
        .ok_or_else(|| bad("the token endpoint's answer has no access_token"))?;
    let expires_in = match obj.get("expires_in") {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    Ok(TokenSet {
        access_token,
        refresh_token: string("refresh_token"),
        expires_in,
        id_token: string("id_token"),
        scope: string("scope"),
        token_type: string("token_type"),
    })
}

/// The error of a refused token request (RFC 6749 §5.2: `{"error": .., "error_description":
/// ..}`), actionable, naming the config fields.
fn token_error(answer: &FormAnswer, grant: Grant, fields: &OAuth2Fields) -> Error {
    let status = answer.status;
    if status == 429 {
        return Error::RateLimited {
            retry_after: answer.retry_after,
            attempts: 1,
        };
    }
    let body: Option<Value> = serde_json::from_slice(&answer.body).ok();
    let field = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .map(|s| excerpt(s, 200))
    };
    let code = field("error");
    let description = field("error_description")
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let client = format!("check {} and {}", fields.client_id, fields.client_secret);
    match (code.as_deref(), grant) {
        (Some("invalid_grant"), Grant::Refresh) => Error::AuthRejected {
            message: format!(
                "the refresh token was revoked or expired (the token endpoint answered invalid_grant{description}): reconnect the app (the app was uninstalled or its access revoked, and a new consent gives a new refresh token), then put the new refresh token in {}",
                fields.refresh_token
            ),
        },
        (Some("invalid_grant"), Grant::Code) => Error::AuthRejected {
            message: format!(
                "the authorization code was refused (invalid_grant{description}): codes work once and briefly, and redirect_uri must be the one the consent used; start the consent again"
            ),
        },
        (Some("invalid_client"), _) => Error::AuthRejected {
            message: format!(
                "the token endpoint refused the app's credentials (invalid_client{description}); {client}"
            ),
        },
        (Some(code), _) => Error::upstream(
            status,
            format!(
                "the token endpoint answered {}{description}",
                excerpt(code, 80)
            ),
        ),
        (None, _) if status == 401 => Error::AuthRejected {
            message: format!("the token endpoint refused the app's credentials; {client}"),
        },
        (None, _) if answer.html => Error::upstream(
            status,
            "the token endpoint answered with an HTML page, not JSON: check the account's address",
        ),
        (None, _) => Error::upstream(
            status,
            format!(
                "the token endpoint answered {}",
                excerpt(&String::from_utf8_lossy(&answer.body), 200)
            ),
        ),
    }
}

/// The tokens of one answer, or the error saying why there are none.
fn answer_to_tokens(answer: &FormAnswer, grant: Grant, fields: &OAuth2Fields) -> Result<TokenSet> {
    if !(200..=299).contains(&answer.status) {
        return Err(token_error(answer, grant, fields));
    }
    if answer.html {
        return Err(Error::invalid_response(
            "an OAuth2 token response",
            "the token endpoint answered with an HTML page (a sign-in or proxy page), not JSON",
        ));
    }
    parse_tokens(&answer.body)
}

/// `value` at the dotted `path` of `doc`, creating objects on the way.
fn set_path(doc: &mut Value, path: &str, value: Value) {
    let mut node = doc;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if !node.is_object() {
            *node = Value::Object(serde_json::Map::new());
        }
        let Value::Object(map) = node else { return };
        if parts.peek().is_none() {
            map.insert(part.to_string(), value);
            return;
        }
        node = map
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
}

// ---------------------------------------------------------------------------------------------
// The session.

/// An access token in use: its header, its expiry, and which one it is.
#[derive(Clone)]
struct Issued {
    header: HeaderValue,
    expiry: Expiry,
    generation: u64,
}

/// The refresh side, behind the single-flight lock.
struct Refresher {
    refresh_token: String,
    config: Option<Value>,
    /// Tokens of a rotation the sink has not stored yet: not used until it has.
    pending: Option<Rotated>,
}

struct Rotated {
    access: HeaderValue,
    expiry: Expiry,
    refresh_token: String,
    config: Value,
}

/// One account's OAuth2 session (see the module docs).
pub(crate) struct Session {
    token_url: url::Url,
    basic: HeaderValue,
    fields: OAuth2Fields,
    sink: ConfigSink,
    redactor: SharedRedactor,
    current: RwLock<Option<Issued>>,
    refresher: tokio::sync::Mutex<Refresher>,
    generations: AtomicU64,
}

impl Session {
    /// The session of `oauth` for an API at `base`; the token URL is `base` joined with the
    /// declared path and must keep its origin (a connector bug otherwise).
    pub(crate) fn new(oauth: OAuth2, base: &url::Url, redactor: SharedRedactor) -> Result<Self> {
        let token_url = base
            .join(oauth.token_path)
            .ok()
            .filter(|u| {
                oauth.token_path.starts_with('/')
                    && !oauth.token_path.starts_with("//")
                    && u.origin() == base.origin()
            })
            .ok_or_else(|| {
                Error::internal(format!(
                    "the declared OAuth2 token path {:?} does not stay on the API's host",
                    oauth.token_path
                ))
            })?;
        let (basic, _) = client_basic(&oauth.client_id, &oauth.client_secret, &oauth.fields)?;
        let current = match &oauth.access_token {
            Some(token) => Some(Issued {
                header: sensitive_header(&format!("Bearer {token}"))
                    .ok_or_else(|| unsendable(oauth.fields.access_token))?,
                expiry: Expiry::of(token, None, None),
                generation: 0,
            }),
            None => None,
        };
        Ok(Session {
            token_url,
            basic,
            fields: oauth.fields,
            sink: oauth.sink,
            redactor,
            current: RwLock::new(current),
            refresher: tokio::sync::Mutex::new(Refresher {
                refresh_token: oauth.refresh_token,
                config: oauth.config,
                pending: None,
            }),
            generations: AtomicU64::new(0),
        })
    }

    /// The access token in use if it is not due at `now`.
    fn fresh(&self, now: i64) -> Option<Issued> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.as_ref().filter(|i| !i.expiry.due(now)).cloned()
    }

    /// The header for the next request and which token it carries: the current token, or a
    /// refreshed one when it is due (one refresh however many requests ask at once).
    pub(crate) async fn header(
        &self,
        client: &Client,
        deadline: tokio::time::Instant,
    ) -> Result<(HeaderValue, u64)> {
        if let Some(i) = self.fresh(now_ms()) {
            return Ok((i.header, i.generation));
        }
        let mut refresher = self.refresher.lock().await;
        // Another request may have refreshed while this one waited for the lock.
        if let Some(i) = self.fresh(now_ms()) {
            return Ok((i.header, i.generation));
        }
        let i = self.renew(&mut refresher, client, deadline).await?;
        Ok((i.header, i.generation))
    }

    /// The API refused token `generation`: refresh, unless another request already replaced it.
    pub(crate) async fn rejected(
        &self,
        client: &Client,
        generation: u64,
        deadline: tokio::time::Instant,
    ) -> Result<()> {
        let mut refresher = self.refresher.lock().await;
        if self
            .fresh(now_ms())
            .is_some_and(|i| i.generation != generation)
        {
            return Ok(());
        }
        tracing::debug!("the API refused the access token: refreshing it once");
        self.renew(&mut refresher, client, deadline)
            .await
            .map(|_| ())
    }

    /// Gets a new access token (or hands over a rotation still waiting for the sink).
    async fn renew(
        &self,
        refresher: &mut Refresher,
        client: &Client,
        deadline: tokio::time::Instant,
    ) -> Result<Issued> {
        if let Some(rotated) = refresher.pending.take() {
            return self.hand_over(refresher, rotated).await;
        }
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresher.refresh_token.as_str()),
        ];
        let tokens = self.request(client, &form, deadline).await?;
        let received = now_ms();
        let access =
            sensitive_header(&format!("Bearer {}", tokens.access_token)).ok_or_else(|| {
                Error::invalid_response(
                    "an OAuth2 token response",
                    "the access token holds characters that cannot be sent in an HTTP header",
                )
            })?;
        let mut expiry = Expiry::of(&tokens.access_token, tokens.expires_in, Some(received));
        if expiry.due(received) {
            // This machine's clock is ahead of the server's (or the server issued a token
            // already at its end): refreshing before each request would never stop.
            tracing::warn!(
                "the new access token is already at its end by this machine's clock; check the clock: the token is used until the API refuses it"
            );
            expiry = Expiry::default();
        }
        match tokens.refresh_token {
            Some(new) if new != refresher.refresh_token => {
                let Some(mut config) = refresher.config.clone() else {
                    tracing::warn!(
                        "the token endpoint rotated the refresh token and no config document was given to update: the new refresh token lives only in this process"
                    );
                    refresher.refresh_token = new;
                    return Ok(self.install(access, expiry));
                };
                set_path(
                    &mut config,
                    self.fields.refresh_token,
                    Value::String(new.clone()),
                );
                set_path(
                    &mut config,
                    self.fields.access_token,
                    Value::String(tokens.access_token.clone()),
                );
                let rotated = Rotated {
                    access,
                    expiry,
                    refresh_token: new,
                    config,
                };
                self.hand_over(refresher, rotated).await
            }
            _ => Ok(self.install(access, expiry)),
        }
    }

    /// Hands a rotation's config to the sink and, once it is stored, puts its tokens in use.
    async fn hand_over(&self, refresher: &mut Refresher, rotated: Rotated) -> Result<Issued> {
        let update = ConfigUpdate {
            config: rotated.config.clone(),
        };
        match self.sink.send(update).await {
            Ok(stored) => {
                if !stored {
                    tracing::warn!(
                        "the token endpoint rotated the refresh token and no host stores updated configs: the stored config's refresh token may stop working after this run (reconnect the app then)"
                    );
                }
                refresher.refresh_token = rotated.refresh_token;
                refresher.config = Some(rotated.config);
                Ok(self.install(rotated.access, rotated.expiry))
            }
            Err(e) => {
                refresher.pending = Some(rotated);
                Err(Error::internal(format!(
                    "the token endpoint issued a new refresh token (the old one may no longer work), but the host could not store the updated config: {e}; the new tokens were not used, and are offered to the host again with the next request"
                )))
            }
        }
    }

    /// Puts an access token in use.
    fn install(&self, header: HeaderValue, expiry: Expiry) -> Issued {
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        let issued = Issued {
            header,
            expiry,
            generation,
        };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(issued.clone());
        issued
    }

    /// One token request with retries, paced by `client`; every token it returns is in the
    /// redactor before this returns.
    async fn request(
        &self,
        client: &Client,
        form: &[(&str, &str)],
        deadline: tokio::time::Instant,
    ) -> Result<TokenSet> {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let options = client.retry_options();
        let mut backoff = backon::ExponentialBuilder::default()
            .with_min_delay(options.min_delay)
            .with_max_delay(options.max_delay)
            .with_max_times(options.max_retries)
            .with_jitter()
            .build();
        let mut tries = Tries::default();
        loop {
            let result = client
                .post_form(&self.token_url, &self.basic, body.clone(), deadline)
                .await
                .and_then(|a| answer_to_tokens(&a, Grant::Refresh, &self.fields));
            let error = match result {
                Ok(tokens) => {
                    for secret in tokens.secrets() {
                        self.redactor.add(secret);
                        self.redactor.add(&format!("Bearer {secret}"));
                    }
                    return Ok(tokens);
                }
                Err(e) => e,
            };
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let decision = retry::decide(
                Failed::Error(&error),
                RetryPolicy::Idempotent,
                options,
                &mut tries,
                remaining,
                || backoff.next(),
            );
            match decision {
                Decision::Retry { wait } => {
                    tracing::debug!(?wait, error = %self.redactor.scrub_error(error), "retrying the token request");
                    tokio::time::sleep(wait).await;
                }
                Decision::Fail => return Err(error),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The consent flow.

/// The authorization request of the consent flow (authorization-code grant, RFC 6749 §4.1).
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// The authorization endpoint, e.g. `https://acme.gorgias.com/oauth/authorize`.
    pub endpoint: &'a url::Url,
    /// The app's client id.
    pub client_id: &'a str,
    /// Where the browser is sent back (one of the app's registered redirect URLs).
    pub redirect_uri: &'a str,
    /// The scopes asked for (e.g. what the streams and actions in use declare).
    pub scopes: &'a [String],
    /// Scopes always asked for, first (Gorgias: `openid`, `offline` for a refresh token).
    pub required_scopes: &'a [&'a str],
    /// The CSRF `state`; `None`: a fresh random one.
    pub state: Option<&'a str>,
    /// The OpenID Connect `nonce`; `None`: a fresh random one.
    pub nonce: Option<&'a str>,
}

/// Where to send the user's browser, and the `state` and `nonce` to check when it comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorize {
    /// The authorization URL.
    pub url: url::Url,
    /// The `state` the redirect must carry back.
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
}

impl AuthorizeRequest<'_> {
    /// The URL: `endpoint?response_type=code&client_id=..&scope=..&redirect_uri=..&state=..&nonce=..`,
    /// scopes space-separated, required ones first, each once. Refuses an endpoint that is
    /// neither https nor loopback, an empty client id, and a redirect URI that is not an
    /// absolute URL.
    pub fn url(&self) -> Result<Authorize> {
        if self.endpoint.scheme() != "https" && !crate::client::is_loopback(self.endpoint) {
            return Err(Error::invalid_config(
                "authorize_url",
                "must use https unless it is a loopback address",
            ));
        }
        if self.client_id.trim().is_empty() {
            return Err(Error::invalid_config(
                "client_id",
                "is empty; give the app's client id",
            ));
        }
        if url::Url::parse(self.redirect_uri).is_err() {
            return Err(Error::invalid_config(
                "redirect_uri",
                "must be an absolute URL, one of the app's registered redirect URLs",
            ));
        }
        let mut scopes: Vec<&str> = Vec::new();
        for s in self
            .required_scopes
            .iter()
            .copied()
            .chain(self.scopes.iter().map(String::as_str))
            .flat_map(str::split_whitespace)
        {
            if !scopes.contains(&s) {
                scopes.push(s);
            }
        }
        let state = match self.state {
            Some(s) => s.to_string(),
            None => random_token()?,
        };
        let nonce = match self.nonce {
            Some(n) => n.to_string(),
            None => random_token()?,
        };
        let mut url = self.endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("redirect_uri", self.redirect_uri)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce);
        Ok(Authorize { url, state, nonce })
    }
}

/// 32 bytes from the operating system's CSPRNG, base64url: a `state` or `nonce`.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(format!("the system's random source failed: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The code exchange of the consent flow. `Debug` shows neither the secret nor the code.
#[derive(Clone)]
pub struct CodeExchange<'a> {
    /// The token endpoint, e.g. `https://acme.gorgias.com/oauth/token`.
    pub token_url: &'a url::Url,
    /// The app's client id.
    pub client_id: &'a str,
    /// The app's client secret.
    pub client_secret: &'a str,
    /// The code the redirect carried.
    pub code: &'a str,
    /// The redirect URI of the authorization request (identical).
    pub redirect_uri: &'a str,
    /// Config field names for errors.
    pub fields: OAuth2Fields,
}

impl std::fmt::Debug for CodeExchange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("token_url", &self.token_url.as_str())
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("code", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// Trades an authorization code for tokens: `POST token_url`, form-encoded, HTTP Basic client
/// authentication, `grant_type=authorization_code&code=..&redirect_uri=..` (RFC 6749 §4.1.3),
/// once (a code works once), within `timeout`, over `http` (build it with
/// [`Client::shared_http`]: no redirects). Errors never carry the secret, the code or a token.
pub async fn exchange_code(
    http: &reqwest::Client,
    exchange: &CodeExchange<'_>,
    timeout: Duration,
) -> Result<TokenSet> {
    let t = exchange.token_url;
    if t.scheme() != "https" && !crate::client::is_loopback(t) {
        return Err(Error::invalid_config(
            "token_url",
            "must use https unless it is a loopback address",
        ));
    }
    let (basic, mut redactor) =
        client_basic(exchange.client_id, exchange.client_secret, &exchange.fields)?;
    redactor.add(exchange.code);
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("grant_type", "authorization_code"),
            ("code", exchange.code),
            ("redirect_uri", exchange.redirect_uri),
        ])
        .finish();
    let result = async {
        let response = http
            .post(t.clone())
            .header(reqwest::header::AUTHORIZATION, basic)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| crate::client::transport(&e))?;
        let answer = FormAnswer::read(response, t, &reqwest::header::RETRY_AFTER).await?;
        answer_to_tokens(&answer, Grant::Code, &exchange.fields)
    }
    .await;
    result.map_err(|e| redactor.scrub_error(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.c2lnbmF0dXJl",
            b(r#"{"alg":"RS256","typ":"JWT"}"#),
            b(claims)
        )
    }

    /// JWT times from every shape a token may have: real ones, and malformed or opaque ones
    /// (which have none, without panicking).
    #[test]
    fn jwt_times_as_a_table() {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let t = |exp, iat| Some(JwtTimes { exp, iat });
        for (token, want) in [
            (
                jwt(r#"{"exp":1700086400,"iat":1700000000}"#),
                t(Some(1_700_086_400_000), Some(1_700_000_000_000)),
            ),
            (
                jwt(r#"{"exp":1700000000.5}"#),
                t(Some(1_700_000_000_500), None),
            ),
            (
                jwt(r#"{"sub":"1","scope":"openid offline"}"#),
                t(None, None),
            ),
            (jwt(r#"{"exp":"1700000000"}"#), t(None, None)),
            (jwt(r#"{"exp":-5,"iat":0}"#), t(None, None)),
            (jwt(r#"{"exp":1e300}"#), t(Some(i64::MAX), None)),
            (jwt(r#"{"exp":null}"#), t(None, None)),
            (jwt(r#"[1,2]"#), None),
            (jwt("not json"), None),
            (format!("{}.{}", b("{}"), b(r#"{"exp":1}"#)), None),
            (format!("a.{}.c.d", b(r#"{"exp":1}"#)), None),
            (
                format!("a.{}=.c", b(r#"{"exp":1700000000}"#)),
                t(Some(1_700_000_000_000), None),
            ),
            ("a.!!!.c".to_string(), None),
            ("a..c".to_string(), None),
            ("opaque-token-0123".to_string(), None),
            (String::new(), None),
            ("..".to_string(), None),
        ] {
            assert_eq!(jwt_times(&token), want, "{token}");
        }
    }

    /// Whether a token is refreshed before a request at `now`, for every kind of token: the
    /// JWT `exp` wins over `expires_in` (Gorgias sent 0 with 24 h tokens), `expires_in` is the
    /// fallback when above 0, an opaque token without it is used until a 401.
    #[test]
    fn expiry_decisions_as_a_table() {
        const H: i64 = 3_600_000;
        let t0 = 1_700_000_000_000_i64; // when the token response arrived
        let day = jwt(&format!(
            r#"{{"iat":{},"exp":{}}}"#,
            t0 / 1000,
            t0 / 1000 + 86_400
        ));
        let short = jwt(&format!(
            r#"{{"iat":{},"exp":{}}}"#,
            t0 / 1000,
            t0 / 1000 + 2
        ));
        let no_iat = jwt(&format!(r#"{{"exp":{}}}"#, t0 / 1000 + 3600));
        let past = jwt(r#"{"exp":1000}"#);
        for (what, token, expires_in, received, now, due) in [
            ("24 h JWT, fresh", &day, Some(0.0), Some(t0), t0 + H, false),
            (
                "24 h JWT, 6 min left",
                &day,
                Some(0.0),
                Some(t0),
                t0 + 24 * H - 360_000,
                false,
            ),
            (
                "24 h JWT, 5 min left",
                &day,
                Some(0.0),
                Some(t0),
                t0 + 24 * H - 300_000,
                true,
            ),
            (
                "24 h JWT, expired",
                &day,
                Some(0.0),
                Some(t0),
                t0 + 25 * H,
                true,
            ),
            (
                "exp wins over expires_in",
                &day,
                Some(60.0),
                Some(t0),
                t0 + 120_000,
                false,
            ),
            (
                "2 s JWT, 1.5 s old",
                &short,
                None,
                Some(t0),
                t0 + 1_500,
                false,
            ),
            (
                "2 s JWT, 1.6 s old",
                &short,
                None,
                Some(t0),
                t0 + 1_600,
                true,
            ),
            (
                "JWT without iat, from config",
                &no_iat,
                None,
                None,
                t0 + 3_000_000,
                false,
            ),
            (
                "JWT without iat, 5 min left",
                &no_iat,
                None,
                None,
                t0 + 3_300_000,
                true,
            ),
            ("already expired JWT", &past, None, None, t0, true),
            (
                "opaque with expires_in",
                &"opaque".to_string(),
                Some(3600.0),
                Some(t0),
                t0 + 3_200_000,
                false,
            ),
            (
                "opaque with expires_in, due",
                &"opaque".to_string(),
                Some(3600.0),
                Some(t0),
                t0 + 3_300_000,
                true,
            ),
            (
                "opaque, expires_in 0",
                &"opaque".to_string(),
                Some(0.0),
                Some(t0),
                t0 + 100 * H,
                false,
            ),
            (
                "opaque, no expires_in",
                &"opaque".to_string(),
                None,
                Some(t0),
                i64::MAX,
                false,
            ),
            (
                "opaque from config",
                &"opaque".to_string(),
                Some(3600.0),
                None,
                i64::MAX,
                false,
            ),
            (
                "NaN expires_in",
                &"opaque".to_string(),
                Some(f64::NAN),
                Some(t0),
                i64::MAX,
                false,
            ),
        ] {
            let e = Expiry::of(token, expires_in, received);
            assert_eq!(e.due(now), due, "{what}: {e:?}");
        }
        assert_eq!(Expiry::of(&short, None, Some(t0)).margin(), 400);
        assert_eq!(Expiry::of(&day, None, Some(t0)).margin(), 300_000);
        assert_eq!(Expiry::default().margin(), 300_000);
    }

    #[test]
    fn the_authorize_url_asks_for_a_refresh_token_and_encodes_everything() {
        let endpoint: url::Url = "https://acme.gorgias.com/oauth/authorize".parse().unwrap();
        let scopes = ["tickets:read".to_string(), "offline users:read".to_string()];
        let a = AuthorizeRequest {
            endpoint: &endpoint,
            client_id: "app-1",
            redirect_uri: "https://host.example/cb?x=1&y=2",
            scopes: &scopes,
            required_scopes: &["openid", "offline"],
            state: Some("st&ate"),
            nonce: Some("n0nce"),
        }
        .url()
        .unwrap();
        assert_eq!(
            a.url.as_str(),
            "https://acme.gorgias.com/oauth/authorize?response_type=code&client_id=app-1&scope=openid+offline+tickets%3Aread+users%3Aread&redirect_uri=https%3A%2F%2Fhost.example%2Fcb%3Fx%3D1%26y%3D2&state=st%26ate&nonce=n0nce"
        );
        assert_eq!((a.state.as_str(), a.nonce.as_str()), ("st&ate", "n0nce"));
        // Generated state and nonce: 32 random bytes each, never twice the same.
        let make = || {
            AuthorizeRequest {
                endpoint: &endpoint,
                client_id: "app-1",
                redirect_uri: "https://host.example/cb",
                scopes: &[],
                required_scopes: &["openid", "offline"],
                state: None,
                nonce: None,
            }
            .url()
            .unwrap()
        };
        let (x, y) = (make(), make());
        assert_eq!(x.state.len(), 43);
        assert!(x.state != y.state && x.nonce != y.nonce && x.state != x.nonce);
        assert!(
            x.url.as_str().contains("scope=openid+offline&"),
            "{}",
            x.url
        );
        for (endpoint, client, redirect, field) in [
            (
                "http://acme.example/oauth/authorize",
                "app",
                "https://h/cb",
                "authorize_url",
            ),
            (
                "https://acme.example/oauth/authorize",
                " ",
                "https://h/cb",
                "client_id",
            ),
            (
                "https://acme.example/oauth/authorize",
                "app",
                "/cb",
                "redirect_uri",
            ),
        ] {
            let endpoint: url::Url = endpoint.parse().unwrap();
            let e = AuthorizeRequest {
                endpoint: &endpoint,
                client_id: client,
                redirect_uri: redirect,
                scopes: &[],
                required_scopes: &[],
                state: None,
                nonce: None,
            }
            .url()
            .unwrap_err()
            .to_string();
            assert!(e.starts_with(&format!("invalid config: {field}:")), "{e}");
        }
    }

    const FIELDS: OAuth2Fields = OAuth2Fields {
        client_id: "auth.client_id",
        client_secret: "auth.client_secret",
        refresh_token: "auth.refresh_token",
        access_token: "auth.access_token",
    };

    fn answer(status: u16, body: &str) -> FormAnswer {
        FormAnswer {
            status,
            retry_after: None,
            html: false,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn token_answers_and_refusals_in_words() {
        let t = answer_to_tokens(
            &answer(200, r#"{"access_token":"a.b.c","expires_in":"0","refresh_token":"r","scope":"openid","token_type":"Bearer","id_token":"i"}"#),
            Grant::Refresh,
            &FIELDS,
        )
        .unwrap();
        assert_eq!(t.access_token, "a.b.c");
        assert_eq!(t.expires_in, Some(0.0));
        assert_eq!(t.secrets().collect::<Vec<_>>(), ["a.b.c", "r", "i"]);
        assert!(!format!("{t:?}").contains("a.b.c"));
        for (status, body, grant, starts) in [
            (
                400,
                r#"{"error":"invalid_grant"}"#,
                Grant::Refresh,
                "authentication rejected: the refresh token was revoked or expired (the token endpoint answered invalid_grant): reconnect the app",
            ),
            (
                400,
                r#"{"error":"invalid_grant","error_description":"used"}"#,
                Grant::Code,
                "authentication rejected: the authorization code was refused (invalid_grant (used))",
            ),
            (
                401,
                r#"{"error":"invalid_client"}"#,
                Grant::Refresh,
                "authentication rejected: the token endpoint refused the app's credentials (invalid_client); check auth.client_id and auth.client_secret",
            ),
            (
                401,
                "Unauthorized",
                Grant::Refresh,
                "authentication rejected: the token endpoint refused the app's credentials",
            ),
            (
                400,
                r#"{"error":"invalid_scope"}"#,
                Grant::Refresh,
                "upstream error 400: the token endpoint answered invalid_scope",
            ),
            (
                503,
                "down",
                Grant::Refresh,
                "upstream error 503: the token endpoint answered down",
            ),
            (429, "{}", Grant::Refresh, "rate limited"),
            (
                200,
                "{}",
                Grant::Refresh,
                "invalid response: expected an OAuth2 token response: the token endpoint's answer has no access_token",
            ),
            (
                200,
                "[1]",
                Grant::Refresh,
                "invalid response: expected an OAuth2 token response: the token endpoint's answer is not a JSON object",
            ),
            (
                200,
                "{\"access_token\":\"secret-tok",
                Grant::Refresh,
                "invalid response: expected an OAuth2 token response: the token endpoint's answer is not JSON",
            ),
        ] {
            let e = answer_to_tokens(&answer(status, body), grant, &FIELDS)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(starts), "{status} {body}: {e}");
            assert!(!e.contains("secret-tok"), "{e}");
        }
        assert!(
            answer_to_tokens(&answer(503, "x"), Grant::Refresh, &FIELDS)
                .unwrap_err()
                .is_retryable()
        );
    }

    #[test]
    fn a_code_exchange_shows_no_secret() {
        let url: url::Url = "https://acme.gorgias.com/oauth/token".parse().unwrap();
        let e = CodeExchange {
            token_url: &url,
            client_id: "app",
            client_secret: "CANARY-secret",
            code: "CANARY-code",
            redirect_uri: "https://h/cb",
            fields: FIELDS,
        };
        assert!(!format!("{e:?}").contains("CANARY"));
    }

    #[test]
    fn config_paths_are_set_creating_objects() {
        let mut doc =
            serde_json::json!({"auth": {"type": "oauth2", "refresh_token": "old"}, "x": 1});
        set_path(&mut doc, "auth.refresh_token", Value::String("new".into()));
        set_path(&mut doc, "auth.access_token", Value::String("at".into()));
        set_path(&mut doc, "deep.er.field", Value::Bool(true));
        assert_eq!(
            doc,
            serde_json::json!({"auth": {"type": "oauth2", "refresh_token": "new", "access_token": "at"}, "x": 1, "deep": {"er": {"field": true}}})
        );
    }

    #[test]
    fn secrets_are_checked_by_field_and_never_shown() {
        let ok = OAuth2::new("/oauth/token", FIELDS, "app", "CANARY-cs", "CANARY-rt")
            .access_token(Some("CANARY-at".into()));
        assert!(!format!("{ok:?}").contains("CANARY"));
        let r = ok.check().unwrap();
        let basic = base64::engine::general_purpose::STANDARD.encode("app:CANARY-cs");
        for s in ["CANARY-cs", "CANARY-rt", "CANARY-at", &basic] {
            assert!(r.leaks(s), "{s}");
        }
        for (oauth, field) in [
            (OAuth2::new("/t", FIELDS, "a:b", "s", "r"), "auth.client_id"),
            (
                OAuth2::new("/t", FIELDS, "a", "", "r"),
                "auth.client_secret",
            ),
            (
                OAuth2::new("/t", FIELDS, "a", "s", ""),
                "auth.refresh_token",
            ),
            (
                OAuth2::new("/t", FIELDS, "a", "s", "r").access_token(Some("x\u{7f}".into())),
                "auth.access_token",
            ),
        ] {
            let e = oauth.check().unwrap_err().to_string();
            assert!(e.starts_with(&format!("invalid config: {field}:")), "{e}");
        }
    }

    #[test]
    fn the_token_url_stays_on_the_api_host() {
        let base: url::Url = "https://acme.gorgias.com/".parse().unwrap();
        let session = |path| {
            Session::new(
                OAuth2::new(path, FIELDS, "a", "s", "r"),
                &base,
                SharedRedactor::default(),
            )
        };
        assert_eq!(
            session("/oauth/token").unwrap().token_url.as_str(),
            "https://acme.gorgias.com/oauth/token"
        );
        for bad in [
            "//evil.example/oauth/token",
            "https://evil.example/t",
            "oauth/token",
        ] {
            let e = session(bad).err().expect(bad).to_string();
            assert!(e.contains("does not stay on the API's host"), "{e}");
        }
    }
}
