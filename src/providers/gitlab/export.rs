//! `deployplan export` for GitLab: each project's environments with their settings and
//! protection, as the `gitlab:` section declares them, so that adopting the output plans as
//! no changes. Principals are named by what GitLab keeps: a user entry's username from the
//! project's members, a group entry's full path from the groups the project is shared with.
//! Deployment records are history, not state, and are not exported. Read-only.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use super::client::{GitlabClient, Protections};
use super::fetch::task_failed;
use super::objects::settings;
use super::principals::Lookups;
use super::protection::entry_of;
use super::wire::{Environment, Group, Project, ProtectedEnvironment, User};
use crate::providers::{ExportFilter, Exported, ProviderError};

/// Why some things are never in the output; goes into the document's header.
const NOTES: [&str; 1] = [
    "Deployment records are history, not settings: declare `deployments:` for the records apply should keep current.",
];

/// One project, read.
struct Read {
    path: String,
    environments: Vec<Environment>,
    protections: Protections,
    lookups: Lookups,
}

pub(super) async fn export(
    instance: &str,
    client: &GitlabClient,
    filter: &ExportFilter,
) -> Result<Exported, ProviderError> {
    let names = if filter.only.is_empty() {
        &filter.declared
    } else {
        &filter.only
    };
    if names.is_empty() {
        return Err(ProviderError::Precondition(
            "name the projects to export with `--project group/project`, or declare them under `gitlab: projects:`".into(),
        ));
    }
    let mut reads = JoinSet::new();
    for name in names {
        let (client, name) = (client.clone(), name.clone());
        reads.spawn(async move {
            let Some(project) = client.project(&name).await? else {
                return Ok::<_, ProviderError>((name, None));
            };
            let read = read_project(&client, &project).await?;
            Ok((name, Some(read)))
        });
    }
    let (mut unmatched, mut available, mut read) = (Vec::new(), Vec::new(), Vec::new());
    while let Some(joined) = reads.join_next().await {
        match joined.map_err(task_failed)?? {
            (name, None) => unmatched.push(name),
            (name, Some(project)) => {
                available.push(name);
                read.push(project);
            }
        }
    }
    if !unmatched.is_empty() {
        return Ok(Exported {
            unmatched,
            available,
            noun: "projects",
            ..Exported::default()
        });
    }
    let mut notes: Vec<String> = NOTES.iter().map(|n| (*n).to_owned()).collect();
    let (mut environments, mut protected) = (0, 0);
    let mut projects = Map::new();
    read.sort_by(|a, b| a.path.cmp(&b.path));
    for project in read {
        let mut entry = Map::new();
        if filter.pin_instance {
            entry.insert("provider".into(), json!(instance));
        }
        let listed = match &project.protections {
            Protections::Listed(listed) => listed.as_slice(),
            Protections::Unavailable { status, .. } => {
                notes.push(format!(
                    "`{}` has no protected environments API (it answered {status}: GitLab Premium or Ultimate is needed); protection is not exported.",
                    project.path
                ));
                &[]
            }
        };
        let by_name: BTreeMap<&str, &ProtectedEnvironment> =
            listed.iter().map(|p| (p.name.as_str(), p)).collect();
        let mut envs = Map::new();
        for environment in &project.environments {
            environments += 1;
            let mut declared = settings(environment, None);
            if let Some(object) = declared.as_object_mut() {
                object.remove("name");
                if let Some(protection) = by_name.get(environment.name.as_str()) {
                    protected += 1;
                    object.insert(
                        "protection".into(),
                        protection_entry(protection, &project.lookups),
                    );
                }
            }
            envs.insert(environment.name.clone(), declared);
        }
        for name in by_name.keys().filter(|n| !envs.contains_key(**n)) {
            notes.push(format!(
                "`{}` protects `{name}`, which is not an environment yet: declare the environment to manage its protection.",
                project.path
            ));
        }
        if !envs.is_empty() {
            entry.insert("environments".into(), Value::Object(envs));
        }
        projects.insert(project.path.clone(), Value::Object(entry));
    }
    let count = projects.len();
    Ok(Exported {
        section: json!({ "projects": projects }),
        summary: format!(
            "{count} {}, {environments} environments, {protected} protected",
            if count == 1 { "project" } else { "projects" }
        ),
        available,
        notes,
        noun: "projects",
        ..Exported::default()
    })
}

async fn read_project(client: &GitlabClient, project: &Project) -> Result<Read, ProviderError> {
    let pid = project.id;
    let (environments, protections, members) = tokio::join!(
        client.environments(pid),
        client.protected_environments(pid),
        client.project_members(pid)
    );
    let mut lookups = Lookups::default();
    for member in members? {
        let user = User {
            id: member.id,
            username: member.username.clone(),
            ..User::default()
        };
        lookups
            .users
            .insert(member.username.to_lowercase(), Some(user));
    }
    for shared in &project.shared_with_groups {
        let Some(path) = &shared.group_full_path else {
            continue;
        };
        let group = Group {
            id: shared.group_id,
            full_path: path.clone(),
            ..Group::default()
        };
        lookups.groups.insert(path.to_lowercase(), Some(group));
    }
    Ok(Read {
        path: project.path_with_namespace.clone(),
        environments: environments?,
        protections: protections?,
        lookups,
    })
}

/// A protected environment as the manifest declares it.
fn protection_entry(protection: &ProtectedEnvironment, lookups: &Lookups) -> Value {
    let deployers: Vec<Value> = (protection.deploy_access_levels.iter())
        .map(|entry| without_defaults(entry_of(entry, false, lookups)))
        .collect();
    let approvals: Vec<Value> = (protection.approval_rules.iter())
        .map(|entry| without_defaults(entry_of(entry, true, lookups)))
        .collect();
    let mut entry = Map::new();
    entry.insert("deployers".into(), Value::Array(deployers));
    if !approvals.is_empty() {
        entry.insert("approvals".into(), Value::Array(approvals));
    }
    Value::Object(entry)
}

/// An entry without the values the manifest defaults to (`inherited: false`,
/// `required_approvals: 1`), as a person would write it.
fn without_defaults(mut entry: Value) -> Value {
    if let Some(object) = entry.as_object_mut() {
        object.retain(|key, value| {
            let default = match key.as_str() {
                "inherited" => value == &Value::Bool(false),
                "required_approvals" => value.as_u64() == Some(1),
                _ => false,
            };
            !default
        });
    }
    entry
}
