//! What a provider type is, as one trait: its name, its instance settings and manifest
//! section (both closed structs in its own folder), the checks and lowering of them, how an
//! instance is built, and its sandbox emulator. The registry ([`super::registry`]) lists the
//! types; everything else asks it, so adding a provider is its folder plus one registry line.

use std::marker::PhantomData;
use std::sync::Arc;

use schemars::generate::SchemaGenerator;
use schemars::{JsonSchema, Schema};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::http::HttpClient;
use super::{Provider, ProviderError, SandboxUrls};
use crate::manifest::language::ManifestType;
use crate::manifest::schema::ProviderConfig;
use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::sandbox::{Emulator, EmulatorContext};

/// One provider type. Implemented by a unit struct in the provider's folder.
pub trait ProviderKind: Send + Sync + 'static {
    /// The `type:` of its instances and the key of its manifest section.
    const TYPE: &'static str;
    /// What it is, for the schema's descriptions (e.g. the service and its API version).
    const TITLE: &'static str;
    /// Environment variables, with the emulator's demo values, that point a client at the
    /// sandbox: printed by its banner, set by the tests. They live with the emulator.
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)];
    /// Instance settings other than `type`, with `deny_unknown_fields`: the schema of a
    /// `providers:` entry of this type is exactly this struct's.
    type Config: DeserializeOwned + JsonSchema;
    /// The manifest section (`<TYPE>:`), with `deny_unknown_fields`.
    type Section: DeserializeOwned + JsonSchema;

    /// Checks what the schema cannot say about an instance's settings (an endpoint name,
    /// a credential written as text instead of a secret). `pointer` locates the entry.
    fn validate_config(name: &str, config: &Self::Config, pointer: &str, ctx: &mut Ctx<'_>);

    /// Turns the section into resources, with every plan-time rule of the API checked.
    fn lower(section: &Self::Section, ctx: &mut Ctx<'_>) -> Vec<Resource>;

    /// Builds an instance (credentials resolved, client made); no request is sent yet.
    fn instantiate(
        name: &str,
        config: &Self::Config,
        setup: &Setup<'_>,
    ) -> Result<Arc<dyn Provider>, ProviderError>;

    /// The emulated API the sandbox mounts under `/<TYPE>/`.
    fn emulator(ctx: &EmulatorContext) -> Arc<dyn Emulator>;
}

/// What building an instance may use.
pub struct Setup<'a> {
    /// Where the embedded sandbox serves, when it runs.
    pub sandbox: SandboxUrls<'a>,
    /// The process environment (credentials the manifest does not name).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The shared HTTP client (one request limit for every instance).
    pub http: HttpClient,
}

/// A provider type as the registry holds it (object-safe).
pub trait Kind: ManifestType {
    /// Builds an instance from its schema-valid settings.
    fn instantiate(
        &self,
        name: &str,
        config: &ProviderConfig,
        setup: &Setup<'_>,
    ) -> Result<Arc<dyn Provider>, ProviderError>;

    fn emulator(&self, ctx: &EmulatorContext) -> Arc<dyn Emulator>;

    /// See [`ProviderKind::DEMO_ENVIRONMENT`].
    fn demo_environment(&self) -> &'static [(&'static str, &'static str)];
}

/// The registry's entry for provider type `K`.
pub struct Registered<K>(PhantomData<fn() -> K>);

impl<K> Registered<K> {
    pub const NEW: Self = Registered(PhantomData);
}

impl<K: ProviderKind> ManifestType for Registered<K> {
    fn name(&self) -> &'static str {
        K::TYPE
    }

    fn title(&self) -> &'static str {
        K::TITLE
    }

    fn config_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<K::Config>()
    }

    fn section_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<K::Section>()
    }

    fn validate_config(
        &self,
        name: &str,
        config: &ProviderConfig,
        pointer: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), String> {
        let typed = config.decode::<K::Config>().map_err(|e| e.to_string())?;
        K::validate_config(name, &typed, pointer, ctx);
        Ok(())
    }

    fn lower(&self, section: &Value, ctx: &mut Ctx<'_>) -> Result<Vec<Resource>, String> {
        let typed = K::Section::deserialize(section).map_err(|e| e.to_string())?;
        Ok(K::lower(&typed, ctx))
    }
}

impl<K: ProviderKind> Kind for Registered<K> {
    fn instantiate(
        &self,
        name: &str,
        config: &ProviderConfig,
        setup: &Setup<'_>,
    ) -> Result<Arc<dyn Provider>, ProviderError> {
        let typed = config
            .decode::<K::Config>()
            .map_err(|err| ProviderError::Config {
                provider: name.to_owned(),
                message: format!("settings cannot be read: {err}"),
                hint: None,
            })?;
        K::instantiate(name, &typed, setup)
    }

    fn emulator(&self, ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        K::emulator(ctx)
    }

    fn demo_environment(&self) -> &'static [(&'static str, &'static str)] {
        K::DEMO_ENVIRONMENT
    }
}
