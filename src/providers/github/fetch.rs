//! Reading GitHub's state in the fewest dependent rounds: first, per repository, its
//! environment list, per record the commit its ref names and the record's deployments, and
//! per reviewer its id — all at once; then, per declared environment that exists, its
//! branch policies, variables and secrets, and per record the statuses of its newest
//! deployments until one whose newest status is `success`. Names GitHub does not know (a
//! repository, a ref, a reviewer) are collected and returned together as
//! [`ProviderError::References`], so the user sees each at its line before anything is
//! written.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;
use tokio::task::JoinSet;

use super::client::{DeploymentFilter, GithubClient, GithubError, RepoRef, marker_of};
use super::lower::{
    KIND_BRANCH_POLICY, KIND_DEPLOYMENT, KIND_ENVIRONMENT, KIND_REPOSITORY, KIND_TAG_POLICY,
};
use super::provider::{GithubProvider, Place};
use super::reviewers::{Reviewer, lookup_reviewers, reviewers_of};
use super::wire::{DeploymentState, Environment, PolicyType};
use crate::model::{Address, RemoteObject, RemoteState, Resource};
use crate::providers::common::attributes::text;
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};

/// Where each declared resource lives, from its repository and environment ancestors.
fn places(desired: &[&Resource]) -> BTreeMap<Address, Place> {
    let by_address: BTreeMap<&Address, &Resource> =
        desired.iter().map(|r| (&r.address, *r)).collect();
    let mut places = BTreeMap::new();
    for resource in desired {
        let mut repo = None;
        let mut environment = None;
        let mut at = Some(*resource);
        while let Some(current) = at {
            match current.kind.as_str() {
                KIND_REPOSITORY => repo = RepoRef::parse(&current.name),
                KIND_ENVIRONMENT if current.address != resource.address => {
                    environment = Some(current.name.clone());
                }
                _ => {}
            }
            at = current
                .parent
                .as_ref()
                .and_then(|p| by_address.get(p).copied());
        }
        if let Some(repo) = repo {
            places.insert(resource.address.clone(), Place { repo, environment });
        }
    }
    places
}

/// One answer of the first round.
enum First {
    Environments(RepoRef, Result<Vec<Environment>, GithubError>),
    Commit(Address, Option<String>),
    Records(Address, Option<Found>, Vec<i64>),
    Children(Address, Option<super::fetch_environments::Prefetched>),
}

