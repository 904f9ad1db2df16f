//! The emulated project's mutable state: issued tokens, uploaded binaries (their metadata;
//! the bytes are files, see `blobs.rs`), deployments, and the test settings.
//!
//! It is one serde document, the `nhn-deploy` key of the sandbox state file. As in the NCP
//! emulator, a deployment's status is not stored as it changes: it stores when it will be
//! done ([`Progress`]) and the per-host results decided when it started, and its status is
//! derived from the clock when read, so it keeps progressing across a restart.

use serde::{Deserialize, Serialize};

use crate::providers::common::emulator::Document;
/// How a group's future deployments end (default success): `lower()` is the run-deployment
/// spelling (`deployStatus`, per-host `status`), `upper()` the history's (`totalResult`).
pub(super) use crate::providers::common::emulator::Outcome;
use crate::sandbox::{ChangeTracker, StateChange, Tracked};

/// Default lifetime of issued tokens: 86,400 s, the EN guide's default (the KO page says one
/// hour; `providers.md` §2.1).
pub(super) const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 86_400;

/// Default upload limit. The guides state none; 2 GiB keeps a 1 GiB upload legal.
pub(super) const DEFAULT_MAX_UPLOAD_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Everything the emulator remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NhnState {
    pub next_binary_key: i64,
    pub next_deploy_key: i64,
    #[serde(default = "default_token_lifetime")]
    pub token_lifetime_secs: u64,
    /// Token answers carry `expires_in` as a string (the document's table) rather than a
    /// number (its sample).
    #[serde(default)]
    pub token_lifetime_as_text: bool,
    #[serde(default = "default_max_upload")]
    pub max_upload_bytes: u64,
    /// Tokens, binaries and deployments are each one entry of the state log when they
    /// change (see `sandbox::changes`).
    #[serde(default)]
    pub tokens: Vec<Tracked<IssuedToken>>,
    /// Upload order.
    #[serde(default)]
    pub binaries: Vec<Tracked<StoredBinary>>,
    /// Start order.
    #[serde(default)]
    pub deployments: Vec<Tracked<Deployment>>,
    #[serde(default)]
    pub outcomes: Vec<OutcomeRule>,
}

fn default_token_lifetime() -> u64 {
    DEFAULT_TOKEN_LIFETIME_SECS
}

fn default_max_upload() -> u64 {
    DEFAULT_MAX_UPLOAD_BYTES
}

impl Default for NhnState {
    fn default() -> Self {
        NhnState {
            next_binary_key: 1001,
            next_deploy_key: 5001,
            token_lifetime_secs: DEFAULT_TOKEN_LIFETIME_SECS,
            token_lifetime_as_text: false,
            max_upload_bytes: DEFAULT_MAX_UPLOAD_BYTES,
            tokens: Vec::new(),
            binaries: Vec::new(),
            deployments: Vec::new(),
            outcomes: Vec::new(),
        }
    }
}

/// A bearer token handed out by the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IssuedToken {
    pub token: String,
    pub user: String,
    /// Epoch ms; the token is refused from this instant on.
    pub expires_at: i64,
}

/// One uploaded binary. The bytes are the blob file named after `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StoredBinary {
    pub key: i64,
    pub artifact_id: i64,
    pub binary_group_key: i64,
    pub version: String,
    /// The uploaded file's name.
    pub name: String,
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    /// Epoch ms.
    pub upload_date: i64,
    pub uploader: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Client artifacts only: `iOS`, `Android` or `etc`.
    #[serde(default)]
    pub os_type: Option<String>,
    /// Client artifacts only.
    #[serde(default)]
    pub fix: Option<bool>,
    /// The iOS plist's file name (its bytes are checked, not kept).
    #[serde(default)]
    pub meta_file_name: Option<String>,
}

/// The outcome of one server group's future deployments, keyed by names. With `hosts`, only
/// those hosts fail (the others succeed); without, every host fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct OutcomeRule {
    pub artifact: String,
    pub server_group: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
}

/// What happened (or will have happened) on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum HostOutcome {
    Success,
    Fail,
    /// Not run: an earlier batch failed and `nextWhenFail` was false.
    Skipped,
}

