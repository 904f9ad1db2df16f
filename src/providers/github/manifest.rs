//! The `github:` section of a manifest: repositories by `owner/name`, their deployment
//! environments (protection rules, branch policies, variables, secrets) and deployment
//! records. Repositories, users and teams are named, never created: plan looks them up.
//!
//! The doc comments below are what editors show for each field.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Resources managed through the GitHub REST API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubSection")]
pub struct GithubSection {
    /// Repositories by `owner/name` (e.g. `octo-org/shop`). A repository must exist: it is
    /// looked up, never created or deleted.
    #[serde(default)]
    pub repositories: BTreeMap<String, Repository>,
}

/// One repository: its deployment environments and deployment records.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubRepository")]
pub struct Repository {
    /// Provider instance; defaults to the only `github` provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Delete environments of this repository that the manifest does not declare (never a
    /// protected one). Without it they are shown as unmanaged and left alone.
    #[serde(default)]
    pub prune: bool,
    /// Addresses this repository's resources are ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Deployment environments by name (e.g. `production`). GitHub matches names ignoring
    /// case, so two names that differ only in case are one environment (an error).
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// Deployment records by name: "environment E of this repository runs ref F". Each
    /// names a declared environment; when the ref's commit is not the one last deployed
    /// successfully there, plan shows a `deploy`.
    #[serde(default)]
    pub deployments: BTreeMap<String, Deployment>,
}

/// A deployment environment with its protection rules. Settings left out are not
/// managed: whatever the environment has stays. An empty body (`staging: {}`) declares an
/// environment for deployment records without protection.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubEnvironment")]
pub struct Environment {
    /// Minutes a job waits before it may deploy here: 0 to 43200 (30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_timer: Option<u32>,
    /// `true`: whoever triggered a deployment cannot approve it themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prevent_self_review: Option<bool>,
    /// Who must approve a deployment here: user logins and team slugs (of the repository's
    /// organisation), at most 6 in all; any one approval suffices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewers: Option<Reviewers>,
    /// Which branches and tags may deploy here: `protected` (protected branches only),
    /// `any` (any branch: a policy set by hand is removed), or
    /// `{ custom: [ {branch: "release/*"}, {tag: "v*"} ] }`. Left out: not managed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_branch_policy: Option<BranchPolicy>,
    /// Environment variables by name (upper case, e.g. `API_URL`): readable in plain text
    /// by anyone who can read the repository, so never a secret.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Environment secrets by name (upper case, e.g. `DEPLOY_KEY`); each value must come
    /// from a secret (`${secret.NAME}`). GitHub never shows a value back, so plan creates a
    /// missing secret and leaves an existing one alone unless `rotate_secrets` is set.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// `true`: write every secret of this environment again on each apply (after a
    /// rotation at the source). `false` (the default): only missing secrets are written.
    #[serde(default)]
    pub rotate_secrets: bool,
    /// Refuse at plan time any change that would delete this environment.
    #[serde(default)]
    pub protect: bool,
    /// Delete the variables, secrets and branch policies of this environment that the
    /// manifest does not declare.
    #[serde(default)]
    pub prune: bool,
    /// Addresses this environment is ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// Required reviewers of an environment, by name; plan resolves them to ids and reports a
/// name GitHub does not know.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubReviewers")]
pub struct Reviewers {
    /// User logins (e.g. `octocat`).
    #[serde(default)]
    pub users: Vec<String>,
    /// Team slugs of the repository's organisation (e.g. `release-managers`).
    #[serde(default)]
    pub teams: Vec<String>,
}

/// Which branches and tags may deploy to an environment: one mode only, so GitHub's two
/// flags (`protected_branches`, `custom_branch_policies`) can never both be set, and
/// patterns exist only under `custom`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "GithubBranchPolicy")]
pub enum BranchPolicy {
    /// `protected` or `any`.
    Mode(BranchMode),
    /// Branches and tags matching the listed patterns.
    Custom(CustomPolicies),
}

/// A branch policy without patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "GithubBranchMode")]
pub enum BranchMode {
    /// Only branches with branch protection rules may deploy.
    Protected,
    /// Any branch may deploy (GitHub's default for a new environment).
    Any,
}

/// Custom deployment branch and tag policies.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubCustomPolicies")]
pub struct CustomPolicies {
    /// Patterns (GitHub's `fnmatch` syntax: `release/*`, `v*`) of the branches and tags that
    /// may deploy; at least one.
    pub custom: Vec<PolicyPattern>,
}

/// One pattern of a custom policy: a branch pattern or a tag pattern.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
#[schemars(rename = "GithubPolicyPattern")]
pub enum PolicyPattern {
    /// Branches matching this pattern may deploy (e.g. `release/*`).
    Branch(String),
    /// Tags matching this pattern may deploy (e.g. `v*`).
    Tag(String),
}

impl PolicyPattern {
    /// The pattern as written.
    pub fn pattern(&self) -> &str {
        match self {
            PolicyPattern::Branch(p) | PolicyPattern::Tag(p) => p,
        }
    }
}

/// A deployment record: "environment E of this repository runs ref F". Plan resolves the
/// ref to a commit and compares it with the newest deployment of (environment, task) whose
/// newest status is `success`; a missing or different one is a `deploy`. Records are never
/// deleted.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubDeployment")]
pub struct Deployment {
    /// The environment deployed to: one declared under this repository's `environments`,
    /// spelt as declared (declare it with `{}` to record without protection).
    pub environment: String,
    /// The branch, tag or commit SHA deployed (e.g. `main`, `v1.4.2`, `${env.GITHUB_SHA}`).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// What was done: `deploy` (the default) or e.g. `deploy:migrations`. One record per
    /// environment and task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// A short description, at most 140 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The URL of the deployed environment (http or https), shown on GitHub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub environment_url: Option<String>,
    /// The URL of the deployment's log (http or https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub log_url: Option<String>,
    /// Any JSON object, passed to webhooks and shown with the deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Map<String, Value>>,
    /// `true`: the environment goes away later (a preview); GitHub shows it as destroyed
    /// when it is made inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient_environment: Option<bool>,
    /// `true`: the environment is one end users use. GitHub's default: `true` for an
    /// environment named `production`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production_environment: Option<bool>,
    /// `true` (the default): a successful deployment marks earlier ones of the same
    /// environment inactive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_inactive: Option<bool>,
    /// `false` (the default): record the ref as given. `true` lets GitHub merge the
    /// default branch into the ref first, which may answer with a merge instead of a record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_merge: Option<bool>,
    /// Commit status contexts that must be `success` before the record is created; `[]`
    /// (the default) checks none. GitHub's own default (every context) may refuse the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_contexts: Option<Vec<String>>,
    /// The release this record follows, of any provider (e.g. `nhn.release.web-prod`):
    /// the record goes `in_progress` when the release starts and `success` or `failure`
    /// when it ends. Without a link the record is posted as `success` directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Addresses this record is ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
}
