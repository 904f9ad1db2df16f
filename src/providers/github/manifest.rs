//! The `github:` section of a manifest: repositories by `owner/name`, their deployment
//! environments and deployment records. (Skeleton: the full section follows.)

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through the GitHub REST API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubSection")]
pub struct GithubSection {
    /// Repositories by `owner/name`.
    #[serde(default)]
    pub repositories: BTreeMap<String, Repository>,
}

/// One repository (looked up, never created).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GithubRepository")]
pub struct Repository {
    /// Provider instance; defaults to the only `github` provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}
