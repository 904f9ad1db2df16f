//! Reading NHN Cloud Deploy's state: names resolved once per artifact (one artifact
//! lookup, one server-group list, one binary-group list), then per binary one version
//! lookup and per release one history read, concurrently. Unknown names are collected and
//! returned together as [`ProviderError::References`], so the user sees every one at its line.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::json;
use tokio::task::JoinSet;

use super::client::{LatestDeployments, NhnClient};
use super::errors::{request_error, task_failed};
use super::lower::KIND_RELEASE;
use super::remote::Remote;
use super::resolve::{Resolved, resolve};
use super::wire;
use crate::model::{RemoteObject, RemoteState, Resource, RunningDeployment};
use crate::providers::common::attributes::text;
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};

/// One read of the last round, answered.
enum Read {
    Newest((i64, i64), Option<wire::Binary>),
    Version(BinaryVersion, Option<wire::Binary>),
    History(usize, LatestDeployments),
}

/// A version in a binary group: (artifact id, binary group key, version).
type BinaryVersion = (i64, i64, String);

pub(super) async fn fetch(
    remote: &Remote<'_>,
    desired: &[&Resource],
) -> Result<RemoteState, ProviderError> {
    // Round 1: every artifact named, each once.
    let names: BTreeSet<String> = desired
        .iter()
        .map(|r| text(r, "artifact").to_owned())
        .collect();
    let artifacts = remote.artifacts(names).await?;

    // Round 2: the binary-group and server-group lists of those artifacts.
    let (mut binary_lists, mut server_lists) = (BTreeMap::new(), BTreeMap::new());
    for resource in desired {
        if let Some(Some(artifact)) = artifacts.get(text(resource, "artifact")) {
            if !text(resource, "binary_group").is_empty() {
                binary_lists.insert(artifact.id, artifact.clone());
            }
            if resource.kind == KIND_RELEASE {
                server_lists.insert(artifact.id, artifact.clone());
            }
        }
    }
    let binary_lists: Vec<_> = binary_lists.into_values().collect();
    let server_lists: Vec<_> = server_lists.into_values().collect();
    remote.load_groups(&binary_lists, &server_lists).await?;

    // Names to ids, without a request; every unknown name is reported at once.
    let (resolved, errors) = resolve(remote, desired, &artifacts).await?;
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }

    // Round 3: per binary its version, per release its history and its group's newest
    // binary; each distinct read once.
    let mut reads = JoinSet::new();
    let mut newest_keys = BTreeSet::new();
    let mut version_keys = BTreeSet::new();
    for (index, (resource, target)) in resolved.iter().enumerate() {
        let client = remote.client.clone();
        match target {
            Resolved::Binary { artifact, group } => {
                let key = (*artifact, *group, text(resource, "version").to_owned());
                if version_keys.insert(key.clone()) {
                    reads.spawn(read_version(client, key));
                }
            }
            Resolved::Release {
                artifact,
                server_group,
                binary_group,
            } => {
                if let Some((group, name)) = binary_group
                    && newest_keys.insert((*artifact, *group))
                {
                    let (client, artifact, group) = (client.clone(), *artifact, *group);
                    let name = name.clone();
                    reads.spawn(async move {
                        let newest = client.newest_binary(artifact, group).await.map_err(|e| {
                            request_error(format!("read the newest binary of `{name}`"), e)
                        })?;
                        Ok(Read::Newest((artifact, group), newest))
                    });
                }
                let (artifact, server_group) = (*artifact, *server_group);
                let group_name = text(resource, "server_group").to_owned();
                reads.spawn(async move {
                    let latest = client
                        .latest_deployments(artifact, server_group)
                        .await
                        .map_err(|e| {
                            request_error(
                                format!(
                                    "read the deployment history of server group `{group_name}`"
                                ),
                                e,
                            )
                        })?;
                    Ok(Read::History(index, latest))
                });
            }
        }
    }
    let mut newest = HashMap::new();
    let mut versions = HashMap::new();
    let mut histories = HashMap::new();
    while let Some(joined) = reads.join_next().await {
        match joined.map_err(task_failed)?? {
            Read::Newest(key, binary) => {
                newest.insert(key, binary);
            }
            Read::Version(key, binary) => {
                versions.insert(key, binary);
            }
            Read::History(index, latest) => {
                histories.insert(index, latest);
            }
        }
    }

    // A release whose version is not its group's newest: does that version exist (a
    // rollback, refused) or is it still to be uploaded? Round 4, only for versions no
    // binary of the manifest looked up already.
    let mut reads = JoinSet::new();
    for (resource, target) in &resolved {
        if let Some((artifact, group, _)) = behind_newest(resource, target, &newest) {
            let key = (artifact, group, text(resource, "version").to_owned());
            if !versions.contains_key(&key) && version_keys.insert(key.clone()) {
                reads.spawn(read_version(remote.client.clone(), key));
            }
        }
    }
    while let Some(joined) = reads.join_next().await {
        if let Read::Version(key, binary) = joined.map_err(task_failed)?? {
            versions.insert(key, binary);
        }
    }
    let errors: Vec<ReferenceError> = resolved
        .iter()
        .filter_map(|(resource, target)| {
            let (artifact, group, latest) = behind_newest(resource, target, &newest)?;
            let key = (artifact, group, text(resource, "version").to_owned());
            versions
                .get(&key)
                .is_some_and(Option::is_some)
                .then(|| rollback_error(resource, latest))
        })
        .collect();
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }

    let errors: Vec<ReferenceError> = resolved
        .iter()
        .filter_map(|(resource, target)| {
            let Resolved::Binary { artifact, group } = target else {
                return None;
            };
            let key = (*artifact, *group, text(resource, "version").to_owned());
            let uploaded = versions.get(&key)?.as_ref()?;
            different_build(resource, uploaded)
        })
        .collect();
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }

    let mut state = RemoteState::default();
    for (index, (resource, target)) in resolved.iter().enumerate() {
        let found = match target {
            Resolved::Binary { artifact, group } => versions
                .get(&(*artifact, *group, text(resource, "version").to_owned()))
                .cloned()
                .flatten()
                .map(|binary| {
                    object(
                        resource,
                        binary.binary_key.clone(),
                        json!({
                            "artifact": text(resource, "artifact"),
                            "binary_group": text(resource, "binary_group"),
                            "version": binary.version,
                        }),
                        None,
                    )
                }),
            Resolved::Release { server_group, .. } => histories
                .remove(&index)
                .and_then(|latest| release_object(resource, *server_group, latest)),
        };
        if let Some(object) = found {
            state.objects.insert(object.address.clone(), object);
        }
    }
    Ok(state)
}
/// A version, once uploaded, is what it is: a local file of another size under a version
/// that exists would never be uploaded, and deployments would run the old build while the
/// plan said "no changes".
fn different_build(binary: &Resource, uploaded: &wire::Binary) -> Option<ReferenceError> {
    let local = binary.attributes.get("size").and_then(|v| v.as_u64())?;
    let remote = u64::try_from(uploaded.binary_size)
        .ok()
        .filter(|size| *size > 0)?;
    (local != remote).then(|| ReferenceError {
        kind: ReferenceKind::Conflict,
        address: binary.address.clone(),
        attribute: "file".into(),
        label: "not the build uploaded as this version".into(),
        message: format!(
            "version `{}` of binary `{}` is already uploaded with {remote} bytes, but `{}` has {local}",
            uploaded.version,
            binary.name,
            text(binary, "file")
        ),
        help: Some(
            "an uploaded version cannot be replaced: give this build a new version".into(),
        ),
    })
}

