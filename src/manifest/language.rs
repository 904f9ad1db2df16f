//! The manifest language as the provider types extend it.
//!
//! The loader names no provider: the caller hands it a [`Language`], built from the provider
//! registry, which knows every provider type's instance settings and manifest section. From
//! them it composes the one JSON Schema that editors and the loader both use (a
//! `providers:` entry is a union tagged by `type`, each type's settings a closed struct), and
//! it dispatches the per-type steps the loader cannot do itself: checking an instance's
//! settings and lowering a section into resources.

use schemars::Schema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};

use super::diagnostic::DiagnosticKind;
use super::schema::{Manifest, ProviderConfig, strip_null};
use super::validate::Ctx;
use crate::model::{Address, Resource};

/// Finds every dependency cycle among resources, each as its ordered members: the
/// engine's dependency graph, handed in so that the manifest checks the same edges the
/// engine orders by.
pub type CycleFinder = fn(&[Resource]) -> Vec<Vec<Address>>;

/// One provider type, as the manifest language sees it.
pub trait ManifestType: Send + Sync {
    /// The `type:` value of its instances, and the key of its manifest section.
    fn name(&self) -> &'static str;
    /// What the type is, for the schema's descriptions (e.g. the service and its API version).
    fn title(&self) -> &'static str;
    /// Adds the instance settings' schema (without `type`) to `generator`; returns a `$ref`.
    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema;
    /// Adds the manifest section's schema to `generator`; returns a `$ref`.
    fn section_schema(&self, generator: &mut SchemaGenerator) -> Schema;
    /// Checks a schema-valid instance of this type (what the schema cannot say); `Err`
    /// when the settings cannot be decoded into the type's struct.
    fn validate_config(
        &self,
        name: &str,
        config: &ProviderConfig,
        pointer: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), String>;
    /// Lowers a schema-valid section of this type (at `/<name>`) into resources; `Err`
    /// when the section cannot be decoded into the type's struct.
    fn lower(&self, section: &Value, ctx: &mut Ctx<'_>) -> Result<Vec<Resource>, String>;
}

/// Addresses and names used in help texts, so that hints show a real shape.
#[derive(Debug, Clone, Copy)]
pub struct HelpExamples {
    /// A resource address, e.g. of a release.
    pub address: &'static str,
    /// The address of a nested resource, as `--target` takes it.
    pub nested_address: &'static str,
}

/// The manifest language of one set of provider types: their schema (compiled once), the
/// per-type steps of loading, and the dependency rule every manifest obeys.
pub struct Language {
    types: Vec<&'static dyn ManifestType>,
    examples: HelpExamples,
    cycles: CycleFinder,
    schema: Value,
    validator: Option<jsonschema::Validator>,
}

impl std::fmt::Debug for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Language")
            .field("types", &self.type_names())
            .finish_non_exhaustive()
    }
}

impl Language {
    pub fn new(
        types: Vec<&'static dyn ManifestType>,
        examples: HelpExamples,
        cycles: CycleFinder,
    ) -> Self {
        let schema = compose(&types);
        let validator = jsonschema::validator_for(&schema).ok();
        Language {
            types,
            examples,
            cycles,
            schema,
            validator,
        }
    }

    /// The schema deployplan validates against (after interpolation).
    pub fn schema(&self) -> &Value {
        &self.schema
    }

    /// `None` only if the composed schema does not compile (a bug, reported as such).
    pub fn validator(&self) -> Option<&jsonschema::Validator> {
        self.validator.as_ref()
    }

    /// The schema as editors use it (`deployplan schema manifest`, the checked-in file):
    /// values are checked before interpolation there, so wherever a number or a boolean
    /// goes, a single reference such as `${var.replicas}` is accepted too, as deployplan
    /// does (a string that is exactly one reference takes the variable's type).
    pub fn editor_schema(&self) -> Value {
        let mut schema = self.schema.clone();
        super::schema::allow_references(&mut schema);
        schema
    }

    pub fn type_names(&self) -> Vec<&'static str> {
        self.types.iter().map(|t| t.name()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&'static dyn ManifestType> {
        self.types.iter().copied().find(|t| t.name() == name)
    }

    pub fn examples(&self) -> HelpExamples {
        self.examples
    }

    /// Every dependency cycle among `resources`.
    pub fn cycles(&self, resources: &[Resource]) -> Vec<Vec<Address>> {
        (self.cycles)(resources)
    }

    /// Checks every provider instance's settings, and lowers every provider section of
    /// `document` (the one `manifest` was decoded from) into resources (in registry
    /// order). `None` when a part the schema admitted cannot be decoded: a value the schema
    /// cannot bound, such as a number too large for its field, already reported by the
    /// caller's checks; `report` says whether to report it here.
    pub(super) fn lower(
        &self,
        manifest: &Manifest,
        document: &Value,
        ctx: &mut Ctx<'_>,
        report: bool,
    ) -> Option<Vec<Resource>> {
        let mut intact = self.validate_configs(manifest, ctx, report);
        let mut resources = Vec::new();
        for kind in &self.types {
            let Some(section) = document.get(kind.name()) else {
                continue;
            };
            match kind.lower(section, ctx) {
                Ok(lowered) => resources.extend(lowered),
                Err(err) => {
                    intact = false;
                    if report {
                        ctx.error_at_key(
                            DiagnosticKind::InvalidValue,
                            format!("the `{}` section cannot be read: {err}", kind.name()),
                            &super::source::join("", kind.name()),
                            "unreadable section",
                        );
                    }
                }
            }
        }
        intact.then_some(resources)
    }

