//! Client failures and failed tasks as the engine reports them. Fetch, the name lookups,
//! execute and deploy all map their errors the same way, so the mapping sits below them.

use super::client::NhnError;
use crate::providers::ProviderError;
use crate::redact;

/// The failed call with the client's message, secrets masked, and a hint where the cause is
/// most likely the user's app key or credentials.
pub(super) fn request_error(call: impl Into<String>, err: NhnError) -> ProviderError {
    let hint = if err.is_auth() {
        Some("check the app key and the credentials (NHN_ACCESS_KEY_ID / NHN_SECRET_ACCESS_KEY or NHN_DEPLOY_TOKEN)".into())
    } else {
        None
    };
    let call = call.into();
    let text = redact::redact(&err.to_string()).into_owned();
    // The client's messages already name their call; do not say it twice.
    let message = text
        .strip_prefix(&format!("{call}: "))
        .map(str::to_owned)
        .unwrap_or(text);
    ProviderError::Request {
        call,
        message,
        hint,
    }
}

/// A spawned lookup that panicked or was cancelled.
pub(super) fn task_failed(err: tokio::task::JoinError) -> ProviderError {
    ProviderError::Precondition(format!("lookup task failed: {err}"))
}
