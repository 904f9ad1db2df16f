//! NHN's `{header, body}` envelope, judged once for every call.
//!
//! `header.isSuccessful` is the call's verdict, whatever the HTTP status: a `false` with HTTP
//! 200 is an error ([`NhnError::Api`]), as is any error status. An HTTP 401 that survived a
//! token refresh is an [`NhnError::Auth`]. A body that is no envelope at all (a proxy's HTML
//! page, say) is quoted in a short redacted snippet so that it can be recognised.

use serde::de::{DeserializeOwned, IgnoredAny};

use super::NhnError;
use crate::providers::common::snippet::snippet;
use crate::providers::http::HttpResponse;
use crate::providers::nhn::wire::{Envelope, Header};
use crate::redact::redact;

/// The `body` of a successful answer; any other answer becomes an error naming `call`.
pub(super) fn decode<T: DeserializeOwned>(
    call: &str,
    response: &HttpResponse,
) -> Result<T, NhnError> {
    let success = response.is_success();
    match serde_json::from_slice::<Envelope<T>>(&response.body) {
        Ok(Envelope { header, body }) if success && header.is_successful => {
            body.ok_or_else(|| NhnError::Decode {
                call: call.to_owned(),
                reason: "a successful answer without a `body`".to_owned(),
            })
        }
        Ok(Envelope { header, .. }) => Err(refusal(call, response, Some(header))),
        Err(e) => match serde_json::from_slice::<Envelope<IgnoredAny>>(&response.body) {
            // The header is fine but the body is not what the API documents.
            Ok(Envelope { header, .. }) if success && header.is_successful => {
                Err(NhnError::Decode {
                    call: call.to_owned(),
                    reason: format!(
                        "{}; body: {}",
                        redact(&e.to_string()),
                        snippet(&response.body)
                    ),
                })
            }
            Ok(Envelope { header, .. }) => Err(refusal(call, response, Some(header))),
            Err(_) if success => Err(NhnError::Decode {
                call: call.to_owned(),
                reason: format!("not an NHN envelope; body: {}", snippet(&response.body)),
            }),
            Err(_) => Err(refusal(call, response, None)),
        },
    }
}

/// The error for an answer that refused the call, with its envelope header if it had one.
pub(super) fn refusal(call: &str, response: &HttpResponse, header: Option<Header>) -> NhnError {
    let clean = |text: &str| redact(text).into_owned();
    let (result_code, result_message) = match header {
        Some(header) => (clean(&header.result_code), clean(&header.result_message)),
        None => {
            let reason = reqwest::StatusCode::from_u16(response.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("error");
            let message = if response.body.iter().all(u8::is_ascii_whitespace) {
                reason.to_owned()
            } else {
                format!("{reason}: {}", snippet(&response.body))
            };
            (String::new(), message)
        }
    };
    if response.status == 401 {
        let mut message = format!("{call}: the API refused the access token (HTTP 401");
        if !result_code.is_empty() {
            message.push_str(&format!(", {result_code}"));
        }
        message.push_str(&format!(": {result_message})"));
        return NhnError::Auth { message };
    }
    NhnError::Api {
        call: call.to_owned(),
        status: response.status,
        result_code,
        result_message,
    }
}
