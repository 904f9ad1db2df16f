//! The `ncp-sourcedeploy:` section of a manifest: projects → stages → scenarios, and
//! releases. Field names are the manifest's (snake_case); [`super::convert`] maps them to and
//! from the API's wire shapes, so that remote objects diff in the shape the user wrote.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through NAVER Cloud SourceDeploy.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NcpSection {
    /// Deployment projects by name.
    #[serde(default)]
    pub projects: BTreeMap<String, Project>,
    /// Releases by name: "this scenario must have been deployed with its current artifact".
    #[serde(default)]
    pub releases: BTreeMap<String, Release>,
}

/// A deployment project. Its name is its identity; a project cannot be renamed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Provider instance; defaults to the only `ncp-sourcedeploy` provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Refuse at plan time any change that would delete or replace this project.
    #[serde(default)]
    pub protect: bool,
    /// Delete remote stages of this project that the manifest does not declare.
    #[serde(default)]
    pub prune: bool,
    /// Addresses this project is ordered after.
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub stages: BTreeMap<String, Stage>,
}

/// A deployment stage: where a project deploys to.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub target: Target,
    #[serde(default)]
    pub protect: bool,
    /// Delete remote scenarios of this stage that the manifest does not declare.
    #[serde(default)]
    pub prune: bool,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub scenarios: BTreeMap<String, Scenario>,
}

/// The deployment target of a stage; which field is required depends on `type`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(rename = "type")]
    pub target_type: TargetType,
    /// `server`: server instance numbers (`serverNo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<i64>>,
    /// `autoscaling-group`: the Auto Scaling group number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling_group: Option<i64>,
    /// `kubernetes`: the Ncloud Kubernetes Service cluster UUID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// `object-storage`: the bucket name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TargetType {
    Server,
    AutoscalingGroup,
    Kubernetes,
    ObjectStorage,
}

impl TargetType {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetType::Server => "server",
            TargetType::AutoscalingGroup => "autoscaling-group",
            TargetType::Kubernetes => "kubernetes",
            TargetType::ObjectStorage => "object-storage",
        }
    }
}

/// A deployment scenario: what is deployed and how. The name cannot be changed in place.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Deployment strategy; allowed values depend on the stage's target type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<Strategy>,
    /// Server targets: deploy one server at a time (`true`, the default) or all at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<bool>,
    /// Server and Auto Scaling targets: roll back when the deployment fails (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<bool>,
    /// The artifact to deploy (server, Auto Scaling and Object Storage targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSource>,
    /// Commands before and after the deployment, and the file copy mapping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commands: Option<Commands>,
    /// Auto Scaling blue/green: the load balancer target group to switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancer>,
    /// Kubernetes targets: the manifests to apply, from SourceCommit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<KubernetesManifest>,
    /// Kubernetes canary deployments: analysis settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
    /// Object Storage targets: where the files go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<PathMapping>>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    Normal,
    BlueGreen,
    Rolling,
    Canary,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Normal => "normal",
            Strategy::BlueGreen => "blue-green",
            Strategy::Rolling => "rolling",
            Strategy::Canary => "canary",
        }
    }
}

/// Where the deployed files come from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FileSource {
    #[serde(rename = "type")]
    pub source: FileSourceType,
    /// `object-storage`: bucket of the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// `object-storage`: object key of the artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// `source-build`: SourceBuild project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_project: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FileSourceType {
    ObjectStorage,
    SourceBuild,
    /// Chosen at deployment time.
    Later,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Commands {
    #[serde(default)]
    pub pre: Vec<UserCommand>,
    #[serde(default)]
    pub deploy: Vec<PathMapping>,
    #[serde(default)]
    pub post: Vec<UserCommand>,
}

/// A command run on the target as an OS user.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCommand {
    pub user: String,
    pub run: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathMapping {
    pub source: String,
    pub destination: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    pub target_group: i64,
    /// Delete the previous servers after the switch.
    pub delete_server: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KubernetesManifest {
    /// SourceCommit repository name.
    pub repository: String,
    pub branch: String,
    /// Manifest file paths in the repository.
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    pub analysis: CanaryAnalysis,
    /// Baseline and canary pod count, 1–10.
    pub count: i64,
    /// Manual analysis: minutes to wait for a decision, 1–360.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    /// Automatic analysis: Prometheus URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// Automatic analysis: environment names (≤ 64 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<CanaryEnv>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<CanaryMetric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_config: Option<AnalysisConfig>,
    /// Automatic analysis: score to pass, 1–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_score: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CanaryAnalysis {
    Manual,
    Auto,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CanaryEnv {
    pub baseline: String,
    pub canary: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CanaryMetric {
    pub name: String,
    pub success_criteria: SuccessCriteria,
    pub query_type: QueryType,
    pub weight: i64,
    /// `default` queries: metric name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// `default` queries: label filter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// `promql` queries: the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SuccessCriteria {
    Base,
    Canary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueryType {
    Default,
    Promql,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisConfig {
    /// Minutes, 10–360.
    pub duration: i64,
    /// Minutes, 0–60.
    pub delay: i64,
    /// Minutes, 1–360.
    pub interval: i64,
    /// Minutes, 10–360.
    pub step: i64,
}

/// "Scenario S must have been deployed with its current artifact." The deployed artifact is
/// read from the latest successful deployment in the history; when it differs from the
/// scenario's desired file source, the plan has a `deploy`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// The scenario to deploy, as `PROJECT/STAGE/SCENARIO`.
    pub scenario: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Addresses that must have been applied first (e.g. another release).
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Seconds to wait for the deployment to reach a terminal status (default 1800).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}
