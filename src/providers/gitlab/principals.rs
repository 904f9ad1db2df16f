//! Who a protection names — users by username, groups by full path — and their GitLab ids,
//! looked up once each (names match ignoring case, as GitLab's do). A name GitLab does not
//! know is a reference error at the exact entry (`deployers/1/user`).

use std::collections::BTreeMap;

use serde_json::Value;
use tokio::task::JoinSet;

use super::client::GitlabClient;
use super::fetch::task_failed;
use super::lower::KIND_PROTECTION;
use super::wire::{Group, User};
use crate::model::Resource;
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};
use crate::suggest::did_you_mean;

/// The lists of a protection that name principals.
pub(super) const LISTS: [&str; 2] = ["deployers", "approvals"];

/// A user or group named by one entry of a protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Principal {
    pub kind: PrincipalKind,
    /// As written.
    pub name: String,
    /// Where: `deployers/1/user`.
    pub attribute: String,
    pub address: crate::model::Address,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PrincipalKind {
    User,
    Group,
}

impl PrincipalKind {
    pub fn key(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        }
    }
}

/// The users and groups `protection` names, in manifest order.
pub(super) fn principals_of(protection: &Resource) -> Vec<Principal> {
    let mut found = Vec::new();
    for list in LISTS {
        let Some(Value::Array(entries)) = protection.attributes.get(list) else {
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            for kind in [PrincipalKind::User, PrincipalKind::Group] {
                if let Some(name) = entry.get(kind.key()).and_then(Value::as_str) {
                    found.push(Principal {
                        kind,
                        name: name.to_owned(),
                        attribute: format!("{list}/{i}/{}", kind.key()),
                        address: protection.address.clone(),
                    });
                }
            }
        }
    }
    found
}

/// What the lookups found, by lower-case name (`None`: GitLab has no such name).
#[derive(Debug, Default)]
pub(super) struct Lookups {
    pub users: BTreeMap<String, Option<User>>,
    pub groups: BTreeMap<String, Option<Group>>,
}

impl Lookups {
    /// The id of a principal that exists.
    pub fn id(&self, principal: &Principal) -> Option<u64> {
        let key = principal.name.to_lowercase();
        match principal.kind {
            PrincipalKind::User => self.users.get(&key)?.as_ref().map(|u| u.id),
            PrincipalKind::Group => self.groups.get(&key)?.as_ref().map(|g| g.id),
        }
    }

    pub fn user_id(&self, principal: &Principal) -> Option<u64> {
        (principal.kind == PrincipalKind::User)
            .then(|| self.id(principal))
            .flatten()
    }

    pub fn user_ids(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        (self.users.iter()).filter_map(|(name, user)| Some((name.clone(), user.as_ref()?.id)))
    }

