//! Errors of the GitHub client, rendered from GitHub's own words.
//!
//! GitHub explains a refusal in the body: `message`, and for validation failures an
//! `errors[]` whose entries are objects (`{resource, field, code, message?}`) or plain
//! strings. All of it goes into the text, so that a user sees *which* field was refused.
//! The status picks the hint: 404 is also GitHub's answer for a private repository the
//! token cannot see, 403 is a missing scope or permission (unless it is a rate limit), 401
//! a refused token. Every string here has been through [`crate::redact::redact`]; the token
//! is registered as a secret when the client is built, so it cannot show up even if a
//! server echoed it.

use std::fmt;

use serde_json::Value;

use super::throttle;
use crate::providers::ProviderError;
use crate::providers::common::failure::{call_failed, help};
use crate::providers::github::wire::ErrorBody;
use crate::providers::http::{HttpError, HttpResponse, resets_note};
use crate::redact::redact;

/// A GitHub call that did not produce the expected result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GithubError {
    /// GitHub answered with an error status.
    #[error("{call}: HTTP {status}: {}", details(.message, .errors))]
    Api {
        /// What was called, e.g. ``read repository `octo-org/shop` ``.
        call: String,
        /// What the call was about, for the hint, e.g. ``repository `octo-org/shop` ``.
        target: String,
        status: u16,
        /// GitHub's `message` (or the start of a body that was not GitHub's JSON).
        message: String,
        /// Each `errors[]` entry, rendered.
        errors: Vec<String>,
    },

    /// GitHub throttled the call longer than the client waits.
    #[error("{call}: rate limited by GitHub (HTTP {status}: {message}){}", resets_note(*.resets_at))]
    RateLimited {
        call: String,
        status: u16,
        message: String,
        /// When the limit resets, if GitHub said (`x-ratelimit-reset` or `retry-after`).
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

    /// An answer whose body is not what GitHub documents.
    #[error("{call}: unexpected response: {reason}")]
    Decode { call: String, reason: String },

    /// The client cannot be set up (endpoint URL, token), or a value cannot be sent
    /// (a public key that is no Curve25519 key).
    #[error("{0}")]
    Invalid(String),
}

impl GithubError {
    /// The error of an answer with an error status.
    pub(super) fn from_response(call: &str, target: &str, response: &HttpResponse) -> Self {
        let body: ErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
        let message = response.error_text(body.message);
        if let Some(limit) = throttle::classify(response, jiff::Timestamp::now()) {
            return GithubError::RateLimited {
                call: call.to_owned(),
                status: response.status,
                message,
                resets_at: limit.resets_at,
            };
        }
        GithubError::Api {
            call: call.to_owned(),
            target: target.to_owned(),
            status: response.status,
            message,
            errors: body
                .errors
                .iter()
                .map(|e| redact(&entry(e)).into_owned())
                .collect(),
        }
    }

    /// The call an error is about.
    pub fn call(&self) -> &str {
        match self {
            GithubError::Api { call, .. }
            | GithubError::RateLimited { call, .. }
            | GithubError::Http { call, .. }
            | GithubError::Decode { call, .. } => call,
            GithubError::Invalid(_) => "",
        }
    }

    /// The HTTP status GitHub answered, for an error answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            GithubError::Api { status, .. } | GithubError::RateLimited { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The addressed object does not exist (or the token cannot see it).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The server may have acted on a creating call: re-read the remote to learn whether.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, GithubError::Http { source, .. } if source.is_ambiguous())
    }

    /// What to do about it, by status.
    pub fn hint(&self) -> Option<String> {
        match self {
            GithubError::Api { status, target, .. } => match status {
                401 => Some(
                    "GitHub refused the token (bad credentials): check GITHUB_TOKEN / GH_TOKEN or \
                     the instance's `credentials.token`; it may be expired or revoked"
                        .to_owned(),
                ),
                403 => Some(format!(
                    "the token may not act on {target}: a classic token needs the `repo` scope \
                     (`repo_deployment` suffices for deployments and their statuses); a \
                     fine-grained token needs read and write access to the repository's \
                     Environments, Deployments, Secrets or Variables; changing or deleting \
                     environments needs admin rights"
                )),
                404 => Some(format!(
                    "{target} does not exist or the token cannot see it (GitHub answers 404, \
                     not 403, for private repositories a token has no access to)"
                )),
                202 => Some(
                    "GitHub merged the default branch into the ref instead of creating the \
                     deployment (`auto_merge: true`); apply again, or set `auto_merge: false`"
                        .to_owned(),
                ),
                _ => None,
            },
            GithubError::RateLimited { .. } => Some(
                "wait until the limit resets, or use a token with a higher limit (a GitHub \
                 App installation token); lower `--parallelism` to stay under secondary limits"
                    .to_owned(),
            ),
            _ => None,
        }
    }
}

