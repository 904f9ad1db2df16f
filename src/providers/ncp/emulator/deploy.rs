//! Deployment actions: start, request approval, approve / reject, cancel, canary decisions.
//!
//! None of these calls takes a body (any body is ignored). Starting refuses (400) while the
//! scenario's latest deployment is not terminal — the one-at-a-time rule the engine relies
//! on — and when the scenario's file is `later` (set at deploy time in the console, which
//! this API cannot do). The deployment snapshots the scenario and stage targets at creation,
//! so later edits do not change what its history shows. A decision on a deployment in the
//! wrong status is 400 with the status in the details. Cancel settles at once on `canceled`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;

use super::NcpEmulator;
use super::auth::Caller;
use super::error::{ApiError, ApiResult, ok};
use super::history::Derived;
use super::request::Params;
use super::seed;
use super::state::{
    CanaryMode, History, NcpState, Progress, Scenario, Snapshot, SnapshotFile, SnapshotManifest,
    SnapshotTarget, Stage,
};
use crate::providers::common::emulator::now_ms;
use crate::providers::ncp::wire::{Ack, HistoryId, history_status, stage_type};

/// `POST …/scenario/{scenarioId}/deploy`
pub(super) async fn start(
    State(emulator): State<Arc<NcpEmulator>>,
    caller: Option<Extension<Caller>>,
    params: Params,
) -> ApiResult<HistoryId> {
    create(&emulator, &params, caller, false)
}

/// `POST …/scenario/{scenarioId}/deploy/request`: a deployment `pending` approval.
pub(super) async fn request(
    State(emulator): State<Arc<NcpEmulator>>,
    caller: Option<Extension<Caller>>,
    params: Params,
) -> ApiResult<HistoryId> {
    create(&emulator, &params, caller, true)
}

fn create(
    emulator: &NcpEmulator,
    params: &Params,
    caller: Option<Extension<Caller>>,
    approval: bool,
) -> ApiResult<HistoryId> {
    let (project_id, stage_id, scenario_id) = (
        params.id("projectId")?,
        params.id("stageId")?,
        params.id("scenarioId")?,
    );
    let executor = caller
        .map_or("sandbox-demo", |Extension(Caller(user))| user)
        .to_owned();
    let now = now_ms();
    emulator.with_state(|state| {
        let project = state.project(project_id)?;
        let stage = project.stage(stage_id)?;
        let scenario = stage.scenario(scenario_id)?;
        let latest = project.histories.iter().filter(|history| history.scenario.id == scenario_id).max_by_key(|history| history.id);
        if let Some(latest) = latest {
            let derived = latest.derive(now);
            if !derived.is_terminal() {
                return Err(ApiError::bad_request(format!(
                    "scenario {scenario_id} already has deployment {} in status {}; wait for it or cancel it",
                    latest.id, derived.status
                )));
            }
        }
        let snapshot = snapshot(stage, scenario)?;
        let canary = scenario.config.canary_config.as_ref().filter(|_| snapshot.strategy == "canary");
        let history = History {
            id: state.next_id,
            stage: stage.id_name(),
            scenario: scenario.id_name(),
            target_type: stage.target_type.clone(),
            strategy: snapshot.strategy.clone(),
            executor,
            start_time: now,
            outcome: state.outcome_for(&project.name, &stage.name, &scenario.name),
            canary: canary.map(|canary| {
                if canary.analysis_type == "auto" { CanaryMode::Auto } else { CanaryMode::Manual }
            }),
            pass_score: canary.and_then(|canary| canary.pass_score),
            progress: if approval { Progress::AwaitingApproval } else { emulator.start_progress(now) },
            canary_steps: Vec::new(),
            snapshot,
        };
        let history_id = history.id;
        state.project_mut(project_id)?.histories.push(history);
        state.next_id += 1;
        ok(HistoryId { history_id })
    })
}