impl HostOutcome {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            HostOutcome::Success => "success",
            HostOutcome::Fail => "fail",
            HostOutcome::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct HostPlan {
    pub hostname: String,
    pub result: HostOutcome,
}

/// Where a deployment is, in a form from which its status at any instant follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "camelCase")]
pub(super) enum Progress {
    /// `RUNNING` until `until` (epoch ms), then the planned outcome.
    Timed { until: i64 },
    /// `RUNNING` until finished through the admin API (`Manual` timing, async runs).
    Manual,
    /// Ended by the admin API.
    Settled { outcome: Outcome, at: i64 },
}

/// One deployment: one element of a run-deployment answer and one history entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Deployment {
    pub deploy_key: i64,
    pub artifact_id: i64,
    pub server_group_id: i64,
    pub server_group_name: String,
    /// The Auto Scaling group this element deployed to (autoscale server groups only).
    #[serde(default)]
    pub autoscale_group: Option<String>,
    pub scenario_ids: Vec<i64>,
    pub scenario_name: String,
    pub binary_key: i64,
    pub binary_version: String,
    pub execute_user: String,
    #[serde(default)]
    pub deploy_note: Option<String>,
    pub concurrent_num: u32,
    pub next_when_fail: bool,
    /// Epoch ms.
    pub started: i64,
    pub progress: Progress,
    /// Decided at the start, in execution order.
    pub hosts: Vec<HostPlan>,
}

impl Deployment {
    /// The outcome the host plan leads to.
    pub(super) fn planned(&self) -> Outcome {
        if self
            .hosts
            .iter()
            .any(|host| host.result == HostOutcome::Fail)
        {
            Outcome::Fail
        } else {
            Outcome::Success
        }
    }

    /// The outcome at `now`, or `None` while running.
    pub(super) fn outcome_at(&self, now: i64) -> Option<Outcome> {
        match self.progress {
            Progress::Timed { until } => (now >= until).then(|| self.planned()),
            Progress::Manual => None,
            Progress::Settled { outcome, .. } => Some(outcome),
        }
    }

    /// The per-host results once ended: the plan, unless the admin API settled the run on
    /// the other outcome, in which case every host shows that outcome.
    pub(super) fn host_results(&self, outcome: Outcome) -> Vec<HostPlan> {
        if outcome == self.planned() {
            return self.hosts.clone();
        }
        let result = match outcome {
            Outcome::Success => HostOutcome::Success,
            Outcome::Fail => HostOutcome::Fail,
        };
        self.hosts
            .iter()
            .map(|host| HostPlan {
                hostname: host.hostname.clone(),
                result,
            })
            .collect()
    }
}

/// A loaded document continues with counters past every key handed out. Each token, binary
/// and deployment is one entity of the state log.
impl Document for NhnState {
    fn track(&mut self, logged: &mut ChangeTracker, changes: &mut Vec<StateChange>) -> Option<()> {
        use serde_json::{Value, to_value};
        // Every field but the collections, whatever fields the state grows: the collections
        // are moved out (no copy) while the rest is serialized.
        let tokens = std::mem::take(&mut self.tokens);
        let binaries = std::mem::take(&mut self.binaries);
        let deployments = std::mem::take(&mut self.deployments);
        let rest = to_value(&*self);
        (self.tokens, self.binaries, self.deployments) = (tokens, binaries, deployments);
        let collections = ["tokens", "binaries", "deployments"];
        logged.fields(rest, &collections, changes)?;
        let token = |t: &IssuedToken| Value::from(t.token.as_str());
        logged.collection("tokens", "token", &self.tokens, token, changes);
        let key = |b: &StoredBinary| Value::from(b.key);
        logged.collection("binaries", "key", &self.binaries, key, changes);
        let deploy_key = |d: &Deployment| Value::from(d.deploy_key);
        logged.collection(
            "deployments",
            "deployKey",
            &self.deployments,
            deploy_key,
            changes,
        );
        Some(())
    }

    fn repair(&mut self) {
        let binary = self.binaries.iter().map(|binary| binary.key).max();
        let deploy = self.deployments.iter().map(|run| run.deploy_key).max();
        self.next_binary_key = self.next_binary_key.max(binary.map_or(1, |key| key + 1));
        self.next_deploy_key = self.next_deploy_key.max(deploy.map_or(1, |key| key + 1));
    }
}

impl NhnState {
    /// The rule set for a server group by names, if any.
    pub(super) fn outcome_rule(&self, artifact: &str, server_group: &str) -> Option<&OutcomeRule> {
        self.outcomes
            .iter()
            .find(|rule| rule.artifact == artifact && rule.server_group == server_group)
    }

    /// The binaries of one binary group, upload order.
    pub(super) fn binaries_in(&self, artifact_id: i64, group: i64) -> Vec<&StoredBinary> {
        self.binaries
            .iter()
            .filter(|binary| binary.artifact_id == artifact_id && binary.binary_group_key == group)
            .map(|binary| &**binary)
            .collect()
    }

    /// The newest execute date of an artifact's deployments (epoch ms).
    pub(super) fn last_deploy(&self, artifact_id: i64) -> Option<i64> {
        self.deployments
            .iter()
            .filter(|run| run.artifact_id == artifact_id)
            .map(|run| run.started)
            .max()
    }
}
