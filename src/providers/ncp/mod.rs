//! NAVER Cloud Platform SourceDeploy: projects → stages → scenarios, and releases.
//!
//! One folder holds everything about this provider: the manifest section ([`manifest`],
//! [`lower`]), the wire types and client ([`wire`], [`client`], [`signature`]), the mapping
//! between them ([`convert`]), the provider ([`provider`], [`fetch`], [`execute`],
//! [`deploy`], [`export`]) and the sandbox emulator ([`emulator`]).

pub mod client;
pub mod config;
pub mod convert;
pub mod deploy;
pub mod emulator;
mod errors;
pub mod execute;
pub mod export;
pub mod fetch;
pub mod lookups;
pub mod lower;
pub mod manifest;
mod object;
pub mod provider;
pub mod releases;
pub mod rules;
pub mod signature;
mod wait;
pub mod wire;

use std::sync::Arc;

use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::providers::kind::{ProviderKind, Setup};
use crate::providers::{Provider, ProviderError};
use crate::sandbox::{Emulator, EmulatorContext};

/// The `type:` of its instances and the key of its manifest section.
pub const TYPE: &str = "ncp-sourcedeploy";

/// The provider type, as the registry lists it.
pub struct SourceDeploy;

impl ProviderKind for SourceDeploy {
    const TYPE: &'static str = TYPE;
    const TITLE: &'static str = "NAVER Cloud Platform SourceDeploy";
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)] = emulator::demo::ENVIRONMENT;
    type Config = config::NcpConfig;
    type Section = manifest::NcpSection;

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
        Ok(Arc::new(provider::NcpProvider::from_config(
            name, config, setup,
        )?))
    }

    fn emulator(ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        Arc::new(emulator::NcpEmulator::new(ctx))
    }
}
