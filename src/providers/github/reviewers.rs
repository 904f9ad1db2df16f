//! Required reviewers: the manifest names them (user logins, team slugs of the repository's
//! organisation), the environment PUT takes ids. Each distinct name is looked up once, in
//! the first round of reading; a name GitHub does not know is a located reference error
//! listing who could review (the repository's collaborators, the organisation's teams),
//! read only then.

use std::collections::BTreeSet;

use serde_json::Value;
use tokio::task::JoinSet;

use super::client::{GithubClient, GithubError};
use super::provider::GithubProvider;
use super::wire::ReviewerType;
use crate::model::{Address, Resource};
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};
use crate::suggest::did_you_mean;

/// One reviewer an environment names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reviewer {
    pub kind: ReviewerType,
    /// The login or slug as written.
    pub name: String,
    /// The repository's owner: the organisation a team belongs to.
    pub owner: String,
    /// The repository, for the list of who could review.
    pub repo: super::client::RepoRef,
    pub address: Address,
    /// Where the manifest names it: `reviewers/users/0`.
    pub at: String,
}

impl Reviewer {
    /// The key of its id in [`super::provider::Known::reviewers`].
    pub fn key(&self) -> ReviewerKey {
        key(&self.kind, &self.name, &self.owner)
    }
}

/// A reviewer's identity: type, lower-case login or slug, and for a team its organisation.
pub(super) type ReviewerKey = (String, String, String);

/// The key of a reviewer's id: logins and slugs match ignoring case.
pub(super) fn key(kind: &ReviewerType, name: &str, owner: &str) -> ReviewerKey {
    let owner = match kind {
        ReviewerType::Team => owner.to_lowercase(),
        _ => String::new(),
    };
    (kind.as_str().to_owned(), name.to_lowercase(), owner)
}

/// The reviewers of environment `resource` (`reviewers: {users: [..], teams: [..]}`), each
/// with the attribute path of its entry (`reviewers/users/0`).
pub(super) fn reviewers_of(resource: &Resource, repo: &super::client::RepoRef) -> Vec<Reviewer> {
    reviewers_of_names(resource)
        .into_iter()
        .map(|(kind, name, at)| Reviewer {
            kind: ReviewerType::from(kind),
            name,
            owner: repo.owner().to_owned(),
            repo: repo.clone(),
            address: resource.address.clone(),
            at,
        })
        .collect()
}

/// Looks up each distinct reviewer once and remembers its id; returns the unknown ones.
pub(super) async fn lookup_reviewers(
    provider: &GithubProvider,
    wanted: Vec<Reviewer>,
) -> Result<Vec<ReferenceError>, ProviderError> {
    let distinct: BTreeSet<ReviewerKey> = wanted.iter().map(Reviewer::key).collect();
    let mut reads = JoinSet::new();
    for (kind, name, owner) in distinct {
        if provider
            .known()
            .reviewers
            .contains_key(&(kind.clone(), name.clone(), owner.clone()))
        {
            continue;
        }
        let client = provider.client.clone();
        reads.spawn(async move {
            let id = match ReviewerType::from(kind.clone()) {
                ReviewerType::Team => client.team(&owner, &name).await?.map(|t| t.id),
                _ => client.user(&name).await?.map(|u| u.id),
            };
            Ok::<_, GithubError>(((kind, name, owner), id))
        });
    }
    let mut unknown = BTreeSet::new();
    while let Some(joined) = reads.join_next().await {
        let (key, id) = joined.map_err(super::fetch::task_failed)??;
        match id {
            Some(id) => {
                provider.known().reviewers.insert(key, id);
            }
            None => {
                unknown.insert(key);
            }
        }
    }
    let mut errors = Vec::new();
    for reviewer in wanted.iter().filter(|r| unknown.contains(&r.key())) {
        let existing = who_could_review(&provider.client, reviewer).await;
        let (what, label) = match reviewer.kind {
            ReviewerType::Team => (
                format!(
                    "team `{}` of organisation `{}`",
                    reviewer.name, reviewer.owner
                ),
                "no such team",
            ),
            _ => (format!("user `{}`", reviewer.name), "no such user"),
        };
        let help = match &existing {
            Some(names) if names.is_empty() => None,
            Some(names) => Some(
                did_you_mean(&reviewer.name, names.iter().map(String::as_str))
                    .unwrap_or_else(|| format!("these exist: {}", names.join(", "))),
            ),
            None => None,
        };
        errors.push(ReferenceError {
            kind: ReferenceKind::UnknownName,
            address: reviewer.address.clone(),
            attribute: reviewer.at.clone(),
            message: format!("reviewer {what} does not exist"),
            label: format!("{label}: `{}`", reviewer.name),
            help,
        });
    }
    Ok(errors)
}

/// The names that could be given instead: the repository's collaborators for a user, the
/// organisation's teams for a team; `None` when the token may not list them.
async fn who_could_review(client: &GithubClient, reviewer: &Reviewer) -> Option<Vec<String>> {
    let mut names: Vec<String> = match reviewer.kind {
        ReviewerType::Team => (client.teams(&reviewer.owner).await.ok()?)
            .into_iter()
            .map(|t| t.slug)
            .collect(),
        _ => (client.collaborators(&reviewer.repo).await.ok()?)
            .into_iter()
            .filter_map(|a| a.login)
            .collect(),
    };
    names.sort();
    Some(names)
}

/// The reviewers of a declared environment as (type, name, attribute path), as written.
pub(super) fn reviewers_of_names(resource: &Resource) -> Vec<(String, String, String)> {
    let Some(reviewers) = resource.attributes.get("reviewers") else {
        return Vec::new();
    };
    [("users", "User"), ("teams", "Team")]
        .into_iter()
        .flat_map(|(key, kind)| {
            let names = reviewers.get(key).and_then(Value::as_array);
            names
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(move |(i, name)| {
                    Some((
                        kind.to_owned(),
                        name.as_str()?.to_owned(),
                        format!("reviewers/{key}/{i}"),
                    ))
                })
        })
        .collect()
}
