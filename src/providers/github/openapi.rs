//! GitHub's own OpenAPI description of the operations this provider uses, as a test oracle.
//!
//! The subsets in `tests/fixtures/github/openapi/` (cut from GitHub's published description,
//! see the README there) hold the emulator's answers ([`check_response`]) and the client's
//! request bodies ([`check_request`]) to GitHub's word rather than only to each other. The
//! checking itself is `providers::common::openapi`, shared with GitLab's oracle.

use std::sync::LazyLock;

use serde_json::Value;

pub(crate) use crate::providers::common::openapi::Operation;
use crate::providers::common::openapi::{Description, Oracle};

/// api.github.com, REST API version 2022-11-28: every operation the provider calls.
const DOTCOM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/github/openapi/api.github.com.2022-11-28.subset.json"
));

/// GitHub Enterprise Server 3.9: environment variables and secrets by repository id, the only
/// paths for them there, which api.github.com's description no longer lists.
const GHES_LEGACY: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/github/openapi/ghes-3.9.legacy-paths.subset.json"
));

/// Both descriptions, compiled once for the whole test run. Every path on GitHub Enterprise
/// Server starts with `/api/v3`, which no template has.
static ORACLE: LazyLock<Oracle> = LazyLock::new(|| {
    Oracle::new(
        "GitHub",
        &["/api/v3"],
        &[
            Description {
                text: DOTCOM,
                source: "api.github.com 2022-11-28",
            },
            Description {
                text: GHES_LEGACY,
                source: "GHES 3.9",
            },
        ],
    )
});

/// The operation `method concrete_path` is, if GitHub's description has it
/// ([`Oracle::operation`]).
pub(crate) fn operation(method: &str, concrete_path: &str) -> Option<Operation> {
    ORACLE.operation(method, concrete_path)
}

/// Checks an answer against GitHub's description ([`Oracle::check_response`]).
pub(crate) fn check_response(
    method: &str,
    concrete_path: &str,
    status: u16,
    body: &Value,
) -> Result<(), Vec<String>> {
    ORACLE.check_response(method, concrete_path, status, body)
}

/// Checks a request body against GitHub's description ([`Oracle::check_request`]).
pub(crate) fn check_request(
    method: &str,
    concrete_path: &str,
    body: &Value,
) -> Result<(), Vec<String>> {
    ORACLE.check_request(method, concrete_path, body)
}

#[cfg(test)]
mod bodies;
#[cfg(test)]
mod conformance;
#[cfg(test)]
mod requests;
#[cfg(test)]
mod tests;
