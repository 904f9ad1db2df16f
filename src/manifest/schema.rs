//! The manifest language's generic part, as Rust types. With each provider type's settings
//! and section (composed in [`super::language`]) they are the single source of the JSON
//! Schema (`deployplan schema manifest`, checked in as `schemas/deployplan.schema.json`),
//! which both editors and the loader use: the loader validates every document against it to
//! report all structural errors at once, then deserializes into these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A deployplan manifest: provider instances, environment overlays, variables, and one
/// section per provider type holding the resources that provider manages.
// The instance settings are kept as written: each provider type decodes its own (see
// `super::language`), so this layer names none of them; the provider sections stay in the
// document, which the derived decoding borrows (their entries skipped, not copied). The
// schema the loader validates against is composed from every type's, so nothing unknown
// gets here.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct Manifest {
    /// Variable defaults, referenced as `${var.NAME}`; environments override them.
    #[serde(default)]
    pub vars: BTreeMap<String, VarValue>,
    /// Named provider instances (schema: see [`super::language`]).
    #[serde(default)]
    #[schemars(skip)]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Named overlays selected with `--env NAME`.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
}

/// A variable value: text, number or boolean.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum VarValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

/// One provider instance: its type, and the settings that type defines. Only the shared
/// setting `endpoint` means the same for every type; the type decodes the rest into its own
/// closed struct.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct ProviderConfig {
    #[serde(rename = "type")]
    pub provider_type: String,
    /// Every other setting, as written.
    #[serde(flatten)]
    pub settings: Map<String, Value>,
}

impl ProviderConfig {
    /// `endpoint:`: `sandbox` (the embedded emulator), a named endpoint of the provider, or
    /// a base URL.
    pub fn endpoint(&self) -> Option<&str> {
        self.settings.get("endpoint").and_then(Value::as_str)
    }

    /// Whether the instance talks to the embedded sandbox.
    pub fn uses_sandbox(&self) -> bool {
        self.endpoint() == Some("sandbox")
    }

    /// The settings as the provider type's own struct.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.settings.clone()))
    }
}

/// An environment overlay.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Values overriding the top-level `vars` when this environment is selected.
    #[serde(default)]
    pub vars: BTreeMap<String, VarValue>,
}

/// A string that is exactly one `${kind.NAME}` reference.
const REFERENCE_PATTERN: &str = r"^\$\{(var|env|secret)\.[^}]+\}$";

pub(super) fn allow_references(value: &mut serde_json::Value) {
    use serde_json::{Value, json};
    match value {
        Value::Object(map) => {
            let typed = map
                .get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| matches!(t, "integer" | "number" | "boolean"));
            if typed {
                let description = map.remove("description");
                let original = Value::Object(std::mem::take(map));
                map.insert(
                    "anyOf".into(),
                    json!([original, { "type": "string", "pattern": REFERENCE_PATTERN }]),
                );
                if let Some(description) = description {
                    map.insert("description".into(), description);
                }
                return;
            }
            map.values_mut().for_each(allow_references);
        }
        Value::Array(items) => items.iter_mut().for_each(allow_references),
        _ => {}
    }
}

/// Generates a draft 2020-12 schema for `T` with an `$id`, without `null` alternatives.
pub fn generate<T: JsonSchema>(id: &str) -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    strip_null(&mut schema);
    if let Some(object) = schema.as_object_mut() {
        object.insert("$id".into(), id.into());
    }
    schema
}

/// `Option<T>` means "may be omitted", not "may be null": removing the `null` alternatives
/// keeps validation errors pointing inside `T` instead of at an `anyOf`.
pub(super) fn strip_null(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(branches)) = map.get_mut(key) {
                    branches.retain(|b| b.get("type").and_then(Value::as_str) != Some("null"));
                    if branches.len() == 1 {
                        let only = branches.remove(0);
                        map.remove(key);
                        if let Value::Object(inner) = only {
                            for (k, v) in inner {
                                map.entry(k).or_insert(v);
                            }
                        }
                    }
                }
            }
            if map.get("enum").is_some_and(Value::is_array)
                && let Some(Value::Array(options)) = map.get_mut("enum")
            {
                options.retain(|o| !o.is_null());
            }
            map.values_mut().for_each(strip_null);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_null),
        _ => {}
    }
}

#[cfg(test)]
mod editor_schema_tests {
    #[test]
    fn editors_accept_a_reference_where_a_number_goes_and_nothing_else() {
        let editor_schema = crate::providers::registry::language().editor_schema();
        let validator = jsonschema::validator_for(&editor_schema).unwrap();
        let manifest = |servers: serde_json::Value| {
            serde_json::json!({
                "ncp-sourcedeploy": { "projects": { "shop": { "stages": { "dev": {
                    "target": { "type": "server", "servers": servers }
                } } } } }
            })
        };
        assert!(validator.is_valid(&manifest(serde_json::json!([1011]))));
        assert!(validator.is_valid(&manifest(serde_json::json!(["${var.server}"]))));
        assert!(!validator.is_valid(&manifest(serde_json::json!(["lots"]))));
        assert!(!validator.is_valid(&manifest(serde_json::json!(["${var.a}-${var.b}"]))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoding borrows the document (the checks read it meanwhile) and gives what
    /// decoding it by value gives, sections left aside.
    #[test]
    fn a_document_decodes_as_the_derived_decoding_does() {
        let documents = [
            serde_json::json!({
                "vars": {"version": "1.4.2", "n": 3},
                "providers": {"ncp": {"type": "ncp-sourcedeploy", "endpoint": "sandbox"}},
                "environments": {"prod": {"vars": {"version": "2"}}},
                "ncp-sourcedeploy": {"projects": {"shop": {}}},
                "github": {"repositories": {}}
            }),
            serde_json::json!({"ncp-sourcedeploy": {}}),
            serde_json::json!({}),
        ];
        for document in documents {
            let derived: Manifest = serde_json::from_value(document.clone()).unwrap();
            let decoded = Manifest::deserialize(&document).unwrap();
            assert_eq!(
                serde_json::to_value(&decoded).unwrap(),
                serde_json::to_value(&derived).unwrap()
            );
        }
        for bad in [serde_json::json!({"vars": 1}), serde_json::json!([1])] {
            assert!(serde_json::from_value::<Manifest>(bad.clone()).is_err());
            assert!(Manifest::deserialize(&bad).is_err());
        }
    }
}
