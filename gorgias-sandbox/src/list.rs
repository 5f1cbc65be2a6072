//! The list machinery shared by every list endpoint: query validation (`limit`, `order_by`,
//! `cursor`, documented filters, unknown parameters), opaque keyset cursors and the
//! `{"object":"list","uri":..,"data":[..],"meta":{..}}` envelope in its recorded variants.
//!
//! A cursor has the recorded form: base64 of `["next"|"prev", <sort value>, <id>]` with
//! Python's JSON spacing, the sort value of a datetime ordering being the naive datetime, e.g.
//! `["next", "2026-08-26T18:39:21.578374", 2190943406]` (recorded: Nango test list-events); a
//! two-attribute ordering (tags' `usage:desc,name:desc`) puts both values before the id. It is
//! the position of the last (or first) record of the page in the ordering, so a walk neither
//! repeats nor skips records that did not change during the walk. Like Gorgias's, it does not
//! carry the ordering: clients resend `order_by` with it (recorded: Nango test events); a
//! cursor whose values do not fit the ordering in force is a 400 naming `cursor` (the status
//! for a bad or expired cursor is UNCONFIRMED).

use crate::error::ApiError;
use crate::store::collection::{
    Collection, FieldKind, FieldVal, KeyPart, PageQuery, Record, SortKey,
};
use crate::store::{AccountData, ObjectKind};
use crate::time;
use crate::viewfilter::Expr;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

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

/// Compiles an object-specific filter value (e.g. tickets' `view_id`) into an expression over
/// the listed collection; gets the store, the listed collection, the caller's user id and the
/// parameter's value.
pub type CustomFilter = fn(&AccountData, &Collection, i64, &str) -> Result<Expr, ApiError>;

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
    /// Boolean: `true` shows only records whose field is set, `false` only those whose field
    /// is null; without the parameter, records are shown when `default_all` and otherwise
    /// only those whose field is null.
    Archived(&'static str, bool),
    /// Repeated keys: every value must occur in a list field (comma-separated items count).
    ListHasAll(&'static str),
    /// An object-specific filter.
    Custom(CustomFilter),
    /// Accepted and validated as present, no effect on the result.
    Ignored,
}

/// The envelope variant of a list endpoint. Key order differs between endpoints (it carries
/// no meaning), and `meta.total_resources` is present (always `null`) only on some
/// (recorded: Nango tests list-tickets, users, list-integrations, custom-fields, list-views,
/// list-tags with it; customers, events, macros, list-jobs, list-teams,
/// list-satisfaction-surveys, list-rules, ticket-messages without).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// `object` and `uri` come before `data` (else after it).
    pub object_first: bool,
    /// `meta.total_resources: null` is sent.
    pub total_resources: bool,
}

impl Envelope {
    /// `{"object","uri","data","meta":{"prev_cursor","next_cursor","total_resources":null}}`.
    pub const OBJECT_FIRST_WITH_TOTAL: Envelope = Envelope {
        object_first: true,
        total_resources: true,
    };
    /// `{"data","object","uri","meta":{"prev_cursor","next_cursor"}}`.
    pub const DATA_FIRST: Envelope = Envelope {
        object_first: false,
        total_resources: false,
    };
}

/// What a list endpoint accepts.
#[derive(Debug)]
pub struct ListSpec {
    /// The collection listed.
    pub kind: ObjectKind,
    /// Allowed `order_by` values.
    pub orders: &'static [OrderSpec],
    /// Default `order_by` (one of `orders` or `hidden_orders`).
    pub default_order: &'static str,
    /// Default `limit`.
    pub default_limit: usize,
    /// Largest `limit`.
    pub max_limit: usize,
    /// Documented filters.
    pub filters: &'static [FilterSpec],
    /// Orderings used by default only (not accepted in `order_by`).
    pub hidden_orders: &'static [OrderSpec],
    /// The envelope.
    pub envelope: Envelope,
}

/// A decoded cursor: its direction and raw sort values (converted once the ordering is known).
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    /// A `prev` cursor walks backwards.
    pub prev: bool,
    /// Sort values, as sent.
    pub values: Vec<Value>,
    /// The id.
    pub id: i64,
}

