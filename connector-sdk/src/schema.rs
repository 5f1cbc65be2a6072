//! JSON Schema generation: one draft (2020-12) and standard formats only, for every schema a
//! connector exports, with the text and hints a form builder needs.
//!
//! [`schema_for`] is the one way the SDK and connectors turn a Rust type into a schema. Besides
//! choosing the draft it applies [`FormFriendly`]: doc-comment line wraps become spaces (a
//! description is one paragraph in a form), a `const` gets the same `default` (so a form fills in
//! a discriminator such as `auth.type` when its branch is chosen), and the root's `$schema`,
//! `title` and `description` come first (stable, readable files).
//!
//! Annotations a connector writes on its types (see `gorgias_connector::config`):
//! `# Heading` doc lines become `title`, the rest `description`; `example = ..` becomes
//! `examples` (placeholders); `extend("order" = n)` orders fields; `extend("writeOnly" = true,
//! "airbyte_secret" = true)` marks secrets; a `regex(pattern = ..)` must come with a description in
//! words, and may carry Airbyte's `pattern_descriptor` (a short format hint shown as help and in
//! error messages); `extend("discriminator" = {"propertyName": "type"})` on an internally tagged
//! enum tells form builders and validators (ajv) which branch of the `oneOf` applies.
//!
//! The one schema walker ([`visit`], [`visit_mut`]: every subschema with its JSON pointer) and
//! the one `$ref` resolver ([`lookup`], [`resolve`], [`dangling_refs`]: local `#/...` pointers,
//! `$defs` and anchors) live here too; the host's exporter, the SDK's validation and the
//! conformance suite all use them.

use schemars::JsonSchema;
use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::{RestrictFormats, Transform, transform_subschemas};
use serde_json::{Map, Value};

/// The `$schema` URI of every exported schema.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The `format` values draft 2020-12 defines (its format-annotation vocabulary). Schemas a
/// connector exports use no others.
pub const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// The JSON Schema of `T`: draft 2020-12, property order kept, non-standard formats
/// (`uint32`, `int64`, ...) removed, and [`FormFriendly`] applied.
pub fn schema_for<T: JsonSchema>() -> Value {
    let value = SchemaSettings::draft2020_12()
        .with_transform(RestrictFormats::default())
        .with_transform(FormFriendly)
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    root_keys_first(value)
}

/// Puts `$schema`, `$id`, `title` and `description` first in a root schema (the rest keeps its
/// order).
pub fn root_keys_first(schema: Value) -> Value {
    match schema {
        Value::Object(map) => {
            const FIRST: [&str; 4] = ["$schema", "$id", "title", "description"];
            let mut ordered = Map::new();
            for key in FIRST {
                if let Some(v) = map.get(key) {
                    ordered.insert(key.into(), v.clone());
                }
            }
            // Not `Map::remove`: with `preserve_order` it swaps the last key into the gap.
            ordered.extend(
                map.into_iter()
                    .filter(|(k, _)| !FIRST.contains(&k.as_str())),
            );
            Value::Object(ordered)
        }
        other => other,
    }
}

