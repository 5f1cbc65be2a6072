//! The list machinery shared by every list endpoint: query validation (`limit`, `order_by`,
//! `cursor`, documented filters, unknown parameters), opaque keyset cursors and the
//! `{"object":"list","uri":..,"data":[..],"meta":{..}}` envelope.
//!
//! A cursor is base64 of `["next"|"prev", "<order_by>", [<key>, <key>], <id>]`: the position
//! of the last (or first) record of the page in the index, so a walk neither repeats nor skips
//! records that did not change during the walk.

use crate::error::ApiError;
use crate::store::collection::{Collection, FieldVal, KeyPart, PageQuery, Record, SortKey};
use crate::store::{AccountData, ObjectKind};
use crate::time;
use crate::viewfilter::{self, Expr};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

/// One allowed `order_by` value.
#[derive(Debug, Clone, Copy)]
pub struct OrderSpec {
    /// The accepted value, e.g. `created_datetime:desc`.
    pub value: &'static str,
    /// Index name in the collection.
    pub index: &'static str,
    /// Descending.
    pub desc: bool,
}

/// `order_by=value` ascending on an index.
pub const fn asc(value: &'static str, index: &'static str) -> OrderSpec {
    OrderSpec {
        value,
        index,
        desc: false,
    }
}

/// `order_by=value` descending on an index.
pub const fn desc(value: &'static str, index: &'static str) -> OrderSpec {
    OrderSpec {
        value,
        index,
        desc: true,
    }
}

/// A documented query filter.
#[derive(Debug, Clone, Copy)]
pub struct FilterSpec {
    /// Query parameter name.
    pub param: &'static str,
    /// Semantics.
    pub kind: FilterKind,
    /// Whether the request must carry it.
    pub required: bool,
}

/// Shorthand for an optional filter.
pub const fn filter(param: &'static str, kind: FilterKind) -> FilterSpec {
    FilterSpec {
        param,
        kind,
        required: false,
    }
}

