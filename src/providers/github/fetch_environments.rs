//! Environments and what lives under them, as remote objects: GitHub matches environment,
//! variable and secret names ignoring case, so a remote object takes the address of the
//! declared one it matches; the rest are undeclared children (unmanaged unless pruned).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::client::RepoRef;
use super::fetch::{policy_kind, task_failed};
use super::lower::{KIND_ENVIRONMENT, KIND_REPOSITORY, KIND_SECRET, KIND_VARIABLE};
use super::provider::{GithubProvider, Place};
use super::reviewers;
use super::wire::{BranchPolicy, Environment, ReviewerType, SecretMeta, Variable};
use crate::model::{Address, RemoteObject, RemoteState, Resource};
use crate::providers::ProviderError;

/// A declared environment GitHub has, for the second round.
pub(super) struct Found<'r> {
    pub resource: &'r Resource,
    pub remote: Environment,
    pub place: Place,
}

fn object(
    address: Address,
    kind: &str,
    name: &str,
    parent: Option<Address>,
    id: String,
    attributes: Value,
) -> RemoteObject {
    RemoteObject {
        address,
        kind: kind.to_owned(),
        name: name.to_owned(),
        parent,
        id,
        attributes,
        method: None,
        in_flight: None,
    }
}

/// Whether `address` is declared but not read this time, ignoring the case of its last
/// name (how GitHub matches environments, variables and secrets).
fn declared_elsewhere(elsewhere: &BTreeSet<Address>, address: &Address) -> bool {
    let wanted = address.as_str().to_lowercase();
    elsewhere
        .iter()
        .any(|a| a.as_str().to_lowercase() == wanted)
}

/// The repositories and their environments; returns the declared environments found. The
/// place of each undeclared one goes into `places` (a prune deletes it by its name).
pub(super) fn environments<'r>(
    desired: &[&'r Resource],
    places: &mut BTreeMap<Address, Place>,
    listed: &BTreeMap<RepoRef, Vec<Environment>>,
    elsewhere: &BTreeSet<Address>,
    state: &mut RemoteState,
) -> Vec<Found<'r>> {
    let mut undeclared = Vec::new();
    let mut found = Vec::new();
    for repository in desired.iter().filter(|r| r.kind == KIND_REPOSITORY) {
        let Some(place) = places.get(&repository.address).cloned() else {
            continue;
        };
        let Some(remote_environments) = listed.get(&place.repo) else {
            continue;
        };
        state.objects.insert(
            repository.address.clone(),
            object(
                repository.address.clone(),
                KIND_REPOSITORY,
                &repository.name,
                None,
                place.repo.to_string(),
                json!({}),
            ),
        );
        let declared: Vec<&&Resource> = desired
            .iter()
            .filter(|r| {
                r.kind == KIND_ENVIRONMENT && r.parent.as_ref() == Some(&repository.address)
            })
            .collect();
        for remote in remote_environments {
            let matching = declared
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&remote.name))
                .copied();
            let (address, name, attributes) = match matching {
                Some(resource) => (
                    resource.address.clone(),
                    resource.name.clone(),
                    settings(remote, Some(resource)),
                ),
                None => {
                    let address = repository.address.child(KIND_ENVIRONMENT, &remote.name);
                    if declared_elsewhere(elsewhere, &address) {
                        continue;
                    }
                    (address, remote.name.clone(), settings(remote, None))
                }
            };
            state.objects.insert(
                address.clone(),
                object(
                    address.clone(),
                    KIND_ENVIRONMENT,
                    &name,
                    Some(repository.address.clone()),
                    remote.id.to_string(),
                    attributes,
                ),
            );
            let place = Place {
                repo: place.repo.clone(),
                environment: Some(name),
            };
            match matching {
                Some(resource) => found.push(Found {
                    resource,
                    remote: remote.clone(),
                    place,
                }),
                None => undeclared.push((address, place)),
            }
        }
    }
    places.extend(undeclared);
    found
}

