//! Applying one change: environment settings by PUT (reviewers by the ids read during the
//! plan), branch policies, variables and secrets (sealed for the environment's public key
//! at the moment of writing), and deployment records ([`super::record`]).

use serde_json::Value;

use super::client::RepoRef;
use super::lower::{
    KIND_BRANCH_POLICY, KIND_DEPLOYMENT, KIND_ENVIRONMENT, KIND_REPOSITORY, KIND_SECRET,
    KIND_TAG_POLICY, KIND_VARIABLE,
};
use super::provider::{GithubProvider, Place};
use super::reviewers::{key, reviewers_of};
use super::wire::{
    BranchPolicySettings, Environment, EnvironmentSettings, NewBranchPolicy, PolicyType,
    ReviewerRef, Variable,
};
use crate::model::{Action, Change, Resource};
use crate::providers::common::attributes::text;
use crate::providers::{ApplyContext, Outcome, ProviderError};

pub(super) async fn execute(
    provider: &GithubProvider,
    change: &Change,
    desired: Option<&Resource>,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let place = place_of(provider, change)?;
    let client = &provider.client;
    let name = change.name.as_str();
    let done = |message: String| Ok(Outcome { id: None, message });
    match (change.kind.as_str(), change.action) {
        (KIND_REPOSITORY, _) => Err(ProviderError::Precondition(format!(
            "repository `{}` is read, never created or deleted",
            place.repo
        ))),
        (KIND_DEPLOYMENT, Action::Deploy) => {
            let desired = needs(desired, change)?;
            super::record::deploy(provider, change, desired, &place.repo, ctx).await
        }
        (KIND_DEPLOYMENT, _) => Err(ProviderError::Precondition(format!(
            "deployment records are never deleted (`{}`): GitHub keeps the history",
            change.address
        ))),
        (KIND_ENVIRONMENT, Action::Delete) => {
            client.delete_environment(&place.repo, name).await?;
            done(format!("environment `{name}` deleted"))
        }
        (KIND_ENVIRONMENT, _) => {
            let desired = needs(desired, change)?;
            let settings = environment_settings(provider, desired, &place.repo).await?;
            let environment = client.put_environment(&place.repo, name, &settings).await?;
            Ok(Outcome {
                id: Some(environment.id.to_string()),
                message: format!("environment `{name}` written"),
            })
        }
        (KIND_BRANCH_POLICY | KIND_TAG_POLICY, Action::Delete) => {
            let id = remote_id(change)?;
            client
                .delete_branch_policy(&place.repo, environment(&place)?, id)
                .await?;
            done(format!("{} `{name}` deleted", change.kind))
        }
        (KIND_BRANCH_POLICY | KIND_TAG_POLICY, _) => {
            let kind = if change.kind == KIND_TAG_POLICY {
                PolicyType::Tag
            } else {
                PolicyType::Branch
            };
            let policy = NewBranchPolicy {
                name: name.to_owned(),
                kind,
            };
            let created = client
                .create_branch_policy(&place.repo, environment(&place)?, &policy)
                .await?;
            Ok(Outcome {
                id: Some(created.id.to_string()),
                message: format!("{} `{name}` created", change.kind),
            })
        }
        (KIND_VARIABLE, Action::Delete) => {
            client
                .delete_variable(&place.repo, environment(&place)?, name)
                .await?;
            done(format!("variable `{name}` deleted"))
        }
        (KIND_VARIABLE, action) => {
            let desired = needs(desired, change)?;
            let value = text(desired, "value");
            let variable = Variable {
                name: name.to_owned(),
                value: value.to_owned(),
            };
            if action == Action::Create {
                client
                    .create_variable(&place.repo, environment(&place)?, &variable)
                    .await?;
            } else {
                client
                    .update_variable(&place.repo, environment(&place)?, &variable)
                    .await?;
            }
            done(format!("variable `{name}` written"))
        }
        (KIND_SECRET, Action::Delete) => {
            client
                .delete_secret(&place.repo, environment(&place)?, name)
                .await?;
            done(format!("secret `{name}` deleted"))
        }
        (KIND_SECRET, _) => {
            let desired = needs(desired, change)?;
            let value = text(desired, "value");
            let environment = environment(&place)?;
            // The key is read now, not at plan time: GitHub may have rotated it since.
            let key = client.secrets_key(&place.repo, environment).await?;
            client
                .put_secret(&place.repo, environment, name, value, &key)
                .await?;
            done(format!(
                "secret `{name}` written (sealed for key {})",
                key.key_id
            ))
        }
        (kind, action) => Err(ProviderError::Precondition(format!(
            "cannot {} a {kind}",
            action.as_str()
        ))),
    }
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

fn remote_id(change: &Change) -> Result<i64, ProviderError> {
    change
        .remote_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| {
            ProviderError::Precondition(format!("`{}` has no remote id to delete", change.address))
        })
}