/// The deployment-time copy of the scenario and its stage's targets.
fn snapshot(stage: &Stage, scenario: &Scenario) -> Result<Snapshot, ApiError> {
    let config = &scenario.config;
    let strategy = config
        .strategy
        .clone()
        .unwrap_or_else(|| "normal".to_owned());
    if stage.target_type == stage_type::KUBERNETES_SERVICE {
        let manifest = config.manifest.as_ref().ok_or_else(|| {
            ApiError::bad_request(format!(
                "scenario {} has no manifest to deploy",
                scenario.id
            ))
        })?;
        let manifest = SnapshotManifest {
            repository: manifest.repository.clone(),
            branch: manifest.branch.clone(),
            path: manifest.path.clone(),
        };
        return Ok(Snapshot {
            strategy,
            file: None,
            targets: Vec::new(),
            manifest: Some(manifest),
        });
    }
    let file = config.file.as_ref();
    let file = match (file.map(|file| file.source_type.as_str()), file) {
        (Some("ObjectStorage"), Some(file)) => file
            .object_storage
            .as_ref()
            .map(|object| object.object.clone()),
        (Some("SourceBuild"), Some(file)) => file
            .source_build
            .as_ref()
            .map(|build| build.name.clone().unwrap_or_else(|| build.id.to_string())),
        _ => None,
    }
    .zip(file)
    .map(|(name, file)| SnapshotFile {
        source_type: file.source_type.clone(),
        file: name,
    })
    .ok_or_else(|| {
        ApiError::bad_request(format!(
            "scenario {} has no deployment file (file.type later); choose one before deploying",
            scenario.id
        ))
    })?;
    let targets = match stage.target_type.as_str() {
        stage_type::SERVER => {
            let numbers = stage.config.server_no.clone().unwrap_or_default();
            let names = stage.config.server_name.clone().unwrap_or_default();
            numbers
                .into_iter()
                .enumerate()
                .map(|(index, no)| SnapshotTarget::Server {
                    no,
                    name: names.get(index).cloned().unwrap_or_default(),
                })
                .collect()
        }
        stage_type::AUTOSCALING_GROUP => stage
            .config
            .auto_scaling_group_no
            .and_then(seed::auto_scaling_group)
            .map(|group| group.instances)
            .unwrap_or_default()
            .iter()
            .map(|server| SnapshotTarget::Server {
                no: server.no,
                name: server.name.to_owned(),
            })
            .collect(),
        _ => stage
            .config
            .bucket_name
            .iter()
            .map(|name| SnapshotTarget::Bucket { name: name.clone() })
            .collect(),
    };
    Ok(Snapshot {
        strategy,
        file: Some(file),
        targets,
        manifest: None,
    })
}

/// Runs `decide` on one deployment as it stands now; answers the ack.
fn act(
    emulator: &NcpEmulator,
    params: &Params,
    decide: impl FnOnce(&NcpEmulator, &Derived, i64) -> Result<Progress, String>,
) -> ApiResult<Ack> {
    let (project_id, history_id) = (params.id("projectId")?, params.id("historyId")?);
    let now = now_ms();
    emulator.with_state(|state: &mut NcpState| {
        let history = state.project_mut(project_id)?.history_mut(history_id)?;
        let derived = history.derive(now);
        let progress = decide(emulator, &derived, now).map_err(|expected| {
            ApiError::bad_request(format!(
                "deployment {history_id} is {}; this action needs it {expected}",
                derived.status
            ))
        })?;
        history.canary_steps = derived.canary_steps;
        history.progress = progress;
        ok(Ack::Wrapped { result: true })
    })
}

fn settled(status: &str, now: i64) -> Progress {
    Progress::Settled {
        status: status.to_owned(),
        end_time: now,
    }
}

/// `POST /api/v1/project/{projectId}/history/{historyId}/approval/accept`
pub(super) async fn approve(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    act(&emulator, &params, |emulator, derived, now| {
        match derived.status.as_str() {
            history_status::PENDING => Ok(emulator.start_progress(now)),
            _ => Err("pending approval".to_owned()),
        }
    })
}

/// `POST /api/v1/project/{projectId}/history/{historyId}/approval/reject`
pub(super) async fn reject(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    act(&emulator, &params, |_, derived, now| {
        match derived.status.as_str() {
            history_status::PENDING => Ok(settled(history_status::REJECT, now)),
            _ => Err("pending approval".to_owned()),
        }
    })
}

/// `POST /api/v1/project/{projectId}/history/{historyId}/cancel`
pub(super) async fn cancel(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    act(&emulator, &params, |_, derived, now| {
        if derived.is_terminal() {
            Err("not finished yet".to_owned())
        } else {
            Ok(settled(history_status::CANCELED, now))
        }
    })
}

/// `POST /api/v1/project/{projectId}/history/{historyId}/canary/accept`: promotes the
/// canary; the deployment runs again for the running time, then takes its outcome.
pub(super) async fn canary_accept(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    act(&emulator, &params, |emulator, derived, now| {
        match derived.status.as_str() {
            history_status::CANARY_PENDING => Ok(emulator.promote_progress(now)),
            _ => Err(history_status::CANARY_PENDING.to_owned()),
        }
    })
}

/// `POST /api/v1/project/{projectId}/history/{historyId}/canary/reject`
pub(super) async fn canary_reject(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Ack> {
    act(&emulator, &params, |_, derived, now| {
        match derived.status.as_str() {
            history_status::CANARY_PENDING => Ok(settled(history_status::CANARY_REJECT, now)),
            _ => Err(history_status::CANARY_PENDING.to_owned()),
        }
    })
}
