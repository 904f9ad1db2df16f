//! Applying one change: environments (created, updated in place, and retired — stopped,
//! waited for until `stopped`, deleted — for a delete or the replace a rename plans),
//! protections (entries by the ids read during the plan), and deployment records
//! ([`super::record`]).

use std::time::{Duration, Instant};

use serde_json::Value;

use super::lower::{KIND_DEPLOYMENT, KIND_ENVIRONMENT, KIND_PROJECT, KIND_PROTECTION};
use super::protection::{access_entry, changes};
use super::provider::{GitlabProvider, Place};
use super::wire::{AccessEntry, EnvironmentBody, ProtectBody, ProtectUpdate};
use super::wire::{AutoStopSetting, EnvironmentState, Tier};
use crate::model::{Action, Change, Resource};
use crate::providers::{ApplyContext, Outcome, ProviderError};

/// How long a stopping environment (its `on_stop` jobs running) is waited for.
const STOP_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The first pause between reads of a stopping environment; it doubles up to 10 s.
const STOP_POLL: Duration = Duration::from_millis(250);

pub(super) async fn execute(
    provider: &GitlabProvider,
    change: &Change,
    desired: Option<&Resource>,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let place = place_of(provider, change)?;
    let client = &provider.client;
    let name = change.name.as_str();
    match (change.kind.as_str(), change.action) {
        (KIND_PROJECT, _) => Err(ProviderError::Precondition(format!(
            "project `{}` is read, never created or deleted",
            place.path
        ))),
        (KIND_DEPLOYMENT, Action::Deploy) => {
            super::record::deploy(provider, change, needs(desired, change)?, &place, ctx).await
        }
        (KIND_DEPLOYMENT, _) => Err(ProviderError::Precondition(format!(
            "deployment records are never deleted (`{}`): GitLab keeps the history",
            change.address
        ))),
        (KIND_ENVIRONMENT, Action::Delete) => {
            retire(provider, &place, change, ctx).await?;
            Ok(Outcome {
                id: None,
                message: format!("environment `{name}` stopped and deleted"),
            })
        }
        (KIND_ENVIRONMENT, action) => {
            let desired = needs(desired, change)?;
            if action == Action::Replace {
                retire(provider, &place, change, ctx).await?;
            }
            let body = environment_body(desired);
            let written = match (action, remote_id(change)) {
                (Action::Update, Ok(id)) => {
                    client.update_environment(place.project, id, &body).await?
                }
                _ => {
                    let create = EnvironmentBody {
                        name: Some(name.to_owned()),
                        ..body
                    };
                    client.create_environment(place.project, &create).await?
                }
            };
            let verb = match action {
                Action::Update => "updated",
                Action::Replace => "replaced",
                _ => "created",
            };
            Ok(Outcome {
                id: Some(written.id.to_string()),
                message: format!("environment `{name}` {verb}"),
            })
        }
        (KIND_PROTECTION, Action::Delete) => {
            client.unprotect_environment(place.project, name).await?;
            Ok(Outcome {
                id: None,
                message: format!("environment `{name}` unprotected"),
            })
        }
        (KIND_PROTECTION, action) => {
            let desired = needs(desired, change)?;
            let (deployers, approvals) = grants(provider, desired)?;
            let remote = provider.known().protections.get(&change.address).cloned();
            match (action, remote) {
                (Action::Update, Some(remote)) => {
                    let update = ProtectUpdate {
                        deploy_access_levels: changes(&remote.deploy_access_levels, &deployers),
                        approval_rules: changes(&remote.approval_rules, &approvals),
                    };
                    client
                        .update_protected_environment(place.project, name, &update)
                        .await?;
                }
                _ => {
                    let body = ProtectBody {
                        name: name.to_owned(),
                        deploy_access_levels: deployers.clone(),
                        approval_rules: approvals.clone(),
                    };
                    client.protect_environment(place.project, &body).await?;
                }
            }
            Ok(Outcome {
                id: Some(name.to_owned()),
                message: format!(
                    "environment `{name}` protected: {} deploy rule(s), {} approval rule(s)",
                    deployers.len(),
                    approvals.len()
                ),
            })
        }
        (kind, action) => Err(ProviderError::Precondition(format!(
            "cannot {} a {kind}",
            action.as_str()
        ))),
    }
}

