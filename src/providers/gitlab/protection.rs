//! Protected environments in the manifest's shape, both ways: GitLab's entries (ids) →
//! `{user: alice}` / `{group: acme/x, inherited}` / `{access_level: maintainer}` for the
//! diff, and the manifest's entries → the ids GitLab takes. GitLab keeps a user entry only
//! for a user with at least Developer access to the project, and a group entry only for a
//! group the project is shared with; it drops the others without an error. Those entries
//! are reported as such and counted as present, so they are not a change that never goes
//! away.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::client::Protections;
use super::fetch::Read;
use super::lower::KIND_PROTECTION;
use super::lower::{Principal, access_level_of, entry_json};
use super::principals::{LISTS, Lookups, PrincipalKind};
use super::wire::{AccessEntry, AccessLevel, ProtectedEnvironment};
use crate::model::{Address, Resource};
use crate::providers::{ReferenceError, ReferenceKind};

/// The least access a user needs for GitLab to keep an entry naming them (Developer).
const LEAST_ACCESS: u32 = 30;

/// One remote entry in the manifest's shape (the lowering's [`entry_json`]); `approvals`
/// adds `required_approvals`. Principals the lookups do not know by id are shown by id
/// (`#12`).
pub(super) fn entry_of(entry: &AccessLevel, approvals: bool, lookups: &Lookups) -> Value {
    let principal = if let Some(id) = entry.user_id {
        Principal::User(
            lookups
                .user_name(id)
                .map_or_else(|| format!("#{id}"), str::to_owned),
        )
    } else if let Some(id) = entry.group_id {
        Principal::Group {
            path: lookups
                .group_path(id)
                .map_or_else(|| format!("#{id}"), str::to_owned),
            inherited: entry.group_inheritance_type == Some(1),
        }
    } else {
        Principal::AccessLevel(entry.access_level.unwrap_or_default())
    };
    let required = approvals.then(|| entry.required_approvals.unwrap_or(1));
    entry_json(&principal, required)
}

/// A protected environment as the diff sees it, with the desired spelling of names that
/// match ignoring case (GitLab's usernames and paths do).
pub(super) fn attributes_of(
    remote: &ProtectedEnvironment,
    desired: Option<&Resource>,
    lookups: &Lookups,
) -> Value {
    let mut attributes = Map::new();
    for (list, entries, approvals) in [
        ("deployers", &remote.deploy_access_levels, false),
        ("approvals", &remote.approval_rules, true),
    ] {
        let written: Vec<Value> = desired
            .and_then(|d| d.attributes.get(list))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let shaped = entries
            .iter()
            .map(|entry| respell(entry_of(entry, approvals, lookups), &written))
            .collect();
        attributes.insert(list.into(), Value::Array(shaped));
    }
    Value::Object(attributes)
}

/// `entry` with its user or group spelt as in a desired entry naming the same one.
fn respell(mut entry: Value, written: &[Value]) -> Value {
    for key in ["user", "group"] {
        let Some(name) = entry.get(key).and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        let spelt = written
            .iter()
            .filter_map(|w| w.get(key).and_then(Value::as_str))
            .find(|w| w.eq_ignore_ascii_case(&name));
        if let Some(spelt) = spelt {
            entry[key] = json!(spelt);
        }
    }
    entry
}

/// The desired entries GitLab would drop without a word: users below Developer access to
/// the project, groups the project is not shared with. (list, index, why)
pub(super) fn ignored_entries(
    desired: &Resource,
    project: &super::wire::Project,
    read: &Read,
) -> Vec<(&'static str, usize, String)> {
    let shared: Vec<u64> = project
        .shared_with_groups
        .iter()
        .map(|g| g.group_id)
        .collect();
    let mut ignored = Vec::new();
    for list in LISTS {
        let Some(Value::Array(entries)) = desired.attributes.get(list) else {
            continue;
        };
        for (i, entry) in entries.iter().enumerate() {
            if let Some(user) = entry.get("user").and_then(Value::as_str) {
                let Some(Some(found)) = read.lookups.users.get(&user.to_lowercase()) else {
                    continue;
                };
                match read.members.get(&(project.id, found.id)) {
                    Some(Some(level)) if *level >= LEAST_ACCESS => {}
                    Some(Some(level)) => ignored.push((list, i, format!(
                        "user `{user}` has access level {level} to `{}`, below Developer ({LEAST_ACCESS})",
                        project.path_with_namespace
                    ))),
                    _ => ignored.push((list, i, format!(
                        "user `{user}` is not a member of `{}`",
                        project.path_with_namespace
                    ))),
                }
            } else if let Some(group) = entry.get("group").and_then(Value::as_str) {
                let Some(Some(found)) = read.lookups.groups.get(&group.to_lowercase()) else {
                    continue;
                };
                if !shared.contains(&found.id) {
                    ignored.push((
                        list,
                        i,
                        format!(
                            "group `{group}` is not shared with `{}`",
                            project.path_with_namespace
                        ),
                    ));
                }
            }
        }
    }
    ignored
}

