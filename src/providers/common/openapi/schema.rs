//! OpenAPI 3.0 Schema Objects rewritten as JSON Schema 2020-12, which `jsonschema` compiles.

use serde_json::{Map, Value, json};

/// Rewrites one OpenAPI 3.0 Schema Object into JSON Schema 2020-12.
pub(super) fn to_json_schema(node: &Value) -> Value {
    let Value::Object(map) = node else {
        return node.clone();
    };
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        // OpenAPI 3.0: a $ref's siblings are ignored.
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("a schema $ref points into components.schemas");
        return json!({ "$ref": format!("#/$defs/{name}") });
    }
    let mut out = Map::new();
    for (key, value) in map {
        let value = match key.as_str() {
            "properties" => Value::Object(
                value
                    .as_object()
                    .expect("properties is an object")
                    .iter()
                    .map(|(name, schema)| (name.clone(), to_json_schema(schema)))
                    .collect(),
            ),
            "items" | "additionalProperties" | "not" => to_json_schema(value),
            "allOf" | "anyOf" | "oneOf" => Value::Array(
                value
                    .as_array()
                    .expect("a list of schemas")
                    .iter()
                    .map(to_json_schema)
                    .collect(),
            ),
            "exclusiveMinimum" | "exclusiveMaximum" => {
                // OpenAPI 3.0: a boolean beside minimum/maximum, not a bound of its own.
                let bound = if key == "exclusiveMinimum" {
                    "minimum"
                } else {
                    "maximum"
                };
                match (value.as_bool(), map.get(bound)) {
                    (Some(true), Some(limit)) => limit.clone(),
                    _ => continue,
                }
            }
            "nullable" | "example" | "deprecated" | "discriminator" | "readOnly" | "writeOnly"
            | "xml" | "externalDocs" => continue,
            extension if extension.starts_with("x-") => continue,
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if out.contains_key(exclusive) {
            out.remove(bound);
        }
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        return nullable(out);
    }
    Value::Object(out)
}

/// `nullable: true`: the schema, or `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get("type").cloned() {
        Some(Value::String(kind)) => {
            schema.insert("type".into(), json!([kind, "null"]));
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}
