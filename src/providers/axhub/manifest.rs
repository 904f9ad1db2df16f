//! The `axhub:` section of a manifest: apps by slug (their git connection and staging) and
//! releases, "app A runs commit C in production". Apps are read, never created: AxHub
//! makes them through its bootstrap flow, and plan looks each slug up in the tenant.
//!
//! The doc comments below are what editors show for each field. The fields of `git` are
//! optional here and required when the section is lowered, so that a connection missing
//! several is reported once, with every missing field and a hint.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through the AxHub API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubSection")]
pub struct AxhubSection {
    /// Apps by slug (2–64 of `a-z`, `0-9`, `-`), each an existing app of the instance's
    /// tenant: looked up, never created or deleted.
    #[serde(default)]
    pub apps: BTreeMap<String, AxhubApp>,
    /// Releases by name, each "app A runs commit C in production": plan compares C with
    /// the commit of the app's production deployment and plans a deploy (a build) or a
    /// rollback (to a build of C that still has its image).
    #[serde(default)]
    pub releases: BTreeMap<String, AxhubRelease>,
}

/// One app: what this manifest manages of it. Settings left out are not managed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubApp")]
pub struct AxhubApp {
    /// Which `axhub` instance (tenant) holds the app; needed only when several are declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The GitHub repository the app builds from and deploys on push. Left out, the
    /// connection is not managed. Installing AxHub's GitHub App on the account is a
    /// one-time step in AxHub's web UI; `installation` is the id it gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<AxhubGit>,
    /// `true`: the app has a staging environment; `false`: it has none. Enabling needs one
    /// production deployment first; disabling drops the staging environment and its
    /// database schema, so it also needs `confirm_discard_ops: true`. Left out, not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staging: Option<bool>,
    /// Consent to what `staging: false` discards: the staging schema and the schema changes
    /// not yet promoted. Sent to AxHub only when the plan disables staging.
    #[serde(default)]
    pub confirm_discard_ops: bool,
    /// Refuse at plan time any change that destroys something of this app: disabling its
    /// staging, or replacing its git connection.
    #[serde(default)]
    pub protect: bool,
    /// Addresses this app's changes are ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// An app's git connection: a GitHub repository, the branch deployed on push, and the
/// GitHub App installation that reads it. The branch changes in place; another repository
/// or installation is a replace (disconnect, then connect).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubGit")]
pub struct AxhubGit {
    /// Required: the repository as `owner/name` (e.g. `acme/shop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Required: the branch AxHub deploys when it is pushed (e.g. `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Required: the GitHub App installation id (a positive number), shown by AxHub after
    /// the App is installed on the repository's account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation: Option<i64>,
}

/// "App A runs commit C in production." Plan reads the commit of the app's production
/// deployment; when it differs, apply rolls back to a succeeded build of C whose image is
/// still there, or else deploys C (a build), and follows it to its end.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubRelease")]
pub struct AxhubRelease {
    /// Which `axhub` instance; needed only when several are declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The app, by slug: one declared under `apps:` (the release is then ordered after its
    /// git connection and staging), or any app of the tenant.
    pub app: String,
    /// The commit to run: the full 40 lower-case hex digits, typically
    /// `${env.GITHUB_SHA}`.
    pub commit: String,
    /// `true`: a deploy builds the commit again even when AxHub has built it before
    /// (new dependencies or base image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_rebuild: Option<bool>,
    /// `true`: a rollback goes ahead even when the database schema changed destructively
    /// since that build (a rollback does not revert the schema). AxHub refuses such a
    /// rollback otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_schema_skew: Option<bool>,
    /// Seconds apply follows the deployment (1 to a day; default: `--deploy-timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    /// Addresses this release is ordered after (e.g. `nhn.release.api-prod`).
    #[serde(default)]
    pub depends_on: Vec<String>,
}
