//! The emulated account's mutable state: projects → stages → scenarios, plus each project's
//! deployment history, and the test-set outcomes of future deployments.
//!
//! It is one serde document (the `ncp-sourcedeploy` key of the sandbox state file). Deployment
//! statuses are not stored as they change: a history entry stores when and how it started
//! ([`Progress`]) and its status is derived from the clock when read (see `history.rs`), so a
//! deployment keeps progressing while the sandbox is stopped and restarted.
//!
//! Ids come from one counter, so they are unique across projects, stages, scenarios and
//! history entries, and increase in creation order.

use serde::{Deserialize, Serialize};

use super::error::ApiError;
use crate::providers::common::emulator::Document;
pub(super) use crate::providers::common::emulator::Outcome;
use crate::providers::ncp::wire::{IdName, ScenarioConfig, StageConfig};
use crate::sandbox::{ChangeTracker, StateChange, Tracked};

/// Everything the emulator remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NcpState {
    pub next_id: i64,
    /// Each project is one entry of the state log when it changes (see `sandbox::changes`).
    #[serde(default)]
    pub projects: Vec<Tracked<Project>>,
    #[serde(default)]
    pub outcomes: Vec<OutcomeRule>,
}

impl Default for NcpState {
    fn default() -> Self {
        NcpState {
            next_id: 1,
            projects: Vec::new(),
            outcomes: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Project {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// Oldest first; entries outlive the stage and scenario they deployed.
    #[serde(default)]
    pub histories: Vec<History>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Stage {
    pub id: i64,
    pub name: String,
    pub target_type: String,
    /// Normalised: only the keys of `target_type`, with the names resolved.
    pub config: StageConfig,
    #[serde(default)]
    pub scenarios: Vec<Scenario>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Scenario {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Validated, with the read-only names resolved.
    pub config: ScenarioConfig,
}

/// The outcome of one scenario's future deployments, keyed by names so a test can set it
/// before the tool under test creates the scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OutcomeRule {
    pub project: String,
    pub stage: String,
    pub scenario: String,
    pub outcome: Outcome,
}

/// Canary analysis flavour of a canary deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum CanaryMode {
    Manual,
    Auto,
}

/// One deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct History {
    pub id: i64,
    pub stage: IdName,
    pub scenario: IdName,
    pub target_type: String,
    pub strategy: String,
    pub executor: String,
    pub start_time: i64,
    /// Decided when the deployment is created.
    pub outcome: Outcome,
    #[serde(default)]
    pub canary: Option<CanaryMode>,
    pub progress: Progress,
    /// The canary's pass score (auto analysis), for the analysis report.
    #[serde(default)]
    pub pass_score: Option<i64>,
    /// Canary analyses already decided by a canary accept / reject or a cancel.
    #[serde(default)]
    pub canary_steps: Vec<CanaryStep>,
    /// The scenario (and stage targets) as they were when the deployment was created.
    pub snapshot: Snapshot,
}

/// One canary analysis run: when it started and ended (epoch ms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct CanaryStep {
    pub start: i64,
    pub end: i64,
}

/// Where a deployment is, in a form from which the status at any instant follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub(super) enum Progress {
    /// Created by `deploy/request`: `pending` until accepted or rejected.
    AwaitingApproval,
    /// On the clock from `since`: `waiting`, then `inprogress`, then the canary gate or the
    /// outcome.
    #[serde(rename_all = "camelCase")]
    Timed {
        since: i64,
        waiting_ms: u64,
        running_ms: u64,
    },
    /// A manual canary accepted at `since`: `inprogress` for `running_ms`, then the outcome.
    #[serde(rename_all = "camelCase")]
    Promoting { since: i64, running_ms: u64 },
    /// Manual timing: `inprogress` until finished through the admin API.
    Manual,
    /// Fixed by an action (cancel, reject, finish).
    #[serde(rename_all = "camelCase")]
    Settled { status: String, end_time: i64 },
}

