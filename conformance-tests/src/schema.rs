//! JSON Schema helpers the checks share, on top of the SDK's one walker and `$ref` resolver
//! ([`connector_sdk::schema`]): object shapes (through `allOf` and the `oneOf`/`anyOf` branch a document
//! matches), the fields of a document, and minimal valid instances.

use serde_json::{Map, Value, json};

const MAX_DEPTH: usize = connector_sdk::schema::MAX_REF_DEPTH;

/// The dotted form of a field path (`auth.api_key`), `(root)` for the empty path; the same words
/// the SDK's errors use.
pub(crate) fn dotted(path: &[String]) -> String {
    if path.is_empty() {
        "(root)".to_string()
    } else {
        path.join(".")
    }
}

pub(crate) use connector_sdk::schema::{dangling_refs, resolve, visit};

pub(crate) use connector_sdk::schema::json_type;

/// The types a schema allows, when it says (`type`, `const`, `enum`, or the union of its
/// `oneOf`/`anyOf` branches).
pub(crate) fn types_of(root: &Value, node: &Value) -> Option<Vec<String>> {
    types_at(root, node, 0)
}

fn types_at(root: &Value, node: &Value, depth: usize) -> Option<Vec<String>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let node = resolve(root, node).ok()?;
    match node.get("type") {
        Some(Value::String(t)) => return Some(vec![t.clone()]),
        Some(Value::Array(ts)) => {
            return Some(
                ts.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect(),
            );
        }
        _ => {}
    }
    if let Some(c) = node.get("const") {
        return Some(vec![json_type(c).to_string()]);
    }
    if let Some(Value::Array(options)) = node.get("enum") {
        let mut out: Vec<String> = Vec::new();
        for o in options {
            let t = json_type(o).to_string();
            if !out.contains(&t) {
                out.push(t);
            }
        }
        return Some(out);
    }
    for kw in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = node.get(kw) {
            let mut out: Vec<String> = Vec::new();
            for b in branches {
                for t in types_at(root, b, depth + 1)? {
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
            return Some(out);
        }
    }
    if let Some(Value::Array(members)) = node.get("allOf") {
        return members.iter().find_map(|m| types_at(root, m, depth + 1));
    }
    None
}

/// Whether `instance` matches `sub`, a subschema of `root` (its `$ref`s resolve against `root`).
pub(crate) fn sub_valid(root: &Value, sub: &Value, instance: &Value) -> bool {
    let mut schema = Map::new();
    for key in ["$schema", "$defs", "definitions"] {
        if let Some(v) = root.get(key) {
            schema.insert(key.to_string(), v.clone());
        }
    }
    schema.insert("allOf".into(), json!([sub]));
    connector_sdk::validate::compile(&Value::Object(schema))
        .map(|v| v.is_valid(instance))
        .unwrap_or(false)
}

/// The declared properties of an object schema, merged through `$ref`, `allOf` and the
/// `oneOf`/`anyOf` branch the document matches.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Property names and their (unresolved) schemas, first declaration wins.
    pub properties: Vec<(String, Value)>,
    /// Required property names.
    pub required: Vec<String>,
    /// Whether unknown properties are refused (`additionalProperties: false`).
    pub closed: bool,
}

/// The [`Shape`] of `node` for the document `value`.
pub(crate) fn shape(root: &Value, node: &Value, value: &Value) -> Shape {
    let mut out = Shape::default();
    add_shape(root, node, value, &mut out, 0);
    out
}

fn add_shape(root: &Value, node: &Value, value: &Value, out: &mut Shape, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(node) = resolve(root, node) else {
        return;
    };
    if let Some(Value::Object(props)) = node.get("properties") {
        for (k, s) in props {
            if !out.properties.iter().any(|(n, _)| n == k) {
                out.properties.push((k.clone(), s.clone()));
            }
        }
    }
    if let Some(Value::Array(req)) = node.get("required") {
        for r in req.iter().filter_map(Value::as_str) {
            if !out.required.iter().any(|x| x == r) {
                out.required.push(r.to_string());
            }
        }
    }
    if node.get("additionalProperties") == Some(&Value::Bool(false))
        || node.get("unevaluatedProperties") == Some(&Value::Bool(false))
    {
        out.closed = true;
    }
    if let Some(Value::Array(members)) = node.get("allOf") {
        for m in members {
            add_shape(root, m, value, out, depth + 1);
        }
    }
    for kw in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = node.get(kw)
            && let Some(branch) = branches.iter().find(|b| sub_valid(root, b, value))
        {
            add_shape(root, branch, value, out, depth + 1);
        }
    }
}

