//! Reading GitLab's state in two dependent rounds: first every project, user and group the
//! manifest names (by path, all at once); then, per project found, its environments, its
//! protected environments, each record's ref and commit and its environment's last
//! successful deployment, and whether each user named in a protection may be granted there.
//! Names GitLab does not know (a project, a user, a group, a ref, a commit) are collected
//! and returned together as [`ProviderError::References`], so the user sees each at its line
//! before anything is written.

use std::collections::{BTreeMap, BTreeSet};

use tokio::task::JoinSet;

use super::client::{DeploymentQuery, GitlabClient, GitlabError, Protections};
use super::lower::{KIND_DEPLOYMENT, KIND_ENVIRONMENT, KIND_PROJECT, KIND_PROTECTION};
use super::principals::{Lookups, Principal, principals_of};
use super::provider::{GitlabProvider, Place, RecordTarget};
use super::wire::{Deployment, DeploymentStatus, Environment, Project};
use crate::model::{Address, RemoteState, Resource};
use crate::providers::common::attributes::{flag, optional_text, text};
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};

/// The project path each declared resource belongs to, and its environment's name.
fn places(desired: &[&Resource]) -> BTreeMap<Address, (String, Option<String>)> {
    let by_address: BTreeMap<&Address, &Resource> =
        desired.iter().map(|r| (&r.address, *r)).collect();
    let mut places = BTreeMap::new();
    for resource in desired {
        let (mut project, mut environment) = (None, None);
        let mut at = Some(*resource);
        while let Some(current) = at {
            match current.kind.as_str() {
                KIND_PROJECT => project = Some(current.name.clone()),
                KIND_ENVIRONMENT => environment = Some(current.name.clone()),
                _ => {}
            }
            at = current
                .parent
                .as_ref()
                .and_then(|p| by_address.get(p).copied());
        }
        if let Some(project) = project {
            places.insert(resource.address.clone(), (project, environment));
        }
    }
    places
}

/// One answer of the second round.
enum Second {
    Environments(u64, Vec<Environment>),
    Protections(u64, Protections),
    /// A record's ref: its head commit, or `None` when the ref does not exist.
    Ref(Address, Option<String>),
    /// A record's written commit: whether it exists.
    Commit(Address, bool),
    /// (project, environment) → the last successful deployment there.
    LastSuccess(u64, String, Option<Box<Deployment>>),
    /// (project, user id) → the user's access level there, if a member.
    Member(u64, u64, Option<u32>),
}

pub(super) fn task_failed(err: tokio::task::JoinError) -> ProviderError {
    crate::providers::common::failure::task_failed("read GitLab", err)
}

/// Everything the second round read, by project id.
#[derive(Default)]
pub(super) struct Read {
    pub projects: BTreeMap<String, Project>,
    pub environments: BTreeMap<u64, Vec<Environment>>,
    pub protections: BTreeMap<u64, Protections>,
    pub heads: BTreeMap<Address, Option<String>>,
    pub commits: BTreeMap<Address, bool>,
    pub last_success: BTreeMap<(u64, String), Deployment>,

    /// (project, user id) → access level, for the users named in protections.
    pub members: BTreeMap<(u64, u64), Option<u32>>,
    pub lookups: Lookups,
}

