//! AxHub API v1 bodies for the operations the provider uses (the deployments seed,
//! providers.md §5, the public SDKs' route tables and error parser).
//!
//! Keys on the wire are snake_case. Answers are read leniently because AxHub's live
//! responses already carry more than its documents (`stages[]`, `services[]`, `ci_status`,
//! …): unknown fields are ignored, enum values this version does not know are kept in an
//! `Other` arm, and `null` lists and flags read as empty and false. Request bodies carry only
//! the keys that are set.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::providers::lenient::{null_as_default, open_enum};

mod error;
#[cfg(test)]
mod tests;

pub use error::{ErrorPayload, FieldError, RetryHint};

/// One page of a list: `{items, total, next_cursor}`. Lists are paged with `limit` and
/// `offset`; `next_cursor` is read but never followed (the SDKs page by offset).
#[derive(Debug, Clone, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub items: Vec<T>,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A tenant (workspace) the caller belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// An app. Apps are only read: AxHub creates them through its bootstrap flow.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct App {
    pub id: String,
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub slug: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub subdomain: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub last_deployment_status: Option<DeploymentStatus>,
    #[serde(default)]
    pub access_url: Option<String>,
    /// The deployment production runs; a rollback changes it without a new deployment.
    #[serde(default)]
    pub production_deployment_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub staging_enabled: bool,
    /// Reviewed or public apps must go through staging before production.
    #[serde(default, deserialize_with = "null_as_default")]
    pub staging_required: bool,
    #[serde(default)]
    pub deploy_method: Option<String>,
}

/// An app's git connection, discriminated on `connected` (AxHub's own tag).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawGitConnection")]
pub enum GitConnection {
    /// Pushes to `branch` of `repository` deploy the app.
    Connected {
        provider: String,
        /// `owner/repo`.
        repository: String,
        branch: String,
        installation_id: Option<String>,
    },
    /// Nothing connected; `install_url` starts the GitHub App installation in a browser.
    Disconnected { install_url: Option<String> },
}

/// The flat shape both arms arrive in.
#[derive(Deserialize)]
struct RawGitConnection {
    /// Absent from the connect call's answer, which is always a connection.
    #[serde(default)]
    connected: Option<bool>,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    repo_full_name: Option<String>,
    #[serde(default)]
    branch: Option<String>,
    #[serde(default)]
    installation_id: Option<Value>,
    #[serde(default)]
    install_url: Option<String>,
}

impl From<RawGitConnection> for GitConnection {
    fn from(raw: RawGitConnection) -> Self {
        if !raw.connected.unwrap_or(raw.repo_full_name.is_some()) {
            return GitConnection::Disconnected {
                install_url: raw.install_url,
            };
        }
        GitConnection::Connected {
            provider: raw.provider.unwrap_or_else(|| "github".to_owned()),
            repository: raw.repo_full_name.unwrap_or_default(),
            branch: raw.branch.unwrap_or_default(),
            installation_id: raw.installation_id.and_then(|id| match id {
                Value::String(text) => Some(text),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
        }
    }
}

open_enum!(
    /// A deployment's status; `succeeded`, `failed` and `cancelled` are terminal.
    DeploymentStatus {
        Pending = "pending",
        Building = "building",
        Pushing = "pushing",
        Deploying = "deploying",
        Succeeded = "succeeded",
        Failed = "failed",
        Cancelled = "cancelled",
    }
);

impl DeploymentStatus {
    /// Whether the deployment will not change any more. An unknown value is taken as still
    /// running, so that waiting goes on rather than reporting an outcome never reached.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            DeploymentStatus::Succeeded | DeploymentStatus::Failed | DeploymentStatus::Cancelled
        )
    }
}

open_enum!(
    /// The stage a deployment is in (or failed in: a failed one can keep e.g. `healthcheck`).
    Stage {
        Pending = "pending",
        Building = "building",
        Pushing = "pushing",
        Deploying = "deploying",
        Healthcheck = "healthcheck",
    }
);

open_enum!(
    /// What started a deployment.
    TriggerSource {
        Webhook = "webhook",
        Manual = "manual",
        Rollback = "rollback",
    }
);

/// Why a deployment failed: older rows say it in a string, newer ones in an object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum FailureReason {
    Text(String),
    Detail(FailureDetail),
    /// Any other JSON, kept as sent.
    Other(Value),
}

/// The object form of [`FailureReason`], e.g. `healthcheck.rollout_timeout`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FailureDetail {
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

impl std::fmt::Display for FailureReason {
    /// One line: `stage/code: message`, or the text as sent.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::Text(text) => f.write_str(text),
            FailureReason::Detail(d) => {
                let place: Vec<&str> = [d.stage.as_deref(), d.code.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                match (place.is_empty(), d.message.as_deref()) {
                    (true, Some(m)) => f.write_str(m),
                    (false, Some(m)) => write!(f, "{}: {m}", place.join("/")),
                    (false, None) => f.write_str(&place.join("/")),
                    (true, None) => f.write_str("no reason given"),
                }
            }
            FailureReason::Other(value) => write!(f, "{value}"),
        }
    }
}

/// A deployment: building a commit into an image and rolling it out.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Deployment {
    pub id: String,
    #[serde(default)]
    pub app_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub commit_sha: String,
    pub status: DeploymentStatus,
    #[serde(default)]
    pub current_stage: Option<Stage>,
    #[serde(default)]
    pub trigger_source: Option<TriggerSource>,
    #[serde(default)]
    pub image_uri: Option<String>,
    #[serde(default)]
    pub failure_reason: Option<FailureReason>,
    /// RFC 3339; compared as a timestamp to find the deployment a lost call started.
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub completed_at: Option<String>,
    #[serde(default)]
    pub cancel_requested_at: Option<String>,
}

impl Deployment {
    /// `started_at` as a timestamp, if it reads as one.
    pub fn started(&self) -> Option<jiff::Timestamp> {
        self.started_at.as_deref()?.parse().ok()
    }
}

/// A release: the version a successful deployment produced, and where it is live.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Release {
    #[serde(default, deserialize_with = "null_as_default")]
    pub version: Value,
    #[serde(default)]
    pub deployment_id: Option<String>,
    #[serde(default)]
    pub commit_sha: Option<String>,
    #[serde(default)]
    pub image_uri: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub active_production: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub active_staging: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub approved: bool,
}

/// What went wrong with a deployment, as AxHub diagnoses it. Its shape is not documented
/// beyond the route, so the findings are kept as sent next to the fields seen so far.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Diagnoses {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default, alias = "diagnoses", deserialize_with = "null_as_default")]
    pub items: Vec<Value>,
    /// The whole answer.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, Value>,
}

/// `POST …/git/github/connect`.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectGit<'a> {
    pub installation_id: u64,
    pub repo_full_name: &'a str,
    pub branch: &'a str,
}

/// `PATCH …/git-connection`.
#[derive(Debug, Clone, Serialize)]
pub struct SetBranch<'a> {
    pub branch: &'a str,
}

/// `POST …/deployments`.
#[derive(Debug, Clone, Serialize)]
pub struct StartDeployment<'a> {
    pub commit_sha: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub force_rebuild: bool,
}

/// `POST …/deployments/{id}/rollback`.
#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub confirm_schema_skew: bool,
}

/// `DELETE …/staging`: AxHub drops the staging schema only when told so.
#[derive(Debug, Clone, Serialize)]
pub struct DisableStaging {
    pub confirm_discard_ops: bool,
}
