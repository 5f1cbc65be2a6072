//! Errors: [`SandboxError`] for the library API, [`ApiError`] for HTTP answers in Gorgias's
//! `{"error":{"msg":..,"data":{field:[..]}}}` shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// What the library API can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The listener could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The options are inconsistent (e.g. two accounts with the same subdomain).
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// No account has this subdomain.
    #[error("unknown account {0:?}")]
    UnknownAccount(String),
    /// No record of this object has this id.
    #[error("no {object} with id {id}")]
    NotFound {
        /// The object kind.
        object: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// The operation does not apply to this object (e.g. `touch` on an object without
    /// `updated_datetime`).
    #[error("{0}")]
    Unsupported(String),
    /// A write was refused the way the HTTP API would refuse it.
    #[error("rejected ({status}): {body}")]
    Rejected {
        /// The HTTP status the API would answer.
        status: u16,
        /// The JSON error body.
        body: String,
    },
}

/// An HTTP error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// Status code.
    pub status: StatusCode,
    /// Human message (`error.msg`).
    pub msg: String,
    /// Per-field messages (`error.data`), if any.
    pub data: Option<Value>,
}

impl ApiError {
    /// An error with a message and no field data.
    pub fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        Self {
            status,
            msg: msg.into(),
            data: None,
        }
    }

    /// 404 `Resource not found.`
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Resource not found.")
    }

    /// 401 `Unauthorized.`
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unauthorized.")
    }

    /// 409 `The resource already exists.` naming the field in `data`.
    pub fn conflict(field: &str, msg: &str) -> Self {
        Self::new(StatusCode::CONFLICT, "The resource already exists.").with_field(field, msg)
    }

    /// 400 with a message and no field yet.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, msg)
    }

    /// 400 naming one query parameter.
    pub fn bad_param(param: &str, msg: &str) -> Self {
        Self::bad_request("Invalid request parameters.").with_field(param, msg)
    }

    /// 500 for states that should not happen.
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, msg)
    }

    /// Adds one message for a field to `data`.
    #[must_use]
    pub fn with_field(mut self, field: &str, msg: &str) -> Self {
        let data = self.data.get_or_insert_with(|| Value::Object(Map::new()));
        if let Some(map) = data.as_object_mut() {
            let entry = map
                .entry(field.to_owned())
                .or_insert_with(|| Value::Array(vec![]));
            if let Some(list) = entry.as_array_mut() {
                list.push(Value::String(msg.to_owned()));
            }
        }
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut error = json!({ "msg": self.msg });
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut resp = (self.status, body).into_response();
        // Errors say `charset=utf-8`, successes do not (recorded: Nango test unarchive-macros).
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        resp
    }
}

impl From<ApiError> for SandboxError {
    fn from(e: ApiError) -> Self {
        SandboxError::Rejected {
            status: e.status.as_u16(),
            body: e.body().to_string(),
        }
    }
}

/// Collects per-field validation messages, then turns them into one 400.
#[derive(Debug, Default)]
pub struct FieldErrors {
    fields: Vec<(String, String)>,
}

impl FieldErrors {
    /// Records a message for a field.
    pub fn add(&mut self, field: impl Into<String>, msg: impl Into<String>) {
        self.fields.push((field.into(), msg.into()));
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `Ok(())` when empty, else a 400 with `msg` and every field message.
    pub fn into_result(self, msg: &str) -> Result<(), ApiError> {
        if self.fields.is_empty() {
            return Ok(());
        }
        let mut err = ApiError::bad_request(msg);
        for (f, m) in &self.fields {
            err = err.with_field(f, m);
        }
        Err(err)
    }
}