/// Adds the desired entries GitLab drops to the remote attributes (they are not a change
/// apply could make), and one warning for each.
pub(super) fn count_ignored_as_present(
    desired: &Resource,
    ignored: &[(&'static str, usize, String)],
    remote: &mut Value,
    warnings: &mut Vec<String>,
) {
    for (list, i, why) in ignored {
        let Some(entry) = desired.attributes.get(*list).and_then(|l| l.get(*i)) else {
            continue;
        };
        warnings.push(format!(
            "`{}` {list}[{i}]: GitLab ignores this entry ({why}), so it is never listed as protecting the environment; grant access or remove the entry",
            desired.address
        ));
        if let Some(Value::Array(entries)) = remote.get_mut(*list)
            && !entries.contains(entry)
        {
            entries.push(entry.clone());
        }
    }
}

/// A located error on each declared protection of a project whose GitLab answered that it
/// has no protected environments (Free tier, or a Community Edition server).
pub(super) fn premium_errors(
    desired: &[&Resource],
    places: &BTreeMap<Address, (String, Option<String>)>,
    read: &Read,
) -> Vec<ReferenceError> {
    let mut errors = Vec::new();
    for protection in desired.iter().filter(|r| r.kind == KIND_PROTECTION) {
        let Some((path, _)) = places.get(&protection.address) else {
            continue;
        };
        let Some(project) = read.projects.get(path) else {
            continue;
        };
        if let Some(Protections::Unavailable { status, message }) =
            read.protections.get(&project.id)
        {
            errors.push(ReferenceError {
                kind: ReferenceKind::Conflict,
                address: protection.address.clone(),
                attribute: String::new(),
                message: format!(
                    "protected environments need GitLab Premium or Ultimate: `{path}` answered {status} ({message})"
                ),
                label: "not available on this project".into(),
                help: Some("remove `protection:` for projects on the Free tier, or upgrade the project's namespace".into()),
            });
        }
    }
    errors
}

/// One manifest entry as the ids GitLab takes; `None` when a name was not found (the fetch
/// reported it).
pub(super) fn access_entry(
    entry: &Value,
    approvals: bool,
    users: &std::collections::HashMap<String, u64>,
    groups: &std::collections::HashMap<String, u64>,
) -> Option<AccessEntry> {
    let text = |key: &str| entry.get(key).and_then(Value::as_str);
    let access = if let Some(user) = text(PrincipalKind::User.key()) {
        AccessEntry::user(*users.get(&user.to_lowercase())?)
    } else if let Some(group) = text(PrincipalKind::Group.key()) {
        let inherited = entry
            .get("inherited")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        AccessEntry::group(*groups.get(&group.to_lowercase())?, inherited)
    } else {
        AccessEntry::role(access_level_of(text("access_level")?)?)
    };
    Some(match approvals {
        true => {
            let required = entry
                .get("required_approvals")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            access.approvals(u32::try_from(required).ok()?)
        }
        false => access,
    })
}

/// Whether GitLab's entry `remote` grants what `wanted` does: the same principal (a role
/// by its level; a user or group by id, whatever level GitLab reports beside it), the same
/// inheritance for a group, the same number of approvals for a rule.
pub(super) fn grants_same(remote: &AccessLevel, wanted: &AccessEntry) -> bool {
    let principal = match (wanted.user_id, wanted.group_id) {
        (Some(user), _) => remote.user_id == Some(user),
        (None, Some(group)) => {
            remote.group_id == Some(group)
                && remote.group_inheritance_type.unwrap_or(0)
                    == wanted.group_inheritance_type.unwrap_or(0)
        }
        (None, None) => {
            remote.user_id.is_none()
                && remote.group_id.is_none()
                && remote.access_level == wanted.access_level
        }
    };
    principal
        && (wanted.required_approvals.is_none()
            || remote.required_approvals.unwrap_or(1) == wanted.required_approvals.unwrap_or(1))
}

/// The update that turns GitLab's `remote` entries into `wanted`: entries that already
/// grant the same stay untouched, the others are removed by id, the missing ones added.
pub(super) fn changes(remote: &[AccessLevel], wanted: &[AccessEntry]) -> Vec<AccessEntry> {
    let mut unused: Vec<&AccessEntry> = wanted.iter().collect();
    let mut out = Vec::new();
    for entry in remote {
        match unused.iter().position(|w| grants_same(entry, w)) {
            Some(at) => {
                unused.remove(at);
            }
            None => out.extend(entry.id.map(AccessEntry::remove)),
        }
    }
    out.extend(unused.into_iter().cloned());
    out
}
