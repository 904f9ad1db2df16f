//! Errors of the NHN Cloud Deploy client.
//!
//! NHN answers business failures inside the envelope (`header.isSuccessful: false` with a
//! `resultCode`), often with HTTP 200, so the useful identity of an error is the
//! `resultCode`, not the status: the provider above asks [`NhnError::is_already_uploaded`]
//! (the natural idempotency check of an upload) or [`NhnError::is_not_found`] rather than
//! matching strings. Every string stored here that came from a server, a path or a request
//! has been through [`crate::redact::redact`].

use crate::providers::http::HttpError;
use crate::providers::nhn::wire::result_code;

/// A Deploy API call that did not produce the expected result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NhnError {
    /// The API refused the call: `header.isSuccessful` was false (whatever the HTTP
    /// status), or the status was an error. `result_code` is empty when the body carried no
    /// envelope.
    #[error("{call}: {}", api_text(*.status, .result_code, .result_message))]
    Api {
        /// What was called, e.g. `list server groups of artifact 101`.
        call: String,
        /// The HTTP status of the answer (often 200 for a refusal).
        status: u16,
        /// `header.resultCode`, e.g. `NOT_FOUND_ARTIFACT_INFO`; empty without an envelope.
        result_code: String,
        /// `header.resultMessage`, or the status text and the start of a body that was no
        /// envelope.
        result_message: String,
    },

    /// No usable response: transport failure, retries exhausted, or an ambiguous outcome
    /// of an upload or deploy (see [`NhnError::is_ambiguous`]).
    #[error(transparent)]
    Http(#[from] HttpError),

    /// The credentials or the token were refused (token exchange failed, or the API
    /// answered 401 even with a freshly issued token).
    #[error("{message}")]
    Auth {
        /// What was refused, by whom, and the server's reason.
        message: String,
    },

    /// A response whose body is not what the API documents.
    #[error("{call}: unexpected response: {reason}")]
    Decode {
        /// What was called.
        call: String,
        /// What was wrong, with the start of the body where it helps.
        reason: String,
    },

    /// A local file could not be read or written (the binary to upload, the download
    /// target).
    #[error("`{path}`: {message}")]
    Io {
        /// The local file.
        path: String,
        /// What was being done and the system's error.
        message: String,
    },
}

impl NhnError {
    /// The API's `resultCode`, when the failure carried one.
    pub fn result_code(&self) -> Option<&str> {
        match self {
            NhnError::Api { result_code, .. } if !result_code.is_empty() => Some(result_code),
            _ => None,
        }
    }

    /// The binary group already holds this version (`ALREADY_UPLOADED_VERSION`): the upload
    /// happened before, possibly by an earlier attempt whose answer was lost.
    pub fn is_already_uploaded(&self) -> bool {
        self.result_code() == Some(result_code::ALREADY_UPLOADED_VERSION)
    }

    /// The addressed artifact, binary group or binary does not exist
    /// (`NOT_FOUND_ARTIFACT_INFO`, `NOT_FOUND_BINARY_GROUP`, `NOT_FOUND_BINARY_INFO`, or an
    /// HTTP 404). `NOT_FOUND_OS` is a validation error of the upload, not a missing object.
    pub fn is_not_found(&self) -> bool {
        match self {
            NhnError::Api {
                status,
                result_code: code,
                ..
            } => {
                *status == 404
                    || [
                        result_code::NOT_FOUND_ARTIFACT_INFO,
                        result_code::NOT_FOUND_BINARY_GROUP,
                        result_code::NOT_FOUND_BINARY_INFO,
                    ]
                    .contains(&code.as_str())
            }
            _ => false,
        }
    }

    /// The credentials, the token or the caller's role were refused ([`NhnError::Auth`], or
    /// an HTTP 401 / 403 answer).
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            NhnError::Auth { .. }
                | NhnError::Api {
                    status: 401 | 403,
                    ..
                }
        )
    }

    /// The server may or may not have carried out an upload or a deploy: re-read the
    /// remote (find the binary, search the deploy history) to find out.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, NhnError::Http(e) if e.is_ambiguous())
    }
}

/// `CODE (message)`, with the HTTP status added when it is not a success status (NHN
/// usually reports business errors with HTTP 200, so the status is then noise).
fn api_text(status: u16, code: &str, message: &str) -> String {
    let status_text = (!(200..300).contains(&status)).then(|| format!("HTTP {status}"));
    let mut text = if code.is_empty() {
        status_text.clone().unwrap_or_else(|| "error".to_owned())
    } else {
        code.to_owned()
    };
    let mut details: Vec<&str> = Vec::new();
    if !message.is_empty() && message != code {
        details.push(message);
    }
    if let Some(status_text) = &status_text
        && !code.is_empty()
    {
        details.push(status_text);
    }
    if !details.is_empty() {
        text.push_str(&format!(" ({})", details.join("; ")));
    }
    text
}

impl crate::providers::http::Ambiguity for NhnError {
    fn is_ambiguous(&self) -> bool {
        NhnError::is_ambiguous(self)
    }

    fn not_processed(self, attempts: u32) -> Self {
        match self {
            NhnError::Http(error) => NhnError::Http(error.not_processed(attempts)),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, message: &str) -> NhnError {
        NhnError::Api {
            call: "list server groups of artifact 101".into(),
            status,
            result_code: code.into(),
            result_message: message.into(),
        }
    }

    #[test]
    fn messages_name_the_call_and_the_result_code() {
        assert_eq!(
            api(200, "NOT_FOUND_ARTIFACT_INFO", "artifact not found").to_string(),
            "list server groups of artifact 101: NOT_FOUND_ARTIFACT_INFO (artifact not found)"
        );
        assert_eq!(
            api(404, "NOT_FOUND_ARTIFACT_INFO", "artifact not found").to_string(),
            "list server groups of artifact 101: NOT_FOUND_ARTIFACT_INFO (artifact not found; HTTP 404)"
        );
        assert_eq!(
            api(502, "", "Bad Gateway").to_string(),
            "list server groups of artifact 101: HTTP 502 (Bad Gateway)"
        );
    }

    #[test]
    fn predicates_follow_the_result_code() {
        assert!(api(200, "ALREADY_UPLOADED_VERSION", "").is_already_uploaded());
        assert!(api(200, "NOT_FOUND_BINARY_GROUP", "").is_not_found());
        assert!(api(404, "", "").is_not_found());
        assert!(!api(200, "NOT_FOUND_OS", "").is_not_found());
        assert!(api(403, "", "").is_auth());
        assert_eq!(api(502, "", "x").result_code(), None);
        assert_eq!(
            api(200, "BAD_REQUEST", "x").result_code(),
            Some("BAD_REQUEST")
        );
        let auth = NhnError::Auth {
            message: "refused".into(),
        };
        assert!(auth.is_auth() && !auth.is_ambiguous() && auth.result_code().is_none());
    }
}
