//! Errors of the GitLab client, rendered from GitLab's own words.
//!
//! GitLab explains a refusal in one of three shapes: `{"message": "404 Project Not Found"}`,
//! a validation failure `{"message": {"ref": ["The branch or tag does not exist"]}}`, or a
//! parameter or OAuth failure `{"error": "…", "error_description": "…", "scope": "api"}`.
//! Each becomes one readable line (`ref: The branch or tag does not exist`); a body that is
//! not GitLab's JSON (Rack::Attack's `Retry later`, a proxy's page) is quoted. The status
//! picks the hint: 401 a refused token, 403 a missing role or a feature of a paid tier, 404
//! a wrong path or a project the token cannot see. Every string has been through
//! [`crate::redact::redact`], and the token is registered as a secret when the client is
//! built.

use std::fmt;

use serde_json::Value;

use crate::providers::ProviderError;
use crate::providers::common::failure::{call_failed, help};
use crate::providers::gitlab::wire::ErrorBody;
use crate::providers::http::{HttpError, HttpResponse, Limited, resets_note};

/// A GitLab call that did not produce the expected result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitlabError {
    /// GitLab answered with an error status.
    #[error("{call}: HTTP {status}: {message}")]
    Api {
        /// What was called, e.g. ``read project `acme/shop` ``.
        call: String,
        /// What the call was about, for the hint, e.g. ``project `acme/shop` ``.
        target: String,
        status: u16,
        /// GitLab's message, rendered on one line.
        message: String,
        /// The request went with a CI job token, which reaches fewer endpoints.
        job_token: bool,
    },

    /// GitLab throttled the call longer than the client waits.
    #[error("{call}: rate limited by GitLab (HTTP {status}: {message}){}", resets_note(*.resets_at))]
    RateLimited {
        call: String,
        status: u16,
        message: String,
        /// When the limit resets, if GitLab said (`Retry-After` or `RateLimit-Reset`).
        resets_at: Option<jiff::Timestamp>,
    },

    /// No usable response: transport failure, retries exhausted, or an ambiguous outcome
    /// that re-reading could not settle.
    #[error("{call}: {source}")]
    Http {
        call: String,
        #[source]
        source: HttpError,
    },

    /// An answer that is not what GitLab documents (a body that does not decode, paging
    /// that goes round in circles, a redirect to another host).
    #[error("{call}: unexpected response: {reason}")]
    Decode { call: String, reason: String },

    /// The client cannot be set up (endpoint URL, token), or a value cannot be addressed.
    #[error("{0}")]
    Invalid(String),
}

impl GitlabError {
    /// The error of an answer with an error status.
    pub(super) fn from_response(
        call: &str,
        target: &str,
        job_token: bool,
        response: &HttpResponse,
    ) -> Self {
        let body: ErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
        let message = response.error_text(render(&body));
        if response.status == 429 {
            let now = jiff::Timestamp::now();
            let limited = Limited::from_headers(&response.headers, now);
            return GitlabError::RateLimited {
                call: call.to_owned(),
                status: response.status,
                message,
                resets_at: limited.and_then(|l| l.resets_at),
            };
        }
        GitlabError::Api {
            call: call.to_owned(),
            target: target.to_owned(),
            status: response.status,
            message,
            job_token,
        }
    }

    /// The call an error is about.
    pub fn call(&self) -> &str {
        match self {
            GitlabError::Api { call, .. }
            | GitlabError::RateLimited { call, .. }
            | GitlabError::Http { call, .. }
            | GitlabError::Decode { call, .. } => call,
            GitlabError::Invalid(_) => "",
        }
    }