pub(super) async fn fetch(
    provider: &GithubProvider,
    desired: &[&Resource],
    elsewhere: &BTreeSet<Address>,
) -> Result<RemoteState, ProviderError> {
    let mut places = places(desired);
    let client = &provider.client;
    let mut errors = Vec::new();

    // Round 1: environment lists, refs, records, reviewers — none needs another's answer.
    let mut reads: JoinSet<Result<First, ProviderError>> = JoinSet::new();
    let repositories: BTreeSet<RepoRef> = desired
        .iter()
        .filter(|r| r.kind == KIND_REPOSITORY)
        .filter_map(|r| places.get(&r.address).map(|p| p.repo.clone()))
        .collect();
    for repo in &repositories {
        let (client, repo) = (client.clone(), repo.clone());
        reads.spawn(async move {
            let listed = client.environments(&repo).await;
            Ok(First::Environments(repo, listed))
        });
    }
    for environment in desired.iter().filter(|r| r.kind == KIND_ENVIRONMENT) {
        let Some(place) = places.get(&environment.address) else {
            continue;
        };
        let custom = text(environment, "deployment_branch_policy") == "custom";
        let (client, repo) = (client.clone(), place.repo.clone());
        let (address, name) = (environment.address.clone(), environment.name.clone());
        reads.spawn(async move {
            let early = super::fetch_environments::prefetch(client, repo, name, custom).await?;
            Ok(First::Children(address, early))
        });
    }
    for record in desired.iter().filter(|r| r.kind == KIND_DEPLOYMENT) {
        let Some(place) = places.get(&record.address) else {
            continue;
        };
        let (reader, repo) = (client.clone(), place.repo.clone());
        let (address, git_ref) = (record.address.clone(), text(record, "ref").to_owned());
        reads.spawn(async move {
            let sha = reader.resolve_ref(&repo, &git_ref).await?;
            Ok(First::Commit(address, sha))
        });
        let filter = DeploymentFilter {
            environment: Some(text(record, "environment").to_owned()),
            task: Some(text(record, "task").to_owned()).filter(|t| !t.is_empty()),
            ..DeploymentFilter::default()
        };
        let (client, repo, address) = (client.clone(), place.repo.clone(), record.address.clone());
        reads.spawn(async move {
            let (found, stale) = newest_success(&client, &repo, &filter, &address).await?;
            Ok(First::Records(address, found, stale))
        });
    }
    let wanted: Vec<Reviewer> = desired
        .iter()
        .filter(|r| r.kind == KIND_ENVIRONMENT)
        .filter_map(|r| places.get(&r.address).map(|p| (r, p)))
        .flat_map(|(r, p)| reviewers_of(r, &p.repo))
        .collect();
    let reviewer_reads = lookup_reviewers(provider, wanted);

    let mut environments: BTreeMap<RepoRef, Vec<Environment>> = BTreeMap::new();
    let mut commits: BTreeMap<Address, Option<String>> = BTreeMap::new();
    let mut records = BTreeMap::new();
    let mut prefetched = std::collections::HashMap::new();
    let (first, reviewer_errors) = tokio::join!(
        async {
            let mut answers = Vec::new();
            while let Some(joined) = reads.join_next().await {
                answers.push(joined.map_err(task_failed)?);
            }
            Ok::<_, ProviderError>(answers)
        },
        reviewer_reads
    );
    for answer in first? {
        match answer? {
            First::Environments(repo, Ok(list)) => {
                environments.insert(repo, list);
            }
            First::Environments(repo, Err(err)) if err.is_not_found() => {
                let declared = desired.iter().find(|r| {
                    r.kind == KIND_REPOSITORY && RepoRef::parse(&r.name).as_ref() == Some(&repo)
                });
                if let Some(declared) = declared {
                    errors.push(ReferenceError {
                        kind: ReferenceKind::UnknownName,
                        address: declared.address.clone(),
                        attribute: String::new(),
                        message: format!("repository `{repo}` does not exist, or the token cannot see it"),
                        label: "no such repository".into(),
                        help: Some("check the owner and name, and that the token has access to the repository (`repo` scope, or a fine-grained token with Environments and Deployments access)".into()),
                    });
                }
            }
            First::Environments(_, Err(err)) => return Err(err.into()),
            First::Commit(address, sha) => {
                commits.insert(address, sha);
            }
            First::Records(address, found, stale) => {
                provider
                    .known()
                    .stale_records
                    .insert(address.clone(), stale);
                records.insert(address, found);
            }
            First::Children(address, Some(early)) => {
                prefetched.insert(address, early);
            }
            First::Children(_, None) => {}
        }
    }
    errors.extend(reviewer_errors?);
    for record in desired.iter().filter(|r| r.kind == KIND_DEPLOYMENT) {
        let Some(place) = places.get(&record.address) else {
            continue;
        };
        if !environments.contains_key(&place.repo) {
            continue; // reported on the repository
        }
        if let Some(None) = commits.get(&record.address) {
            errors.push(ReferenceError {
                kind: ReferenceKind::UnknownName,
                address: record.address.clone(),
                attribute: "ref".into(),
                message: format!(
                    "no branch, tag or commit `{}` in `{}`",
                    text(record, "ref"),
                    place.repo
                ),
                label: "unknown ref".into(),
                help: Some(
                    "push the ref first, or name an existing branch, tag or commit SHA".into(),
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }

    let mut state = RemoteState::default();
    // Repositories, and their environments (undeclared ones too, as unmanaged children).
    let environment_objects = super::fetch_environments::environments(
        desired,
        &mut places,
        &environments,
        elsewhere,
        &mut state,
    );
    // Round 2: the children of each declared environment that exists.
    super::fetch_environments::children(
        provider,
        desired,
        &environment_objects,
        &mut prefetched,
        &mut state,
    )
    .await?;
    for record in desired.iter().filter(|r| r.kind == KIND_DEPLOYMENT) {
        let Some(Some((deployment, _))) = records.get(&record.address) else {
            continue;
        };
        let resolved = commits
            .get(&record.address)
            .cloned()
            .flatten()
            .unwrap_or_default();
        let desired_ref = text(record, "ref");
        let deployed = if deployment.sha.eq_ignore_ascii_case(&resolved) {
            desired_ref.to_owned()
        } else {
            format!("{}@{}", deployment.git_ref, short(&deployment.sha))
        };
        state.objects.insert(
            record.address.clone(),
            RemoteObject {
                address: record.address.clone(),
                kind: record.kind.clone(),
                name: record.name.clone(),
                parent: record.parent.clone(),
                id: deployment.id.to_string(),
                attributes: json!({ "ref": deployed }),
                method: None,
                in_flight: None,
            },
        );
    }
    let mut known = provider.known();
    known.places.extend(places);
    Ok(state)
}

/// The first seven characters of a commit SHA, as GitHub shows it.
pub(super) fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The newest deployment matching `filter` whose newest status is `success`, reading the
/// deployments newest first and one status of each until it is found.
/// Also returns the newer records this record's earlier applies opened and never closed
/// (still `in_progress`, `queued` or `pending`, carrying a marker of `record`): a process
/// killed mid-apply leaves them so, and the next deploy of the record closes them.
async fn newest_success(
    client: &GithubClient,
    repo: &RepoRef,
    filter: &DeploymentFilter,
    record: &Address,
) -> Result<(Option<Found>, Vec<i64>), ProviderError> {
    let mut pages = client.deployments(repo, filter)?;
    let mine = format!("{record}@");
    let mut stale = Vec::new();
    loop {
        let page = match pages.next_page().await {
            Ok(Some(page)) => page,
            Ok(None) => return Ok((None, stale)),
            Err(err) if err.is_not_found() => return Ok((None, stale)),
            Err(err) => return Err(err.into()),
        };
        for deployment in page {
            let newest = client.newest_status(repo, deployment.id).await?;
            match newest.map(|status| status.state) {
                Some(DeploymentState::Success) => {
                    return Ok((Some((deployment, Some(DeploymentState::Success))), stale));
                }
                Some(
                    DeploymentState::InProgress
                    | DeploymentState::Queued
                    | DeploymentState::Pending,
                ) if marker_of(&deployment).is_some_and(|m| m.starts_with(&mine)) => {
                    stale.push(deployment.id);
                }
                _ => {}
            }
        }
    }
}

/// A record's newest successful deployment.
type Found = (super::wire::Deployment, Option<DeploymentState>);

pub(super) fn task_failed(err: tokio::task::JoinError) -> ProviderError {
    crate::providers::common::failure::task_failed("read GitHub", err)
}

/// Whether `policy` is the kind of `kind` (`branch_policy` / `tag_policy`).
pub(super) fn policy_kind(policy: &PolicyType) -> Option<&'static str> {
    match policy {
        PolicyType::Branch => Some(KIND_BRANCH_POLICY),
        PolicyType::Tag => Some(KIND_TAG_POLICY),
        PolicyType::Other(_) => None,
    }
}
