//! Where an account's `Authorization` header comes from, and the [`Redactor`] of every form its
//! secrets travel in, built once from the credentials so no connector builds either by hand.
//!
//! Two sources: a fixed header ([`Credentials::basic`], [`Credentials::bearer`]), or an OAuth2
//! session ([`Credentials::oauth2`], see [`crate::oauth`]) whose access tokens are got and
//! refreshed at the account's own token URL while the client runs. Either way the client asks
//! for the header right before it sends a request, and every secret the source learns (each
//! access token ever issued) joins the client's redactor the moment it is known.

use std::sync::{Arc, RwLock};

use connector_sdk::Error;
use connector_sdk::redact::Redactor;
use reqwest::header::HeaderValue;

use crate::client::Client;
use crate::oauth::{OAuth2, Session};

/// An account's credentials: where its `Authorization` header comes from (marked sensitive:
/// never logged), and the redactor that removes its secrets from any text (raw, in the header,
/// and every encoding the redactor knows).
pub struct Credentials {
    source: Source,
    redactor: Redactor,
}

enum Source {
    Fixed(HeaderValue),
    OAuth2(Box<OAuth2>),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.source {
            Source::Fixed(_) => "fixed header",
            Source::OAuth2(_) => "OAuth2 session",
        };
        f.debug_struct("Credentials")
            .field("source", &kind)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// HTTP Basic with `user` and `secret`; `field` (e.g. `auth.api_key`) names the config field
    /// in the error when the secret cannot be sent in a header.
    pub fn basic(user: &str, secret: &str, field: &str) -> Result<Self, Error> {
        use base64::Engine as _;
        let pair = format!("{user}:{secret}");
        let encoded = base64::engine::general_purpose::STANDARD.encode(&pair);
        let mut redactor = Redactor::none();
        redactor.add(secret);
        redactor.add(&pair);
        Self::with_header(format!("Basic {encoded}"), redactor, field)
    }

    /// `Bearer <token>`; `field` (e.g. `auth.token`) names the config field in the error when the
    /// token cannot be sent in a header.
    pub fn bearer(token: &str, field: &str) -> Result<Self, Error> {
        let mut redactor = Redactor::none();
        redactor.add(token);
        Self::with_header(format!("Bearer {token}"), redactor, field)
    }

    /// An OAuth2 session: access tokens got and refreshed with the refresh token at the token
    /// URL on the API's own host (see [`crate::oauth`]). Refuses, naming the field, secrets that
    /// cannot be sent in a header. The redactor knows the client secret, the refresh token, the
    /// current access token and the `client_id:client_secret` pair (every encoding) from the
    /// start, and every token issued later as soon as it arrives.
    pub fn oauth2(oauth: OAuth2) -> Result<Self, Error> {
        let redactor = oauth.check()?;
        Ok(Credentials {
            source: Source::OAuth2(Box::new(oauth)),
            redactor,
        })
    }

    fn with_header(text: String, mut redactor: Redactor, field: &str) -> Result<Self, Error> {
        let header = sensitive_header(&text).ok_or_else(|| unsendable(field))?;
        redactor.add(&text);
        Ok(Credentials {
            source: Source::Fixed(header),
            redactor,
        })
    }

    /// The fixed `Authorization` header; `None` for an OAuth2 session (its header changes with
    /// every access token).
    pub fn header(&self) -> Option<&HeaderValue> {
        match &self.source {
            Source::Fixed(h) => Some(h),
            Source::OAuth2(_) => None,
        }
    }

    /// The redactor of the secrets known so far.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The client's header source for requests to `base`, and the redactor it shares with it.
    pub(crate) fn into_authorizer(
        self,
        base: &url::Url,
    ) -> Result<(Authorizer, SharedRedactor), Error> {
        let redactor = SharedRedactor::new(self.redactor);
        let authorizer = match self.source {
            Source::Fixed(h) => Authorizer::Fixed(h),
            Source::OAuth2(o) => {
                Authorizer::OAuth2(Box::new(Session::new(*o, base, redactor.clone())?))
            }
        };
        Ok((authorizer, redactor))
    }
}