    pub fn group_ids(&self) -> impl Iterator<Item = (String, u64)> + '_ {
        (self.groups.iter()).filter_map(|(name, group)| Some((name.clone(), group.as_ref()?.id)))
    }

    /// The name a user id is known by here (its username as GitLab spells it).
    pub fn user_name(&self, id: u64) -> Option<&str> {
        (self.users.values().flatten())
            .find(|u| u.id == id)
            .map(|u| u.username.as_str())
    }

    /// The full path a group id is known by here.
    pub fn group_path(&self, id: u64) -> Option<&str> {
        (self.groups.values().flatten())
            .find(|g| g.id == id)
            .map(|g| g.full_path.as_str())
    }

    /// Whether GitLab was asked for this principal and has no such name.
    pub fn is_unknown(&self, principal: &Principal) -> bool {
        let key = principal.name.to_lowercase();
        match principal.kind {
            PrincipalKind::User => matches!(self.users.get(&key), Some(None)),
            PrincipalKind::Group => matches!(self.groups.get(&key), Some(None)),
        }
    }

    /// A reference error at each entry naming a user or group GitLab does not have, with
    /// "did you mean" from `known` (names that would be kept there).
    pub fn errors(&self, desired: &[&Resource], known: &KnownNames) -> Vec<ReferenceError> {
        let mut errors = Vec::new();
        for protection in desired.iter().filter(|r| r.kind == KIND_PROTECTION) {
            for principal in principals_of(protection) {
                if !self.is_unknown(&principal) {
                    continue;
                }
                let (message, label, help, candidates) = match principal.kind {
                    PrincipalKind::User => (
                        format!("GitLab has no user `{}`", principal.name),
                        "unknown user",
                        "write the username (as in `@username`), not the display name or e-mail",
                        &known.users,
                    ),
                    PrincipalKind::Group => (
                        format!(
                            "GitLab has no group `{}`, or the token cannot see it",
                            principal.name
                        ),
                        "unknown group",
                        "write the group's full path (`parent/child`), as in its URL",
                        &known.groups,
                    ),
                };
                let help = did_you_mean(&principal.name, candidates.iter().map(String::as_str))
                    .unwrap_or_else(|| help.to_owned());
                errors.push(ReferenceError {
                    kind: ReferenceKind::UnknownName,
                    address: principal.address.clone(),
                    attribute: principal.attribute.clone(),
                    message,
                    label: label.into(),
                    help: Some(help),
                });
            }
        }
        errors
    }
}

/// Names a protection could mean, for "did you mean": the members of the projects read and
/// the groups they are shared with or belong to. Read only when a name was not found.
#[derive(Debug, Default)]
pub(super) struct KnownNames {
    pub users: Vec<String>,
    pub groups: Vec<String>,
}

pub(super) async fn known_names(
    client: &GitlabClient,
    read: &super::fetch::Read,
    named: &[Principal],
) -> Result<KnownNames, ProviderError> {
    let unknown =
        |kind: PrincipalKind| (named.iter()).any(|p| p.kind == kind && read.lookups.is_unknown(p));
    let mut known = KnownNames::default();
    if unknown(PrincipalKind::Group) {
        for project in read.projects.values() {
            known.groups.extend(
                project
                    .shared_with_groups
                    .iter()
                    .filter_map(|g| g.group_full_path.clone()),
            );
            let mut path = project.namespace.as_ref().map(|n| n.full_path.as_str());
            while let Some(group) = path {
                known.groups.push(group.to_owned());
                path = group.rsplit_once('/').map(|(parent, _)| parent);
            }
        }
    }
    if unknown(PrincipalKind::User) {
        for project in read.projects.values() {
            let members = client.project_members(project.id).await?;
            known.users.extend(members.into_iter().map(|m| m.username));
        }
    }
    known.users.sort();
    known.users.dedup();
    known.groups.sort();
    known.groups.dedup();
    Ok(known)
}

/// Looks up each distinct user and group once, all at once.
pub(super) async fn lookup(
    client: &GitlabClient,
    named: &[Principal],
) -> Result<Lookups, ProviderError> {
    let mut distinct: BTreeMap<(PrincipalKind, String), String> = BTreeMap::new();
    for principal in named {
        distinct
            .entry((principal.kind, principal.name.to_lowercase()))
            .or_insert_with(|| principal.name.clone());
    }
    let mut reads = JoinSet::new();
    for ((kind, key), name) in distinct {
        let client = client.clone();
        reads.spawn(async move {
            match kind {
                PrincipalKind::User => {
                    let user = client.user_by_username(&name).await?;
                    Ok::<_, ProviderError>((key, Some(user), None))
                }
                PrincipalKind::Group => {
                    let group = client.group(&name).await?;
                    Ok((key, None, Some(group)))
                }
            }
        });
    }
    let mut lookups = Lookups::default();
    while let Some(joined) = reads.join_next().await {
        let (key, user, group) = joined.map_err(task_failed)??;
        if let Some(user) = user {
            lookups.users.insert(key.clone(), user);
        }
        if let Some(group) = group {
            lookups.groups.insert(key, group);
        }
    }
    Ok(lookups)
}
