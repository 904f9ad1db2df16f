//! The emulator's mutable state, one serde document (the `github` key of the sandbox state
//! file): repositories with their commits and refs, environments with everything under them
//! (protection, branch policies, variables, secrets, the key pair secrets are sealed for),
//! and deployments with their statuses. Each repository, environment and deployment is one
//! entity of the state log. Secret values are never kept: only the SHA-256 of each
//! decrypted value, so the state file holds nothing a reader could use.

use serde::{Deserialize, Serialize};
use serde_json::{Value, to_value};

use super::seed;
use crate::providers::common::emulator::Document;
use crate::sandbox::{ChangeTracker, StateChange, Tracked};

/// Everything the emulator remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct GhState {
    pub next_repo_id: i64,
    pub next_environment_id: i64,
    pub next_policy_id: i64,
    pub next_deployment_id: i64,
    pub next_status_id: i64,
    /// Id order.
    #[serde(default)]
    pub repos: Vec<Tracked<Repo>>,
    /// Creation order.
    #[serde(default)]
    pub environments: Vec<Tracked<Environment>>,
    /// Creation order (ids ascending).
    #[serde(default)]
    pub deployments: Vec<Tracked<Deployment>>,
}

impl Default for GhState {
    fn default() -> Self {
        let repos: Vec<Tracked<Repo>> = seed::repos().into_iter().map(Tracked::new).collect();
        let next_repo_id = repos.iter().map(|repo| repo.id).max().unwrap_or(0) + 1;
        GhState {
            next_repo_id,
            next_environment_id: 3_001,
            next_policy_id: 7_001,
            next_deployment_id: 1,
            next_status_id: 1,
            repos,
            environments: Vec::new(),
            deployments: Vec::new(),
        }
    }
}

/// A repository and its git data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Repo {
    pub id: i64,
    pub owner: String,
    pub name: String,
    /// Epoch ms.
    pub created_at: i64,
    pub default_branch: String,
    /// Branches protected by a branch protection rule (`protected_branches` deployment
    /// policies let only these deploy).
    pub protected_branches: Vec<String>,
    pub commits: Vec<Commit>,
    /// `(name, sha)`, creation order.
    pub branches: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
}

/// One commit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Commit {
    pub sha: String,
    pub parents: Vec<String>,
    pub message: String,
    pub author: String,
    /// Epoch ms.
    pub at: i64,
    /// Commit status contexts, newest state per context.
    pub contexts: Vec<Context>,
    /// Merging the default branch into a branch whose head is this commit conflicts.
    #[serde(default)]
    pub conflicts: bool,
}

/// A commit status context and its state (`success`, `failure`, `error`, `pending`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Context {
    pub context: String,
    pub state: String,
}

impl Context {
    pub(super) fn new(context: &str, state: &str) -> Self {
        Context {
            context: context.to_owned(),
            state: state.to_owned(),
        }
    }
}

/// A reviewer of an environment, by type and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Reviewer {
    /// `User` or `Team`.
    pub team: bool,
    pub id: i64,
}

/// `deployment_branch_policy`: exactly one of the two is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct BranchPolicyMode {
    pub protected_branches: bool,
    pub custom_branch_policies: bool,
}

/// A custom deployment branch or tag policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Policy {
    pub id: i64,
    pub name: String,
    /// `branch` or `tag`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// An environment variable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Variable {
    pub name: String,
    pub value: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An environment secret: its name, dates and the SHA-256 (hex) of its decrypted value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Secret {
    pub name: String,
    pub sha256: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The environment's Curve25519 key pair: `key_id` and the secret key (base64); the public
/// key follows from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct KeyPair {
    pub key_id: String,
    pub secret_key: String,
}

/// A deployment environment of a repository.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Environment {
    pub id: i64,
    pub repo_id: i64,
    pub name: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub wait_timer: u32,
    pub prevent_self_review: bool,
    pub reviewers: Vec<Reviewer>,
    pub branch_policy: Option<BranchPolicyMode>,
    pub policies: Vec<Policy>,
    pub variables: Vec<Variable>,
    pub secrets: Vec<Secret>,
    pub key: KeyPair,
}

