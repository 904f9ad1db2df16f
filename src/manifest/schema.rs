//! The manifest language, as Rust types. These types are the single source of the JSON
//! Schema (`deployplan schema manifest`, checked in as `schemas/deployplan.schema.json`),
//! which both editors and the loader use: the loader validates every document against it to
//! report all structural errors at once, then deserializes into these types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::providers::ncp::manifest::NcpSection;
use crate::providers::nhn::manifest::NhnSection;

/// A deployplan manifest: provider instances, environment overlays, variables, and one
/// section per provider type holding the resources that provider manages.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Variable defaults, referenced as `${var.NAME}`; environments override them.
    #[serde(default)]
    pub vars: BTreeMap<String, VarValue>,
    /// Named provider instances. Resources pick one with `provider:`; when a type has a
    /// single instance it is used by default.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderConfig>,
    /// Named overlays selected with `--env NAME`.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// NAVER Cloud SourceDeploy resources.
    #[serde(
        default,
        rename = "ncp-sourcedeploy",
        skip_serializing_if = "Option::is_none"
    )]
    pub ncp_sourcedeploy: Option<NcpSection>,
    /// NHN Cloud Deploy resources.
    #[serde(
        default,
        rename = "nhn-deploy",
        skip_serializing_if = "Option::is_none"
    )]
    pub nhn_deploy: Option<NhnSection>,
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

/// The provider types deployplan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, JsonSchema)]
pub enum ProviderType {
    /// NAVER Cloud Platform SourceDeploy.
    #[serde(rename = "ncp-sourcedeploy")]
    NcpSourceDeploy,
    /// NHN Cloud Deploy (API v2.1).
    #[serde(rename = "nhn-deploy")]
    NhnDeploy,
}

impl ProviderType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderType::NcpSourceDeploy => "ncp-sourcedeploy",
            ProviderType::NhnDeploy => "nhn-deploy",
        }
    }

    /// The manifest section that holds this type's resources.
    pub fn section(self) -> &'static str {
        self.as_str()
    }
}

/// One provider instance.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    #[serde(rename = "type")]
    pub provider_type: ProviderType,
    /// `sandbox` (the embedded emulator, no account needed), a named endpoint of the
    /// provider (NCP: `vpc` (default), `classic`, `gov`), or a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Region code sent to the provider (NCP: `KR` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// NHN: the Deploy service's app key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_key: Option<String>,
    /// NHN: the OAuth2 token endpoint's base URL, when not the public one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_endpoint: Option<String>,
    /// Credentials by reference, e.g. `secret_key: ${secret.NCP_SECRET}`. NCP reads
    /// `access_key` and `secret_key`, defaulting to `NCLOUD_ACCESS_KEY` / `NCLOUD_SECRET_KEY`.
    #[serde(default)]
    pub credentials: BTreeMap<String, String>,
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

/// The JSON Schema of the manifest language.
pub fn manifest_schema() -> serde_json::Value {
    generate::<Manifest>("https://deployplan.dev/schemas/deployplan.schema.json")
}

/// The manifest schema as editors use it (`deployplan schema manifest`, the checked-in
/// file): values are checked before interpolation there, so wherever a number or a boolean
/// goes, a single reference such as `${var.replicas}` is accepted too, as deployplan does
/// (a string that is exactly one reference takes the variable's type). deployplan itself
/// validates after interpolation, against [`manifest_schema`].
pub fn editor_schema() -> serde_json::Value {
    let mut schema = manifest_schema();
    allow_references(&mut schema);
    schema
}

/// A string that is exactly one `${kind.NAME}` reference.
const REFERENCE_PATTERN: &str = r"^\$\{(var|env|secret)\.[^}]+\}$";

fn allow_references(value: &mut serde_json::Value) {
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
fn strip_null(value: &mut serde_json::Value) {
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
    use super::*;

    #[test]
    fn editors_accept_a_reference_where_a_number_goes_and_nothing_else() {
        let validator = jsonschema::validator_for(&editor_schema()).unwrap();
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
