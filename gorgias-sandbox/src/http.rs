//! Request and response plumbing shared by every object: the [`Call`] extractor (caller, URI,
//! query pairs, path parameters, JSON body), body validation ([`Field`] rules producing
//! Gorgias's `{"error":{"msg":..,"data":{field:[..]}}}` 400s) and response builders.

use crate::error::{ApiError, FieldErrors};
use crate::server::{Ctx, json_text};
use crate::time::{self, Micros};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// Result of a handler.
pub type ApiResult = Result<Response, ApiError>;

/// Everything a handler needs from a request.
#[derive(Debug, Clone)]
pub struct Call {
    /// The caller.
    pub ctx: Ctx,
    /// The path as requested (after trailing-slash normalisation).
    pub path: String,
    /// Query pairs in order.
    pub params: Vec<(String, String)>,
    /// Path parameters in order, as text.
    pub path_params: Vec<String>,
    /// The JSON body (`null` when empty or for `GET`).
    pub body: Value,
}

impl Call {
    /// The `n`-th path parameter as an id; anything but an integer is a 404 (as Gorgias
    /// answers for unknown resources).
    pub fn id(&self, n: usize) -> Result<i64, ApiError> {
        self.path_params
            .get(n)
            .and_then(|s| s.parse().ok())
            .ok_or_else(ApiError::not_found)
    }

    /// The first path parameter as an id.
    pub fn first_id(&self) -> Result<i64, ApiError> {
        self.id(0)
    }

    /// The `n`-th path parameter as text.
    pub fn path_param(&self, n: usize) -> &str {
        self.path_params.get(n).map_or("", String::as_str)
    }

    /// The last value of a query parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for Call {
    type Rejection = ApiError;

    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, s).await?;
        let path_params = match RawPathParams::from_request_parts(&mut parts, s).await {
            Ok(raw) => raw.iter().map(|(_, v)| v.to_owned()).collect(),
            Err(_) => Vec::new(),
        };
        let params = parse_query(parts.uri.query());
        let path = parts.uri.path().to_owned();
        let reads_body = matches!(parts.method, Method::POST | Method::PUT | Method::DELETE);
        let req = Request::from_parts(parts, body);
        let body = if reads_body {
            let bytes = Bytes::from_request(req, s)
                .await
                .map_err(|_| ApiError::bad_request("Could not read the request body."))?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                Value::Null
            } else {
                serde_json::from_slice(&bytes)
                    .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}.")))?
            }
        } else {
            Value::Null
        };
        Ok(Self {
            ctx,
            path,
            params,
            path_params,
            body,
        })
    }
}

/// Parses a raw query string into pairs (lossy, never fails).
pub fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// The `uri` Gorgias echoes in list envelopes: the path, `?`, and the query pairs
/// percent-encoded (`/api/macros?order_by=updated_datetime%3Aasc&limit=100`; a bare `?`
/// without a query: `/api/tickets?`) (recorded: Nango tests macros, list-tickets).
pub fn echo_uri(path: &str, params: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// Type of a body field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    /// A string.
    Str,
    /// A string with an `@`.
    Email,
    /// An integer.
    Int,
    /// A number.
    Num,
    /// A boolean.
    Bool,
    /// An object.
    Object,
    /// An array.
    Array,
    /// A datetime string.
    Datetime,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// Anything.
    Any,
}

/// One body field rule.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Field name.
    pub name: &'static str,
    /// Type.
    pub ty: Ty,
    /// Required.
    pub required: bool,
}

/// A required field.
pub const fn req(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: true,
    }
}

/// An optional (nullable) field.
pub const fn opt(name: &'static str, ty: Ty) -> Field {
    Field {
        name,
        ty,
        required: false,
    }
}

