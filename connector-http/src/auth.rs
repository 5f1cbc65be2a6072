//! The `Authorization` header of one account and the [`Redactor`] of every form its secret
//! travels in, built once from the credentials so no connector builds either by hand.

use connector_sdk::Error;
use connector_sdk::redact::Redactor;
use reqwest::header::HeaderValue;

/// An account's `Authorization` header (marked sensitive: never logged) and the redactor that
/// removes its secret from any text (raw, in the header, and every encoding the redactor knows).
pub struct Credentials {
    /// The header value.
    pub header: HeaderValue,
    /// Every form of the secret, for scrubbing errors and output.
    pub redactor: Redactor,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").finish_non_exhaustive()
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

    fn with_header(text: String, mut redactor: Redactor, field: &str) -> Result<Self, Error> {
        let mut header = HeaderValue::from_str(&text).map_err(|_| {
            Error::invalid_config(
                field,
                "contains characters that cannot be sent in an HTTP header; paste it again",
            )
        })?;
        header.set_sensitive(true);
        redactor.add(&text);
        Ok(Credentials { header, redactor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_sensitive_and_every_form_is_redacted() {
        let c = Credentials::basic("agent@acme.com", "s3cret-KEY", "auth.api_key").unwrap();
        assert!(c.header.is_sensitive());
        assert_eq!(
            c.header.to_str().unwrap(),
            "Basic YWdlbnRAYWNtZS5jb206czNjcmV0LUtFWQ=="
        );
        let text = format!(
            "echo: {} s3cret-KEY agent@acme.com:s3cret-KEY",
            c.header.to_str().unwrap()
        );
        let scrubbed = c.redactor.scrub(&text);
        assert!(
            !scrubbed.contains("s3cret-KEY") && !scrubbed.contains("YWdlbnRA"),
            "{scrubbed}"
        );
        assert!(!format!("{c:?}").contains("s3cret"));
        let b = Credentials::bearer("tok-123456", "auth.token").unwrap();
        assert_eq!(b.header.to_str().unwrap(), "Bearer tok-123456");
        assert!(!b.redactor.scrub("Bearer tok-123456").contains("tok-123456"));
        let e = Credentials::bearer("bad\ntoken", "auth.token")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("invalid config: auth.token:"), "{e}");
    }
}