impl miette::Diagnostic for GithubError {
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        help(self.hint())
    }
}

impl crate::providers::http::Ambiguity for GithubError {
    fn is_ambiguous(&self) -> bool {
        GithubError::is_ambiguous(self)
    }

    fn not_processed(self, attempts: u32) -> Self {
        match self {
            GithubError::Http { call, source } => GithubError::Http {
                call,
                source: source.not_processed(attempts),
            },
            other => other,
        }
    }
}

impl From<GithubError> for ProviderError {
    /// The failed call with GitHub's message and the status's hint; an outcome that stayed
    /// unknown is [`ProviderError::Ambiguous`].
    fn from(error: GithubError) -> ProviderError {
        let text = error.to_string();
        call_failed(error.call(), &text, error.hint(), error.is_ambiguous())
    }
}

/// `message; entry; entry`.
fn details(message: &str, errors: &[String]) -> String {
    std::iter::once(message)
        .chain(errors.iter().map(String::as_str))
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// One `errors[]` entry: a string as it is; an object as
/// `resource.field: code (message)`, with whatever parts it has.
fn entry(value: &Value) -> String {
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("");
    match value {
        Value::String(text) => text.clone(),
        Value::Object(_) => {
            let place = [text("resource"), text("field")]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(".");
            let mut out = place;
            let code = text("code");
            if !code.is_empty() {
                if !out.is_empty() {
                    out.push_str(": ");
                }
                out.push_str(code);
            }
            let message = text("message");
            if !message.is_empty() {
                if out.is_empty() {
                    out.push_str(message);
                } else {
                    out.push_str(&format!(" ({message})"));
                }
            }
            if out.is_empty() {
                value.to_string()
            } else {
                out
            }
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    #[test]
    fn entries_render_in_both_forms() {
        let cases = [
            (
                json!({"resource": "Deployment", "field": "ref", "code": "invalid"}),
                "Deployment.ref: invalid",
            ),
            (
                json!({"resource": "Environment", "field": "wait_timer", "code": "custom",
                       "message": "must be at most 43200"}),
                "Environment.wait_timer: custom (must be at most 43200)",
            ),
            (json!({"message": "only a message"}), "only a message"),
            (json!({"code": "missing"}), "missing"),
            (
                json!("Reviewers must be unique"),
                "Reviewers must be unique",
            ),
            (json!({"index": 0}), r#"{"index":0}"#),
            (json!(7), "7"),
        ];
        for (value, expected) in cases {
            assert_eq!(entry(&value), expected, "{value}");
        }
        assert_eq!(
            details("Validation Failed", &["a".into(), "b".into()]),
            "Validation Failed; a; b"
        );
        assert_eq!(details("", &["a".into()]), "a");
    }

    proptest! {
        /// GitHub's message and every `errors[]` entry, in either form, reach the text;
        /// a token a server echoes does not.
        #[test]
        fn every_part_of_an_error_body_is_shown_and_no_token(
            status in prop_oneof![Just(400u16), Just(401), Just(404), Just(409), Just(422)],
            message in "[A-Za-z0-9][A-Za-z0-9 .,:]{0,39}",
            texts in proptest::collection::vec("[A-Za-z0-9][A-Za-z0-9 ]{0,19}", 0..4),
            fields in proptest::collection::vec(("[a-z_]{1,10}", "[a-z_]{1,10}"), 0..4),
        ) {
            let token = "ghp_echoedTokenValue_0123456789abcdef";
            crate::redact::register(token);
            let mut errors: Vec<Value> = texts.iter().map(|t| json!(t)).collect();
            errors.extend(fields.iter().map(|(field, code)| {
                json!({"resource": "Deployment", "field": field, "code": code})
            }));
            let body = json!({"message": format!("{message} (token {token})"), "errors": errors});
            let response = HttpResponse {
                status,
                headers: reqwest::header::HeaderMap::new(),
                body: body.to_string().into_bytes(),
                attempts: 1,
            };
            let err = GithubError::from_response("read repository `o/r`", "repository `o/r`", &response);
            let shown = format!("{err} {err:?} {:?}", ProviderError::from(err.clone()));
            prop_assert!(shown.contains(&message), "{shown}");
            for text in &texts {
                prop_assert!(shown.contains(text.as_str()), "{shown}");
            }
            for (field, code) in &fields {
                let entry = format!("Deployment.{field}: {code}");
                prop_assert!(shown.contains(&entry), "{shown}");
            }
            prop_assert!(!shown.contains(token), "{shown}");
            prop_assert_eq!(err.status(), Some(status));
        }
    }
}
