//! How a release is planned when its deployed value and a running deployment disagree or
//! agree with the desired value.

use serde_json::json;

use super::*;
use crate::model::{Address, RunningDeployment};

const RULES: KindRules = KindRules {
    immutable: &[],
    release: Some("artifact"),
    local_only: &[],
    versioned_by: None,
    unordered: &[],
    destructive: &[],
};

fn release() -> Resource {
    Resource::bare(
        "p.release.web",
        "p",
        "release",
        "web",
        json!({"artifact": "b"}),
    )
}

fn remote(deployed: Option<&str>, running: Option<Option<&str>>) -> RemoteObject {
    RemoteObject {
        address: Address("p.release.web".into()),
        kind: "release".into(),
        name: "web".into(),
        parent: None,
        id: "1".into(),
        attributes: deployed.map_or(json!({}), |d| json!({ "artifact": d })),
        method: None,
        in_flight: running.map(|deploys| RunningDeployment {
            id: "4".into(),
            status: "inprogress".into(),
            deploys: deploys.map(str::to_owned),
        }),
    }
}

#[test]
fn a_running_deployment_is_followed_unless_the_desired_value_stays() {
    // (deployed, running deploys …) → (action, follows)
    type Case = (
        Option<&'static str>,
        Option<Option<&'static str>>,
        Action,
        bool,
    );
    let cases: &[Case] = &[
        (Some("b"), None, Action::Noop, false),
        (Some("b"), Some(Some("b")), Action::Noop, false),
        (Some("b"), Some(None), Action::Noop, false),
        (Some("b"), Some(Some("c")), Action::Deploy, true),
        (Some("a"), Some(Some("b")), Action::Deploy, true),
        (Some("a"), Some(Some("c")), Action::Deploy, true),
        (Some("a"), Some(None), Action::Deploy, true),
        (None, Some(Some("b")), Action::Deploy, true),
        (Some("a"), None, Action::Deploy, false),
    ];
    for &(deployed, running, action, follows) in cases {
        let object = remote(deployed, running);
        let change = diff_resource(&release(), Some(&object), &RULES);
        let case = format!(
            "deployed {deployed:?}, running {running:?}: {}",
            change.reason
        );
        assert_eq!(change.action, action, "{case}");
        assert_eq!(change.following.is_some(), follows, "{case}");
        if follows {
            assert!(
                change
                    .reason
                    .starts_with("following deployment 4 is inprogress"),
                "{case}"
            );
        }
    }
    let never = diff_resource(&release(), None, &RULES);
    assert_eq!((never.action, never.following), (Action::Deploy, None));
}

/// A record that follows a release says so in its reason, and carries the link into the
/// plan (apply starts it with the release); a converged record says nothing of it.
#[test]
fn a_record_following_a_release_names_it_in_the_plan() {
    let record = Resource {
        follows: Some(Address("q.release.api".into())),
        ..release()
    };
    let change = diff_resource(&record, Some(&remote(Some("a"), None)), &RULES);
    assert_eq!(change.action, Action::Deploy);
    assert!(
        change.reason.ends_with("; follows `q.release.api`"),
        "{}",
        change.reason
    );
    assert_eq!(change.follows, Some(Address("q.release.api".into())));
    let converged = diff_resource(&record, Some(&remote(Some("b"), None)), &RULES);
    assert_eq!(converged.action, Action::Noop);
    assert!(
        !converged.reason.contains("follows"),
        "{}",
        converged.reason
    );
}

#[test]
fn a_deploy_says_how_the_provider_reaches_the_desired_value_and_only_a_deploy_does() {
    let method = "rollback to deployment `d-7` (its image is kept: no rebuild)";
    let with_method = |deployed| RemoteObject {
        method: Some(method.into()),
        ..remote(Some(deployed), None)
    };
    let change = diff_resource(&release(), Some(&with_method("a")), &RULES);
    assert_eq!(change.action, Action::Deploy);
    assert_eq!(change.method.as_deref(), Some(method));
    assert!(change.reason.ends_with(method), "{}", change.reason);
    let converged = diff_resource(&release(), Some(&with_method("b")), &RULES);
    assert_eq!(converged.action, Action::Noop);
    assert_eq!(converged.method, None);
    assert!(
        !converged.reason.contains("rollback"),
        "{}",
        converged.reason
    );
    // The method is part of what the plan was computed from.
    assert_ne!(
        fingerprint(Some(&with_method("a"))),
        fingerprint(Some(&remote(Some("a"), None)))
    );
}
