//! GitLab REST v4 (gitlab.com and self-managed): projects' environments, their protection
//! (who may deploy, who must approve) and deployment records that follow the real deploy.
//! Projects, users and groups are looked up by path and never created or deleted.

pub mod client;
pub mod config;
pub mod emulator;
mod execute;
mod export;
mod fetch;
pub mod lower;
pub mod manifest;
mod objects;
#[cfg(test)]
pub(crate) mod openapi;
mod principals;
mod protection;
pub mod provider;
mod record;
pub mod wire;

use std::sync::Arc;

use crate::manifest::validate::Ctx;
use crate::model::Resource;
use crate::providers::kind::{ProviderKind, Setup};
use crate::providers::{Provider, ProviderError};
use crate::sandbox::{Emulator, EmulatorContext};

/// The `type:` of its instances and the key of its manifest section.
pub const TYPE: &str = "gitlab";

/// The provider type, as the registry lists it.
pub struct Projects;

impl ProviderKind for Projects {
    const TYPE: &'static str = TYPE;
    const TITLE: &'static str = "GitLab REST API v4 (gitlab.com and self-managed)";
    const DEMO_ENVIRONMENT: &'static [(&'static str, &'static str)] = emulator::demo::ENVIRONMENT;
    type Config = config::GitlabConfig;
    type Section = manifest::GitlabSection;

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
        Ok(Arc::new(provider::GitlabProvider::from_config(
            name, config, setup,
        )?))
    }

    fn emulator(ctx: &EmulatorContext) -> Arc<dyn Emulator> {
        Arc::new(emulator::GitlabEmulator::new(ctx))
    }
}
