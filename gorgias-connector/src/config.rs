//! The connector's config: which account, how to authenticate, and a few knobs.
//!
//! The subdomain is the only way to choose a host: a pasted `https://acme.gorgias.com/app` is
//! normalised to `acme`, and anything that is not a plain subdomain is refused, so no config can
//! point the connector (and its credentials) at another host. `base_url` exists for the sandbox
//! and tests and is accepted only for loopback addresses.

use std::time::Duration;

use connector_sdk::Error;
use connector_sdk::cursor::parse_datetime;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// # Gorgias connection
/// How to reach one Gorgias account.
// Field doc comments are end-user text: schemars turns them into the form's titles and
// descriptions, so they are plain text (bare URLs, `<subdomain>`, `[::1]`), not rustdoc markdown.
#[allow(
    rustdoc::bare_urls,
    rustdoc::invalid_html_tags,
    rustdoc::broken_intra_doc_links
)]
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GorgiasConfig {
    /// # Subdomain
    /// Your Gorgias subdomain, in letters, digits and hyphens: acme for acme.gorgias.com. A
    /// pasted address such as https://acme.gorgias.com/app is accepted and shortened to the
    /// subdomain.
    #[schemars(
        length(min = 1, max = 200),
        regex(pattern = r"^(https?://)?[A-Za-z0-9-]+(\.gorgias\.com)?(/.*)?$"),
        example = &"acme",
        extend(
            "order" = 0,
            "pattern_descriptor" = "letters, digits and hyphens only, e.g. acme for acme.gorgias.com (a pasted https://acme.gorgias.com address also works)"
        )
    )]
    pub subdomain: String,
    /// # Authentication
    /// An API key (HTTP Basic with the key owner's email), an OAuth2 app's refresh token (the
    /// connector refreshes its access tokens), or a bare access token.
    #[schemars(extend("order" = 1))]
    pub auth: Auth,
    /// # Start date
    /// Only records created or changed on or after this date are read on the first sync.
    /// Leave empty to read everything. A date (2024-01-31) or a date and time, UTC unless an
    /// offset is given (2024-01-31T00:00:00Z).
    #[serde(default)]
    #[schemars(
        regex(pattern = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"),
        example = &"2024-01-31T00:00:00Z",
        extend(
            "order" = 2,
            "pattern_descriptor" = "a date as YYYY-MM-DD, or a date and time as YYYY-MM-DDTHH:MM:SSZ"
        )
    )]
    pub start_date: Option<String>,
    /// # Page size
    /// Records per request (Gorgias allows at most 100; fewer pages use less of the rate budget).
    #[serde(default = "default_page_size")]
    #[schemars(range(min = 1, max = 100), extend("order" = 3))]
    pub page_size: u32,
    /// # Request timeout (seconds)
    /// How long one request may take before it is retried.
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1, max = 600), extend("order" = 4))]
    pub request_timeout_secs: u64,
    /// # Rate-limit window (seconds)
    /// The window of the account's rate limit: 20 on most plans, 10 on Enterprise plans (the
    /// same request count in half the time). The connector spreads its requests over it.
    /// Windows under 10 s are accepted only with a loopback base_url (a sandbox whose window is
    /// scaled down).
    #[serde(default = "default_window")]
    #[schemars(range(min = 1, max = 20), extend("order" = 5))]
    pub rate_limit_window_secs: u64,
    /// # Base URL (testing only)
    /// Overrides https://<subdomain>.gorgias.com for a local sandbox. Only loopback addresses
    /// (127.0.0.1, [::1], localhost) are accepted. Hidden in forms.
    #[serde(default)]
    #[schemars(example = &"http://127.0.0.1:8089", extend("order" = 6, "airbyte_hidden" = true))]
    pub base_url: Option<String>,
}

fn default_page_size() -> u32 {
    100
}

fn default_timeout() -> u64 {
    30
}

/// The rate-limit window of most plans (developers.gorgias.com/reference/limitations).
pub const DEFAULT_WINDOW_SECS: u64 = 20;

fn default_window() -> u64 {
    DEFAULT_WINDOW_SECS
}

