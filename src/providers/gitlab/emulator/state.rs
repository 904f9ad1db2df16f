//! The emulator's mutable state, one serde document (the `gitlab` key of the sandbox state
//! file): users, groups, projects (with their repository, members, shares and protected
//! environments), environments, deployments and the job or personal tokens the admin API
//! issued (only their SHA-256 is kept). Each user, group, project, environment, deployment
//! and token is one entity of the state log.

use serde::{Deserialize, Serialize};
use serde_json::{Value, to_value};

use super::seed;
use crate::providers::common::emulator::Document;
use crate::sandbox::{ChangeTracker, StateChange, Tracked};

/// Everything the emulator remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct GlState {
    pub next_user_id: i64,
    pub next_group_id: i64,
    pub next_project_id: i64,
    pub next_environment_id: i64,
    pub next_deployment_id: i64,
    /// Deploy access levels and approval rules share one id sequence.
    pub next_rule_id: i64,
    pub next_job_id: i64,
    #[serde(default)]
    pub users: Vec<Tracked<User>>,
    #[serde(default)]
    pub groups: Vec<Tracked<Group>>,
    #[serde(default)]
    pub projects: Vec<Tracked<Project>>,
    #[serde(default)]
    pub environments: Vec<Tracked<Environment>>,
    #[serde(default)]
    pub deployments: Vec<Tracked<Deployment>>,
    #[serde(default)]
    pub tokens: Vec<Tracked<Token>>,
}

impl Default for GlState {
    fn default() -> Self {
        let mut state = GlState {
            next_user_id: 1,
            next_group_id: 1,
            next_project_id: 1,
            next_environment_id: 1,
            next_deployment_id: 1,
            next_rule_id: 1,
            next_job_id: 1,
            users: seed::users().into_iter().map(Tracked::new).collect(),
            groups: seed::groups().into_iter().map(Tracked::new).collect(),
            projects: seed::projects().into_iter().map(Tracked::new).collect(),
            environments: Vec::new(),
            deployments: Vec::new(),
            tokens: Vec::new(),
        };
        state.repair();
        state
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct User {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub state: String,
}

/// A membership: a user and an access level (20 reporter … 50 owner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Member {
    pub user_id: i64,
    pub access_level: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Group {
    pub id: i64,
    pub name: String,
    pub full_path: String,
    pub parent_id: Option<i64>,
    pub members: Vec<Member>,
}

/// The subscription tier: protected environments need Premium or Ultimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Tier {
    Free,
    Premium,
    Ultimate,
}

/// A group the project is shared with, and the most access it grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Share {
    pub group_id: i64,
    pub group_access_level: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Commit {
    pub id: String,
    pub parent_id: Option<String>,
    pub title: String,
    pub author: String,
    /// Epoch ms.
    pub at: i64,
}

/// One entry of a protected environment: exactly one principal, and for approval rules
/// the approvals it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Access {
    pub id: i64,
    pub access_level: Option<u8>,
    pub user_id: Option<i64>,
    pub group_id: Option<i64>,
    pub group_inheritance_type: u8,
    /// Approval rules only.
    pub required_approvals: Option<u32>,
}

/// A protected environment (by name: the environment need not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Protection {
    pub name: String,
    pub deploy: Vec<Access>,
    pub approval_rules: Vec<Access>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Project {
    pub id: i64,
    pub name: String,
    pub namespace_id: i64,
    pub namespace_full_path: String,
    /// Full paths the project had before it moved (old paths answer 301).
    pub redirects: Vec<String>,
    pub tier: Tier,
    pub default_branch: String,
    pub created_at: i64,
    pub members: Vec<Member>,
    pub shares: Vec<Share>,
    pub commits: Vec<Commit>,
    /// `(name, sha)`, creation order.
    pub branches: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    pub protections: Vec<Protection>,
    /// The next deployment `iid` (per project).
    pub next_iid: i64,
}

impl Project {
    pub(super) fn full_path(&self) -> String {
        format!("{}/{}", self.namespace_full_path, self.name)
    }

    pub(super) fn commit(&self, sha: &str) -> Option<&Commit> {
        self.commits.iter().find(|commit| commit.id == sha)
    }

    pub(super) fn branch(&self, name: &str) -> Option<&str> {
        self.branches
            .iter()
            .find(|(branch, _)| branch == name)
            .map(|(_, sha)| sha.as_str())
    }

    pub(super) fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(tag, _)| tag == name)
            .map(|(_, sha)| sha.as_str())
    }

    pub(super) fn protection(&self, name: &str) -> Option<&Protection> {
        self.protections
            .iter()
            .find(|protection| protection.name == name)
    }

    /// The protection GitLab enforces for an environment: none on the Free tier, where
    /// protected environments are not a feature (a downgraded project keeps its settings
    /// but they stop applying).
    pub(super) fn enforced_protection(&self, name: &str) -> Option<&Protection> {
        self.protection(name).filter(|_| self.tier != Tier::Free)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Environment {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub external_url: Option<String>,
    /// `available`, `stopping` or `stopped`.
    pub state: String,
    pub tier: String,
    pub auto_stop_setting: String,
    pub kubernetes_namespace: Option<String>,
    pub flux_resource_path: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The environment has an `on_stop` action (admin-set): stopping it takes time.
    /// `Some(ms)`: a stop finishes that long after it starts; `None`: no action.
    pub on_stop_ms: Option<u64>,
    /// The on_stop action waits for the admin API to finish it (manual mode).
    #[serde(default)]
    pub on_stop_manual: bool,
    /// While `stopping` on the clock: when the stop finishes (epoch ms).
    pub stop_due: Option<i64>,
}

/// A CI job a deployment was created by (admin-seeded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Job {
    pub id: i64,
    pub name: String,
    pub stage: String,
    pub status: String,
}