/// Joins the lines of a doc comment into paragraphs: a single line break becomes a space, a
/// blank line stays a paragraph break.
pub fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|para| {
            para.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The generation transform that makes schemas read well in forms (applied to every
/// subschema): titles and descriptions unwrapped into paragraphs, and every `const` given the
/// same `default`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FormFriendly;

impl Transform for FormFriendly {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(map) = schema.as_object_mut() {
            for key in ["title", "description"] {
                if let Some(Value::String(text)) = map.get_mut(key) {
                    *text = unwrap_lines(text);
                }
            }
            if let Some(c) = map.get("const").cloned()
                && !map.contains_key("default")
            {
                map.insert("default".into(), c);
            }
        }
        transform_subschemas(self, schema);
    }
}

/// How deep [`resolve`] follows `$ref` chains and anchor searches go before giving up.
pub const MAX_REF_DEPTH: usize = 24;

/// Escapes one JSON-pointer segment (`~` → `~0`, `/` → `~1`).
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// The keywords whose value is one subschema.
const ONE: &[&str] = &[
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
    "additionalItems",
    "contentSchema",
];
/// The keywords whose value is a list of subschemas (`items` too, in drafts before 2020-12).
const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// The keywords whose value maps names to subschemas.
const NAMED: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// The schema walker: calls `f(subschema, pointer)` for `node` and every subschema under it, by
/// keyword (`properties`, `items`, `oneOf`, `$defs`, ...), with its JSON pointer from `node`
/// (`""` for `node`, `/properties/auth/oneOf/0`, ...). Values of `const`, `enum`, `default` and
/// `examples`, and property *names*, are never taken for schemas; `$ref`s are not followed
/// (see [`resolve`]). Boolean schemas are visited too.
pub fn visit<'a>(node: &'a Value, f: &mut dyn FnMut(&'a Value, &str)) {
    visit_at(node, "", f);
}

fn visit_at<'a>(node: &'a Value, pointer: &str, f: &mut dyn FnMut(&'a Value, &str)) {
    f(node, pointer);
    let Value::Object(map) = node else {
        return;
    };
    for (k, v) in map {
        let here = format!("{pointer}/{}", escape_pointer(k));
        let key = k.as_str();
        match v {
            Value::Object(named) if NAMED.contains(&key) => {
                for (name, sub) in named {
                    visit_at(sub, &format!("{here}/{}", escape_pointer(name)), f);
                }
            }
            Value::Array(items) if LIST.contains(&key) || key == "items" => {
                for (i, sub) in items.iter().enumerate() {
                    visit_at(sub, &format!("{here}/{i}"), f);
                }
            }
            sub if ONE.contains(&key) => visit_at(sub, &here, f),
            _ => {}
        }
    }
}

/// [`visit`] with mutable access: `f` may change a node (its subschemas are visited after, as
/// they are once `f` returns).
pub fn visit_mut(node: &mut Value, f: &mut dyn FnMut(&mut Value, &str)) {
    visit_mut_at(node, "", f);
}

fn visit_mut_at(node: &mut Value, pointer: &str, f: &mut dyn FnMut(&mut Value, &str)) {
    f(node, pointer);
    let Value::Object(map) = node else {
        return;
    };
    for (k, v) in map.iter_mut() {
        let here = format!("{pointer}/{}", escape_pointer(k));
        let key = k.as_str();
        match v {
            Value::Object(named) if NAMED.contains(&key) => {
                for (name, sub) in named.iter_mut() {
                    visit_mut_at(sub, &format!("{here}/{}", escape_pointer(name)), f);
                }
            }
            Value::Array(items) if LIST.contains(&key) || key == "items" => {
                for (i, sub) in items.iter_mut().enumerate() {
                    visit_mut_at(sub, &format!("{here}/{i}"), f);
                }
            }
            sub if ONE.contains(&key) => visit_mut_at(sub, &here, f),
            _ => {}
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn find_anchor<'a>(root: &'a Value, anchor: &str) -> Option<&'a Value> {
    let mut found = None;
    visit(root, &mut |node, _| {
        if found.is_none() && node.get("$anchor").and_then(Value::as_str) == Some(anchor) {
            found = Some(node);
        }
    });
    found
}

/// The `$ref` resolver: the schema a local reference points to in `root`: `#` (the root),
/// a JSON pointer (`#/$defs/Auth`, percent- and `~`-escaped) or a plain-name anchor
/// (`#name`, a `$anchor`). An error in words for a dangling or non-local reference (a
/// connector's schemas are self-contained).
pub fn lookup<'a>(root: &'a Value, reference: &str) -> Result<&'a Value, String> {
    let Some(fragment) = reference.strip_prefix('#') else {
        return Err(format!(
            "`$ref: {reference}` is not local; a connector's schemas must be self-contained (`#/$defs/...`)"
        ));
    };
    let fragment = percent_decode(fragment);
    if fragment.is_empty() {
        return Ok(root);
    }
    if !fragment.starts_with('/') {
        return find_anchor(root, &fragment)
            .ok_or_else(|| format!("`$ref: {reference}` names an anchor that does not exist"));
    }
    root.pointer(&fragment)
        .ok_or_else(|| format!("`$ref: {reference}` points to nothing"))
}

/// Follows `$ref`s from `node` (a subschema of `root`) with [`lookup`] to a schema without one.
/// An error for a dangling reference or a cycle.
pub fn resolve<'a>(root: &'a Value, node: &'a Value) -> Result<&'a Value, String> {
    let mut node = node;
    for _ in 0..MAX_REF_DEPTH {
        match node.get("$ref").and_then(Value::as_str) {
            None => return Ok(node),
            Some(r) => node = lookup(root, r)?,
        }
    }
    Err("a `$ref` cycle".into())
}

