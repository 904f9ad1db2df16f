//! Deployment history: the status of a deployment at any instant, and the read operations
//! (list, detail, canary analysis steps and reports).
//!
//! A deployment's status is a pure function of its [`Progress`] and the clock:
//!
//! | Progress | Status over time |
//! |---|---|
//! | `AwaitingApproval` | `pending` |
//! | `Timed` | `waiting` (waiting_ms) → `inprogress` (running_ms) → outcome |
//! | `Timed`, manual canary | … → `canary_pending` until canary accept / reject |
//! | `Timed`, auto canary | … → `canary_analyzing` (running_ms) → outcome |
//! | `Promoting` (accepted canary) | `inprogress` (running_ms) → outcome |
//! | `Manual` | `inprogress` until finished through the admin API |
//! | `Settled` | the status an action fixed (`canceled`, `reject`, `canary_reject`, …) |
//!
//! The outcome is `success` unless the admin API set `fail` for the scenario before the
//! deployment started. Every target of the detail shows the deployment's status.

use std::sync::Arc;

use axum::extract::State;
use serde_json::{Map, Value, json};

use super::NcpEmulator;
use super::error::{ApiError, ApiResult, ok};
use super::request::{Params, QueryPairs};
use super::state::{CanaryMode, CanaryStep, History, Progress, Snapshot, SnapshotTarget};
use crate::providers::common::emulator::now_ms;
use crate::providers::ncp::wire::{HistoryDetail, HistoryList, HistorySummary, history_status};

/// A deployment as seen at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Derived {
    pub status: String,
    pub end_time: Option<i64>,
    pub canary_steps: Vec<CanaryStep>,
}

impl Derived {
    pub(super) fn is_terminal(&self) -> bool {
        history_status::is_terminal(&self.status)
    }
}

fn after(start: i64, ms: u64) -> i64 {
    start.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))
}

impl History {
    /// The deployment's status at `now` (epoch ms).
    pub(super) fn derive(&self, now: i64) -> Derived {
        let mut canary_steps = self.canary_steps.clone();
        let outcome = self.outcome.lower();
        let (status, end_time) = match &self.progress {
            Progress::AwaitingApproval => (history_status::PENDING, None),
            Progress::Manual => (history_status::IN_PROGRESS, None),
            Progress::Settled { status, end_time } => {
                return Derived {
                    status: status.clone(),
                    end_time: Some(*end_time),
                    canary_steps,
                };
            }
            Progress::Promoting { since, running_ms } => {
                let done = after(*since, *running_ms);
                if now < done {
                    (history_status::IN_PROGRESS, None)
                } else {
                    (outcome, Some(done))
                }
            }
            Progress::Timed {
                since,
                waiting_ms,
                running_ms,
            } => {
                let ready = after(*since, *waiting_ms);
                let ran = after(ready, *running_ms);
                if now < ready {
                    (history_status::WAITING, None)
                } else if now < ran {
                    (history_status::IN_PROGRESS, None)
                } else {
                    match self.canary {
                        Some(CanaryMode::Manual) => {
                            canary_steps.push(CanaryStep {
                                start: ready,
                                end: ran,
                            });
                            (history_status::CANARY_PENDING, None)
                        }
                        Some(CanaryMode::Auto) => {
                            let analyzed = after(ran, *running_ms);
                            if now < analyzed {
                                (history_status::CANARY_ANALYZING, None)
                            } else {
                                canary_steps.push(CanaryStep {
                                    start: ran,
                                    end: analyzed,
                                });
                                (outcome, Some(analyzed))
                            }
                        }
                        None => (outcome, Some(ran)),
                    }
                }
            }
        };
        Derived {
            status: status.to_owned(),
            end_time,
            canary_steps,
        }
    }
}

/// `GET /api/v1/project/{projectId}/history?pageNo=&pageSize=`, newest first.
pub(super) async fn list(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
    query: QueryPairs,
) -> ApiResult<HistoryList> {
    let project_id = params.id("projectId")?;
    let paging = query.paging()?;
    let now = now_ms();
    emulator.with_state(|state| {
        let project = state.project(project_id)?;
        let newest_first = project
            .histories
            .iter()
            .rev()
            .map(|history| HistorySummary {
                project: Some(project.id_name()),
                stage: Some(history.stage.clone()),
                scenario: Some(history.scenario.clone()),
                id: history.id,
                start_time: Some(history.start_time),
                status: history.derive(now).status,
            });
        ok(HistoryList {
            history_list: paging.page(newest_first),
        })
    })
}