fn part_json(p: &KeyPart, kind: FieldKind) -> String {
    match (p, kind) {
        (KeyPart::Null, _) => "null".to_owned(),
        (KeyPart::Int(t), FieldKind::Time) => Value::String(time::naive_iso(*t)).to_string(),
        (KeyPart::Int(i), _) => i.to_string(),
        (KeyPart::Str(s), _) => Value::String(s.to_string()).to_string(),
    }
}

fn json_part(v: &Value, kind: FieldKind) -> Option<KeyPart> {
    match (v, kind) {
        (Value::Null, _) => Some(KeyPart::Null),
        (Value::String(s), FieldKind::Time) => time::parse(s).map(KeyPart::Int),
        (Value::Number(n), FieldKind::Int | FieldKind::Bool | FieldKind::Rank(_)) => {
            n.as_i64().map(KeyPart::Int)
        }
        (Value::String(s), FieldKind::Str) => Some(KeyPart::Str(s.as_str().into())),
        _ => None,
    }
}

impl Cursor {
    /// The opaque form of a position in an ordering whose key fields read as `kinds`.
    pub fn encode(prev: bool, pos: &(SortKey, i64), kinds: &[FieldKind]) -> String {
        let mut s = String::from(if prev { "[\"prev\"" } else { "[\"next\"" });
        for (part, kind) in pos.0.iter().zip(kinds) {
            s.push_str(", ");
            s.push_str(&part_json(part, *kind));
        }
        s.push_str(", ");
        s.push_str(&pos.1.to_string());
        s.push(']');
        STANDARD.encode(s)
    }

    /// Decodes an opaque cursor.
    pub fn decode(s: &str) -> Option<Self> {
        let bytes = STANDARD.decode(s.trim()).ok()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        let arr = v.as_array()?;
        if !(2..=4).contains(&arr.len()) {
            return None;
        }
        let prev = match arr[0].as_str()? {
            "prev" => true,
            "next" => false,
            _ => return None,
        };
        Some(Self {
            prev,
            values: arr[1..arr.len() - 1].to_vec(),
            id: arr[arr.len() - 1].as_i64()?,
        })
    }

