//! The object declaration every `objects::<name>` module fills in, and the standard routes
//! generated from it: `GET {path}` (a [`ListSpec`] page in its envelope), `GET {path}/{id}`
//! (the stored record), `POST {path}` and `PUT {path}/{id}` (a [`Writes`] declaration:
//! validation, defaults, checks; both answer 200 with the record, recorded: Nango tests
//! create-tag, update-tag and the other create-/update- tests) and `DELETE {path}/{id}` (204,
//! recorded: Nango tests delete-tag, delete-macro, ...). An object adds or overrides routes
//! with [`ObjectDef::routes`]; a simple object needs nothing else.

use crate::error::{ApiError, SandboxError};
use crate::http::{self, ApiResult, Call, Field, json, merge, touch, validate};
use crate::list::{self, ListSpec};
use crate::seed::SeedFn;
use crate::server::{AppState, json_text};
use crate::store::{AccountData, CollectionSpec, ObjectKind};
use crate::time::Micros;
use axum::Router;
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, on};
use serde_json::{Map, Value};

/// A route handler.
pub type Handler = fn(&Call) -> ApiResult;

/// One extra (or overriding) route of an object.
#[derive(Debug, Clone)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path, axum syntax (`/api/tickets/{id}/tags`).
    pub path: &'static str,
    /// The handler.
    pub handler: Handler,
}

/// A `GET` route.
pub const fn get(path: &'static str, handler: Handler) -> Route {
    Route {
        method: Method::GET,
        path,
        handler,
    }
}

/// A `POST` route.
pub const fn post(path: &'static str, handler: Handler) -> Route {
    Route {
        method: Method::POST,
        path,
        handler,
    }
}

/// A `PUT` route.
pub const fn put(path: &'static str, handler: Handler) -> Route {
    Route {
        method: Method::PUT,
        path,
        handler,
    }
}

/// A `DELETE` route.
pub const fn delete(path: &'static str, handler: Handler) -> Route {
    Route {
        method: Method::DELETE,
        path,
        handler,
    }
}

/// Builds the full record of a create from the validated body (the body's fields are merged
/// over it afterwards); gets the new id and the instant.
pub type Defaults =
    fn(&mut AccountData, i64, Micros, &Map<String, Value>) -> Result<Value, ApiError>;
/// Extra checks on a create or update (uniqueness, references); gets the id being updated.
pub type Check = fn(&AccountData, &Map<String, Value>, Option<i64>) -> Result<(), ApiError>;
/// Rewrites body fields before they are applied (resolves `{id}` references into summaries).
pub type Prepare = fn(&mut AccountData, &mut Map<String, Value>) -> Result<(), ApiError>;

/// The write rules of an object with plain create / update.
#[derive(Debug)]
pub struct Writes {
    /// Fields accepted on create.
    pub create: &'static [Field],
    /// Fields accepted on update (updates are partial; required ones stay required).
    pub update: &'static [Field],
    /// The noun of error messages (`Failed to create <noun>`).
    pub noun: &'static str,
    /// The full record before the body is applied.
    pub defaults: Defaults,
    /// Extra checks.
    pub check: Option<Check>,
    /// Field rewriting, on create and update.
    pub prepare: Option<Prepare>,
}

/// Inserts one generated record created now ([`crate::SandboxHandle::insert`]).
pub type Generate = fn(&mut AccountData, Micros) -> Result<i64, SandboxError>;
/// Deletes a record with its side effects ([`crate::SandboxHandle::delete_record`]).
pub type Remove = fn(&mut AccountData, i64) -> Result<(), ApiError>;
/// Changes one stored record now, the way the object changes when it has no
/// `updated_datetime` to move ([`crate::SandboxHandle::touch`]).
pub type Touch = fn(&mut AccountData, i64, Micros) -> Result<(), ApiError>;

/// Everything the sandbox knows about one Gorgias object.
#[derive(Debug)]
pub struct ObjectDef {
    /// The object.
    pub kind: ObjectKind,
    /// The collection path, e.g. `/api/tags` (empty: no standard routes).
    pub path: &'static str,
    /// The store shape: extracted fields, orderings, groups.
    pub store: &'static CollectionSpec,
    /// `GET {path}`: the list rules.
    pub list: Option<&'static ListSpec>,
    /// `GET {path}/{id}`: the stored record.
    pub retrieve: bool,
    /// `POST {path}` and `PUT {path}/{id}`.
    pub writes: Option<&'static Writes>,
    /// `DELETE {path}/{id}`.
    pub delete: bool,
    /// Extra routes; one with the method and path of a standard route replaces it.
    pub routes: &'static [Route],
    /// The seed generator (run in registry order).
    pub seed: Option<SeedFn>,
    /// The record `insert` generates (default: none, `insert` is refused).
    pub generate: Option<Generate>,
    /// How `delete_record` deletes (default: remove and append `-deleted`).
    pub remove: Option<Remove>,
    /// How `touch` changes a record (default: move its `updated_datetime`).
    pub touch: Option<Touch>,
}

impl ObjectDef {
    /// A declaration with no routes, seed or hooks (fill the fields that apply).
    pub const fn new(kind: ObjectKind, path: &'static str, store: &'static CollectionSpec) -> Self {
        Self {
            kind,
            path,
            store,
            list: None,
            retrieve: false,
            writes: None,
            delete: false,
            routes: &[],
            seed: None,
            generate: None,
            remove: None,
            touch: None,
        }
    }
}

/// `200` with a stored record's JSON text, or 404.
pub fn get_one(c: &Call, kind: ObjectKind, id: i64) -> ApiResult {
    let data = c.ctx.account.read();
    let r = data.col(kind).get(id).ok_or_else(ApiError::not_found)?;
    Ok(json_text(StatusCode::OK, r.full_json().to_owned()))
}

