//! A provider client's failed call as the engine reports it. Each client's error type says
//! the call (``read project `acme/shop` ``), its own text, a hint and whether the outcome of
//! a creating call is unknown; turning that into a [`ProviderError`] is the same for all.

use crate::providers::ProviderError;
use crate::redact::redact;

/// The engine's error for the failed `call` whose full text is `text` (starting with the
/// call, which is not repeated in the message), with `hint`; an outcome that stayed
/// unknown (`ambiguous`) is [`ProviderError::Ambiguous`]. Redacted.
pub fn call_failed(call: &str, text: &str, hint: Option<String>, ambiguous: bool) -> ProviderError {
    let text = redact(text).into_owned();
    let message = match text
        .strip_prefix(call)
        .and_then(|rest| rest.strip_prefix(": "))
    {
        Some(rest) if !call.is_empty() => rest.to_owned(),
        _ => text,
    };
    let call = call.to_owned();
    if ambiguous {
        return ProviderError::Ambiguous { call, message };
    }
    ProviderError::Request {
        call,
        message,
        hint,
    }
}

/// A client error's hint as miette's `help`, so that every client error renders its hint
/// the same way.
pub fn help<'a>(hint: Option<String>) -> Option<Box<dyn std::fmt::Display + 'a>> {
    hint.map(|hint| Box::new(hint) as Box<dyn std::fmt::Display + 'a>)
}

/// The engine's error for a spawned read of `call` that panicked or was cancelled: a fault
/// of this program, never of the provider.
pub fn task_failed(call: &str, err: tokio::task::JoinError) -> ProviderError {
    ProviderError::Request {
        call: call.to_owned(),
        message: format!("internal error: {err}"),
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_is_said_once_and_an_unknown_outcome_is_ambiguous() {
        let error = call_failed(
            "read project `a/b`",
            "read project `a/b`: HTTP 404: gone",
            Some("check".into()),
            false,
        );
        assert!(
            matches!(&error, ProviderError::Request { call, message, hint }
            if call == "read project `a/b`" && message == "HTTP 404: gone" && hint.as_deref() == Some("check"))
        );
        let error = call_failed("create x", "create x: outcome unknown", None, true);
        assert!(
            matches!(&error, ProviderError::Ambiguous { message, .. } if message == "outcome unknown")
        );
        let error = call_failed("", "bad endpoint", None, false);
        assert!(
            matches!(&error, ProviderError::Request { message, .. } if message == "bad endpoint")
        );
    }
}
