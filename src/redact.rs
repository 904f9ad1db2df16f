//! Process-wide secret redaction.
//!
//! Secrets are typed as sensitive from parse time on and rendered as `(sensitive)` by the
//! renderers, but a secret can still reach text by other roads: an API echoing a value in an
//! error body, a URL in a transport error, a panic message. Every secret value the process
//! learns is therefore registered here, and every writer of human or machine output passes
//! its text through [`redact`] as the last step. Belt and braces: typed secrecy first, this
//! filter second.

use std::borrow::Cow;
use std::sync::{OnceLock, RwLock};

/// What replaces a secret value in any output.
pub const MASK: &str = "(sensitive)";

fn registry() -> &'static RwLock<Vec<String>> {
    static SECRETS: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| RwLock::new(Vec::new()))
}

/// Registers a secret value so that it never appears in output. Values shorter than four
/// characters are ignored: masking every `a` or `1` in the output would destroy it while
/// protecting nothing.
pub fn register(secret: &str) {
    if secret.len() < 4 {
        return;
    }
    let mut secrets = registry()
        .write()
        .unwrap_or_else(|poison| poison.into_inner());
    if !secrets.iter().any(|known| known == secret) {
        secrets.push(secret.to_owned());
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Replaces every registered secret in `text` with [`MASK`].
pub fn redact(text: &str) -> Cow<'_, str> {
    let secrets = registry()
        .read()
        .unwrap_or_else(|poison| poison.into_inner());
    if !secrets.iter().any(|secret| text.contains(secret.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_owned();
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), MASK);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_values_longest_first() {
        register("hunter2-secret");
        register("hunter2-secret-extended");
        assert_eq!(redact("a hunter2-secret-extended b"), "a (sensitive) b");
        assert_eq!(redact("x hunter2-secret y"), "x (sensitive) y");
        assert!(matches!(redact("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn ignores_trivially_short_values() {
        register("ab");
        assert_eq!(redact("abc"), "abc");
    }
}
