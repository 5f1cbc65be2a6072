//! JSON Schema generation: one draft (2020-12) and standard formats only, for every schema a
//! connector exports.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use schemars::transform::RestrictFormats;
use serde_json::Value;

/// The `$schema` URI of every exported schema.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The JSON Schema of `T`: draft 2020-12, property order kept, non-standard formats
/// (`uint32`, `int64`, ...) removed.
pub fn schema_for<T: JsonSchema>() -> Value {
    SchemaSettings::draft2020_12()
        .with_transform(RestrictFormats::default())
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// # Example
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Example {
        /// A count.
        count: u32,
    }

    #[test]
    fn uses_2020_12_and_standard_formats() {
        let s = schema_for::<Example>();
        assert_eq!(s["$schema"], DRAFT);
        assert_eq!(s["title"], "Example");
        assert!(s["properties"]["count"].get("format").is_none(), "{s}");
        assert!(jsonschema::meta::is_valid(&s));
    }
}
