//! `github:` section → resources, with every rule GitHub documents for environments,
//! their protection, variables, secrets and deployment records checked here, before any
//! request: each a located error, all reported at once.
//!
//! Resources (`<instance>.repository."owner/name"…`):
//! - `repository` `owner/name`: looked up, never created or deleted; `prune` prunes its
//!   environments.
//! - `environment` (parent: repository): only the protection settings the manifest sets.
//! - `branch_policy` / `tag_policy` (parent: environment), named by their pattern.
//! - `variable` `{value}` and `secret` `{value, rotate}` (parent: environment).
//! - `deployment` (parent: repository): a record, linked to the release it follows.

mod deployment;
mod environment;
pub mod names;

use std::collections::BTreeMap;

use serde_json::json;

use super::manifest::GithubSection;
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::checks::duplicate_key;

pub use crate::providers::common::checks::is_web_url;
pub use crate::providers::common::lower::Parent;
use crate::providers::common::lower::top_level;
pub use deployment::{DEFAULT_TASK, MAX_DESCRIPTION};
pub use environment::{
    MAX_PER_ENVIRONMENT, MAX_REVIEWERS, MAX_VALUE_BYTES, MAX_WAIT_TIMER, reviewer_list,
};

pub const KIND_REPOSITORY: &str = "repository";
pub const KIND_ENVIRONMENT: &str = "environment";
pub const KIND_BRANCH_POLICY: &str = "branch_policy";
pub const KIND_TAG_POLICY: &str = "tag_policy";
pub const KIND_VARIABLE: &str = "variable";
pub const KIND_SECRET: &str = "secret";
pub const KIND_DEPLOYMENT: &str = "deployment";

pub fn lower(section: &GithubSection, ctx: &mut Ctx<'_>) -> Vec<Resource> {
    let mut resources = Vec::new();
    let base = join(&join("", super::TYPE), "repositories");
    for (full_name, repository) in &section.repositories {
        let pointer = join(&base, full_name);
        if let Some(hint) = names::repository_problem(full_name) {
            ctx.error_at_key(
                DiagnosticKind::InvalidName,
                format!("invalid repository `{full_name}`"),
                &pointer,
                "not `owner/name`",
            )
            .help = Some(hint);
        }
        let Some(provider) =
            ctx.provider_for(repository.provider.as_deref(), super::TYPE, &pointer)
        else {
            continue;
        };
        let address = Address::root(&provider, KIND_REPOSITORY, full_name);
        let explicit = &repository.depends_on;
        let spec = top_level(
            provider.clone(),
            KIND_REPOSITORY,
            full_name,
            &pointer,
            json!({}),
            Vec::new(),
            explicit,
        );
        resources.push(ctx.resource(ResourceSpec {
            prune: repository.prune,
            ..spec
        }));
        let repo = Parent {
            provider: &provider,
            address: &address,
            pointer: &pointer,
        };
        let mut environments = BTreeMap::new();
        let mut by_folded_name: BTreeMap<String, &str> = BTreeMap::new();
        for (name, body) in &repository.environments {
            let env_address = environment::lower(name, body, &repo, ctx, &mut resources);
            environments.insert(name.clone(), env_address);
            // GitHub matches environment names ignoring case: two spellings are one.
            let folded = name.to_lowercase();
            match by_folded_name.get(&folded) {
                Some(first) => {
                    let at = |n: &str| join(&join(&pointer, "environments"), n);
                    duplicate_key(
                        ctx,
                        format!(
                            "environments `{first}` and `{name}` are one environment on GitHub"
                        ),
                        &at(name),
                        &at(first),
                        "GitHub matches environment names ignoring case; declare it once",
                    );
                }
                None => {
                    by_folded_name.insert(folded, name);
                }
            }
        }
        deployment::lower_all(
            &repository.deployments,
            &environments,
            &repo,
            ctx,
            &mut resources,
        );
    }
    resources
}

#[cfg(test)]
mod tests;
