//! GitLab's own description of the operations this provider uses, as a test oracle.
//!
//! The emulator and the client are written from the same notes, so they can agree with each
//! other and both be wrong about GitLab. The subsets in `tests/fixtures/gitlab/openapi/` let
//! tests hold each direction to GitLab's word instead: [`check_response`] for what the
//! emulator answers, [`check_request`] for the bodies the client sends. One is cut from
//! GitLab's `openapi_v2.yaml` (converted to OpenAPI 3.0 by `cut.py`), the other written from
//! GitLab's REST docs for the operations that one does not hold; the README there says which.
//! The checking itself is `providers::common::openapi`, shared with GitHub's oracle.

use std::sync::LazyLock;

use serde_json::Value;

use crate::providers::common::openapi::{Description, Operation, Oracle};

/// Environments and deployments, cut from GitLab's generated description.
const GENERATED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/gitlab/openapi/gitlab.v4.subset.json"
));

/// Projects, repository refs, users, groups, members and protected environments, written
/// from GitLab's REST docs.
const DOCS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/gitlab/openapi/gitlab.docs.subset.json"
));

/// The source name of [`GENERATED`]'s operations.
pub(crate) const FROM_DESCRIPTION: &str = "openapi_v2.yaml";
/// The source name of [`DOCS`]'s operations.
pub(crate) const FROM_DOCS: &str = "REST docs";

/// Both files, compiled once for the whole test run. Templates start at `/api/v4`; the
/// sandbox serves GitLab under `/gitlab`, which no template has.
static ORACLE: LazyLock<Oracle> = LazyLock::new(|| {
    Oracle::new(
        "GitLab",
        &["/gitlab"],
        &[
            Description {
                text: GENERATED,
                source: FROM_DESCRIPTION,
            },
            Description {
                text: DOCS,
                source: FROM_DOCS,
            },
        ],
    )
});

/// The operation `method concrete_path` is, if GitLab's description has it
/// ([`Oracle::operation`]).
pub(crate) fn operation(method: &str, concrete_path: &str) -> Option<Operation> {
    ORACLE.operation(method, concrete_path)
}

/// Checks an answer against GitLab's description ([`Oracle::check_response`]).
pub(crate) fn check_response(
    method: &str,
    concrete_path: &str,
    status: u16,
    body: &Value,
) -> Result<(), Vec<String>> {
    ORACLE.check_response(method, concrete_path, status, body)
}

/// Checks a request body against GitLab's description ([`Oracle::check_request`]).
pub(crate) fn check_request(
    method: &str,
    concrete_path: &str,
    body: &Value,
) -> Result<(), Vec<String>> {
    ORACLE.check_request(method, concrete_path, body)
}

mod bodies;
mod conformance;
mod python_gitlab;
mod requests;
mod tests;
