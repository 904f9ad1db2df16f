//! The lookups: artifacts, server groups and binary groups, all from the static seed.
//!
//! `artifactName` keeps artifacts whose name contains it, ignoring case (the guide says only
//! "search"; a client must compare names exactly itself). `lastDeployDate` is the newest
//! deployment's execute date, `null` before the first. An autoscale server group's
//! `serverCount` is its current instances across its Auto Scaling groups. A client artifact
//! has no server groups (an empty list).

use std::sync::Arc;

use axum::extract::State;

use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs};
use super::{NhnEmulator, seed, time};
use crate::providers::nhn::wire::{
    Artifact, ArtifactList, BinaryGroup, BinaryGroupList, ServerGroup, ServerGroupList,
};

/// The artifact named by the `artifactId` path variable.
pub(super) fn artifact(params: &Params) -> Result<&'static seed::Artifact, ApiError> {
    let id = params.id("artifactId")?;
    seed::artifact(id).ok_or_else(|| ApiError::artifact_not_found(id))
}

/// The binary group named by `binaryGroupKey`, which must belong to the artifact.
pub(super) fn binary_group(
    params: &Params,
) -> Result<(&'static seed::Artifact, &'static seed::BinaryGroup), ApiError> {
    let artifact = artifact(params)?;
    let key = params.id("binaryGroupKey")?;
    let group = artifact
        .binary_group(key)
        .ok_or_else(|| ApiError::binary_group_not_found(artifact.id, key))?;
    Ok((artifact, group))
}

/// `GET /api/v2.1/projects/{appKey}/artifacts?artifactName=`
pub(super) async fn list(
    State(emulator): State<Arc<NhnEmulator>>,
    query: QueryPairs,
) -> ApiResult<ArtifactList> {
    let needle = query.get("artifactName").unwrap_or("").to_lowercase();
    let artifacts = emulator.with_state(|state| {
        seed::ARTIFACTS
            .iter()
            .filter(|artifact| artifact.name.to_lowercase().contains(&needle))
            .map(|artifact| Artifact {
                id: artifact.id,
                name: artifact.name.to_owned(),
                application_type: artifact.application_type.to_owned(),
                description: Some(artifact.description.to_owned()),
                create_date: Some(artifact.create_date.to_owned()),
                last_deploy_date: state.last_deploy(artifact.id).map(time::iso),
            })
            .collect()
    });
    ok(ArtifactList { artifacts })
}

/// `GET …/artifacts/{artifactId}/server-groups`
pub(super) async fn server_groups(params: Params) -> ApiResult<ServerGroupList> {
    let artifact = artifact(&params)?;
    let server_groups = artifact
        .server_groups
        .iter()
        .map(|group| ServerGroup {
            id: group.id,
            name: group.name.to_owned(),
            description: Some(group.description.to_owned()),
            os_type: group.os_type.to_owned(),
            server_count: group.hosts().len() as i64,
        })
        .collect();
    ok(ServerGroupList { server_groups })
}

/// `GET …/artifacts/{artifactId}/binary-groups`
pub(super) async fn binary_groups(params: Params) -> ApiResult<BinaryGroupList> {
    let artifact = artifact(&params)?;
    let binary_groups = artifact
        .binary_groups
        .iter()
        .map(|group| BinaryGroup {
            key: group.key,
            name: group.name.to_owned(),
            description: Some(group.description.to_owned()),
            region_code: Some(group.region_code.to_owned()),
            create_date: Some(group.create_date.to_owned()),
        })
        .collect();
    ok(BinaryGroupList { binary_groups })
}