/// One field present in a document, with what its schema says about it.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// Property names from the root.
    pub path: Vec<String>,
    /// Whether its object requires it.
    pub required: bool,
    /// Its schema (unresolved).
    pub schema: Value,
    /// Its value in the document.
    pub value: Value,
}

/// Every field of a document, and every object in it (path, refuses unknown fields).
#[derive(Debug, Default)]
pub(crate) struct Fields {
    /// Fields in document order, parents before children.
    pub fields: Vec<Field>,
    /// Object nodes (the root first) and whether each refuses unknown properties.
    pub objects: Vec<(Vec<String>, bool)>,
}

/// The [`Fields`] of `value` under `schema`.
pub(crate) fn fields(schema: &Value, value: &Value) -> Fields {
    let mut out = Fields::default();
    walk_fields(schema, schema, value, &mut Vec::new(), &mut out, 0);
    out
}

fn walk_fields(
    root: &Value,
    node: &Value,
    value: &Value,
    path: &mut Vec<String>,
    out: &mut Fields,
    depth: usize,
) {
    if depth > MAX_DEPTH || !value.is_object() {
        return;
    }
    let shape = shape(root, node, value);
    out.objects.push((path.clone(), shape.closed));
    for (name, sub) in &shape.properties {
        if let Some(v) = value.get(name) {
            path.push(name.clone());
            out.fields.push(Field {
                path: path.clone(),
                required: shape.required.contains(name),
                schema: sub.clone(),
                value: v.clone(),
            });
            walk_fields(root, sub, v, path, out, depth + 1);
            path.pop();
        }
    }
}

/// A copy of `doc` with the field at `path` replaced (`Some`) or removed (`None`).
pub(crate) fn edit(doc: &Value, path: &[String], new: Option<Value>) -> Value {
    let mut out = doc.clone();
    if path.is_empty() {
        return new.unwrap_or(Value::Null);
    }
    let mut node = &mut out;
    for seg in &path[..path.len() - 1] {
        match node.get_mut(seg) {
            Some(n) => node = n,
            None => return out,
        }
    }
    if let Value::Object(map) = node {
        let last = &path[path.len() - 1];
        match new {
            Some(v) => {
                map.insert(last.clone(), v);
            }
            None => {
                map.shift_remove(last);
            }
        }
    }
    out
}

/// The value at a dotted path of a document.
pub(crate) fn value_at<'a>(doc: &'a Value, dotted_path: &str) -> Option<&'a Value> {
    dotted_path
        .split('.')
        .try_fold(doc, |node, seg| node.get(seg))
}

fn expand<'a>(root: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(node) = resolve(root, node) else {
        return;
    };
    out.push(node);
    for kw in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = node.get(kw) {
            for b in items {
                expand(root, b, out, depth + 1);
            }
        }
    }
}

/// Every property schema a dotted path can name, through `$ref`, `allOf` and every
/// `oneOf`/`anyOf` branch.
pub(crate) fn property_schemas<'a>(root: &'a Value, dotted_path: &str) -> Vec<&'a Value> {
    let mut nodes = vec![root];
    for seg in dotted_path.split('.') {
        let mut next = Vec::new();
        for n in nodes {
            let mut candidates = Vec::new();
            expand(root, n, &mut candidates, 0);
            for c in candidates {
                if let Some(p) = c.get("properties").and_then(|p| p.get(seg)) {
                    next.push(p);
                }
            }
        }
        nodes = next;
    }
    nodes
}

