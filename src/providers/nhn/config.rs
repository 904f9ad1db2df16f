//! Instance settings of `type: nhn-deploy`: endpoint, app key, credentials.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::manifest::validate::Ctx;
use crate::providers::common::instance::{Endpoints, require_secret};

/// The public API endpoints by name (`public` when the manifest names none).
pub const ENDPOINTS: Endpoints = Endpoints {
    default: "public",
    named: &[
        ("public", "https://api-tcd.nhncloudservice.com"),
        ("gov", "https://api-tcd.gov-nhncloudservice.com"),
    ],
};

/// The OAuth2 token endpoint of each named endpoint.
pub const OAUTH_ENDPOINTS: [(&str, &str); 2] = [
    ("public", "https://oauth.api.nhncloudservice.com"),
    ("gov", "https://oauth.api.gov-nhncloudservice.com"),
];

/// Environment variables read when the manifest names no credentials.
pub const ENV_TOKEN: &str = "NHN_DEPLOY_TOKEN";
pub const ENV_ACCESS_KEY_ID: &str = "NHN_ACCESS_KEY_ID";
pub const ENV_SECRET_ACCESS_KEY: &str = "NHN_SECRET_ACCESS_KEY";
pub const ENV_APP_KEY: &str = "NHN_DEPLOY_APP_KEY";

/// Settings of an `nhn-deploy` provider instance. (No region: it is part of the app key's
/// project.)
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NhnDeployConfig")]
pub struct NhnConfig {
    /// `sandbox` (the embedded emulator, no account needed), `public` (the default), `gov`,
    /// or a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The Deploy service's app key (`NHN_DEPLOY_APP_KEY` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_key: Option<String>,
    /// The OAuth2 token endpoint's base URL, when not the named endpoint's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_endpoint: Option<String>,
    /// A ready token, or a User Access Key exchanged for tokens, by reference; when
    /// absent, `NHN_DEPLOY_TOKEN` or `NHN_ACCESS_KEY_ID` / `NHN_SECRET_ACCESS_KEY`.
    #[serde(default)]
    pub credentials: NhnCredentialSettings,
}

/// The credentials of an instance: a token, or a User Access Key.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "NhnDeployCredentials")]
pub struct NhnCredentialSettings {
    /// A bearer token: only ever from a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The User Access Key ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// The Secret Access Key: only ever from a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
}

/// The OAuth2 base of the named endpoint `name`.
pub fn named_oauth(name: &str) -> Option<&'static str> {
    OAUTH_ENDPOINTS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, url)| *url)
}

pub fn validate(_name: &str, config: &NhnConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    ENDPOINTS.check(config.endpoint.as_deref(), pointer, ctx);
    let credentials = &config.credentials;
    for (field, present) in [
        ("token", credentials.token.is_some()),
        ("secret_access_key", credentials.secret_access_key.is_some()),
    ] {
        require_secret(
            field,
            present,
            pointer,
            ctx,
            format!("write `{field}: ${{secret.NAME}}` and export the value"),
        );
    }
}
