//! The provider registry: the one place that names the provider types. The manifest
//! language (sections, instance settings, schema), instantiation and the sandbox's
//! emulators all come from this list.

use std::sync::{Arc, OnceLock};

use super::kind::{Kind, Registered, Setup};
use super::{Provider, ProviderError};
use crate::manifest::language::{HelpExamples, Language};
use crate::manifest::schema::ProviderConfig;
use crate::sandbox::{Emulator, EmulatorContext};

/// Declares the provider folders as modules of `providers` (`provider_folders!()` there)
/// and lists their kinds in [`KINDS`], from one list.
macro_rules! registry {
    ($($(#[$only:meta])* $folder:ident :: $kind:ident),* $(,)?) => {
        macro_rules! provider_folders {
            () => { $($(#[$only])* pub mod $folder;)* };
        }

        /// Every provider type, in the order sections are lowered and emulators mounted.
        static KINDS: &[&dyn Kind] = &[$($(#[$only])* &Registered::<super::$folder::$kind>::NEW),*];
    };
}

// The registry: one line per provider type, `<folder>::<its ProviderKind>`.
registry! {
    ncp::SourceDeploy,
    nhn::Deploy,
    #[cfg(test)] stub::Echo,
    github::Repos,
    gitlab::Projects,
    axhub::Apps,
}

/// Shapes shown in help texts: those of the first provider type.
const EXAMPLES: HelpExamples = HelpExamples {
    address: "ncp.release.web-prod",
    nested_address: "ncp.project.shop.stage.dev",
};

/// Every registered provider type.
pub fn kinds() -> &'static [&'static dyn Kind] {
    KINDS
}

/// The provider type named `name` (the `type:` of an instance).
pub fn kind(name: &str) -> Option<&'static dyn Kind> {
    KINDS.iter().copied().find(|k| k.name() == name)
}

/// The manifest language of the registered types (schema compiled once).
pub fn language() -> &'static Language {
    static LANGUAGE: OnceLock<Language> = OnceLock::new();
    LANGUAGE.get_or_init(|| {
        Language::new(
            KINDS
                .iter()
                .map(|k| *k as &dyn crate::manifest::language::ManifestType)
                .collect(),
            EXAMPLES,
            crate::engine::graph::cycles,
        )
    })
}

/// Builds the instance `name` of a loaded (schema-valid) manifest.
pub fn instantiate(
    name: &str,
    config: &ProviderConfig,
    setup: &Setup<'_>,
) -> Result<Arc<dyn Provider>, ProviderError> {
    match kind(&config.provider_type) {
        Some(kind) => kind.instantiate(name, config, setup),
        None => Err(ProviderError::Config {
            provider: name.to_owned(),
            message: format!("unknown provider type `{}`", config.provider_type),
            hint: None,
        }),
    }
}

/// Every emulator's demo environment (variable, value), for tests and scripts that point
/// clients at the sandbox.
pub fn demo_environment() -> Vec<(&'static str, &'static str)> {
    KINDS
        .iter()
        .flat_map(|k| k.demo_environment().iter().copied())
        .collect()
}

/// One emulator per registered type, for the sandbox to mount.
pub fn emulators(ctx: &EmulatorContext) -> Vec<Arc<dyn Emulator>> {
    KINDS.iter().map(|k| k.emulator(ctx)).collect()
}
