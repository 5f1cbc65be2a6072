//! Client knobs that are not part of a user's config: pacing and retries. Only
//! [`PACING_ENV`](crate::PACING_ENV) reaches them in production; tests and benchmarks set them
//! through the `testing` feature ([`GorgiasDefinition::with_options`](crate::GorgiasDefinition)).

use std::time::Duration;

use connector_http::RetryOptions;

use crate::PACING_ENV;

/// How the client paces requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Pacing {
    /// The declared limit of the auth scheme in use (production).
    Declared,
    /// The declared request counts over another window (tests and benchmarks against a sandbox
    /// whose window is scaled the same way).
    Window(Duration),
    /// No pacing (benchmarks with the sandbox limit off). 429s are still honoured.
    Off,
}

/// Client knobs that are not part of a user's config.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Pacing.
    pub pacing: Pacing,
    /// Retries.
    pub retry: RetryOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            pacing: Pacing::Declared,
            retry: RetryOptions::default(),
        }
    }
}

/// The longest window [`Pacing::parse`] accepts: an hour (Gorgias's windows are 10 s and 20 s;
/// anything far longer is a typo, and would overflow the pacer's clock arithmetic).
const MAX_WINDOW_MS: u64 = 3_600_000;

impl Pacing {
    /// Reads a pacing from its [`PACING_ENV`] form (windows up to an hour); `None` if it is
    /// not one.
    pub fn parse(text: &str) -> Option<Pacing> {
        let t = text.trim().to_ascii_lowercase();
        let window = |n: &str, unit_ms: u64| {
            n.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .and_then(|n| n.checked_mul(unit_ms))
                .filter(|ms| *ms <= MAX_WINDOW_MS)
                .map(|ms| Pacing::Window(Duration::from_millis(ms)))
        };
        match t.as_str() {
            "" | "declared" => Some(Pacing::Declared),
            "off" | "none" => Some(Pacing::Off),
            _ => match t.strip_suffix("ms") {
                Some(n) => window(n, 1),
                None => t.strip_suffix('s').and_then(|n| window(n, 1000)),
            },
        }
    }
}

impl ClientOptions {
    /// The production options, with the pacing taken from [`PACING_ENV`] when it is set (an
    /// unreadable value keeps the declared pacing and logs a warning).
    pub fn from_env() -> Self {
        let mut options = ClientOptions::default();
        if let Ok(text) = std::env::var(PACING_ENV) {
            match Pacing::parse(&text) {
                Some(p) => options.pacing = p,
                None => {
                    tracing::warn!(value = %text, "{PACING_ENV} must be declared, off, or a window like 10s; using the declared limit")
                }
            }
        }
        options
    }
}
