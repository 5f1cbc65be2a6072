//! The one generic action. Object modules declare [`ActionDecl`]s; [`HttpAction`] runs them.
//!
//! An action is a method and a path template (`/api/tickets/{id}`): input fields named in the
//! template fill it, fields listed in `query` become query parameters (lists as repeated
//! keys), and the rest is the JSON body (or one field's value, for endpoints whose body is a
//! bare array). Creates are not retried after a failure that may have reached the server.
//! File transfers (a multipart body, a file as the reply) are declared the same way and sent
//! by [`crate::transfer`].

use std::sync::Arc;

use async_trait::async_trait;
use connector_sdk::{Action, ActionDescriptor, ActionEffect, Error, Result, ValidInput};
use serde_json::{Map, Value, json};

use crate::client::{Client, Method, RetryPolicy};
use crate::datetimes::DatetimeFields;
use crate::dialect::Dialect;
use crate::schema;
use crate::transfer::{Download, Multipart};

/// What is sent as the request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    None,
    /// The input minus the fields used in the path and the query.
    Rest,
    /// The value of one input field (e.g. a bare JSON array).
    Field(&'static str),
    /// Like [`Body::Rest`], but these path fields are sent in the body too (an API that wants
    /// an id both in the path and in the body, e.g. `PUT /x/{id}` with `{"id", "value"}`).
    RestKeeping(&'static [&'static str]),
    /// The files of one input field as `multipart/form-data` ([`crate::transfer`]).
    Multipart(Multipart),
}

/// How the response becomes the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reply {
    /// The response's JSON body, as is.
    Json,
    /// `{"ok": true, "status": N}` (+ `response` when a body came): for 202/204 endpoints.
    Ack,
    /// A list page: `{"data": [...], "next_cursor": ...}`.
    List,
    /// A file, possibly behind redirects to declared hosts, written to `save_to` or returned
    /// as base64 ([`crate::transfer`]).
    Download(Download),
}