/// A vote on a blocked deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Approval {
    pub user_id: i64,
    /// `approved` or `rejected`.
    pub status: String,
    pub comment: Option<String>,
    pub created_at: i64,
    /// The approval rule it counts for, if the environment has rules.
    pub rule_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Deployment {
    pub id: i64,
    pub iid: i64,
    pub project_id: i64,
    pub environment_id: i64,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub tag: bool,
    pub sha: String,
    pub status: String,
    pub user_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub finished_at: Option<i64>,
    pub deployable: Option<Job>,
    pub approvals: Vec<Approval>,
}

/// A token the admin API issued: its SHA-256, its user, and for job tokens the project
/// whose job it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Token {
    pub sha256: String,
    pub user_id: i64,
    pub job_project_id: Option<i64>,
}

/// Counters continue past every id held; seeded users, groups and projects missing from
/// an older document are added.
impl Document for GlState {
    fn track(&mut self, logged: &mut ChangeTracker, changes: &mut Vec<StateChange>) -> Option<()> {
        let users = std::mem::take(&mut self.users);
        let groups = std::mem::take(&mut self.groups);
        let projects = std::mem::take(&mut self.projects);
        let environments = std::mem::take(&mut self.environments);
        let deployments = std::mem::take(&mut self.deployments);
        let tokens = std::mem::take(&mut self.tokens);
        let fields = to_value(&*self);
        (self.users, self.groups, self.projects) = (users, groups, projects);
        (self.environments, self.deployments, self.tokens) = (environments, deployments, tokens);
        let collections = [
            "users",
            "groups",
            "projects",
            "environments",
            "deployments",
            "tokens",
        ];
        logged.fields(fields, &collections, changes)?;
        logged.collection(
            "users",
            "id",
            &self.users,
            |user: &User| Value::from(user.id),
            changes,
        );
        logged.collection(
            "groups",
            "id",
            &self.groups,
            |group: &Group| Value::from(group.id),
            changes,
        );
        logged.collection(
            "projects",
            "id",
            &self.projects,
            |p: &Project| Value::from(p.id),
            changes,
        );
        let id = |env: &Environment| Value::from(env.id);
        logged.collection("environments", "id", &self.environments, id, changes);
        let id = |run: &Deployment| Value::from(run.id);
        logged.collection("deployments", "id", &self.deployments, id, changes);
        let id = |token: &Token| Value::from(token.sha256.clone());
        logged.collection("tokens", "sha256", &self.tokens, id, changes);
        Some(())
    }

    fn repair(&mut self) {
        for user in seed::users() {
            if !self.users.iter().any(|held| held.id == user.id) {
                self.users.push(Tracked::new(user));
            }
        }
        for group in seed::groups() {
            if !self.groups.iter().any(|held| held.id == group.id) {
                self.groups.push(Tracked::new(group));
            }
        }
        for project in seed::projects() {
            if !self.projects.iter().any(|held| held.id == project.id) {
                self.projects.push(Tracked::new(project));
            }
        }
        let past = |ids: &mut dyn Iterator<Item = i64>| ids.max().map_or(1, |id| id + 1);
        self.next_user_id = self
            .next_user_id
            .max(past(&mut self.users.iter().map(|u| u.id)));
        self.next_group_id = self
            .next_group_id
            .max(past(&mut self.groups.iter().map(|g| g.id)));
        self.next_project_id = self
            .next_project_id
            .max(past(&mut self.projects.iter().map(|p| p.id)));
        self.next_environment_id = self
            .next_environment_id
            .max(past(&mut self.environments.iter().map(|e| e.id)));
        self.next_deployment_id = self
            .next_deployment_id
            .max(past(&mut self.deployments.iter().map(|d| d.id)));
        let rules = self.projects.iter().flat_map(|p| p.protections.iter());
        let rules =
            rules.flat_map(|p| p.deploy.iter().chain(p.approval_rules.iter()).map(|a| a.id));
        self.next_rule_id = self
            .next_rule_id
            .max(past(&mut rules.collect::<Vec<_>>().into_iter()));
        let jobs = self
            .deployments
            .iter()
            .filter_map(|d| d.deployable.as_ref().map(|job| job.id));
        self.next_job_id = self
            .next_job_id
            .max(past(&mut jobs.collect::<Vec<_>>().into_iter()));
        for project in &mut self.projects {
            let iids = self
                .deployments
                .iter()
                .filter(|d| d.project_id == project.id)
                .map(|d| d.iid);
            let next = past(&mut iids.collect::<Vec<_>>().into_iter());
            if project.next_iid < next {
                project.next_iid = next;
            }
        }
    }
}