/// `GET /api/v1/project/{projectId}/history/{historyId}`
pub(super) async fn detail(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<HistoryDetail> {
    let (project_id, history_id) = (params.id("projectId")?, params.id("historyId")?);
    let now = now_ms();
    emulator.with_state(|state| {
        let project = state.project(project_id)?;
        let history = project.history(history_id)?;
        let derived = history.derive(now);
        ok(HistoryDetail {
            project: Some(project.id_name()),
            stage: Some(history.stage.clone()),
            scenario: Some(history.scenario.clone()),
            id: history.id,
            strategy: Some(history.strategy.clone()),
            executor: Some(history.executor.clone()),
            start_time: Some(history.start_time),
            end_time: derived.end_time,
            target_type: Some(history.target_type.clone()),
            config: vec![render_snapshot(&history.snapshot, &derived.status)],
            status: derived.status,
        })
    })
}

/// `GET …/history/{historyId}/report`: `{stageList:[end times]}` of finished canary
/// analyses; empty for a deployment that is not a canary (or not analysed yet).
pub(super) async fn report_steps(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Value> {
    let (project_id, history_id) = (params.id("projectId")?, params.id("historyId")?);
    let now = now_ms();
    emulator.with_state(|state| {
        let history = state.project(project_id)?.history(history_id)?;
        let ends: Vec<i64> = history
            .derive(now)
            .canary_steps
            .iter()
            .map(|step| step.end)
            .collect();
        ok(json!({ "stageList": ends }))
    })
}

/// `GET …/history/{historyId}/report/{endTime}`: the analysis that ended at `endTime`.
/// The score follows the deployment's outcome: above the pass score for success, below it
/// for failure.
pub(super) async fn report(
    State(emulator): State<Arc<NcpEmulator>>,
    params: Params,
) -> ApiResult<Value> {
    let (project_id, history_id) = (params.id("projectId")?, params.id("historyId")?);
    let end_time = params.id("endTime")?;
    let now = now_ms();
    emulator.with_state(|state| {
        let history = state.project(project_id)?.history(history_id)?;
        let derived = history.derive(now);
        let step = derived
            .canary_steps
            .iter()
            .find(|step| step.end == end_time)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "deployment {history_id} has no canary analysis ending at {end_time}"
                ))
            })?;
        let pass_score = history.pass_score.unwrap_or(70);
        let passed = history.outcome.lower() == history_status::SUCCESS;
        let score = if passed {
            pass_score.max(90)
        } else {
            pass_score / 2
        };
        ok(json!({
            "status": if passed { "pass" } else { "fail" },
            "score": score,
            "passScore": pass_score,
            "start": step.start,
            "end": step.end,
        }))
    })
}

/// The detail's `config[0]`: what was deployed where, as snapshotted at the start.
fn render_snapshot(snapshot: &Snapshot, status: &str) -> Value {
    let mut config = Map::new();
    config.insert("strategy".into(), json!(snapshot.strategy));
    if let Some(file) = &snapshot.file {
        config.insert(
            "file".into(),
            json!({ "type": file.source_type, "file": file.file }),
        );
    }
    if let Some(manifest) = &snapshot.manifest {
        config.insert(
            "manifest".into(),
            json!({ "repository": manifest.repository, "branch": manifest.branch, "path": manifest.path }),
        );
    } else {
        let targets: Vec<Value> = snapshot
            .targets
            .iter()
            .map(|target| match target {
                SnapshotTarget::Server { no, name } => {
                    json!({ "server": { "no": no, "name": name }, "status": status })
                }
                SnapshotTarget::Bucket { name } => {
                    json!({ "bucket": { "name": name }, "status": status })
                }
            })
            .collect();
        config.insert("targets".into(), Value::Array(targets));
    }
    Value::Object(config)
}