/// An action declared by an object module.
#[derive(Debug, Clone)]
pub struct ActionDecl {
    /// Name (snake_case).
    pub name: String,
    /// Human title.
    pub title: String,
    /// What it does.
    pub description: String,
    /// Effect on data.
    pub effect: ActionEffect,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/api/tickets/{id}`.
    pub path: String,
    /// Input fields sent as query parameters.
    pub query: Vec<&'static str>,
    /// The body.
    pub body: Body,
    /// Input schema.
    pub input: Value,
    /// Output schema.
    pub output: Value,
    /// How the response becomes the output.
    pub reply: Reply,
    /// Whether sending it twice is harmless (defaults: everything but creates).
    pub idempotent: bool,
    /// What to tell the user when the API answers 403 (e.g. a scope only some tokens carry).
    pub on_forbidden: Option<&'static str>,
    /// The OAuth scopes it needs (see [`ActionDescriptor::scopes`]).
    pub scopes: Vec<String>,
    /// Set for a stream's paged list action ([`crate::browse`]): its `limit`, `cursor` and
    /// `order_by` inputs are sent as the [`Dialect`]'s own page parameters.
    pub paged: bool,
    /// The output schema's datetime fields, worked out once per process from the descriptor.
    output_datetimes: std::sync::OnceLock<DatetimeFields>,
}

impl ActionDecl {
    /// A declaration; idempotent unless the effect is `Create`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        name: impl Into<String>,
        title: impl Into<String>,
        description: impl Into<String>,
        effect: ActionEffect,
        method: Method,
        path: impl Into<String>,
        input: Value,
        output: Value,
    ) -> Self {
        let reply = match effect {
            ActionEffect::Delete => Reply::Ack,
            _ => Reply::Json,
        };
        let body = match method {
            Method::Get | Method::Delete => Body::None,
            Method::Post | Method::Put => Body::Rest,
        };
        ActionDecl {
            name: name.into(),
            title: title.into(),
            description: description.into(),
            effect,
            method,
            path: path.into(),
            query: Vec::new(),
            body,
            input,
            output,
            reply,
            idempotent: effect != ActionEffect::Create,
            on_forbidden: None,
            scopes: Vec::new(),
            paged: false,
            output_datetimes: std::sync::OnceLock::new(),
        }
    }

    /// Declares the OAuth scopes it needs.
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }

    /// Adds `hint` to the error of a 403 answer.
    pub fn on_forbidden(mut self, hint: &'static str) -> Self {
        self.on_forbidden = Some(hint);
        self
    }

    /// Sends these input fields as query parameters.
    pub fn query(mut self, fields: &[&'static str]) -> Self {
        self.query = fields.to_vec();
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Sets the reply handling (and, for `Ack` and `Download`, the output schema).
    pub fn reply(mut self, reply: Reply) -> Self {
        self.reply = reply;
        match reply {
            Reply::Ack => self.output = schema::ack(),
            Reply::Download(_) => self.output = crate::transfer::download_output(),
            Reply::Json | Reply::List => {}
        }
        self
    }

    /// Overrides idempotency.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// The SDK descriptor.
    pub fn descriptor(&self) -> ActionDescriptor {
        ActionDescriptor::new(
            self.name.clone(),
            self.title.clone(),
            self.description.clone(),
            self.effect,
            self.input.clone(),
            self.output.clone(),
        )
        .idempotent(self.idempotent)
        .scopes(self.scopes.iter().cloned())
        .local_files(crate::transfer::is_transfer(self))
    }
}

/// A declared action bound to an account's client.
#[derive(Debug)]
pub struct HttpAction {
    decl: Arc<ActionDecl>,
    descriptor: Arc<ActionDescriptor>,
    client: Arc<Client>,
}

impl HttpAction {
    /// Binds a declaration and its descriptor (both built once per process) to `client`.
    pub fn new(
        decl: Arc<ActionDecl>,
        descriptor: Arc<ActionDescriptor>,
        client: Arc<Client>,
    ) -> Self {
        HttpAction {
            decl,
            descriptor,
            client,
        }
    }
}

/// An integral JSON number as an `i64`/`u64` text: `1.0` and `1e2` are `1` and `100` (JSON Schema
/// counts them as integers, so validation lets them through); `None` for fractions and for
/// numbers beyond 64 bits (`1e300`), which no id or count can be.
fn integer_text(n: &serde_json::Number) -> Option<String> {
    if let Some(i) = n.as_i64() {
        return Some(i.to_string());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.to_string());
    }
    let f = n.as_f64()?;
    // 2^63: every integral f64 below it in magnitude converts exactly.
    (f.fract() == 0.0 && f.abs() < 9_223_372_036_854_775_808.0).then(|| (f as i64).to_string())
}

/// A path or query parameter as text: strings as they are, booleans as `true`/`false`, numbers
/// as integers (see [`integer_text`]); other numbers are refused, naming the field.
fn scalar(decl: &ActionDecl, name: &str, v: &Value) -> Result<Option<String>> {
    Ok(match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(integer_text(n).ok_or_else(|| Error::InvalidInput {
            action: decl.name.clone(),
            path: name.to_string(),
            reason: "must be a whole number between -9223372036854775808 and 9223372036854775807; give it without a fraction or exponent".into(),
        })?),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

/// Writes integral floats (`5.0`) of a body as integers (`5`), as APIs expect ids and counts.
fn integral_floats_as_integers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(i) = integer_text(n).and_then(|t| t.parse::<i64>().ok()) {
                *v = Value::from(i);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

/// A request built from an action's input: path, query parameters, body.
pub type RequestParts = (String, Vec<(String, String)>, Option<Value>);

/// Builds the request parts (path, query, body) of `decl` from a checked input.
pub fn request_parts(decl: &ActionDecl, input: Value) -> Result<RequestParts> {
    request_parts_for(decl, &decl.path, input)
}

/// [`request_parts`] with `template` for the path (a download fills some of it from a URL).
pub(crate) fn request_parts_for(
    decl: &ActionDecl,
    template: &str,
    input: Value,
) -> Result<RequestParts> {
    let mut fields: Map<String, Value> = match input {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        _ => {
            return Err(Error::InvalidInput {
                action: decl.name.clone(),
                path: "(root)".into(),
                reason: "must be an object".into(),
            });
        }
    };
    let mut path = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .unwrap_or(rest.len());
        let name = &rest[start + 1..end];
        path.push_str(&rest[..start]);
        let keep = matches!(&decl.body, Body::RestKeeping(kept) if kept.contains(&name));
        let taken = if keep {
            fields.get(name).cloned()
        } else {
            fields.remove(name)
        };
        let value = match taken {
            Some(v) => scalar(decl, name, &v)?,
            None => None,
        }
        .ok_or_else(|| Error::InvalidInput {
            action: decl.name.clone(),
            path: name.to_string(),
            reason: "is required; add it".into(),
        })?;
        path.extend(url::form_urlencoded::byte_serialize(value.as_bytes()));
        rest = &rest[(end + 1).min(rest.len())..];
    }
    path.push_str(rest);
    let mut query = Vec::new();
    for q in &decl.query {
        match fields.remove(*q) {
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(v) = scalar(decl, &format!("{q}[{i}]"), item)? {
                        query.push((q.to_string(), v));
                    }
                }
            }
            Some(v) => {
                if let Some(s) = scalar(decl, q, &v)? {
                    query.push((q.to_string(), s));
                }
            }
            None => {}
        }
    }
    let mut body = match &decl.body {
        Body::None => None,
        Body::Rest | Body::RestKeeping(_) => Some(Value::Object(fields)),
        Body::Field(f) => Some(fields.remove(*f).unwrap_or(Value::Null)),
        Body::Multipart(m) => Some(fields.remove(m.field).unwrap_or(Value::Null)),
    };
    if let Some(b) = body.as_mut() {
        integral_floats_as_integers(b);
    }
    Ok((path, query, body))
}

#[async_trait]
impl Action for HttpAction {
    fn descriptor(&self) -> &ActionDescriptor {
        &self.descriptor
    }

    async fn run(&self, input: ValidInput) -> Result<Value> {
        let hint = self.decl.on_forbidden;
        if crate::transfer::is_transfer(&self.decl) {
            return crate::transfer::run(&self.decl, &self.client, input.into_value())
                .await
                .map_err(|e| forbidden(e, hint));
        }
        let mut input = input.into_value();
        let page = match (&mut input, self.decl.paged) {
            (Value::Object(fields), true) => {
                crate::browse::page_query(&self.decl.name, self.client.dialect(), fields)?
            }
            _ => Vec::new(),
        };
        let (path, mut query, body) = request_parts(&self.decl, input)?;
        query.extend(page);
        let policy = if self.decl.idempotent {
            RetryPolicy::Idempotent
        } else {
            RetryPolicy::RateLimitOnly
        };
        let reply = self.decl.reply;
        let dialect = self.client.dialect();
        self.client
            .send(
                self.decl.method,
                &path,
                &query,
                body.as_ref(),
                policy,
                move |r| {
                    let empty = r.body.iter().all(u8::is_ascii_whitespace);
                    match reply {
                        Reply::Json => serde_json::from_slice(&r.body)
                            .map_err(|e| Error::invalid_response("a JSON response", e.to_string())),
                        Reply::Ack => {
                            let mut out = json!({"ok": true, "status": r.status});
                            if !empty && let Ok(v) = serde_json::from_slice::<Value>(&r.body) {
                                out["response"] = v;
                            }
                            Ok(out)
                        }
                        // Sent by `crate::transfer` (above).
                        Reply::Download(_) => Err(Error::internal("a download sent as JSON")),
                        Reply::List => {
                            let page = dialect.parse_page(&r.body)?;
                            let data = page
                                .records
                                .iter()
                                .map(|raw| serde_json::from_str::<Value>(raw.get()))
                                .collect::<Result<Vec<Value>, _>>()
                                .map_err(|e| {
                                    Error::invalid_response("a JSON list", e.to_string())
                                })?;
                            Ok(list_output(dialect, data, page.next_cursor))
                        }
                    }
                },
            )
            .await
            .map(|mut output| {
                self.decl
                    .output_datetimes
                    .get_or_init(|| DatetimeFields::of(&self.descriptor.output_schema))
                    .normalise_value(&mut output);
                output
            })
            .map_err(|e| forbidden(e, hint))
    }
}

/// Adds an action's 403 hint to a permission error.
fn forbidden(e: Error, hint: Option<&'static str>) -> Error {
    match (e, hint) {
        (Error::PermissionDenied { message }, Some(hint)) => Error::PermissionDenied {
            message: format!("{message} ({hint})"),
        },
        (Error::MissingScope { scope, message }, Some(hint)) => Error::MissingScope {
            scope,
            message: format!("{message} ({hint})"),
        },
        (e, _) => e,
    }
}

/// A list action's output. A page cursor that stands for several query parameters (see
/// [`crate::page::encode_query`]) gives `next_cursor` as its `cursor` and `next_page` as all of
/// them, each as the dialect writes it ([`Dialect::page_param`]) so it can be passed back.
fn list_output(dialect: &dyn Dialect, data: Vec<Value>, next: Option<String>) -> Value {
    match next.as_deref().filter(|n| n.starts_with('?')) {
        Some(query) => {
            let params = crate::page::cursor_params(query);
            let cursor = params
                .iter()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v.clone());
            let page: Map<String, Value> = params
                .into_iter()
                .map(|(k, v)| {
                    let value = dialect.page_param(&k, v);
                    (k, value)
                })
                .collect();
            json!({"data": data, "next_cursor": cursor, "next_page": page})
        }
        None => json!({"data": data, "next_cursor": next}),
    }
}

/// What every object module tells the CRUD builders about itself.
#[derive(Debug, Clone, Copy)]
pub struct Obj {
    /// Singular name, snake_case: `ticket`, `satisfaction_survey`.
    pub singular: &'static str,
    /// Plural name: `tickets`.
    pub plural: &'static str,
    /// Words for titles: `ticket`, `satisfaction survey`.
    pub words: &'static str,
    /// List path: `/api/tickets`.
    pub path: &'static str,
    /// The record schema.
    pub record: fn() -> Value,
}

/// "a ticket", "an integration".
fn a(words: &str) -> String {
    let article = if words.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {words}")
}

fn id_input(o: &Obj, min: i64) -> Value {
    schema::input(
        &format!("Get {}", a(o.words)),
        &[(
            "id",
            schema::field(
                "Id",
                json!({"type": "integer", "minimum": min}),
                &format!("The {}'s id.", o.words),
            ),
        )],
        &["id"],
    )
}

/// `get_<singular>`: GET `<path>/{id}`.
pub fn get(o: &Obj) -> ActionDecl {
    ActionDecl::new(
        format!("get_{}", o.singular),
        format!("Get {}", a(o.words)),
        format!("Returns one {} by id.", o.words),
        ActionEffect::Read,
        Method::Get,
        format!("{}/{{id}}", o.path),
        id_input(o, 1),
        (o.record)(),
    )
}

/// `delete_<singular>`: DELETE `<path>/{id}`.
pub fn delete(o: &Obj) -> ActionDecl {
    let mut input = id_input(o, 1);
    input["title"] = json!(format!("Delete {}", a(o.words)));
    ActionDecl::new(
        format!("delete_{}", o.singular),
        format!("Delete {}", a(o.words)),
        format!("Deletes {} for good.", a(o.words)),
        ActionEffect::Delete,
        Method::Delete,
        format!("{}/{{id}}", o.path),
        input,
        schema::ack(),
    )
}

/// `create_<singular>`: POST `<path>` with the input as body; the output is the created record.
pub fn create(o: &Obj, input: Value) -> ActionDecl {
    ActionDecl::new(
        format!("create_{}", o.singular),
        format!("Create {}", a(o.words)),
        format!("Creates {} and returns it.", a(o.words)),
        ActionEffect::Create,
        Method::Post,
        o.path,
        input,
        (o.record)(),
    )
}

/// `update_<singular>`: PUT `<path>/{id}` with the other fields as body (partial update).
pub fn update(o: &Obj, fields: Value) -> ActionDecl {
    ActionDecl::new(
        format!("update_{}", o.singular),
        format!("Update {}", a(o.words)),
        format!(
            "Changes the given fields of {} and returns it; fields left out are kept.",
            a(o.words)
        ),
        ActionEffect::Update,
        Method::Put,
        format!("{}/{{id}}", o.path),
        with_id(fields, &format!("The {}'s id.", o.words)),
        (o.record)(),
    )
}

/// Prepends a required `id` to an input schema and requires at least one other field.
pub fn with_id(mut input: Value, description: &str) -> Value {
    let mut props = Map::new();
    props.insert(
        "id".into(),
        schema::field("Id", schema::positive_id(), description),
    );
    if let Some(p) = input.get("properties").and_then(Value::as_object) {
        props.extend(p.clone());
    }
    input["properties"] = Value::Object(props);
    let mut required = vec![json!("id")];
    if let Some(r) = input.get("required").and_then(Value::as_array) {
        required.extend(r.iter().cloned());
    }
    input["required"] = Value::Array(required);
    input["minProperties"] = json!(2);
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl() -> ActionDecl {
        ActionDecl::new(
            "x",
            "X",
            "x",
            ActionEffect::Update,
            Method::Put,
            "/api/customers/merge",
            json!({}),
            json!({}),
        )
        .query(&["source_id", "target_id", "roles"])
    }

    #[test]
    fn path_query_and_body_are_split() {
        let d = ActionDecl::new(
            "t",
            "T",
            "t",
            ActionEffect::Update,
            Method::Put,
            "/api/tickets/{ticket_id}/messages/{id}",
            json!({}),
            json!({}),
        );
        let (path, query, body) =
            request_parts(&d, json!({"ticket_id": 5, "id": 7, "body_text": "hi"})).unwrap();
        assert_eq!(path, "/api/tickets/5/messages/7");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({"body_text": "hi"})));
        let (path, query, body) = request_parts(
            &decl(),
            json!({"source_id": 1, "target_id": 2, "roles": ["a", "b"], "name": "n"}),
        )
        .unwrap();
        assert_eq!(path, "/api/customers/merge");
        assert_eq!(
            query,
            vec![
                ("source_id".into(), "1".into()),
                ("target_id".into(), "2".into()),
                ("roles".into(), "a".into()),
                ("roles".into(), "b".into())
            ]
        );
        assert_eq!(body, Some(json!({"name": "n"})));
    }

    #[test]
    fn kept_path_fields_are_sent_in_the_body_too() {
        let d = ActionDecl::new(
            "v",
            "V",
            "v",
            ActionEffect::Update,
            Method::Put,
            "/api/tickets/{ticket_id}/custom-fields/{id}",
            json!({}),
            json!({}),
        )
        .body(Body::RestKeeping(&["id"]));
        let (path, query, body) =
            request_parts(&d, json!({"ticket_id": 5, "id": 7, "value": "x"})).unwrap();
        assert_eq!(path, "/api/tickets/5/custom-fields/7");
        assert!(query.is_empty());
        assert_eq!(body, Some(json!({"id": 7, "value": "x"})));
    }

    #[test]
    fn path_values_are_escaped() {
        let d = ActionDecl::new(
            "s",
            "S",
            "s",
            ActionEffect::Read,
            Method::Post,
            "/api/stats/{name}",
            json!({}),
            json!({}),
        );
        let (path, _, _) = request_parts(&d, json!({"name": "../account?x=1"})).unwrap();
        assert_eq!(path, "/api/stats/..%2Faccount%3Fx%3D1");
    }

    /// JSON Schema counts `1.0` and `1e300` as integers; the path, the query and the body carry
    /// integers as integers, and numbers no 64-bit integer can hold are refused by name.
    #[test]
    fn integral_floats_are_sent_as_integers_and_the_rest_refused() {
        let d = ActionDecl::new(
            "get_ticket",
            "T",
            "t",
            ActionEffect::Read,
            Method::Put,
            "/api/tickets/{id}",
            json!({}),
            json!({}),
        )
        .query(&["ids"]);
        let input: Value =
            serde_json::from_str(r#"{"id": 1.0, "ids": [2.0, 3e2], "n": {"id": 4.0}, "f": 0.5}"#)
                .unwrap();
        let (path, query, body) = request_parts(&d, input).unwrap();
        assert_eq!(path, "/api/tickets/1");
        assert_eq!(
            query,
            vec![("ids".into(), "2".into()), ("ids".into(), "300".into())]
        );
        let body = body.unwrap();
        assert_eq!(body, json!({"n": {"id": 4}, "f": 0.5}));
        assert!(body["n"]["id"].is_i64(), "{body}");
        for (bad, field) in [
            (r#"{"id": 1e300}"#, "id"),
            (r#"{"id": 1.5}"#, "id"),
            (r#"{"id": 7, "ids": [1, -1e19]}"#, "ids[1]"),
        ] {
            let e = request_parts(&d, serde_json::from_str(bad).unwrap()).unwrap_err();
            let Error::InvalidInput { path, reason, .. } = &e else {
                panic!("{e}")
            };
            assert_eq!(path, field, "{bad}");
            assert!(reason.contains("whole number"), "{reason}");
        }
    }
}
