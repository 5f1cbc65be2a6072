//! HTTP routes: one module per Gorgias object, all built on the shared helpers here (request
//! extractors, body validation, and generic list / retrieve / create / update / delete).

pub mod account;
pub mod admin;
pub mod custom_fields;
pub mod customers;
pub mod events;
pub mod integrations;
pub mod jobs;
pub mod macros;
pub mod messages;
pub mod rules;
pub mod search;
pub mod statistics;
pub mod surveys;
pub mod tags;
pub mod teams;
pub mod tickets;
pub mod users;
pub mod views;
pub mod widgets;

use crate::error::{ApiError, FieldErrors};
use crate::paging::{self, ListSpec};
use crate::server::{AppState, Ctx, json_text};
use crate::store::{AccountData, ObjectKind};
use crate::time::{self, Micros};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// Every `/api` route.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(account::router())
        .merge(customers::router())
        .merge(custom_fields::router())
        .merge(events::router())
        .merge(integrations::router())
        .merge(jobs::router())
        .merge(macros::router())
        .merge(messages::router())
        .merge(rules::router())
        .merge(search::router())
        .merge(statistics::router())
        .merge(surveys::router())
        .merge(tags::router())
        .merge(teams::router())
        .merge(tickets::router())
        .merge(users::router())
        .merge(views::router())
        .merge(widgets::router())
}

/// Result of a handler.
pub type ApiResult = Result<Response, ApiError>;

/// A list request: the caller, the requested URI and the query pairs.
#[derive(Debug, Clone)]
pub struct ListReq {
    /// The caller.
    pub ctx: Ctx,
    /// Path and query as requested (the envelope's `uri`).
    pub uri: String,
    /// Query pairs in order.
    pub params: Vec<(String, String)>,
}

impl<S: Send + Sync> FromRequestParts<S> for ListReq {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, s).await?;
        let uri = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned());
        Ok(Self {
            ctx,
            uri,
            params: paging::parse_query(parts.uri.query()),
        })
    }
}

/// The integer path parameters, in order (a non-integer id is a 404).
#[derive(Debug, Clone)]
pub struct Ids(pub Vec<i64>);

impl Ids {
    /// The first id.
    pub fn first(&self) -> i64 {
        self.0.first().copied().unwrap_or_default()
    }

    /// The second id.
    pub fn second(&self) -> i64 {
        self.0.get(1).copied().unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, s)
            .await
            .map_err(|_| ApiError::not_found())?;
        raw.iter()
            .map(|(_, v)| v.parse::<i64>().map_err(|_| ApiError::not_found()))
            .collect::<Result<Vec<_>, _>>()
            .map(Ids)
    }
}

/// A JSON body (`null` when empty); invalid JSON is a 400.
#[derive(Debug, Clone)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, s: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, s)
            .await
            .map_err(|_| ApiError::bad_request("Could not read the request body."))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(Value::Null));
        }
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}.")))
    }
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
pub struct Rule {
    /// Field name.
    pub name: &'static str,
    /// Type.
    pub ty: Ty,
    /// Required on create.
    pub required: bool,
}

/// A required field.
pub const fn req(name: &'static str, ty: Ty) -> Rule {
    Rule {
        name,
        ty,
        required: true,
    }
}