/// An environment's protection in the manifest's shape: for a declared one, only the
/// settings its manifest entry sets (the rest are not managed); reviewers spelt as written
/// when they are the same ignoring case.
fn settings(remote: &Environment, declared: Option<&Resource>) -> Value {
    let mut wait_timer = 0;
    let mut prevent_self_review = false;
    let mut reviewers: Vec<(String, String)> = Vec::new();
    for rule in &remote.protection_rules {
        match rule.kind.as_str() {
            "wait_timer" => wait_timer = rule.wait_timer.unwrap_or(0),
            "required_reviewers" => {
                prevent_self_review = rule.prevent_self_review.unwrap_or(false);
                for entry in &rule.reviewers {
                    let name = match entry.kind {
                        ReviewerType::Team => entry.reviewer.slug.clone(),
                        _ => entry.reviewer.login.clone(),
                    };
                    if let Some(name) = name {
                        reviewers.push((entry.kind.as_str().to_owned(), name));
                    }
                }
            }
            _ => {}
        }
    }
    let written = declared
        .map(reviewers::reviewers_of_names)
        .unwrap_or_default();
    let reviewers = reviewer_lists(reviewers, &written);
    let policy = match remote.deployment_branch_policy {
        Some(p) if p.custom_branch_policies => json!("custom"),
        Some(p) if p.protected_branches => json!("protected"),
        _ => Value::Null,
    };
    let all = json!({
        "wait_timer": wait_timer,
        "prevent_self_review": prevent_self_review,
        "reviewers": reviewers,
        "deployment_branch_policy": policy,
    });
    match declared {
        None => all,
        Some(resource) => {
            let mut only = serde_json::Map::new();
            for key in resource
                .attributes
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, _)| k)
            {
                if let Some(value) = all.get(key) {
                    only.insert(key.clone(), value.clone());
                }
            }
            Value::Object(only)
        }
    }
}

/// An environment's children as read in the first round, before knowing whether the
/// environment exists (a missing one answers 404, and nothing is kept).
#[derive(Default)]
pub(super) struct Prefetched {
    pub variables: Vec<Variable>,
    pub secrets: Vec<SecretMeta>,
    /// Read only when the manifest declares custom policies.
    pub policies: Option<Vec<BranchPolicy>>,
}

/// Round 1: the children of each declared environment, read alongside the environment
/// lists (they need only the names the manifest gives); `None` when it does not exist.
pub(super) async fn prefetch(
    client: super::client::GithubClient,
    repo: RepoRef,
    environment: String,
    custom: bool,
) -> Result<Option<Prefetched>, ProviderError> {
    let (variables, secrets, policies) = tokio::join!(
        client.variables(&repo, &environment),
        client.secrets(&repo, &environment),
        async {
            if custom {
                client.branch_policies(&repo, &environment).await.map(Some)
            } else {
                Ok(None)
            }
        }
    );
    let missing = |e: &super::client::GithubError| e.is_not_found();
    if variables.as_ref().err().is_some_and(missing) || secrets.as_ref().err().is_some_and(missing)
    {
        return Ok(None);
    }
    let policies = match policies {
        Err(e) if e.is_not_found() => None,
        other => other?,
    };
    Ok(Some(Prefetched {
        variables: variables?,
        secrets: secrets?,
        policies,
    }))
}

/// GitHub's reviewers as `{users, teams}`: the lists as written when they name the same
/// reviewers ignoring case and order (GitHub's order means nothing), else GitHub's, sorted.
fn reviewer_lists(
    mut remote: Vec<(String, String)>,
    written: &[(String, String, String)],
) -> Value {
    let fold = |pairs: &[(String, String)]| {
        let mut folded: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, n)| (k.clone(), n.to_lowercase()))
            .collect();
        folded.sort();
        folded
    };
    let as_written: Vec<(String, String)> = written
        .iter()
        .map(|(k, n, _)| (k.clone(), n.clone()))
        .collect();
    if fold(&remote) == fold(&as_written) {
        remote = as_written;
    } else {
        remote.sort();
    }
    let names = |kind: &str| -> Vec<&str> {
        remote
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, n)| n.as_str())
            .collect()
    };
    json!({ "users": names("User"), "teams": names("Team") })
}

/// One environment's children, read in the second round.
struct Children {
    index: usize,
    variables: Vec<Variable>,
    secrets: Vec<SecretMeta>,
    policies: Vec<BranchPolicy>,
}

