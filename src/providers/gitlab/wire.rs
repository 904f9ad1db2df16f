//! GitLab REST v4 bodies for the operations the provider uses (the Deployments API seed,
//! providers.md §4, GitLab's `environments.md`, `protected_environments.md`,
//! `deployments.md`, `projects.md`, `users.md`, `groups.md`, `members.md`).
//!
//! Answers are read leniently, because GitLab adds fields and values from release to release
//! and self-managed instances lag behind: unknown fields are ignored, enum values this
//! version does not know are kept in an `Other` arm, booleans and lists sent as `null` read
//! as false and empty, and `deployable: null` (an API-created deployment) is simply absent.
//! Request bodies carry only the keys that are set.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::providers::lenient::{null_as_default, open_enum};

mod protection;
#[cfg(test)]
mod tests;

pub use protection::{AccessEntry, AccessLevel, ProtectBody, ProtectUpdate, ProtectedEnvironment};

open_enum!(
    /// An environment's tier (`tier`).
    Tier {
        Production = "production",
        Staging = "staging",
        Testing = "testing",
        Development = "development",
        /// GitLab's own `other` tier (not an unknown value).
        OtherTier = "other",
    }
);

open_enum!(
    /// When an environment stops automatically (`auto_stop_setting`, GitLab 17.8+).
    AutoStopSetting {
        Always = "always",
        WithAction = "with_action",
    }
);

open_enum!(
    /// An environment's state; `stopping` while its `on_stop` jobs run.
    EnvironmentState {
        Available = "available",
        Stopping = "stopping",
        Stopped = "stopped",
    }
);

open_enum!(
    /// A deployment's status. Only `running`, `success`, `failed` and `canceled` can be
    /// written through the API.
    DeploymentStatus {
        Created = "created",
        Running = "running",
        Success = "success",
        Failed = "failed",
        Canceled = "canceled",
        Blocked = "blocked",
        Skipped = "skipped",
    }
);

open_enum!(
    /// A decision on a blocked deployment.
    ApprovalStatus {
        Approved = "approved",
        Rejected = "rejected",
    }
);

impl DeploymentStatus {
    /// Whether the deployment has ended (GitLab refuses to move it on, except by a new one).
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            DeploymentStatus::Success
                | DeploymentStatus::Failed
                | DeploymentStatus::Canceled
                | DeploymentStatus::Skipped
        )
    }
}

/// `GET /projects/:id`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Project {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub path: String,
    pub path_with_namespace: String,
    #[serde(default)]
    pub namespace: Option<Namespace>,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
    /// Groups the project is shared with: the only groups a protection rule may name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub shared_with_groups: Vec<SharedGroup>,
    /// Not GitLab's: the path that was asked for when GitLab answered that the project has
    /// moved (renamed or transferred), so that the provider can tell the user to update it.
    #[serde(skip)]
    pub moved_from: Option<String>,
}

/// A project's namespace (a group or a user).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Namespace {
    pub id: u64,
    #[serde(default)]
    pub full_path: String,
    #[serde(default)]
    pub kind: Option<String>,
}

/// A group a project is shared with (`shared_with_groups[]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SharedGroup {
    pub group_id: u64,
    #[serde(default)]
    pub group_name: Option<String>,
    #[serde(default)]
    pub group_full_path: Option<String>,
    #[serde(default)]
    pub group_access_level: Option<u32>,
}

/// The commit a branch or tag points at.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Commit {
    pub id: String,
    #[serde(default)]
    pub short_id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
}

/// `GET /projects/:id/repository/branches/:branch`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Branch {
    pub name: String,
    #[serde(default)]
    pub commit: Option<Commit>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub default: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub protected: bool,
}

/// `GET /projects/:id/repository/tags/:tag`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Tag {
    pub name: String,
    /// The tag object's SHA (an annotated tag) or the commit's.
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub commit: Option<Commit>,
}

/// A user (`GET /users?username=`, a deployment's `user`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// `GET /groups/:id`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Group {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub full_path: String,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// `GET /projects/:id/members/all[/:user_id]`: direct or inherited membership.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Member {
    pub id: u64,
    #[serde(default)]
    pub username: String,
    /// 10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner.
    #[serde(default, deserialize_with = "null_as_default")]
    pub access_level: u32,
}

/// An environment (`GET …/environments`, `…/environments/:id` adds `last_deployment`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Environment {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub external_url: Option<String>,
    #[serde(default)]
    pub state: Option<EnvironmentState>,
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub auto_stop_at: Option<String>,
    #[serde(default)]
    pub auto_stop_setting: Option<AutoStopSetting>,
    #[serde(default)]
    pub kubernetes_namespace: Option<String>,
    #[serde(default)]
    pub flux_resource_path: Option<String>,
    #[serde(default)]
    pub last_deployment: Option<Box<Deployment>>,
}

/// The body of `POST …/environments` and `PUT …/environments/:id`. `name` is for the
/// create only: GitLab refuses it on an update (names cannot change since 16.0), so the
/// client leaves it out there.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EnvironmentBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_stop_setting: Option<AutoStopSetting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubernetes_namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flux_resource_path: Option<String>,
}

/// A deployment record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Deployment {
    pub id: u64,
    #[serde(default)]
    pub iid: Option<u64>,
    #[serde(rename = "ref", default)]
    pub git_ref: String,
    #[serde(default)]
    pub sha: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
    pub status: DeploymentStatus,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub environment: Option<DeploymentEnvironment>,
    /// The CI job that deployed; `None` for a record created through the API (only those
    /// can have their status changed through the API).
    #[serde(default)]
    pub deployable: Option<Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub approvals: Vec<Approval>,
    #[serde(default)]
    pub pending_approval_count: Option<u32>,
    #[serde(default)]
    pub approval_summary: Option<Value>,
}

/// The environment a deployment went to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeploymentEnvironment {
    pub id: u64,
    pub name: String,
    #[serde(default)]
    pub external_url: Option<String>,
}

/// An approval or rejection of a blocked deployment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Approval {
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// The body of `POST …/deployments`: GitLab requires every key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewDeployment {
    /// The environment's name (GitLab creates it when missing).
    pub environment: String,
    pub sha: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Whether `ref` is a tag.
    pub tag: bool,
    pub status: DeploymentStatus,
}

/// The body of `POST …/deployments/:id/approval`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalBody {
    pub status: ApprovalStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The approval rule's group or role the approver acts for, when they are in several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub represented_as: Option<String>,
}

/// The body of `PUT …/deployments/:id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusBody {
    pub status: DeploymentStatus,
}

/// GitLab's error bodies: `{"message": "404 Project Not Found"}`, `{"message": {"field":
/// ["…"]}}`, `{"error": "…"}` (parameter validation), and OAuth's `{"error":
/// "insufficient_scope", "error_description": "…", "scope": "api"}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub error: Option<Value>,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
}
