//! A generic ordered record collection: records are kept pre-serialised (so a page is a
//! concatenation of strings), a few fields are extracted for filtering, and one ordered index
//! per sortable attribute gives keyset pagination on `(sort value, id)`.
//!
//! An object whose list items leave out keys of the full record (customers: list items carry no
//! `channels`, recorded: Nango test customers) declares them in
//! [`CollectionSpec::list_omit`]; such records keep both forms.

use super::extract::{PathNode, extract};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

/// How an extracted field is read from the JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// An integer.
    Int,
    /// A string.
    Str,
    /// A boolean.
    Bool,
    /// A datetime string, kept as its instant (microseconds).
    Time,
    /// A string mapped to its position in the list (e.g. ticket priority).
    Rank(&'static [&'static str]),
    /// Every value under a path with `*` (array elements), as strings.
    List,
}

/// One extracted field: a name for filters and indexes, a dotted JSON path (`*` = each array
/// element), and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// The name filters and indexes use.
    pub name: &'static str,
    /// Dotted path into the record.
    pub path: &'static str,
    /// How to read the value.
    pub kind: FieldKind,
}

/// Shorthand constructor for [`FieldSpec`] whose name is its path.
pub const fn f(path: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name: path,
        path,
        kind,
    }
}

/// An ordered index: up to two fields (ties broken by id).
#[derive(Debug, Clone, Copy)]
pub struct IndexSpec {
    /// Index name, referenced by `order_by` specs.
    pub name: &'static str,
    /// Field names making up the key (0, 1 or 2; empty = by id).
    pub keys: &'static [&'static str],
}

impl IndexSpec {
    /// An index named `name` on `keys`.
    pub const fn on(name: &'static str, keys: &'static [&'static str]) -> Self {
        Self { name, keys }
    }
}

/// What a collection extracts and indexes.
#[derive(Debug)]
pub struct CollectionSpec {
    /// Extracted fields.
    pub fields: &'static [FieldSpec],
    /// Ordered indexes.
    pub indexes: &'static [IndexSpec],
    /// Integer fields with a reverse lookup (value -> ids), e.g. a message's `ticket_id`.
    pub groups: &'static [&'static str],
    /// Top-level keys of the full record that list items leave out.
    pub list_omit: &'static [&'static str],
}

/// An extracted field value.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldVal {
    /// Missing or null.
    Null,
    /// Integer, or a datetime as microseconds, or a rank.
    Int(i64),
    /// String.
    Str(Box<str>),
    /// Boolean.
    Bool(bool),
    /// Values found under a `*` path, as strings.
    List(Box<[Box<str>]>),
}

impl FieldVal {
    /// The integer, if any.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            FieldVal::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The string, if any.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            FieldVal::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// One part of a sort key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    /// Null sorts first.
    Null,
    /// Integer (also datetimes and ranks).
    Int(i64),
    /// String.
    Str(Box<str>),
}

/// A sort key: two parts (the second is `Null` for single-field indexes).
pub type SortKey = [KeyPart; 2];

/// A stored record.
#[derive(Debug, Clone)]
pub struct Record {
    /// The id.
    pub id: i64,
    /// The record as list pages serve it (JSON text).
    pub json: Box<str>,
    /// The full record, when list items leave keys out ([`CollectionSpec::list_omit`]).
    pub full: Option<Box<str>>,
    /// Extracted fields, in the order of the spec's `fields`.
    pub fields: Box<[FieldVal]>,
    keys: Box<[SortKey]>,
}

impl Record {
    /// The full record as JSON text.
    pub fn full_json(&self) -> &str {
        self.full.as_deref().unwrap_or(&self.json)
    }

    /// The full record parsed back into a JSON value.
    pub fn value(&self) -> Value {
        serde_json::from_str(self.full_json()).unwrap_or(Value::Null)
    }

    /// The sort key in one index.
    pub fn key(&self, index: usize) -> &SortKey {
        &self.keys[index]
    }
}

/// A page request against one index.
#[derive(Debug)]
pub struct PageQuery<'a> {
    /// Which index.
    pub index: usize,
    /// Whether the ordering is descending.
    pub desc: bool,
    /// Exclusive bound: start after this position (in walking direction).
    pub after: Option<&'a (SortKey, i64)>,
    /// Walk against the ordering (for `prev` cursors); the result is still in order.
    pub backwards: bool,
    /// Page size.
    pub limit: usize,
    /// Restrict to these ids (from a group lookup or an id filter).
    pub candidates: Option<Vec<i64>>,
}

