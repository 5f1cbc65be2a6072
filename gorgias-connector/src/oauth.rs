//! Gorgias's OAuth2 (public apps), over the toolkit's generic OAuth2 ([`connector_http::oauth`]):
//! the consent flow a host runs once per account, and the declarations the `oauth2` auth kind's
//! session uses.
//!
//! The flow (gorgias/appstore-demo-app README; developers.gorgias.com/docs/oauth2-bearer-token,
//! /docs/set-up-oauth2-app-store, /docs/oauth2-scopes):
//!
//! 1. The host sends the user's browser to [`Consent::authorize_url`]:
//!    `https://{sub}.gorgias.com/oauth/authorize?response_type=code&client_id=..&scope=..&redirect_uri=..&state=..&nonce=..`.
//!    The scopes always include `openid` and `offline` (without `offline` Gorgias issues no
//!    refresh token, and the connection would stop when the access token expires); the rest
//!    are what the streams and actions in use need.
//! 2. Gorgias redirects to `redirect_uri?code=..&state=..`; the host checks `state` and calls
//!    [`Consent::exchange_code`] (`POST https://{sub}.gorgias.com/oauth/token`, form-encoded,
//!    HTTP Basic client authentication, `grant_type=authorization_code`).
//! 3. [`Consent::config`] turns the tokens into the connector's config (`auth.type: oauth2`).
//!
//! Facts: access tokens are RS256 JWTs living 24 h, sent with `expires_in: 0` (the connector
//! reads the JWT's `exp`); the demo's refresh answered no new refresh token (no rotation), and
//! Gorgias's current behaviour is UNCONFIRMED, so a rotated one is handed to the host
//! ([`connector_sdk::control`]); PKCE is not offered; whether Gorgias accepts the client
//! credentials in the form body instead of HTTP Basic is UNCONFIRMED (Basic is what the demo and
//! Nango's provider use). Revoking (`POST /oauth/revoke`, or uninstalling the app) makes the
//! next refresh answer `invalid_grant`; the connector then says to reconnect the app.

use std::time::Duration;

use connector_http::oauth::{Authorize, AuthorizeRequest, CodeExchange, TokenSet};
use connector_sdk::Error;
use serde_json::{Value, json};

use crate::config::{OAUTH2_FIELDS, loopback_base_url, normalise_subdomain};

/// The token endpoint's path on the account's host (`https://{sub}.gorgias.com/oauth/token`).
pub const TOKEN_PATH: &str = "/oauth/token";

/// The authorization endpoint's path on the account's host.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";

/// The scopes every consent asks for: `openid` (the ID token the `nonce` is bound into) and
/// `offline` (the refresh token) (developers.gorgias.com/docs/oauth2-scopes).
pub const REQUIRED_SCOPES: [&str; 2] = ["openid", "offline"];

/// How long the code exchange may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The consent flow for one Gorgias account.
#[derive(Debug, Clone)]
pub struct Consent {
    subdomain: String,
    base: url::Url,
    sandbox: bool,
}

impl Consent {
    /// The flow for the account at `subdomain` (normalised as the config's: `acme`,
    /// `https://acme.gorgias.com/app`, ...): its endpoints are on `https://{sub}.gorgias.com`.
    pub fn new(subdomain: &str) -> Result<Self, Error> {
        let subdomain = normalise_subdomain(subdomain)?;
        let base = url::Url::parse(&format!("https://{subdomain}.gorgias.com/"))
            .map_err(|_| Error::invalid_config("subdomain", "does not form a valid address"))?;
        Ok(Consent {
            subdomain,
            base,
            sandbox: false,
        })
    }

    /// The flow against a local sandbox at `base_url` (loopback only, as the config's).
    pub fn with_base_url(subdomain: &str, base_url: &str) -> Result<Self, Error> {
        let subdomain = normalise_subdomain(subdomain)?;
        Ok(Consent {
            subdomain,
            base: loopback_base_url(base_url)?,
            sandbox: true,
        })
    }

    fn endpoint(&self, path: &str) -> Result<url::Url, Error> {
        self.base
            .join(path)
            .map_err(|_| Error::internal(format!("{path} does not form a URL")))
    }