fn environment(place: &Place) -> Result<&str, ProviderError> {
    place.environment.as_deref().ok_or_else(|| {
        ProviderError::Precondition(format!("no environment known for `{}`", place.repo))
    })
}

/// Where the change's object lives, as reading found it.
fn place_of(provider: &GithubProvider, change: &Change) -> Result<Place, ProviderError> {
    provider
        .known()
        .places
        .get(&change.address)
        .cloned()
        .ok_or_else(|| {
            ProviderError::Precondition(format!(
                "`{}` was not read before this change (run `plan` again)",
                change.address
            ))
        })
}

/// The PUT body. GitHub's PUT replaces every protection setting, so it carries all four:
/// those the manifest sets (reviewers by the ids read during the plan, looked up now if this
/// instance did not read them), and the others as the environment has them now.
async fn environment_settings(
    provider: &GithubProvider,
    desired: &Resource,
    repo: &RepoRef,
) -> Result<EnvironmentSettings, ProviderError> {
    let current = provider.known().environments.get(&desired.address).cloned();
    let mut settings = current.as_ref().map(settings_now).unwrap_or_default();
    let attributes = &desired.attributes;
    if let Some(minutes) = attributes.get("wait_timer").and_then(Value::as_u64) {
        settings.wait_timer = Some(u32::try_from(minutes).unwrap_or(u32::MAX));
    }
    if let Some(prevent) = attributes
        .get("prevent_self_review")
        .and_then(Value::as_bool)
    {
        settings.prevent_self_review = Some(prevent);
    }
    if attributes.get("reviewers").is_some() {
        let wanted = reviewers_of(desired, repo);
        let missing: Vec<_> = {
            let known = provider.known();
            (wanted.iter())
                .filter(|r| !known.reviewers.contains_key(&r.key()))
                .cloned()
                .collect()
        };
        let unknown = super::reviewers::lookup_reviewers(provider, missing).await?;
        if let Some(first) = unknown.first() {
            return Err(ProviderError::Precondition(first.message.clone()));
        }
        let known = provider.known();
        let ids: Vec<ReviewerRef> = (wanted.iter())
            .filter_map(|r| {
                (known.reviewers.get(&key(&r.kind, &r.name, &r.owner))).map(|&id| ReviewerRef {
                    kind: r.kind.clone(),
                    id,
                })
            })
            .collect();
        settings.reviewers = Some((!ids.is_empty()).then_some(ids));
    }
    if let Some(policy) = attributes.get("deployment_branch_policy") {
        settings.deployment_branch_policy = Some(branch_policy(policy.as_str()));
    }
    Ok(settings)
}

/// `"protected"` / `"custom"` / anything else (any branch) as GitHub's two booleans.
fn branch_policy(mode: Option<&str>) -> Option<BranchPolicySettings> {
    let (protected_branches, custom_branch_policies) = match mode {
        Some("protected") => (true, false),
        Some("custom") => (false, true),
        _ => return None,
    };
    Some(BranchPolicySettings {
        protected_branches,
        custom_branch_policies,
    })
}

/// An existing environment's protection as a PUT body that changes nothing.
fn settings_now(environment: &Environment) -> EnvironmentSettings {
    // `prevent_self_review` only when the server reports it: older Enterprise Servers refuse
    // it in the body.
    let mut settings = EnvironmentSettings {
        wait_timer: Some(0),
        prevent_self_review: None,
        reviewers: Some(None),
        deployment_branch_policy: Some(environment.deployment_branch_policy),
    };
    for rule in &environment.protection_rules {
        match rule.kind.as_str() {
            "wait_timer" => settings.wait_timer = Some(rule.wait_timer.unwrap_or(0)),
            "required_reviewers" => {
                settings.prevent_self_review = rule.prevent_self_review;
                let ids: Vec<ReviewerRef> = (rule.reviewers.iter())
                    .map(|r| ReviewerRef {
                        kind: r.kind.clone(),
                        id: r.reviewer.id,
                    })
                    .collect();
                settings.reviewers = Some((!ids.is_empty()).then_some(ids));
            }
            _ => {}
        }
    }
    settings
}
