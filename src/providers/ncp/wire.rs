//! SourceDeploy JSON shapes exactly as they travel on the wire.
//!
//! These types are the contract shared by the client and the sandbox emulator. Field names
//! follow the API: camelCase everywhere except the `ObjectStorage` / `SourceBuild` keys under
//! `file`, which the API spells in PascalCase. Ids are accepted as numbers or strings (the
//! documents and the official SDK disagree), and timestamps are `i64` epoch milliseconds.

use serde::{Deserialize, Deserializer, Serialize};

pub use crate::providers::lenient::{null_as_default, string_or_number};

/// Success envelope: every successful response wraps its payload in `result`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub result: T,
}

/// Failure envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// The `error` object of a failed call.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "string_or_number")]
    pub error_code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: String,
}

/// Acknowledgement payload of delete / approve / cancel calls: `{"result": true}` inside the
/// envelope. Older pages document a bare `{"result": true}`; [`Ack`] accepts both.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Ack {
    Wrapped { result: bool },
    Bare(bool),
}

impl Ack {
    pub fn ok(&self) -> bool {
        match self {
            Ack::Wrapped { result } | Ack::Bare(result) => *result,
        }
    }
}

/// `{id, name}` pairs, the item shape of every list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdName {
    #[serde(deserialize_with = "id_number")]
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub project_list: Vec<IdName>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageList {
    #[serde(default)]
    pub project: Option<IdName>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub stage_list: Vec<IdName>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioList {
    #[serde(default)]
    pub project: Option<IdName>,
    #[serde(default)]
    pub stage: Option<IdName>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scenario_list: Vec<IdName>,
}

/// Body of create project.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectRequest {
    pub name: String,
}

/// Stage target types.
pub mod stage_type {
    pub const SERVER: &str = "Server";
    pub const AUTOSCALING_GROUP: &str = "AutoScalingGroup";
    pub const KUBERNETES_SERVICE: &str = "KubernetesService";
    pub const OBJECT_STORAGE: &str = "ObjectStorage";
    pub const ALL: [&str; 4] = [
        SERVER,
        AUTOSCALING_GROUP,
        KUBERNETES_SERVICE,
        OBJECT_STORAGE,
    ];
}

/// Body of create / edit stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub target_type: String,
    pub config: StageConfig,
}

/// Stage `config`; only the keys of the stage's type are present. On reads the API adds the
/// names beside the numbers (`serverName`, `autoScalingGroupName`, `clusterName`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_no: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaling_group_no: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaling_group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_uuid: Option<String>,
    /// The name the current documents give the cluster key (a number); the SDK and the
    /// Terraform provider send `clusterUuid`, which is what deployplan writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_no: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_name: Option<String>,
}

/// Result of get stage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageDetail {
    #[serde(default)]
    pub project: Option<IdName>,
    #[serde(deserialize_with = "id_number")]
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub target_type: String,
    #[serde(default)]
    pub config: StageConfig,
}

/// Body of create scenario (`name` present) and edit scenario (`name` absent: the API cannot
/// rename a scenario).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub config: ScenarioConfig,
}

/// Result of get scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioDetail {
    #[serde(default)]
    pub project: Option<IdName>,
    #[serde(default)]
    pub stage: Option<IdName>,
    #[serde(deserialize_with = "id_number")]
    pub id: i64,
    pub name: String,
    #[serde(rename = "type", default)]
    pub target_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub config: ScenarioConfig,
}

