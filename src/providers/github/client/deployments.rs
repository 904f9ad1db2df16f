//! Deployment records and their statuses.
//!
//! `POST /deployments` has no idempotency key: every call creates a record. So a create
//! needs a [`RunMarker`], written into the record's `payload` under [`MARKER_KEY`]; after
//! an ambiguous failure (a 5xx, a dropped connection) the environment's deployments are
//! listed and the one carrying the marker is adopted instead of creating a second. There is
//! no way to create a deployment without a marker. Statuses are append-only: after an
//! ambiguous status POST the newest status is read, and if it is the one asked for, it is
//! adopted instead of posting twice.

use reqwest::Method;
use serde_json::{Map, Value};

use super::pages::PER_PAGE;
use super::{GithubClient, GithubError, RepoRef, json};
use crate::providers::github::wire::{
    Deployment, DeploymentBody, DeploymentState, DeploymentStatus, StatusBody,
};
use crate::providers::http::Retry;
use crate::redact::redact;

/// The `payload` key holding the marker of the run that created a deployment.
pub const MARKER_KEY: &str = "deployplan_run";
/// The longest status description GitHub accepts, in characters.
const DESCRIPTION_CHARS: usize = 140;

/// What identifies one deployment record created by one run: unique per run and record
/// (e.g. the run id and the record's address). Never empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RunMarker(String);

impl RunMarker {
    /// The marker `value`; `None` when it is blank, which could not tell records apart.
    pub fn new(value: impl Into<String>) -> Option<RunMarker> {
        let value = value.into();
        (!value.trim().is_empty()).then_some(RunMarker(value))
    }

    /// The marker as written into `payload`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The marker in a deployment's `payload`: an object, or a string holding a JSON object.
pub fn marker_of(deployment: &Deployment) -> Option<String> {
    let from_object = |object: &Map<String, Value>| {
        object
            .get(MARKER_KEY)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    match &deployment.payload {
        Value::Object(object) => from_object(object),
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => from_object(&object),
            _ => None,
        },
        _ => None,
    }
}

/// A deployment to create. [`NewDeployment::new`] sets the deterministic defaults: task
/// `deploy`, `auto_merge: false` and `required_contexts: []` (no merge, no status-check
/// gate, so no 202 or 409 side paths).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDeployment {
    pub git_ref: String,
    pub environment: String,
    pub task: String,
    pub description: Option<String>,
    /// The caller's payload; the marker is added to it under [`MARKER_KEY`].
    pub payload: Map<String, Value>,
    pub auto_merge: bool,
    pub required_contexts: Vec<String>,
    pub transient_environment: Option<bool>,
    pub production_environment: Option<bool>,
}

impl NewDeployment {
    /// A deployment of `git_ref` to `environment` with the defaults above.
    pub fn new(git_ref: impl Into<String>, environment: impl Into<String>) -> Self {
        NewDeployment {
            git_ref: git_ref.into(),
            environment: environment.into(),
            task: "deploy".to_owned(),
            description: None,
            payload: Map::new(),
            auto_merge: false,
            required_contexts: Vec::new(),
            transient_environment: None,
            production_environment: None,
        }
    }

    /// The body sent, with `marker` added to the payload (also what tests check against
    /// GitHub's description).
    pub(crate) fn body(&self, marker: &RunMarker) -> DeploymentBody {
        let mut payload = self.payload.clone();
        payload.insert(MARKER_KEY.to_owned(), Value::String(marker.0.clone()));
        DeploymentBody {
            git_ref: self.git_ref.clone(),
            task: self.task.clone(),
            auto_merge: self.auto_merge,
            required_contexts: self.required_contexts.clone(),
            payload,
            environment: self.environment.clone(),
            description: self.description.clone(),
            transient_environment: self.transient_environment,
            production_environment: self.production_environment,
        }
    }
}

/// A status to post. `None` fields are not sent (GitHub's defaults apply); a description
/// longer than GitHub's 140 characters is shortened to fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatus {
    pub state: DeploymentState,
    pub description: Option<String>,
    pub log_url: Option<String>,
    pub environment: Option<String>,
    pub environment_url: Option<String>,
    pub auto_inactive: Option<bool>,
}

impl NewStatus {
    /// A status of `state` with nothing else set.
    pub fn new(state: DeploymentState) -> Self {
        NewStatus {
            state,
            description: None,
            log_url: None,
            environment: None,
            environment_url: None,
            auto_inactive: None,
        }
    }

