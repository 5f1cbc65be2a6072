//! Gorgias's OAuth2 for public apps: the authorization, token and revocation endpoints, and the
//! access tokens `/api` accepts as Bearer tokens.
//!
//! Facts followed (gorgias/appstore-demo-app README; developers.gorgias.com/docs/oauth2-bearer-token,
//! /docs/set-up-oauth2-app-store, /docs/oauth2-scopes):
//!
//! - `GET /oauth/authorize?response_type=code&client_id=..&scope=..&redirect_uri=..&state=..&nonce=..`
//!   answers `302` to `redirect_uri?code=..&state=..`. The real endpoint shows a consent screen to
//!   a logged-in user; the sandbox consents at once (non-interactive). An unknown `client_id` or
//!   an unusable `redirect_uri` is a `400` page (never a redirect, RFC 6749 §4.1.2.1); another
//!   `response_type` redirects with `error=unsupported_response_type`.
//! - `POST /oauth/token`, form-encoded, client authentication by HTTP Basic
//!   `client_id:client_secret`: `grant_type=authorization_code` (`code`, the same
//!   `redirect_uri`; a code works once, for ten minutes) answers `{access_token, expires_in,
//!   id_token (with openid), refresh_token (with offline), scope, token_type: "Bearer"}`;
//!   `grant_type=refresh_token` answers `{access_token, expires_in, scope, token_type}`: no new
//!   refresh token, as in Gorgias's demo, unless [`OAuthOptions::rotate_refresh_tokens`] is on
//!   (then a new one, and the old one is refused from then on: Gorgias's current behaviour is
//!   UNCONFIRMED). Errors are RFC 6749 §5.2 bodies: `400 {"error":"invalid_grant"}` (unknown,
//!   used, expired or revoked code or refresh token), `401 {"error":"invalid_client"}`, `400
//!   {"error":"unsupported_grant_type"}`, `400 {"error":"invalid_request"}`.
//! - Access tokens are JWT-shaped (`header.payload.signature`, base64url; the "signature" is
//!   random bytes: the sandbox remembers what it issued instead of verifying) with the demo's
//!   claims `iss` `https://{sub}.gorgias.com`, `sub` (the owner's user id), `aud`
//!   `https://{sub}.gorgias.com/api`, `iat`, `exp`, `azp` (the client id), `jti`, `scope`. They
//!   live [`OAuthOptions::access_token_lifetime`] (24 h as in the demo), and `expires_in` is `0`
//!   as the demo showed, unless [`OAuthOptions::report_expires_in`].
//! - `POST /oauth/revoke` with `token=<refresh_token>` answers `200 {}` (also for unknown
//!   tokens, RFC 7009 §2.2); the refresh token is refused afterwards, and access tokens already
//!   issued stay valid until their `exp` (they are stateless JWTs).
//! - `/api` accepts an issued access token until its `exp` (then `401`), counted against the
//!   OAuth2 budget (80 per 20 s), like the static bearer token.
//!
//! Sandbox choices where nothing public settles the behaviour: token requests do not count
//! against the account's rate-limit bucket (UNCONFIRMED); client credentials in the form body
//! instead of HTTP Basic are refused with `invalid_client` (UNCONFIRMED whether Gorgias accepts
//! them); revocation also takes HTTP Basic client authentication (RFC 7009 §2.1); any absolute
//! http(s) `redirect_uri` is accepted unless [`OAuthOptions::redirect_uris`] lists the
//! registered ones; scopes are recorded, not enforced. The account is the one the `Host`
//! subdomain names, else the one whose app the client id is. Fault rules whose prefix matches
//! `/oauth/token` (`status`, `echo_headers`, `respond`, `rate_limit_burst`) apply to it too.