/// Scenario `config`, one struct for every target type; which blocks are required depends on
/// the stage type and the strategy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScenarioConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Commands>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<K8sManifest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_config: Option<CanaryConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<PathMapping>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileSource {
    /// `SourceBuild`, `ObjectStorage` or `later`.
    #[serde(rename = "type")]
    pub source_type: String,
    #[serde(
        rename = "ObjectStorage",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub object_storage: Option<ObjectStorageFile>,
    #[serde(
        rename = "SourceBuild",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub source_build: Option<SourceBuildFile>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectStorageFile {
    pub bucket: String,
    pub object: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceBuildFile {
    #[serde(deserialize_with = "id_number")]
    pub id: i64,
    /// Read-only: the build project's name, returned by get scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Commands {
    #[serde(default)]
    pub pre: Vec<UserCommand>,
    #[serde(default)]
    pub deploy: Vec<PathMapping>,
    #[serde(default)]
    pub post: Vec<UserCommand>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserCommand {
    pub user: String,
    pub cmd: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathMapping {
    pub source_path: String,
    pub deploy_path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancer {
    #[serde(deserialize_with = "id_number")]
    pub load_balancer_target_group_no: i64,
    /// Read-only on get scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_target_group_name: Option<String>,
    /// Required with the target group (the API rejects a blue/green switch without it).
    pub delete_server: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct K8sManifest {
    /// Always `SourceCommit`.
    #[serde(rename = "type", default)]
    pub source_type: String,
    #[serde(default)]
    pub repository: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub path: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryConfig {
    /// `manual` or `auto`.
    #[serde(default)]
    pub analysis_type: String,
    #[serde(default)]
    pub canary_count: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<CanaryEnv>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Vec<CanaryMetric>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis_config: Option<AnalysisConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_score: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CanaryEnv {
    pub baseline: String,
    pub canary: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryMetric {
    pub name: String,
    /// `base` or `canary`.
    pub success_criteria: String,
    /// `default` or `promQL`.
    pub query_type: String,
    pub weight: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalysisConfig {
    pub duration: i64,
    pub delay: i64,
    pub interval: i64,
    pub step: i64,
}

/// Result of start deployment / request approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryId {
    #[serde(deserialize_with = "id_number")]
    pub history_id: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub history_list: Vec<HistorySummary>,
}

/// One entry of the project's deployment history list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistorySummary {
    #[serde(default)]
    pub project: Option<IdName>,
    #[serde(default)]
    pub stage: Option<IdName>,
    #[serde(default)]
    pub scenario: Option<IdName>,
    #[serde(deserialize_with = "id_number")]
    pub id: i64,
    #[serde(default)]
    pub start_time: Option<i64>,
    pub status: String,
}

/// Result of get history detail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryDetail {
    #[serde(default)]
    pub project: Option<IdName>,
    #[serde(default)]
    pub stage: Option<IdName>,
    #[serde(default)]
    pub scenario: Option<IdName>,
    #[serde(deserialize_with = "id_number")]
    pub id: i64,
    pub status: String,
    #[serde(default)]
    pub strategy: Option<String>,
    #[serde(default)]
    pub executor: Option<String>,
    #[serde(default)]
    pub start_time: Option<i64>,
    #[serde(default)]
    pub end_time: Option<i64>,
    #[serde(rename = "type", default)]
    pub target_type: Option<String>,
    /// Per-target detail; for Server targets `{strategy, file:{file,type}, targets:[…]}`.
    /// Kept loosely typed: its shape differs per target type.
    #[serde(default, deserialize_with = "null_as_default")]
    pub config: Vec<serde_json::Value>,
}

/// Deployment statuses of the history, and which of them are terminal.
pub mod history_status {
    pub const WAITING: &str = "waiting";
    pub const IN_PROGRESS: &str = "inprogress";
    pub const PENDING: &str = "pending";
    pub const REJECT: &str = "reject";
    pub const CANCELING: &str = "canceling";
    pub const CANCELED: &str = "canceled";
    pub const SUCCESS: &str = "success";
    pub const FAIL: &str = "fail";
    pub const ERROR: &str = "error";
    pub const CANARY_PENDING: &str = "canary_pending";
    pub const CANARY_ANALYZING: &str = "canary_analyzing";
    pub const CANARY_REJECTING: &str = "canary_rejecting";
    pub const CANARY_REJECT: &str = "canary_reject";
    pub const CANARY_WAITING_TIMEOUT: &str = "canary_waiting_timeout";

    /// True when no further transition will happen without a new deployment.
    pub fn is_terminal(status: &str) -> bool {
        matches!(
            status,
            REJECT | CANCELED | SUCCESS | FAIL | ERROR | CANARY_REJECT | CANARY_WAITING_TIMEOUT
        )
    }
}

/// Lookup lists.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub server_list: Vec<Server>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    #[serde(deserialize_with = "id_number")]
    pub server_no: i64,
    pub name: String,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalingList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub autoscaling_list: Vec<AutoscalingGroup>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoscalingGroup {
    #[serde(deserialize_with = "id_number")]
    pub group_no: i64,
    pub name: String,
    #[serde(default)]
    pub instance_count: i64,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub target_group_list: Vec<IdName>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub cluster_list: Vec<Cluster>,
}
/// NKS clusters are addressed by uuid in stage configs; the list's `id` is that uuid.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    pub name: String,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BucketList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub bucket_list: Vec<Named>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub object_list: Vec<StoredObject>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredObject {
    pub key: String,
    #[serde(default)]
    pub size: i64,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RepositoryList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub repository_list: Vec<Named>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BranchList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub branch_list: Vec<Named>,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
}

/// Accepts `123` or `"123"` as an i64 id.
pub fn id_number<'de, D: Deserializer<'de>>(de: D) -> Result<i64, D::Error> {
    match serde_json::Value::deserialize(de)? {
        serde_json::Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom(format!("id {n} is not an integer"))),
        serde_json::Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom(format!("id {s:?} is not an integer"))),
        other => Err(serde::de::Error::custom(format!(
            "expected an id, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_numbers_and_strings() {
        let a: IdName = serde_json::from_str(r#"{"id":"42","name":"x"}"#).unwrap();
        let b: IdName = serde_json::from_str(r#"{"id":42,"name":"x"}"#).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn file_source_uses_pascal_case_keys() {
        let file = FileSource {
            source_type: "ObjectStorage".into(),
            object_storage: Some(ObjectStorageFile {
                bucket: "b".into(),
                object: "o.tgz".into(),
            }),
            source_build: None,
        };
        assert_eq!(
            serde_json::to_string(&file).unwrap(),
            r#"{"type":"ObjectStorage","ObjectStorage":{"bucket":"b","object":"o.tgz"}}"#
        );
    }

    #[test]
    fn acks_accept_both_documented_shapes() {
        let wrapped: Envelope<Ack> = serde_json::from_str(r#"{"result":{"result":true}}"#).unwrap();
        let bare: Envelope<Ack> = serde_json::from_str(r#"{"result":true}"#).unwrap();
        assert!(wrapped.result.ok() && bare.result.ok());
    }

    #[test]
    fn null_lists_read_as_empty() {
        let list: StageList = serde_json::from_str(r#"{"stageList": null}"#).unwrap();
        assert!(list.stage_list.is_empty());
    }

    #[test]
    fn error_code_accepts_string_or_number() {
        let e: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"errorCode":200,"message":"m","details":"d"}}"#)
                .unwrap();
        assert_eq!(e.error.error_code, "200");
    }
}
