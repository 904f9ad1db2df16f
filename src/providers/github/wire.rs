//! GitHub REST bodies (API version 2022-11-28, and Enterprise Server 3.8) for the operations
//! the provider uses (providers.md §3, GitHub's OpenAPI description).
//!
//! Answers are read leniently: unknown fields are ignored, enum values GitHub may add
//! later (a deployment state, a reviewer or policy type) are kept in an `Other` arm instead
//! of failing the whole list, ids are int64, and `null` lists read as empty. Request bodies
//! carry exactly the documented fields: the environment PUT body is
//! `additionalProperties: false`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::providers::lenient::{null_as_default, open_enum};

open_enum!(
    /// The state of a deployment status (`POST …/statuses` `state`).
    DeploymentState {
        Error = "error",
        Failure = "failure",
        Inactive = "inactive",
        InProgress = "in_progress",
        Queued = "queued",
        Pending = "pending",
        Success = "success",
    }
);

open_enum!(
    /// Who a required reviewer is.
    ReviewerType {
        User = "User",
        Team = "Team",
    }
);

open_enum!(
    /// What a deployment branch policy's pattern matches (older servers send no type:
    /// branches).
    PolicyType {
        Branch = "branch",
        Tag = "tag",
    }
);

/// `GET /repos/{owner}/{repo}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Repository {
    pub id: i64,
    pub full_name: String,
    #[serde(default)]
    pub default_branch: Option<String>,
}

/// `GET /repos/{owner}/{repo}/commits/{ref}`: only the commit a ref resolves to.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Commit {
    pub sha: String,
}

/// A user (`GET /users/{username}`, collaborators) or the `reviewer` of a rule.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Account {
    pub id: i64,
    #[serde(default)]
    pub login: Option<String>,
    /// Set for teams.
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A team (`GET /orgs/{org}/teams/{team_slug}`, `GET /orgs/{org}/teams`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Team {
    pub id: i64,
    pub slug: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /repos/{owner}/{repo}/environments` (one page).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EnvironmentList {
    #[serde(default)]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub environments: Vec<Environment>,
}

/// A deployment environment with its protection rules.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Environment {
    pub id: i64,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub protection_rules: Vec<ProtectionRule>,
    /// `null`: any branch may deploy.
    #[serde(default)]
    pub deployment_branch_policy: Option<BranchPolicySettings>,
}

/// One protection rule of an environment: `wait_timer`, `required_reviewers`,
/// `branch_policy`, or a type added later (kept by name, fields ignored).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProtectionRule {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(rename = "type")]
    pub kind: String,
    /// Minutes, for `wait_timer`.
    #[serde(default)]
    pub wait_timer: Option<u32>,
    /// For `required_reviewers`.
    #[serde(default)]
    pub prevent_self_review: Option<bool>,
    /// For `required_reviewers`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub reviewers: Vec<RuleReviewer>,
}

/// A required reviewer as the environment reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RuleReviewer {
    #[serde(rename = "type")]
    pub kind: ReviewerType,
    pub reviewer: Account,
}

/// Which branches may deploy: exactly one of the two is true (both false is sent as
/// `null` instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchPolicySettings {
    pub protected_branches: bool,
    pub custom_branch_policies: bool,
}

/// A reviewer in the environment PUT body, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewerRef {
    #[serde(rename = "type")]
    pub kind: ReviewerType,
    pub id: i64,
}

/// The body of `PUT /repos/{owner}/{repo}/environments/{name}`. A field left `None` is not
/// sent; `Some(None)` sends `null` (clears reviewers, lets any branch deploy).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvironmentSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_timer: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prevent_self_review: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<Option<Vec<ReviewerRef>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment_branch_policy: Option<Option<BranchPolicySettings>>,
}

/// `GET …/deployment-branch-policies` (one page).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BranchPolicyList {
    #[serde(default)]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub branch_policies: Vec<BranchPolicy>,
}

/// A custom deployment branch or tag policy.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BranchPolicy {
    pub id: i64,
    pub name: String,
    /// Absent on servers older than tag policies: a branch pattern.
    #[serde(rename = "type", default = "branch")]
    pub kind: PolicyType,
}

fn branch() -> PolicyType {
    PolicyType::Branch
}

/// The body of `POST …/deployment-branch-policies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewBranchPolicy {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: PolicyType,
}

/// `GET …/environments/{name}/variables` (one page).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VariableList {
    #[serde(default)]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub variables: Vec<Variable>,
}

/// An environment variable (the value is readable, unlike a secret's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Variable {
    pub name: String,
    pub value: String,
}

/// `GET …/environments/{name}/secrets/public-key`: the key secrets are sealed for.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SecretsKey {
    pub key_id: String,
    /// Base64 of the 32-byte Curve25519 public key.
    pub key: String,
}

/// `GET …/environments/{name}/secrets` (one page).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SecretList {
    #[serde(default)]
    pub total_count: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub secrets: Vec<SecretMeta>,
}

/// A secret's name and dates: its value is never readable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SecretMeta {
    pub name: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The body of `PUT …/secrets/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SealedSecret {
    pub encrypted_value: String,
    pub key_id: String,
}

/// A deployment record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Deployment {
    pub id: i64,
    #[serde(default)]
    pub sha: String,
    #[serde(rename = "ref", default)]
    pub git_ref: String,
    #[serde(default)]
    pub task: String,
    /// An object, or a string (possibly JSON text), as it was created.
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub environment: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub transient_environment: Option<bool>,
    #[serde(default)]
    pub production_environment: Option<bool>,
}

/// The body of `POST /repos/{owner}/{repo}/deployments`, built by
/// [`NewDeployment::new`](crate::providers::github::client::NewDeployment).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentBody {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub task: String,
    pub auto_merge: bool,
    pub required_contexts: Vec<String>,
    pub payload: serde_json::Map<String, Value>,
    pub environment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transient_environment: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub production_environment: Option<bool>,
}

/// A deployment status (the list is newest first; statuses are never changed).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeploymentStatus {
    pub id: i64,
    pub state: DeploymentState,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub environment_url: Option<String>,
    #[serde(default)]
    pub log_url: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// The body of `POST …/deployments/{id}/statuses`; `None` fields are not sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusBody {
    pub state: DeploymentState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_inactive: Option<bool>,
}

/// An error answer: `{message, documentation_url, errors?}`, where `errors` holds objects
/// (`{resource, field, code, message?}`) or plain strings.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub documentation_url: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub errors: Vec<Value>,
}

#[cfg(test)]
mod tests;
