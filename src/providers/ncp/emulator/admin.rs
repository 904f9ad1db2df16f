//! The emulator's test controls, under `/_sandbox/ncp-sourcedeploy/`.
//!
//! - `PUT /outcomes` `{"project","stage","scenario","outcome":"success"|"fail"}`: how that
//!   scenario's future deployments end (by names, so it can be set before the scenario
//!   exists); answers every rule set so far.
//! - `POST /history/{historyId}/finish` `{"status":"success"|"fail"}`: ends a deployment that
//!   is not terminal yet (the way to finish one in `Manual` timing); 409 if it already ended.
//! - `PATCH /scenario` `{"project","stage","scenario","description"?,"config"?}`: edits a
//!   scenario behind the tool's back, validated like the API's own edit, for drift tests.
//! - `PUT /denied` `{"paths": ["/api/v1/server", …]}`: the key may no longer call those
//!   paths (401 / 210 Permission Denied, as for a sub-account without the permission);
//!   replaces the previous list, `[]` lifts it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Request;
use axum::extract::{Path, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{patch, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ApiError;
use super::state::{OutcomeRule, Progress};
use super::{NcpEmulator, scenarios, validate};
use crate::providers::common::emulator::outcome::{Finish, path_id, set_rule};
use crate::providers::common::emulator::{lock, now_ms};
use crate::providers::ncp::wire::ScenarioConfig;
use crate::sandbox::AdminError;

pub(super) fn router(emulator: Arc<NcpEmulator>) -> Router {
    Router::new()
        .route("/outcomes", put(set_outcome))
        .route("/history/{historyId}/finish", post(finish))
        .route("/scenario", patch(drift_scenario))
        .route("/denied", put(set_denied))
        .with_state(emulator)
}

async fn set_outcome(
    State(emulator): State<Arc<NcpEmulator>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let rule: OutcomeRule = AdminError::parse_body(&body)?;
    let rules = emulator.with_state(|state| {
        set_rule(&mut state.outcomes, rule, |old, new| {
            (&old.project, &old.stage, &old.scenario) == (&new.project, &new.stage, &new.scenario)
        })
    });
    Ok(Json(json!({ "outcomes": rules })))
}

async fn finish(
    State(emulator): State<Arc<NcpEmulator>>,
    Path(history_id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let history_id = path_id("history id", &history_id)?;
    let Finish { status } = AdminError::parse_body(&body)?;
    let now = now_ms();
    emulator.with_state(|state| {
        let history = state
            .projects
            .iter_mut()
            .flat_map(|project| project.histories.iter_mut())
            .find(|history| history.id == history_id)
            .ok_or_else(|| {
                AdminError::not_found(format!("deployment history {history_id} does not exist"))
            })?;
        let derived = history.derive(now);
        if derived.is_terminal() {
            return Err(AdminError::conflict(format!(
                "deployment {history_id} already ended with status {}",
                derived.status
            )));
        }
        history.canary_steps = derived.canary_steps;
        history.progress = Progress::Settled {
            status: status.lower().to_owned(),
            end_time: now,
        };
        Ok(Json(json!({ "id": history_id, "status": status.lower() })))
    })
}

#[derive(Deserialize)]
struct Drift {
    project: String,
    stage: String,
    scenario: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    config: Option<ScenarioConfig>,
}

async fn drift_scenario(
    State(emulator): State<Arc<NcpEmulator>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let drift: Drift = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let stage = state
            .projects
            .iter_mut()
            .find(|project| project.name == drift.project)
            .and_then(|project| {
                project
                    .stages
                    .iter_mut()
                    .find(|stage| stage.name == drift.stage)
            })
            .ok_or_else(|| {
                AdminError::not_found(format!("no stage {}/{}", drift.project, drift.stage))
            })?;
        let config = match drift.config {
            Some(config) => Some(validate::scenario_config(stage, config).map_err(|err| {
                AdminError::bad_request(format!("invalid config: {}", err.details()))
            })?),
            None => None,
        };
        let scenario = stage
            .scenarios
            .iter_mut()
            .find(|scenario| scenario.name == drift.scenario)
            .ok_or_else(|| {
                AdminError::not_found(format!(
                    "no scenario {}/{}/{}",
                    drift.project, drift.stage, drift.scenario
                ))
            })?;
        scenarios::apply_edit(scenario, drift.description, config);
        Ok(Json(json!({ "id": scenario.id, "name": scenario.name })))
    })
}

#[derive(Deserialize)]
struct Denied {
    paths: Vec<String>,
}

async fn set_denied(
    State(emulator): State<Arc<NcpEmulator>>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let Denied { paths } = AdminError::parse_body(&body)?;
    let mut denied = lock(&emulator.denied);
    *denied = paths;
    Ok(Json(json!({ "denied": *denied })))
}

/// Answers 401 / 210 for a path the key may not call; runs after the signature check.
pub(super) async fn refuse_denied(
    State(emulator): State<Arc<NcpEmulator>>,
    request: Request,
    next: Next,
) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let denied = lock(&emulator.denied).contains(&path);
    if denied {
        return ApiError::permission_denied(format!("this key may not call {method} {path}"))
            .into_response();
    }
    next.run(request).await
}