/// A stored record as JSON, or 404.
pub fn stored(data: &AccountData, kind: ObjectKind, id: i64) -> Result<Value, ApiError> {
    data.col(kind).get_value(id).ok_or_else(ApiError::not_found)
}

/// A list endpoint: one page in the spec's envelope.
pub fn list(c: &Call, spec: &ListSpec) -> ApiResult {
    let data = c.ctx.account.read();
    let q = list::parse(spec, &c.params, &data, c.ctx.user_id, &[])?;
    let page = list::run(data.col(spec.kind), &q);
    let uri = http::echo_uri(&c.path, &c.params);
    Ok(json_text(
        StatusCode::OK,
        list::envelope(spec.envelope, &uri, &page),
    ))
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

impl Writes {
    /// Validates and builds a new record, stores it and appends its event; returns it.
    pub fn create_in(
        &self,
        data: &mut AccountData,
        kind: ObjectKind,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let mut fields = validate(
            body,
            self.create,
            false,
            &format!("Failed to create {}", self.noun),
        )?;
        if let Some(check) = self.check {
            check(data, &fields, None)?;
        }
        if let Some(prepare) = self.prepare {
            prepare(data, &mut fields)?;
        }
        let id = data.next_id(kind);
        let now = data.now();
        let mut v = (self.defaults)(data, id, now, &fields)?;
        merge(&mut v, fields);
        insert_new(data, kind, &v)?;
        Ok(v)
    }

    /// Applies a partial update, moves `updated_datetime`, appends the event; returns it.
    pub fn update_in(
        &self,
        data: &mut AccountData,
        kind: ObjectKind,
        id: i64,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let mut fields = validate(
            body,
            self.update,
            false,
            &format!("Failed to update {}", self.noun),
        )?;
        let mut v = stored(data, kind, id)?;
        if let Some(check) = self.check {
            check(data, &fields, Some(id))?;
        }
        if let Some(prepare) = self.prepare {
            prepare(data, &mut fields)?;
        }
        let now = data.now();
        merge(&mut v, fields);
        touch(&mut v, now);
        save_updated(data, kind, &v)?;
        Ok(v)
    }
}

/// Removes a record and appends its `-deleted` event; 404 when absent.
pub fn remove_in(data: &mut AccountData, kind: ObjectKind, id: i64) -> Result<(), ApiError> {
    data.remove(kind, id).ok_or_else(ApiError::not_found)?;
    data.event(kind, "deleted", id, None);
    Ok(())
}

/// A route being assembled: method, path, handler.
type Entry = (Method, String, Box<dyn Fn(Call) -> ApiResult + Send + Sync>);

fn standard_routes(def: &'static ObjectDef) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    if def.path.is_empty() {
        return out;
    }
    let item = format!("{}/{{id}}", def.path);
    let kind = def.kind;
    if let Some(spec) = def.list {
        out.push((
            Method::GET,
            def.path.to_owned(),
            Box::new(move |c| list(&c, spec)),
        ));
    }
    if def.retrieve {
        out.push((
            Method::GET,
            item.clone(),
            Box::new(move |c| get_one(&c, kind, c.first_id()?)),
        ));
    }
    if let Some(w) = def.writes {
        out.push((
            Method::POST,
            def.path.to_owned(),
            Box::new(move |c| {
                let v = w.create_in(&mut c.ctx.account.write(), kind, &c.body)?;
                Ok(json(StatusCode::OK, &v))
            }),
        ));
        out.push((
            Method::PUT,
            item.clone(),
            Box::new(move |c| {
                let id = c.first_id()?;
                let v = w.update_in(&mut c.ctx.account.write(), kind, id, &c.body)?;
                Ok(json(StatusCode::OK, &v))
            }),
        ));
    }
    if def.delete {
        out.push((
            Method::DELETE,
            item,
            Box::new(move |c| {
                remove_in(&mut c.ctx.account.write(), kind, c.first_id()?)?;
                Ok(http::empty(StatusCode::NO_CONTENT))
            }),
        ));
    }
    out
}

/// Every route of the declared objects: standard ones generated from each declaration, then
/// the objects' own routes (replacing standard ones on the same method and path), then
/// `extra` routes of modules that hold no records (search, statistics).
pub fn router(defs: &[&'static ObjectDef], extra: &[&'static [Route]]) -> Router<AppState> {
    let mut entries: Vec<Entry> = Vec::new();
    let add = |entries: &mut Vec<Entry>, r: &Route| {
        let h = r.handler;
        entries.retain(|(m, p, _)| !(*m == r.method && p == r.path));
        entries.push((
            r.method.clone(),
            r.path.to_owned(),
            Box::new(move |c| h(&c)),
        ));
    };
    for def in defs {
        entries.extend(standard_routes(def));
        for r in def.routes {
            add(&mut entries, r);
        }
    }
    for routes in extra {
        for r in *routes {
            add(&mut entries, r);
        }
    }
    let mut paths: Vec<(String, MethodRouter<AppState>)> = Vec::new();
    for (method, path, handler) in entries {
        let handler = std::sync::Arc::new(handler);
        let filter = axum::routing::MethodFilter::try_from(method)
            .unwrap_or(axum::routing::MethodFilter::GET);
        let mr: MethodRouter<AppState> = on(filter, move |c: Call| {
            let handler = handler.clone();
            async move { handler(c) }
        });
        match paths.iter_mut().find(|(p, _)| *p == path) {
            Some((_, existing)) => {
                let taken = std::mem::take(existing);
                *existing = taken.merge(mr);
            }
            None => paths.push((path, mr)),
        }
    }
    paths
        .into_iter()
        .fold(Router::new(), |r, (path, mr)| r.route(&path, mr))
}
