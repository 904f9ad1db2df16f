//! A plan's names resolved to ids: every artifact, binary group and server group the
//! manifest names, from the caches fetch filled. A name that does not exist becomes a
//! located error listing the names that do, so the user sees every one at its line.

use std::collections::HashMap;

use super::errors::request_error;
use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::remote::Remote;
use super::wire;
use crate::model::Resource;
use crate::providers::common::attributes::text;
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};
use crate::suggest::did_you_mean;

/// What a resource resolved to.
pub(super) enum Resolved {
    Binary {
        artifact: i64,
        group: i64,
    },
    Release {
        artifact: i64,
        server_group: i64,
        /// The release's binary group, when it names one: its newest binary is what a
        /// deployment will run.
        binary_group: Option<(i64, String)>,
    },
}

/// Resolves every resource's names to ids from the caches [`super::fetch`] filled; names that do
/// not exist become located errors listing the ones that do.
pub(super) async fn resolve<'r>(
    remote: &Remote<'_>,
    desired: &[&'r Resource],
    artifacts: &HashMap<String, Option<wire::Artifact>>,
) -> Result<(Vec<(&'r Resource, Resolved)>, Vec<ReferenceError>), ProviderError> {
    let mut errors = Vec::new();
    let mut resolved = Vec::new();
    let mut all_artifacts: Option<Vec<String>> = None;
    for resource in desired {
        let artifact_name = text(resource, "artifact");
        let Some(Some(artifact)) = artifacts.get(artifact_name) else {
            if all_artifacts.is_none() {
                let listed = remote
                    .client
                    .list_artifacts()
                    .await
                    .map_err(|e| request_error("list artifacts", e))?;
                all_artifacts = Some(listed.into_iter().map(|a| a.name).collect());
            }
            let available = all_artifacts.clone().unwrap_or_default();
            errors.push(unknown(
                resource,
                "artifact",
                "artifact",
                artifact_name,
                "this project",
                available,
            ));
            continue;
        };
        let parent = format!("artifact `{}`", artifact.name);
        let group_name = text(resource, "binary_group");
        let binary_group = if group_name.is_empty() {
            None
        } else {
            let groups = remote.binary_groups(artifact).await?;
            match groups.iter().find(|g| g.name == group_name) {
                Some(group) => Some((group.key, group.name.clone())),
                // A release's binary group only orders it after its upload; the binary
                // reports an unknown one.
                None if resource.kind == KIND_RELEASE => None,
                None => {
                    let available = groups.iter().map(|g| g.name.clone()).collect();
                    errors.push(unknown(
                        resource,
                        "binary_group",
                        "binary group",
                        group_name,
                        &parent,
                        available,
                    ));
                    continue;
                }
            }
        };
        match resource.kind.as_str() {
            KIND_BINARY => {
                if let Some((group, _)) = binary_group {
                    resolved.push((
                        *resource,
                        Resolved::Binary {
                            artifact: artifact.id,
                            group,
                        },
                    ));
                }
            }
            KIND_RELEASE => {
                let name = text(resource, "server_group");
                let groups = remote.server_groups(artifact).await?;
                match groups.iter().find(|g| g.name == name) {
                    Some(group) => resolved.push((
                        *resource,
                        Resolved::Release {
                            artifact: artifact.id,
                            server_group: group.id,
                            binary_group,
                        },
                    )),
                    None => {
                        let available = groups.iter().map(|g| g.name.clone()).collect();
                        errors.push(unknown(
                            resource,
                            "server_group",
                            "server group",
                            name,
                            &parent,
                            available,
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    Ok((resolved, errors))
}

/// A located error for `name`, which `parent` does not have, with a did-you-mean or the
/// names it has.
fn unknown(
    resource: &Resource,
    attribute: &str,
    what: &str,
    name: &str,
    parent: &str,
    available: Vec<String>,
) -> ReferenceError {
    let help = did_you_mean(name, available.iter().map(String::as_str)).or_else(|| {
        Some(if available.is_empty() {
            format!("{parent} has none")
        } else {
            format!("available: {}", available.join(", "))
        })
    });
    ReferenceError {
        kind: ReferenceKind::UnknownName,
        address: resource.address.clone(),
        attribute: attribute.to_owned(),
        label: format!("no such {what}"),
        message: format!("no {what} `{name}` in {parent}"),
        help,
    }
}
