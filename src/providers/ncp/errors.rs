//! A client failure as the engine reports it. Every module that calls the API (fetch,
//! releases, execute, deploy, export) maps its errors the same way, so the mapping lives
//! below all of them rather than in one of them.

use super::client::NcpError;
use crate::providers::ProviderError;

/// The failed call with the client's message, secrets masked, and a hint where the cause
/// is most likely the user's credentials or clock (SourceDeploy signs every request).
pub(super) fn request_error(call: impl Into<String>, err: NcpError) -> ProviderError {
    let hint = if err.is_auth() {
        Some("check the access key and secret key (NCLOUD_ACCESS_KEY / NCLOUD_SECRET_KEY) and the clock".into())
    } else {
        None
    };
    ProviderError::Request {
        call: call.into(),
        message: crate::redact::redact(&err.to_string()).into_owned(),
        hint,
    }
}
