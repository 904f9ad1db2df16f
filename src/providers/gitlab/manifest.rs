//! The `gitlab:` section of a manifest. (Skeleton: projects, environments, protection and
//! deployment records follow.)

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through the GitLab REST API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "GitlabSection")]
pub struct GitlabSection {}
