//! Deployment environments and their custom branch and tag policies.
//!
//! An environment is addressed by its name in the path, percent-encoded as one segment
//! (`/` → `%2F`, spaces, `%`, non-ASCII), so that no name can reach another route. The PUT
//! is create-or-update and safe to repeat; creating a policy is a POST, but GitHub refuses
//! a duplicate pattern with 303, so a repeated create finds the policy the first one made.

use reqwest::Method;

use super::pages::{PER_PAGE, Page, Pages};
use super::{GithubClient, GithubError, RepoRef, json, segment};

/// The list of an environment's custom branch and tag policies.
const POLICIES: &str = "deployment-branch-policies";
use crate::providers::github::wire::{
    BranchPolicy, BranchPolicyList, Environment, EnvironmentList, EnvironmentSettings,
    NewBranchPolicy, PolicyType,
};
use crate::providers::http::Retry;
use crate::redact::redact;

/// `/repos/{owner}/{repo}/environments/{name}`, the name encoded as one segment.
pub(super) fn environment_path(repo: &RepoRef, environment: &str) -> Result<String, GithubError> {
    let name = segment("environment name", environment)?;
    Ok(format!("{}/environments/{name}", repo.path()))
}

/// ``environment `E` of `owner/repo` `` for calls and hints.
pub(super) fn environment_target(repo: &RepoRef, environment: &str) -> String {
    redact(&format!("environment `{environment}` of `{repo}`")).into_owned()
}

impl GithubClient {
    /// `GET /repos/{owner}/{repo}/environments`, every page.
    pub async fn environments(&self, repo: &RepoRef) -> Result<Vec<Environment>, GithubError> {
        self.pages::<EnvironmentList>(
            format!("list environments of `{repo}`"),
            format!("repository `{repo}`"),
            &format!("{}/environments", repo.path()),
            &[],
            PER_PAGE,
        )?
        .all()
        .await
    }

    /// `GET …/environments/{name}`: the environment, `None` if there is none by that name.
    pub async fn environment(
        &self,
        repo: &RepoRef,
        name: &str,
    ) -> Result<Option<Environment>, GithubError> {
        let target = environment_target(repo, name);
        let url = self.url(&environment_path(repo, name)?, &[])?;
        self.get_optional(&format!("read {target}"), &target, &url)
            .await
    }

    /// `PUT …/environments/{name}`: creates the environment or sets its protection.
    pub async fn put_environment(
        &self,
        repo: &RepoRef,
        name: &str,
        settings: &EnvironmentSettings,
    ) -> Result<Environment, GithubError> {
        let target = environment_target(repo, name);
        let url = self.url(&environment_path(repo, name)?, &[])?;
        let body = json(settings);
        self.call(
            &format!("write {target}"),
            &target,
            Retry::Safe,
            Method::PUT,
            &url,
            Some(&body),
        )
        .await
    }

    /// `DELETE …/environments/{name}` (its variables and secrets go with it).
    pub async fn delete_environment(&self, repo: &RepoRef, name: &str) -> Result<(), GithubError> {
        let target = environment_target(repo, name);
        let url = self.url(&environment_path(repo, name)?, &[])?;
        let call = format!("delete {target}");
        self.write(&call, &target, Retry::Safe, Method::DELETE, &url, None)
            .await
            .map(drop)
    }

    /// `GET …/deployment-branch-policies`, every page.
    pub async fn branch_policies(
        &self,
        repo: &RepoRef,
        environment: &str,
    ) -> Result<Vec<BranchPolicy>, GithubError> {
        self.environment_pages::<BranchPolicyList>(repo, environment, POLICIES, PER_PAGE)?
            .all()
            .await
    }

    /// `POST …/deployment-branch-policies`: the new policy, or the existing one with the
    /// same pattern and type (GitHub answers 303 for a duplicate, which is also what a
    /// repeated create gets after its first answer was lost).
    pub async fn create_branch_policy(
        &self,
        repo: &RepoRef,
        environment: &str,
        policy: &NewBranchPolicy,
    ) -> Result<BranchPolicy, GithubError> {
        let target = environment_target(repo, environment);
        let call = redact(&format!(
            "create {} policy `{}` of {target}",
            policy.kind, policy.name
        ))
        .into_owned();
        let path = format!("{}/{POLICIES}", environment_path(repo, environment)?);
        let url = self.url(&path, &[])?;
        let mut body = json(policy);
        if self.inner.server.by_repository_id() && policy.kind == PolicyType::Branch {
            // Enterprise Server 3.8 and 3.9 know only branch policies and refuse `type`.
            if let Some(fields) = body.as_object_mut() {
                fields.remove("type");
            }
        }
        let response = self
            .send(&call, Retry::Safe, Method::POST, &url, Some(&body))
            .await?;
        if response.is_success() {
            return super::decode(&call, &response);
        }
        if response.status == 303 {
            let existing = self
                .environment_pages::<BranchPolicyList>(repo, environment, POLICIES, PER_PAGE)?
                .find(|p| p.name == policy.name && p.kind == policy.kind)
                .await?;
            if let Some(existing) = existing {
                return Ok(existing);
            }
        }
        Err(GithubError::from_response(&call, &target, &response))
    }

    /// `DELETE …/deployment-branch-policies/{id}`.
    pub async fn delete_branch_policy(
        &self,
        repo: &RepoRef,
        environment: &str,
        id: i64,
    ) -> Result<(), GithubError> {
        let action = format!("delete deployment branch policy {id}");
        let item = format!("/{POLICIES}/{id}");
        self.environment_write(repo, environment, &action, &item, Method::DELETE, None)
            .await
            .map(drop)
    }

    /// The pages of the list `…/environments/{name}/{list}` (`variables`, `secrets`, …).
    pub(super) fn environment_pages<P: Page>(
        &self,
        repo: &RepoRef,
        environment: &str,
        list: &str,
        per_page: u32,
    ) -> Result<Pages<P>, GithubError> {
        let base = environment_path(repo, environment)?;
        self.environment_pages_at(&base, repo, environment, list, per_page)
    }

    /// The pages of `{base}/{list}`, `base` being where the environment is addressed.
    pub(super) fn environment_pages_at<P: Page>(
        &self,
        base: &str,
        repo: &RepoRef,
        environment: &str,
        list: &str,
        per_page: u32,
    ) -> Result<Pages<P>, GithubError> {
        let target = environment_target(repo, environment);
        self.pages(
            format!("list {} of {target}", list.replace('-', " ")),
            target,
            &format!("{base}/{list}"),
            &[],
            per_page,
        )
    }

    /// An idempotent write (`action`, e.g. ``update variable `X` ``) of `…/environments/{name}{item}`,
    /// `item` already encoded; its status.
    pub(super) async fn environment_write(
        &self,
        repo: &RepoRef,
        environment: &str,
        action: &str,
        item: &str,
        method: Method,
        body: Option<&serde_json::Value>,
    ) -> Result<u16, GithubError> {
        let base = environment_path(repo, environment)?;
        self.environment_write_at(&base, repo, environment, action, item, method, body)
            .await
    }

    /// [`environment_write`](Self::environment_write) of `{base}{item}`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn environment_write_at(
        &self,
        base: &str,
        repo: &RepoRef,
        environment: &str,
        action: &str,
        item: &str,
        method: Method,
        body: Option<&serde_json::Value>,
    ) -> Result<u16, GithubError> {
        let target = environment_target(repo, environment);
        let call = redact(&format!("{action} of {target}")).into_owned();
        let url = self.url(&format!("{base}{item}"), &[])?;
        self.write(&call, &target, Retry::Safe, method, &url, body)
            .await
    }
}
