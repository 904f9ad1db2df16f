//! A deployment record: "environment E of this project runs ref F at commit S". A record
//! that follows a release is created `running` when the release starts and set to how it
//! ended — `success`, `failed`, or `canceled` when apply stopped following it — never left
//! `running`. A record that follows nothing is created `success` at once (a deploy done by
//! other means); GitLab answers an identical last success with that deployment instead of
//! a new one, which is reported as kept.
//!
//! When a deploy job of the record's commit waits for approval in the environment (its
//! protection's approval rules), the record waits with it, saying who still has to approve,
//! and fails if it is rejected: deployplan never approves.
//!
//! Only deployments the API created are ever updated (GitLab refuses a CI job's with 403),
//! and none is deleted: a record is history.

use std::time::Duration;

use serde_json::Value;

use super::client::DeploymentQuery;
use super::provider::{GitlabProvider, Place, RecordTarget};
use super::wire::{Deployment, DeploymentStatus, NewDeployment};
use crate::model::{Change, Resource};
use crate::providers::common::attributes::{flag, text};
use crate::providers::{ApplyContext, Outcome, ProviderError, ReleaseOutcome};

/// How often a blocked deployment is read again while it waits for approvals.
const APPROVAL_POLL: Duration = Duration::from_secs(2);
/// How many of an environment's newest deployments a deploy looks at (one page).
const RECENT: u32 = 100;

/// The status a record takes from how its release ended.
pub(super) fn closing_status(outcome: &ReleaseOutcome) -> DeploymentStatus {
    match outcome {
        ReleaseOutcome::Converged | ReleaseOutcome::Succeeded(_) => DeploymentStatus::Success,
        ReleaseOutcome::Failed(_) => DeploymentStatus::Failed,
        ReleaseOutcome::Abandoned(_) => DeploymentStatus::Canceled,
    }
}

fn target(provider: &GitlabProvider, change: &Change) -> Result<RecordTarget, ProviderError> {
    (provider.known().records.get(&change.address).cloned()).ok_or_else(|| {
        ProviderError::Precondition(format!(
            "`{}` was not read before apply (its ref's commit is unknown)",
            change.address
        ))
    })
}

pub(super) async fn deploy(
    provider: &GitlabProvider,
    change: &Change,
    desired: &Resource,
    place: &Place,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let client = &provider.client;
    let target = target(provider, change)?;
    let progress = |message: &str| (ctx.progress)(&change.address, message);
    let (git_ref, environment) = (text(desired, "ref"), text(desired, "environment"));
    let status = if change.follows.is_some() {
        DeploymentStatus::Running
    } else {
        DeploymentStatus::Success
    };
    let new = NewDeployment {
        environment: environment.to_owned(),
        sha: target.sha.clone(),
        git_ref: git_ref.to_owned(),
        tag: flag(desired, "tag").unwrap_or(false),
        status,
    };
    // The environment's recent deployments: a deploy job of this commit waiting for
    // approval (the record waits with it), records an earlier apply left open, and the
    // newest id, above which a create whose answer is lost may adopt a deployment.
    let recent = client
        .deployments(place.project, &DeploymentQuery::newest(environment, RECENT))
        .await?;
    for gate in recent
        .iter()
        .filter(|d| d.status == DeploymentStatus::Blocked && d.sha == target.sha)
    {
        wait_for_approval(provider, place, gate, change, ctx).await?;
    }
    let running: Vec<Deployment> = (recent.iter())
        .filter(|d| d.status == DeploymentStatus::Running)
        .cloned()
        .collect();
    let newest = recent.iter().map(|d| d.id).chain(target.last_success).max();
    let created = client
        .create_deployment(place.project, &new, newest)
        .await?;
    let id = created.id;
    close_stale(provider, place, &running, &created, change, ctx).await?;
    let commit = super::objects::short(&target.sha).to_owned();
    let Some(release) = &change.follows else {
        let kept = target.last_success == Some(id);
        let message = if kept {
            format!(
                "deployment {id} kept: GitLab's last success in `{environment}` is already `{git_ref}` at {commit}"
            )
        } else {
            format!(
                "deployment {id} of `{git_ref}` at {commit} recorded in `{environment}`: success"
            )
        };
        progress(&message);
        return Ok(Outcome {
            id: Some(id.to_string()),
            message,
        });
    };
    progress(&format!(
        "deployment {id} of `{git_ref}` at {commit}: running (follows {release})"
    ));
    let outcome = ctx.release_outcome(change).await;
    let closing = closing_status(&outcome);
    client
        .update_deployment_status(place.project, id, closing.clone())
        .await?;
    let why = match &outcome {
        ReleaseOutcome::Failed(error) => format!(": {error}"),
        ReleaseOutcome::Abandoned(why) => format!(": {why}"),
        _ => String::new(),
    };
    progress(&format!("deployment {id}: {}", closing.as_str()));
    Ok(Outcome {
        id: Some(id.to_string()),
        message: format!(
            "deployment {id} of `{git_ref}` at {commit} in `{environment}`: {}{why}",
            closing.as_str()
        ),
    })
}

