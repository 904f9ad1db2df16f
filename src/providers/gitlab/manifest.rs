//! The `gitlab:` section of a manifest: projects by full path, their environments (with
//! the settings GitLab keeps on one and its protection: who may deploy, who must approve)
//! and deployment records. Projects, users and groups are named, never created: plan
//! looks them up.
//!
//! The doc comments below are what editors show for each field. Closed sets (`tier`,
//! `auto_stop_setting`, `access_level`) are text here, offered as examples to editors and
//! checked when the section is lowered, so that a misspelt value is reported with "did you
//! mean" together with every other error of its environment.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through the GitLab REST API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabSection")]
pub struct GitlabSection {
    /// Projects by full path (`acme/platform/shop`) or numeric id written as text
    /// (`"4242"`). A project must exist: it is looked up, never created or deleted.
    #[serde(default)]
    pub projects: BTreeMap<String, Project>,
}

/// One project: its environments and deployment records.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabProject")]
pub struct Project {
    /// Environments by their GitLab name, exact: GitLab tells `Production` and
    /// `production` apart. Letters, digits, spaces and `- _ / $ { } .`, not starting or
    /// ending with `/`, at most 255 characters.
    #[serde(default)]
    pub environments: BTreeMap<String, Environment>,
    /// Deployment records by name, each "this environment runs this ref": it names one of
    /// the environments above, and plan shows a `deploy` when the ref's commit is not the
    /// one GitLab last recorded as deployed there successfully.
    #[serde(default)]
    pub deployments: BTreeMap<String, Deployment>,
    /// Which `gitlab` instance holds the project; needed only when several are declared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `true`: environments (and protections) the manifest leaves out are deleted, except
    /// protected ones. `false`, the default: plan lists them as unmanaged and keeps them.
    #[serde(default)]
    pub prune: bool,
    /// Resources (by address) that come before everything in this project.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// An environment. Settings left out are not managed: whatever the environment has
/// stays. An empty body (`staging: {}`) declares an environment for deployment records.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabEnvironment")]
pub struct Environment {
    /// What the environment is for, which GitLab uses to group and report it:
    /// `production`, `staging`, `testing`, `development` or `other`. Left out, GitLab
    /// guesses it from the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["production", "staging", "testing", "development", "other"]))]
    pub tier: Option<String>,
    /// Where the deployed environment is reached (http or https), linked from GitLab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(url)]
    pub external_url: Option<String>,
    /// A description shown with the environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When an auto-stop timer stops the environment: `always`, or `with_action` (only when
    /// the environment has a stop action).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["always", "with_action"]))]
    pub auto_stop_setting: Option<String>,
    /// The Kubernetes namespace GitLab's dashboard shows for this environment (a DNS
    /// label: lower-case letters, digits and `-`, at most 63 characters). GitLab keeps it
    /// only on an environment that has a cluster agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes_namespace: Option<String>,
    /// The Flux resource GitLab's dashboard follows for this environment (e.g.
    /// `helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/shop`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flux_resource_path: Option<String>,
    /// The environment's previous name: GitLab cannot rename an environment, so plan
    /// replaces the old one (stop, delete, create). Its deployment history stays with the
    /// old name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// Refuse at plan time any change that would delete this environment or its
    /// protection.
    #[serde(default)]
    pub protect: bool,
    /// Who may deploy here and who must approve (a protected environment, GitLab Premium).
    /// Left out: the protection is not managed, unless the project has `prune: true`,
    /// which removes a protection the manifest does not declare.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protection: Option<Protection>,
    /// Addresses this environment is ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// A protected environment: the deployers and the approval rules, each a set (order does
/// not matter, each principal once).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabProtection")]
pub struct Protection {
    /// Who may deploy: at least one entry, each a role (`access_level`), a `user` or a
    /// `group`. GitLab silently drops a user without Developer access to the project and a
    /// group the project is not shared with; plan reports them.
    #[serde(default)]
    pub deployers: Vec<Deployer>,
    /// Who must approve a deployment before it runs; none when left out.
    #[serde(default)]
    pub approvals: Vec<Approver>,
}

/// One deployer: exactly one of `access_level`, `user`, `group`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabDeployer")]
pub struct Deployer {
    /// Everyone with at least this role: `developer`, `maintainer` or `admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["developer", "maintainer", "admin"]))]
    pub access_level: Option<String>,
    /// A user, by username (e.g. `alice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A group, by full path (e.g. `acme/release-managers`); the project must be shared
    /// with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// With `group` only: `true` counts members of its subgroups too (GitLab's
    /// `group_inheritance_type` 1); `false`, the default, direct members only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited: Option<bool>,
}

/// One approval rule: exactly one of `access_level`, `user`, `group`, and how many of
/// them must approve.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabApprover")]
pub struct Approver {
    /// Anyone with at least this role: `developer`, `maintainer` or `admin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("examples" = ["developer", "maintainer", "admin"]))]
    pub access_level: Option<String>,
    /// A user, by username (e.g. `alice`); a user approves once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// A group, by full path (e.g. `acme/release-managers`); the project must be shared
    /// with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// With `group` only: `true` counts members of its subgroups too; `false`, the
    /// default, direct members only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inherited: Option<bool>,
    /// How many approvals of this rule a deployment needs: 1 (the default) to 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_approvals: Option<u32>,
}

/// A deployment record: "environment E of this project runs ref F". Plan resolves the ref
/// to a commit and compares it with the environment's newest successful deployment; a
/// missing or different one is a `deploy`. Records are never deleted.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabDeployment")]
pub struct Deployment {
    /// The environment deployed to: one declared under this project's `environments`,
    /// spelt as declared (declare it with `{}` to record without managing it).
    pub environment: String,
    /// The branch or tag deployed (e.g. `main`, `v1.4.2`).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// `true` when `ref` is a tag; `false` (the default) for a branch.
    #[serde(default)]
    pub tag: bool,
    /// The commit deployed, 40 hex digits (e.g. `${env.CI_COMMIT_SHA}`); left out, the
    /// ref's current commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// The release this record follows, of any provider (e.g. `nhn.release.web-prod`):
    /// the record goes `running` when the release starts and `success` or `failed` when
    /// it ends. Without a link the record is posted as `success` directly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Addresses this record is ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
}
