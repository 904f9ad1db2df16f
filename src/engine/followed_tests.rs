//! A saved plan that follows a running deployment: the deployment's progress and end are
//! what the plan announced, anything else that moved the release makes the plan stale.

use std::collections::BTreeSet;

use serde_json::json;

use crate::engine::plan::{self, Plan, PlanInput, PlanScope};
use crate::engine::scope::Scope;
use crate::engine::stale::{Staleness, check};
use crate::model::{
    Action, Address, KindRules, RemoteObject, RemoteState, Resource, RunningDeployment,
};

const RULES: &dyn Fn(&Resource) -> KindRules = &|_| KindRules {
    release: Some("artifact"),
    ..KindRules::default()
};

fn release() -> Resource {
    Resource::bare(
        "ncp.release.web",
        "ncp",
        "release",
        "web",
        json!({"scenario": "shop/dev/web", "artifact": "b"}),
    )
}

fn remote(artifact: Option<&str>, running: Option<(&str, &str)>) -> RemoteState {
    let mut attributes = json!({"scenario": "shop/dev/web"});
    if let Some(artifact) = artifact {
        attributes["artifact"] = json!(artifact);
    }
    let object = RemoteObject {
        address: Address("ncp.release.web".into()),
        kind: "release".into(),
        name: "web".into(),
        parent: None,
        id: "12".into(),
        attributes,
        method: None,
        in_flight: running.map(|(id, status)| RunningDeployment {
            id: id.into(),
            status: status.into(),
            deploys: Some("b".into()),
        }),
    };
    let mut state = RemoteState::default();
    state.objects.insert(object.address.clone(), object);
    state
}

fn saved(resources: &[Resource], remote: &RemoteState) -> Plan {
    let none = BTreeSet::new();
    plan::plan(
        resources,
        remote,
        &PlanInput {
            environment: None,
            manifest_hash: "h".into(),
            scope: PlanScope::default(),
            out_of_scope: &none,
            context: &none,
            rules: RULES,
        },
    )
    .unwrap()
}

fn stale(saved: &Plan, resources: &[Resource], now: &RemoteState) -> Vec<Staleness> {
    check(saved, "h", &Scope::all(resources), now, RULES)
}

#[test]
fn the_followed_deployment_progressing_or_ending_is_not_stale() {
    let resources = [release()];
    let plan = saved(&resources, &remote(Some("a"), Some(("4", "waiting"))));
    let change = &plan.changes[0];
    assert_eq!(change.action, Action::Deploy);
    assert_eq!(change.following.as_ref().map(|f| f.id.as_str()), Some("4"));
    for now in [
        remote(Some("a"), Some(("4", "waiting"))),
        remote(Some("a"), Some(("4", "inprogress"))),
        remote(Some("b"), None), // it succeeded
        remote(Some("a"), None), // it failed
    ] {
        assert_eq!(stale(&plan, &resources, &now), [], "{now:?}");
    }
}

#[test]
fn anything_else_moving_the_release_is_stale() {
    let resources = [release()];
    let plan = saved(&resources, &remote(Some("a"), Some(("4", "inprogress"))));
    for now in [
        remote(Some("a"), Some(("5", "inprogress"))), // another deployment runs
        remote(Some("c"), None),                      // something else got deployed
    ] {
        let found = stale(&plan, &resources, &now);
        assert!(
            matches!(found.as_slice(), [Staleness::RemoteMoved { .. }]),
            "{now:?}: {found:?}"
        );
    }
    // A plan that followed nothing: a deployment that started since is a moved remote.
    let plain = saved(&resources, &remote(Some("a"), None));
    assert!(plain.changes[0].following.is_none());
    let found = stale(
        &plain,
        &resources,
        &remote(Some("a"), Some(("4", "inprogress"))),
    );
    assert!(
        matches!(found.as_slice(), [Staleness::RemoteMoved { .. }]),
        "{found:?}"
    );
}

#[test]
fn a_never_deployed_release_following_its_first_deployment_accepts_its_end() {
    let resources = [release()];
    let plan = saved(&resources, &remote(None, Some(("4", "inprogress"))));
    assert_eq!(plan.changes[0].action, Action::Deploy);
    assert_eq!(stale(&plan, &resources, &remote(Some("b"), None)), []);
    assert_eq!(stale(&plan, &resources, &remote(None, None)), []);
}
