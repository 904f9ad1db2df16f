//! Errors of the shared HTTP client. Every string in them has already been through
//! [`crate::redact::redact`], and URLs carry no user-info, so they can be shown as they are.

/// A request that produced no usable response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// The request could not even be built (bad URL, bad header value): a bug or bad
    /// configuration, never retried.
    #[error("cannot build the request: {cause}")]
    InvalidRequest { cause: String },

    /// The HTTP client itself could not be created (TLS initialisation).
    #[error("cannot create the HTTP client: {cause}")]
    Client { cause: String },

    /// No response after `attempts` tries (connection refused, DNS, timeout, reset), and the
    /// server did not act on the request, or the request was safe to repeat.
    #[error("{method} {url}: {cause} (after {attempts} attempt{})", plural(*.attempts))]
    Transport {
        method: String,
        url: String,
        cause: String,
        attempts: u32,
    },

    /// A non-idempotent request timed out, lost its connection or got a 5xx: the server may
    /// or may not have acted on it. Not retried; re-read the remote state to find out.
    #[error("{method} {url}: outcome unknown: {reason}")]
    Ambiguous {
        method: String,
        url: String,
        reason: String,
    },

    /// The server kept answering with a retryable status (429, 5xx) until the attempts ran
    /// out.
    #[error("{method} {url}: still HTTP {status} after {attempts} attempt{}", plural(*.attempts))]
    TooManyRetries {
        method: String,
        url: String,
        status: u16,
        attempts: u32,
    },

    /// The response body exceeded the size the client accepts.
    #[error("{method} {url}: response body larger than {limit} bytes")]
    BodyTooLarge {
        method: String,
        url: String,
        limit: usize,
    },
}

impl HttpError {
    /// True when the server may have processed a non-idempotent request.
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, HttpError::Ambiguous { .. })
    }

    /// The last HTTP status seen, when the error is about one.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::TooManyRetries { status, .. } => Some(*status),
            _ => None,
        }
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}
