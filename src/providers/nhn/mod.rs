//! NHN Cloud Deploy (API v2.1): binaries uploaded to binary groups, and releases of a binary
//! version to a server group. Artifacts, server groups and binary groups are looked up by
//! name and never created or deleted.

pub mod client;
pub mod config;
pub mod deploy;
pub mod emulator;
mod errors;
pub mod execute;
pub mod fetch;
pub mod lower;
pub mod manifest;
pub mod provider;
mod remote;
mod resolve;
pub mod wire;

use std::sync::Arc;

use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::providers::kind::{ProviderKind, Setup};
use crate::providers::{Provider, ProviderError};
use crate::sandbox::{Emulator, EmulatorContext};

/// The `type:` of its instances and the key of its manifest section.
pub const TYPE: &str = "nhn-deploy";

/// The provider type, as the registry lists it.
pub struct Deploy;

impl ProviderKind for Deploy {
    const TYPE: &'static str = TYPE;
    const TITLE: &'static str = "NHN Cloud Deploy (API v2.1)";
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)] = emulator::demo::ENVIRONMENT;
    type Config = config::NhnConfig;
    type Section = manifest::NhnSection;

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
        Ok(Arc::new(provider::NhnProvider::from_config(
            name, config, setup,
        )?))
    }

    fn emulator(ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        Arc::new(emulator::NhnEmulator::new(ctx))
    }
}
