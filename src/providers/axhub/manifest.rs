//! The `axhub:` section of a manifest. (Skeleton: apps and releases follow.)

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Resources managed through the AxHub API.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AxhubSection")]
pub struct AxhubSection {}
