//! The emulator's mutable state, one serde document (the `axhub` key of the sandbox state
//! file): tenants, repositories (the commits deployments build), apps (with their git
//! connection, staging switch and production pointer), deployments and the tokens the
//! admin API issued (only their SHA-256 is kept). Each of those is one entity of the
//! state log; the counters and switches are its fields.

use serde::{Deserialize, Serialize};
use serde_json::{Value, to_value};

use super::seed;
use crate::providers::common::emulator::Document;
use crate::sandbox::{ChangeTracker, StateChange, Tracked};

/// Everything the emulator remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct AxState {
    /// The next deployment's sequence number (ids are derived from it; lists sort by it).
    pub next_deployment: u64,
    /// Image builds since the seed, over all apps: tests assert "one build, not two".
    pub builds: u64,
    /// The admin switch that makes GitHub connects answer 428 `github_relogin_required`.
    #[serde(default)]
    pub github_relogin_required: bool,
    #[serde(default)]
    pub tenants: Vec<Tracked<Tenant>>,
    #[serde(default)]
    pub repos: Vec<Tracked<Repo>>,
    #[serde(default)]
    pub apps: Vec<Tracked<App>>,
    #[serde(default)]
    pub deployments: Vec<Tracked<Deployment>>,
    #[serde(default)]
    pub tokens: Vec<Tracked<Token>>,
}

impl Default for AxState {
    fn default() -> Self {
        let mut state = AxState {
            next_deployment: 1,
            builds: 0,
            github_relogin_required: false,
            tenants: seed::tenants().into_iter().map(Tracked::new).collect(),
            repos: seed::repos().into_iter().map(Tracked::new).collect(),
            apps: seed::apps().into_iter().map(Tracked::new).collect(),
            deployments: seed::deployments().into_iter().map(Tracked::new).collect(),
            tokens: Vec::new(),
        };
        state.repair();
        state
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// A GitHub repository as far as deployments need it: its branches' heads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Repo {
    pub full_name: String,
    pub default_branch: String,
    /// `(name, head sha)`.
    pub branches: Vec<(String, String)>,
    /// Every commit, oldest first.
    pub commits: Vec<String>,
}

impl Repo {
    pub(super) fn head(&self, branch: &str) -> Option<&str> {
        self.branches
            .iter()
            .find(|(name, _)| name == branch)
            .map(|(_, sha)| sha.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct GitConnection {
    pub repo_full_name: String,
    pub branch: String,
    pub installation_id: i64,
}

/// How the admin API says the app's next deployments fail: `failure_reason` as the live
/// service writes it; `stage` is also the `current_stage` the deployment keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Failure {
    pub stage: String,
    pub code: String,
    pub category: String,
    pub message: String,
}

/// A rollback accepted but not applied yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PendingRollback {
    pub deployment_id: String,
    /// When it applies on the clock (epoch ms); `None` waits for the admin API (Manual).
    pub due: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct App {
    pub id: String,
    pub tenant_id: String,
    pub slug: String,
    pub name: String,
    pub subdomain: Option<String>,
    pub git: Option<GitConnection>,
    /// A reviewed (public) app: deploys need staging on.
    pub staging_required: bool,
    pub staging_enabled: bool,
    pub production_deployment_id: Option<String>,
    pub staging_deployment_id: Option<String>,
    /// Image builds of this app.
    pub builds: u64,
    /// Set by the admin API: how the next deployments end (`None`: they succeed).
    pub outcome: Option<Failure>,
    /// Destructive schema changes happened since earlier versions: rollbacks need
    /// `confirm_schema_skew`.
    pub schema_skew: bool,
    pub pending_rollback: Option<PendingRollback>,
    pub created_at: i64,
}

/// A deployment's status, AxHub's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Status {
    Pending,
    Building,
    Pushing,
    Deploying,
    Succeeded,
    Failed,
    Cancelled,
}

impl Status {
    pub(super) fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Building => "building",
            Status::Pushing => "pushing",
            Status::Deploying => "deploying",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }

    pub(super) fn terminal(self) -> bool {
        matches!(self, Status::Succeeded | Status::Failed | Status::Cancelled)
    }

