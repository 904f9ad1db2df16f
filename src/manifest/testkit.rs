//! Loading a manifest section from YAML text through the real loader, for the lowering
//! tests of every provider: the resources of a section that must load, and the
//! diagnostics of one that must fail, as one line each or as the CLI prints them.

use std::path::Path;

use super::diagnostic::Diagnostics;
use super::{LoadedManifest, report};
use crate::model::Resource;
use crate::providers::registry;

/// A provider's test setting: the `providers:` text every case starts with, and the
/// process environment the loader reads (secrets included).
pub(crate) struct Kit {
    pub providers: &'static str,
    pub env: fn(&str) -> Option<String>,
}

impl Kit {
    /// Loads `text` (a whole manifest) written as `deployplan.yaml` in `dir`.
    pub fn load_in(&self, dir: &Path, text: &str) -> Result<LoadedManifest, Diagnostics> {
        std::fs::write(dir.join("deployplan.yaml"), text).expect("the manifest is written");
        super::load(dir, None, &self.env, registry::language())
    }

    /// Loads `section` after the providers.
    pub fn load(&self, section: &str) -> Result<LoadedManifest, Diagnostics> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        self.load_in(dir.path(), &format!("{}{section}", self.providers))
    }

    /// The resources of a section that must load.
    pub fn resources(&self, section: &str) -> Vec<Resource> {
        match self.load(section) {
            Ok(loaded) => loaded.resources,
            Err(diagnostics) => panic!("{}", render(&diagnostics)),
        }
    }

    /// The diagnostics of a section that must fail, as the CLI prints them for
    /// `deployplan.yaml` in the current folder.
    pub fn rendered(&self, section: &str) -> String {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let text = format!("{}{section}", self.providers);
        let Err(diagnostics) = self.load_in(dir.path(), &text) else {
            panic!("expected errors for:\n{section}");
        };
        let folder = format!("{}{}", dir.path().display(), std::path::MAIN_SEPARATOR);
        render(&diagnostics).replace(&folder, "")
    }

    /// One line per diagnostic of a section that must fail: `line:column message | help`.
    pub fn errors(&self, section: &str) -> Vec<String> {
        let Err(diagnostics) = self.load(section) else {
            panic!("expected errors for:\n{section}");
        };
        (diagnostics.0.iter())
            .map(|d| {
                let at = d.location.as_ref().map(|(_, l, c)| format!("{l}:{c}"));
                format!(
                    "{} {} | {}",
                    at.unwrap_or_default(),
                    d.message,
                    d.help.as_deref().unwrap_or("")
                )
            })
            .collect()
    }
}

/// The diagnostics as the CLI prints them (no colour).
pub(crate) fn render(diagnostics: &Diagnostics) -> String {
    report::render_all(diagnostics, false)
}

/// The one resource at `address`.
pub(crate) fn find<'r>(resources: &'r [Resource], address: &str) -> &'r Resource {
    (resources.iter())
        .find(|r| r.address.as_str() == address)
        .unwrap_or_else(|| {
            let all: Vec<&str> = resources.iter().map(|r| r.address.as_str()).collect();
            panic!("no {address} among {all:?}")
        })
}
