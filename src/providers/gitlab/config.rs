//! Instance settings of `type: gitlab`: endpoint and token.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::validate::Ctx;
use crate::providers::common::instance::{Endpoints, require_secret};

/// The public endpoint by name (`public` when the manifest names none). A self-managed
/// instance is given by its base URL, `https://HOST`; the client adds `/api/v4`.
pub const ENDPOINTS: Endpoints = Endpoints {
    default: "public",
    named: &[("public", "https://gitlab.com")],
};

/// The environment variable read when the manifest names no token (`PRIVATE-TOKEN`).
pub const ENV_TOKEN: &str = "GITLAB_TOKEN";
/// The job token GitLab CI gives every job (`JOB-TOKEN`), used when no other token is set.
pub const ENV_JOB_TOKEN: &str = "CI_JOB_TOKEN";

/// Settings of a `gitlab` provider instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabConfig")]
pub struct GitlabConfig {
    /// `sandbox` (the embedded emulator, no account needed), `public` (gitlab.com, the
    /// default), or a self-managed instance's base URL (`https://gitlab.example.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The token, by reference; when absent, `GITLAB_TOKEN`, else `CI_JOB_TOKEN` inside a
    /// GitLab CI job.
    #[serde(default)]
    pub credentials: GitlabCredentialSettings,
}

/// The credentials of an instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabCredentials")]
pub struct GitlabCredentialSettings {
    /// A personal, project or group access token (sent as `PRIVATE-TOKEN`): only ever from
    /// a secret (`${secret.…}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

pub fn validate(_name: &str, config: &GitlabConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    ENDPOINTS.check(config.endpoint.as_deref(), pointer, ctx);
    require_secret(
        "token",
        config.credentials.token.is_some(),
        pointer,
        ctx,
        "write `token: ${secret.GITLAB_TOKEN}`, or leave `credentials` out to use `GITLAB_TOKEN` (or `CI_JOB_TOKEN` in a GitLab job)".into(),
    );
}