    fn validate_configs(&self, manifest: &Manifest, ctx: &mut Ctx<'_>, report: bool) -> bool {
        let mut intact = true;
        for (name, config) in &manifest.providers {
            let pointer = format!("/providers/{}", super::source::escape(name));
            // The instance name starts every address; a dot in it would make `--target a`
            // also select `a.x.…` of an instance named `a.x`.
            ctx.check_name(
                name,
                &pointer,
                &format!(
                    "a provider instance name is ASCII letters, digits, `-` and `_` (it starts every address, e.g. `{}`)",
                    self.examples.nested_address
                        .split('.')
                        .take(3)
                        .collect::<Vec<_>>()
                        .join(".")
                ),
                |n| {
                    !n.is_empty()
                        && n.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                },
            );
            let Some(kind) = self.get(&config.provider_type) else {
                continue;
            };
            if let Err(err) = kind.validate_config(name, config, &pointer, ctx) {
                intact = false;
                if report {
                    ctx.error_at_key(
                        DiagnosticKind::ProviderConfig,
                        format!("the settings of provider `{name}` cannot be read: {err}"),
                        &pointer,
                        "unreadable settings",
                    );
                }
            }
        }
        intact
    }
}

const SCHEMA_ID: &str = "https://deployplan.dev/schemas/deployplan.schema.json";

/// The manifest schema: the generic top level, each type's section, and `providers:`
/// entries as a union tagged by `type` (`if type is T then T's settings`), so a validator
/// reports a misplaced field inside the entry, where it is, instead of "matches no branch".
fn compose(types: &[&'static dyn ManifestType]) -> Value {
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let mut root = generator.root_schema_for::<Manifest>().to_value();
    let mut variants = Vec::new();
    let mut sections = Vec::new();
    for kind in types {
        let config = kind.config_schema(&mut generator).to_value();
        let section = kind.section_schema(&mut generator).to_value();
        variants.push((*kind, config));
        sections.push((*kind, section));
    }
    let mut definitions = generator.take_definitions(true);
    for (kind, config) in &variants {
        tag_variant(&mut definitions, kind.name(), config);
    }
    definitions.insert("ProviderConfig".into(), provider_config(&variants));
    let object = root.as_object_mut().expect("a schema object");
    let defs = object
        .entry("$defs")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .expect("$defs is an object");
    for (name, schema) in definitions {
        defs.entry(name).or_insert(schema);
    }
    let properties = object
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .expect("the manifest has properties");
    let mut ordered = Map::new();
    for (key, value) in std::mem::take(properties) {
        ordered.insert(key.clone(), value);
        if key == "vars" {
            ordered.insert(
                "providers".into(),
                json!({
                    "type": "object",
                    "additionalProperties": { "$ref": "#/$defs/ProviderConfig" },
                    "description": "Named provider instances. Resources pick one with `provider:`; when a type has a\nsingle instance it is used by default.",
                    "default": {}
                }),
            );
        }
    }
    for (kind, section) in sections {
        let mut section = section;
        if let Some(map) = section.as_object_mut() {
            let mut described = Map::new();
            described.insert(
                "description".into(),
                format!("{} resources.", kind.title()).into(),
            );
            described.extend(std::mem::take(map));
            *map = described;
        }
        ordered.insert(kind.name().into(), section);
    }
    *properties = ordered;
    object.insert("additionalProperties".into(), false.into());
    object.insert("$id".into(), SCHEMA_ID.into());
    strip_null(&mut root);
    root
}

/// Puts `type: <name>` first in a type's settings, as the one required property.
fn tag_variant(definitions: &mut Map<String, Value>, name: &str, config: &Value) {
    let Some(target) = config
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .and_then(|n| definitions.get_mut(n))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let mut properties = Map::new();
    properties.insert("type".into(), json!({ "const": name }));
    if let Some(Value::Object(own)) = target.remove("properties") {
        properties.extend(own);
    }
    target.insert("properties".into(), Value::Object(properties));
    let mut required = vec![Value::from("type")];
    if let Some(Value::Array(own)) = target.remove("required") {
        required.extend(own);
    }
    target.insert("required".into(), Value::Array(required));
}

/// A `providers:` entry: `type` names the provider type, whose settings decide the rest.
fn provider_config(variants: &[(&'static dyn ManifestType, Value)]) -> Value {
    let types: Vec<Value> = variants
        .iter()
        .map(|(kind, _)| {
            json!({ "type": "string", "const": kind.name(), "description": format!("{}.", kind.title()) })
        })
        .collect();
    let branches: Vec<Value> = variants
        .iter()
        .map(|(kind, config)| {
            json!({
                "if": { "properties": { "type": { "const": kind.name() } }, "required": ["type"] },
                "then": config,
            })
        })
        .collect();
    json!({
        "type": "object",
        "description": "One provider instance: `type` picks the provider type, which decides the other settings.",
        "properties": { "type": { "description": "The provider type.", "oneOf": types } },
        "required": ["type"],
        "allOf": branches,
    })
}

/// For a schema node that is a union tagged by `type` (see [`provider_config`]): the branch
/// `value` selects, if any.
pub fn tagged_branch<'a>(node: &'a Value, value: Option<&Value>) -> Option<&'a Value> {
    let tag = value?.get("type")?.as_str()?;
    node.get("allOf")?.as_array()?.iter().find_map(|branch| {
        let wanted = branch.pointer("/if/properties/type/const")?.as_str()?;
        (wanted == tag).then(|| branch.get("then")).flatten()
    })
}

/// Every branch of a union tagged by `type`, as (tag, branch).
pub fn tagged_branches(node: &Value) -> Vec<(&str, &Value)> {
    node.get("allOf")
        .and_then(Value::as_array)
        .map(|branches| {
            branches
                .iter()
                .filter_map(|branch| {
                    Some((
                        branch.pointer("/if/properties/type/const")?.as_str()?,
                        branch.get("then")?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}
