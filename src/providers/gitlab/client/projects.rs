//! What the provider only reads: the project (by path, once, then by id), the commit a
//! branch, tag or SHA names, users, groups and memberships (protection rules name people
//! and groups, the API wants ids), and the lists that say what exists when a name is
//! unknown.
//!
//! A project that was renamed or transferred answers its old path with `301 Moved
//! Permanently` and the new URL (GitLab 16.7+). That one redirect is followed, on the same
//! origin only, and the project comes back with `moved_from` set so that the provider can
//! tell the user to update the manifest; anything else is an error, never a second hop.

use reqwest::Method;
use reqwest::header::LOCATION;

use super::pages::Extent;
use super::{GitlabClient, GitlabError, segment};
use crate::providers::gitlab::wire::{Branch, Commit, Group, Member, Project, Tag, User};
use crate::providers::http::{PageTrail, Retry};
use crate::redact::redact;

impl GitlabClient {
    /// `GET /projects/:id` by full path (`acme/platform/shop`, one encoded segment) or
    /// numeric id; `None` when GitLab knows no such project or the token cannot see it.
    pub async fn project(&self, path: &str) -> Result<Option<Project>, GitlabError> {
        let call = redact(&format!("read project `{path}`")).into_owned();
        let target = redact(&format!("project `{path}`")).into_owned();
        let url = self.url(&format!("/projects/{}", segment("project", path)?), &[])?;
        let response = self
            .send(&call, Retry::Safe, Method::GET, &url, None)
            .await?;
        if !matches!(response.status, 301 | 308) {
            return match response.status {
                404 => Ok(None),
                _ if response.is_success() => super::decode(&call, &response).map(Some),
                _ => Err(self.refusal(&call, &target, &response)),
            };
        }
        let moved = |reason: String| GitlabError::Decode {
            call: call.clone(),
            reason: redact(&format!("the project has moved, but {reason}")).into_owned(),
        };
        let location = response
            .headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| moved("GitLab did not say where to".to_owned()))?;
        let new_url = PageTrail::new(&self.inner.base)
            .resolve(&url, location)
            .map_err(|e| moved(format!("the new address is not followed: {e}")))?;
        let response = self
            .send(&call, Retry::Safe, Method::GET, &new_url, None)
            .await?;
        match response.status {
            404 => Ok(None),
            _ if response.is_success() => {
                let mut project: Project = super::decode(&call, &response)?;
                project.moved_from = Some(path.to_owned());
                tracing::info!(
                    from = %redact(path),
                    to = %redact(&project.path_with_namespace),
                    "GitLab project has moved"
                );
                Ok(Some(project))
            }
            301..=308 => Err(moved("its new address redirects again".to_owned())),
            _ => Err(self.refusal(&call, &target, &response)),
        }
    }

    /// `GET /projects/:id/repository/branches/:branch`; `None` if there is no such branch.
    pub async fn branch(&self, project: u64, name: &str) -> Result<Option<Branch>, GitlabError> {
        let path = format!(
            "/projects/{project}/repository/branches/{}",
            segment("branch", name)?
        );
        self.read_ref("branch", project, name, &path).await
    }

    /// `GET /projects/:id/repository/tags/:tag`; `None` if there is no such tag.
    pub async fn tag(&self, project: u64, name: &str) -> Result<Option<Tag>, GitlabError> {
        let path = format!(
            "/projects/{project}/repository/tags/{}",
            segment("tag", name)?
        );
        self.read_ref("tag", project, name, &path).await
    }

    /// `GET /projects/:id/repository/commits/:sha`; `None` if there is no such commit.
    pub async fn commit(&self, project: u64, sha: &str) -> Result<Option<Commit>, GitlabError> {
        let path = format!(
            "/projects/{project}/repository/commits/{}",
            segment("commit", sha)?
        );
        self.read_ref("commit", project, sha, &path).await
    }

    async fn read_ref<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        project: u64,
        name: &str,
        path: &str,
    ) -> Result<Option<T>, GitlabError> {
        let call = redact(&format!("read {what} `{name}` of project {project}")).into_owned();
        let target = format!("project {project}");
        let url = self.url(path, &[])?;
        self.get_optional((&call, &target), &url).await
    }

    /// Every branch name of the project (what exists, for a did-you-mean).
    pub async fn branch_names(&self, project: u64) -> Result<Vec<String>, GitlabError> {
        let branches: Vec<Branch> = self
            .names(
                "branches",
                project,
                &format!("/projects/{project}/repository/branches"),
            )
            .await?;
        Ok(branches.into_iter().map(|b| b.name).collect())
    }

    /// Every tag name of the project (what exists, for a did-you-mean).
    pub async fn tag_names(&self, project: u64) -> Result<Vec<String>, GitlabError> {
        let tags: Vec<Tag> = self
            .names(
                "tags",
                project,
                &format!("/projects/{project}/repository/tags"),
            )
            .await?;
        Ok(tags.into_iter().map(|t| t.name).collect())
    }

    async fn names<T: serde::de::DeserializeOwned>(
        &self,
        what: &str,
        project: u64,
        path: &str,
    ) -> Result<Vec<T>, GitlabError> {
        let call = format!("list {what} of project {project}");
        let target = format!("project {project}");
        self.list((&call, &target), path, &[], Extent::All).await
    }

    /// `GET /users?username=`: the user with this username, `None` if there is none.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>, GitlabError> {
        let call = redact(&format!("look up user `{username}`")).into_owned();
        let target = redact(&format!("user `{username}`")).into_owned();
        let query = [("username", username.to_owned())];
        let users: Vec<User> = self
            .list((&call, &target), "/users", &query, Extent::First(20))
            .await?;
        Ok(users
            .into_iter()
            .find(|user| user.username.eq_ignore_ascii_case(username)))
    }

    /// `GET /groups/:id` by full path (one encoded segment); `None` if there is none.
    pub async fn group(&self, full_path: &str) -> Result<Option<Group>, GitlabError> {
        let call = redact(&format!("look up group `{full_path}`")).into_owned();
        let target = redact(&format!("group `{full_path}`")).into_owned();
        let url = self.url(&format!("/groups/{}", segment("group", full_path)?), &[])?;
        self.get_optional((&call, &target), &url).await
    }

    /// `GET /projects/:id/members/all/:user_id`: the user's membership, direct or
    /// inherited; `None` when the user is no member.
    pub async fn project_member(
        &self,
        project: u64,
        user_id: u64,
    ) -> Result<Option<Member>, GitlabError> {
        let call = format!("read membership of user {user_id} in project {project}");
        let target = format!("project {project}");
        let url = self.url(&format!("/projects/{project}/members/all/{user_id}"), &[])?;
        self.get_optional((&call, &target), &url).await
    }

    /// `GET /projects/:id/members/all`: every member, direct or inherited (whom GitLab
    /// keeps in a protected environment's user entries).
    pub async fn project_members(&self, project: u64) -> Result<Vec<Member>, GitlabError> {
        self.names(
            "members",
            project,
            &format!("/projects/{project}/members/all"),
        )
        .await
    }
}
