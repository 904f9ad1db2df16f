//! Applying one change: an app's git connection (connected, its branch changed in place,
//! or replaced — disconnect, then connect — when the repository or installation changes),
//! its staging (enabled; disabled only with the manifest's `confirm_discard_ops`), and
//! releases ([`super::deploy`]). Apps are never created or deleted.

use serde_json::Value;

use super::lower::{KIND_APP, KIND_GIT_CONNECTION, KIND_RELEASE, KIND_STAGING};
use super::provider::AxhubProvider;
use crate::model::{Action, Change, Resource};
use crate::providers::common::attributes::{flag, text};
use crate::providers::{ApplyContext, Outcome, ProviderError};

pub(super) async fn execute(
    provider: &AxhubProvider,
    change: &Change,
    desired: Option<&Resource>,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let slug = change.name.as_str();
    match (change.kind.as_str(), change.action) {
        (KIND_APP, _) => Err(ProviderError::Precondition(format!(
            "app `{slug}` is read, never created or deleted: AxHub makes apps through its bootstrap flow"
        ))),
        (KIND_RELEASE, Action::Deploy) => {
            super::deploy::deploy(provider, change, needs(desired, change)?, ctx).await
        }
        (KIND_RELEASE, _) => Err(ProviderError::Precondition(format!(
            "release `{}` is never deleted: AxHub keeps what production runs until another deploy",
            change.address
        ))),
        (KIND_GIT_CONNECTION, action) => git_connection(provider, change, desired, action).await,
        (KIND_STAGING, action) => staging(provider, change, desired, action).await,
        (kind, _) => Err(ProviderError::Precondition(format!(
            "`{}`: AxHub has no `{kind}`",
            change.address
        ))),
    }
}

fn needs<'r>(
    desired: Option<&'r Resource>,
    change: &Change,
) -> Result<&'r Resource, ProviderError> {
    desired.ok_or_else(|| no_desired_state(change))
}

async fn git_connection(
    provider: &AxhubProvider,
    change: &Change,
    desired: Option<&Resource>,
    action: Action,
) -> Result<Outcome, ProviderError> {
    let slug = change.name.as_str();
    let app = provider.app(slug)?;
    let client = &provider.client;
    if matches!(action, Action::Delete | Action::Replace) {
        client.disconnect_git(&app.id).await?;
    }
    if action == Action::Delete {
        return Ok(Outcome {
            id: None,
            message: format!("app `{slug}` disconnected from its repository"),
        });
    }
    let desired = needs(desired, change)?;
    let (repository, branch) = (text(desired, "repository"), text(desired, "branch"));
    if action == Action::Update {
        client.set_git_branch(&app.id, branch).await?;
        return Ok(Outcome {
            id: Some(app.id),
            message: format!("app `{slug}` now deploys pushes to `{branch}`"),
        });
    }
    let installation = desired
        .attributes
        .get("installation")
        .and_then(Value::as_u64)
        .ok_or_else(|| {
            ProviderError::Precondition(format!(
                "the git connection of app `{slug}` names no installation"
            ))
        })?;
    client
        .connect_git(&app.id, installation, repository, branch)
        .await?;
    let verb = if action == Action::Replace {
        "reconnected"
    } else {
        "connected"
    };
    Ok(Outcome {
        id: Some(app.id),
        message: format!("app `{slug}` {verb} to `{repository}` at `{branch}`"),
    })
}

async fn staging(
    provider: &AxhubProvider,
    change: &Change,
    desired: Option<&Resource>,
    action: Action,
) -> Result<Outcome, ProviderError> {
    let slug = change.name.as_str();
    let app = provider.app(slug)?;
    let enable = match (action, desired) {
        (Action::Delete, _) => false,
        (_, Some(desired)) => flag(desired, "enabled").unwrap_or(false),
        (_, None) => return Err(no_desired_state(change)),
    };
    if enable {
        provider.client.enable_staging(&app.id).await?;
        return Ok(Outcome {
            id: Some(app.id),
            message: format!("staging of app `{slug}` enabled"),
        });
    }
    // The consent travels only because the manifest gave it; without it AxHub refuses, and
    // apply says how to give it rather than sending it on the user's behalf.
    let confirmed = desired.and_then(|d| flag(d, "confirm_discard_ops")) == Some(true);
    if !confirmed {
        return Err(ProviderError::Precondition(format!(
            "disabling staging of app `{slug}` drops its staging schema: declare `staging: false` with `confirm_discard_ops: true` under `axhub: apps: {slug}:` to do it"
        )));
    }
    provider.client.disable_staging(&app.id, true).await?;
    Ok(Outcome {
        id: Some(app.id),
        message: format!("staging of app `{slug}` disabled (its schema dropped)"),
    })
}

fn no_desired_state(change: &Change) -> ProviderError {
    ProviderError::Precondition(format!("`{}` has no desired state", change.address))
}
