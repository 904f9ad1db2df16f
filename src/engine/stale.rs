//! Whether a saved plan still describes the world: `apply PLANFILE` runs exactly the saved
//! changes, so it first re-reads the remote objects they touch and refuses when any of them
//! moved, when the manifest changed, or when a desired value resolved differently (a
//! variable or environment value that changed between plan and apply).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use super::diff;
use super::followed::followed_deployment_moved_on;
use super::plan::{self, Plan, PlanInput};
use super::scope::{self, Scope};
use crate::model::{Action, Address, Change, KindRules, RemoteObject, RemoteState, Resource};

/// One reason a saved plan cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    ManifestChanged,
    /// The remote object under `address` is not the one the change was computed from.
    RemoteMoved {
        address: Address,
        how: &'static str,
        /// What a fresh plan would do with it now.
        now: String,
    },
    /// The manifest is the same but a value resolved differently (variables, env).
    DesiredChanged {
        address: Address,
    },
    /// The plan changes an address the manifest no longer declares in this scope.
    NoLongerDeclared {
        address: Address,
    },
    /// The manifest was edited and this resource's desired values are not what was planned.
    Edited {
        address: Address,
    },
    /// The manifest now declares a resource the plan does not cover.
    Added {
        address: Address,
    },
    /// The same manifest and remote give another change than the file holds: the file was
    /// edited, or made by a deployplan that plans differently.
    NotThePlan {
        address: Address,
        saved: &'static str,
        fresh: &'static str,
    },
}

impl fmt::Display for Staleness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Staleness::ManifestChanged => {
                f.write_str("the manifest changed since the plan was made")
            }
            Staleness::RemoteMoved { address, how, now } => {
                write!(f, "`{address}` {how} since the plan was made; {now}")
            }
            Staleness::DesiredChanged { address } => write!(
                f,
                "`{address}`: a desired value resolves differently now (a variable or environment value changed)"
            ),
            Staleness::NoLongerDeclared { address } => {
                write!(f, "`{address}` is no longer declared")
            }
            Staleness::Edited { address } => {
                write!(f, "`{address}`: its desired values changed in the manifest")
            }
            Staleness::Added { address } => {
                write!(f, "`{address}` was added to the manifest")
            }
            Staleness::NotThePlan {
                address,
                saved,
                fresh,
            } => write!(
                f,
                "`{address}`: the plan file says {saved}, but the manifest and the remote give {fresh} (was the plan file edited?)"
            ),
        }
    }
}

/// The declared resources whose remote state must be re-read to check `saved`: every
/// resource it changes, the parents of what it deletes, and what those need (parents to
/// locate them, dependencies whose ids the writes use).
pub fn addresses_to_read(saved: &Plan, resources: &[Resource]) -> BTreeSet<Address> {
    let declared: BTreeSet<&Address> = resources.iter().map(|r| &r.address).collect();
    let seeds: BTreeSet<Address> = saved
        .changes
        .iter()
        .filter(|c| c.action.is_change())
        .filter_map(|c| {
            if declared.contains(&c.address) {
                Some(c.address.clone())
            } else {
                c.parent.clone()
            }
        })
        .collect();
    scope::requirements(resources, &seeds)
}