    /// The body sent (also what tests check against GitHub's description).
    pub(crate) fn body(&self) -> StatusBody {
        StatusBody {
            state: self.state.clone(),
            log_url: self.log_url.clone(),
            description: self.description.as_deref().map(fit_description),
            environment: self.environment.clone(),
            environment_url: self.environment_url.clone(),
            auto_inactive: self.auto_inactive,
        }
    }

    /// Whether `status` is this one, as GitHub stores it: same state, and the same value
    /// of every field that was set (`log_url` may come back as `target_url`).
    fn matches(&self, status: &DeploymentStatus) -> bool {
        let body = self.body();
        let same = |wanted: &Option<String>, got: &[&Option<String>]| match wanted {
            None => true,
            Some(wanted) => got.iter().any(|g| g.as_deref() == Some(wanted.as_str())),
        };
        status.state == body.state
            && same(&body.description, &[&status.description])
            && same(&body.environment_url, &[&status.environment_url])
            && same(&body.log_url, &[&status.log_url, &status.target_url])
    }
}

/// `text` cut to GitHub's limit, on a character boundary, ending in `…` when cut.
fn fit_description(text: &str) -> String {
    if text.chars().count() <= DESCRIPTION_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(DESCRIPTION_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Filters of the deployment list; `None` is not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentFilter {
    pub environment: Option<String>,
    pub task: Option<String>,
    pub sha: Option<String>,
    pub git_ref: Option<String>,
}

impl DeploymentFilter {
    fn query(&self) -> Vec<(&'static str, String)> {
        [
            ("environment", &self.environment),
            ("task", &self.task),
            ("sha", &self.sha),
            ("ref", &self.git_ref),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.clone().map(|v| (key, v)))
        .collect()
    }
}

impl GithubClient {
    /// The pages of `GET /repos/{owner}/{repo}/deployments` with `filter`, newest first.
    pub fn deployments(
        &self,
        repo: &RepoRef,
        filter: &DeploymentFilter,
    ) -> Result<super::Pages<Vec<Deployment>>, GithubError> {
        self.pages(
            redact(&format!("list deployments of `{repo}`")).into_owned(),
            format!("repository `{repo}`"),
            &format!("{}/deployments", repo.path()),
            &filter.query(),
            PER_PAGE,
        )
    }

    /// `POST /repos/{owner}/{repo}/deployments`, exactly once: after an ambiguous failure
    /// the deployment carrying `marker` is adopted if the lost call created it.
    pub async fn create_deployment(
        &self,
        repo: &RepoRef,
        marker: &RunMarker,
        new: &NewDeployment,
    ) -> Result<Deployment, GithubError> {
        let call = redact(&format!(
            "create deployment of `{}` to environment `{}` of `{repo}`",
            new.git_ref, new.environment
        ))
        .into_owned();
        let target = format!("repository `{repo}`");
        let url = self.url(&format!("{}/deployments", repo.path()), &[])?;
        let body = json(&new.body(marker));
        // The environment's list first (where the record is, in the usual case); then the
        // task's across environments, since GitHub matches environment names ignoring case
        // and may keep the record under the existing environment's spelling.
        let in_environment = DeploymentFilter {
            environment: Some(new.environment.clone()),
            task: Some(new.task.clone()),
            ..DeploymentFilter::default()
        };
        let any_environment = DeploymentFilter {
            environment: None,
            ..in_environment.clone()
        };
        self.http()
            .exactly_once(
                || async {
                    let response = self
                        .send(
                            &call,
                            Retry::OnlyIfNotProcessed,
                            Method::POST,
                            &url,
                            Some(&body),
                        )
                        .await?;
                    // 202 (auto-merge merged instead) creates nothing: an error with a hint.
                    if response.is_success() && response.status != 202 {
                        super::decode(&call, &response)
                    } else {
                        Err(GithubError::from_response(&call, &target, &response))
                    }
                },
                || async {
                    let ours = |d: &Deployment| marker_of(d).as_deref() == Some(marker.as_str());
                    if let Some(found) = self.deployments(repo, &in_environment)?.find(ours).await?
                    {
                        return Ok(Some(found));
                    }
                    self.deployments(repo, &any_environment)?.find(ours).await
                },
            )
            .await
    }

    /// `GET /repos/{owner}/{repo}/deployments/{id}`; `None` if there is no such deployment.
    pub async fn deployment(
        &self,
        repo: &RepoRef,
        id: i64,
    ) -> Result<Option<Deployment>, GithubError> {
        let url = self.url(&format!("{}/deployments/{id}", repo.path()), &[])?;
        self.get_optional(
            &format!("read deployment {id} of `{repo}`"),
            &format!("deployment {id} of `{repo}`"),
            &url,
        )
        .await
    }

    /// `DELETE /repos/{owner}/{repo}/deployments/{id}` (GitHub refuses an active one with
    /// 422 while the repository has others).
    pub async fn delete_deployment(&self, repo: &RepoRef, id: i64) -> Result<(), GithubError> {
        let url = self.url(&format!("{}/deployments/{id}", repo.path()), &[])?;
        let call = format!("delete deployment {id} of `{repo}`");
        let target = format!("deployment {id} of `{repo}`");
        self.write(&call, &target, Retry::Safe, Method::DELETE, &url, None)
            .await
            .map(drop)
    }

    /// The pages of `GET …/deployments/{id}/statuses`, newest first.
    pub fn statuses(
        &self,
        repo: &RepoRef,
        id: i64,
    ) -> Result<super::Pages<Vec<DeploymentStatus>>, GithubError> {
        self.status_pages(repo, id, PER_PAGE)
    }

    /// The newest status of a deployment (its current state), reading one item.
    pub async fn newest_status(
        &self,
        repo: &RepoRef,
        id: i64,
    ) -> Result<Option<DeploymentStatus>, GithubError> {
        let first = self.status_pages(repo, id, 1)?.next_page().await?;
        Ok(first.and_then(|page| page.into_iter().next()))
    }

    fn status_pages(
        &self,
        repo: &RepoRef,
        id: i64,
        per_page: u32,
    ) -> Result<super::Pages<Vec<DeploymentStatus>>, GithubError> {
        self.pages(
            format!("list statuses of deployment {id} of `{repo}`"),
            format!("deployment {id} of `{repo}`"),
            &format!("{}/deployments/{id}/statuses", repo.path()),
            &[],
            per_page,
        )
    }

    /// `POST …/deployments/{id}/statuses`, exactly once: after an ambiguous failure the
    /// newest status is adopted if it is the one asked for.
    pub async fn create_status(
        &self,
        repo: &RepoRef,
        id: i64,
        status: &NewStatus,
    ) -> Result<DeploymentStatus, GithubError> {
        let call = format!(
            "post status `{}` of deployment {id} of `{repo}`",
            status.state
        );
        let target = format!("deployment {id} of `{repo}`");
        let url = self.url(&format!("{}/deployments/{id}/statuses", repo.path()), &[])?;
        let body = json(&status.body());
        self.http()
            .exactly_once(
                || {
                    let post = Method::POST;
                    self.call(
                        &call,
                        &target,
                        Retry::OnlyIfNotProcessed,
                        post,
                        &url,
                        Some(&body),
                    )
                },
                || async {
                    let newest = self.newest_status(repo, id).await?;
                    Ok(newest.filter(|newest| status.matches(newest)))
                },
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn descriptions_fit_githubs_limit_on_a_character_boundary() {
        assert_eq!(fit_description("short"), "short");
        let exact = "é".repeat(140);
        assert_eq!(fit_description(&exact), exact);
        let long = "ü".repeat(300);
        let fitted = fit_description(&long);
        assert_eq!(fitted.chars().count(), 140);
        assert!(fitted.ends_with('…'));
    }

    #[test]
    fn the_marker_is_found_in_an_object_or_a_json_string_payload() {
        let deployment = |payload: Value| -> Deployment {
            serde_json::from_value(json!({"id": 1, "payload": payload})).unwrap()
        };
        assert_eq!(
            marker_of(&deployment(json!({MARKER_KEY: "run-1", "x": 1}))).as_deref(),
            Some("run-1")
        );
        let text = json!({MARKER_KEY: "run-2"}).to_string();
        assert_eq!(
            marker_of(&deployment(json!(text))).as_deref(),
            Some("run-2")
        );
        assert_eq!(marker_of(&deployment(json!(""))), None);
        assert_eq!(marker_of(&deployment(json!({MARKER_KEY: 3}))), None);
        assert_eq!(RunMarker::new("  "), None);
        let mut new = NewDeployment::new("main", "production");
        new.payload.insert("region".into(), json!("kr"));
        let body = json(&new.body(&RunMarker::new("run-3").unwrap()));
        assert_eq!(
            body,
            json!({"ref": "main", "task": "deploy", "auto_merge": false, "required_contexts": [],
                   "payload": {"region": "kr", MARKER_KEY: "run-3"}, "environment": "production"})
        );
    }
}
