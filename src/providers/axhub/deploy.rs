//! Releases: bring an app's production to a commit. A deployment found running is followed
//! to its end first (AxHub runs one at a time); then, as plan decided, either production
//! swaps back to an image AxHub kept (a rollback: no deployment, no build, its result read
//! back from the app) or a deployment starts and is followed through its stages to
//! `succeeded`, `failed` (with the stage and reason) or `cancelled`. Ctrl-C cancels a
//! deployment this apply started. A start refused because one is already running follows
//! that one when it deploys the same commit, and fails naming it otherwise.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::AxhubError;
use super::provider::{AxhubProvider, Route};
use super::wire::{App, Deployment, DeploymentStatus};
use crate::model::{Address, Change, Resource};
use crate::providers::common::attributes::{flag, text};
use crate::providers::{ApplyContext, Outcome, ProviderError};

/// What an interrupted apply does to the deployment it follows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnInterrupt {
    /// This apply started it: cancel it, so that nothing runs that nobody watches.
    Cancel,
    /// Found running (an earlier apply, a push, someone in AxHub): stop following, leave it.
    Leave,
}

/// One release's apply: the app, the commit and how long to follow.
struct Release<'a> {
    provider: &'a AxhubProvider,
    address: &'a Address,
    app: App,
    commit: String,
    timeout: Duration,
    ctx: &'a ApplyContext,
}

pub(super) async fn deploy(
    provider: &AxhubProvider,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let target = (provider.known().releases.get(&change.address).cloned()).ok_or_else(|| {
        ProviderError::Precondition(format!(
            "release `{}` was not read before apply: run `plan` again",
            change.address
        ))
    })?;
    let timeout = (desired
        .attributes
        .get("timeout_seconds")
        .and_then(Value::as_u64))
    .map_or(ctx.deploy_timeout, Duration::from_secs);
    let release = Release {
        provider,
        address: &change.address,
        app: provider.app(&target.app)?,
        commit: text(desired, "commit").to_ascii_lowercase(),
        timeout,
        ctx,
    };
    if let Some(running) = &change.following {
        let found = release.follow(&running.id, OnInterrupt::Leave).await?;
        if found.status == DeploymentStatus::Succeeded && release.is_desired(&found) {
            return Ok(Outcome {
                id: Some(found.id.clone()),
                message: format!(
                    "deployment {} (found running) succeeded with commit {}: no second deployment",
                    found.id, release.commit
                ),
            });
        }
        release.say(&format!(
            "deployment {} ended `{}`: going on with the planned deploy",
            found.id, found.status
        ));
    }
    match target.route {
        Route::Rollback { deployment } => {
            let allow_skew = flag(desired, "allow_schema_skew").unwrap_or(false);
            release.rollback(&deployment, allow_skew).await
        }
        Route::Build => {
            let force = flag(desired, "force_rebuild").unwrap_or(false);
            release.build(force).await
        }
    }
}