/// Round 2: variables, secrets and (with custom policies) branch policies of each declared
/// environment GitHub has.
pub(super) async fn children(
    provider: &GithubProvider,
    desired: &[&Resource],
    found: &[Found<'_>],
    prefetched: &mut std::collections::HashMap<Address, Prefetched>,
    state: &mut RemoteState,
) -> Result<(), ProviderError> {
    let mut reads = JoinSet::new();
    for (index, environment) in found.iter().enumerate() {
        let client = provider.client.clone();
        let (repo, name) = (
            environment.place.repo.clone(),
            environment.resource.name.clone(),
        );
        let custom = environment
            .remote
            .deployment_branch_policy
            .is_some_and(|p| p.custom_branch_policies);
        let early = prefetched.remove(&environment.resource.address);
        reads.spawn(async move {
            // What the first round read is kept; only policies it could not know of (the
            // manifest does not declare custom ones, GitHub has them) are read now.
            let (variables, secrets, policies) = match early {
                Some(early) => (early.variables, early.secrets, early.policies),
                None => (
                    client.variables(&repo, &name).await?,
                    client.secrets(&repo, &name).await?,
                    None,
                ),
            };
            let policies = match policies {
                Some(policies) => policies,
                None if custom => client.branch_policies(&repo, &name).await?,
                None => Vec::new(),
            };
            Ok::<_, ProviderError>(Children {
                index,
                variables,
                secrets,
                policies,
            })
        });
    }
    let mut known = Vec::new();
    provider.known().environments.extend(
        found
            .iter()
            .map(|f| (f.resource.address.clone(), f.remote.clone())),
    );
    while let Some(joined) = reads.join_next().await {
        let children = joined.map_err(task_failed)??;
        let environment = &found[children.index];
        let parent = &environment.resource.address;
        let declared: Vec<&&Resource> = desired
            .iter()
            .filter(|r| r.parent.as_ref() == Some(parent))
            .collect();
        let matching = |kind: &str, name: &str| {
            declared
                .iter()
                .find(|r| r.kind == kind && r.name.eq_ignore_ascii_case(name))
                .copied()
        };
        let mut add = |kind: &str,
                       remote_name: &str,
                       declared: Option<&&Resource>,
                       id: String,
                       attributes: Value| {
            let (address, name) = match declared {
                Some(r) => (r.address.clone(), r.name.clone()),
                None => (parent.child(kind, remote_name), remote_name.to_owned()),
            };
            known.push((address.clone(), environment.place.clone()));
            state.objects.insert(
                address.clone(),
                object(address, kind, &name, Some(parent.clone()), id, attributes),
            );
        };
        for variable in &children.variables {
            add(
                KIND_VARIABLE,
                &variable.name,
                matching(KIND_VARIABLE, &variable.name),
                variable.name.clone(),
                json!({ "value": variable.value }),
            );
        }
        for secret in &children.secrets {
            let declared = matching(KIND_SECRET, &secret.name);
            let attributes = secret_attributes(secret, declared.map(|r| &**r));
            add(
                KIND_SECRET,
                &secret.name,
                declared,
                secret.name.clone(),
                attributes,
            );
        }
        for policy in &children.policies {
            let Some(kind) = policy_kind(&policy.kind) else {
                continue;
            };
            let declared = declared
                .iter()
                .find(|r| r.kind == kind && r.name == policy.name)
                .copied();
            add(
                kind,
                &policy.name,
                declared,
                policy.id.to_string(),
                json!({}),
            );
        }
    }
    provider.known().places.extend(known);
    Ok(())
}

/// A secret as plan compares it: its value is write-only (never read, never compared); a
/// secret the manifest rotates shows when it was last written, so that it always differs
/// from `rotate: true` and is written again.
fn secret_attributes(secret: &SecretMeta, declared: Option<&Resource>) -> Value {
    match declared.and_then(|r| r.attributes.get("rotate")) {
        Some(Value::Bool(true)) => json!({
            "rotate": format!("last written {}", secret.updated_at.as_deref().unwrap_or("at an unknown time")),
        }),
        Some(rotate) => json!({ "rotate": rotate }),
        None => json!({}),
    }
}
