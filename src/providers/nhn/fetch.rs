//! Reading NHN Cloud Deploy's state: names resolved once per artifact (one artifact
//! lookup, one server-group list, one binary-group list), then per binary one version
//! lookup and per release one history read, concurrently. Unknown names are collected and
//! returned together as [`ProviderError::References`], so the user sees every one at its line.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::json;
use tokio::task::JoinSet;

use super::lower::{KIND_BINARY, KIND_RELEASE};
use super::provider::{NhnProvider, request_error};
use super::wire;
use crate::manifest::diagnostic::did_you_mean;
use crate::model::{RemoteObject, RemoteState, Resource};
use crate::providers::{ProviderError, ReferenceError};

fn text<'a>(resource: &'a Resource, key: &str) -> &'a str {
    resource
        .attributes
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
}

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
        address: resource.address.clone(),
        attribute: attribute.to_owned(),
        label: format!("no such {what}"),
        message: format!("no {what} `{name}` in {parent}"),
        help,
    }
}

/// What a resource resolved to.
enum Resolved {
    Binary { artifact: i64, group: i64 },
    Release { artifact: i64, server_group: i64 },
}

pub async fn fetch(
    provider: &NhnProvider,
    desired: &[&Resource],
) -> Result<RemoteState, ProviderError> {
    let mut errors = Vec::new();
    let mut resolved = Vec::new();
    let mut all_artifacts: Option<Vec<String>> = None;
    let mut newest: HashMap<(i64, i64), Option<wire::Binary>> = HashMap::new();
    for resource in desired {
        let artifact_name = text(resource, "artifact");
        let Some(artifact) = provider.artifact(artifact_name).await? else {
            if all_artifacts.is_none() {
                let listed = provider
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
        let mut group_key = None;
        // A release's binary group only orders it after its upload; the binary reports it.
        let group_name = if resource.kind == KIND_BINARY {
            text(resource, "binary_group")
        } else {
            ""
        };
        if !group_name.is_empty() {
            let groups = provider.binary_groups(&artifact).await?;
            match groups.iter().find(|g| g.name == group_name) {
                Some(group) => group_key = Some(group.key),
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
        }
        match resource.kind.as_str() {
            KIND_BINARY => {
                if let Some(group) = group_key {
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
                if let Some(error) =
                    unreachable_version(provider, &artifact, resource, &mut newest).await?
                {
                    errors.push(error);
                    continue;
                }
                let name = text(resource, "server_group");
                let groups = provider.server_groups(&artifact).await?;
                match groups.iter().find(|g| g.name == name) {
                    Some(group) => resolved.push((
                        *resource,
                        Resolved::Release {
                            artifact: artifact.id,
                            server_group: group.id,
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
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }

    let mut tasks = JoinSet::new();
    for (resource, target) in resolved {
        let client = provider.client.clone();
        let resource = resource.clone();
        tasks.spawn(async move {
            match target {
                Resolved::Binary { artifact, group } => {
                    let version = text(&resource, "version").to_owned();
                    let found = client
                        .find_binary(artifact, group, &version)
                        .await
                        .map_err(|e| {
                            request_error(
                                format!(
                                    "look up version `{version}` of binary `{}`",
                                    resource.name
                                ),
                                e,
                            )
                        })?;
                    Ok(found.map(|binary| {
                        remote(
                            &resource,
                            binary.binary_key.clone(),
                            json!({
                                "artifact": text(&resource, "artifact"),
                                "binary_group": text(&resource, "binary_group"),
                                "version": binary.version,
                            }),
                            None,
                        )
                    }))
                }
                Resolved::Release {
                    artifact,
                    server_group,
                } => {
                    let latest = client
                        .latest_deployments(artifact, server_group)
                        .await
                        .map_err(|e| {
                            request_error(
                                format!(
                                    "read the deployment history of server group `{}`",
                                    text(&resource, "server_group")
                                ),
                                e,
                            )
                        })?;
                    let in_flight = latest
                        .latest
                        .as_ref()
                        .filter(|h| h.total_result == "RUNNING")
                        .map(|h| format!("deployment {} is RUNNING", h.deploy_key));
                    let mut attributes = json!({
                        "artifact": text(&resource, "artifact"),
                        "server_group": text(&resource, "server_group"),
                    });
                    if let Some(success) = &latest.latest_success {
                        attributes["version"] = json!(success.binary_version);
                    }
                    let any = latest.latest_success.is_some() || in_flight.is_some();
                    Ok(any.then(|| {
                        remote(&resource, server_group.to_string(), attributes, in_flight)
                    }))
                }
            }
        });
    }
    let mut state = RemoteState::default();
    while let Some(joined) = tasks.join_next().await {
        let found: Result<Option<RemoteObject>, ProviderError> =
            joined.map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))?;
        if let Some(object) = found? {
            state.objects.insert(object.address.clone(), object);
        }
    }
    Ok(state)
}

fn remote(
    resource: &Resource,
    id: String,
    attributes: serde_json::Value,
    in_flight: Option<String>,
) -> RemoteObject {
    RemoteObject {
        address: resource.address.clone(),
        kind: resource.kind.clone(),
        name: resource.name.clone(),
        parent: None,
        id,
        attributes,
        in_flight,
    }
}

/// Resolved ids of a resource at apply time (from the cache filled by fetch, or the API).
pub(super) async fn ids(
    provider: &NhnProvider,
    resource: &Resource,
) -> Result<(wire::Artifact, Option<i64>, Option<i64>), ProviderError> {
    let name = text(resource, "artifact");
    let artifact = provider.artifact(name).await?.ok_or_else(|| {
        ProviderError::Precondition(format!("artifact `{name}` no longer exists"))
    })?;
    let group_name = text(resource, "binary_group");
    let group = if group_name.is_empty() {
        None
    } else {
        provider
            .binary_groups(&artifact)
            .await?
            .iter()
            .find(|g| g.name == group_name)
            .map(|g| g.key)
    };
    let server_name = text(resource, "server_group");
    let server_group = if server_name.is_empty() {
        None
    } else {
        provider
            .server_groups(&artifact)
            .await?
            .iter()
            .find(|g| g.name == server_name)
            .map(|g| g.id)
    };
    Ok((artifact, group, server_group))
}

/// A release can only reach the version a deployment will run: the newest binary of its
/// group. A desired version that exists but is older (a rollback) is refused at plan time,
/// instead of deploying the newest binary and planning the same deploy forever.
async fn unreachable_version(
    provider: &NhnProvider,
    artifact: &wire::Artifact,
    release: &Resource,
    newest: &mut HashMap<(i64, i64), Option<wire::Binary>>,
) -> Result<Option<ReferenceError>, ProviderError> {
    let group_name = text(release, "binary_group");
    if group_name.is_empty() {
        return Ok(None);
    }
    let groups = provider.binary_groups(artifact).await?;
    let Some(group) = groups.iter().find(|g| g.name == group_name) else {
        return Ok(None);
    };
    let key = (artifact.id, group.key);
    let latest = match newest.entry(key) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(slot) => {
            let found = provider
                .client
                .newest_binary(artifact.id, group.key)
                .await
                .map_err(|e| {
                    request_error(format!("read the newest binary of `{group_name}`"), e)
                })?;
            slot.insert(found)
        }
    };
    let version = text(release, "version");
    let Some(latest) = latest.clone() else {
        return Ok(None);
    };
    if latest.version == version {
        return Ok(None);
    }
    let exists = provider
        .client
        .find_binary(artifact.id, group.key, version)
        .await
        .map_err(|e| request_error(format!("look up version `{version}` of `{group_name}`"), e))?
        .is_some();
    Ok(exists.then(|| ReferenceError {
        address: release.address.clone(),
        attribute: "binary".into(),
        label: "a deployment would run the newest binary instead".into(),
        message: format!(
            "version `{version}` is not the newest binary of `{group_name}` (newest: `{}`)",
            latest.version
        ),
        help: Some(
            "NHN Cloud Deploy deploys a group's newest binary; to roll back, upload the old build again as a new version"
                .into(),
        ),
    }))
}
