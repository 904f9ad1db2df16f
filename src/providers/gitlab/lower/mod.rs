//! `gitlab:` section → resources, with every rule GitLab applies to environments, their
//! protection and deployment records checked here, before any request: each a located
//! error, all reported at once.
//!
//! Resources (`<instance>.project."acme/shop"…`):
//! - `project` (full path or numeric id): looked up, never created or deleted; `prune`
//!   prunes its environments and their protections.
//! - `environment` (parent: project): `name` always, and the settings the manifest sets;
//!   `renamed_from` is local (it plans a replace, GitLab cannot rename).
//! - `protection` (parent: environment): `deployers` and `approvals`, canonical entries in the
//!   order written (the provider compares them as sets).
//! - `deployment` (parent: project): a record, ordered after its environment and that
//!   environment's protection, linked to the release it follows.

mod deployment;
mod environment;
/// GitLab's naming rules, shared with fetch and export.
pub mod names;
mod protection;

use std::collections::BTreeMap;

use serde_json::json;

use super::manifest::GitlabSection;
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::checks::{duplicate_key, key_read_otherwise};
use crate::providers::common::lower::{Parent, top_level};

pub use deployment::attributes as deployment_attributes;
pub use environment::{AUTO_STOP_SETTINGS, TIERS};
pub use protection::{
    ACCESS_LEVELS, MAX_REQUIRED_APPROVALS, Principal, access_level_name, access_level_of,
    entry_json,
};

/// A project, looked up by path or id: read-only, the parent of everything else.
pub const KIND_PROJECT: &str = "project";
/// An environment of a project, matched by its exact name.
pub const KIND_ENVIRONMENT: &str = "environment";
/// An environment's protection (deployers and approval rules), named after it.
pub const KIND_PROTECTION: &str = "protection";
/// A deployment record: a release kind on `ref`, following a linked release.
pub const KIND_DEPLOYMENT: &str = "deployment";

/// Every resource the `gitlab:` section declares, each rule broken reported through `ctx`
/// (the section is lowered whole, so all errors show at once).
pub fn lower(section: &GitlabSection, ctx: &mut Ctx<'_>) -> Vec<Resource> {
    let mut resources = Vec::new();
    let base = join(&join("", super::TYPE), "projects");
    // GitLab matches paths ignoring case: two spellings are one project.
    let mut by_folded_path: BTreeMap<String, &str> = BTreeMap::new();
    for (path, project) in &section.projects {
        let pointer = join(&base, path);
        if !key_read_otherwise(ctx, &pointer, path, "project")
            && let Some(hint) = names::project_problem(path)
        {
            ctx.error_at_key(
                DiagnosticKind::InvalidName,
                format!("invalid project `{path}`"),
                &pointer,
                "not a project path",
            )
            .help = Some(hint);
        }
        match by_folded_path.get(&path.to_lowercase()) {
            Some(first) => duplicate_key(
                ctx,
                format!("projects `{first}` and `{path}` are one project on GitLab"),
                &pointer,
                &join(&base, first),
                "GitLab matches project paths ignoring case; declare it once",
            ),
            None => {
                by_folded_path.insert(path.to_lowercase(), path);
            }
        }
        let Some(provider) = ctx.provider_for(project.provider.as_deref(), super::TYPE, &pointer)
        else {
            continue;
        };
        let address = Address::root(&provider, KIND_PROJECT, path);
        // Read-only: no attributes to compare; its prune reaches its environments.
        let spec = top_level(
            provider.clone(),
            KIND_PROJECT,
            path,
            &pointer,
            json!({}),
            Vec::new(),
            &project.depends_on,
        );
        resources.push(ctx.resource(ResourceSpec {
            prune: project.prune,
            ..spec
        }));
        let here = Parent {
            provider: &provider,
            address: &address,
            pointer: &pointer,
        };
        let mut lowered = BTreeMap::new();
        for (name, body) in &project.environments {
            let environment =
                environment::lower(name, body, &here, project.prune, ctx, &mut resources);
            lowered.insert(name.clone(), environment);
        }
        environment::check_renames(&project.environments, &pointer, ctx);
        let declared = deployment::Declared {
            lowered: &lowered,
            written: &project.environments,
        };
        deployment::lower_all(&project.deployments, &declared, &here, ctx, &mut resources);
    }
    resources
}

#[cfg(test)]
mod tests;