use crate::auth::{self, Presented};
use crate::faults::FaultKind;
use crate::server::{Account, AppState, json_text};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How the OAuth2 endpoints behave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthOptions {
    /// How long an access token lives (`exp - iat`, whole seconds, at least 1). Default 24 h.
    pub access_token_lifetime: Duration,
    /// Answer a refresh with a new refresh token and refuse the old one from then on.
    /// Default off (Gorgias's demo showed no rotation).
    pub rotate_refresh_tokens: bool,
    /// Send the real lifetime as `expires_in` instead of `0` (what Gorgias's demo sent).
    pub report_expires_in: bool,
    /// The app's registered redirect URLs; empty: any absolute http(s) URL.
    pub redirect_uris: Vec<String>,
}

impl Default for OAuthOptions {
    fn default() -> Self {
        Self {
            access_token_lifetime: Duration::from_secs(86_400),
            rotate_refresh_tokens: false,
            report_expires_in: false,
            redirect_uris: Vec::new(),
        }
    }
}

impl OAuthOptions {
    /// Builder: the access-token lifetime.
    #[must_use]
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Builder: refresh-token rotation on or off.
    #[must_use]
    pub fn rotate_refresh_tokens(mut self, on: bool) -> Self {
        self.rotate_refresh_tokens = on;
        self
    }

    /// Builder: send the real `expires_in`.
    #[must_use]
    pub fn report_expires_in(mut self, on: bool) -> Self {
        self.report_expires_in = on;
        self
    }

    fn lifetime_secs(&self) -> i64 {
        let secs = self.access_token_lifetime.as_secs_f64().ceil();
        (secs as i64).max(1)
    }
}

/// The most access tokens an account remembers (expired ones are dropped first).
const MAX_ACCESS_TOKENS: usize = 10_000;

/// How long an authorization code works.
const CODE_LIFETIME_SECS: f64 = 600.0;

#[derive(Debug, Clone)]
struct Code {
    redirect_uri: String,
    scope: String,
    nonce: Option<String>,
    expires: f64,
    used: bool,
}

#[derive(Debug, Clone)]
struct Grant {
    scope: String,
    revoked: bool,
}

/// One account's OAuth2 state: codes, refresh tokens, issued access tokens.
pub struct OAuthAccount {
    rng: ChaCha8Rng,
    codes: HashMap<String, Code>,
    refresh: HashMap<String, Grant>,
    /// Access token -> its `exp` (Unix seconds) and whether a test hook invalidated it.
    access: HashMap<String, (i64, bool)>,
}

impl std::fmt::Debug for OAuthAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthAccount")
            .field("codes", &self.codes.len())
            .field("refresh_tokens", &self.refresh.len())
            .field("access_tokens", &self.access.len())
            .finish()
    }
}

/// The scopes of the consent the seeded refresh token stands for.
pub const SEEDED_SCOPE: &str = "openid offline write:all";

impl OAuthAccount {
    /// The state of a new account: its seeded refresh token granted.
    pub fn new(seed: u64, refresh_token: &str) -> Self {
        let mut refresh = HashMap::new();
        refresh.insert(
            refresh_token.to_owned(),
            Grant {
                scope: SEEDED_SCOPE.to_owned(),
                revoked: false,
            },
        );
        Self {
            rng: ChaCha8Rng::seed_from_u64(crate::seed::mix(seed, 0x0A07_4B2E)),
            codes: HashMap::new(),
            refresh,
            access: HashMap::new(),
        }
    }

    fn random(&mut self, bytes: usize) -> String {
        let mut b = vec![0u8; bytes];
        self.rng.fill_bytes(&mut b);
        URL_SAFE_NO_PAD.encode(b)
    }

    /// Whether `token` is an issued access token, unexpired at `now` (Unix seconds).
    pub fn accepts(&self, token: &str, now: f64) -> bool {
        self.access
            .get(token)
            .is_some_and(|(exp, invalid)| !invalid && now < *exp as f64)
    }

