//! What was read, as remote objects at the manifest's addresses: projects, environments
//! (the declared ones with only the settings their entry sets; undeclared ones whole, as
//! unmanaged children), protections, and each record's last successful deployment.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::client::Protections;
use super::fetch::{Read, place, record_target};
use super::lower::{KIND_DEPLOYMENT, KIND_ENVIRONMENT, KIND_PROJECT, KIND_PROTECTION};
use super::protection::{attributes_of, count_ignored_as_present, ignored_entries};
use super::provider::{Known, Place};
use super::wire::Environment;
use crate::model::{Address, RemoteObject, RemoteState, Resource};
use crate::providers::common::attributes::{optional_text, text};

/// The settings of an environment the manifest can declare, as GitLab names them.
pub(super) const SETTINGS: [&str; 6] = [
    "tier",
    "external_url",
    "description",
    "auto_stop_setting",
    "kubernetes_namespace",
    "flux_resource_path",
];

fn object(
    address: &Address,
    kind: &str,
    name: &str,
    parent: Option<&Address>,
    id: String,
    attributes: Value,
) -> RemoteObject {
    RemoteObject {
        address: address.clone(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        parent: parent.cloned(),
        id,
        attributes,
        method: None,
        in_flight: None,
    }
}

/// An environment's settings: for a declared one only those its entry sets (the rest are
/// not managed), for an undeclared one every one GitLab has.
pub(super) fn settings(remote: &Environment, declared: Option<&Resource>) -> Value {
    let mut attributes = Map::new();
    attributes.insert("name".into(), json!(remote.name));
    for key in SETTINGS {
        if declared.is_some_and(|d| d.attributes.get(key).is_none()) {
            continue;
        }
        if let Some(value) = setting(remote, key).filter(|v| !v.is_empty()) {
            attributes.insert(key.into(), json!(value));
        }
    }
    Value::Object(attributes)
}

/// One of [`SETTINGS`] as GitLab has it.
fn setting<'e>(remote: &'e Environment, key: &str) -> Option<&'e str> {
    match key {
        "tier" => remote.tier.as_ref().map(|t| t.as_str()),
        "external_url" => remote.external_url.as_deref(),
        "description" => remote.description.as_deref(),
        "auto_stop_setting" => remote.auto_stop_setting.as_ref().map(|s| s.as_str()),
        "kubernetes_namespace" => remote.kubernetes_namespace.as_deref(),
        "flux_resource_path" => remote.flux_resource_path.as_deref(),
        _ => None,
    }
}

pub(super) fn build(
    desired: &[&Resource],
    places: &BTreeMap<Address, (String, Option<String>)>,
    read: &Read,
    elsewhere: &BTreeSet<Address>,
    state: &mut RemoteState,
    known: &mut Known,
) {
    for resource in desired {
        if let Some(found) = place(places, read, &resource.address) {
            known.places.insert(resource.address.clone(), found);
        }
    }
    for project in desired.iter().filter(|r| r.kind == KIND_PROJECT) {
        let Some(found) = read.projects.get(&project.name) else {
            continue;
        };
        state.objects.insert(
            project.address.clone(),
            object(
                &project.address,
                KIND_PROJECT,
                &project.name,
                None,
                found.id.to_string(),
                json!({}),
            ),
        );
        let Some(listed) = read.environments.get(&found.id) else {
            continue;
        };
        environments(desired, project, found.id, listed, elsewhere, state, known);
    }
    protections(desired, read, state, known);
    for record in desired.iter().filter(|r| r.kind == KIND_DEPLOYMENT) {
        let Some(at) = known.places.get(&record.address).cloned() else {
            continue;
        };
        let Some(target) = record_target(record, at.project, read) else {
            continue;
        };
        let last = read
            .last_success
            .get(&(at.project, text(record, "environment").to_owned()));
        if let Some(last) = last {
            let wanted = text(record, "ref");
            let deployed = if last.git_ref == wanted && last.sha == target.sha {
                wanted.to_owned()
            } else {
                format!("{}@{}", last.git_ref, short(&last.sha))
            };
            state.objects.insert(
                record.address.clone(),
                object(
                    &record.address,
                    KIND_DEPLOYMENT,
                    &record.name,
                    record.parent.as_ref(),
                    last.id.to_string(),
                    json!({ "ref": deployed }),
                ),
            );
        }
        known.records.insert(record.address.clone(), target);
    }
}

