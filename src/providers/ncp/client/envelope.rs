//! SourceDeploy's envelopes: `{"result": T}` on success, `{"error": {errorCode, message,
//! details}}` on failure (sometimes with a 2xx status), and anything else reported with a
//! short redacted snippet so that a proxy's HTML error page is recognisable in the message.

use serde::de::DeserializeOwned;

use super::call::Call;
use super::error::NcpError;
use crate::providers::common::snippet::snippet;
use crate::providers::http::HttpResponse;
use crate::providers::ncp::wire::{Envelope, ErrorEnvelope};
use crate::redact::redact;

/// Unwraps `{"result": T}` from a successful response; turns anything else into an error
/// that names `call` (its label is made only then: most answers are not errors).
pub(super) fn decode<T: DeserializeOwned>(
    call: &Call,
    response: &HttpResponse,
) -> Result<T, NcpError> {
    if !response.is_success() {
        return Err(api_error(&call.label(), response));
    }
    match serde_json::from_slice::<Envelope<T>>(&response.body) {
        Ok(envelope) => Ok(envelope.result),
        // A 2xx carrying an error envelope is still an error.
        Err(e) => match serde_json::from_slice::<ErrorEnvelope>(&response.body) {
            Ok(_) => Err(api_error(&call.label(), response)),
            Err(_) => Err(NcpError::Decode {
                call: call.label(),
                status: response.status,
                reason: redact(&e.to_string()).into_owned(),
                snippet: snippet(&response.body),
            }),
        },
    }
}

/// The error of a failed response: its error envelope, or the status and a snippet.
fn api_error(label: &str, response: &HttpResponse) -> NcpError {
    let clean = |text: &str| redact(text).into_owned();
    match serde_json::from_slice::<ErrorEnvelope>(&response.body) {
        Ok(ErrorEnvelope { error }) => NcpError::Api {
            call: label.to_owned(),
            status: response.status,
            code: clean(&error.error_code),
            message: clean(&error.message),
            details: clean(&error.details),
        },
        Err(_) => NcpError::Api {
            call: label.to_owned(),
            status: response.status,
            code: String::new(),
            message: reqwest::StatusCode::from_u16(response.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error")
                .to_owned(),
            details: if response.body.is_empty() {
                String::new()
            } else {
                snippet(&response.body)
            },
        },
    }
}
