//! The one error type of the SDK and of every connector built on it.
//!
//! Each variant says what went wrong *and what to do*. A host decides between retrying and
//! failing from [`Error::is_retryable`] and reports [`Error::failure_type`] to its users. No
//! variant ever carries a secret: connectors must build messages from field names, never from
//! the values of secret fields.

use std::time::Duration;

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while configuring, checking, reading or acting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration does not match the connector's config schema or rules.
    #[error("invalid config: {path}: {reason}")]
    InvalidConfig {
        /// The field, in words, e.g. `auth.api_key` (or `(root)` for the whole document).
        path: String,
        /// Why it is refused and how to fix it.
        reason: String,
    },
    /// An action's input does not match its input schema; no request was made.
    #[error("invalid input for action `{action}`: {path}: {reason}")]
    InvalidInput {
        /// The action's name.
        action: String,
        /// The field, e.g. `ids[2]` (or `(root)`).
        path: String,
        /// Why it is refused and how to fix it.
        reason: String,
    },
    /// A saved state cannot be used for this stream.
    #[error("invalid state for stream `{stream}`: {reason}; drop the stream's state to resync it")]
    InvalidState {
        /// The stream whose state is refused.
        stream: String,
        /// Why.
        reason: String,
    },
    /// The stream or action name is not declared by this connector.
    #[error("unknown {kind} `{name}`; known: {known}")]
    Unknown {
        /// `stream` or `action`.
        kind: &'static str,
        /// The name that was asked for.
        name: String,
        /// The declared names, comma separated.
        known: String,
    },
    /// The service rejected the credentials (HTTP 401).
    #[error("authentication rejected: {message}; check the credentials in the config")]
    AuthRejected {
        /// The service's own message.
        message: String,
    },
    /// The credentials are valid but lack the permission (HTTP 403).
    #[error("permission denied: {message}; grant the user or app the needed role or scope")]
    PermissionDenied {
        /// The service's own message.
        message: String,
    },
    /// The credentials are an OAuth token that lacks a scope the call needs (an HTTP 403 whose
    /// message names the scope).
    #[error(
        "missing OAuth scope `{scope}`: {message}; reconnect the app with `{scope}` among the scopes it asks for"
    )]
    MissingScope {
        /// The scope the service named, e.g. `write:all`.
        scope: String,
        /// The service's own message.
        message: String,
    },
    /// The thing asked for does not exist (HTTP 404).
    #[error("not found: {what}: {message}")]
    NotFound {
        /// What was looked for, e.g. `ticket 42` or `account at subdomain acme`.
        what: String,
        /// The service's own message.
        message: String,
    },
    /// The request conflicts with existing data (HTTP 409).
    #[error("conflict: {message}")]
    Conflict {
        /// The service's own message.
        message: String,
    },
    /// The service kept answering 429 after all retries.
    #[error("rate limited after {attempts} attempts{}; lower the concurrency or retry later", wait_note(*retry_after))]
    RateLimited {
        /// The last wait the service asked for.
        retry_after: Option<Duration>,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The service refused the request (4xx) or failed (5xx after retries).
    #[error("upstream error {status}: {message}")]
    Upstream {
        /// The HTTP status.
        status: u16,
        /// The service's own message (and field errors, when it sent them).
        message: String,
    },
    /// The network failed: connection refused or reset, timeout, TLS.
    #[error("transport error: {message}")]
    Transport {
        /// What failed, without URLs that could carry credentials.
        message: String,
        /// Whether it was a timeout.
        timeout: bool,
    },
    /// The service answered something the connector cannot use.
    #[error("invalid response: expected {expected}: {detail}")]
    InvalidResponse {
        /// What was expected, e.g. `a JSON list page`.
        expected: String,
        /// What came instead (truncated, never a secret).
        detail: String,
    },
    /// A response body was larger than the client may buffer; nothing of it was used.
    #[error(
        "invalid response: the answer to {what} exceeded {limit_bytes} bytes, the cap on one response body; lower page_size, or raise the cap if the account really sends such bodies"
    )]
    ResponseTooLarge {
        /// The request, e.g. `GET /api/tickets` (no query: it may carry cursors).
        what: String,
        /// The cap, in bytes.
        limit_bytes: u64,
    },
    /// A bug in the connector or a local failure that is nobody's input: report it.
    #[error(
        "internal error: {message}; this is a bug or a local failure, not a problem with the config: please report it"
    )]
    Internal {
        /// What went wrong.
        message: String,
    },
    /// A local I/O problem (reading a config file, writing schemas).
    #[error("{context}: {source}")]
    Io {
        /// What was being done, e.g. `reading --config ./config.json`.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

fn wait_note(wait: Option<Duration>) -> String {
    match wait {
        Some(w) if w >= Duration::from_secs(3600 * 24 * 365) => {
            " (the service asked to wait more than a year)".into()
        }
        Some(w) => format!(
            " (the service last asked to wait {} s)",
            w.as_secs_f64().ceil()
        ),
        None => String::new(),
    }
}

/// How a failure is reported in the Airbyte protocol's TRACE ERROR message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureType {
    /// The user must fix the configuration or the credentials.
    ConfigError,
    /// Trying again later may succeed.
    TransientError,
    /// A bug or an unexpected answer: report it.
    SystemError,
}