/// `text` as a header value marked sensitive, if it can be one.
pub(crate) fn sensitive_header(text: &str) -> Option<HeaderValue> {
    let mut header = HeaderValue::from_str(text).ok()?;
    header.set_sensitive(true);
    Some(header)
}

/// The error for a secret in `field` that no header can carry.
pub(crate) fn unsendable(field: &str) -> Error {
    Error::invalid_config(
        field,
        "contains characters that cannot be sent in an HTTP header; paste it again",
    )
}

/// The header source a client holds: a fixed header or an OAuth2 session.
pub(crate) enum Authorizer {
    Fixed(HeaderValue),
    OAuth2(Box<Session>),
}

impl Authorizer {
    /// The header for the next request, and which access token it carries (`None` for a fixed
    /// header); an OAuth2 session refreshes first when the token is due.
    pub(crate) async fn header(
        &self,
        client: &Client,
        deadline: tokio::time::Instant,
    ) -> Result<(HeaderValue, Option<u64>), Error> {
        match self {
            Authorizer::Fixed(h) => Ok((h.clone(), None)),
            Authorizer::OAuth2(s) => {
                let (h, generation) = s.header(client, deadline).await?;
                Ok((h, Some(generation)))
            }
        }
    }

    /// The API refused the access token `token` (a 401): whether the source got another one and
    /// the request may be sent again (never for a fixed header).
    pub(crate) async fn rejected(
        &self,
        client: &Client,
        token: Option<u64>,
        deadline: tokio::time::Instant,
    ) -> Result<bool, Error> {
        match (self, token) {
            (Authorizer::OAuth2(s), Some(generation)) => {
                s.rejected(client, generation, deadline).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// A redactor that grows while the client runs (each new access token joins it), shared by the
/// client and its header source.
#[derive(Clone, Default)]
pub(crate) struct SharedRedactor(Arc<RwLock<Redactor>>);

impl SharedRedactor {
    pub(crate) fn new(redactor: Redactor) -> Self {
        Self(Arc::new(RwLock::new(redactor)))
    }

    /// Adds a secret (and its encoded forms).
    pub(crate) fn add(&self, secret: &str) {
        self.0
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .add(secret);
    }

    /// The redactor as it is now.
    pub(crate) fn snapshot(&self) -> Redactor {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The error with every secret known so far scrubbed from its text.
    pub(crate) fn scrub_error(&self, error: Error) -> Error {
        self.0
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .scrub_error(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_sensitive_and_every_form_is_redacted() {
        let c = Credentials::basic("agent@acme.com", "s3cret-KEY", "auth.api_key").unwrap();
        let header = c.header().expect("a fixed header");
        assert!(header.is_sensitive());
        assert_eq!(
            header.to_str().unwrap(),
            "Basic YWdlbnRAYWNtZS5jb206czNjcmV0LUtFWQ=="
        );
        let text = format!(
            "echo: {} s3cret-KEY agent@acme.com:s3cret-KEY",
            header.to_str().unwrap()
        );
        let scrubbed = c.redactor().scrub(&text);
        assert!(
            !scrubbed.contains("s3cret-KEY") && !scrubbed.contains("YWdlbnRA"),
            "{scrubbed}"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        let b = Credentials::bearer("tok-123456", "auth.token").unwrap();
        assert_eq!(b.header().unwrap().to_str().unwrap(), "Bearer tok-123456");
        assert!(
            !b.redactor()
                .scrub("Bearer tok-123456")
                .contains("tok-123456")
        );
        let e = Credentials::bearer("bad\ntoken", "auth.token")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid config: auth.token:"), "{e}");
    }

    #[test]
    fn a_shared_redactor_grows() {
        let shared = SharedRedactor::new(Redactor::new(["first-secret"]));
        shared.add("later-secret");
        let e = shared.scrub_error(Error::AuthRejected {
            message: "first-secret later-secret".into(),
        });
        let r = shared.snapshot();
        assert!(r.leaks("later-secret") && !r.leaks(&e.to_string()), "{e}");
    }
}