    /// Every access token issued and still remembered (introspection for tests: a secret
    /// canary looks for them in a client's output).
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.access.keys().cloned().collect()
    }

    /// Refuses every access token issued so far; later ones work (a test hook standing for any
    /// server-side reason to refuse a token before its `exp`).
    pub fn invalidate_access_tokens(&mut self) {
        for (_, invalid) in self.access.values_mut() {
            *invalid = true;
        }
    }

    /// Revokes a refresh token; whether it was one.
    pub fn revoke(&mut self, token: &str) -> bool {
        match self.refresh.get_mut(token) {
            Some(g) => {
                g.revoked = true;
                true
            }
            None => false,
        }
    }

    fn jwt(&mut self, claims: &Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT","kid":"sandbox"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        format!("{header}.{payload}.{}", self.random(64))
    }

    fn issue_access(&mut self, ctx: &Issuer<'_>, scope: &str, now: f64) -> (String, i64) {
        let iat = now.floor() as i64;
        let exp = iat + ctx.options.lifetime_secs();
        let jti = self.random(16);
        let base = format!("https://{}.gorgias.com", ctx.subdomain);
        let token = self.jwt(&json!({
            "iss": base,
            "sub": ctx.user_id.to_string(),
            "aud": format!("{base}/api"),
            "iat": iat,
            "exp": exp,
            "azp": ctx.client_id,
            "jti": jti,
            "scope": scope,
        }));
        if self.access.len() >= MAX_ACCESS_TOKENS {
            self.access.retain(|_, (exp, _)| (*exp as f64) > now);
            if self.access.len() >= MAX_ACCESS_TOKENS {
                self.access.clear();
            }
        }
        self.access.insert(token.clone(), (exp, false));
        (token, exp - iat)
    }
}

/// Who tokens are issued for.
struct Issuer<'a> {
    subdomain: &'a str,
    client_id: &'a str,
    user_id: i64,
    options: &'a OAuthOptions,
}

/// The wall clock in Unix seconds.
fn now_secs() -> f64 {
    crate::time::wall_now() as f64 / 1e6
}