/// Everything that makes `saved` stale against the current manifest and remote state;
/// empty when it can be applied as it is.
///
/// Every object re-read is compared — not only those the plan changes: a deploy uses what
/// its scenario holds now, so a scenario edited after review must stop the apply. Then the
/// plan is computed again from the same manifest, scope and objects, and each saved change
/// must be what that fresh plan gives: apply never trusts an action because a file says so.
pub fn check(
    saved: &Plan,
    manifest_hash: &str,
    scope: &Scope,
    remote: &RemoteState,
    rules: &dyn Fn(&Resource) -> KindRules,
) -> Vec<Staleness> {
    if saved.manifest_hash != manifest_hash {
        let mut found = vec![Staleness::ManifestChanged];
        found.extend(manifest_edits(saved, scope));
        return found;
    }
    let resources = &scope.resources;
    let read = addresses_to_read(saved, resources);
    let by_address: HashMap<&Address, &Resource> =
        resources.iter().map(|r| (&r.address, r)).collect();
    let compared = saved
        .changes
        .iter()
        .filter(|c| c.action.is_change() || read.contains(&c.address));
    let mut found = Vec::new();
    // Releases whose followed deployment moved on as the plan announced.
    let mut followed: HashSet<&Address> = HashSet::new();
    for change in compared.clone() {
        let object = remote.objects.get(&change.address);
        let resource = by_address.get(&change.address).copied();
        if diff::fingerprint(object) != change.fingerprint {
            if followed_deployment_moved_on(change, object, resource, rules) {
                followed.insert(&change.address);
            } else {
                found.push(moved(change, object, resource, rules));
                continue;
            }
        }
        match (resource, change.action) {
            (None, Action::Delete) => {}
            (None, _) => found.push(Staleness::NoLongerDeclared {
                address: change.address.clone(),
            }),
            (Some(resource), _) => {
                if change.desired.as_ref() != Some(&diff::masked_attributes(resource)) {
                    found.push(Staleness::DesiredChanged {
                        address: change.address.clone(),
                    });
                }
            }
        }
    }
    if !found.is_empty() {
        return found;
    }

    let input = PlanInput {
        environment: saved.environment.clone(),
        manifest_hash: manifest_hash.to_owned(),
        scope: saved.scope.clone(),
        out_of_scope: &scope.out_of_scope,
        context: &scope.context,
        rules,
    };
    let fresh = match plan::plan(resources, remote, &input) {
        Ok(fresh) => fresh,
        Err(protected) => {
            return protected
                .into_iter()
                .map(|e| Staleness::NotThePlan {
                    address: e.address,
                    saved: "a change",
                    fresh: e.action,
                })
                .collect();
        }
    };
    // A change the fresh plan makes to an object it re-read must be in the file too: one
    // removed from under a change that needs it would otherwise just not run.
    // A remote child that appeared under a re-read parent, or under an undeclared object
    // the plan deletes (a scenario added to a pruned stage), moved the world: deleting the
    // parent would now fail, or take more than was reviewed.
    let saved_addresses: HashSet<&Address> = saved.changes.iter().map(|c| &c.address).collect();
    for change in &fresh.changes {
        if !change.action.is_change() || saved_addresses.contains(&change.address) {
            continue;
        }
        if read.contains(&change.address) {
            found.push(Staleness::NotThePlan {
                address: change.address.clone(),
                saved: "nothing",
                fresh: change.action.as_str(),
            });
        } else if change
            .parent
            .as_ref()
            .is_some_and(|p| read.contains(p) || saved_addresses.contains(p))
        {
            found.push(Staleness::RemoteMoved {
                address: change.address.clone(),
                how: "appeared remotely",
                now: format!(
                    "a new plan would {} it ({})",
                    change.action.as_str(),
                    change.reason
                ),
            });
        }
    }
    let fresh: HashMap<&Address, &Change> = fresh.changes.iter().map(|c| (&c.address, c)).collect();
    for change in compared {
        // The followed deployment's end may leave nothing to deploy: apply decides that
        // after following it, as the plan said.
        let same = fresh.get(&change.address).is_some_and(|f| {
            (f.action == change.action && f.fields == change.fields)
                || (followed.contains(&change.address)
                    && matches!(f.action, Action::Deploy | Action::Noop))
        });
        if !same {
            found.push(Staleness::NotThePlan {
                address: change.address.clone(),
                saved: change.action.as_str(),
                fresh: fresh
                    .get(&change.address)
                    .map_or("nothing", |f| f.action.as_str()),
            });
        }
    }
    found
}

/// What an edit of the manifest changed for the plan, as far as the plan file tells without
/// reading the remote: resources whose desired values differ, that are gone, or that are new.
/// Empty when the edit touched nothing planned (comments, formatting).
fn manifest_edits(saved: &Plan, scope: &Scope) -> Vec<Staleness> {
    let declared: HashMap<&Address, &Resource> =
        scope.resources.iter().map(|r| (&r.address, r)).collect();
    let mut found = Vec::new();
    for change in &saved.changes {
        match declared.get(&change.address) {
            // Undeclared remote objects: the plan never had a resource for them.
            None if matches!(change.action, Action::Delete | Action::Unmanaged) => {}
            None => found.push(Staleness::NoLongerDeclared {
                address: change.address.clone(),
            }),
            Some(resource) => {
                if change
                    .desired
                    .as_ref()
                    .is_some_and(|desired| *desired != diff::masked_attributes(resource))
                {
                    found.push(Staleness::Edited {
                        address: change.address.clone(),
                    });
                }
            }
        }
    }
    let planned: HashSet<&Address> = saved.changes.iter().map(|c| &c.address).collect();
    found.extend(
        scope
            .resources
            .iter()
            .filter(|r| !planned.contains(&r.address))
            .map(|r| Staleness::Added {
                address: r.address.clone(),
            }),
    );
    found
}

