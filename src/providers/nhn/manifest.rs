//! The `nhn-deploy:` section of a manifest: binaries to upload and releases to deploy.
//! Artifacts, server groups and binary groups are named, never created: plan resolves the
//! names through the API and reports unknown ones at their line.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through NHN Cloud Deploy.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NhnSection {
    /// Binaries by name: "binary group G of artifact A holds version V from local file F".
    #[serde(default)]
    pub binaries: BTreeMap<String, Binary>,
    /// Releases by name: "server group S of artifact A runs version V".
    #[serde(default)]
    pub releases: BTreeMap<String, Release>,
}

/// A binary version that must exist in a binary group; uploaded from `file` when missing.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Binary {
    /// Provider instance; defaults to the only `nhn-deploy` provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Artifact name.
    pub artifact: String,
    /// Binary group name within the artifact.
    pub binary_group: String,
    /// Version (≤ 100 characters); the identity of the binary in its group.
    pub version: String,
    /// Local file to upload, relative to the manifest file.
    pub file: String,
    pub application_type: ApplicationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Client binaries: the OS the file is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os_type: Option<OsType>,
    /// Client binaries: whether this version is fixed (pinned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<bool>,
    /// iOS client binaries: the plist meta file, relative to the manifest file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_file: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApplicationType {
    Server,
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum OsType {
    #[serde(rename = "iOS")]
    Ios,
    Android,
    #[serde(rename = "etc")]
    Etc,
}

impl OsType {
    pub fn as_str(self) -> &'static str {
        match self {
            OsType::Ios => "iOS",
            OsType::Android => "Android",
            OsType::Etc => "etc",
        }
    }
}

/// "Server group S of artifact A runs binary version V." The current version is the
/// `binaryVersion` of the group's latest successful deployment; when it differs, apply
/// deploys (after the upload of the binary it needs) and waits for the result.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Release {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Artifact name.
    pub artifact: String,
    /// Server group name within the artifact.
    pub server_group: String,
    /// The binary to run, by its name under `binaries:`; or give `version` instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary: Option<String>,
    /// The binary version to run, when the binary is not managed here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Scenario ids to run (a non-autoscale group runs exactly one); all mapped when absent.
    #[serde(default)]
    pub scenarios: Vec<i64>,
    /// Deployments in parallel; 0 (the default) runs the whole group at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrent_num: Option<u32>,
    /// Go on with the next server when a scenario fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_when_fail: Option<bool>,
    /// Deploy to these hosts of the group only.
    #[serde(default)]
    pub target_server_hostnames: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy_note: Option<String>,
    /// `true`: start the deployment and follow the history until it ends (per-host results
    /// are not available that way); `false` (the API's default): one call that returns when
    /// the deployment ends, with per-host results.
    #[serde(default, rename = "async", skip_serializing_if = "Option::is_none")]
    pub asynchronous: Option<bool>,
    /// Seconds to wait for the deployment (default: the `--deploy-timeout` of apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(default)]
    pub depends_on: Vec<String>,
}
