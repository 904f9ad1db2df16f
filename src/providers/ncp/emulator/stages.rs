//! Stages: list, get, create, edit, delete, and the per-type target config.
//!
//! Input `config` takes the keys of the stage's type only — `serverNo[]`,
//! `autoScalingGroupNo`, `clusterUuid` or (as the current documents name it) `clusterNo`,
//! `bucketName` — and each must exist in the seeded account. Keys of another type are
//! rejected; the read-only names (`serverName`, …) and unknown keys are ignored, as a
//! lenient JSON back end would. Detail answers the numbers with their names beside them.
//!
//! Edit (`PATCH`) takes `{name?, type?, config?}`; a given `config` replaces the old one
//! whole. Changing `type` needs a new `config` and is refused while the stage has scenarios
//! (their configs would no longer fit) — the documents leave this open. For the same
//! reason a stage with scenarios cannot be deleted.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::NcpEmulator;
use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs, check_name, json_body};
use super::seed;
use super::state::Stage;
use crate::providers::ncp::wire::{Ack, IdName, StageConfig, StageDetail, StageList, stage_type};

#[derive(Debug, Deserialize)]
struct StageInput {
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    target_type: Option<String>,
    #[serde(default)]
    config: Option<Map<String, Value>>,
}

/// `GET /api/v1/project/{projectId}/stage?stageName=&pageNo=&pageSize=`
pub(super) async fn list(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    query: QueryPairs,
) -> ApiResult<StageList> {
    let project_id = params.id("projectId")?;
    let paging = query.paging()?;
    let keep = query.name_filter("stageName");
    emulator.with_state(|state| {
        let project = state.project(project_id)?;
        let matching = project
            .stages
            .iter()
            .filter(|stage| keep(&stage.name))
            .map(Stage::id_name);
        ok(StageList {
            project: Some(project.id_name()),
            stage_list: paging.page(matching),
        })
    })
}