/// The deployment-time copy of what gets deployed where, rendered as the detail's `config[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Snapshot {
    pub strategy: String,
    #[serde(default)]
    pub file: Option<SnapshotFile>,
    #[serde(default)]
    pub targets: Vec<SnapshotTarget>,
    #[serde(default)]
    pub manifest: Option<SnapshotManifest>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct SnapshotFile {
    #[serde(rename = "type")]
    pub source_type: String,
    /// Object key, or the SourceBuild project name.
    pub file: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) enum SnapshotTarget {
    Server { no: i64, name: String },
    Bucket { name: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct SnapshotManifest {
    pub repository: String,
    pub branch: String,
    pub path: Vec<String>,
}

impl NcpState {
    /// The next id; never reused.
    pub(super) fn allocate_id(&mut self) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub(super) fn project(&self, id: i64) -> Result<&Project, ApiError> {
        self.projects
            .iter()
            .find(|project| project.id == id)
            .map(|project| &**project)
            .ok_or_else(|| ApiError::not_found(format!("project {id} does not exist")))
    }

    pub(super) fn project_mut(&mut self, id: i64) -> Result<&mut Project, ApiError> {
        self.projects
            .iter_mut()
            .find(|project| project.id == id)
            .map(|project| &mut **project)
            .ok_or_else(|| ApiError::not_found(format!("project {id} does not exist")))
    }

    /// The outcome set for a scenario by names, success when none is set.
    pub(super) fn outcome_for(&self, project: &str, stage: &str, scenario: &str) -> Outcome {
        self.outcomes
            .iter()
            .find(|rule| {
                rule.project == project && rule.stage == stage && rule.scenario == scenario
            })
            .map_or(Outcome::Success, |rule| rule.outcome)
    }
}

impl Project {
    pub(super) fn id_name(&self) -> IdName {
        IdName {
            id: self.id,
            name: self.name.clone(),
        }
    }

    pub(super) fn stage(&self, id: i64) -> Result<&Stage, ApiError> {
        self.stages
            .iter()
            .find(|stage| stage.id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!("stage {id} does not exist in project {}", self.id))
            })
    }

    pub(super) fn stage_mut(&mut self, id: i64) -> Result<&mut Stage, ApiError> {
        let project = self.id;
        self.stages
            .iter_mut()
            .find(|stage| stage.id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!("stage {id} does not exist in project {project}"))
            })
    }

    pub(super) fn history(&self, id: i64) -> Result<&History, ApiError> {
        self.histories
            .iter()
            .find(|history| history.id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "deployment history {id} does not exist in project {}",
                    self.id
                ))
            })
    }

    pub(super) fn history_mut(&mut self, id: i64) -> Result<&mut History, ApiError> {
        let project = self.id;
        self.histories
            .iter_mut()
            .find(|history| history.id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "deployment history {id} does not exist in project {project}"
                ))
            })
    }
}

impl Stage {
    pub(super) fn id_name(&self) -> IdName {
        IdName {
            id: self.id,
            name: self.name.clone(),
        }
    }

    pub(super) fn scenario(&self, id: i64) -> Result<&Scenario, ApiError> {
        self.scenarios
            .iter()
            .find(|scenario| scenario.id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!("scenario {id} does not exist in stage {}", self.id))
            })
    }

    pub(super) fn scenario_mut(&mut self, id: i64) -> Result<&mut Scenario, ApiError> {
        let stage = self.id;
        self.scenarios
            .iter_mut()
            .find(|scenario| scenario.id == id)
            .ok_or_else(|| {
                ApiError::not_found(format!("scenario {id} does not exist in stage {stage}"))
            })
    }
}

impl Scenario {
    pub(super) fn id_name(&self) -> IdName {
        IdName {
            id: self.id,
            name: self.name.clone(),
        }
    }
}

/// A loaded document continues from past every id it holds: ids come from one counter.
/// Each project (with its stages, scenarios and history) is one entity of the state log.
impl Document for NcpState {
    fn track(&mut self, logged: &mut ChangeTracker, changes: &mut Vec<StateChange>) -> Option<()> {
        // Every field but the projects, whatever fields the state grows: the projects are
        // moved out (no copy) while the rest is serialized.
        let projects = std::mem::take(&mut self.projects);
        let rest = serde_json::to_value(&*self);
        self.projects = projects;
        logged.fields(rest, &["projects"], changes)?;
        let id = |project: &Project| serde_json::Value::from(project.id);
        logged.collection("projects", "id", &self.projects, id, changes);
        Some(())
    }

    fn repair(&mut self) {
        let highest = self
            .projects
            .iter()
            .flat_map(|project| {
                let stages = project.stages.iter().flat_map(|stage| {
                    std::iter::once(stage.id)
                        .chain(stage.scenarios.iter().map(|scenario| scenario.id))
                });
                std::iter::once(project.id)
                    .chain(stages)
                    .chain(project.histories.iter().map(|history| history.id))
            })
            .max()
            .unwrap_or(0);
        self.next_id = self.next_id.max(highest + 1).max(1);
    }
}