/// A release's remote object: the server group's newest successful version, and the
/// deployment still running on it, if any. `None` for a group never deployed to.
fn release_object(
    release: &Resource,
    server_group: i64,
    latest: LatestDeployments,
) -> Option<RemoteObject> {
    let in_flight = latest
        .latest
        .as_ref()
        .filter(|h| h.total_result == "RUNNING")
        .map(|h| RunningDeployment {
            id: h.deploy_key.to_string(),
            status: h.total_result.clone(),
            deploys: Some(h.binary_version.clone()).filter(|v| !v.is_empty()),
        });
    let mut attributes = json!({
        "artifact": text(release, "artifact"),
        "server_group": text(release, "server_group"),
    });
    if let Some(success) = &latest.latest_success {
        attributes["version"] = json!(success.binary_version);
    }
    let any = latest.latest_success.is_some() || in_flight.is_some();
    any.then(|| object(release, server_group.to_string(), attributes, in_flight))
}

fn object(
    resource: &Resource,
    id: String,
    attributes: serde_json::Value,
    in_flight: Option<RunningDeployment>,
) -> RemoteObject {
    RemoteObject {
        address: resource.address.clone(),
        kind: resource.kind.clone(),
        name: resource.name.clone(),
        parent: None,
        id,
        attributes,
        method: None,
        in_flight,
    }
}

async fn read_version(client: NhnClient, key: BinaryVersion) -> Result<Read, ProviderError> {
    let (artifact, group, version) = &key;
    let found = client
        .find_binary(*artifact, *group, version)
        .await
        .map_err(|e| request_error(format!("look up version `{version}` of a binary"), e))?;
    Ok(Read::Version(key, found))
}

/// A release's (artifact, group) and its group's newest binary, when that binary is not the
/// version the release asks for: a deployment would run the newest instead.
fn behind_newest<'n>(
    release: &Resource,
    target: &Resolved,
    newest: &'n HashMap<(i64, i64), Option<wire::Binary>>,
) -> Option<(i64, i64, &'n wire::Binary)> {
    let Resolved::Release {
        artifact,
        binary_group: Some((group, _)),
        ..
    } = target
    else {
        return None;
    };
    let latest = newest.get(&(*artifact, *group))?.as_ref()?;
    (latest.version != text(release, "version")).then_some((*artifact, *group, latest))
}

/// A release can only reach the version a deployment will run: the newest binary of its
/// group. A desired version that exists but is older (a rollback) is refused at plan time,
/// instead of deploying the newest binary and planning the same deploy forever.
fn rollback_error(release: &Resource, latest: &wire::Binary) -> ReferenceError {
    let group_name = text(release, "binary_group");
    let version = text(release, "version");
    ReferenceError {
        kind: ReferenceKind::Conflict,
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
    }
}