pub(super) async fn fetch(
    provider: &GitlabProvider,
    desired: &[&Resource],
    elsewhere: &BTreeSet<Address>,
) -> Result<RemoteState, ProviderError> {
    let places = places(desired);
    let client = &provider.client;
    let mut errors = Vec::new();
    let mut read = Read::default();

    // Round 1: projects, users and groups by name — none needs another's answer.
    let paths: BTreeSet<String> = desired
        .iter()
        .filter(|r| r.kind == KIND_PROJECT)
        .map(|r| r.name.clone())
        .collect();
    let mut projects = JoinSet::new();
    for path in paths {
        let client = client.clone();
        projects.spawn(async move {
            let found = client.project(&path).await;
            (path, found)
        });
    }
    let named: Vec<Principal> = desired
        .iter()
        .filter(|r| r.kind == KIND_PROTECTION)
        .flat_map(|r| principals_of(r))
        .collect();
    let (found, lookups) = tokio::join!(
        async {
            let mut found = Vec::new();
            while let Some(joined) = projects.join_next().await {
                found.push(joined.map_err(task_failed)?);
            }
            Ok::<_, ProviderError>(found)
        },
        super::principals::lookup(client, &named)
    );
    for (path, answer) in found? {
        match answer? {
            Some(project) => {
                read.projects.insert(path, project);
            }
            None => {
                let declared = desired
                    .iter()
                    .find(|r| r.kind == KIND_PROJECT && r.name == path);
                if let Some(declared) = declared {
                    errors.push(ReferenceError {
                        kind: ReferenceKind::UnknownName,
                        address: declared.address.clone(),
                        attribute: String::new(),
                        message: format!(
                            "project `{path}` does not exist, or the token cannot see it"
                        ),
                        label: "no such project".into(),
                        help: Some("check the full path (`group/subgroup/project`), and that the token's user is a member of the project (the token needs the `api` scope)".into()),
                    });
                }
            }
        }
    }
    read.lookups = lookups?;
    let known = super::principals::known_names(client, &read, &named).await?;
    errors.extend(read.lookups.errors(desired, &known));

    // Round 2: what lives in each project found.
    second_round(client, desired, &places, &mut read).await?;
    errors.extend(record_errors(
        desired,
        &places,
        &read,
        client.is_job_token(),
    ));
    errors.extend(super::protection::premium_errors(desired, &places, &read));
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }
    let mut state = RemoteState::default();
    for project in read.projects.values() {
        if let Some(old) = &project.moved_from {
            state.warnings.push(format!(
                "GitLab project `{old}` moved to `{}`: write the new path in the manifest (the old one only redirects for reads)",
                project.path_with_namespace
            ));
        }
    }
    let mut known = provider.known();
    super::objects::build(desired, &places, &read, elsewhere, &mut state, &mut known);
    known.users.extend(read.lookups.user_ids());
    known.groups.extend(read.lookups.group_ids());
    Ok(state)
}

async fn second_round(
    client: &GitlabClient,
    desired: &[&Resource],
    places: &BTreeMap<Address, (String, Option<String>)>,
    read: &mut Read,
) -> Result<(), ProviderError> {
    let mut reads: JoinSet<Result<Second, GitlabError>> = JoinSet::new();
    let project_of = |address: &Address| {
        places
            .get(address)
            .and_then(|(path, _)| read.projects.get(path))
            .map(|p| p.id)
    };
    for project in desired.iter().filter(|r| r.kind == KIND_PROJECT) {
        let Some(pid) = project_of(&project.address) else {
            continue;
        };
        let c = client.clone();
        reads.spawn(async move { Ok(Second::Environments(pid, c.environments(pid).await?)) });
        let manages_protection = project.prune
            || desired
                .iter()
                .any(|r| r.kind == KIND_PROTECTION && project_of(&r.address) == Some(pid));
        if manages_protection {
            let c = client.clone();
            reads.spawn(async move {
                Ok(Second::Protections(
                    pid,
                    c.protected_environments(pid).await?,
                ))
            });
        }
    }
    let mut environments_read = BTreeSet::new();
    // A CI job's token may not read refs or commits: a record then names its commit
    // (`sha`), and GitLab checks ref and commit when the record is created.
    let job_token = client.is_job_token();
    for record in desired.iter().filter(|r| r.kind == KIND_DEPLOYMENT) {
        let Some(pid) = project_of(&record.address) else {
            continue;
        };
        let environment = text(record, "environment").to_owned();
        if environments_read.insert((pid, environment.clone())) {
            let c = client.clone();
            reads.spawn(async move {
                let query = DeploymentQuery {
                    status: Some(DeploymentStatus::Success),
                    ..DeploymentQuery::newest(&environment, 1)
                };
                let last = c
                    .deployments(pid, &query)
                    .await?
                    .into_iter()
                    .next()
                    .map(Box::new);
                Ok(Second::LastSuccess(pid, environment, last))
            });
        }
        if job_token {
            continue;
        }
        let (address, git_ref) = (record.address.clone(), text(record, "ref").to_owned());
        let is_tag = flag(record, "tag").unwrap_or(false);
        let c = client.clone();
        reads.spawn(async move {
            let head = if is_tag {
                c.tag(pid, &git_ref)
                    .await?
                    .and_then(|t| t.commit)
                    .map(|c| c.id)
            } else {
                c.branch(pid, &git_ref)
                    .await?
                    .and_then(|b| b.commit)
                    .map(|c| c.id)
            };
            Ok(Second::Ref(address, head))
        });
        if let Some(sha) = optional_text(record, "sha") {
            let (c, address) = (client.clone(), record.address.clone());
            reads.spawn(async move {
                Ok(Second::Commit(
                    address,
                    c.commit(pid, &sha).await?.is_some(),
                ))
            });
        }
    }
    let mut members_read = BTreeSet::new();
    for protection in desired.iter().filter(|r| r.kind == KIND_PROTECTION) {
        let Some(pid) = project_of(&protection.address) else {
            continue;
        };
        for principal in principals_of(protection) {
            let Some(uid) = read.lookups.user_id(&principal) else {
                continue;
            };
            if members_read.insert((pid, uid)) {
                let c = client.clone();
                reads.spawn(async move {
                    let member = c.project_member(pid, uid).await?;
                    Ok(Second::Member(pid, uid, member.map(|m| m.access_level)))
                });
            }
        }
    }
    while let Some(joined) = reads.join_next().await {
        match joined.map_err(task_failed)?? {
            Second::Environments(pid, list) => {
                read.environments.insert(pid, list);
            }
            Second::Protections(pid, found) => {
                read.protections.insert(pid, found);
            }
            Second::Ref(address, head) => {
                read.heads.insert(address, head);
            }
            Second::Commit(address, exists) => {
                read.commits.insert(address, exists);
            }
            Second::LastSuccess(pid, environment, Some(last))
                if last.status == DeploymentStatus::Success =>
            {
                read.last_success.insert((pid, environment), *last);
            }
            Second::LastSuccess(..) => {}

            Second::Member(pid, uid, level) => {
                read.members.insert((pid, uid), level);
            }
        }
    }
    Ok(())
}

