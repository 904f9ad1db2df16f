//! NHN Cloud Deploy API v2.1 JSON shapes as they travel on the wire, shared by the client
//! and the sandbox emulator. Every response is `{header:{isSuccessful, serverTime,
//! resultCode, resultMessage}, body}`; `isSuccessful` is call-level success only. Field
//! names are camelCase; dates are ISO-8601 with an offset (`2025-03-01T12:00:00+09:00`).

use serde::{Deserialize, Serialize};

pub use crate::providers::lenient::{null_as_default, string_or_number};

/// The response envelope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub header: Header,
    #[serde(default = "none")]
    pub body: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub is_successful: bool,
    #[serde(default)]
    pub server_time: i64,
    /// `SUCCESS` or one of [`result_code`]; some clients model it as a number.
    #[serde(deserialize_with = "string_or_number")]
    pub result_code: String,
    #[serde(default)]
    pub result_message: String,
}

/// Documented `resultCode` values.
pub mod result_code {
    pub const SUCCESS: &str = "SUCCESS";
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const NOT_FOUND_ARTIFACT_INFO: &str = "NOT_FOUND_ARTIFACT_INFO";
    pub const ALREADY_UPLOADED_VERSION: &str = "ALREADY_UPLOADED_VERSION";
    pub const NOT_FOUND_OS: &str = "NOT_FOUND_OS";
    pub const NOT_FOUND_BINARY_GROUP: &str = "NOT_FOUND_BINARY_GROUP";
    pub const NOT_FOUND_BINARY_INFO: &str = "NOT_FOUND_BINARY_INFO";
    pub const FILE_SIZE_CAPACITY_EXCEEDED: &str = "FILE_SIZE_CAPACITY_EXCEEDED";
    pub const INVALID_FILE_EXTENSION: &str = "INVALID_FILE_EXTENSION";
    pub const GENERAL_EXCEPTION: &str = "GENERAL_EXCEPTION";
}

/// OAuth2 `token/create` response (client credentials with a User Access Key).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    /// Seconds; the documents disagree on the default (1 h / 24 h), so it is always read.
    pub expires_in: Seconds,
}

/// A number of seconds as the token document allows it: its response table types
/// `expires_in` as a string, its sample shows a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Seconds {
    Number(u64),
    Text(String),
}

/// Body of a successful upload.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadResult {
    pub download_url: String,
    #[serde(deserialize_with = "string_or_number")]
    pub binary_key: String,
}

/// Body of run deployment (JSON). All fields optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployRequest {
    /// Comma-separated hostnames; all servers of the group when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_server_hostnames: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_num: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_when_fail: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#async: Option<bool>,
    /// Comma-separated scenario ids; every mapped scenario when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario_ids: Option<String>,
}

/// One element of the run-deployment body (a list: one per group, autoscale groups too).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployRun {
    pub deploy_key: i64,
    /// `success`, `fail`, or `deploying` (only with `async: true`).
    pub deploy_status: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub deploy_result: Vec<HostResult>,
    #[serde(default)]
    pub deploy_result_location: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HostResult {
    #[serde(default)]
    pub deploy_key: i64,
    pub hostname: String,
    pub status: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub task_result: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub artifacts: Vec<Artifact>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub application_type: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub create_date: Option<String>,
    #[serde(default)]
    pub last_deploy_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerGroupList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub server_groups: Vec<ServerGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerGroup {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `LINUX` or `WINDOWS`.
    #[serde(default)]
    pub os_type: String,
    #[serde(default)]
    pub server_count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BinaryGroupList {
    #[serde(default, deserialize_with = "null_as_default")]
    pub binary_groups: Vec<BinaryGroup>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BinaryGroup {
    pub key: i64,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub create_date: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployHistoryPage {
    #[serde(default)]
    pub total_count: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub deploy_histories: Vec<DeployHistory>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployHistory {
    pub deploy_key: i64,
    #[serde(default)]
    pub scenario_name: String,
    #[serde(default)]
    pub server_group_name: String,
    #[serde(default)]
    pub server_group_id: i64,
    #[serde(default)]
    pub binary_version: String,
    #[serde(default)]
    pub execute_date: String,
    #[serde(default)]
    pub execute_user: String,
    /// `SUCCESS`, `FAIL` or `RUNNING` (upper case, unlike the deploy response).
    pub total_result: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BinaryPage {
    #[serde(default)]
    pub total_count: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub binaries: Vec<Binary>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Binary {
    #[serde(deserialize_with = "string_or_number")]
    pub binary_key: String,
    pub version: String,
    #[serde(default)]
    pub binary_name: String,
    #[serde(default)]
    pub binary_size: i64,
    #[serde(default)]
    pub upload_date: String,
    #[serde(default)]
    pub uploader: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deploy_body_is_a_list_and_async_is_spelled_async() {
        let request = DeployRequest {
            r#async: Some(true),
            scenario_ids: Some("1,2".into()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_string(&request).unwrap(),
            r#"{"async":true,"scenarioIds":"1,2"}"#
        );
        let envelope: Envelope<Vec<DeployRun>> = serde_json::from_str(
            r#"{"header":{"isSuccessful":true,"serverTime":1,"resultCode":"SUCCESS","resultMessage":"success"},
                "body":[{"deployKey":192349,"deployStatus":"deploying","deployResult":null,"deployResultLocation":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(envelope.body.unwrap()[0].deploy_key, 192349);
    }

    #[test]
    fn result_codes_may_be_numbers_and_body_may_be_absent() {
        let envelope: Envelope<UploadResult> = serde_json::from_str(
            r#"{"header":{"isSuccessful":false,"resultCode":400,"resultMessage":"bad"}}"#,
        )
        .unwrap();
        assert_eq!(envelope.header.result_code, "400");
        assert!(envelope.body.is_none());
    }
}
