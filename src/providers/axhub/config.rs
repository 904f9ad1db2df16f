//! Instance settings of `type: axhub`: endpoint, tenant and token.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::lower::names::slug_problem;
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;
use crate::providers::common::checks::{is_secret, shown};
use crate::providers::common::instance::{Endpoints, require_secret};

/// The public endpoint by name (`public` when the manifest names none); any other AxHub is
/// given by its base URL.
pub const ENDPOINTS: Endpoints = Endpoints {
    default: "public",
    named: &[("public", "https://api.axhub.ai")],
};

/// The environment variable read when the manifest names no token (`X-Api-Key`).
pub const ENV_TOKEN: &str = "AXHUB_TOKEN";

/// Settings of an `axhub` provider instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubConfig")]
pub struct AxhubConfig {
    /// `sandbox` (the embedded emulator, no account needed), `public` (api.axhub.ai, the
    /// default), or a base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The tenant (workspace) the apps belong to, by its slug (2–64 of `a-z`, `0-9`, `-`).
    pub tenant: String,
    /// The token, by reference; when absent, `AXHUB_TOKEN`.
    #[serde(default)]
    pub credentials: AxhubCredentialSettings,
}

/// The credentials of an instance.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubCredentials")]
pub struct AxhubCredentialSettings {
    /// A personal access token (sent as `X-Api-Key`): only ever from a secret (`${secret.…}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Checks the instance: its endpoint, its tenant's slug (as it arrives, a secret never
/// shown) and where its token comes from.
pub fn validate(_name: &str, config: &AxhubConfig, pointer: &str, ctx: &mut Ctx<'_>) {
    ENDPOINTS.check(config.endpoint.as_deref(), pointer, ctx);
    let tenant_at = join(pointer, "tenant");
    if let Some(hint) = slug_problem(&config.tenant, "a tenant slug") {
        let hint = match is_secret(ctx, &tenant_at) {
            true => "a tenant slug is 2–64 lower-case letters, digits and `-`".to_owned(),
            false => hint,
        };
        let tenant = shown(ctx, &tenant_at, &config.tenant);
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("tenant {tenant} is not a tenant slug"),
            &tenant_at,
            "not a tenant slug",
        )
        .help = Some(hint);
    }
    require_secret(
        "token",
        config.credentials.token.is_some(),
        pointer,
        ctx,
        "write `token: ${secret.AXHUB_TOKEN}`, or leave `credentials` out to use `AXHUB_TOKEN`"
            .into(),
    );
}
