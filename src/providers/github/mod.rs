//! GitHub REST (github.com and GitHub Enterprise Server): repositories' deployment
//! environments with their protection, branch policies, variables and secrets, and
//! deployment records that follow the real deploy. Repositories, users and teams are looked
//! up by name and never created or deleted.

pub mod client;
pub mod config;
pub mod emulator;
pub mod lower;
pub mod manifest;
#[cfg(test)]
pub(crate) mod openapi;
pub mod wire;

use std::sync::Arc;

use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::providers::kind::{ProviderKind, Setup};
use crate::providers::{Provider, ProviderError};
use crate::sandbox::{Emulator, EmulatorContext};

/// The `type:` of its instances and the key of its manifest section.
pub const TYPE: &str = "github";

/// The provider type, as the registry lists it.
pub struct Repos;

impl ProviderKind for Repos {
    const TYPE: &'static str = TYPE;
    const TITLE: &'static str = "GitHub REST API (2022-11-28; GitHub Enterprise Server 3.8+)";
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)] = emulator::demo::ENVIRONMENT;
    type Config = config::GithubConfig;
    type Section = manifest::GithubSection;

    fn validate_config(name: &str, config: &Self::Config, pointer: &str, ctx: &mut Ctx<'_>) {
        config::validate(name, config, pointer, ctx);
    }

    fn lower(section: &Self::Section, ctx: &mut Ctx<'_>) -> Vec<Resource> {
        lower::lower(section, ctx)
    }

    fn instantiate(
        _name: &str,
        _config: &Self::Config,
        _setup: &Setup<'_>,
    ) -> Result<Arc<dyn Provider>, ProviderError> {
        Err(ProviderError::Unsupported {
            operation: "connect",
        })
    }

    fn emulator(ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        Arc::new(emulator::GithubEmulator::new(ctx))
    }
}