    /// The OAuth scopes the named streams and actions declare, sorted, for
    /// [`Consent::authorize_url`]; with both lists empty, every scope the connector declares
    /// ([`connector_sdk::ConnectorSpec::scopes`]). An unknown name is an error listing the known
    /// ones.
    pub fn scopes_for(streams: &[&str], actions: &[&str]) -> Result<Vec<String>, Error> {
        let spec = crate::catalog().spec();
        if streams.is_empty() && actions.is_empty() {
            return Ok(spec.scopes());
        }
        let unknown = |kind: &'static str, name: &str, known: Vec<&str>| Error::Unknown {
            kind,
            name: name.to_string(),
            known: known.join(", "),
        };
        let mut all = std::collections::BTreeSet::new();
        for name in streams {
            let s = spec.stream(name).ok_or_else(|| {
                unknown(
                    "stream",
                    name,
                    spec.streams.iter().map(|s| s.name.as_str()).collect(),
                )
            })?;
            all.extend(s.scopes.iter().cloned());
        }
        for name in actions {
            let a = spec.action(name).ok_or_else(|| {
                unknown(
                    "action",
                    name,
                    spec.actions.iter().map(|a| a.name.as_str()).collect(),
                )
            })?;
            all.extend(a.scopes.iter().cloned());
        }
        Ok(all.into_iter().collect())
    }

    /// Where to send the user's browser. `scopes` are those the streams and actions in use
    /// need (space-separated entries are split); `openid` and `offline` are always added.
    /// `state` and `nonce` are random (the OS's CSPRNG) unless given; keep the returned
    /// `state` to check the redirect against.
    pub fn authorize_url(
        &self,
        client_id: &str,
        redirect_uri: &str,
        scopes: &[String],
        state: Option<&str>,
        nonce: Option<&str>,
    ) -> Result<Authorize, Error> {
        let endpoint = self.endpoint(AUTHORIZE_PATH)?;
        AuthorizeRequest {
            endpoint: &endpoint,
            client_id,
            redirect_uri,
            scopes,
            required_scopes: &REQUIRED_SCOPES,
            state,
            nonce,
        }
        .url()
    }

    /// Trades the `code` the redirect carried for tokens (`redirect_uri` must be the one the
    /// authorize URL used). Errors name the fix and never carry a secret.
    pub async fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenSet, Error> {
        let token_url = self.endpoint(TOKEN_PATH)?;
        let http = connector_http::Client::shared_http(concat!(
            "gorgias-connector/",
            env!("CARGO_PKG_VERSION")
        ))?;
        let exchange = CodeExchange {
            token_url: &token_url,
            client_id,
            client_secret,
            code,
            redirect_uri,
            fields: OAUTH2_FIELDS,
        };
        connector_http::oauth::exchange_code(&http, &exchange, EXCHANGE_TIMEOUT).await
    }

    /// The connector's config for the tokens of a consent (`auth.type: oauth2`, the access
    /// token included). Refuses tokens without a refresh token (the consent lacked the
    /// `offline` scope).
    pub fn config(
        &self,
        client_id: &str,
        client_secret: &str,
        tokens: &TokenSet,
    ) -> Result<Value, Error> {
        let refresh_token = tokens.refresh_token.as_deref().ok_or_else(|| {
            Error::invalid_response(
                "a refresh token",
                "the token endpoint issued none: the consent must ask for the offline scope",
            )
        })?;
        let mut config = json!({
            "subdomain": self.subdomain,
            "auth": {
                "type": "oauth2",
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": refresh_token,
                "access_token": tokens.access_token,
            },
        });
        if self.sandbox {
            config["base_url"] = json!(self.base.as_str().trim_end_matches('/'));
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_the_declarations() {
        let some = Consent::scopes_for(&["tickets"], &["unarchive_macros", "create_tag"]).unwrap();
        assert_eq!(some, vec!["tags:write", "tickets:read", "write:all"]);
        let all = Consent::scopes_for(&[], &[]).unwrap();
        for s in [
            "account:read",
            "customers:write",
            "statistics:read",
            "users:read",
            "write:all",
        ] {
            assert!(all.contains(&s.to_string()), "{s} in {all:?}");
        }
        let e = Consent::scopes_for(&["tikets"], &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("unknown stream `tikets`") && e.contains("tickets"),
            "{e}"
        );
    }

    #[test]
    fn the_authorize_url_is_on_the_accounts_host_and_asks_for_offline() {
        let consent = Consent::new("https://ACME.gorgias.com/app").unwrap();
        let a = consent
            .authorize_url(
                "app-1",
                "https://host.example/oauth/callback",
                &["tickets:read".into(), "tickets:write".into()],
                Some("s1"),
                Some("n1"),
            )
            .unwrap();
        assert_eq!(
            a.url.as_str(),
            "https://acme.gorgias.com/oauth/authorize?response_type=code&client_id=app-1&scope=openid+offline+tickets%3Aread+tickets%3Awrite&redirect_uri=https%3A%2F%2Fhost.example%2Foauth%2Fcallback&state=s1&nonce=n1"
        );
        let e = Consent::new("evil.com").unwrap_err().to_string();
        assert!(e.starts_with("invalid config: subdomain:"), "{e}");
        let e = Consent::with_base_url("acme", "https://evil.example")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid config: base_url:"), "{e}");
    }

    #[test]
    fn a_consent_without_a_refresh_token_is_refused() {
        let consent = Consent::with_base_url("acme", "http://127.0.0.1:9").unwrap();
        let mut tokens = TokenSet {
            access_token: "a.b.c".into(),
            refresh_token: None,
            expires_in: Some(0.0),
            id_token: None,
            scope: Some("openid".into()),
            token_type: Some("Bearer".into()),
        };
        let e = consent.config("app", "s", &tokens).unwrap_err().to_string();
        assert!(e.contains("offline scope"), "{e}");
        tokens.refresh_token = Some("r".into());
        let c = consent.config("app", "s", &tokens).unwrap();
        assert_eq!(c["auth"]["refresh_token"], "r");
        assert_eq!(c["base_url"], "http://127.0.0.1:9");
    }
}
