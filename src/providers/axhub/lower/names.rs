//! AxHub's rules for slugs and the bounds of what a release asks, as pure functions: each
//! returns what is wrong (the hint shown with the error), or `None` when AxHub accepts it.
//! Lowering and the instance settings locate the errors; the property tests check the
//! rules themselves. Source: AxHub's app and bootstrap schemas (`slug`: 2–64 of
//! `[a-z0-9-]`), the same rule for tenants.

use std::ops::RangeInclusive;

use crate::providers::common::git::describe_char;

/// How long a slug is, in characters.
pub const SLUG_LENGTH: RangeInclusive<usize> = 2..=64;
/// The seconds apply may follow one deployment: a build and rollout still running after
/// a day will not end, and a larger value is most often milliseconds written as seconds.
pub const TIMEOUT_SECONDS: RangeInclusive<u64> = 1..=86_400;

/// What is wrong with an app or tenant slug (`what` names which, e.g. "an app slug").
pub fn slug_problem(slug: &str, what: &str) -> Option<String> {
    let (min, max) = (SLUG_LENGTH.start(), SLUG_LENGTH.end());
    let rule = format!("{what} is {min}–{max} lower-case letters, digits and `-`");
    let suggestion = || match suggested_slug(slug) {
        Some(fixed) if fixed != slug => format!(": did you mean `{fixed}`?"),
        _ => String::new(),
    };
    if let Some(bad) = slug.chars().find(|c| !slug_char(*c)) {
        return Some(format!(
            "{rule}, not {}{}",
            describe_char(bad),
            suggestion()
        ));
    }
    let length = slug.chars().count();
    if !SLUG_LENGTH.contains(&length) {
        return Some(format!("{rule} ({length} here)"));
    }
    None
}

fn slug_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// The slug `written` most likely means: lower-cased, with each run of other characters
/// (spaces, `_`, `.`) turned into one `-`, when that leaves a valid slug.
pub fn suggested_slug(written: &str) -> Option<String> {
    let mut fixed = String::new();
    for c in written.trim().chars().map(|c| c.to_ascii_lowercase()) {
        match slug_char(c) {
            true => fixed.push(c),
            false if !fixed.ends_with('-') => fixed.push('-'),
            false => {}
        }
    }
    let fixed = fixed.trim_matches('-').to_owned();
    (SLUG_LENGTH.contains(&fixed.chars().count())).then_some(fixed)
}

/// What is wrong with a release's `timeout_seconds`: outside [`TIMEOUT_SECONDS`], with
/// the value in seconds when it reads as milliseconds.
pub fn timeout_problem(seconds: u64) -> Option<String> {
    if TIMEOUT_SECONDS.contains(&seconds) {
        return None;
    }
    let (min, max) = (TIMEOUT_SECONDS.start(), TIMEOUT_SECONDS.end());
    let range = format!("`timeout_seconds` is {min} to {max} (a day)");
    let as_seconds = seconds / 1000;
    match seconds.is_multiple_of(1000) && TIMEOUT_SECONDS.contains(&as_seconds) {
        true => Some(format!(
            "{range}: did you mean `{as_seconds}`? (seconds, not milliseconds)"
        )),
        false => Some(range),
    }
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
