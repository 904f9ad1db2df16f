//! Instance settings of `type: github`: endpoint and token.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::validate::Ctx;
use crate::providers::common::instance::{Endpoints, require_secret};

/// The public API endpoint by name (`public` when the manifest names none). A GitHub
/// Enterprise Server is given by its base URL, `https://HOST/api/v3`.
pub const ENDPOINTS: Endpoints = Endpoints {
    default: "public",
    named: &[("public", "https://api.github.com")],
};

/// Environment variables read, in this order, when the manifest names no token.
pub const ENV_TOKENS: [&str; 2] = ["GITHUB_TOKEN", "GH_TOKEN"];

/// Settings of a `github` provider instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubConfig")]
pub struct GithubConfig {
    /// `sandbox` (the embedded emulator, no account needed), `public` (api.github.com, the
    /// default), or a GitHub Enterprise Server base URL (`https://HOST/api/v3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The token, by reference; when absent, `GITHUB_TOKEN` or `GH_TOKEN`.
    #[serde(default)]
    pub credentials: GithubCredentialSettings,
}

/// The credentials of an instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubCredentials")]
pub struct GithubCredentialSettings {
    /// A personal access token, fine-grained token or app installation token: only ever
    /// from a secret (`${secret.…}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

pub fn validate(_name: &str, config: &GithubConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    ENDPOINTS.check(config.endpoint.as_deref(), pointer, ctx);
    require_secret(
        "token",
        config.credentials.token.is_some(),
        pointer,
        ctx,
        "write `token: ${secret.GITHUB_TOKEN}`, or leave `credentials` out to use `GITHUB_TOKEN` / `GH_TOKEN`".into(),
    );
}
