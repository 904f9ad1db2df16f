//! Environment names as GitLab takes them: which names are valid, the slug GitLab derives
//! from a name, and the tier it guesses when none is given.

use sha2::{Digest, Sha256};

/// `tier` values.
pub(super) const TIERS: [&str; 5] = ["production", "staging", "testing", "development", "other"];
/// `auto_stop_setting` values.
pub(super) const STOP_SETTINGS: [&str; 2] = ["always", "with_action"];
/// `state` values.
pub(super) const STATES: [&str; 3] = ["available", "stopping", "stopped"];
/// GitLab's message for a name outside its rule.
pub(super) const NAME_RULE: &str = "can contain only letters, digits, '-', '_', '/', '$', '{', '}', '.', and spaces, but it cannot start or end with '/'";

/// The tier GitLab guesses from an environment's name.
pub(super) fn guess_tier(name: &str) -> &'static str {
    let name = name.to_lowercase();
    let any = |words: &[&str]| words.iter().any(|word| name.contains(word));
    if any(&["dev", "review", "trunk"]) {
        "development"
    } else if any(&[
        "test", "tst", "int", "acpt", "accept", "qa", "qc", "control", "quality",
    ]) {
        "testing"
    } else if any(&["stg", "stag", "model", "mode", "pre", "demo", "non"]) {
        "staging"
    } else if any(&["prod", "prd", "live"]) {
        "production"
    } else {
        "other"
    }
}

/// Whether `name` is a valid environment name.
pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 255
        && !name.starts_with('/')
        && !name.ends_with('/')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || " -_/${}.".contains(c))
}

/// GitLab's slug: lowercase letters and digits, `-` for the rest, at most 24 characters
/// starting with a letter, plus a suffix when the name had to change.
pub(super) fn slug(name: &str) -> String {
    let mut slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    if !slug.starts_with(|c: char| c.is_ascii_lowercase()) {
        slug = format!("env-{slug}");
    }
    while slug.contains("--") {
        slug = slug.replace("--", "-");
    }
    let mut slug: String = slug.chars().take(17).collect();
    slug = slug.trim_end_matches('-').to_owned();
    if slug != name {
        let digest = Sha256::digest(name.as_bytes());
        let suffix: String = digest
            .iter()
            .take(6)
            .map(|b| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[usize::from(*b) % 36]))
            .collect();
        slug = format!("{slug}-{suffix}");
    }
    slug
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn tiers_are_guessed_from_names() {
        for (name, tier) in [
            ("production", "production"),
            ("review/x", "development"),
            ("qa", "testing"),
            ("staging", "staging"),
            ("web", "other"),
        ] {
            assert_eq!(guess_tier(name), tier, "{name}");
        }
    }

    proptest! {
        /// Every slug is at most 24 characters of lowercase letters, digits and `-`, starts
        /// with a letter, and two names never share one by accident of truncation.
        #[test]
        fn slugs_are_short_and_dns_safe(name in "[ -~]{1,60}") {
            let slug = slug(&name);
            prop_assert!(slug.len() <= 24, "{slug}");
            prop_assert!(slug.starts_with(|c: char| c.is_ascii_lowercase()), "{slug}");
            prop_assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{slug}");
        }
    }
}
