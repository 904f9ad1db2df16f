//! Git's rules for what a deployment names, as pure functions every provider that deploys
//! a commit or a branch shares: a branch or tag name, a commit SHA, a repository written
//! `owner/name` (the code host's account and repository naming rules). Each returns what
//! is wrong, or `None`; the provider words the hint where its service adds a reason, and
//! lowering locates the error.

/// Hex digits of a full commit SHA.
pub const SHA_LENGTH: usize = 40;
/// Longest repository name, in characters.
const MAX_REPOSITORY_NAME: usize = 100;
/// Longest account (user or organisation) name, in characters.
const MAX_OWNER: usize = 39;

/// `'x'` for a visible character, its code point for one that is not (a tab would show
/// as nothing in a hint).
pub fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}

/// What is wrong with a branch or tag name, by Git's ref rules (`git check-ref-format`, as
/// code hosts apply them when a branch is named).
pub fn ref_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("a branch or tag name is not empty".into());
    }
    let forbidden = |c: char| {
        c.is_ascii_control() || matches!(c, ' ' | '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    };
    if let Some(bad) = name.chars().find(|c| forbidden(*c)) {
        return Some(format!(
            "a branch or tag name has no spaces, control characters or any of `~ ^ : ? * [ \\`; here {}",
            describe_char(bad)
        ));
    }
    if let Some(sequence) = ["..", "/.", "//", "@{"]
        .into_iter()
        .find(|s| name.contains(s))
    {
        return Some(format!(
            "a branch or tag name does not contain `{sequence}`"
        ));
    }
    if name.starts_with('/') || name.ends_with('/') || name.ends_with('.') {
        return Some("a branch or tag name does not start with `/` or end with `/` or `.`".into());
    }
    if name.ends_with(".lock") {
        return Some("a branch or tag name does not end in `.lock`".into());
    }
    None
}

/// Why a value is not a full commit SHA as services record it: they compare the full
/// lower-case form, so anything else would never match what they report as deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShaProblem {
    /// A character that is no hex digit.
    NotHex,
    /// Hex digits, but not [`SHA_LENGTH`] of them (the count given).
    Length(usize),
    /// The full SHA with upper-case digits; the lower-case spelling given.
    UpperCase(String),
}

/// What is wrong with a commit SHA as it arrives (after interpolation).
pub fn sha_problem(sha: &str) -> Option<ShaProblem> {
    if !sha.chars().all(|c| c.is_ascii_hexdigit()) {
        return Some(ShaProblem::NotHex);
    }
    let length = sha.chars().count();
    if length != SHA_LENGTH {
        return Some(ShaProblem::Length(length));
    }
    (sha.chars().any(|c| c.is_ascii_uppercase()))
        .then(|| ShaProblem::UpperCase(sha.to_ascii_lowercase()))
}

/// The hint for a SHA that came from a secret: the rule only, since the value is not shown.
pub const SECRET_SHA_HINT: &str = "a commit SHA is the full 40 lower-case hex digits";

/// What is wrong with a repository written as `owner/name`: an account of 1–39 letters,
/// digits, `-` or `_`, and a repository name of 1–100 letters, digits, `.`, `-` or `_`.
pub fn repository_problem(full_name: &str) -> Option<String> {
    let Some((owner, name)) = full_name.split_once('/') else {
        return Some("write the repository as `owner/name`, e.g. `octo-org/shop`".into());
    };
    if name.contains('/') {
        return Some("a repository is `owner/name`, with exactly one `/`".into());
    }
    let owner_ok = (1..=MAX_OWNER).contains(&owner.chars().count())
        && !owner.starts_with('-')
        && owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !owner_ok {
        return Some(format!(
            "the owner is 1–{MAX_OWNER} ASCII letters, digits, `-` or `_`, not starting with `-`"
        ));
    }
    let name_ok = (1..=MAX_REPOSITORY_NAME).contains(&name.chars().count())
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !name_ok {
        return Some(format!(
            "the repository name is 1–{MAX_REPOSITORY_NAME} ASCII letters, digits, `.`, `-` or `_` (not `.` or `..`)"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn only_full_lower_case_hex_is_a_sha(
            sha in "[0-9a-f]{40}",
            cut in 0usize..40,
            upper in "[A-F]",
            bad in "[g-zG-Z_ ./-]",
            at in 0usize..40,
        ) {
            proptest::prop_assert_eq!(sha_problem(&sha), None);
            proptest::prop_assert_eq!(sha_problem(&sha[..cut]), Some(ShaProblem::Length(cut)));
            let longer = format!("{sha}0");
            proptest::prop_assert_eq!(sha_problem(&longer), Some(ShaProblem::Length(41)));
            let shouting = format!("{upper}{}", &sha[1..]);
            proptest::prop_assert_eq!(sha_problem(&shouting), Some(ShaProblem::UpperCase(shouting.to_ascii_lowercase())));
            let broken = format!("{}{bad}{}", &sha[..at], &sha[at + 1..]);
            proptest::prop_assert_eq!(sha_problem(&broken), Some(ShaProblem::NotHex));
        }
    }
}