/// The settings the manifest sets, as GitLab's create and update calls take them.
fn environment_body(desired: &Resource) -> EnvironmentBody {
    let setting = |key: &str| {
        desired
            .attributes
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    EnvironmentBody {
        name: None,
        external_url: setting("external_url"),
        tier: setting("tier").map(Tier::from),
        description: setting("description"),
        auto_stop_setting: setting("auto_stop_setting").map(AutoStopSetting::from),
        kubernetes_namespace: setting("kubernetes_namespace"),
        flux_resource_path: setting("flux_resource_path"),
    }
}

/// The protection's entries as ids (the plan's reads resolved every name).
fn grants(
    provider: &GitlabProvider,
    desired: &Resource,
) -> Result<(Vec<AccessEntry>, Vec<AccessEntry>), ProviderError> {
    let known = provider.known();
    let list = |key: &str, approvals: bool| -> Result<Vec<AccessEntry>, ProviderError> {
        let entries = desired
            .attributes
            .get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        entries
            .iter()
            .map(|entry| {
                access_entry(entry, approvals, &known.users, &known.groups).ok_or_else(|| {
                    ProviderError::Precondition(format!(
                        "`{}`: {entry} names a user or group that was not looked up",
                        desired.address
                    ))
                })
            })
            .collect()
    };
    Ok((list("deployers", false)?, list("approvals", true)?))
}

/// Stops the environment the change's remote id names, waits until GitLab says `stopped`
/// (its `on_stop` jobs may take a while), and deletes it.
async fn retire(
    provider: &GitlabProvider,
    place: &Place,
    change: &Change,
    ctx: &ApplyContext,
) -> Result<(), ProviderError> {
    let client = &provider.client;
    let id = remote_id(change)?;
    let mut environment = client.stop_environment(place.project, id, false).await?;
    let started = Instant::now();
    let mut pause = STOP_POLL;
    while environment.state != Some(EnvironmentState::Stopped) {
        let state = environment
            .state
            .as_ref()
            .map_or("unknown", |s| s.as_str())
            .to_owned();
        if ctx.is_interrupted() || started.elapsed() > STOP_TIMEOUT {
            return Err(ProviderError::Precondition(format!(
                "environment `{}` is still {state} (its on_stop jobs have not finished); it was not deleted",
                environment.name,
            )));
        }
        (ctx.progress)(
            &change.address,
            &format!(
                "environment `{}`: {state}, waiting until stopped",
                environment.name
            ),
        );
        // Interrupted: the check above says so on the next turn.
        ctx.pause(pause).await;
        pause = (pause * 2).min(Duration::from_secs(10));
        environment = (client.environment(place.project, id).await?).ok_or_else(|| {
            ProviderError::Precondition(format!("environment {id} disappeared while stopping"))
        })?;
    }
    client.delete_environment(place.project, id).await?;
    Ok(())
}

fn place_of(provider: &GitlabProvider, change: &Change) -> Result<Place, ProviderError> {
    (provider.known().places.get(&change.address).cloned()).ok_or_else(|| {
        ProviderError::Precondition(format!(
            "`{}` was not read before apply (its project is unknown)",
            change.address
        ))
    })
}

fn needs<'r>(
    desired: Option<&'r Resource>,
    change: &Change,
) -> Result<&'r Resource, ProviderError> {
    desired.ok_or_else(|| {
        ProviderError::Precondition(format!(
            "`{}` is not in the manifest any more",
            change.address
        ))
    })
}

fn remote_id(change: &Change) -> Result<u64, ProviderError> {
    (change.remote_id.as_deref().and_then(|id| id.parse().ok())).ok_or_else(|| {
        ProviderError::Precondition(format!("`{}` has no remote id", change.address))
    })
}