/// Every `$ref` (and `$dynamicRef`) in `root` that does not resolve, as `at "<pointer>": <why>`.
pub fn dangling_refs(root: &Value) -> Vec<String> {
    let mut out = Vec::new();
    visit(root, &mut |node, pointer| {
        for keyword in ["$ref", "$dynamicRef"] {
            if let Some(r) = node.get(keyword) {
                match r.as_str() {
                    None => out.push(format!("at {pointer:?}: `{keyword}` is not a string")),
                    Some(r) => {
                        if let Err(e) = lookup(root, r) {
                            out.push(format!("at {pointer:?}: {e}"));
                        }
                    }
                }
            }
        }
    });
    out
}

/// The JSON Schema type name of a value: `null`, `boolean`, `integer` (whole numbers), `number`,
/// `string`, `array` or `object`.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// # Example
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Example {
        /// A count that is long enough
        /// to wrap.
        count: u32,
        /// The kind.
        kind: Kind,
    }

    #[derive(JsonSchema)]
    #[allow(dead_code)]
    #[serde(tag = "type")]
    enum Kind {
        /// # One
        A { x: u8 },
        /// # Two
        B { y: u8 },
    }

    #[test]
    fn uses_2020_12_and_standard_formats() {
        let s = schema_for::<Example>();
        assert_eq!(s["$schema"], DRAFT);
        assert_eq!(s.as_object().unwrap().keys().next().unwrap(), "$schema");
        assert_eq!(s["title"], "Example");
        assert!(s["properties"]["count"].get("format").is_none(), "{s}");
        assert!(jsonschema::meta::is_valid(&s));
    }

    #[test]
    fn walks_subschemas_by_keyword_with_pointers() {
        let s = serde_json::json!({
            "properties": {
                "a/b": {"type": "string", "default": {"type": "not a schema"}},
                "enum": {"enum": [{"properties": {}}]},
                "list": {"items": {"$ref": "#/$defs/X"}}
            },
            "oneOf": [true, {"not": {}}],
            "$defs": {"X": {"$anchor": "ex", "type": "integer"}}
        });
        let mut seen = Vec::new();
        visit(&s, &mut |_, p| seen.push(p.to_string()));
        assert_eq!(
            seen,
            [
                "",
                "/properties/a~1b",
                "/properties/enum",
                "/properties/list",
                "/properties/list/items",
                "/oneOf/0",
                "/oneOf/1",
                "/oneOf/1/not",
                "/$defs/X"
            ]
        );
        let mut copy = s.clone();
        let mut n = 0;
        visit_mut(&mut copy, &mut |node, _| {
            n += 1;
            if let Some(m) = node.as_object_mut() {
                m.insert("seen".into(), true.into());
            }
        });
        assert_eq!(n, seen.len());
        assert_eq!(copy["properties"]["list"]["items"]["seen"], true);
        let items = &s["properties"]["list"]["items"];
        assert_eq!(resolve(&s, items).unwrap()["type"], "integer");
        assert_eq!(lookup(&s, "#ex").unwrap()["type"], "integer");
        assert_eq!(lookup(&s, "#").unwrap(), &s);
        assert!(dangling_refs(&s).is_empty());
        let mut bad = s.clone();
        bad["properties"]["x"] = serde_json::json!({"$ref": "#/$defs/Nope"});
        bad["properties"]["y"] = serde_json::json!({"$ref": "other.json"});
        assert_eq!(dangling_refs(&bad).len(), 2, "{:?}", dangling_refs(&bad));
        let cycle = serde_json::json!({"$defs": {"A": {"$ref": "#/$defs/A"}}, "$ref": "#/$defs/A"});
        assert!(resolve(&cycle, &cycle).is_err());
    }

    #[test]
    fn form_friendly_text_and_const_defaults() {
        let s = schema_for::<Example>();
        assert_eq!(
            s["properties"]["count"]["description"],
            "A count that is long enough to wrap."
        );
        let branch = &s["$defs"]["Kind"]["oneOf"][1]["properties"]["type"];
        assert_eq!(branch["const"], "B");
        assert_eq!(branch["default"], "B");
        assert_eq!(unwrap_lines("a\nb\n\nc"), "a b\n\nc");
    }
}
