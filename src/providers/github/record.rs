//! A deployment record: "environment E of this repository runs ref F". Created with
//! `auto_merge: false` and `required_contexts: []` unless the manifest says otherwise, and
//! marked with this run in its `payload` so that a create whose answer was lost is adopted,
//! not repeated. A record that follows a release is opened `in_progress` when the release
//! starts and closed with how it ended: `success` (with `environment_url`), `failure` (with
//! the error), or `error` when apply stopped following the release — never left
//! `in_progress`. A record that follows nothing is posted `success` at once (a deploy done
//! by other means).

use serde_json::Value;

use super::client::{NewDeployment, NewStatus, RepoRef, RunMarker};
use super::provider::GithubProvider;
use super::wire::DeploymentState;
use crate::model::{Change, Resource};
use crate::providers::common::attributes::{flag, optional_text, text};
use crate::providers::{ApplyContext, Outcome, ProviderError, ReleaseOutcome};

/// The record to create, from the manifest.
fn new_deployment(desired: &Resource) -> NewDeployment {
    let mut new = NewDeployment::new(text(desired, "ref"), text(desired, "environment"));
    if let Some(task) = optional_text(desired, "task") {
        new.task = task;
    }
    new.description = optional_text(desired, "description");
    if let Some(Value::Object(payload)) = desired.attributes.get("payload") {
        new.payload = payload.clone();
    }
    if let Some(auto_merge) = flag(desired, "auto_merge") {
        new.auto_merge = auto_merge;
    }
    if let Some(Value::Array(contexts)) = desired.attributes.get("required_contexts") {
        new.required_contexts = contexts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
    }
    new.transient_environment = flag(desired, "transient_environment");
    new.production_environment = flag(desired, "production_environment");
    new
}

/// A status of `state` with the record's own links.
fn status(desired: &Resource, state: DeploymentState, description: String) -> NewStatus {
    NewStatus {
        description: Some(description),
        log_url: optional_text(desired, "log_url"),
        ..NewStatus::new(state)
    }
}

/// Closes the records an earlier apply of this one opened and never closed (the process was
/// killed before it could): `error`, saying so, so that none stays `in_progress`.
async fn close_stale(
    provider: &GithubProvider,
    change: &Change,
    repo: &RepoRef,
    ctx: &ApplyContext,
) -> Result<(), ProviderError> {
    let stale = (provider.known().stale_records.remove(&change.address)).unwrap_or_default();
    for id in stale {
        let closed = NewStatus {
            description: Some(
                "closed by the next apply: the apply that opened it ended without closing it"
                    .to_owned(),
            ),
            ..NewStatus::new(DeploymentState::Error)
        };
        provider.client.create_status(repo, id, &closed).await?;
        (ctx.progress)(
            &change.address,
            &format!("deployment record {id}, left in progress by an earlier apply: error"),
        );
    }
    Ok(())
}

pub(super) async fn deploy(
    provider: &GithubProvider,
    change: &Change,
    desired: &Resource,
    repo: &RepoRef,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let client = &provider.client;
    let marker =
        RunMarker::new(format!("{}@{}", change.address, provider.run)).ok_or_else(|| {
            ProviderError::Precondition(format!("no run marker for `{}`", change.address))
        })?;
    let new = new_deployment(desired);
    close_stale(provider, change, repo, ctx).await?;
    let created = client.create_deployment(repo, &marker, &new).await?;
    let id = created.id;
    let progress = |message: &str| (ctx.progress)(&change.address, message);
    progress(&format!(
        "deployment record {id} created for `{}`",
        new.git_ref
    ));

    let outcome = match &change.follows {
        Some(release) => {
            let opened = status(
                desired,
                DeploymentState::InProgress,
                format!("deploying with {release}"),
            );
            client.create_status(repo, id, &opened).await?;
            progress(&format!(
                "deployment record {id}: in_progress (follows {release})"
            ));
            ctx.release_outcome(change).await
        }
        None => ReleaseOutcome::Converged,
    };
    let description = optional_text(desired, "description");
    let (state, text) = match &outcome {
        ReleaseOutcome::Converged => (
            DeploymentState::Success,
            description.unwrap_or_else(|| "deployed".to_owned()),
        ),
        ReleaseOutcome::Succeeded(message) => (
            DeploymentState::Success,
            description.unwrap_or_else(|| message.clone()),
        ),
        ReleaseOutcome::Failed(error) => (DeploymentState::Failure, error.clone()),
        ReleaseOutcome::Abandoned(why) => (DeploymentState::Error, why.clone()),
    };
    let mut closed = status(desired, state.clone(), text);
    if state == DeploymentState::Success {
        closed.environment_url = optional_text(desired, "environment_url");
        closed.auto_inactive = flag(desired, "auto_inactive");
    }
    client.create_status(repo, id, &closed).await?;
    progress(&format!("deployment record {id}: {state}"));
    Ok(Outcome {
        id: Some(id.to_string()),
        message: format!("deployment record {id} of `{}`: {state}", new.git_ref),
    })
}
