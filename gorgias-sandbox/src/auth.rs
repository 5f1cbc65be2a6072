//! Credentials and account resolution.
//!
//! Each account has an owner user whose email and API key authenticate with HTTP Basic, a
//! static Bearer token (standing for an OAuth2 access token), and an OAuth2 app: a client id and
//! secret, and a refresh token of a consent already given (scopes `openid offline write:all`),
//! from which [`crate::oauth`] issues expiring JWT access tokens. All are derived from the seed,
//! unique per account.
//!
//! Resolution: when the `Host` header is `<sub>.gorgias.com` or `<sub>.localhost` (any port),
//! that subdomain picks the account (unknown subdomain: 404 with a small HTML page, like
//! Gorgias) and the credentials must be that account's. Otherwise the account is the one whose
//! credentials were presented. Anything else is a 401.

use crate::seed::{mix, owner_email};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt;

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// HTTP Basic with the account email and API key.
    Basic,
    /// `Authorization: Bearer <token>` (OAuth2 apps).
    Bearer,
}

/// The credentials of one account.
#[derive(Clone, PartialEq, Eq)]
pub struct AccountCredentials {
    /// The subdomain (`<sub>.gorgias.com`).
    pub subdomain: String,
    /// The owner's email: the Basic-auth username.
    pub email: String,
    /// The API key: the Basic-auth password.
    pub api_key: String,
    /// The static Bearer token (never expires).
    pub bearer_token: String,
    /// The OAuth2 app's client id.
    pub client_id: String,
    /// The OAuth2 app's client secret.
    pub client_secret: String,
    /// A refresh token of a consent already given to the app (revocable like any other).
    pub refresh_token: String,
}

impl fmt::Debug for AccountCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountCredentials")
            .field("subdomain", &self.subdomain)
            .field("email", &self.email)
            .field("api_key", &"<redacted>")
            .field("bearer_token", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

impl AccountCredentials {
    /// Deterministic credentials for the account at `index`.
    pub fn generate(seed: u64, index: usize, subdomain: &str) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, 0xC0FFEE + index as u64));
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        let mut token = [0u8; 32];
        rng.fill_bytes(&mut token);
        // Drawn after the key and token, so those stay what they were before OAuth2 apps.
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        let mut refresh = [0u8; 32];
        rng.fill_bytes(&mut refresh);
        Self {
            subdomain: subdomain.to_owned(),
            email: owner_email(subdomain),
            api_key: key.iter().map(|b| format!("{b:02x}")).collect(),
            bearer_token: URL_SAFE_NO_PAD.encode(token),
            client_id: format!("sandbox-app-{subdomain}-{:08x}", rng.next_u32()),
            client_secret: URL_SAFE_NO_PAD.encode(secret),
            refresh_token: URL_SAFE_NO_PAD.encode(refresh),
        }
    }

    /// The `Authorization` header value for Basic auth.
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.email, self.api_key))
        )
    }

    /// The `Authorization` header value for Bearer auth.
    pub fn bearer_header(&self) -> String {
        format!("Bearer {}", self.bearer_token)
    }

    /// The `Authorization` header value of the OAuth2 app's client authentication at the token
    /// endpoint (HTTP Basic `client_id:client_secret`).
    pub fn client_basic_header(&self) -> String {
        format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", self.client_id, self.client_secret))
        )
    }

    /// Whether presented credentials are this account's.
    pub fn accepts(&self, presented: &Presented) -> Option<AuthKind> {
        match presented {
            Presented::Basic { user, password } => (user.eq_ignore_ascii_case(&self.email)
                && *password == self.api_key)
                .then_some(AuthKind::Basic),
            Presented::Bearer(t) => (*t == self.bearer_token).then_some(AuthKind::Bearer),
        }
    }
}

/// Credentials as presented in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// Basic user and password.
    Basic {
        /// Username.
        user: String,
        /// Password.
        password: String,
    },
    /// Bearer token.
    Bearer(String),
}

/// Parses an `Authorization` header.
pub fn parse_authorization(value: &str) -> Option<Presented> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD.decode(rest).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        Some(Presented::Basic {
            user: user.to_owned(),
            password: password.to_owned(),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
        Some(Presented::Bearer(rest.to_owned()))
    } else {
        None
    }
}

/// The subdomain named by a `Host` header, if it is `<sub>.gorgias.com` or `<sub>.localhost`.
pub fn host_subdomain(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        Some((n, port)) if port.chars().all(|c| c.is_ascii_digit()) => n.to_owned(),
        _ => host,
    };
    let sub = name
        .strip_suffix(".gorgias.com")
        .or_else(|| name.strip_suffix(".localhost"))?;
    (!sub.is_empty() && !sub.contains('.')).then(|| sub.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_rule() {
        assert_eq!(host_subdomain("acme.gorgias.com"), Some("acme".into()));
        assert_eq!(host_subdomain("Acme.localhost:8089"), Some("acme".into()));
        assert_eq!(host_subdomain("127.0.0.1:8089"), None);
        assert_eq!(host_subdomain("localhost:1"), None);
        assert_eq!(host_subdomain("a.b.gorgias.com"), None);
    }

    #[test]
    fn credentials_are_deterministic_and_redacted() {
        let a = AccountCredentials::generate(1, 0, "acme");
        assert_eq!(a, AccountCredentials::generate(1, 0, "acme"));
        assert_ne!(
            a.api_key,
            AccountCredentials::generate(1, 1, "acme").api_key
        );
        let dbg = format!("{a:?}");
        for secret in [
            &a.api_key,
            &a.bearer_token,
            &a.client_secret,
            &a.refresh_token,
        ] {
            assert!(!dbg.contains(secret.as_str()), "{dbg}");
        }
        assert_ne!(
            a.client_id,
            AccountCredentials::generate(1, 1, "acme").client_id
        );
        let p = parse_authorization(&a.basic_header()).unwrap();
        assert_eq!(a.accepts(&p), Some(AuthKind::Basic));
        let p = parse_authorization(&a.bearer_header()).unwrap();
        assert_eq!(a.accepts(&p), Some(AuthKind::Bearer));
    }
}