/// `GET /api/v1/project/{projectId}/stage/{stageId}`
pub(super) async fn get(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<StageDetail> {
    let (project_id, stage_id) = (params.id("projectId")?, params.id("stageId")?);
    emulator.with_state(|state| {
        let project = state.project(project_id)?;
        let stage = project.stage(stage_id)?;
        ok(StageDetail {
            project: Some(project.id_name()),
            id: stage.id,
            name: stage.name.clone(),
            target_type: stage.target_type.clone(),
            config: stage.config.clone(),
        })
    })
}

/// `POST /api/v1/project/{projectId}/stage` with `{name, type, config}`.
pub(super) async fn create(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<IdName> {
    let project_id = params.id("projectId")?;
    let input: StageInput = json_body(body)?;
    let name = input
        .name
        .ok_or_else(|| ApiError::bad_request("name is required"))?;
    check_name("stage", &name)?;
    let target_type = input
        .target_type
        .ok_or_else(|| ApiError::bad_request("type is required"))?;
    let config = input
        .config
        .ok_or_else(|| ApiError::bad_request("config is required"))?;
    let config = stage_config(&target_type, &config)?;
    emulator.with_state(|state| {
        let id = state.next_id;
        let project = state.project_mut(project_id)?;
        check_unique(&project.stages, &name, None)?;
        project.stages.push(Stage {
            id,
            name: name.clone(),
            target_type,
            config,
            scenarios: Vec::new(),
        });
        state.next_id += 1;
        ok(IdName { id, name })
    })
}

/// `PATCH /api/v1/project/{projectId}/stage/{stageId}` with `{name?, type?, config?}`.
pub(super) async fn edit(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<IdName> {
    let (project_id, stage_id) = (params.id("projectId")?, params.id("stageId")?);
    let input: StageInput = json_body(body)?;
    if let Some(name) = &input.name {
        check_name("stage", name)?;
    }
    emulator.with_state(|state| {
        let project = state.project_mut(project_id)?;
        if let Some(name) = &input.name {
            check_unique(&project.stages, name, Some(stage_id))?;
        }
        let stage = project.stage_mut(stage_id)?;
        let target_type = input.target_type.clone().unwrap_or_else(|| stage.target_type.clone());
        if target_type != stage.target_type {
            if !stage.scenarios.is_empty() {
                return Err(ApiError::bad_request(format!(
                    "stage {} has {} scenario(s); delete them before changing its type from {} to {target_type}",
                    stage.id,
                    stage.scenarios.len(),
                    stage.target_type
                )));
            }
            if input.config.is_none() {
                return Err(ApiError::bad_request("config is required when the type changes"));
            }
        }
        let config = match &input.config {
            Some(config) => Some(stage_config(&target_type, config)?),
            None => None,
        };
        if let Some(name) = input.name.clone() {
            stage.name = name;
        }
        if let Some(config) = config {
            stage.target_type = target_type;
            stage.config = config;
        }
        ok(stage.id_name())
    })
}

/// `DELETE /api/v1/project/{projectId}/stage/{stageId}`. The documents do not say that a
/// stage's scenarios go with it; the conservative reading is taken: refused (400 / 100, as
/// a type change with scenarios is) while the stage has scenarios, so a client that relies
/// on a cascade finds out here rather than against a real account.
pub(super) async fn delete(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    let (project_id, stage_id) = (params.id("projectId")?, params.id("stageId")?);
    emulator.with_state(|state| {
        let project = state.project_mut(project_id)?;
        let stage = project.stage(stage_id)?;
        if !stage.scenarios.is_empty() {
            return Err(ApiError::bad_request(format!(
                "stage {stage_id} has {} scenario(s); delete them before deleting the stage",
                stage.scenarios.len()
            )));
        }
        project.stages.retain(|stage| stage.id != stage_id);
        ok(Ack::Wrapped { result: true })
    })
}

fn check_unique(stages: &[Stage], name: &str, except: Option<i64>) -> Result<(), ApiError> {
    match stages
        .iter()
        .find(|stage| stage.name == name && Some(stage.id) != except)
    {
        Some(existing) => Err(ApiError::bad_request(format!(
            "a stage named {name:?} already exists in this project (id {})",
            existing.id
        ))),
        None => Ok(()),
    }
}

/// Validates a stage `config` for `target_type` and resolves the names.
fn stage_config(target_type: &str, config: &Map<String, Value>) -> Result<StageConfig, ApiError> {
    const OWNERS: [(&str, &str); 5] = [
        ("serverNo", stage_type::SERVER),
        ("autoScalingGroupNo", stage_type::AUTOSCALING_GROUP),
        ("clusterUuid", stage_type::KUBERNETES_SERVICE),
        ("clusterNo", stage_type::KUBERNETES_SERVICE),
        ("bucketName", stage_type::OBJECT_STORAGE),
    ];
    if !stage_type::ALL.contains(&target_type) {
        return Err(ApiError::bad_request(format!(
            "type {target_type:?} is not one of {}",
            stage_type::ALL.join(", ")
        )));
    }
    if let Some((key, owner)) = OWNERS
        .iter()
        .find(|(key, owner)| *owner != target_type && config.contains_key(*key))
    {
        return Err(ApiError::bad_request(format!(
            "config.{key} belongs to a {owner} stage, not a {target_type} stage"
        )));
    }
    let required = |key: &str| {
        config
            .get(key)
            .filter(|value| !value.is_null())
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "config.{key} is required for a {target_type} stage"
                ))
            })
    };
    let mut resolved = StageConfig::default();
    match target_type {
        stage_type::SERVER => {
            let Value::Array(items) = required("serverNo")? else {
                return Err(ApiError::bad_request(
                    "config.serverNo must be an array of server numbers",
                ));
            };
            if items.is_empty() {
                return Err(ApiError::bad_request(
                    "config.serverNo needs at least one server",
                ));
            }
            let (mut numbers, mut names) = (Vec::new(), Vec::new());
            for item in items {
                let no = number("config.serverNo[]", item)?;
                let server = seed::server(no)
                    .ok_or_else(|| ApiError::bad_request(format!("server {no} does not exist")))?;
                if numbers.contains(&no) {
                    return Err(ApiError::bad_request(format!(
                        "server {no} is listed twice"
                    )));
                }
                numbers.push(no);
                names.push(server.name.to_owned());
            }
            resolved.server_no = Some(numbers);
            resolved.server_name = Some(names);
        }
        stage_type::AUTOSCALING_GROUP => {
            let no = number("config.autoScalingGroupNo", required("autoScalingGroupNo")?)?;
            let group = seed::auto_scaling_group(no).ok_or_else(|| {
                ApiError::bad_request(format!("Auto Scaling group {no} does not exist"))
            })?;
            resolved.auto_scaling_group_no = Some(group.no);
            resolved.auto_scaling_group_name = Some(group.name.to_owned());
        }
        stage_type::KUBERNETES_SERVICE => {
            let by_uuid = config.get("clusterUuid").filter(|value| !value.is_null());
            let by_no = config.get("clusterNo").filter(|value| !value.is_null());
            let mut found = None;
            for (key, value) in [("clusterUuid", by_uuid), ("clusterNo", by_no)] {
                let Some(value) = value else { continue };
                let text = match value {
                    Value::String(text) => text.clone(),
                    Value::Number(number) => number.to_string(),
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "config.{key} must be a string or a number"
                        )));
                    }
                };
                let cluster = seed::cluster(&text).ok_or_else(|| {
                    ApiError::bad_request(format!("Kubernetes cluster {text} does not exist"))
                })?;
                if found.is_some_and(|seen| seen != cluster) {
                    return Err(ApiError::bad_request(
                        "config.clusterUuid and config.clusterNo name different clusters",
                    ));
                }
                found = Some(cluster);
            }
            let cluster = found.ok_or_else(|| {
                ApiError::bad_request(
                    "config.clusterUuid (or clusterNo) is required for a KubernetesService stage",
                )
            })?;
            resolved.cluster_uuid = Some(cluster.uuid.to_owned());
            resolved.cluster_name = Some(cluster.name.to_owned());
        }
        _ => {
            let Value::String(name) = required("bucketName")? else {
                return Err(ApiError::bad_request("config.bucketName must be a string"));
            };
            let bucket = seed::bucket(name).ok_or_else(|| {
                ApiError::bad_request(format!("Object Storage bucket {name:?} does not exist"))
            })?;
            resolved.bucket_name = Some(bucket.name.to_owned());
        }
    }
    Ok(resolved)
}

/// A number sent as a JSON number or as a numeric string.
fn number(field: &str, value: &Value) -> Result<i64, ApiError> {
    let parsed = match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| ApiError::bad_request(format!("{field} must be a number, got {value}")))
}