/// What a filter does.
#[derive(Debug, Clone, Copy)]
pub enum FilterKind {
    /// Integer field equals.
    IntEq(&'static str),
    /// String field equals (one of `allowed` when not empty).
    StrEq(&'static str, &'static [&'static str]),
    /// String field equals, case-insensitively.
    StrEqCi(&'static str),
    /// Repeated keys: integer field is one of them.
    IntIn(&'static str),
    /// Repeated keys: string field is one of them.
    StrIn(&'static str),
    /// Repeated keys: record id is one of them.
    IdIn,
    /// Case-insensitive substring of any of these string fields.
    Search(&'static [&'static str]),
    /// `param[gt|gte|lt|lte]=<datetime>` on a datetime field.
    TimeRange(&'static str),
    /// Boolean, default true: `false` hides records whose field is set (tickets' `trashed`).
    Include(&'static str),
    /// Boolean, default false: `true` shows only records whose field is set, `false` only
    /// those whose field is null (`archived`).
    Archived(&'static str),
    /// Repeated keys: every value must occur in a list field (comma-separated items count).
    ListHasAll(&'static str),
    /// `view_id`: tickets matching the view's filters.
    View,
    /// Accepted and validated as present, no effect on the result.
    Ignored,
}

/// What a list endpoint accepts.
#[derive(Debug)]
pub struct ListSpec {
    /// The collection listed.
    pub kind: ObjectKind,
    /// Allowed `order_by` values.
    pub orders: &'static [OrderSpec],
    /// Default `order_by`.
    pub default_order: &'static str,
    /// Default `limit`.
    pub default_limit: usize,
    /// Largest `limit`.
    pub max_limit: usize,
    /// Documented filters.
    pub filters: &'static [FilterSpec],
    /// Orderings used by default or by cursors only (not accepted in `order_by`).
    pub hidden_orders: &'static [OrderSpec],
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

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// A `prev` cursor walks backwards.
    pub prev: bool,
    /// The `order_by` it was issued for.
    pub order: String,
    /// Position.
    pub pos: (SortKey, i64),
}

fn part_json(p: &KeyPart) -> Value {
    match p {
        KeyPart::Null => Value::Null,
        KeyPart::Int(i) => json!(i),
        KeyPart::Str(s) => json!(s),
    }
}

fn json_part(v: &Value) -> Option<KeyPart> {
    match v {
        Value::Null => Some(KeyPart::Null),
        Value::Number(n) => n.as_i64().map(KeyPart::Int),
        Value::String(s) => Some(KeyPart::Str(s.as_str().into())),
        _ => None,
    }
}

impl Cursor {
    /// The opaque form.
    pub fn encode(&self) -> String {
        let [a, b] = &self.pos.0;
        let v = json!([
            if self.prev { "prev" } else { "next" },
            self.order,
            [part_json(a), part_json(b)],
            self.pos.1
        ]);
        STANDARD.encode(v.to_string())
    }

    /// Decodes an opaque cursor.
    pub fn decode(s: &str) -> Option<Self> {
        let bytes = STANDARD.decode(s.trim()).ok()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        let arr = v.as_array()?;
        if arr.len() != 4 {
            return None;
        }
        let prev = match arr[0].as_str()? {
            "prev" => true,
            "next" => false,
            _ => return None,
        };
        let key = arr[2].as_array()?;
        if key.len() != 2 {
            return None;
        }
        Some(Self {
            prev,
            order: arr[1].as_str()?.to_owned(),
            pos: ([json_part(&key[0])?, json_part(&key[1])?], arr[3].as_i64()?),
        })
    }
}

/// A condition on a record.
#[derive(Debug)]
enum Cond {
    IntEq(usize, i64),
    StrEq(usize, String),
    StrEqCi(usize, String),
    IntIn(usize, Vec<i64>),
    StrIn(usize, Vec<String>),
    Search(Vec<usize>, String),
    Time(usize, &'static str, i64),
    NotSet(usize),
    IsSet(usize),
    ListHasAll(usize, Vec<String>),
    View(Expr),
    NotId(i64),
}

impl Cond {
    fn matches(&self, r: &Record) -> bool {
        let f = &r.fields;
        match self {
            Cond::IntEq(i, v) => f[*i].as_int() == Some(*v),
            Cond::StrEq(i, v) => f[*i].as_str() == Some(v.as_str()),
            Cond::StrEqCi(i, v) => f[*i].as_str().is_some_and(|s| s.to_lowercase() == *v),
            Cond::IntIn(i, vs) => f[*i].as_int().is_some_and(|x| vs.contains(&x)),
            Cond::StrIn(i, vs) => f[*i].as_str().is_some_and(|x| vs.iter().any(|v| v == x)),
            Cond::Search(is, q) => is.iter().any(|i| match &f[*i] {
                FieldVal::Str(s) => s.to_lowercase().contains(q.as_str()),
                FieldVal::List(l) => l.iter().any(|s| s.to_lowercase().contains(q.as_str())),
                _ => false,
            }),
            Cond::Time(i, op, t) => f[*i].as_int().is_some_and(|x| match *op {
                "gt" => x > *t,
                "gte" => x >= *t,
                "lt" => x < *t,
                _ => x <= *t,
            }),
            Cond::NotSet(i) => matches!(f[*i], FieldVal::Null),
            Cond::IsSet(i) => !matches!(f[*i], FieldVal::Null),
            Cond::ListHasAll(i, vs) => match &f[*i] {
                FieldVal::List(items) => vs.iter().all(|v| {
                    items
                        .iter()
                        .any(|it| it.split(',').any(|p| p.trim().eq_ignore_ascii_case(v)))
                }),
                _ => vs.is_empty(),
            },
            Cond::View(e) => e.matches(f),
            Cond::NotId(id) => r.id != *id,
        }
    }
}

/// A validated list request.
#[derive(Debug)]
pub struct ListQuery {
    order: OrderSpec,
    index: usize,
    limit: usize,
    cursor: Option<Cursor>,
    conds: Vec<Cond>,
    candidates: Option<Vec<i64>>,
}

impl ListQuery {
    /// Excludes one id (view items' `ignored_item`).
    pub fn exclude(&mut self, id: i64) {
        self.conds.push(Cond::NotId(id));
    }

    /// Adds a view filter.
    pub fn view(&mut self, e: Expr) {
        self.conds.push(Cond::View(e));
    }

    /// Restricts to records whose integer field equals a value, using the group index.
    pub fn group(&mut self, col: &Collection, field: &str, value: i64) {
        if let Some(i) = col.field(field) {
            self.conds.push(Cond::IntEq(i, value));
            if let Some(ids) = col.group(i, value) {
                self.candidates = Some(ids);
            }
        }
    }
}

fn bool_param(param: &str, v: &str) -> Result<bool, ApiError> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(ApiError::bad_param(param, "Not a valid boolean.")),
    }
}

fn int_param(param: &str, v: &str) -> Result<i64, ApiError> {
    v.trim()
        .parse()
        .map_err(|_| ApiError::bad_param(param, "Not a valid integer."))
}

/// Validates a list request against the endpoint's spec. `extra` names additional accepted
/// parameters the caller handles itself (e.g. `direction`).
pub fn parse(
    spec: &ListSpec,
    params: &[(String, String)],
    data: &AccountData,
    user_id: i64,
    extra: &[&str],
) -> Result<ListQuery, ApiError> {
    parse_with(spec, params, data, data.col(spec.kind), user_id, extra)
}

/// Like [`parse`], with an explicit collection (view items list tickets).
pub fn parse_with(
    spec: &ListSpec,
    params: &[(String, String)],
    data: &AccountData,
    col: &Collection,
    user_id: i64,
    extra: &[&str],
) -> Result<ListQuery, ApiError> {
    let field = |name: &str| {
        col.field(name)
            .ok_or_else(|| ApiError::internal(format!("field {name} is not indexed")))
    };
    let mut limit = spec.default_limit;
    let mut order_value: Option<&str> = None;
    let mut cursor = None;
    let mut conds = Vec::new();
    let mut candidates: Option<Vec<i64>> = None;
    let mut multi: Vec<(&FilterSpec, Vec<&str>)> = Vec::new();
    for (k, v) in params {
        match k.as_str() {
            "limit" => {
                let n: i64 = v
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::bad_param("limit", "Not a valid integer."))?;
                if n < 1 || n > spec.max_limit as i64 {
                    return Err(ApiError::bad_param(
                        "limit",
                        &format!(
                            "Must be greater than or equal to 1 and less than or equal to {}.",
                            spec.max_limit
                        ),
                    ));
                }
                limit = n as usize;
            }
            "order_by" => order_value = Some(v.as_str()),
            "cursor" => {
                if !v.is_empty() {
                    cursor = Some(
                        Cursor::decode(v)
                            .ok_or_else(|| ApiError::bad_param("cursor", "Invalid cursor."))?,
                    );
                }
            }
            key if extra.contains(&key) => {}
            key => {
                let (base, op) = match key.split_once('[') {
                    Some((b, rest)) => (b, rest.strip_suffix(']')),
                    None => (key, None),
                };
                let f = spec
                    .filters
                    .iter()
                    .find(|f| {
                        f.param == base
                            && (op.is_some() == matches!(f.kind, FilterKind::TimeRange(_)))
                    })
                    .ok_or_else(|| ApiError::bad_param(key, "Unknown field."))?;
                if let FilterKind::TimeRange(name) = f.kind {
                    let op = match op {
                        Some(o @ ("gt" | "gte" | "lt" | "lte")) => o,
                        _ => return Err(ApiError::bad_param(key, "Unknown field.")),
                    };
                    let op: &'static str = match op {
                        "gt" => "gt",
                        "gte" => "gte",
                        "lt" => "lt",
                        _ => "lte",
                    };
                    let t = time::parse(v)
                        .ok_or_else(|| ApiError::bad_param(key, "Not a valid datetime."))?;
                    conds.push(Cond::Time(field(name)?, op, t));
                    continue;
                }
                match multi.iter_mut().find(|(s, _)| s.param == f.param) {
                    Some((_, vs)) => vs.push(v),
                    None => multi.push((f, vec![v])),
                }
            }
        }
    }
    for f in spec.filters.iter().filter(|f| f.required) {
        if !multi.iter().any(|(s, _)| s.param == f.param) {
            return Err(ApiError::bad_param(
                f.param,
                "Missing data for required field.",
            ));
        }
    }
    let mut saw_archived = false;
    for (f, values) in &multi {
        let p = f.param;
        let last = values.last().copied().unwrap_or_default();
        match f.kind {
            FilterKind::IntEq(name) => {
                let v = int_param(p, last)?;
                let i = field(name)?;
                if let Some(ids) = col.group(i, v) {
                    candidates = Some(ids);
                }
                conds.push(Cond::IntEq(i, v));
            }
            FilterKind::StrEq(name, allowed) => {
                if !allowed.is_empty() && !allowed.contains(&last) {
                    return Err(ApiError::bad_param(
                        p,
                        &format!("Must be one of: {}.", allowed.join(", ")),
                    ));
                }
                conds.push(Cond::StrEq(field(name)?, last.to_owned()));
            }
            FilterKind::StrEqCi(name) => {
                conds.push(Cond::StrEqCi(field(name)?, last.to_lowercase()))
            }
            FilterKind::IntIn(name) => {
                let vs = values
                    .iter()
                    .map(|v| int_param(p, v))
                    .collect::<Result<Vec<_>, _>>()?;
                conds.push(Cond::IntIn(field(name)?, vs));
            }
            FilterKind::StrIn(name) => {
                conds.push(Cond::StrIn(
                    field(name)?,
                    values.iter().map(|s| s.to_string()).collect(),
                ));
            }
            FilterKind::IdIn => {
                let vs = values
                    .iter()
                    .map(|v| int_param(p, v))
                    .collect::<Result<Vec<_>, _>>()?;
                if vs.len() > 100 {
                    return Err(ApiError::bad_param(p, "Longer than maximum length 100."));
                }
                candidates = Some(match candidates {
                    Some(c) => c.into_iter().filter(|id| vs.contains(id)).collect(),
                    None => vs,
                });
            }
            FilterKind::Search(names) => {
                let is = names
                    .iter()
                    .map(|n| field(n))
                    .collect::<Result<Vec<_>, _>>()?;
                conds.push(Cond::Search(is, last.to_lowercase()));
            }
            FilterKind::Include(name) => {
                if !bool_param(p, last)? {
                    conds.push(Cond::NotSet(field(name)?));
                }
            }
            FilterKind::Archived(name) => {
                saw_archived = true;
                let i = field(name)?;
                conds.push(if bool_param(p, last)? {
                    Cond::IsSet(i)
                } else {
                    Cond::NotSet(i)
                });
            }
            FilterKind::ListHasAll(name) => {
                conds.push(Cond::ListHasAll(
                    field(name)?,
                    values.iter().map(|s| s.to_string()).collect(),
                ));
            }
            FilterKind::View => {
                let id = int_param(p, last)?;
                let view = data
                    .col(ObjectKind::Views)
                    .get_value(id)
                    .ok_or_else(ApiError::not_found)?;
                let expr =
                    viewfilter::compile(view["filters"].as_str().unwrap_or_default(), col, user_id)
                        .map_err(|e| {
                            ApiError::bad_param(
                                p,
                                &format!("The view's filters cannot be applied: {e}"),
                            )
                        })?;
                conds.push(Cond::View(expr));
            }
            FilterKind::TimeRange(_) | FilterKind::Ignored => {}
        }
    }
    if !saw_archived {
        for f in spec.filters {
            if let FilterKind::Archived(name) = f.kind {
                conds.push(Cond::NotSet(field(name)?));
            }
        }
    }
    let wanted = match (order_value, &cursor) {
        (Some(o), Some(c)) if o != c.order => {
            return Err(ApiError::bad_param("cursor", "Invalid cursor."));
        }
        (Some(o), _) => o.to_owned(),
        (None, Some(c)) => c.order.clone(),
        (None, None) => spec.default_order.to_owned(),
    };
    let public = spec.orders.iter().find(|o| o.value == wanted);
    let order = match (public, order_value) {
        (Some(o), _) => *o,
        (None, Some(_)) => {
            let allowed: Vec<&str> = spec.orders.iter().map(|o| o.value).collect();
            return Err(ApiError::bad_param(
                "order_by",
                &format!("Must be one of: {}.", allowed.join(", ")),
            ));
        }
        (None, None) => *spec
            .hidden_orders
            .iter()
            .find(|o| o.value == wanted)
            .ok_or_else(|| ApiError::bad_param("cursor", "Invalid cursor."))?,
    };
    let index = col
        .index(order.index)
        .ok_or_else(|| ApiError::internal("missing index"))?;
    Ok(ListQuery {
        order,
        index,
        limit,
        cursor,
        conds,
        candidates,
    })
}

/// One page of results with its cursors.
#[derive(Debug)]
pub struct Page<'a> {
    /// The records.
    pub records: Vec<&'a Record>,
    /// Cursor of the previous page.
    pub prev_cursor: Option<String>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Runs a validated query.
pub fn run<'a>(col: &'a Collection, q: &ListQuery) -> Page<'a> {
    let backwards = q.cursor.as_ref().is_some_and(|c| c.prev);
    let pq = PageQuery {
        index: q.index,
        desc: q.order.desc,
        after: q.cursor.as_ref().map(|c| &c.pos),
        backwards,
        limit: q.limit,
        candidates: q.candidates.clone(),
    };
    let pred = |r: &Record| q.conds.iter().all(|c| c.matches(r));
    let (records, more) = col.page(&pq, &pred);
    let mk = |prev: bool, r: &Record| {
        Cursor {
            prev,
            order: q.order.value.to_owned(),
            pos: (r.key(q.index).clone(), r.id),
        }
        .encode()
    };
    let (prev_cursor, next_cursor) = match (&q.cursor, records.first(), records.last()) {
        (None, _, last) => (None, last.filter(|_| more).map(|r| mk(false, r))),
        (Some(c), first, last) if !c.prev => (
            Some(first.map_or_else(
                || {
                    Cursor {
                        prev: true,
                        ..c.clone()
                    }
                    .encode()
                },
                |r| mk(true, r),
            )),
            last.filter(|_| more).map(|r| mk(false, r)),
        ),
        (Some(c), first, last) => (
            first.filter(|_| more).map(|r| mk(true, r)),
            Some(last.map_or_else(
                || {
                    Cursor {
                        prev: false,
                        ..c.clone()
                    }
                    .encode()
                },
                |r| mk(false, r),
            )),
        ),
    };
    Page {
        records,
        prev_cursor,
        next_cursor,
    }
}

/// Serialises the list envelope.
pub fn envelope(uri: &str, page: &Page<'_>) -> String {
    let size: usize = page.records.iter().map(|r| r.json.len() + 1).sum();
    let mut s = String::with_capacity(size + uri.len() + 256);
    s.push_str(r#"{"object":"list","uri":"#);
    s.push_str(&Value::String(uri.to_owned()).to_string());
    s.push_str(r#","data":["#);
    for (i, r) in page.records.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&r.json);
    }
    s.push_str(r#"],"meta":{"prev_cursor":"#);
    push_opt(&mut s, page.prev_cursor.as_deref());
    s.push_str(r#","next_cursor":"#);
    push_opt(&mut s, page.next_cursor.as_deref());
    s.push_str("}}");
    s
}

fn push_opt(s: &mut String, v: Option<&str>) {
    match v {
        Some(c) => {
            s.push('"');
            s.push_str(c);
            s.push('"');
        }
        None => s.push_str("null"),
    }
}

/// `{"data":[...]}` for the few unpaginated lists.
pub fn data_only<'a>(records: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::from(r#"{"data":["#);
    for (i, r) in records.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(r);
    }
    s.push_str("]}");
    s
}