/// The first 8 characters of a commit SHA, as GitLab shows them.
pub(super) fn short(sha: &str) -> &str {
    sha.get(..8).unwrap_or(sha)
}

fn environments(
    desired: &[&Resource],
    project: &Resource,
    pid: u64,
    listed: &[Environment],
    elsewhere: &BTreeSet<Address>,
    state: &mut RemoteState,
    known: &mut Known,
) {
    let declared: Vec<&Resource> = desired
        .iter()
        .copied()
        .filter(|r| r.kind == KIND_ENVIRONMENT && r.parent.as_ref() == Some(&project.address))
        .collect();
    // A declared environment is GitLab's of that name; else, with `renamed_from`, the old
    // one (its name differs: the diff plans the replace).
    let mut claimed: BTreeSet<&str> = BTreeSet::new();
    for environment in &declared {
        let current = listed.iter().find(|e| e.name == environment.name);
        let old = optional_text(environment, "renamed_from");
        let renamed = old
            .as_deref()
            .and_then(|old| listed.iter().find(|e| e.name == old));
        let Some(remote) = current.or(renamed) else {
            continue;
        };
        claimed.insert(remote.name.as_str());
        state.objects.insert(
            environment.address.clone(),
            object(
                &environment.address,
                KIND_ENVIRONMENT,
                &environment.name,
                Some(&project.address),
                remote.id.to_string(),
                settings(remote, Some(environment)),
            ),
        );
    }
    for remote in listed.iter().filter(|e| !claimed.contains(e.name.as_str())) {
        let address = project.address.child(KIND_ENVIRONMENT, &remote.name);
        if elsewhere.contains(&address) || declared.iter().any(|d| d.address == address) {
            continue;
        }
        state.objects.insert(
            address.clone(),
            object(
                &address,
                KIND_ENVIRONMENT,
                &remote.name,
                Some(&project.address),
                remote.id.to_string(),
                settings(remote, None),
            ),
        );
        known.places.insert(
            address,
            Place {
                project: pid,
                path: project.name.clone(),
                environment: Some(remote.name.clone()),
            },
        );
    }
}

/// Declared protections GitLab has, and the protections of declared environments the
/// manifest does not declare (unmanaged children of their environment).
fn protections(desired: &[&Resource], read: &Read, state: &mut RemoteState, known: &mut Known) {
    for environment in desired.iter().filter(|r| r.kind == KIND_ENVIRONMENT) {
        let Some(at) = known.places.get(&environment.address).cloned() else {
            continue;
        };
        let Some(Protections::Listed(listed)) = read.protections.get(&at.project) else {
            continue;
        };
        let Some(project) = read.projects.get(&at.path) else {
            continue;
        };
        let declared = desired
            .iter()
            .copied()
            .find(|r| r.kind == KIND_PROTECTION && r.parent.as_ref() == Some(&environment.address));
        let address = declared.map_or_else(
            || {
                environment
                    .address
                    .child(KIND_PROTECTION, &environment.name)
            },
            |d| d.address.clone(),
        );
        let remote = listed.iter().find(|p| p.name == environment.name);
        if let Some(declared) = declared {
            let ignored = ignored_entries(declared, project, read);
            match remote {
                Some(remote) => {
                    let mut attributes = attributes_of(remote, Some(declared), &read.lookups);
                    count_ignored_as_present(
                        declared,
                        &ignored,
                        &mut attributes,
                        &mut state.warnings,
                    );
                    state.objects.insert(
                        address.clone(),
                        object(
                            &address,
                            KIND_PROTECTION,
                            &environment.name,
                            Some(&environment.address),
                            remote.name.clone(),
                            attributes,
                        ),
                    );
                    known.protections.insert(address.clone(), remote.clone());
                }
                None => {
                    let mut none = json!({"deployers": [], "approvals": []});
                    count_ignored_as_present(declared, &ignored, &mut none, &mut state.warnings);
                }
            }
            known.places.insert(address, at.clone());
        } else if let Some(remote) = remote {
            state.objects.insert(
                address.clone(),
                object(
                    &address,
                    KIND_PROTECTION,
                    &environment.name,
                    Some(&environment.address),
                    remote.name.clone(),
                    attributes_of(remote, None, &read.lookups),
                ),
            );
            known.places.insert(address, at.clone());
        }
    }
}