/// A record's ref or commit that GitLab does not have; with a CI job's token (which may
/// not read refs), a record that names no commit.
fn record_errors(
    desired: &[&Resource],
    places: &BTreeMap<Address, (String, Option<String>)>,
    read: &Read,
    job_token: bool,
) -> Vec<ReferenceError> {
    let mut errors = Vec::new();
    for record in desired.iter().filter(|r| r.kind == KIND_DEPLOYMENT) {
        let Some((path, _)) = places.get(&record.address) else {
            continue;
        };
        if job_token && optional_text(record, "sha").is_none() {
            errors.push(ReferenceError {
                kind: ReferenceKind::Conflict,
                address: record.address.clone(),
                attribute: "ref".into(),
                message: format!(
                    "with CI_JOB_TOKEN the commit of `{}` cannot be read (GitLab does not let a job token read branches or tags)",
                    text(record, "ref")
                ),
                label: "commit unknown".into(),
                help: Some("write `sha: ${env.CI_COMMIT_SHA}` (or the commit to record), or set GITLAB_TOKEN".into()),
            });
        }
        if let Some(None) = read.heads.get(&record.address) {
            let what = if flag(record, "tag").unwrap_or(false) {
                "tag"
            } else {
                "branch"
            };
            errors.push(ReferenceError {
                kind: ReferenceKind::UnknownName,
                address: record.address.clone(),
                attribute: "ref".into(),
                message: format!("no {what} `{}` in `{path}`", text(record, "ref")),
                label: format!("unknown {what}"),
                help: Some(if what == "tag" {
                    "push the tag first, or set `tag: false` for a branch".into()
                } else {
                    "push the branch first, or set `tag: true` for a tag".into()
                }),
            });
        }
        if let Some(false) = read.commits.get(&record.address) {
            errors.push(ReferenceError {
                kind: ReferenceKind::UnknownName,
                address: record.address.clone(),
                attribute: "sha".into(),
                message: format!("no commit `{}` in `{path}`", text(record, "sha")),
                label: "unknown commit".into(),
                help: Some("push the commit first; GitLab refuses a deployment of a commit it does not have".into()),
            });
        }
    }
    errors
}

/// What a record's plan-time read found: the commit it names and what its environment last
/// ran successfully.
pub(super) fn record_target(record: &Resource, pid: u64, read: &Read) -> Option<RecordTarget> {
    let sha = optional_text(record, "sha")
        .or_else(|| read.heads.get(&record.address).cloned().flatten())?;
    let last = read
        .last_success
        .get(&(pid, text(record, "environment").to_owned()));
    Some(RecordTarget {
        sha,
        last_success: last.map(|d| d.id),
    })
}

/// The place of a resource once its project's id is known.
pub(super) fn place(
    places: &BTreeMap<Address, (String, Option<String>)>,
    read: &Read,
    address: &Address,
) -> Option<Place> {
    let (path, environment) = places.get(address)?;
    let project = read.projects.get(path)?;
    Some(Place {
        project: project.id,
        path: path.clone(),
        environment: environment.clone(),
    })
}