/// The config fields of the `oauth2` auth kind (errors name them; a rotated refresh token is
/// written back to them).
pub const OAUTH2_FIELDS: connector_http::OAuth2Fields = connector_http::OAuth2Fields {
    client_id: "auth.client_id",
    client_secret: "auth.client_secret",
    refresh_token: "auth.refresh_token",
    access_token: "auth.access_token",
};

/// How the connector authenticates: one branch per method.
#[derive(Deserialize, JsonSchema)]
#[serde(tag = "type", deny_unknown_fields)]
#[schemars(extend("discriminator" = {"propertyName": "type"}))]
pub enum Auth {
    /// # API key (HTTP Basic)
    /// A REST API key from Settings → REST API, sent with its owner's email as HTTP Basic
    /// credentials. Budget: 40 requests per 20 s per account.
    #[serde(rename = "basic")]
    Basic {
        /// # Email
        /// The email of the user who owns the API key.
        #[schemars(email, length(min = 3, max = 320), example = &"agent@acme.com")]
        email: String,
        /// # API key
        /// The REST API key.
        #[schemars(with = "String", length(min = 1), extend("writeOnly" = true, "airbyte_secret" = true))]
        api_key: SecretString,
    },
    /// # Access token (Bearer)
    /// An OAuth2 access token of a Gorgias app, or an API key used as a bearer token. Budget:
    /// 80 requests per 20 s per account for OAuth2 apps.
    #[serde(rename = "bearer")]
    Bearer {
        /// # Access token
        /// The access token, sent in the Authorization header as a bearer token.
        #[schemars(with = "String", length(min = 1), extend("writeOnly" = true, "airbyte_secret" = true))]
        token: SecretString,
    },
    /// # OAuth2 app (refreshing tokens)
    /// A Gorgias OAuth2 app's client id and secret, and the refresh token its consent gave
    /// (with the offline scope). The connector gets and refreshes access tokens at the
    /// account's own /oauth/token address itself, so the connection keeps working after the
    /// access token expires. Budget: 80 requests per 20 s per account.
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// # Client ID
        /// The app's client id (its app id in Gorgias).
        #[schemars(length(min = 1, max = 500))]
        client_id: String,
        /// # Client secret
        /// The app's client secret.
        #[schemars(with = "String", length(min = 1), extend("writeOnly" = true, "airbyte_secret" = true))]
        client_secret: SecretString,
        /// # Refresh token
        /// The refresh token from the app's consent (asked with the offline scope).
        #[schemars(with = "String", length(min = 1), extend("writeOnly" = true, "airbyte_secret" = true))]
        refresh_token: SecretString,
        /// # Access token (optional)
        /// A current access token, if you have one; leave empty and the connector gets one.
        /// The connector keeps it up to date when it stores an updated config.
        #[serde(default)]
        #[schemars(with = "Option<String>", extend("writeOnly" = true, "airbyte_secret" = true))]
        access_token: Option<SecretString>,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Basic { email, .. } => f
                .debug_struct("Basic")
                .field("email", email)
                .field("api_key", &"[redacted]")
                .finish(),
            Auth::Bearer { .. } => f
                .debug_struct("Bearer")
                .field("token", &"[redacted]")
                .finish(),
            Auth::OAuth2 {
                client_id,
                access_token,
                ..
            } => f
                .debug_struct("OAuth2")
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .field("refresh_token", &"[redacted]")
                .field("access_token", &access_token.as_ref().map(|_| "[redacted]"))
                .finish(),
        }
    }
}