impl Error {
    /// Whether the same request may succeed if tried again later: 429s, transport failures,
    /// 408 and 5xx. This is the one source of truth for which errors are transient: HTTP
    /// clients built on the SDK (connector-http's `retry::decide`) retry exactly these, adding
    /// only what an error cannot say (the request's retry policy, and a 2xx body cut off in
    /// transit, which arrives as [`Error::InvalidResponse`]).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Transport { .. } => true,
            Error::Upstream { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The Airbyte failure type of this error.
    pub fn failure_type(&self) -> FailureType {
        match self {
            Error::InvalidConfig { .. }
            | Error::InvalidInput { .. }
            | Error::InvalidState { .. }
            | Error::Unknown { .. }
            | Error::AuthRejected { .. }
            | Error::PermissionDenied { .. }
            | Error::MissingScope { .. } => FailureType::ConfigError,
            e if e.is_retryable() => FailureType::TransientError,
            Error::NotFound { .. } | Error::Conflict { .. } | Error::Upstream { .. } => {
                FailureType::ConfigError
            }
            _ => FailureType::SystemError,
        }
    }

    /// Builds an [`Error::InvalidConfig`].
    pub fn invalid_config(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidConfig {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Builds an [`Error::InvalidResponse`], truncating the detail to 200 characters.
    pub fn invalid_response(expected: impl Into<String>, detail: impl AsRef<str>) -> Self {
        let detail: String = detail.as_ref().chars().take(200).collect();
        Error::InvalidResponse {
            expected: expected.into(),
            detail,
        }
    }

    /// Builds an [`Error::Upstream`].
    pub fn upstream(status: u16, message: impl Into<String>) -> Self {
        Error::Upstream {
            status,
            message: message.into(),
        }
    }

    /// Builds an [`Error::Transport`].
    pub fn transport(message: impl Into<String>, timeout: bool) -> Self {
        Error::Transport {
            message: message.into(),
            timeout,
        }
    }

    /// Builds an [`Error::Internal`].
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }

    /// The same error with every free-text field passed through `f` (e.g. a
    /// [`crate::redact::Redactor`]); field names, statuses and numbers are kept.
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Error::InvalidConfig { path, reason } => Error::InvalidConfig {
                path: f(&path),
                reason: f(&reason),
            },
            Error::InvalidInput {
                action,
                path,
                reason,
            } => Error::InvalidInput {
                action,
                path: f(&path),
                reason: f(&reason),
            },
            Error::InvalidState { stream, reason } => Error::InvalidState {
                stream,
                reason: f(&reason),
            },
            Error::Unknown { kind, name, known } => Error::Unknown {
                kind,
                name: f(&name),
                known,
            },
            Error::AuthRejected { message } => Error::AuthRejected {
                message: f(&message),
            },
            Error::PermissionDenied { message } => Error::PermissionDenied {
                message: f(&message),
            },
            Error::MissingScope { scope, message } => Error::MissingScope {
                scope: f(&scope),
                message: f(&message),
            },
            Error::NotFound { what, message } => Error::NotFound {
                what: f(&what),
                message: f(&message),
            },
            Error::Conflict { message } => Error::Conflict {
                message: f(&message),
            },
            Error::Upstream { status, message } => Error::Upstream {
                status,
                message: f(&message),
            },
            Error::Transport { message, timeout } => Error::Transport {
                message: f(&message),
                timeout,
            },
            Error::InvalidResponse { expected, detail } => Error::InvalidResponse {
                expected,
                detail: f(&detail),
            },
            Error::ResponseTooLarge { what, limit_bytes } => Error::ResponseTooLarge {
                what: f(&what),
                limit_bytes,
            },
            Error::Internal { message } => Error::Internal {
                message: f(&message),
            },
            Error::Io { context, source } => Error::Io {
                context: f(&context),
                source,
            },
            e @ Error::RateLimited { .. } => e,
        }
    }

    /// A short, stable name of the variant, for metrics and snapshots.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidConfig { .. } => "invalid_config",
            Error::InvalidInput { .. } => "invalid_input",
            Error::InvalidState { .. } => "invalid_state",
            Error::Unknown { .. } => "unknown",
            Error::AuthRejected { .. } => "auth_rejected",
            Error::PermissionDenied { .. } => "permission_denied",
            Error::MissingScope { .. } => "missing_scope",
            Error::NotFound { .. } => "not_found",
            Error::Conflict { .. } => "conflict",
            Error::RateLimited { .. } => "rate_limited",
            Error::Upstream { .. } => "upstream",
            Error::Transport { .. } => "transport",
            Error::InvalidResponse { .. } => "invalid_response",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::Internal { .. } => "internal",
            Error::Io { .. } => "io",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_and_failure_types() {
        assert!(Error::upstream(503, "down").is_retryable());
        assert!(!Error::upstream(400, "bad").is_retryable());
        assert!(Error::transport("reset", false).is_retryable());
        assert_eq!(
            Error::invalid_config("subdomain", "x").failure_type(),
            FailureType::ConfigError
        );
        assert_eq!(
            Error::upstream(502, "x").failure_type(),
            FailureType::TransientError
        );
        assert_eq!(
            Error::invalid_response("page", "x").failure_type(),
            FailureType::SystemError
        );
    }

    #[test]
    fn messages_name_the_field_and_the_fix() {
        let e = Error::invalid_config("auth.api_key", "is missing; add it");
        assert_eq!(
            e.to_string(),
            "invalid config: auth.api_key: is missing; add it"
        );
        let long = "x".repeat(1000);
        let Error::InvalidResponse { detail, .. } = Error::invalid_response("json", long) else {
            unreachable!()
        };
        assert_eq!(detail.len(), 200);
    }
}
