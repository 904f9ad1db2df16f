//! GitLab's rules for names and values, as pure functions: each returns what is wrong (the
//! hint shown with the error), or `None` when GitLab accepts it. Lowering locates the
//! errors; the property tests check the rules themselves.
//!
//! Sources, GitLab's own validations: the `Environment` model (`name`: present, at most
//! 255 characters, `Gitlab::Regex.environment_name_regex`; `external_url` and
//! `flux_resource_path` at most 255; `description` at most 10000; `kubernetes_namespace`
//! 1 to 63 characters of `Gitlab::Regex.kubernetes_namespace_regex`), `Gitlab::PathRegex`
//! (`NAMESPACE_FORMAT_REGEX`, `PROJECT_PATH_FORMAT_REGEX`) for project paths and usernames,
//! `git_reference_regex` for branch and tag names, and
//! `Group::NUMBER_OF_ANCESTORS_ALLOWED` (20) for how deep groups nest.

pub use crate::providers::common::git::ref_problem;
use crate::providers::common::git::{self, SHA_LENGTH, ShaProblem, describe_char};

/// Longest environment name, in characters.
pub const MAX_ENVIRONMENT_NAME: usize = 255;
/// Longest `external_url` and `flux_resource_path`, in characters.
pub const MAX_URL: usize = 255;
/// Longest environment description, in characters.
pub const MAX_DESCRIPTION: usize = 10_000;
/// Longest Kubernetes namespace (a DNS label).
pub const MAX_NAMESPACE: usize = 63;
/// Longest path of one group or project, in characters.
const MAX_PATH_SEGMENT: usize = 255;
/// Most groups above a project: a top-level group and 20 nested subgroups.
const MAX_GROUP_DEPTH: usize = 21;

/// What is wrong with an environment name. GitLab's pattern allows letters, digits,
/// spaces and `- _ / $ { } .`, not `/` first or last; names are exact (case-sensitive).
pub fn environment_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("an environment name is not empty".into());
    }
    let length = name.chars().count();
    if length > MAX_ENVIRONMENT_NAME {
        return Some(format!(
            "an environment name is at most {MAX_ENVIRONMENT_NAME} characters ({length} here)"
        ));
    }
    if let Some(bad) = name.chars().find(|c| !environment_char(*c)) {
        return Some(format!(
            "GitLab allows only letters, digits, spaces and `- _ / $ {{ }} .` in environment names, not {}",
            describe_char(bad)
        ));
    }
    if name.starts_with('/') || name.ends_with('/') {
        return Some("an environment name cannot start or end with `/`".into());
    }
    None
}

fn environment_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '$' | '{' | '}' | '.' | ' ' | '-')
}

/// What is wrong with a project key: a full path `group[/subgroup…]/project`, or a
/// numeric project id written as text.
pub fn project_problem(path: &str) -> Option<String> {
    if !path.is_empty() && path.chars().all(|c| c.is_ascii_digit()) {
        return path
            .trim_start_matches('0')
            .is_empty()
            .then(|| "a project id is a positive number".into());
    }
    let segments: Vec<&str> = path.split('/').collect();
    let Some((project, groups)) = segments.split_last().filter(|(_, g)| !g.is_empty()) else {
        return Some(
            "write the project's full path, `group/project` (e.g. `acme/platform/shop`), or its numeric id"
                .into(),
        );
    };
    if groups.len() > MAX_GROUP_DEPTH {
        return Some(format!(
            "GitLab nests at most {MAX_GROUP_DEPTH} groups above a project ({} here)",
            groups.len()
        ));
    }
    for group in groups {
        if let Some(problem) = segment_problem(group, true) {
            return Some(format!("group `{group}`: {problem}"));
        }
    }
    segment_problem(project, false).map(|problem| format!("project `{project}`: {problem}"))
}

/// What is wrong with a group's full path (`acme/release-managers`).
pub fn group_problem(path: &str) -> Option<String> {
    let groups: Vec<&str> = path.split('/').collect();
    if groups.len() > MAX_GROUP_DEPTH {
        return Some(format!(
            "GitLab nests groups at most {MAX_GROUP_DEPTH} deep ({} here)",
            groups.len()
        ));
    }
    (groups.iter()).find_map(|group| {
        segment_problem(group, true).map(|problem| format!("`{group}`: {problem}"))
    })
}

/// What is wrong with a username: GitLab validates one as a namespace path.
pub fn user_problem(name: &str) -> Option<String> {
    segment_problem(name, true)
        .map(|problem| format!("a username follows GitLab's path rule: {problem}"))
}

/// One segment of a path: letters, digits, `_`, `-` and `.`, not starting with `-`, not
/// ending in `.git` or `.atom`; a group's path also does not end in `.`.
fn segment_problem(segment: &str, group: bool) -> Option<String> {
    let Some(first) = segment.chars().next() else {
        return Some("a path has no empty part (no `//`, no leading or trailing `/`)".into());
    };
    if segment.chars().count() > MAX_PATH_SEGMENT {
        return Some(format!("a path is at most {MAX_PATH_SEGMENT} characters"));
    }
    if let Some(bad) = segment.chars().find(|c| !path_char(*c)) {
        return Some(format!(
            "a path holds only letters, digits, `_`, `-` and `.`, not {}",
            describe_char(bad)
        ));
    }
    if first == '-' {
        return Some("a path cannot start with `-`".into());
    }
    if group && segment.ends_with('.') {
        return Some("a group's path cannot end in `.`".into());
    }
    if segment.ends_with(".git") || segment.ends_with(".atom") {
        return Some("a path cannot end in `.git` or `.atom`".into());
    }
    None
}

fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// What is wrong with a commit SHA as written (after interpolation), in GitLab's words:
/// GitLab records the full SHA, 40 lower-case hex digits.
pub fn sha_problem(sha: &str) -> Option<String> {
    git::sha_problem(sha).map(sha_hint)
}

/// The hint for a SHA GitLab would not record as written.
pub fn sha_hint(problem: ShaProblem) -> String {
    match problem {
        ShaProblem::NotHex => format!(
            "a commit SHA is {SHA_LENGTH} hex digits (`0-9`, `a-f`); leave `sha` out to deploy the ref's current commit"
        ),
        ShaProblem::Length(length) => format!(
            "a commit SHA is the full {SHA_LENGTH} hex digits, not {length}: GitLab records the full SHA"
        ),
        ShaProblem::UpperCase(lower) => {
            format!("GitLab records SHAs in lower case: write `{lower}`")
        }
    }
}

/// What is wrong with a Kubernetes namespace: a DNS label of lower-case letters, digits
/// and `-`, starting and ending with a letter or digit, 1 to 63 characters.
pub fn namespace_problem(namespace: &str) -> Option<String> {
    let length = namespace.chars().count();
    if !(1..=MAX_NAMESPACE).contains(&length) {
        return Some(format!(
            "a Kubernetes namespace is 1 to {MAX_NAMESPACE} characters ({length} here)"
        ));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
    if let Some(bad) = namespace.chars().find(|c| !allowed(*c)) {
        return Some(format!(
            "a Kubernetes namespace holds only lower-case letters, digits and `-`, not {}",
            describe_char(bad)
        ));
    }
    if namespace.starts_with('-') || namespace.ends_with('-') {
        return Some("a Kubernetes namespace starts and ends with a letter or digit".into());
    }
    None
}

#[cfg(test)]
#[path = "names_tests.rs"]
mod tests;