impl std::fmt::Debug for GorgiasConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GorgiasConfig")
            .field("subdomain", &self.subdomain)
            .field("auth", &self.auth)
            .field("start_date", &self.start_date)
            .field("page_size", &self.page_size)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl Auth {
    /// The wire scheme.
    pub fn scheme(&self) -> connector_sdk::AuthScheme {
        match self {
            Auth::Basic { .. } => connector_sdk::AuthScheme::Basic,
            Auth::Bearer { .. } | Auth::OAuth2 { .. } => connector_sdk::AuthScheme::Bearer,
        }
    }

    /// Refuses credentials holding spaces, tabs, line breaks or other control characters (a
    /// copy-paste artefact that would otherwise earn a bare 401), naming the field.
    fn check_characters(&self) -> Result<(), Error> {
        let bad = |s: &str| s.chars().any(|c| c.is_whitespace() || c.is_control());
        let refuse = |field: &str, what: &str| {
            Err(Error::invalid_config(
                field,
                format!(
                    "contains spaces, tabs, line breaks or control characters (often a copy-paste artefact); paste the {what} again without them"
                ),
            ))
        };
        match self {
            Auth::Basic { email, api_key } => {
                if bad(email) {
                    return refuse("auth.email", "email");
                }
                if bad(api_key.expose_secret()) {
                    return refuse("auth.api_key", "API key");
                }
            }
            Auth::Bearer { token } => {
                if bad(token.expose_secret()) {
                    return refuse("auth.token", "token");
                }
            }
            Auth::OAuth2 {
                client_id,
                client_secret,
                refresh_token,
                access_token,
            } => {
                if bad(client_id) {
                    return refuse(OAUTH2_FIELDS.client_id, "client id");
                }
                if bad(client_secret.expose_secret()) {
                    return refuse(OAUTH2_FIELDS.client_secret, "client secret");
                }
                if bad(refresh_token.expose_secret()) {
                    return refuse(OAUTH2_FIELDS.refresh_token, "refresh token");
                }
                if access_token
                    .as_ref()
                    .is_some_and(|t| bad(t.expose_secret()))
                {
                    return refuse(OAUTH2_FIELDS.access_token, "access token");
                }
            }
        }
        Ok(())
    }

    /// Where the `Authorization` header comes from (a fixed header, or an OAuth2 session whose
    /// token URL is the account's own `/oauth/token`) and the redactor of every form of the
    /// secrets. `document` is the whole config: an OAuth2 session whose refresh token rotates
    /// hands it, updated, to `updates` before it uses the new tokens.
    pub(crate) fn credentials(
        &self,
        document: &serde_json::Value,
        updates: connector_sdk::ConfigSink,
    ) -> Result<connector_http::Credentials, Error> {
        use connector_http::Credentials;
        match self {
            Auth::Basic { email, api_key } => {
                Credentials::basic(email, api_key.expose_secret(), "auth.api_key")
            }
            Auth::Bearer { token } => Credentials::bearer(token.expose_secret(), "auth.token"),
            Auth::OAuth2 {
                client_id,
                client_secret,
                refresh_token,
                access_token,
            } => Credentials::oauth2(
                connector_http::OAuth2::new(
                    crate::oauth::TOKEN_PATH,
                    OAUTH2_FIELDS,
                    client_id.as_str(),
                    client_secret.expose_secret(),
                    refresh_token.expose_secret(),
                )
                .access_token(access_token.as_ref().map(|t| t.expose_secret().to_string()))
                .updates(document.clone(), updates),
            ),
        }
    }
}

/// A config after every rule the schema cannot express has been checked.
#[derive(Debug)]
pub struct Resolved {
    /// The normalised subdomain.
    pub subdomain: String,
    /// Where requests go: `https://<subdomain>.gorgias.com` or a loopback override, no trailing slash.
    pub base_url: url::Url,
    /// The credentials.
    pub auth: Auth,
    /// The first-sync lower bound.
    pub start_date: Option<chrono::DateTime<chrono::Utc>>,
    /// Records per request.
    pub page_size: u32,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The account's rate-limit window.
    pub window: Duration,
}