/// Checks a value against a type; returns the error message.
pub fn check_type(v: &Value, ty: Ty) -> Option<String> {
    let ok = match ty {
        Ty::Str => v.is_string(),
        Ty::Email => v
            .as_str()
            .is_some_and(|s| s.contains('@') && !s.starts_with('@') && !s.ends_with('@')),
        Ty::Int => v.is_i64() || v.is_u64(),
        Ty::Num => v.is_number(),
        Ty::Bool => v.is_boolean(),
        Ty::Object => v.is_object(),
        Ty::Array => v.is_array(),
        Ty::Datetime => v.as_str().is_some_and(|s| time::parse(s).is_some()),
        Ty::Enum(vals) => v.as_str().is_some_and(|s| vals.contains(&s)),
        Ty::Any => true,
    };
    if ok {
        return None;
    }
    Some(match ty {
        Ty::Str => "Not a valid string.".to_owned(),
        Ty::Email => "Not a valid email address.".to_owned(),
        Ty::Int => "Not a valid integer.".to_owned(),
        Ty::Num => "Not a valid number.".to_owned(),
        Ty::Bool => "Not a valid boolean.".to_owned(),
        Ty::Object => "Not a valid mapping type.".to_owned(),
        Ty::Array => "Not a valid list.".to_owned(),
        Ty::Datetime => "Not a valid datetime.".to_owned(),
        Ty::Enum(vals) => format!("Must be one of: {}.", vals.join(", ")),
        Ty::Any => String::new(),
    })
}

/// Validates a body object: required fields present (unless `partial`), types right (null is
/// accepted for optional fields). Returns the known fields; unknown fields are dropped.
pub fn validate(
    body: &Value,
    rules: &[Field],
    partial: bool,
    msg: &str,
) -> Result<Map<String, Value>, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(
            ApiError::bad_request(msg.to_owned()).with_field("_schema", "Invalid input type.")
        );
    };
    let mut errs = FieldErrors::default();
    let mut out = Map::new();
    for r in rules {
        match obj.get(r.name) {
            None if r.required && !partial => errs.add(r.name, "Missing data for required field."),
            None => {}
            Some(Value::Null) if r.required => errs.add(r.name, "Field may not be null."),
            Some(Value::Null) => {
                out.insert(r.name.to_owned(), Value::Null);
            }
            Some(v) => match check_type(v, r.ty) {
                Some(m) => errs.add(r.name, m),
                None => {
                    out.insert(r.name.to_owned(), v.clone());
                }
            },
        }
    }
    errs.into_result(msg)?;
    Ok(out)
}

/// Reads `{"ids":[int,..]}` (at most `max`).
pub fn ids_body(body: &Value, max: usize) -> Result<Vec<i64>, ApiError> {
    let fields = validate(
        body,
        &[req("ids", Ty::Array)],
        false,
        "Invalid request body.",
    )?;
    let list = fields
        .get("ids")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ids: Option<Vec<i64>> = list.iter().map(Value::as_i64).collect();
    let ids = ids.ok_or_else(|| {
        ApiError::bad_request("Invalid request body.").with_field("ids", "Not a valid integer.")
    })?;
    if ids.len() > max {
        return Err(ApiError::bad_request("Invalid request body.")
            .with_field("ids", &format!("Longer than maximum length {max}.")));
    }
    Ok(ids)
}

/// The serialised datetime the sandbox writes.
pub fn now_value(now: Micros) -> Value {
    Value::String(time::format_now_style(now))
}

/// JSON response from a value.
pub fn json(status: StatusCode, v: &Value) -> Response {
    json_text(status, v.to_string())
}

/// `200` with a JSON value.
pub fn ok(v: &Value) -> ApiResult {
    Ok(json(StatusCode::OK, v))
}

/// An empty response that still says `content-type: application/json`, as Gorgias's 204s
/// and 200-with-empty-body writes do (recorded: Nango tests delete-ticket-message,
/// add-ticket-tags).
pub fn empty(status: StatusCode) -> Response {
    let mut r = status.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Sets top-level fields.
pub fn merge(target: &mut Value, fields: Map<String, Value>) {
    if let Some(obj) = target.as_object_mut() {
        for (k, v) in fields {
            obj.insert(k, v);
        }
    }
}

/// Moves `updated_datetime` to `now` when the record has one.
pub fn touch(v: &mut Value, now: Micros) {
    if let Some(obj) = v.as_object_mut()
        && obj.contains_key("updated_datetime")
    {
        obj.insert("updated_datetime".into(), now_value(now));
    }
}
