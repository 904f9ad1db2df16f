//! Instance settings of `type: ncp-sourcedeploy`: endpoint, region, credentials.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::validate::Ctx;
use crate::providers::common::instance::{Endpoints, require_secret};

/// Named endpoints of SourceDeploy (`vpc` when the manifest names none).
pub const ENDPOINTS: Endpoints = Endpoints {
    default: "vpc",
    named: &[
        ("vpc", "https://vpcsourcedeploy.apigw.ntruss.com"),
        ("classic", "https://sourcedeploy.apigw.ntruss.com"),
        ("gov", "https://vpcsourcedeploy.apigw.gov-ntruss.com"),
    ],
};

/// Environment variables read when the manifest names no credentials (the names the NCP
/// Terraform provider uses).
pub const ENV_ACCESS_KEY: &str = "NCLOUD_ACCESS_KEY";
pub const ENV_SECRET_KEY: &str = "NCLOUD_SECRET_KEY";

/// Settings of an `ncp-sourcedeploy` provider instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NcpSourceDeployConfig")]
pub struct NcpConfig {
    /// `sandbox` (the embedded emulator, no account needed), `vpc` (the default),
    /// `classic`, `gov`, or a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Region code sent to the API (`KR` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// API keys by reference, e.g. `secret_key: ${secret.NCLOUD_SECRET_KEY}`; when absent,
    /// `NCLOUD_ACCESS_KEY` / `NCLOUD_SECRET_KEY` from the environment.
    #[serde(default)]
    pub credentials: NcpCredentialSettings,
}

/// The API keys of an instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NcpSourceDeployCredentials")]
pub struct NcpCredentialSettings {
    /// The access key ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// The secret key: only ever from a secret (`${secret.NAME}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
}

pub fn validate(_name: &str, config: &NcpConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    ENDPOINTS.check(config.endpoint.as_deref(), pointer, ctx);
    require_secret(
        "secret_key",
        config.credentials.secret_key.is_some(),
        pointer,
        ctx,
        "write `secret_key: ${secret.NCLOUD_SECRET_KEY}` and export the value".into(),
    );
}
