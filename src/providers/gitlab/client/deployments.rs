//! Deployment records.
//!
//! `POST /deployments` has no idempotency key, and a record cannot carry a marker of the
//! run that made it. So a create goes exactly once: after an ambiguous failure the
//! environment's newest deployments are read and one with the same ref, SHA and status,
//! newer than the newest the caller knew of before (`newer_than`), is adopted instead of
//! creating a second. GitLab itself answers a repeated `success` of the environment's last
//! successful ref and SHA with that deployment, so a resend after a re-read that found
//! nothing cannot duplicate one either.
//!
//! An approval is a POST too, settled the same way: after an ambiguous failure the
//! deployment's approvals are read and one with the same decision and comment is adopted.
//!
//! A status change is a PUT, but GitLab refuses a terminal status on a deployment that
//! already has one (400): a repeat after a lost answer is settled by reading the
//! deployment, and is done when it already has the status asked for.

use reqwest::Method;

use super::pages::Extent;
use super::{GitlabClient, GitlabError, json};
use crate::providers::gitlab::wire::{
    Approval, ApprovalBody, Deployment, DeploymentStatus, NewDeployment, StatusBody,
};
use crate::providers::http::Retry;
use crate::redact::redact;

/// How many of an environment's newest deployments are searched for one a lost create made.
const ADOPTION_WINDOW: u32 = 20;

/// Filters and order of the deployment list; `None` is not sent (GitLab's defaults: every
/// environment and status, by `id` ascending).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentQuery {
    /// The environment's name.
    pub environment: Option<String>,
    pub status: Option<DeploymentStatus>,
    /// `id`, `iid`, `created_at`, `updated_at`, `finished_at` or `ref`.
    pub order_by: Option<String>,
    /// `asc` or `desc`.
    pub sort: Option<String>,
    /// Only the first page, of this size (at most 100): "the newest N" with `sort: desc`.
    pub limit: Option<u32>,
}

impl DeploymentQuery {
    /// The newest `limit` deployments of `environment`.
    pub fn newest(environment: &str, limit: u32) -> Self {
        DeploymentQuery {
            environment: Some(environment.to_owned()),
            order_by: Some("id".to_owned()),
            sort: Some("desc".to_owned()),
            limit: Some(limit),
            ..DeploymentQuery::default()
        }
    }

    fn query(&self) -> Vec<(&'static str, String)> {
        [
            ("environment", self.environment.clone()),
            (
                "status",
                self.status.as_ref().map(|s| s.as_str().to_owned()),
            ),
            ("order_by", self.order_by.clone()),
            ("sort", self.sort.clone()),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key, v)))
        .collect()
    }
}

impl GitlabClient {
    /// `GET /projects/:id/deployments` with `query`: every page, or with `limit` the first.
    pub async fn deployments(
        &self,
        project: u64,
        query: &DeploymentQuery,
    ) -> Result<Vec<Deployment>, GitlabError> {
        let call = match &query.environment {
            Some(name) => redact(&format!(
                "list deployments to `{name}` in project {project}"
            ))
            .into_owned(),
            None => format!("list deployments of project {project}"),
        };
        let target = format!("project {project}");
        let extent = query.limit.map_or(Extent::All, Extent::First);
        let path = format!("/projects/{project}/deployments");
        self.list((&call, &target), &path, &query.query(), extent)
            .await
    }

    /// `GET /projects/:id/deployments/:deployment_id`; `None` if there is no such deployment.
    pub async fn deployment(
        &self,
        project: u64,
        id: u64,
    ) -> Result<Option<Deployment>, GitlabError> {
        let call = format!("read deployment {id} of project {project}");
        let target = format!("deployment {id} of project {project}");
        let url = self.url(&format!("/projects/{project}/deployments/{id}"), &[])?;
        self.get_optional((&call, &target), &url).await
    }

    /// `POST /projects/:id/deployments`, exactly once: after an ambiguous failure a
    /// deployment of the same ref, SHA and status to the environment, with an id above
    /// `newer_than` (the newest id known before; `None`: any), is adopted.
    pub async fn create_deployment(
        &self,
        project: u64,
        new: &NewDeployment,
        newer_than: Option<u64>,
    ) -> Result<Deployment, GitlabError> {
        let call = redact(&format!(
            "create deployment of `{}` to environment `{}` in project {project}",
            new.git_ref, new.environment
        ))
        .into_owned();
        let target = format!("project {project}");
        let url = self.url(&format!("/projects/{project}/deployments"), &[])?;
        let body = json(new);
        let recent = DeploymentQuery::newest(&new.environment, ADOPTION_WINDOW);
        self.http()
            .exactly_once(
                || {
                    let post = Method::POST;
                    self.call(
                        (&call, &target),
                        Retry::OnlyIfNotProcessed,
                        post,
                        &url,
                        Some(&body),
                    )
                },
                || async {
                    let found = self.deployments(project, &recent).await?;
                    Ok(found.into_iter().find(|d| {
                        d.git_ref == new.git_ref
                            && d.sha == new.sha
                            && d.status == new.status
                            && newer_than.is_none_or(|known| d.id > known)
                    }))
                },
            )
            .await
    }

    /// `PUT /projects/:id/deployments/:deployment_id` `{status}` (GitLab refuses it, 403,
    /// for a deployment a CI job made).
    pub async fn update_deployment_status(
        &self,
        project: u64,
        id: u64,
        status: DeploymentStatus,
    ) -> Result<Deployment, GitlabError> {
        let call = format!("set status `{status}` of deployment {id} of project {project}");
        let target = format!("deployment {id} of project {project}");
        let url = self.url(&format!("/projects/{project}/deployments/{id}"), &[])?;
        let body = json(&StatusBody {
            status: status.clone(),
        });
        let response = self
            .send(&call, Retry::Safe, Method::PUT, &url, Some(&body))
            .await?;
        if response.is_success() {
            return super::decode(&call, &response);
        }
        if response.status == 400 && response.attempts > 1 {
            // An earlier attempt may have set it before its answer was lost.
            if let Some(current) = self.deployment(project, id).await?
                && current.status == status
            {
                return Ok(current);
            }
        }
        Err(self.refusal(&call, &target, &response))
    }

    /// `POST /projects/:id/deployments/:deployment_id/approval`, exactly once: after an
    /// ambiguous failure an approval of the deployment with the same decision and comment
    /// is adopted. GitLab accepts it only for a `blocked` deployment of an environment with
    /// approval rules, and not from the user who started it.
    pub async fn approve_deployment(
        &self,
        project: u64,
        id: u64,
        decision: &ApprovalBody,
    ) -> Result<Approval, GitlabError> {
        let call = format!("{} deployment {id} of project {project}", verb(decision));
        let target = format!("deployment {id} of project {project}");
        let url = self.url(
            &format!("/projects/{project}/deployments/{id}/approval"),
            &[],
        )?;
        let body = json(decision);
        self.http()
            .exactly_once(
                || {
                    let post = Method::POST;
                    self.call(
                        (&call, &target),
                        Retry::OnlyIfNotProcessed,
                        post,
                        &url,
                        Some(&body),
                    )
                },
                || async {
                    let found = self.deployment(project, id).await?;
                    Ok(found.and_then(|d| {
                        d.approvals.into_iter().find(|a| {
                            a.status.as_deref() == Some(decision.status.as_str())
                                && a.comment == decision.comment
                        })
                    }))
                },
            )
            .await
    }
}

/// `approve` or `reject`, for the call's name.
fn verb(decision: &ApprovalBody) -> &str {
    match decision.status.as_str() {
        "approved" => "approve",
        "rejected" => "reject",
        other => other,
    }
}
