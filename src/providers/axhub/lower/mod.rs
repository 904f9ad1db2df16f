//! `axhub:` section → resources, with every rule AxHub applies to what the manifest names
//! checked here, before any request: each a located error with a hint, all reported at
//! once.
//!
//! Resources (`<instance>.app.shop…`):
//! - `app` (by slug): looked up, never created or deleted; no attributes of its own.
//! - `git_connection` (parent: app, named after it): `repository`, `branch`,
//!   `installation`; only `branch` changes in place.
//! - `staging` (parent: app, named after it): `enabled`, and the local
//!   `confirm_discard_ops` when the app gives it (apply sends it only then).
//! - `release` (top level, like every provider's releases): `app` and `commit` (what is
//!   deployed), and the local `force_rebuild`, `allow_schema_skew`, `timeout_seconds`. A
//!   release of a declared app is ordered after the app, its git connection and its
//!   staging (a deploy builds from the connection, and an app that requires staging
//!   deploys only with it on). A release of an app not declared under `apps:` names it
//!   by slug only, like NHN releases name their server groups: no resource is made for
//!   the app, and plan resolves the slug (an unknown one is located at `app`).

mod app;
/// AxHub's rules for slugs and timeouts, shared with the instance settings and fetch.
pub mod names;
mod release;

use std::collections::HashMap;

use super::manifest::AxhubSection;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::model::{KindRules, Resource};

pub use crate::providers::common::lower::KIND_RELEASE;

/// An app, looked up by slug: read-only, the parent of its git connection and staging.
pub const KIND_APP: &str = "app";
/// An app's git connection, named after the app.
pub const KIND_GIT_CONNECTION: &str = "git_connection";
/// Whether an app has a staging environment, named after the app.
pub const KIND_STAGING: &str = "staging";
/// The attribute of a release holding what it deploys: the commit.
pub const RELEASE_ATTRIBUTE: &str = "commit";

/// What a change of the connection's repository or installation means: AxHub changes only
/// the branch of a connection.
const GIT_CONNECTION_IMMUTABLE: &[(&str, &str)] = &[
    (
        "repository",
        "the repository of a git connection is fixed: disconnect, then connect",
    ),
    (
        "installation",
        "the GitHub App installation of a git connection is fixed: disconnect, then connect",
    ),
];
/// Consent the manifest gives, sent with a disable; never read back.
const STAGING_LOCAL: &[&str] = &["confirm_discard_ops"];
/// How apply deploys or rolls back, never read back.
const RELEASE_LOCAL: &[&str] = &["force_rebuild", "allow_schema_skew", "timeout_seconds"];

/// The diff rules of each kind this section lowers to, for the provider to declare: fetch
/// reads the remote into the same attribute shapes.
pub fn rules(kind: &str) -> KindRules {
    match kind {
        KIND_GIT_CONNECTION => KindRules {
            immutable: GIT_CONNECTION_IMMUTABLE,
            ..KindRules::default()
        },
        KIND_STAGING => KindRules {
            local_only: STAGING_LOCAL,
            ..KindRules::default()
        },
        KIND_RELEASE => KindRules {
            release: Some(RELEASE_ATTRIBUTE),
            local_only: RELEASE_LOCAL,
            ..KindRules::default()
        },
        _ => KindRules::default(),
    }
}

/// Every resource the `axhub:` section declares, each rule broken reported through `ctx`
/// (the section is lowered whole, so all errors show at once).
pub fn lower(section: &AxhubSection, ctx: &mut Ctx<'_>) -> Vec<Resource> {
    let mut resources = Vec::new();
    let base = join("", super::TYPE);
    let mut declared = HashMap::new();
    for (slug, body) in &section.apps {
        let pointer = join(&join(&base, "apps"), slug);
        if let Some(lowered) = app::lower(slug, body, &pointer, ctx, &mut resources) {
            declared.insert(lowered.key.clone(), lowered);
        }
    }
    let releases = join(&base, "releases");
    release::lower_all(&section.releases, &declared, &releases, ctx, &mut resources);
    resources
}

#[cfg(test)]
mod tests;