    /// The HTTP status GitLab answered, for an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            GitlabError::Api { status, .. } | GitlabError::RateLimited { status, .. } => {
                Some(*status)
            }
            GitlabError::Http { source, .. } => source.status(),
            _ => None,
        }
    }

    /// The server may have acted on a creating call: re-read the remote to learn whether.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, GitlabError::Http { source, .. } if source.is_ambiguous())
    }

    /// What to do about it, by status.
    pub fn hint(&self) -> Option<String> {
        match self {
            GitlabError::Api {
                status,
                target,
                job_token,
                ..
            } => match (status, job_token) {
                (401, true) => Some(
                    "GitLab refused the CI job token: it is valid only while its job runs, and \
                     only for deployments, environments and reading the project; set \
                     GITLAB_TOKEN (a project or personal access token with the `api` scope) for \
                     the rest"
                        .to_owned(),
                ),
                (401, false) => Some(
                    "GitLab refused the token: check GITLAB_TOKEN or the instance's \
                     `credentials.token`; it may be expired or revoked, or lack the `api` scope"
                        .to_owned(),
                ),
                (403, _) => Some(format!(
                    "the token may not act on {target}: environments and deployments need at \
                     least the Developer role, protected environments the Maintainer role; \
                     protected environments and deployment approvals need GitLab Premium or \
                     Ultimate; the token needs the `api` scope"
                )),
                (404, _) => Some(format!(
                    "{target} does not exist or the token cannot see it (GitLab answers 404, \
                     not 403, for projects a token has no access to): check the path"
                )),
                _ => None,
            },
            GitlabError::RateLimited { .. } => Some(
                "wait until the limit resets, or lower `--parallelism`; a self-managed \
                 instance's administrator can raise the limits"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

impl miette::Diagnostic for GitlabError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        help(self.hint())
    }
}

impl crate::providers::http::Ambiguity for GitlabError {
    fn is_ambiguous(&self) -> bool {
        GitlabError::is_ambiguous(self)
    }

    /// The transport error says that re-reads found the call not processed.
    fn not_processed(mut self, attempts: u32) -> Self {
        if let GitlabError::Http { source, .. } = &mut self {
            *source = source.clone().not_processed(attempts);
        }
        self
    }
}

impl From<GitlabError> for ProviderError {
    /// The failed call with GitLab's message and the status's hint; an outcome that stayed
    /// unknown is [`ProviderError::Ambiguous`].
    fn from(error: GitlabError) -> ProviderError {
        let text = error.to_string();
        call_failed(error.call(), &text, error.hint(), error.is_ambiguous())
    }
}

/// GitLab's error body on one line; `None` when it holds nothing to show.
fn render(body: &ErrorBody) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(message) = &body.message {
        parts.push(flatten(message));
    }
    if let Some(error) = &body.error {
        let mut text = flatten(error);
        if let Some(description) = body.error_description.as_deref().filter(|d| !d.is_empty()) {
            text = format!("{text}: {description}");
        }
        if let Some(scope) = body.scope.as_deref().filter(|s| !s.is_empty()) {
            text = format!("{text} (scope needed: {scope})");
        }
        parts.push(text);
    }
    let text = parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    (!text.is_empty()).then_some(text)
}

/// A message value as text: a string as it is, a list joined with `, `, an object as
/// `key: value` pairs joined with `; ` (nested objects as `key.inner: value`).
fn flatten(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.trim().to_owned(),
        Value::Array(items) => items
            .iter()
            .map(flatten)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(fields) => fields
            .iter()
            .map(|(key, value)| match value {
                Value::Object(_) => prefix(key, &flatten(value)),
                _ => format!("{key}: {}", flatten(value)),
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// `key.` before each `; `-separated part of a nested object's text.
fn prefix(key: &str, text: &str) -> String {
    text.split("; ")
        .map(|part| format!("{key}.{part}"))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rendered(body: Value) -> Option<String> {
        render(&serde_json::from_value(body).unwrap())
    }

    #[test]
    fn each_of_gitlabs_shapes_reads_as_one_line() {
        let cases = [
            (
                json!({"message": "404 Project Not Found"}),
                "404 Project Not Found",
            ),
            (
                json!({"message": {"ref": ["The branch or tag does not exist"]}}),
                "ref: The branch or tag does not exist",
            ),
            (
                json!({"message": {"name": ["has already been taken", "is too long"],
                                   "external_url": ["is blocked: Only allowed schemes are http, https"]}}),
                "name: has already been taken, is too long; external_url: is blocked: Only allowed schemes are http, https",
            ),
            (
                json!({"message": {"error": "Spam detected"}}),
                "error: Spam detected",
            ),
            (
                json!({"message": {"base": {"deploy_access_levels": ["is invalid"]}}}),
                "base.deploy_access_levels: is invalid",
            ),
            (
                json!({"error": "status does not have a valid value"}),
                "status does not have a valid value",
            ),
            (
                json!({"error": "insufficient_scope",
                       "error_description": "The request requires higher privileges than provided by the access token.",
                       "scope": "api"}),
                "insufficient_scope: The request requires higher privileges than provided by the access token. (scope needed: api)",
            ),
            (json!({"message": ["a", "b"]}), "a, b"),
            (json!({"message": 403}), "403"),
        ];
        for (body, expected) in cases {
            assert_eq!(rendered(body.clone()).as_deref(), Some(expected), "{body}");
        }
        assert_eq!(rendered(json!({})), None);
        assert_eq!(rendered(json!({"message": null, "error": ""})), None);
    }
}