/// A deployment and its statuses (oldest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Deployment {
    pub id: i64,
    pub repo_id: i64,
    pub sha: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub task: String,
    pub payload: Value,
    pub original_environment: String,
    pub environment: String,
    pub description: Option<String>,
    pub creator: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub transient_environment: bool,
    pub production_environment: bool,
    pub statuses: Vec<Status>,
}

impl Deployment {
    /// The newest status's state, if any.
    pub(super) fn state(&self) -> Option<&str> {
        self.statuses.last().map(|status| status.state.as_str())
    }
}

/// A deployment status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Status {
    pub id: i64,
    pub state: String,
    pub creator: String,
    pub description: String,
    pub environment: String,
    pub target_url: String,
    pub log_url: String,
    pub environment_url: String,
    pub created_at: i64,
}

impl GhState {
    /// A repository by owner and name, ignoring case as GitHub does.
    pub(super) fn repo(&self, owner: &str, name: &str) -> Option<&Tracked<Repo>> {
        self.repos.iter().find(|repo| {
            repo.owner.eq_ignore_ascii_case(owner) && repo.name.eq_ignore_ascii_case(name)
        })
    }

    /// An environment of a repository by name, ignoring case.
    pub(super) fn environment(&self, repo_id: i64, name: &str) -> Option<&Tracked<Environment>> {
        self.environments
            .iter()
            .find(|env| env.repo_id == repo_id && env.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn environment_mut(
        &mut self,
        repo_id: i64,
        name: &str,
    ) -> Option<&mut Tracked<Environment>> {
        self.environments
            .iter_mut()
            .find(|env| env.repo_id == repo_id && env.name.eq_ignore_ascii_case(name))
    }

    pub(super) fn next_id(counter: &mut i64) -> i64 {
        let id = *counter;
        *counter += 1;
        id
    }
}

/// Counters continue past every id held; repositories seeded since the document was written
/// are added.
impl Document for GhState {
    fn track(&mut self, logged: &mut ChangeTracker, changes: &mut Vec<StateChange>) -> Option<()> {
        let repos = std::mem::take(&mut self.repos);
        let environments = std::mem::take(&mut self.environments);
        let deployments = std::mem::take(&mut self.deployments);
        let fields = to_value(&*self);
        self.repos = repos;
        self.environments = environments;
        self.deployments = deployments;
        logged.fields(fields, &["repos", "environments", "deployments"], changes)?;
        let id = |repo: &Repo| Value::from(repo.id);
        logged.collection("repos", "id", &self.repos, id, changes);
        let id = |env: &Environment| Value::from(env.id);
        logged.collection("environments", "id", &self.environments, id, changes);
        let id = |run: &Deployment| Value::from(run.id);
        logged.collection("deployments", "id", &self.deployments, id, changes);
        Some(())
    }

    fn repair(&mut self) {
        for seeded in seed::repos() {
            if !self.repos.iter().any(|repo| repo.id == seeded.id) {
                self.repos.push(Tracked::new(seeded));
            }
        }
        self.repos.sort_by_key(|repo| repo.id);
        let past = |ids: &mut dyn Iterator<Item = i64>| ids.max().map_or(1, |id| id + 1);
        self.next_repo_id = self
            .next_repo_id
            .max(past(&mut self.repos.iter().map(|r| r.id)));
        self.next_environment_id = self
            .next_environment_id
            .max(past(&mut self.environments.iter().map(|e| e.id)));
        self.next_policy_id = self.next_policy_id.max(past(
            &mut self
                .environments
                .iter()
                .flat_map(|e| e.policies.iter().map(|p| p.id)),
        ));
        self.next_deployment_id = self
            .next_deployment_id
            .max(past(&mut self.deployments.iter().map(|d| d.id)));
        self.next_status_id = self.next_status_id.max(past(
            &mut self
                .deployments
                .iter()
                .flat_map(|d| d.statuses.iter().map(|s| s.id)),
        ));
    }
}