/// An optional (nullable) field.
pub const fn opt(name: &'static str, ty: Ty) -> Rule {
    Rule {
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
    rules: &[Rule],
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

/// The serialised datetime the sandbox writes.
pub fn now_value(now: Micros) -> Value {
    Value::String(time::format_now_style(now))
}

/// A stored record as JSON, or 404.
pub fn stored(data: &AccountData, kind: ObjectKind, id: i64) -> Result<Value, ApiError> {
    data.col(kind).get_value(id).ok_or_else(ApiError::not_found)
}

/// `200` with a stored record's JSON text, or 404.
pub fn get_one(ctx: &Ctx, kind: ObjectKind, id: i64) -> ApiResult {
    let data = ctx.account.read();
    let r = data.col(kind).get(id).ok_or_else(ApiError::not_found)?;
    Ok(json_text(StatusCode::OK, r.json.to_string()))
}

/// A list endpoint.
pub fn list(req: &ListReq, spec: &ListSpec) -> ApiResult {
    let data = req.ctx.account.read();
    let q = paging::parse(spec, &req.params, &data, req.ctx.user_id, &[])?;
    let page = paging::run(data.col(spec.kind), &q);
    Ok(json_text(StatusCode::OK, paging::envelope(&req.uri, &page)))
}

/// JSON response from a value.
pub fn json(status: StatusCode, v: &Value) -> Response {
    json_text(status, v.to_string())
}

/// An empty response.
pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}

/// Stores a new record and appends its `-created` event.
pub fn insert_new(data: &mut AccountData, kind: ObjectKind, v: &Value) -> Result<i64, ApiError> {
    let id = data
        .put(kind, v)
        .ok_or_else(|| ApiError::internal("record without id"))?;
    data.event(kind, "created", id, None);
    Ok(id)
}

/// Stores a changed record and appends its `-updated` event.
pub fn save_updated(data: &mut AccountData, kind: ObjectKind, v: &Value) -> Result<i64, ApiError> {
    let id = data
        .put(kind, v)
        .ok_or_else(|| ApiError::internal("record without id"))?;
    data.event(kind, "updated", id, None);
    Ok(id)
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

/// Builds a record for a simple create.
pub type Defaults =
    fn(&mut AccountData, i64, Micros, &Map<String, Value>) -> Result<Value, ApiError>;
/// Extra checks on a create or update (uniqueness, references); gets the id being updated.
pub type Check = fn(&AccountData, &Map<String, Value>, Option<i64>) -> Result<(), ApiError>;
/// Rewrites body fields before they are applied (resolves `{id}` references into summaries).
pub type Prepare = fn(&mut AccountData, &mut Map<String, Value>) -> Result<(), ApiError>;

/// Declarative description of an object with plain create / update / delete.
#[derive(Debug)]
pub struct Simple {
    /// The object.
    pub kind: ObjectKind,
    /// Fields accepted on create.
    pub create: &'static [Rule],
    /// Fields accepted on update (required ones are required on update too).
    pub update: &'static [Rule],
    /// Error message of a failed create.
    pub noun: &'static str,
    /// The full record before the body is applied.
    pub defaults: Defaults,
    /// Extra checks.
    pub check: Option<Check>,
    /// Field rewriting, on create and update.
    pub prepare: Option<Prepare>,
}

impl Simple {
    /// `POST`: validate, build, store, event, `201`.
    pub fn create(&self, ctx: &Ctx, body: &Value) -> ApiResult {
        let mut fields = validate(
            body,
            self.create,
            false,
            &format!("Failed to create {}", self.noun),
        )?;
        let mut data = ctx.account.write();
        if let Some(check) = self.check {
            check(&data, &fields, None)?;
        }
        if let Some(prepare) = self.prepare {
            prepare(&mut data, &mut fields)?;
        }
        let id = data.next_id(self.kind);
        let now = data.now();
        let mut v = (self.defaults)(&mut data, id, now, &fields)?;
        merge(&mut v, fields);
        insert_new(&mut data, self.kind, &v)?;
        Ok(json(StatusCode::CREATED, &v))
    }

    /// `PUT`: partial update, `updated_datetime` moves, event, `200`.
    pub fn update(&self, ctx: &Ctx, id: i64, body: &Value) -> ApiResult {
        let mut fields = validate(
            body,
            self.update,
            false,
            &format!("Failed to update {}", self.noun),
        )?;
        let mut data = ctx.account.write();
        let mut v = stored(&data, self.kind, id)?;
        if let Some(check) = self.check {
            check(&data, &fields, Some(id))?;
        }
        if let Some(prepare) = self.prepare {
            prepare(&mut data, &mut fields)?;
        }
        let now = data.now();
        merge(&mut v, fields);
        touch(&mut v, now);
        save_updated(&mut data, self.kind, &v)?;
        Ok(json(StatusCode::OK, &v))
    }

    /// `DELETE`: remove, event, `204`.
    pub fn delete(&self, ctx: &Ctx, id: i64) -> ApiResult {
        let mut data = ctx.account.write();
        data.remove(self.kind, id).ok_or_else(ApiError::not_found)?;
        data.event(self.kind, "deleted", id, None);
        Ok(empty(StatusCode::NO_CONTENT))
    }
}

/// Reads `{"ids":[int,..]}`.
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

/// A `Simple` defaults function: `{id, uri, created_datetime, updated_datetime}` plus `extra`.
pub fn base(kind: ObjectKind, id: i64, now: Micros, with_updated: bool) -> Value {
    let mut v = serde_json::json!({
        "id": id,
        "uri": format!("/api/{}/{id}/", kind.as_str()),
        "created_datetime": now_value(now),
    });
    if with_updated {
        v["updated_datetime"] = now_value(now);
    }
    v
}