/// Normalises a subdomain: `acme`, `ACME`, `acme.gorgias.com`, `https://acme.gorgias.com/app`
/// all give `acme`. Anything else is refused with a reason.
pub fn normalise_subdomain(input: &str) -> Result<String, Error> {
    let refuse = |why: &str| {
        Error::invalid_config(
            "subdomain",
            format!("{why}; give only your Gorgias subdomain, e.g. acme for acme.gorgias.com"),
        )
    };
    let text = input.trim();
    let host = if let Some((scheme, rest)) = text.split_once("://") {
        if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
            return Err(refuse("is an address with an unsupported scheme"));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains('@') {
            return Err(refuse("contains user information (@)"));
        }
        if authority.contains(':') {
            return Err(refuse("contains a port"));
        }
        let lower = authority.to_ascii_lowercase();
        match lower.strip_suffix(".gorgias.com") {
            Some(sub) => sub.to_string(),
            None => return Err(refuse("is not a gorgias.com address")),
        }
    } else {
        let lower = text.to_ascii_lowercase();
        let bare = lower.strip_suffix(".gorgias.com").unwrap_or(&lower);
        if bare.contains(['/', '?', '#', '@', ':']) {
            return Err(refuse(
                "contains characters that are not allowed in a subdomain",
            ));
        }
        bare.to_string()
    };
    let ok = !host.is_empty()
        && host.len() <= 63
        && host
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !host.starts_with('-')
        && !host.ends_with('-');
    if !ok {
        return Err(refuse(
            "must be 1 to 63 letters, digits or hyphens, not starting or ending with a hyphen",
        ));
    }
    // `xn--…` is an internationalised name in punycode (and any `??--` label is reserved for
    // such encodings, RFC 5891 §4.2.3.1): refused like its Unicode form, never decoded.
    if host.get(2..4) == Some("--") {
        return Err(refuse(
            "is an internationalised (punycode) or reserved name, not a Gorgias subdomain",
        ));
    }
    Ok(host)
}