fn moved(
    change: &Change,
    object: Option<&RemoteObject>,
    resource: Option<&Resource>,
    rules: &dyn Fn(&Resource) -> KindRules,
) -> Staleness {
    let is_release = resource.is_some_and(|r| rules(r).release.is_some());
    let how = match (change.fingerprint.as_str(), object) {
        (_, Some(_)) if is_release => "was deployed",
        ("absent", Some(_)) => "was created remotely",
        (_, None) => "was deleted remotely",
        _ => "changed remotely",
    };
    let planned = format!("planned {} ({})", change.action.as_str(), change.reason);
    let now = match resource {
        Some(resource) => {
            let fresh = diff::diff_resource(resource, object, &rules(resource));
            format!(
                "{planned}; a new plan would {} ({})",
                fresh.action.as_str(),
                fresh.reason
            )
        }
        None => planned,
    };
    Staleness::RemoteMoved {
        address: change.address.clone(),
        how,
        now,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::plan::{self, PlanInput, PlanScope};
    use crate::model::RemoteObject;

    fn resource(address: &str, parent: Option<&str>, attributes: serde_json::Value) -> Resource {
        let name = address.rsplit('.').next().unwrap();
        Resource {
            parent: parent.map(|p| Address(p.into())),
            depends_on: parent.iter().map(|p| Address((*p).into())).collect(),
            prune: true,
            ..Resource::bare(address, "ncp", "stage", name, attributes)
        }
    }

    fn object(address: &str, parent: Option<&str>, attributes: serde_json::Value) -> RemoteObject {
        RemoteObject {
            address: Address(address.into()),
            kind: "stage".into(),
            name: address.rsplit('.').next().unwrap().into(),
            parent: parent.map(|p| Address(p.into())),
            id: "7".into(),
            attributes,
            method: None,
            in_flight: None,
        }
    }

    fn world() -> (Vec<Resource>, RemoteState) {
        let resources = vec![
            resource("ncp.project.shop", None, json!({"description": "shop"})),
            resource(
                "ncp.project.shop.stage.dev",
                Some("ncp.project.shop"),
                json!({"servers": [1, 2, 3]}),
            ),
            resource(
                "ncp.project.shop.stage.prod",
                Some("ncp.project.shop"),
                json!({"servers": [9]}),
            ),
        ];
        let mut remote = RemoteState::default();
        for o in [
            object("ncp.project.shop", None, json!({"description": "shop"})),
            object(
                "ncp.project.shop.stage.dev",
                Some("ncp.project.shop"),
                json!({"servers": [1, 2]}),
            ),
            object(
                "ncp.project.shop.stage.old",
                Some("ncp.project.shop"),
                json!({"servers": [4]}),
            ),
        ] {
            remote.objects.insert(o.address.clone(), o);
        }
        (resources, remote)
    }

    fn make_plan(resources: &[Resource], remote: &RemoteState) -> Plan {
        let none = BTreeSet::new();
        let rules = |_: &Resource| KindRules::default();
        plan::plan(
            resources,
            remote,
            &PlanInput {
                environment: None,
                manifest_hash: "h".into(),
                scope: PlanScope::default(),
                out_of_scope: &none,
                context: &none,
                rules: &rules,
            },
        )
        .unwrap()
    }

    const RULES: &dyn Fn(&Resource) -> KindRules = &|_| KindRules::default();

    #[test]
    fn an_unmoved_world_is_fresh() {
        let (resources, remote) = world();
        let saved = make_plan(&resources, &remote);
        assert_eq!(saved.summary.update, 1);
        assert_eq!(saved.summary.create, 1);
        assert_eq!(saved.summary.delete, 1);
        assert!(check(&saved, "h", &Scope::all(&resources), &remote, RULES).is_empty());
    }

    #[test]
    fn a_changed_manifest_is_stale() {
        let (resources, remote) = world();
        let saved = make_plan(&resources, &remote);
        assert_eq!(
            check(&saved, "other", &Scope::all(&resources), &remote, RULES),
            [Staleness::ManifestChanged]
        );
    }

    #[test]
    fn a_manifest_edit_names_what_it_changed() {
        let (mut resources, remote) = world();
        let saved = make_plan(&resources, &remote);
        resources[0].attributes["edited"] = serde_json::json!(true);
        let mut added = resources[0].clone();
        added.address = Address("ncp.project.added".into());
        resources.push(added);
        let found = check(&saved, "other", &Scope::all(&resources), &remote, RULES);
        assert_eq!(
            found,
            [
                Staleness::ManifestChanged,
                Staleness::Edited {
                    address: resources[0].address.clone()
                },
                Staleness::Added {
                    address: Address("ncp.project.added".into())
                },
            ]
        );
    }

    #[test]
    fn each_moved_object_is_named_with_what_a_new_plan_would_do() {
        let (resources, mut remote) = world();
        let saved = make_plan(&resources, &remote);
        // Someone converged dev by hand, created prod, and deleted the old stage.
        remote
            .objects
            .get_mut(&Address("ncp.project.shop.stage.dev".into()))
            .unwrap()
            .attributes = json!({"servers": [1, 2, 3]});
        let prod = object(
            "ncp.project.shop.stage.prod",
            Some("ncp.project.shop"),
            json!({"servers": [9]}),
        );
        remote.objects.insert(prod.address.clone(), prod);
        remote
            .objects
            .remove(&Address("ncp.project.shop.stage.old".into()));
        let stale = check(&saved, "h", &Scope::all(&resources), &remote, RULES);
        let text: Vec<String> = stale.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 3, "{text:#?}");
        assert!(
            text.iter().any(
                |t| t.starts_with("`ncp.project.shop.stage.dev` changed remotely")
                    && t.contains("a new plan would no-op (up to date)")
            ),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("`ncp.project.shop.stage.prod` was created remotely")),
            "{text:#?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("`ncp.project.shop.stage.old` was deleted remotely")),
            "{text:#?}"
        );
    }

    #[test]
    fn a_value_that_resolves_differently_is_stale() {
        let (mut resources, remote) = world();
        let saved = make_plan(&resources, &remote);
        resources[1].attributes = json!({"servers": [1, 2, 3, 4]});
        assert_eq!(
            check(&saved, "h", &Scope::all(&resources), &remote, RULES),
            [Staleness::DesiredChanged {
                address: Address("ncp.project.shop.stage.dev".into())
            }]
        );
    }

    #[test]
    fn only_what_the_plan_touches_is_read_again() {
        let (mut resources, remote) = world();
        resources.push(resource("ncp.project.blog", None, json!({})));
        let saved = make_plan(&resources, &remote);
        let read = addresses_to_read(&saved, &resources);
        let read: Vec<&str> = read.iter().map(Address::as_str).collect();
        // The blog project is planned (create) too; the unchanged shop project is read only
        // as the parent of what changes.
        assert_eq!(
            read,
            [
                "ncp.project.blog",
                "ncp.project.shop",
                "ncp.project.shop.stage.dev",
                "ncp.project.shop.stage.prod"
            ]
        );
    }

    #[test]
    fn an_unchanged_object_a_change_relies_on_must_not_move_either() {
        let (resources, mut remote) = world();
        let saved = make_plan(&resources, &remote);
        // The project is not changed by the plan, but the stage changes under it.
        remote
            .objects
            .get_mut(&Address("ncp.project.shop".into()))
            .unwrap()
            .attributes = json!({"description": "edited in the console"});
        let stale = check(&saved, "h", &Scope::all(&resources), &remote, RULES);
        assert!(
            matches!(&stale[..], [Staleness::RemoteMoved { address, .. }] if address.as_str() == "ncp.project.shop"),
            "{stale:?}"
        );
    }

    #[test]
    fn an_edited_plan_file_is_refused() {
        let (resources, remote) = world();
        let mut saved = make_plan(&resources, &remote);
        let project = saved
            .changes
            .iter_mut()
            .find(|c| c.address.as_str() == "ncp.project.shop")
            .unwrap();
        assert_eq!(project.action, Action::Noop);
        project.action = Action::Delete;
        let stale = check(&saved, "h", &Scope::all(&resources), &remote, RULES);
        assert_eq!(
            stale.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "`ncp.project.shop`: the plan file says delete, but the manifest and the remote give no-op (was the plan file edited?)"
            ]
        );
    }
}
