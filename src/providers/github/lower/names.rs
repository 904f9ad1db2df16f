//! GitHub's naming rules, as pure functions: each returns what is wrong with a name (the
//! hint shown with the error), or `None` when GitHub accepts it. Lowering locates the
//! errors; the property tests check the rules themselves.

/// Longest environment name GitHub accepts, in characters.
pub const MAX_ENVIRONMENT_NAME: usize = 255;
/// The prefix GitHub reserves for its own variables and secrets.
const RESERVED_PREFIX: &str = "GITHUB_";

pub use crate::providers::common::checks::token_problem;
pub use crate::providers::common::git::repository_problem;

/// What is wrong with an environment name.
pub fn environment_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("an environment name is not empty".into());
    }
    if name.chars().count() > MAX_ENVIRONMENT_NAME {
        return Some(format!(
            "an environment name is at most {MAX_ENVIRONMENT_NAME} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Some("an environment name has no control characters (tabs, line breaks)".into());
    }
    if name.trim() != name {
        return Some("an environment name has no leading or trailing spaces".into());
    }
    None
}

/// What is wrong with the name of an environment variable or secret. GitHub stores these
/// names upper-cased, so the manifest writes them so: one spelling, and two names that
/// differ only in case cannot both be declared.
pub fn variable_problem(name: &str) -> Option<String> {
    let suggestion = || {
        let fixed = canonical_variable(name);
        match fixed {
            Some(fixed) if variable_problem(&fixed).is_none() => {
                format!(" (did you mean `{fixed}`?)")
            }
            _ => String::new(),
        }
    };
    let mut chars = name.chars();
    let well_formed = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Some(format!(
            "names are ASCII letters, digits and `_`, not starting with a digit{}",
            suggestion()
        ));
    }
    if name
        .get(..RESERVED_PREFIX.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(RESERVED_PREFIX))
    {
        return Some(format!(
            "the `{RESERVED_PREFIX}` prefix is reserved for GitHub's own variables; choose another name"
        ));
    }
    if name.chars().any(|c| c.is_ascii_lowercase()) {
        return Some(format!(
            "GitHub stores names upper-cased; write `{}`",
            name.to_ascii_uppercase()
        ));
    }
    None
}

/// The upper-cased name with every character GitHub refuses turned into `_` (and a `_`
/// before a leading digit), when that leaves a name at all.
fn canonical_variable(name: &str) -> Option<String> {
    let mut fixed: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if fixed.starts_with(|c: char| c.is_ascii_digit()) {
        fixed.insert(0, '_');
    }
    (fixed.chars().any(|c| c.is_ascii_alphanumeric())).then_some(fixed)
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
