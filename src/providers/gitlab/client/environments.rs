//! Environments: list, read, create, change, stop and delete.
//!
//! An environment's name is its identity and cannot change (GitLab 16.0 removed `name` from
//! the update), so the update body never carries it. A create is a POST without an
//! idempotency key: after an ambiguous failure the environment is looked up by its exact
//! name and adopted if the lost call created it. `stop` moves an environment to `stopping`
//! or `stopped` whatever its state, so repeating it does no harm; GitLab deletes only a
//! stopped environment.

use reqwest::Method;

use super::pages::Extent;
use super::{GitlabClient, GitlabError, json};
use crate::providers::gitlab::wire::{Environment, EnvironmentBody};
use crate::providers::http::Retry;
use crate::redact::redact;

impl GitlabClient {
    /// `GET /projects/:id/environments`, every page, every state.
    pub async fn environments(&self, project: u64) -> Result<Vec<Environment>, GitlabError> {
        let call = format!("list environments of project {project}");
        let target = format!("project {project}");
        let path = format!("/projects/{project}/environments");
        self.list((&call, &target), &path, &[], Extent::All).await
    }

    /// The environment named exactly `name` (`?name=`), if there is one.
    pub async fn environment_named(
        &self,
        project: u64,
        name: &str,
    ) -> Result<Option<Environment>, GitlabError> {
        let call = redact(&format!(
            "look up environment `{name}` of project {project}"
        ))
        .into_owned();
        let target = format!("project {project}");
        let path = format!("/projects/{project}/environments");
        let found: Vec<Environment> = self
            .list(
                (&call, &target),
                &path,
                &[("name", name.to_owned())],
                Extent::All,
            )
            .await?;
        Ok(found.into_iter().find(|e| e.name == name))
    }

    /// `GET /projects/:id/environments/:environment_id` (with `last_deployment`); `None`
    /// if there is no such environment.
    pub async fn environment(
        &self,
        project: u64,
        id: u64,
    ) -> Result<Option<Environment>, GitlabError> {
        let (call, target) = environment_call("read", project, id);
        let url = self.url(&format!("/projects/{project}/environments/{id}"), &[])?;
        self.get_optional((&call, &target), &url).await
    }

    /// `POST /projects/:id/environments`, exactly once: after an ambiguous failure the
    /// environment of that name is adopted if the lost call created it. `body.name` is
    /// required.
    pub async fn create_environment(
        &self,
        project: u64,
        body: &EnvironmentBody,
    ) -> Result<Environment, GitlabError> {
        let name = body.name.clone().ok_or_else(|| {
            GitlabError::Invalid("an environment cannot be created without a name".to_owned())
        })?;
        let call =
            redact(&format!("create environment `{name}` in project {project}")).into_owned();
        let target = format!("project {project}");
        let url = self.url(&format!("/projects/{project}/environments"), &[])?;
        let body = json(body);
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
                || self.environment_named(project, &name),
            )
            .await
    }

    /// `PUT /projects/:id/environments/:environment_id`: sets the values in `body` (its
    /// `name` is left out: GitLab refuses it). Setting values again changes nothing, so the
    /// call is safe to repeat.
    pub async fn update_environment(
        &self,
        project: u64,
        id: u64,
        body: &EnvironmentBody,
    ) -> Result<Environment, GitlabError> {
        let (call, target) = environment_call("update", project, id);
        let url = self.url(&format!("/projects/{project}/environments/{id}"), &[])?;
        let body = json(&EnvironmentBody {
            name: None,
            ..body.clone()
        });
        self.call(
            (&call, &target),
            Retry::Safe,
            Method::PUT,
            &url,
            Some(&body),
        )
        .await
    }

    /// `POST /projects/:id/environments/:environment_id/stop`; with `force`, without
    /// running its `on_stop` jobs. The answer's state is `stopping` while those jobs run.
    pub async fn stop_environment(
        &self,
        project: u64,
        id: u64,
        force: bool,
    ) -> Result<Environment, GitlabError> {
        let (call, target) = environment_call("stop", project, id);
        let url = self.url(&format!("/projects/{project}/environments/{id}/stop"), &[])?;
        let body = serde_json::json!({ "force": force });
        self.call(
            (&call, &target),
            Retry::Safe,
            Method::POST,
            &url,
            Some(&body),
        )
        .await
    }

    /// `DELETE /projects/:id/environments/:environment_id` (GitLab answers 403 unless the
    /// environment is stopped).
    pub async fn delete_environment(&self, project: u64, id: u64) -> Result<(), GitlabError> {
        let (call, target) = environment_call("delete", project, id);
        let url = self.url(&format!("/projects/{project}/environments/{id}"), &[])?;
        self.delete((&call, &target), &url).await
    }
}

/// The call and target texts of an operation on environment `id`.
fn environment_call(verb: &str, project: u64, id: u64) -> (String, String) {
    (
        format!("{verb} environment {id} of project {project}"),
        format!("environment {id} of project {project}"),
    )
}
