//! Errors of the SourceDeploy client. Every string that came from the server or names a
//! request has been through [`crate::redact::redact`] before it is stored here.

use crate::providers::http::HttpError;

/// A SourceDeploy call that did not produce the expected result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NcpError {
    /// The API answered with an error status (and usually an error envelope).
    /// `code` is the gateway or service `errorCode` (`"200"` authentication failed, `"300"`
    /// not found, …), empty when the body carried none.
    #[error("{call}: {}", api_text(*.status, .code, .message, .details))]
    Api {
        /// What was called, e.g. `POST /api/v1/project/3/stage`.
        call: String,
        status: u16,
        code: String,
        message: String,
        details: String,
    },

    /// No usable response: transport failure, retries exhausted, or an ambiguous outcome
    /// of a non-idempotent call.
    #[error(transparent)]
    Http(#[from] HttpError),

    /// A response whose body is not what the API documents.
    #[error("{call}: unexpected response (HTTP {status}): {reason}; body: {snippet}")]
    Decode {
        call: String,
        status: u16,
        reason: String,
        /// The start of the body, redacted.
        snippet: String,
    },

    /// The API answered `{"result": false}` to an acknowledged operation.
    #[error("{call}: the API did not acknowledge the request (`result: false`)")]
    NotAcknowledged { call: String },

    /// The request was refused before sending (a caller bug or an unusable base URL).
    #[error("{call}: {reason}")]
    InvalidRequest { call: String, reason: String },

    /// A list did not end: it kept returning full pages, or the same page again (the
    /// server seems to ignore `pageNo`).
    #[error("{call}: pagination does not end: {reason}")]
    Pagination { call: String, reason: String },
}

impl NcpError {
    /// The object does not exist (HTTP 404 or gateway error code 300).
    pub fn is_not_found(&self) -> bool {
        matches!(self, NcpError::Api { status, code, .. } if *status == 404 || code == "300")
    }

    /// The credentials or the signature were refused (HTTP 401: error code 200
    /// authentication failed, or 210 permission denied).
    pub fn is_auth(&self) -> bool {
        matches!(self, NcpError::Api { status: 401, .. })
    }

    /// The server may or may not have carried out a create or deploy call: re-read the
    /// remote to find out.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, NcpError::Http(e) if e.is_ambiguous())
    }

    /// The HTTP status behind the error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            NcpError::Api { status, .. } | NcpError::Decode { status, .. } => Some(*status),
            NcpError::Http(e) => e.status(),
            _ => None,
        }
    }
}

fn api_text(status: u16, code: &str, message: &str, details: &str) -> String {
    let mut text = format!("HTTP {status}");
    if !code.is_empty() {
        text.push_str(&format!(", error {code}"));
    }
    if !message.is_empty() {
        text.push_str(&format!(": {message}"));
    }
    if !details.is_empty() && details != message {
        text.push_str(&format!(" ({details})"));
    }
    text
}

impl crate::providers::http::Ambiguity for NcpError {
    fn is_ambiguous(&self) -> bool {
        NcpError::is_ambiguous(self)
    }

    fn not_processed(self, attempts: u32) -> Self {
        match self {
            NcpError::Http(error) => NcpError::Http(error.not_processed(attempts)),
            other => other,
        }
    }
}