/// Accepts a base URL only if it points at this machine (loopback) with no credentials, path,
/// query or fragment.
pub fn loopback_base_url(input: &str) -> Result<url::Url, Error> {
    let refuse = |why: &str| {
        Error::invalid_config(
            "base_url",
            format!(
                "{why}; base_url is for a local sandbox only (e.g. http://127.0.0.1:8089): remove it to use https://<subdomain>.gorgias.com"
            ),
        )
    };
    let url = url::Url::parse(input.trim()).map_err(|_| refuse("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(refuse("must use http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("must not contain user information"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("must not have a path, query or fragment"));
    }
    if !connector_http::client::is_loopback(&url) {
        return Err(refuse("is not a loopback address"));
    }
    Ok(url)
}

impl GorgiasConfig {
    /// Checks the rules the schema cannot express and resolves the base URL.
    pub fn resolve(self) -> Result<Resolved, Error> {
        let subdomain = normalise_subdomain(&self.subdomain)?;
        let base_url = match &self.base_url {
            Some(b) if b.trim().is_empty() => {
                return Err(Error::invalid_config(
                    "base_url",
                    "is empty; remove the field to use https://<subdomain>.gorgias.com, or give a loopback sandbox address such as http://127.0.0.1:8089",
                ));
            }
            Some(b) => loopback_base_url(b)?,
            None => url::Url::parse(&format!("https://{subdomain}.gorgias.com/"))
                .map_err(|_| Error::invalid_config("subdomain", "does not form a valid address"))?,
        };
        self.auth.check_characters()?;
        if let Auth::Basic { email, .. } = &self.auth
            && !email.contains('@')
        {
            return Err(Error::invalid_config(
                "auth.email",
                "must be an email address like agent@acme.com",
            ));
        }
        let start_date = match self.start_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(parse_datetime(s).ok_or_else(|| {
                Error::invalid_config(
                    "start_date",
                    "must be a date like 2024-01-31 or 2024-01-31T00:00:00Z",
                )
            })?),
        };
        if !(1..=100).contains(&self.page_size) {
            return Err(Error::invalid_config(
                "page_size",
                "must be between 1 and 100",
            ));
        }
        if self.request_timeout_secs == 0 {
            return Err(Error::invalid_config(
                "request_timeout_secs",
                "must be at least 1",
            ));
        }
        let window = self.rate_limit_window_secs;
        if !(1..=DEFAULT_WINDOW_SECS).contains(&window) {
            return Err(Error::invalid_config(
                "rate_limit_window_secs",
                "must be between 1 and 20 (20 on most plans, 10 on Enterprise plans)",
            ));
        }
        if window < 10 && self.base_url.is_none() {
            return Err(Error::invalid_config(
                "rate_limit_window_secs",
                "must be 10 or 20 for a Gorgias account (windows under 10 s are for a local sandbox with a base_url)",
            ));
        }
        Ok(Resolved {
            subdomain,
            base_url,
            auth: self.auth,
            start_date,
            page_size: self.page_size,
            timeout: Duration::from_secs(self.request_timeout_secs),
            window: Duration::from_secs(window),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_are_normalised() {
        for (input, want) in [
            ("acme", "acme"),
            ("ACME", "acme"),
            (" acme ", "acme"),
            ("acme.gorgias.com", "acme"),
            ("https://acme.gorgias.com/app", "acme"),
            ("https://acme.gorgias.com/app/tickets?x=1", "acme"),
            ("http://my-shop-2.gorgias.com", "my-shop-2"),
        ] {
            assert_eq!(normalise_subdomain(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn hostile_subdomains_are_refused() {
        for input in [
            "",
            "-acme",
            "acme-",
            "a.b",
            "evil.com",
            "acme.gorgias.com.evil.com",
            "https://evil.com/acme",
            "https://acme.gorgias.com@evil.com",
            "https://user:pw@acme.gorgias.com",
            "https://acme.gorgias.com:8443",
            "ftp://acme.gorgias.com",
            "acme/../x",
            "acme%2e",
            "ácme",
            "127.0.0.1",
            "[::1]",
            "acme?x",
            "acme#x",
            "javascript://acme.gorgias.com",
            &"a".repeat(64),
        ] {
            let e = normalise_subdomain(input).expect_err(input).to_string();
            assert!(e.starts_with("invalid config: subdomain:"), "{e}");
        }
    }

    #[test]
    fn base_url_must_be_loopback() {
        for ok in [
            "http://127.0.0.1:8089",
            "http://127.0.0.1:8089/",
            "http://localhost:1",
            "http://[::1]:9",
            "https://127.5.0.1",
        ] {
            loopback_base_url(ok).expect(ok);
        }
        for bad in [
            "http://10.0.0.1",
            "http://192.168.1.1:80",
            "https://acme.gorgias.com",
            "http://evil.com",
            "http://user:pw@127.0.0.1",
            "http://127.0.0.1/api",
            "http://127.0.0.1?x=1",
            "file:///etc/passwd",
            "http://0.0.0.0",
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io",
            "not a url",
            "http://[::ffff:10.0.0.1]",
        ] {
            let e = loopback_base_url(bad).expect_err(bad).to_string();
            assert!(e.starts_with("invalid config: base_url:"), "{e}");
        }
    }

    fn resolve(auth: serde_json::Value, extra: serde_json::Value) -> Result<Resolved, Error> {
        let mut config = serde_json::json!({"subdomain": "acme", "auth": auth});
        if let (Some(c), Some(e)) = (config.as_object_mut(), extra.as_object()) {
            c.extend(e.clone());
        }
        serde_json::from_value::<GorgiasConfig>(config)
            .expect("parses")
            .resolve()
    }

    #[test]
    fn rate_limit_windows_under_ten_seconds_need_a_sandbox() {
        let basic = serde_json::json!({"type": "basic", "email": "a@b.co", "api_key": "k"});
        let window = |extra| resolve(basic.clone(), extra).map(|r| r.window);
        assert_eq!(
            window(serde_json::json!({})).unwrap(),
            Duration::from_secs(20)
        );
        assert_eq!(
            window(serde_json::json!({"rate_limit_window_secs": 10})).unwrap(),
            Duration::from_secs(10)
        );
        let e = window(serde_json::json!({"rate_limit_window_secs": 1}))
            .expect_err("refused")
            .to_string();
        assert!(
            e.starts_with("invalid config: rate_limit_window_secs: must be 10 or 20"),
            "{e}"
        );
        assert_eq!(
            window(
                serde_json::json!({"rate_limit_window_secs": 1, "base_url": "http://127.0.0.1:9"})
            )
            .unwrap(),
            Duration::from_secs(1)
        );
        for bad in [0, 21] {
            let e = window(serde_json::json!({"rate_limit_window_secs": bad}))
                .expect_err("refused")
                .to_string();
            assert!(e.contains("must be between 1 and 20"), "{e}");
        }
    }

    #[test]
    fn an_empty_base_url_is_refused_not_production() {
        let basic = serde_json::json!({"type": "basic", "email": "a@b.co", "api_key": "k"});
        for empty in ["", "  "] {
            let e = resolve(basic.clone(), serde_json::json!({"base_url": empty}))
                .expect_err("refused")
                .to_string();
            assert!(e.starts_with("invalid config: base_url: is empty"), "{e}");
        }
        let ok = resolve(basic, serde_json::json!({})).expect("resolves");
        assert_eq!(ok.base_url.as_str(), "https://acme.gorgias.com/");
    }

    #[test]
    fn credentials_with_whitespace_or_controls_are_refused_by_field() {
        for (auth, field) in [
            (
                serde_json::json!({"type": "basic", "email": "a@b.co", "api_key": "key\n"}),
                "auth.api_key",
            ),
            (
                serde_json::json!({"type": "basic", "email": "a@b.co", "api_key": "ke y"}),
                "auth.api_key",
            ),
            (
                serde_json::json!({"type": "basic", "email": "a@b.co", "api_key": "key\r"}),
                "auth.api_key",
            ),
            (
                serde_json::json!({"type": "basic", "email": "a@b.co ", "api_key": "key"}),
                "auth.email",
            ),
            (
                serde_json::json!({"type": "bearer", "token": "\ttok"}),
                "auth.token",
            ),
            (
                serde_json::json!({"type": "bearer", "token": "tok\u{1b}"}),
                "auth.token",
            ),
            (
                serde_json::json!({"type": "oauth2", "client_id": "app 1", "client_secret": "s", "refresh_token": "r"}),
                "auth.client_id",
            ),
            (
                serde_json::json!({"type": "oauth2", "client_id": "app", "client_secret": "s\n", "refresh_token": "r"}),
                "auth.client_secret",
            ),
            (
                serde_json::json!({"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": " r"}),
                "auth.refresh_token",
            ),
            (
                serde_json::json!({"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r", "access_token": "a\tb"}),
                "auth.access_token",
            ),
        ] {
            let e = resolve(auth, serde_json::json!({}))
                .expect_err(field)
                .to_string();
            assert!(
                e.starts_with(&format!("invalid config: {field}: contains spaces")),
                "{e}"
            );
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let auth = Auth::Basic {
            email: "a@b.c".into(),
            api_key: SecretString::from("CANARY-KEY"),
        };
        assert!(!format!("{auth:?}").contains("CANARY"));
        let auth = Auth::Bearer {
            token: SecretString::from("CANARY-TOKEN"),
        };
        assert!(!format!("{auth:?}").contains("CANARY"));
        let auth = Auth::OAuth2 {
            client_id: "app-1".into(),
            client_secret: SecretString::from("CANARY-SECRET"),
            refresh_token: SecretString::from("CANARY-REFRESH"),
            access_token: Some(SecretString::from("CANARY-ACCESS")),
        };
        let shown = format!("{auth:?}");
        assert!(
            !shown.contains("CANARY") && shown.contains("app-1"),
            "{shown}"
        );
    }

    #[test]
    fn an_oauth2_config_parses_with_or_without_an_access_token() {
        for auth in [
            serde_json::json!({"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r"}),
            serde_json::json!({"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r", "access_token": "a.b.c"}),
        ] {
            let r = resolve(auth, serde_json::json!({})).expect("resolves");
            assert_eq!(r.auth.scheme(), connector_sdk::AuthScheme::Bearer);
        }
        let e = serde_json::from_value::<GorgiasConfig>(serde_json::json!({
            "subdomain": "acme",
            "auth": {"type": "oauth2", "client_id": "app", "client_secret": "s", "refresh_token": "r", "token_url": "https://evil.example/t"}
        }))
        .expect_err("an unknown field is refused");
        assert!(e.to_string().contains("token_url"), "{e}");
    }
}
