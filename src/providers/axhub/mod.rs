//! AxHub (api.axhub.ai): apps' git connection and staging, and releases — "app A runs
//! commit C in production" — deployed by building the commit, or rolled back to an image
//! already built. Apps are read by slug, never created (AxHub makes them through its
//! bootstrap flow).

mod checks;
pub mod client;
pub mod config;
mod deploy;
pub mod emulator;
mod execute;
mod export;
mod fetch;
pub mod lower;
pub mod manifest;
pub mod provider;
mod route;
#[cfg(test)]
mod tests;
pub mod wire;

use std::sync::Arc;

use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::providers::kind::{ProviderKind, Setup};
use crate::providers::{Provider, ProviderError};
use crate::sandbox::{Emulator, EmulatorContext};

/// The `type:` of its instances and the key of its manifest section.
pub const TYPE: &str = "axhub";

/// The provider type, as the registry lists it.
pub struct Apps;

impl ProviderKind for Apps {
    const TYPE: &'static str = TYPE;
    const TITLE: &'static str = "AxHub deployments API v1";
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)] = emulator::demo::ENVIRONMENT;
    type Config = config::AxhubConfig;
    type Section = manifest::AxhubSection;

    fn validate_config(name: &str, config: &Self::Config, pointer: &str, ctx: &mut Ctx<'_>) {
        config::validate(name, config, pointer, ctx);
    }

    fn lower(section: &Self::Section, ctx: &mut Ctx<'_>) -> Vec<Resource> {
        lower::lower(section, ctx)
    }

    fn instantiate(
        name: &str,
        config: &Self::Config,
        setup: &Setup<'_>,
    ) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(provider::AxhubProvider::from_config(
            name, config, setup,
        )?))
    }

    fn emulator(ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        Arc::new(emulator::AxhubEmulator::new(ctx))
    }
}
