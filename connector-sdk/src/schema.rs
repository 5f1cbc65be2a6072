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
