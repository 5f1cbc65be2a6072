//! One-pass field extraction from serialised JSON: walks the text once with serde, descending
//! only into the paths a collection indexes and skipping everything else, so storing a record
//! allocates nothing but the extracted values.

use super::collection::{FieldKind, FieldSpec, FieldVal};
use crate::time;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A node of the path tree built from a collection's field paths.
#[derive(Debug, Default)]
pub struct PathNode {
    key: String,
    children: Vec<PathNode>,
    leaves: Vec<(usize, FieldKind)>,
}

/// Leaf index used for the record id.
const ID: usize = usize::MAX;

impl PathNode {
    /// The tree of `id` and every field path.
    pub fn build(fields: &[FieldSpec]) -> Self {
        let mut root = PathNode::default();
        root.insert(&["id"], ID, FieldKind::Int);
        for (i, f) in fields.iter().enumerate() {
            let segs: Vec<&str> = f.path.split('.').collect();
            root.insert(&segs, i, f.kind);
        }
        root
    }

    fn insert(&mut self, segs: &[&str], idx: usize, kind: FieldKind) {
        match segs.split_first() {
            None => self.leaves.push((idx, kind)),
            Some((first, rest)) => {
                let pos = match self.children.iter().position(|c| c.key == *first) {
                    Some(p) => p,
                    None => {
                        self.children.push(PathNode {
                            key: (*first).to_owned(),
                            ..PathNode::default()
                        });
                        self.children.len() - 1
                    }
                };
                self.children[pos].insert(rest, idx, kind);
            }
        }
    }

    fn child(&self, key: &str) -> Option<&PathNode> {
        self.children.iter().find(|c| c.key == key)
    }
}

/// Extracted values.
#[derive(Debug)]
pub struct Sink {
    /// The record id, if an integer.
    pub id: Option<i64>,
    /// Field values in spec order.
    pub vals: Vec<FieldVal>,
    lists: Vec<Vec<Box<str>>>,
}

/// Extracts `id` and every field of `fields` from JSON text.
pub fn extract(
    json: &str,
    tree: &PathNode,
    fields: &[FieldSpec],
) -> Result<Sink, serde_json::Error> {
    let mut sink = Sink {
        id: None,
        vals: vec![FieldVal::Null; fields.len()],
        lists: vec![Vec::new(); fields.len()],
    };
    let mut de = serde_json::Deserializer::from_str(json);
    NodeSeed {
        node: tree,
        sink: &mut sink,
    }
    .deserialize(&mut de)?;
    de.end()?;
    for (i, f) in fields.iter().enumerate() {
        if f.kind == FieldKind::List {
            sink.vals[i] = FieldVal::List(std::mem::take(&mut sink.lists[i]).into_boxed_slice());
        }
    }
    Ok(sink)
}

struct NodeSeed<'a> {
    node: &'a PathNode,
    sink: &'a mut Sink,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl NodeSeed<'_> {
    fn leaf(&mut self, v: Scalar<'_>) {
        for (idx, kind) in &self.node.leaves {
            if *idx == ID {
                if let Scalar::Int(i) = v {
                    self.sink.id = Some(i);
                }
                continue;
            }
            if *kind == FieldKind::List {
                let s: Option<Box<str>> = match v {
                    Scalar::Int(i) => Some(i.to_string().into()),
                    Scalar::Float(f) => Some(f.to_string().into()),
                    Scalar::Str(s) => Some(s.into()),
                    Scalar::Bool(b) => Some(b.to_string().into()),
                    Scalar::Null => None,
                };
                if let Some(s) = s {
                    self.sink.lists[*idx].push(s);
                }
                continue;
            }
            self.sink.vals[*idx] = convert(v, *kind);
        }
    }
}

#[derive(Clone, Copy)]
enum Scalar<'s> {
    Int(i64),
    Float(f64),
    Str(&'s str),
    Bool(bool),
    Null,
}

fn convert(v: Scalar<'_>, kind: FieldKind) -> FieldVal {
    match (kind, v) {
        (FieldKind::Int, Scalar::Int(i)) => FieldVal::Int(i),
        (FieldKind::Int, Scalar::Str(s)) => s.parse().map_or(FieldVal::Null, FieldVal::Int),
        (FieldKind::Str, Scalar::Str(s)) => FieldVal::Str(s.into()),
        (FieldKind::Bool, Scalar::Bool(b)) => FieldVal::Bool(b),
        (FieldKind::Time, Scalar::Str(s)) => time::parse(s).map_or(FieldVal::Null, FieldVal::Int),
        (FieldKind::Rank(names), Scalar::Str(s)) => names
            .iter()
            .position(|n| *n == s)
            .map_or(FieldVal::Null, |p| FieldVal::Int(p as i64)),
        _ => FieldVal::Null,
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_i64<E: de::Error>(mut self, v: i64) -> Result<(), E> {
        self.leaf(Scalar::Int(v));
        Ok(())
    }

    fn visit_u64<E: de::Error>(mut self, v: u64) -> Result<(), E> {
        self.leaf(i64::try_from(v).map_or(Scalar::Float(v as f64), Scalar::Int));
        Ok(())
    }

    fn visit_f64<E: de::Error>(mut self, v: f64) -> Result<(), E> {
        self.leaf(Scalar::Float(v));
        Ok(())
    }

    fn visit_bool<E: de::Error>(mut self, v: bool) -> Result<(), E> {
        self.leaf(Scalar::Bool(v));
        Ok(())
    }

    fn visit_str<E: de::Error>(mut self, v: &str) -> Result<(), E> {
        self.leaf(Scalar::Str(v));
        Ok(())
    }

    fn visit_unit<E: de::Error>(mut self) -> Result<(), E> {
        self.leaf(Scalar::Null);
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.node.child("*") {
            Some(child) => {
                while seq
                    .next_element_seed(NodeSeed {
                        node: child,
                        sink: &mut *self.sink,
                    })?
                    .is_some()
                {}
            }
            None => while seq.next_element::<IgnoredAny>()?.is_some() {},
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(found) = map.next_key_seed(KeyMatch { node: self.node })? {
            match found {
                Some(i) => map.next_value_seed(NodeSeed {
                    node: &self.node.children[i],
                    sink: &mut *self.sink,
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Matches an object key against a node's children without allocating.
struct KeyMatch<'a> {
    node: &'a PathNode,
}

impl<'de> DeserializeSeed<'de> for KeyMatch<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyMatch<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.node.children.iter().position(|c| c.key == v))
    }
}
