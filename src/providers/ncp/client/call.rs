//! One request in the making: method, path, query, body and retry class, and the encoding
//! that makes the signed URI and the URI on the wire the same string.

use reqwest::Method;

use super::error::NcpError;
use crate::providers::common::percent::encode_unreserved;
use crate::providers::http::Retry;
use crate::redact::redact;

/// One request to make: what, where, and how safe it is to repeat.
pub(super) struct Call {
    pub(super) method: Method,
    /// Absolute API path starting with `/api/v1`, path segments already encoded.
    pub(super) path: String,
    pub(super) query: Vec<(&'static str, String)>,
    pub(super) body: Option<Vec<u8>>,
    pub(super) retry: Retry,
}

impl Call {
    fn new(method: Method, path: String, retry: Retry) -> Call {
        Call {
            method,
            path,
            query: Vec::new(),
            body: None,
            retry,
        }
    }

    pub(super) fn get(path: String) -> Call {
        Call::new(Method::GET, path, Retry::Safe)
    }

    pub(super) fn patch(path: String) -> Call {
        Call::new(Method::PATCH, path, Retry::Safe)
    }

    pub(super) fn delete(path: String) -> Call {
        Call::new(Method::DELETE, path, Retry::Safe)
    }

    /// A POST that creates something or starts an action: never repeated blindly.
    pub(super) fn post(path: String) -> Call {
        Call::new(Method::POST, path, Retry::OnlyIfNotProcessed)
    }

    pub(super) fn query(mut self, name: &'static str, value: impl ToString) -> Call {
        self.query.push((name, value.to_string()));
        self
    }

    pub(super) fn json(mut self, body: &impl serde::Serialize) -> Result<Call, NcpError> {
        let bytes = serde_json::to_vec(body).map_err(|e| NcpError::InvalidRequest {
            call: self.label(),
            reason: redact(&format!("cannot encode the body: {e}")).into_owned(),
        })?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// `METHOD /api/v1/path` (no query), for errors.
    pub(super) fn label(&self) -> String {
        redact(&format!("{} {}", self.method, self.path)).into_owned()
    }
}

/// `name=value&…` in the given order, encoded.
pub(super) fn encode_query(pairs: &[(&'static str, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode_unreserved(name), encode_unreserved(value)))
        .collect::<Vec<_>>()
        .join("&")
}