    /// The stage after this one while running; `None` from `deploying` (it finishes).
    pub(super) fn next_stage(self) -> Option<Status> {
        match self {
            Status::Pending => Some(Status::Building),
            Status::Building => Some(Status::Pushing),
            Status::Pushing => Some(Status::Deploying),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Deployment {
    pub id: String,
    pub app_id: String,
    /// Creation order (newest first in lists).
    pub seq: u64,
    pub commit_sha: String,
    pub status: Status,
    pub current_stage: Option<String>,
    pub trigger_source: String,
    pub image_uri: Option<String>,
    pub failure_reason: Option<Value>,
    pub started_at: i64,
    pub completed_at: Option<i64>,
    pub cancel_requested_at: Option<i64>,
    /// Builds its image (false: reuses the image an earlier build of the commit pushed).
    pub builds_image: bool,
    /// Lands on staging (the app had staging on when it started), not production.
    pub to_staging: bool,
    /// The release version, given when it succeeds.
    pub version: Option<u64>,
    /// A review approved this version.
    pub approved: bool,
    /// `(waiting_ms, running_ms)` when it progresses on the clock; `None`: by admin calls.
    pub timed: Option<(u64, u64)>,
}

/// A token the admin API issued: only its SHA-256 is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Token {
    pub sha256: String,
    /// A tenant admin (may deploy); otherwise a member (reads only).
    pub admin: bool,
}

impl AxState {
    /// The app with this id or slug.
    pub(super) fn app_index(&self, key: &str) -> Option<usize> {
        self.apps
            .iter()
            .position(|app| app.id == key || app.slug == key)
    }

    pub(super) fn repo(&self, full_name: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .map(|r| &**r)
            .find(|r| r.full_name == full_name)
    }

    pub(super) fn deployment_index(&self, app_id: &str, id: &str) -> Option<usize> {
        self.deployments
            .iter()
            .position(|d| d.app_id == app_id && d.id == id)
    }

    /// The app's deployments, newest first.
    pub(super) fn deployments_of(&self, app_id: &str) -> Vec<&Deployment> {
        let mut list: Vec<&Deployment> = self
            .deployments
            .iter()
            .map(|d| &**d)
            .filter(|d| d.app_id == app_id)
            .collect();
        list.sort_by_key(|d| std::cmp::Reverse(d.seq));
        list
    }
}

impl Document for AxState {
    fn track(&mut self, logged: &mut ChangeTracker, changes: &mut Vec<StateChange>) -> Option<()> {
        const COLLECTIONS: &[&str] = &["tenants", "repos", "apps", "deployments", "tokens"];
        logged.fields(to_value(&*self), COLLECTIONS, changes)?;
        let id = |tenant: &Tenant| Value::from(tenant.id.clone());
        logged.collection("tenants", "id", &self.tenants, id, changes);
        let id = |repo: &Repo| Value::from(repo.full_name.clone());
        logged.collection("repos", "full_name", &self.repos, id, changes);
        let id = |app: &App| Value::from(app.id.clone());
        logged.collection("apps", "id", &self.apps, id, changes);
        let id = |d: &Deployment| Value::from(d.id.clone());
        logged.collection("deployments", "id", &self.deployments, id, changes);
        let id = |token: &Token| Value::from(token.sha256.clone());
        logged.collection("tokens", "sha256", &self.tokens, id, changes);
        Some(())
    }

    /// Puts back seeded objects a file lacks and moves the sequence past every deployment.
    fn repair(&mut self) {
        for tenant in seed::tenants() {
            if !self.tenants.iter().any(|held| held.id == tenant.id) {
                self.tenants.push(Tracked::new(tenant));
            }
        }
        for repo in seed::repos() {
            if !self
                .repos
                .iter()
                .any(|held| held.full_name == repo.full_name)
            {
                self.repos.push(Tracked::new(repo));
            }
        }
        for app in seed::apps() {
            if !self.apps.iter().any(|held| held.id == app.id) {
                self.apps.push(Tracked::new(app));
            }
        }
        let past = self
            .deployments
            .iter()
            .map(|d| d.seq + 1)
            .max()
            .unwrap_or(1);
        self.next_deployment = self.next_deployment.max(past);
    }
}