/// A generic collection.
#[derive(Debug)]
pub struct Collection {
    spec: &'static CollectionSpec,
    records: BTreeMap<i64, Record>,
    indexes: Vec<BTreeSet<(SortKey, i64)>>,
    groups: Vec<(usize, HashMap<i64, BTreeSet<i64>>)>,
    index_fields: Vec<Vec<usize>>,
    tree: PathNode,
}

/// Why a value could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoId;

impl Collection {
    /// An empty collection.
    pub fn new(spec: &'static CollectionSpec) -> Self {
        let field_pos = |name: &str| spec.fields.iter().position(|f| f.name == name);
        let index_fields = spec
            .indexes
            .iter()
            .map(|ix| ix.keys.iter().filter_map(|k| field_pos(k)).collect())
            .collect();
        let groups = spec
            .groups
            .iter()
            .filter_map(|g| field_pos(g))
            .map(|p| (p, HashMap::new()))
            .collect();
        Self {
            spec,
            records: BTreeMap::new(),
            indexes: spec.indexes.iter().map(|_| BTreeSet::new()).collect(),
            groups,
            index_fields,
            tree: PathNode::build(spec.fields),
        }
    }

    /// The spec.
    pub fn spec(&self) -> &'static CollectionSpec {
        self.spec
    }

    /// Position of a field by name.
    pub fn field(&self, name: &str) -> Option<usize> {
        self.spec.fields.iter().position(|f| f.name == name)
    }

    /// Position of an index by name.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.spec.indexes.iter().position(|i| i.name == name)
    }

    /// How the key fields of an index are read (one per key part; empty for the id index).
    pub fn index_kinds(&self, index: usize) -> Vec<FieldKind> {
        self.index_fields
            .get(index)
            .map(|pos| pos.iter().map(|p| self.spec.fields[*p].kind).collect())
            .unwrap_or_default()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The largest id (0 when empty).
    pub fn max_id(&self) -> i64 {
        self.records.keys().next_back().copied().unwrap_or(0)
    }

    /// All ids, ascending.
    pub fn ids(&self) -> Vec<i64> {
        self.records.keys().copied().collect()
    }

    /// Records by ascending id.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.records.values()
    }

    /// One record.
    pub fn get(&self, id: i64) -> Option<&Record> {
        self.records.get(&id)
    }

    /// One record as a JSON value.
    pub fn get_value(&self, id: i64) -> Option<Value> {
        self.records.get(&id).map(Record::value)
    }

    /// Ids whose group field equals `value`.
    pub fn group(&self, field: usize, value: i64) -> Option<Vec<i64>> {
        self.groups
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, map)| {
                map.get(&value)
                    .map(|s| s.iter().copied().collect())
                    .unwrap_or_default()
            })
    }

    /// Stores (or replaces) a record; its `id` must be an integer.
    pub fn put(&mut self, value: &Value) -> Result<i64, NoId> {
        self.put_json(value.to_string())
    }

    /// Stores (or replaces) a record given as JSON text (an object with an integer `id`).
    pub fn put_json(&mut self, json: String) -> Result<i64, NoId> {
        let sink = extract(&json, &self.tree, self.spec.fields).map_err(|_| NoId)?;
        let id = sink.id.ok_or(NoId)?;
        let (json, full) = split_forms(self.spec.list_omit, json);
        self.put_parts(id, json, full, sink.vals.into_boxed_slice());
        Ok(id)
    }

    /// Stores many records given as JSON text; extraction runs on every core. Records that
    /// are not objects with an integer `id` are skipped.
    pub fn put_batch(&mut self, jsons: Vec<String>) {
        let tree = &self.tree;
        let fields = self.spec.fields;
        let omit = self.spec.list_omit;
        let sinks = crate::par::chunks(jsons.len(), 2048, |_, r| {
            r.map(|i| extract(&jsons[i], tree, fields).ok()).collect()
        });
        let forms = crate::par::chunks(jsons.len(), 2048, |_, r| {
            r.map(|i| split_forms(omit, jsons[i].clone())).collect()
        });
        for ((json, full), sink) in forms.into_iter().zip(sinks) {
            if let Some(sink) = sink
                && let Some(id) = sink.id
            {
                self.put_parts(id, json, full, sink.vals.into_boxed_slice());
            }
        }
    }

    fn put_parts(
        &mut self,
        id: i64,
        json: Box<str>,
        full: Option<Box<str>>,
        fields: Box<[FieldVal]>,
    ) {
        self.remove(id);
        let keys: Box<[SortKey]> = self
            .index_fields
            .iter()
            .map(|pos| {
                let part = |i: usize| pos.get(i).map_or(KeyPart::Null, |p| key_part(&fields[*p]));
                [part(0), part(1)]
            })
            .collect();
        for (ix, key) in self.indexes.iter_mut().zip(keys.iter()) {
            ix.insert((key.clone(), id));
        }
        for (field, map) in &mut self.groups {
            if let Some(v) = fields[*field].as_int() {
                map.entry(v).or_default().insert(id);
            }
        }
        self.records.insert(
            id,
            Record {
                id,
                json,
                full,
                fields,
                keys,
            },
        );
    }

    /// Removes a record.
    pub fn remove(&mut self, id: i64) -> Option<Record> {
        let old = self.records.remove(&id)?;
        for (ix, key) in self.indexes.iter_mut().zip(old.keys.iter()) {
            ix.remove(&(key.clone(), id));
        }
        for (field, map) in &mut self.groups {
            if let Some(v) = old.fields[*field].as_int()
                && let Some(set) = map.get_mut(&v)
            {
                set.remove(&id);
                if set.is_empty() {
                    map.remove(&v);
                }
            }
        }
        Some(old)
    }

    /// One page: records matching `pred`, in index order, starting after the bound. Returns
    /// the records and whether more exist in the walking direction.
    pub fn page<'s>(
        &'s self,
        q: &PageQuery<'_>,
        pred: &dyn Fn(&Record) -> bool,
    ) -> (Vec<&'s Record>, bool) {
        let ascending = q.desc == q.backwards;
        let limit = q.limit;
        let mut out: Vec<&Record> = Vec::with_capacity(limit.min(1024) + 1);
        let mut visit = |id: i64| -> bool {
            if let Some(r) = self.records.get(&id)
                && pred(r)
            {
                out.push(r);
            }
            out.len() > limit
        };
        match &q.candidates {
            None => {
                let set = &self.indexes[q.index];
                let lower = q.after.map_or(Bound::Unbounded, Bound::Excluded);
                if ascending {
                    for (_, id) in set.range((lower, Bound::Unbounded)) {
                        if visit(*id) {
                            break;
                        }
                    }
                } else {
                    for (_, id) in set.range((Bound::Unbounded, lower)).rev() {
                        if visit(*id) {
                            break;
                        }
                    }
                }
            }
            Some(ids) => {
                let mut keyed: Vec<(&SortKey, i64)> = ids
                    .iter()
                    .filter_map(|id| self.records.get(id).map(|r| (&r.keys[q.index], *id)))
                    .collect();
                keyed.sort();
                keyed.dedup();
                let cmp = |e: &(&SortKey, i64), b: &(SortKey, i64)| (e.0, e.1).cmp(&(&b.0, b.1));
                if ascending {
                    let start = q
                        .after
                        .map_or(0, |b| keyed.partition_point(|e| cmp(e, b).is_le()));
                    for (_, id) in &keyed[start..] {
                        if visit(*id) {
                            break;
                        }
                    }
                } else {
                    let end = q.after.map_or(keyed.len(), |b| {
                        keyed.partition_point(|e| cmp(e, b).is_lt())
                    });
                    for (_, id) in keyed[..end].iter().rev() {
                        if visit(*id) {
                            break;
                        }
                    }
                }
            }
        }
        let more = out.len() > limit;
        out.truncate(limit);
        if q.backwards {
            out.reverse();
        }
        (out, more)
    }
}

/// The list form and, when it differs, the full form of a record.
fn split_forms(omit: &[&str], json: String) -> (Box<str>, Option<Box<str>>) {
    if omit.is_empty() {
        return (json.into_boxed_str(), None);
    }
    match serde_json::from_str::<Value>(&json) {
        Ok(Value::Object(mut map)) => {
            for k in omit {
                map.shift_remove(*k);
            }
            (
                Value::Object(map).to_string().into_boxed_str(),
                Some(json.into_boxed_str()),
            )
        }
        _ => (json.into_boxed_str(), None),
    }
}

fn key_part(v: &FieldVal) -> KeyPart {
    match v {
        FieldVal::Int(i) => KeyPart::Int(*i),
        FieldVal::Str(s) => KeyPart::Str(s.clone()),
        FieldVal::Bool(b) => KeyPart::Int(i64::from(*b)),
        FieldVal::Null | FieldVal::List(_) => KeyPart::Null,
    }
}