    /// The position in an ordering whose key fields read as `kinds`, if the values fit.
    pub fn position(&self, kinds: &[FieldKind]) -> Option<(SortKey, i64)> {
        if self.values.len() != kinds.len() {
            return None;
        }
        let mut key = [KeyPart::Null, KeyPart::Null];
        for (i, (v, k)) in self.values.iter().zip(kinds).enumerate() {
            key[i] = json_part(v, *k)?;
        }
        Some((key, self.id))
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
    kinds: Vec<FieldKind>,
    limit: usize,
    cursor: Option<(bool, (SortKey, i64))>,
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

    /// The page size.
    pub fn limit(&self) -> usize {
        self.limit
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

/// Like [`parse`], with an explicit collection (view items list tickets or customers).
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
            // A list that documents no ordering takes no `order_by` at all.
            "order_by" if spec.orders.is_empty() => {
                return Err(ApiError::bad_param("order_by", "Unknown field."));
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
                    let op: &'static str = match op {
                        Some("gt") => "gt",
                        Some("gte") => "gte",
                        Some("lt") => "lt",
                        Some("lte") => "lte",
                        _ => return Err(ApiError::bad_param(key, "Unknown field.")),
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
            FilterKind::Archived(name, _) => {
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
            FilterKind::Custom(compile) => {
                conds.push(Cond::View(compile(data, col, user_id, last)?));
            }
            FilterKind::TimeRange(_) | FilterKind::Ignored => {}
        }
    }
    if !saw_archived {
        for f in spec.filters {
            if let FilterKind::Archived(name, false) = f.kind {
                conds.push(Cond::NotSet(field(name)?));
            }
        }
    }
    let wanted = order_value.unwrap_or(spec.default_order);
    let order = match spec.orders.iter().find(|o| o.value == wanted) {
        Some(o) => *o,
        None if order_value.is_some() => {
            let allowed: Vec<&str> = spec.orders.iter().map(|o| o.value).collect();
            return Err(ApiError::bad_param(
                "order_by",
                &format!("Must be one of: {}.", allowed.join(", ")),
            ));
        }
        None => *spec
            .hidden_orders
            .iter()
            .find(|o| o.value == wanted)
            .ok_or_else(|| ApiError::internal("unknown default ordering"))?,
    };
    let index = col
        .index(order.index)
        .ok_or_else(|| ApiError::internal("missing index"))?;
    let kinds = col.index_kinds(index);
    let cursor = match cursor {
        Some(c) => Some((
            c.prev,
            c.position(&kinds)
                .ok_or_else(|| ApiError::bad_param("cursor", "Invalid cursor."))?,
        )),
        None => None,
    };
    Ok(ListQuery {
        order,
        index,
        kinds,
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
    let backwards = q.cursor.as_ref().is_some_and(|c| c.0);
    let pq = PageQuery {
        index: q.index,
        desc: q.order.desc,
        after: q.cursor.as_ref().map(|c| &c.1),
        backwards,
        limit: q.limit,
        candidates: q.candidates.clone(),
    };
    let pred = |r: &Record| q.conds.iter().all(|c| c.matches(r));
    let (records, more) = col.page(&pq, &pred);
    let mk =
        |prev: bool, r: &Record| Cursor::encode(prev, &(r.key(q.index).clone(), r.id), &q.kinds);
    let (prev_cursor, next_cursor) = match (&q.cursor, records.first(), records.last()) {
        (None, _, last) => (None, last.filter(|_| more).map(|r| mk(false, r))),
        (Some((false, pos)), first, last) => (
            Some(first.map_or_else(|| Cursor::encode(true, pos, &q.kinds), |r| mk(true, r))),
            last.filter(|_| more).map(|r| mk(false, r)),
        ),
        (Some((true, pos)), first, last) => (
            first.filter(|_| more).map(|r| mk(true, r)),
            Some(last.map_or_else(|| Cursor::encode(false, pos, &q.kinds), |r| mk(false, r))),
        ),
    };
    Page {
        records,
        prev_cursor,
        next_cursor,
    }
}

fn push_items<'a>(s: &mut String, items: impl Iterator<Item = &'a str>) {
    s.push('[');
    for (i, r) in items.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(r);
    }
    s.push(']');
}

/// Serialises a cursor list envelope of already-serialised items.
pub fn envelope_of<'a>(
    env: Envelope,
    uri: &str,
    items: impl Iterator<Item = &'a str>,
    size_hint: usize,
    prev_cursor: Option<&str>,
    next_cursor: Option<&str>,
) -> String {
    let mut s = String::with_capacity(size_hint + uri.len() + 256);
    let uri_json = Value::String(uri.to_owned()).to_string();
    if env.object_first {
        s.push_str(r#"{"object":"list","uri":"#);
        s.push_str(&uri_json);
        s.push_str(r#","data":"#);
        push_items(&mut s, items);
    } else {
        s.push_str(r#"{"data":"#);
        push_items(&mut s, items);
        s.push_str(r#","object":"list","uri":"#);
        s.push_str(&uri_json);
    }
    s.push_str(r#","meta":{"prev_cursor":"#);
    push_opt(&mut s, prev_cursor);
    s.push_str(r#","next_cursor":"#);
    push_opt(&mut s, next_cursor);
    if env.total_resources {
        s.push_str(r#","total_resources":null"#);
    }
    s.push_str("}}");
    s
}

/// Serialises the list envelope of a page.
pub fn envelope(env: Envelope, uri: &str, page: &Page<'_>) -> String {
    let size: usize = page.records.iter().map(|r| r.json.len() + 1).sum();
    envelope_of(
        env,
        uri,
        page.records.iter().map(|r| &*r.json),
        size,
        page.prev_cursor.as_deref(),
        page.next_cursor.as_deref(),
    )
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

/// `{"data":[...]}` for the few unpaginated lists (account settings, a ticket's tags,
/// custom-field values; recorded: Nango tests create-ticket, list-ticket-tags).
pub fn data_only<'a>(records: impl Iterator<Item = &'a str>) -> String {
    let mut s = String::from(r#"{"data":"#);
    push_items(&mut s, records);
    s.push('}');
    s
}
