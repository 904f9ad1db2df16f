//! Scenarios: list, get, create, edit, delete.
//!
//! Edit (`PATCH`) takes `{description?, config?}`; a given `config` replaces the old one
//! whole (what Terraform always sends). The API has no rename: a `name` equal to the current
//! one is accepted as a no-op, a different one is rejected with 400, so an engine that tries
//! to rename in place learns it must replace instead of silently keeping the old name.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::Deserialize;

use super::NcpEmulator;
use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs, check_name, json_body};
use super::state::{NcpState, Scenario, Stage};
use super::validate;
use crate::providers::ncp::wire::{Ack, IdName, ScenarioConfig, ScenarioDetail, ScenarioList};

/// Longest accepted description (Terraform's limit).
const MAX_DESCRIPTION: usize = 500;

#[derive(Debug, Deserialize)]
struct ScenarioInput {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    config: Option<serde_json::Value>,
}

impl ScenarioInput {
    fn checked_description(&self) -> Result<Option<String>, ApiError> {
        match &self.description {
            Some(text) if text.chars().count() > MAX_DESCRIPTION => Err(ApiError::bad_request(
                format!("description must be at most {MAX_DESCRIPTION} characters"),
            )),
            other => Ok(other.clone()),
        }
    }

    fn parsed_config(&self) -> Result<Option<ScenarioConfig>, ApiError> {
        match &self.config {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => ScenarioConfig::deserialize(value)
                .map(Some)
                .map_err(|err| ApiError::bad_request(format!("invalid config: {err}"))),
        }
    }
}

/// `GET …/stage/{stageId}/scenario?scenarioName=&pageNo=&pageSize=`
pub(super) async fn list(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    query: QueryPairs,
) -> ApiResult<ScenarioList> {
    let (project_id, stage_id) = (params.id("projectId")?, params.id("stageId")?);
    let paging = query.paging()?;
    let keep = query.name_filter("scenarioName");
    emulator.with_state(|state| {
        let project = state.project(project_id)?;
        let stage = project.stage(stage_id)?;
        let matching = stage
            .scenarios
            .iter()
            .filter(|scenario| keep(&scenario.name))
            .map(Scenario::id_name);
        ok(ScenarioList {
            project: Some(project.id_name()),
            stage: Some(stage.id_name()),
            scenario_list: paging.page(matching),
        })
    })
}

/// `GET …/stage/{stageId}/scenario/{scenarioId}`: the stored config plus the stage `type`.
pub(super) async fn get(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<ScenarioDetail> {
    let ids = (
        params.id("projectId")?,
        params.id("stageId")?,
        params.id("scenarioId")?,
    );
    emulator.with_state(|state| {
        let project = state.project(ids.0)?;
        let stage = project.stage(ids.1)?;
        let scenario = stage.scenario(ids.2)?;
        ok(ScenarioDetail {
            project: Some(project.id_name()),
            stage: Some(stage.id_name()),
            id: scenario.id,
            name: scenario.name.clone(),
            target_type: Some(stage.target_type.clone()),
            description: scenario.description.clone(),
            config: scenario.config.clone(),
        })
    })
}

/// `POST …/stage/{stageId}/scenario` with `{name, description?, config}`.
pub(super) async fn create(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<IdName> {
    let (project_id, stage_id) = (params.id("projectId")?, params.id("stageId")?);
    let input: ScenarioInput = json_body(body)?;
    let name = input
        .name
        .clone()
        .ok_or_else(|| ApiError::bad_request("name is required"))?;
    check_name("scenario", &name)?;
    let description = input.checked_description()?;
    let config = input
        .parsed_config()?
        .ok_or_else(|| ApiError::bad_request("config is required"))?;
    emulator.with_state(|state| {
        let id = state.next_id;
        let stage = stage_mut(state, project_id, stage_id)?;
        if let Some(existing) = stage
            .scenarios
            .iter()
            .find(|scenario| scenario.name == name)
        {
            return Err(ApiError::bad_request(format!(
                "a scenario named {name:?} already exists in this stage (id {})",
                existing.id
            )));
        }
        let config = validate::scenario_config(stage, config)?;
        stage.scenarios.push(Scenario {
            id,
            name: name.clone(),
            description,
            config,
        });
        state.next_id += 1;
        ok(IdName { id, name })
    })
}

/// `PATCH …/stage/{stageId}/scenario/{scenarioId}` with `{description?, config?}`.
pub(super) async fn edit(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<IdName> {
    let ids = (
        params.id("projectId")?,
        params.id("stageId")?,
        params.id("scenarioId")?,
    );
    let input: ScenarioInput = json_body(body)?;
    let description = input.checked_description()?;
    let config = input.parsed_config()?;
    emulator.with_state(|state| {
        let stage = stage_mut(state, ids.0, ids.1)?;
        let current = stage.scenario(ids.2)?;
        if let Some(name) = input.name.as_deref().filter(|name| *name != current.name) {
            return Err(ApiError::bad_request(format!(
                "a scenario cannot be renamed ({:?} to {name:?}); delete it and create a new one",
                current.name
            )));
        }
        let config = match config {
            Some(config) => Some(validate::scenario_config(stage, config)?),
            None => None,
        };
        apply_edit(stage.scenario_mut(ids.2)?, description, config);
        ok(stage.scenario(ids.2)?.id_name())
    })
}

/// `DELETE …/stage/{stageId}/scenario/{scenarioId}` (its deployment history stays).
pub(super) async fn delete(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    let ids = (
        params.id("projectId")?,
        params.id("stageId")?,
        params.id("scenarioId")?,
    );
    emulator.with_state(|state| {
        let stage = stage_mut(state, ids.0, ids.1)?;
        stage.scenario(ids.2)?;
        stage.scenarios.retain(|scenario| scenario.id != ids.2);
        ok(Ack::Wrapped { result: true })
    })
}

/// Applies a validated edit; shared with the sandbox's drift endpoint.
pub(super) fn apply_edit(
    scenario: &mut Scenario,
    description: Option<String>,
    config: Option<ScenarioConfig>,
) {
    if let Some(description) = description {
        scenario.description = Some(description);
    }
    if let Some(config) = config {
        scenario.config = config;
    }
}

fn stage_mut(state: &mut NcpState, project_id: i64, stage_id: i64) -> Result<&mut Stage, ApiError> {
    state.project_mut(project_id)?.stage_mut(stage_id)
}
