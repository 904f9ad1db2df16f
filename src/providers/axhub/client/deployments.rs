//! Deployments, releases and diagnoses of an app.
//!
//! Starting a deployment is the one call that must not be repeated blindly: AxHub runs at
//! most one per app, but a second start of the same commit after the first finished deploys
//! it again. So a start whose answer is lost re-reads the app's newest deployments and
//! adopts the one of the same commit that began after the call; only when there is none is
//! it sent again. A 409 says a deployment is already running: typed as
//! [`AxhubError::InProgress`], never retried.

use std::time::Duration;

use reqwest::Method;

use super::{AxhubClient, AxhubError, json, segment};
use crate::providers::axhub::wire::{
    Deployment, Diagnoses, Release, Rollback, StartDeployment, TriggerSource,
};
use crate::providers::http::Retry;

/// How many of the newest deployments a lost start's re-read looks through.
const PROBE_DEPTH: usize = 10;
/// How much earlier than our clock AxHub's may stamp the deployment a lost call started.
const CLOCK_SKEW: Duration = Duration::from_secs(30);

impl AxhubClient {
    /// The app's newest `limit` deployments, newest first.
    pub async fn deployments(
        &self,
        app: &str,
        limit: usize,
    ) -> Result<Vec<Deployment>, AxhubError> {
        let call = format!("list deployments of app `{app}`");
        let path = format!("/apps/{}/deployments", segment("app", app)?);
        self.list((&call, &format!("app `{app}`")), &path, Some(limit))
            .await
    }

    /// One deployment of the app.
    pub async fn deployment(&self, app: &str, id: &str) -> Result<Deployment, AxhubError> {
        let call = format!("read deployment `{id}` of app `{app}`");
        let url = self.deployment_url(app, id, "")?;
        let target = format!("deployment `{id}` of app `{app}`");
        self.call((&call, &target), Retry::Safe, Method::GET, &url, None)
            .await
    }

    /// Starts deploying `commit` (40 hex digits), exactly once: see the module's notes.
    pub async fn start_deployment(
        &self,
        app: &str,
        commit: &str,
        force_rebuild: bool,
    ) -> Result<Deployment, AxhubError> {
        let call = format!("start a deployment of `{commit}` on app `{app}`");
        let target = format!("app `{app}`");
        let url = self.url(&format!("/apps/{}/deployments", segment("app", app)?), &[])?;
        let body = json(&StartDeployment {
            commit_sha: commit,
            force_rebuild,
        });
        let since = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::try_from(CLOCK_SKEW).unwrap_or_default())
            .unwrap_or(jiff::Timestamp::MIN);
        let send = || async {
            let context = (call.as_str(), target.as_str());
            let retry = Retry::OnlyIfNotProcessed;
            self.call(context, retry, Method::POST, &url, Some(&body))
                .await
                .map_err(AxhubError::in_progress)
        };
        let probe = || async {
            let newest = self.deployments(app, PROBE_DEPTH).await?;
            Ok(newest.into_iter().find(|d| started_by(d, commit, since)))
        };
        self.inner.http.exactly_once(send, probe).await
    }

    /// Asks AxHub to cancel a running deployment; done when it is already cancelled.
    pub async fn cancel_deployment(&self, app: &str, id: &str) -> Result<(), AxhubError> {
        let call = format!("cancel deployment `{id}` of app `{app}`");
        let url = self.deployment_url(app, id, "/cancel")?;
        let target = format!("deployment `{id}` of app `{app}`");
        self.call_done(
            (&call, &target),
            Retry::Safe,
            Method::POST,
            &url,
            None,
            |_| false,
        )
        .await
    }

    /// Swaps production back to the image deployment `id` built (no new deployment; the
    /// app's `production_deployment_id` changes). Repeating it swaps to the same image, so
    /// it is retried like a setting. `confirm_schema_skew` accepts destructive schema
    /// changes made since that build.
    pub async fn rollback(
        &self,
        app: &str,
        id: &str,
        confirm_schema_skew: bool,
    ) -> Result<(), AxhubError> {
        let call = format!("roll app `{app}` back to deployment `{id}`");
        let url = self.deployment_url(app, id, "/rollback")?;
        let body = json(&Rollback {
            confirm_schema_skew,
        });
        let target = format!("deployment `{id}` of app `{app}`");
        let method = Method::POST;
        self.call_done(
            (&call, &target),
            Retry::Safe,
            method,
            &url,
            Some(&body),
            |_| false,
        )
        .await
    }

    /// Every release of the app (versions of successful deployments), newest first.
    pub async fn releases(&self, app: &str) -> Result<Vec<Release>, AxhubError> {
        let call = format!("list releases of app `{app}`");
        let path = format!("/apps/{}/releases", segment("app", app)?);
        self.list((&call, &format!("app `{app}`")), &path, None)
            .await
    }

    /// AxHub's diagnoses of a deployment (why it failed).
    pub async fn diagnoses(&self, app: &str, id: &str) -> Result<Diagnoses, AxhubError> {
        let call = format!("read diagnoses of deployment `{id}` of app `{app}`");
        let url = self.deployment_url(app, id, "/diagnoses")?;
        let target = format!("deployment `{id}` of app `{app}`");
        self.call((&call, &target), Retry::Safe, Method::GET, &url, None)
            .await
    }

    fn deployment_url(&self, app: &str, id: &str, tail: &str) -> Result<reqwest::Url, AxhubError> {
        let path = format!(
            "/apps/{}/deployments/{}{tail}",
            segment("app", app)?,
            segment("deployment", id)?
        );
        self.url(&path, &[])
    }
}

/// Whether `deployment` is the one a lost start of `commit` at `since` made: the same
/// commit, started by hand (a webhook's or a rollback's is not ours), not before `since`.
fn started_by(deployment: &Deployment, commit: &str, since: jiff::Timestamp) -> bool {
    deployment.commit_sha.eq_ignore_ascii_case(commit)
        && matches!(
            deployment.trigger_source,
            None | Some(TriggerSource::Manual) | Some(TriggerSource::Other(_))
        )
        && deployment.started().is_some_and(|at| at >= since)
}