/// Cancels the records this token's user left `running` in the environment before this
/// deploy (an earlier apply killed before it could close them): none stays `running` for
/// ever. Only records the API made (GitLab refuses to update a CI job's deployment).
async fn close_stale(
    provider: &GitlabProvider,
    place: &Place,
    running: &[Deployment],
    created: &Deployment,
    change: &Change,
    ctx: &ApplyContext,
) -> Result<(), ProviderError> {
    let Some(me) = created.user.as_ref().map(|u| u.id) else {
        return Ok(());
    };
    let mine = running.iter().filter(|d| {
        d.id != created.id && d.deployable.is_none() && d.user.as_ref().map(|u| u.id) == Some(me)
    });
    for stale in mine.map(|d| &d.id) {
        provider
            .client
            .update_deployment_status(place.project, *stale, DeploymentStatus::Canceled)
            .await?;
        (ctx.progress)(
            &change.address,
            &format!("deployment {stale}, left running by an earlier apply: canceled"),
        );
    }
    Ok(())
}

/// Waits while GitLab holds a deploy job of the record's commit for approval (approval
/// rules of a protected environment), saying who must approve; a rejected one fails the
/// record. Approving is a person's decision: deployplan never approves.
async fn wait_for_approval(
    provider: &GitlabProvider,
    place: &Place,
    gate: &Deployment,
    change: &Change,
    ctx: &ApplyContext,
) -> Result<(), ProviderError> {
    let names = Names::of(provider);
    let mut current = gate.clone();
    while current.status == DeploymentStatus::Blocked {
        if ctx.is_interrupted() {
            return Err(ProviderError::Precondition(format!(
                "deployment {} of this commit is still waiting for approval",
                current.id
            )));
        }
        (ctx.progress)(
            &change.address,
            &format!(
                "deployment {}: blocked — {}",
                current.id,
                waiting_for(&current, &names)
            ),
        );
        ctx.pause(APPROVAL_POLL).await;
        current = (provider
            .client
            .deployment(place.project, current.id)
            .await?)
            .ok_or_else(|| {
                ProviderError::Precondition(format!("deployment {} disappeared", current.id))
            })?;
    }
    if matches!(
        current.status,
        DeploymentStatus::Failed | DeploymentStatus::Canceled
    ) {
        return Err(ProviderError::Precondition(format!(
            "deployment {} of this commit was {} while waiting for approval: nothing recorded",
            current.id,
            if current.status == DeploymentStatus::Failed {
                "rejected"
            } else {
                "canceled"
            }
        )));
    }
    (ctx.progress)(
        &change.address,
        &format!("deployment {}: approved", current.id),
    );
    Ok(())
}

/// The names the plan's reads resolved, by id: how a rule's principal is shown.
struct Names {
    users: std::collections::HashMap<u64, String>,
    groups: std::collections::HashMap<u64, String>,
}

impl Names {
    fn of(provider: &GitlabProvider) -> Self {
        let known = provider.known();
        let flip = |map: &std::collections::HashMap<String, u64>| {
            map.iter().map(|(name, id)| (*id, name.clone())).collect()
        };
        Names {
            users: flip(&known.users),
            groups: flip(&known.groups),
        }
    }
}

/// Who still has to approve, as GitLab's approval summary says (`rules[]`, each with its
/// principal, `required_approvals` and the `deployment_approvals` given).
fn waiting_for(deployment: &Deployment, names: &Names) -> String {
    let rules = (deployment.approval_summary.as_ref())
        .and_then(|summary| summary.get("rules"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let waiting: Vec<String> = rules
        .iter()
        .filter_map(|rule| {
            let required = rule
                .get("required_approvals")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            let given = (rule.get("deployment_approvals").and_then(Value::as_array))
                .map_or(0, |a| a.len() as u64);
            (given < required)
                .then(|| format!("{} ({given} of {required})", principal(rule, names)))
        })
        .collect();
    match (waiting.is_empty(), deployment.pending_approval_count) {
        (false, _) => format!("waiting for approval by {}", waiting.join(", ")),
        (true, Some(pending)) => format!("waiting for {pending} more approval(s)"),
        (true, None) => "waiting for approval".to_owned(),
    }
}

/// The principal of an approval rule: by the name the manifest gave it when the id is
/// known, else as GitLab describes it.
fn principal(rule: &Value, names: &Names) -> String {
    let id = |key: &str| rule.get(key).and_then(Value::as_u64);
    let described = rule.get("access_level_description").and_then(Value::as_str);
    if let Some(user) = id("user_id") {
        return match names.users.get(&user) {
            Some(name) => format!("user `{name}`"),
            None => format!("user {}", described.unwrap_or("(unknown)")),
        };
    }
    if let Some(group) = id("group_id") {
        return match names.groups.get(&group) {
            Some(path) => format!("group `{path}`"),
            None => format!("group {}", described.unwrap_or("(unknown)")),
        };
    }
    described.map_or_else(|| "an approver".to_owned(), str::to_owned)
}
