//! Protected environments (Premium and Ultimate): who may deploy, who must approve.
//!
//! A project on the Free tier answers every call 403 (self-managed Community Edition: 404);
//! the list reports that as [`Protections::Unavailable`] instead of failing, so that a
//! plan can say protection is not available rather than stop. Adding entries in an update
//! is not idempotent (a repeat would add them twice, a repeated removal names an id that is
//! gone), so creates and updates go exactly once: after an ambiguous failure the protection
//! is re-read and adopted when it already shows the change.
//!
//! GitLab silently drops a user without at least Developer access to the project and a
//! group the project is not shared with: the answer is the protection as stored, which the
//! caller compares with what it asked for.

use reqwest::Method;

use super::pages::Extent;
use super::{GitlabClient, GitlabError, json, segment};
use crate::providers::gitlab::wire::{
    AccessEntry, AccessLevel, ProtectBody, ProtectUpdate, ProtectedEnvironment,
};
use crate::providers::http::Retry;
use crate::redact::redact;

/// The protected environments of a project, or why there are none to read.
#[derive(Debug, Clone, PartialEq)]
pub enum Protections {
    /// Every protected environment.
    Listed(Vec<ProtectedEnvironment>),
    /// The feature is not available to this project or token (403 on the Free tier, 404
    /// on Community Edition): GitLab's status and message.
    Unavailable { status: u16, message: String },
}

impl GitlabClient {
    /// `GET /projects/:id/protected_environments`, every page.
    pub async fn protected_environments(&self, project: u64) -> Result<Protections, GitlabError> {
        let call = format!("list protected environments of project {project}");
        let target = format!("project {project}");
        let path = format!("/projects/{project}/protected_environments");
        match self.list((&call, &target), &path, &[], Extent::All).await {
            Ok(listed) => Ok(Protections::Listed(listed)),
            Err(GitlabError::Api {
                status: status @ (403 | 404),
                message,
                ..
            }) => Ok(Protections::Unavailable { status, message }),
            Err(other) => Err(other),
        }
    }

    /// `GET /projects/:id/protected_environments/:name`; `None` if it is not protected.
    pub async fn protected_environment(
        &self,
        project: u64,
        name: &str,
    ) -> Result<Option<ProtectedEnvironment>, GitlabError> {
        let (call, target) = protection_call("read", project, name);
        let url = self.url(&protection_path(project, name)?, &[])?;
        self.get_optional((&call, &target), &url).await
    }

    /// `POST /projects/:id/protected_environments`, exactly once: after an ambiguous
    /// failure, a protection of that name is adopted.
    pub async fn protect_environment(
        &self,
        project: u64,
        body: &ProtectBody,
    ) -> Result<ProtectedEnvironment, GitlabError> {
        let (call, target) = protection_call("protect", project, &body.name);
        let url = self.url(&format!("/projects/{project}/protected_environments"), &[])?;
        let sent = json(body);
        self.http()
            .exactly_once(
                || {
                    let post = Method::POST;
                    self.call(
                        (&call, &target),
                        Retry::OnlyIfNotProcessed,
                        post,
                        &url,
                        Some(&sent),
                    )
                },
                || self.protected_environment(project, &body.name),
            )
            .await
    }

    /// `PUT /projects/:id/protected_environments/:name`, exactly once: after an ambiguous
    /// failure the protection is re-read and adopted if it shows every change.
    pub async fn update_protected_environment(
        &self,
        project: u64,
        name: &str,
        update: &ProtectUpdate,
    ) -> Result<ProtectedEnvironment, GitlabError> {
        let (call, target) = protection_call("update protection of", project, name);
        let url = self.url(&protection_path(project, name)?, &[])?;
        let sent = json(update);
        self.http()
            .exactly_once(
                || {
                    let put = Method::PUT;
                    self.call(
                        (&call, &target),
                        Retry::OnlyIfNotProcessed,
                        put,
                        &url,
                        Some(&sent),
                    )
                },
                || async {
                    let found = self.protected_environment(project, name).await?;
                    Ok(found.filter(|found| shows(update, found)))
                },
            )
            .await
    }

    /// `DELETE /projects/:id/protected_environments/:name`.
    pub async fn unprotect_environment(&self, project: u64, name: &str) -> Result<(), GitlabError> {
        let (call, target) = protection_call("unprotect", project, name);
        let url = self.url(&protection_path(project, name)?, &[])?;
        self.delete((&call, &target), &url).await
    }
}

/// Whether `found` shows every change of `update`: removed ids gone, added entries there.
fn shows(update: &ProtectUpdate, found: &ProtectedEnvironment) -> bool {
    let holds = |sent: &[AccessEntry], stored: &[AccessLevel]| {
        sent.iter().all(|entry| match (entry.id, entry.destroy) {
            (Some(id), true) => stored.iter().all(|s| s.id != Some(id)),
            (Some(_), false) => true,
            (None, _) => stored.iter().any(|s| entry.matches(s)),
        })
    };
    holds(&update.deploy_access_levels, &found.deploy_access_levels)
        && holds(&update.approval_rules, &found.approval_rules)
}

fn protection_path(project: u64, name: &str) -> Result<String, GitlabError> {
    Ok(format!(
        "/projects/{project}/protected_environments/{}",
        segment("environment name", name)?
    ))
}

/// The call and target texts of an operation on the protection of environment `name`.
fn protection_call(verb: &str, project: u64, name: &str) -> (String, String) {
    (
        redact(&format!("{verb} environment `{name}` of project {project}")).into_owned(),
        redact(&format!(
            "protected environment `{name}` of project {project}"
        ))
        .into_owned(),
    )
}
