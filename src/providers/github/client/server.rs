//! Which generation of GitHub answers, learnt from the answers themselves.
//!
//! GitHub Enterprise Server names its release in `X-GitHub-Enterprise-Version` on every
//! answer; github.com sends no such header. Enterprise Server 3.8 and 3.9 (GitHub's OpenAPI
//! descriptions of both, `tests/fixtures/github/openapi/README.md`) have environment
//! variables and secrets only under `/repositories/{repository_id}/environments/…`, and
//! deployment branch policies without `type`; the `/repos/{owner}/{repo}/environments/…`
//! form answers 404 there. Such a server is addressed by repository id, which is read once
//! per repository (`GET /repos/{owner}/{repo}`) and kept; github.com and newer servers see
//! no extra request.

use std::collections::HashMap;
use std::sync::Mutex;

use reqwest::header::HeaderMap;

use super::RepoRef;

/// The header an Enterprise Server puts on every answer.
const ENTERPRISE_HEADER: &str = "x-github-enterprise-version";
/// The first Enterprise Server release assumed to have environment variables and secrets
/// under `/repos/{owner}/{repo}/environments/…` (3.8 and 3.9 are described without them).
pub const FIRST_OWNER_PATHS: (u32, u32) = (3, 10);

/// What this client has learnt about the server.
#[derive(Debug, Default)]
pub(super) struct Server {
    /// `major.minor` of the Enterprise Server release, once an answer said it.
    enterprise: Mutex<Option<(u32, u32)>>,
    /// Repository ids, for the paths by id.
    repo_ids: Mutex<HashMap<RepoRef, i64>>,
}

/// `major.minor` of a release such as `3.8.0` or `3.9.2.rc1`.
pub(super) fn parse_release(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

impl Server {
    /// Notes the release an answer names, if it names one.
    pub(super) fn note(&self, headers: &HeaderMap) {
        let release = headers
            .get(ENTERPRISE_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(parse_release);
        if let Some(release) = release {
            *self.enterprise.lock().unwrap_or_else(|p| p.into_inner()) = Some(release);
        }
    }

    /// The Enterprise Server release, `None` for github.com (or before any answer).
    pub(super) fn enterprise(&self) -> Option<(u32, u32)> {
        *self.enterprise.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether environment variables and secrets must be addressed by repository id.
    pub(super) fn by_repository_id(&self) -> bool {
        self.enterprise()
            .is_some_and(|release| release < FIRST_OWNER_PATHS)
    }

    pub(super) fn repo_id(&self, repo: &RepoRef) -> Option<i64> {
        self.repo_ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(repo)
            .copied()
    }

    pub(super) fn remember_repo_id(&self, repo: &RepoRef, id: i64) {
        self.repo_ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(repo.clone(), id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_read_as_major_and_minor() {
        assert_eq!(parse_release("3.8.0"), Some((3, 8)));
        assert_eq!(parse_release(" 3.10.2.rc1"), Some((3, 10)));
        assert_eq!(parse_release("enterprise"), None);
        assert!((3, 9) < FIRST_OWNER_PATHS && (3, 10) >= FIRST_OWNER_PATHS);
    }
}