fn oauth_error(status: StatusCode, code: &str) -> Response {
    let mut r = json_text(status, json!({ "error": code }).to_string());
    if status == StatusCode::UNAUTHORIZED
        && let Ok(v) = HeaderValue::from_str("Basic realm=\"oauth\"")
    {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

fn html_error(status: StatusCode, text: &str) -> Response {
    let mut r = (
        status,
        format!("<!doctype html>\n<title>OAuth error</title>\n<p>{text}</p>\n"),
    )
        .into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn pairs(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The account the `Host` subdomain names, else the one whose app `client_id` is.
fn account_for(app: &AppState, headers: &HeaderMap, client_id: &str) -> Option<Arc<Account>> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    match auth::host_subdomain(host) {
        Some(sub) => app.account(&sub).cloned(),
        None => app
            .accounts
            .iter()
            .find(|a| a.creds.client_id == client_id)
            .cloned(),
    }
}

/// `redirect_uri` if the app may be sent there.
fn redirect_target(uri: &str, options: &OAuthOptions) -> Option<url::Url> {
    let url = url::Url::parse(uri).ok()?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.fragment().is_none()
        && (options.redirect_uris.is_empty() || options.redirect_uris.iter().any(|r| r == uri));
    ok.then_some(url)
}

async fn authorize(State(app): State<AppState>, req: Request) -> Response {
    let q = pairs(req.uri().query().unwrap_or(""));
    let client_id = value(&q, "client_id").unwrap_or("");
    let Some(account) = account_for(&app, req.headers(), client_id) else {
        return html_error(StatusCode::BAD_REQUEST, "Unknown client_id.");
    };
    account.stats().oauth("GET /oauth/authorize");
    if client_id.is_empty() || client_id != account.creds.client_id {
        return html_error(StatusCode::BAD_REQUEST, "Unknown client_id.");
    }
    let options = app.oauth_options();
    let Some(mut target) = value(&q, "redirect_uri").and_then(|u| redirect_target(u, &options))
    else {
        return html_error(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is missing or not one of the app's redirect URLs.",
        );
    };
    let state = value(&q, "state").map(str::to_owned);
    let mut back = |params: &[(&str, &str)]| {
        {
            let mut pairs = target.query_pairs_mut();
            for (k, v) in params {
                pairs.append_pair(k, v);
            }
            if let Some(s) = &state {
                pairs.append_pair("state", s);
            }
        }
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(target.as_str()) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    };
    if value(&q, "response_type") != Some("code") {
        return back(&[("error", "unsupported_response_type")]);
    }
    let scope = value(&q, "scope")
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let code = {
        let mut o = account.oauth();
        let code = o.random(24);
        o.codes.retain(|_, c| !c.used && c.expires > now_secs());
        o.codes.insert(
            code.clone(),
            Code {
                redirect_uri: value(&q, "redirect_uri").unwrap_or("").to_owned(),
                scope,
                nonce: value(&q, "nonce").map(str::to_owned),
                expires: now_secs() + CODE_LIFETIME_SECS,
                used: false,
            },
        );
        code
    };
    back(&[("code", &code)])
}

/// The client the request authenticated as (HTTP Basic), if it is this account's app.
fn client_ok(account: &Account, headers: &HeaderMap) -> bool {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(auth::parse_authorization);
    matches!(presented, Some(Presented::Basic { user, password })
        if user == account.creds.client_id && password == account.creds.client_secret)
}

/// The client id a token request names (Basic user, else a body `client_id`).
fn presented_client(headers: &HeaderMap, form: &[(String, String)]) -> String {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(auth::parse_authorization);
    match presented {
        Some(Presented::Basic { user, .. }) => user,
        _ => value(form, "client_id").unwrap_or("").to_owned(),
    }
}

/// An injected fault for a token-endpoint request, answered before anything else.
fn fault_answer(
    app: &AppState,
    account: &Account,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    let fault = app.fault(&account.creds.subdomain, "POST", path)?;
    account.stats().fault(fault.name());
    match fault {
        FaultKind::Status { status } => Some(crate::server::status_fault(status)),
        FaultKind::EchoHeaders { status } => Some(crate::server::echo_headers(status, headers)),
        FaultKind::Respond {
            status,
            body,
            headers: extra,
        } => {
            let mut r = crate::server::canned(status, &body);
            for (name, value) in &extra {
                crate::server::set_header(&mut r, name, value);
            }
            Some(r)
        }
        FaultKind::RateLimitBurst {
            retry_after_secs, ..
        } => Some(crate::server::too_many(
            retry_after_secs,
            app.rate_limit().bearer_capacity,
        )),
        _ => None,
    }
}

async fn token(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&String::from_utf8_lossy(&body));
    let client_id = presented_client(&headers, &form);
    let Some(account) = account_for(&app, &headers, &client_id) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let grant = value(&form, "grant_type").unwrap_or("").to_owned();
    account.stats().oauth(&format!("POST /oauth/token {grant}"));
    if let Some(r) = fault_answer(&app, &account, "/oauth/token", &headers) {
        return r;
    }
    if !client_ok(&account, &headers) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let options = app.oauth_options();
    let user_id = account.read().owner_user_id;
    let issuer = Issuer {
        subdomain: &account.creds.subdomain,
        client_id: &account.creds.client_id,
        user_id,
        options: &options,
    };
    let now = now_secs();
    let expires_in = |lifetime: i64| {
        if options.report_expires_in {
            lifetime
        } else {
            0
        }
    };
    let mut o = account.oauth();
    match grant.as_str() {
        "authorization_code" => {
            let (Some(code), Some(redirect_uri)) =
                (value(&form, "code"), value(&form, "redirect_uri"))
            else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
            };
            let Some(c) = o.codes.get_mut(code) else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            if c.used || c.expires <= now || c.redirect_uri != redirect_uri {
                c.used = true;
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            c.used = true;
            let c = c.clone();
            let (access, lifetime) = o.issue_access(&issuer, &c.scope, now);
            let mut answer = json!({
                "access_token": access,
                "expires_in": expires_in(lifetime),
                "scope": c.scope,
                "token_type": "Bearer",
            });
            let scopes: Vec<&str> = c.scope.split(' ').collect();
            if scopes.contains(&"openid") {
                let base = format!("https://{}.gorgias.com", account.creds.subdomain);
                let iat = now.floor() as i64;
                let id = o.jwt(&json!({
                    "iss": base,
                    "sub": user_id.to_string(),
                    "aud": account.creds.client_id,
                    "iat": iat,
                    "exp": iat + options.lifetime_secs(),
                    "nonce": c.nonce,
                }));
                answer["id_token"] = json!(id);
            }
            if scopes.contains(&"offline") {
                let refresh = o.random(32);
                o.refresh.insert(
                    refresh.clone(),
                    Grant {
                        scope: c.scope.clone(),
                        revoked: false,
                    },
                );
                answer["refresh_token"] = json!(refresh);
            }
            json_text(StatusCode::OK, answer.to_string())
        }
        "refresh_token" => {
            let Some(presented) = value(&form, "refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
            };
            let Some(g) = o.refresh.get(presented).filter(|g| !g.revoked).cloned() else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            let (access, lifetime) = o.issue_access(&issuer, &g.scope, now);
            let mut answer = json!({
                "access_token": access,
                "expires_in": expires_in(lifetime),
                "scope": g.scope,
                "token_type": "Bearer",
            });
            if options.rotate_refresh_tokens {
                let next = o.random(32);
                o.revoke(presented);
                o.refresh.insert(next.clone(), g);
                answer["refresh_token"] = json!(next);
            }
            json_text(StatusCode::OK, answer.to_string())
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    }
}

async fn revoke(State(app): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let form = pairs(&String::from_utf8_lossy(&body));
    let client_id = presented_client(&headers, &form);
    let Some(account) = account_for(&app, &headers, &client_id) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    account.stats().oauth("POST /oauth/revoke");
    if !client_ok(&account, &headers) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let Some(token) = value(&form, "token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    account.oauth().revoke(token);
    json_text(StatusCode::OK, "{}".to_owned())
}

/// The OAuth2 routes (outside the `/api` pipeline: they authenticate the app, not a user).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(options: &OAuthOptions) -> Issuer<'_> {
        Issuer {
            subdomain: "acme",
            client_id: "app",
            user_id: 7,
            options,
        }
    }

    #[test]
    fn access_tokens_are_jwts_valid_until_exp() {
        let options = OAuthOptions::default().access_token_lifetime(Duration::from_secs(2));
        let mut o = OAuthAccount::new(1, "rt");
        let now = 1_800_000_000.25;
        let (token, lifetime) = o.issue_access(&issuer(&options), "openid offline", now);
        assert_eq!(lifetime, 2);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["iss"], "https://acme.gorgias.com");
        assert_eq!(claims["aud"], "https://acme.gorgias.com/api");
        assert_eq!(claims["azp"], "app");
        assert_eq!(claims["sub"], "7");
        assert_eq!(claims["iat"], 1_800_000_000_i64);
        assert_eq!(claims["exp"], 1_800_000_002_i64);
        assert!(claims["jti"].is_string() && claims["scope"] == "openid offline");
        assert!(o.accepts(&token, now + 1.5));
        assert!(!o.accepts(&token, 1_800_000_002.0));
        assert!(!o.accepts("a.b.c", now));
        o.invalidate_access_tokens();
        assert!(!o.accepts(&token, now + 0.6));
        assert!(o.revoke("rt") && !o.revoke("nope"));
    }
}