/// Every property declared anywhere in a schema: (dotted path, name, schema). Arrays add `[]`.
pub(crate) fn all_properties(root: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    collect_properties(root, root, "", &mut out, 0);
    out
}

fn collect_properties<'a>(
    root: &'a Value,
    node: &'a Value,
    prefix: &str,
    out: &mut Vec<(String, String, &'a Value)>,
    depth: usize,
) {
    if depth > 12 {
        return;
    }
    let mut candidates = Vec::new();
    expand(root, node, &mut candidates, 0);
    for c in candidates {
        if let Some(Value::Object(props)) = c.get("properties") {
            for (name, sub) in props {
                let path = if prefix.is_empty() {
                    name.clone()
                } else {
                    format!("{prefix}.{name}")
                };
                if !out
                    .iter()
                    .any(|(p, _, s)| *p == path && std::ptr::eq(*s, sub))
                {
                    out.push((path.clone(), name.clone(), sub));
                }
                collect_properties(root, sub, &path, out, depth + 1);
            }
        }
        if let Some(items) = c.get("items")
            && items.is_object()
        {
            collect_properties(root, items, &format!("{prefix}[]"), out, depth + 1);
        }
    }
}

/// Whether a property schema (or what its `$ref` points to) sets `keyword: true`.
pub(crate) fn flag(root: &Value, node: &Value, keyword: &str) -> bool {
    node.get(keyword) == Some(&Value::Bool(true))
        || resolve(root, node)
            .map(|n| n.get(keyword) == Some(&Value::Bool(true)))
            .unwrap_or(false)
}

/// A small instance that should satisfy `node` (best effort: patterns are not honoured).
pub(crate) fn synthesize(root: &Value, node: &Value) -> Option<Value> {
    synth(root, node, 0)
}