impl Release<'_> {
    fn say(&self, line: &str) {
        (self.ctx.progress)(self.address, line);
    }

    fn is_desired(&self, deployment: &Deployment) -> bool {
        deployment.commit_sha.eq_ignore_ascii_case(&self.commit)
    }

    /// Starts a deployment of the commit and follows it; a 409 follows the running one when
    /// it deploys the same commit.
    async fn build(&self, force_rebuild: bool) -> Result<Outcome, ProviderError> {
        let client = &self.provider.client;
        let short = short(&self.commit);
        self.say(&format!(
            "deploying commit {short}{}",
            if force_rebuild { " (rebuilding)" } else { "" }
        ));
        let started = client
            .start_deployment(&self.app.id, &self.commit, force_rebuild)
            .await;
        let (deployment, on_interrupt) = match started {
            Ok(deployment) => (deployment, OnInterrupt::Cancel),
            Err(AxhubError::InProgress {
                running_deployment_id,
                ..
            }) => (
                self.running(running_deployment_id).await?,
                OnInterrupt::Leave,
            ),
            Err(other) => return Err(other.into()),
        };
        if on_interrupt == OnInterrupt::Leave {
            if !self.is_desired(&deployment) {
                return Err(ProviderError::Precondition(format!(
                    "app `{}` is already deploying commit {} in deployment {}: AxHub runs one deployment at a time, so commit {short} was not started; wait for it to end (or cancel it in AxHub), then apply again",
                    self.app.slug,
                    short_or_unknown(&deployment.commit_sha),
                    deployment.id
                )));
            }
            self.say(&format!(
                "deployment {} of commit {short} is already running: following it, not starting a second",
                deployment.id
            ));
        }
        let ended = match deployment.status.is_terminal() {
            true => deployment,
            false => self.follow(&deployment.id, on_interrupt).await?,
        };
        self.outcome(ended).await
    }

    /// The deployment a refused start found running: the one AxHub named, else the newest
    /// that has not ended.
    async fn running(&self, named: Option<String>) -> Result<Deployment, ProviderError> {
        let client = &self.provider.client;
        if let Some(id) = named {
            return Ok(client.deployment(&self.app.id, &id).await?);
        }
        let newest = client.deployments(&self.app.id, 10).await?;
        newest
            .into_iter()
            .find(|d| !d.status.is_terminal())
            .ok_or_else(|| {
                ProviderError::Precondition(format!(
                    "AxHub says a deployment of app `{}` is in progress, but none is listed as running: apply again",
                    self.app.slug
                ))
            })
    }

    /// Polls the deployment until it ends, the timeout passes, or apply is interrupted.
    async fn follow(
        &self,
        id: &str,
        on_interrupt: OnInterrupt,
    ) -> Result<Deployment, ProviderError> {
        let client = &self.provider.client;
        let begun = Instant::now();
        let mut last = String::new();
        loop {
            let deployment = client.deployment(&self.app.id, id).await?;
            let now = stage_of(&deployment);
            if now != last {
                self.say(&format!("deployment {id}: {now}"));
                last = now;
            }
            if deployment.status.is_terminal() {
                return Ok(deployment);
            }
            if begun.elapsed() >= self.timeout {
                return Err(ProviderError::Timeout {
                    what: format!("deployment {id} of app `{}` (last `{last}`)", self.app.slug),
                    seconds: self.timeout.as_secs(),
                });
            }
            let stop = self.ctx.pause(self.ctx.poll_interval).await;
            if !stop {
                continue;
            }
            let note = match on_interrupt {
                OnInterrupt::Leave => format!(
                    "stopped following deployment {id}; this apply did not start it, so it is left `{last}`"
                ),
                OnInterrupt::Cancel => match client.cancel_deployment(&self.app.id, id).await {
                    Ok(()) => format!("deployment {id} cancelled"),
                    Err(err) => format!("cancelling deployment {id} failed: {err}"),
                },
            };
            self.say(&note);
            return Err(ProviderError::Interrupted(note));
        }
    }

    /// The result of an ended deployment; a failure says where and why (AxHub's diagnoses
    /// added when it has some).
    async fn outcome(&self, ended: Deployment) -> Result<Outcome, ProviderError> {
        if ended.status == DeploymentStatus::Succeeded {
            return Ok(Outcome {
                id: Some(ended.id.clone()),
                message: format!(
                    "deployment {} succeeded: production runs commit {}",
                    ended.id,
                    short(&ended.commit_sha)
                ),
            });
        }
        let mut detail = String::new();
        if let Some(stage) = &ended.current_stage {
            detail.push_str(&format!(" at stage `{stage}`"));
        }
        if let Some(reason) = &ended.failure_reason {
            detail.push_str(&format!(": {reason}"));
        } else if ended.status == DeploymentStatus::Failed {
            let diagnoses = self
                .provider
                .client
                .diagnoses(&self.app.id, &ended.id)
                .await;
            if let Some(summary) = diagnoses.ok().and_then(|d| d.summary) {
                detail.push_str(&format!(": {summary}"));
            }
        }
        Err(ProviderError::DeploymentFailed {
            deployment: ended.id.clone(),
            status: ended.status.to_string(),
            detail,
        })
    }

    /// Swaps production back to the image `deployment` built, then reads the app until
    /// production runs it. AxHub cannot cancel a rollback: Ctrl-C only stops waiting.
    async fn rollback(&self, deployment: &str, allow_skew: bool) -> Result<Outcome, ProviderError> {
        let client = &self.provider.client;
        let short = short(&self.commit);
        self.say(&format!(
            "rolling back to deployment {deployment} (commit {short}, no rebuild)"
        ));
        client
            .rollback(&self.app.id, deployment, allow_skew)
            .await
            .map_err(|err| rollback_refused(err, allow_skew))?;
        let begun = Instant::now();
        loop {
            let app = client.app(&self.app.id).await?;
            if app.production_deployment_id.as_deref() == Some(deployment) {
                return Ok(Outcome {
                    id: Some(deployment.to_owned()),
                    message: format!(
                        "rolled back to deployment {deployment}: production runs commit {short} again (no rebuild)"
                    ),
                });
            }
            if begun.elapsed() >= self.timeout {
                return Err(ProviderError::Timeout {
                    what: format!(
                        "the rollback of app `{}` to deployment {deployment}",
                        self.app.slug
                    ),
                    seconds: self.timeout.as_secs(),
                });
            }
            let stop = self.ctx.pause(self.ctx.poll_interval).await;
            if stop {
                let note = format!(
                    "stopped waiting for the rollback to deployment {deployment}; AxHub cannot cancel it and goes on"
                );
                self.say(&note);
                return Err(ProviderError::Interrupted(note));
            }
        }
    }
}

/// A refused rollback, with what to do: most often the image expired since the plan, or
/// the schema changed destructively since that build.
fn rollback_refused(err: AxhubError, allowed_skew: bool) -> ProviderError {
    let hint = match err.status() {
        Some(412) if !allowed_skew => Some(
            "AxHub refuses when the image is gone since the plan (run `plan` again: it plans a new build) or when the database schema changed destructively since that build (`allow_schema_skew: true` on the release accepts it)",
        ),
        Some(412) => {
            Some("the image is gone since the plan: run `plan` again, it plans a new build")
        }
        Some(403) => Some("a reviewed app rolls back only to approved versions"),
        _ => None,
    };
    match hint {
        Some(hint) => ProviderError::Request {
            call: err.call().to_owned(),
            message: err
                .refusal()
                .map_or_else(|| err.to_string(), |r| r.to_string()),
            hint: Some(hint.to_owned()),
        },
        None => err.into(),
    }
}

/// `status` or `status (stage)`, as a deployment's progress line says it.
pub(super) fn stage_of(deployment: &Deployment) -> String {
    match &deployment.current_stage {
        Some(stage) if stage.as_str() != deployment.status.as_str() => {
            format!("{} ({stage})", deployment.status)
        }
        _ => deployment.status.to_string(),
    }
}

/// The first 12 hex digits of a commit, as logs show it.
fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

fn short_or_unknown(commit: &str) -> &str {
    if commit.is_empty() {
        "(unknown)"
    } else {
        short(commit)
    }
}
