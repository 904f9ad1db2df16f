//! What the provider only reads: the repository, the commit a ref resolves to, users and
//! teams (reviewers are given by login and slug, the API wants ids), and the lists that
//! say what exists when a name is unknown.

use reqwest::Method;

use super::pages::PER_PAGE;
use super::{GithubClient, GithubError, RepoRef, segment};
use crate::providers::github::wire::{Account, Commit, Repository, Team};
use crate::providers::http::Retry;
use crate::redact::redact;

impl GithubClient {
    /// `GET /repos/{owner}/{repo}`: the repository; a 404 is an error whose hint says it
    /// does not exist or the token cannot see it.
    pub async fn repository(&self, repo: &RepoRef) -> Result<Repository, GithubError> {
        let call = format!("read repository `{repo}`");
        let url = self.url(repo.path(), &[])?;
        let found: Repository = self
            .call(
                &call,
                &format!("repository `{repo}`"),
                Retry::Safe,
                Method::GET,
                &url,
                None,
            )
            .await?;
        self.inner.server.remember_repo_id(repo, found.id);
        Ok(found)
    }

    /// `/repositories/{id}/environments/{name}` on an Enterprise Server older than
    /// [`FIRST_OWNER_PATHS`](super::FIRST_OWNER_PATHS) (the id read once per repository),
    /// else `/repos/{owner}/{repo}/environments/{name}`: where the environment's variables
    /// and secrets are.
    pub(super) async fn scoped_path(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<String, GithubError> {
        if !self.inner.server.by_repository_id() {
            return super::environments::environment_path(repo, environment);
        }
        let name = segment("environment name", environment)?;
        let id = match self.inner.server.repo_id(repo) {
            Some(id) => id,
            None => self.repository(repo).await?.id,
        };
        Ok(format!("/repositories/{id}/environments/{name}"))
    }

    /// `GET /repos/{owner}/{repo}/commits/{ref}`: the commit SHA a branch, tag or SHA
    /// resolves to; `None` when GitHub knows no such commit (404, or 422 "No commit found").
    pub async fn resolve_ref(
        &self,
        repo: &RepoRef,
        git_ref: &str,
    ) -> Result<Option<String>, GithubError> {
        let call = redact(&format!("resolve ref `{git_ref}` in `{repo}`")).into_owned();
        let url = self.url(
            &format!("{}/commits/{}", repo.path(), segment("ref", git_ref)?),
            &[],
        )?;
        let response = self
            .send(&call, Retry::Safe, Method::GET, &url, None)
            .await?;
        match response.status {
            404 | 422 => Ok(None),
            _ if response.is_success() => {
                let commit: Commit = super::decode(&call, &response)?;
                Ok(Some(commit.sha))
            }
            _ => Err(GithubError::from_response(
                &call,
                &format!("repository `{repo}`"),
                &response,
            )),
        }
    }

    /// `GET /users/{username}`: the user with this login, `None` if there is none.
    pub async fn user(&self, login: &str) -> Result<Option<Account>, GithubError> {
        let call = redact(&format!("look up user `{login}`")).into_owned();
        let url = self.url(&format!("/users/{}", segment("user", login)?), &[])?;
        self.get_optional(&call, &format!("user `{login}`"), &url)
            .await
    }

    /// `GET /orgs/{org}/teams/{team_slug}`: the team, `None` if the organization has none
    /// by that slug (or the token cannot see it).
    pub async fn team(&self, org: &str, slug: &str) -> Result<Option<Team>, GithubError> {
        let call = redact(&format!("look up team `{org}/{slug}`")).into_owned();
        let url = self.url(
            &format!(
                "/orgs/{}/teams/{}",
                segment("organization", org)?,
                segment("team", slug)?
            ),
            &[],
        )?;
        self.get_optional(&call, &format!("team `{org}/{slug}`"), &url)
            .await
    }

    /// `GET /repos/{owner}/{repo}/collaborators`, every page: who could be a reviewer.
    pub async fn collaborators(&self, repo: &RepoRef) -> Result<Vec<Account>, GithubError> {
        self.pages::<Vec<Account>>(
            format!("list collaborators of `{repo}`"),
            format!("repository `{repo}`"),
            &format!("{}/collaborators", repo.path()),
            &[],
            PER_PAGE,
        )?
        .all()
        .await
    }

    /// `GET /orgs/{org}/teams`, every page.
    pub async fn teams(&self, org: &str) -> Result<Vec<Team>, GithubError> {
        self.pages::<Vec<Team>>(
            redact(&format!("list teams of `{org}`")).into_owned(),
            format!("organization `{org}`"),
            &format!("/orgs/{}/teams", segment("organization", org)?),
            &[],
            PER_PAGE,
        )?
        .all()
        .await
    }
}