fn synth(root: &Value, node: &Value, depth: usize) -> Option<Value> {
    if depth > MAX_DEPTH {
        return None;
    }
    let node = resolve(root, node).ok()?;
    if let Some(c) = node.get("const") {
        return Some(c.clone());
    }
    if let Some(Value::Array(options)) = node.get("enum") {
        return options.first().cloned();
    }
    for kw in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = node.get(kw) {
            return branches.iter().find_map(|b| synth(root, b, depth + 1));
        }
    }
    let types = types_of(root, node).unwrap_or_else(|| vec!["object".into()]);
    let t = types
        .iter()
        .find(|t| *t != "null")
        .cloned()
        .unwrap_or_else(|| "null".into());
    let num = |k: &str| node.get(k).and_then(Value::as_f64);
    Some(match t.as_str() {
        "null" => Value::Null,
        "boolean" => Value::Bool(false),
        "integer" => {
            let low = num("minimum").or(num("exclusiveMinimum").map(|m| m.floor() + 1.0));
            let high = num("maximum").or(num("exclusiveMaximum").map(|m| m.ceil() - 1.0));
            let mut v = low.unwrap_or(1.0).ceil();
            if let Some(h) = high {
                v = v.min(h.floor());
            }
            json!(v as i64)
        }
        "number" => json!(num("minimum").unwrap_or(1.0)),
        "string" => match node.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2024-01-31T00:00:00Z"),
            Some("date") => json!("2024-01-31"),
            Some("email") => json!("agent@example.com"),
            Some("uri") | Some("url") => json!("https://example.com/"),
            Some("uuid") => json!("00000000-0000-4000-8000-000000000000"),
            _ => {
                let n = node
                    .get("minLength")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                json!("x".repeat(n as usize))
            }
        },
        "array" => {
            let n = node.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = node.get("items").cloned().unwrap_or(json!({}));
            let mut items = Vec::new();
            for _ in 0..n {
                items.push(synth(root, &item, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => {
            let mut map = Map::new();
            let shape = shape(root, node, &json!({}));
            for r in &shape.required {
                let sub = shape
                    .properties
                    .iter()
                    .find(|(n, _)| n == r)
                    .map(|(_, s)| s.clone())
                    .unwrap_or(json!({}));
                map.insert(r.clone(), synth(root, &sub, depth + 1)?);
            }
            Value::Object(map)
        }
    })
}

/// A value of a type the schema does not allow, or `None` when it allows every type.
/// `text` is the string used when strings are wrong (callers pass a secret, to prove that
/// errors never echo values).
pub(crate) fn wrong_value(types: &[String], text: &str) -> Option<Value> {
    let has = |t: &str| types.iter().any(|x| x == t);
    if !has("string") {
        Some(Value::String(text.to_string()))
    } else if !has("integer") && !has("number") {
        Some(json!(12345))
    } else if !has("boolean") {
        Some(json!(true))
    } else if !has("array") {
        Some(json!([]))
    } else if !has("object") {
        Some(json!({}))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_schema() -> Value {
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "required": ["subdomain", "auth"],
            "properties": {
                "subdomain": {"type": "string"},
                "page": {"type": "integer"},
                "auth": {"$ref": "#/$defs/Auth"}
            },
            "$defs": {
                "Auth": {"oneOf": [
                    {"type": "object", "additionalProperties": false, "required": ["type", "email", "api_key"],
                     "properties": {"type": {"type": "string", "const": "basic"}, "email": {"type": "string"},
                        "api_key": {"type": "string", "writeOnly": true}}},
                    {"type": "object", "required": ["type", "token"],
                     "properties": {"type": {"type": "string", "const": "bearer"}, "token": {"type": "string"}}}
                ]}
            }
        })
    }

    #[test]
    fn fields_follow_refs_and_the_matching_branch() {
        let s = config_schema();
        let doc =
            json!({"subdomain": "a", "auth": {"type": "basic", "email": "e", "api_key": "k"}});
        let f = fields(&s, &doc);
        let paths: Vec<(String, bool)> = f
            .fields
            .iter()
            .map(|f| (dotted(&f.path), f.required))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("subdomain".into(), true),
                ("auth".into(), true),
                ("auth.type".into(), true),
                ("auth.email".into(), true),
                ("auth.api_key".into(), true),
            ]
        );
        assert_eq!(f.objects, vec![(vec![], true), (vec!["auth".into()], true)]);
        let bearer = json!({"subdomain": "a", "auth": {"type": "bearer", "token": "t"}});
        let f = fields(&s, &bearer);
        assert!(f.fields.iter().any(|f| dotted(&f.path) == "auth.token"));
        assert_eq!(f.objects[1], (vec!["auth".into()], false));
    }

    #[test]
    fn refs_types_and_properties() {
        let s = config_schema();
        assert!(dangling_refs(&s).is_empty());
        let mut bad = s.clone();
        bad["properties"]["x"] = json!({"$ref": "#/$defs/Nope"});
        bad["properties"]["y"] = json!({"$ref": "other.json"});
        assert_eq!(dangling_refs(&bad).len(), 2, "{:?}", dangling_refs(&bad));
        assert_eq!(
            types_of(&s, &s["properties"]["auth"]),
            Some(vec!["object".to_string()])
        );
        assert_eq!(property_schemas(&s, "auth.api_key").len(), 1);
        assert!(flag(
            &s,
            property_schemas(&s, "auth.api_key")[0],
            "writeOnly"
        ));
        let all: Vec<String> = all_properties(&s).into_iter().map(|p| p.0).collect();
        assert!(all.contains(&"auth.token".to_string()), "{all:?}");
        let doc = synthesize(&s, &s).unwrap();
        assert!(sub_valid(&s, &s, &doc), "{doc}");
    }

    #[test]
    fn edits_and_wrong_values() {
        let doc = json!({"a": {"b": 1, "c": 2}});
        assert_eq!(
            edit(&doc, &["a".into(), "b".into()], None),
            json!({"a": {"c": 2}})
        );
        assert_eq!(
            edit(&doc, &["a".into(), "c".into()], Some(json!("x"))),
            json!({"a": {"b": 1, "c": "x"}})
        );
        assert_eq!(wrong_value(&["integer".into()], "s"), Some(json!("s")));
        assert_eq!(wrong_value(&["string".into()], "s"), Some(json!(12345)));
        assert_eq!(value_at(&doc, "a.c"), Some(&json!(2)));
    }
}
