//! The client held to GitLab's description: every request the real [`GitlabClient`] sends,
//! captured on its way to the sandbox, matched to the operation its method and path name
//! and its body checked with [`check_request`].
//!
//! A relay sits between the client and the sandbox and records each request before passing
//! it on, so what is checked is the bytes the client put on the wire (after its own
//! serialization and path encoding), and the client still gets the emulator's real answers
//! (ids, a blocked deployment's state) to carry on with.

use std::collections::BTreeSet;
use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use super::{check_request, operation};
use crate::providers::common::fake;
use crate::providers::common::openapi::relay::Relay;
use crate::providers::gitlab::client::{DeploymentQuery, GitlabClient, Token};
use crate::providers::gitlab::emulator::testkit::{Gl, TestClient, sandbox};
use crate::providers::gitlab::emulator::{PROVIDER_TYPE, demo};
use crate::providers::gitlab::wire::{
    AccessEntry, ApprovalBody, ApprovalStatus, AutoStopSetting, DeploymentStatus, EnvironmentBody,
    NewDeployment, ProtectBody, ProtectUpdate, Tier,
};
use crate::sandbox::SandboxHandle;

/// A sandbox behind a recording relay, a client on the relay, and a test client on the
/// sandbox itself for the admin controls.
async fn relayed() -> (SandboxHandle, Arc<Relay>, GitlabClient, Gl) {
    let (sandbox, gl) = sandbox().await;
    let (recorder, addr) = Relay::start(sandbox.addr, PROVIDER_TYPE).await;
    let base = format!("http://{addr}/{PROVIDER_TYPE}");
    let client = GitlabClient::new(
        &base,
        Token::Private(demo::GITLAB_TOKEN.into()),
        fake::http(),
    )
    .expect("client");
    (sandbox, recorder, client, gl)
}

/// Environment bodies with each field absent and present.
fn environment_variants(name: &str) -> Vec<EnvironmentBody> {
    let every = EnvironmentBody {
        name: Some(name.to_owned()),
        external_url: Some("https://review.example.com".into()),
        tier: Some(Tier::Development),
        description: Some("é".repeat(100)),
        auto_stop_setting: Some(AutoStopSetting::WithAction),
        kubernetes_namespace: Some("review".into()),
        flux_resource_path: Some("HelmRelease/review".into()),
    };
    let bare = EnvironmentBody {
        name: Some(format!("{name}-bare")),
        ..EnvironmentBody::default()
    };
    vec![every, bare]
}

/// Runs every operation of the client once (writes in each variant).
async fn run_every_operation(client: &GitlabClient, gl: &Gl) {
    let project = client
        .project("acme/platform/shop")
        .await
        .expect("project")
        .expect("found");
    let id = project.id;
    client.branch(id, "release/1.x").await.expect("branch");
    client.tag(id, "v1.0.0").await.expect("tag");
    let head = client
        .commit(id, "main")
        .await
        .expect("commit")
        .expect("found")
        .id;
    client.branch_names(id).await.expect("branches");
    client.tag_names(id).await.expect("tags");
    client.user_by_username("alice").await.expect("user");
    client.group("acme/release-managers").await.expect("group");
    client.project_member(id, 2).await.expect("member");
    client.project_members(id).await.expect("members");

    let mut made = Vec::new();
    for body in environment_variants("review/app-1") {
        made.push(
            client
                .create_environment(id, &body)
                .await
                .expect("create environment"),
        );
    }
    for body in environment_variants("ignored") {
        client
            .update_environment(id, made[0].id, &body)
            .await
            .expect("update environment");
    }
    client
        .update_environment(id, made[1].id, &EnvironmentBody::default())
        .await
        .expect("empty update");
    client.environments(id).await.expect("environments");
    client
        .environment_named(id, "review/app-1")
        .await
        .expect("named");
    client
        .environment(id, made[0].id)
        .await
        .expect("environment");
    client
        .stop_environment(id, made[0].id, false)
        .await
        .expect("stop");
    client
        .stop_environment(id, made[1].id, true)
        .await
        .expect("forced stop");
    client
        .delete_environment(id, made[1].id)
        .await
        .expect("delete environment");

    let mut protect = ProtectBody {
        name: "production".into(),
        deploy_access_levels: vec![
            AccessEntry::role(40),
            AccessEntry::user(3),
            AccessEntry::group(12, true),
        ],
        approval_rules: vec![
            AccessEntry::group(12, false).approvals(1),
            AccessEntry::user(2),
        ],
    };
    let protected = client
        .protect_environment(id, &protect)
        .await
        .expect("protect");
    protect.name = "review/app-1".into();
    protect.approval_rules.clear();
    client
        .protect_environment(id, &protect)
        .await
        .expect("protect without rules");
    client
        .protected_environments(id)
        .await
        .expect("protections");
    client
        .protected_environment(id, "production")
        .await
        .expect("protection");
    let removed = protected.deploy_access_levels[1].id.expect("entry id");
    let update = ProtectUpdate {
        deploy_access_levels: vec![AccessEntry::remove(removed), AccessEntry::role(30)],
        approval_rules: vec![AccessEntry::role(40).approvals(2)],
    };
    client
        .update_protected_environment(id, "production", &update)
        .await
        .expect("update protection");
    client
        .unprotect_environment(id, "review/app-1")
        .await
        .expect("unprotect");

    let mut new = NewDeployment {
        environment: "staging".into(),
        sha: head.clone(),
        git_ref: "main".into(),
        tag: false,
        status: DeploymentStatus::Running,
    };
    let first = client
        .create_deployment(id, &new, None)
        .await
        .expect("deployment");
    new.git_ref = "v1.0.0".into();
    new.tag = true;
    new.sha = client
        .tag(id, "v1.0.0")
        .await
        .expect("tag")
        .expect("found")
        .commit
        .expect("commit")
        .id;
    new.status = DeploymentStatus::Success;
    client
        .create_deployment(id, &new, Some(first.id))
        .await
        .expect("tag deployment");
    for status in [DeploymentStatus::Success, DeploymentStatus::Failed] {
        let run = NewDeployment {
            status: DeploymentStatus::Running,
            ..new.clone()
        };
        let run = client
            .create_deployment(id, &run, None)
            .await
            .expect("deployment");
        client
            .update_deployment_status(id, run.id, status)
            .await
            .expect("status");
    }
    client
        .update_deployment_status(id, first.id, DeploymentStatus::Canceled)
        .await
        .expect("canceled");
    client
        .deployments(id, &DeploymentQuery::newest("staging", 5))
        .await
        .expect("deployments");
    let query = DeploymentQuery {
        status: Some(DeploymentStatus::Success),
        ..DeploymentQuery::default()
    };
    client
        .deployments(id, &query)
        .await
        .expect("successful deployments");
    client.deployment(id, first.id).await.expect("deployment");

    let blocked = json!({ "environment": "production", "ref": "main", "blocked": true, "username": "bob", "count": 2 });
    let ids = gl
        .admin(Method::POST, "/projects/101/ci-deployments", Some(blocked))
        .await
        .expect(200);
    let ids: Vec<u64> = ids["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|i| i.as_u64().expect("id"))
        .collect();
    let approve = ApprovalBody {
        status: ApprovalStatus::Approved,
        comment: Some("fine".into()),
        represented_as: Some("maintainer".into()),
    };
    client
        .approve_deployment(id, ids[0], &approve)
        .await
        .expect("approve");
    let reject = ApprovalBody {
        status: ApprovalStatus::Rejected,
        comment: None,
        represented_as: None,
    };
    client
        .approve_deployment(id, ids[1], &reject)
        .await
        .expect("reject");
}

/// The operations whose request bodies the client sends: each must have been checked.
const WRITES: [&str; 9] = [
    "postApiV4ProjectsIdEnvironments",
    "putApiV4ProjectsIdEnvironmentsEnvironmentId",
    "postApiV4ProjectsIdEnvironmentsEnvironmentIdStop",
    "postApiV4ProjectsIdProtectedEnvironments",
    "putApiV4ProjectsIdProtectedEnvironmentsName",
    "postApiV4ProjectsIdDeployments",
    "putApiV4ProjectsIdDeploymentsDeploymentId",
    "postApiV4ProjectsIdDeploymentsDeploymentIdApproval",
    // DELETEs send none: checked as "no body".
    "deleteApiV4ProjectsIdEnvironmentsEnvironmentId",
];

/// The one operation of the subsets the client has no method for: deployment records are
/// kept as history, never deleted (the emulator's side of it is driven by `conformance`).
const NOT_CALLED: &str = "deleteApiV4ProjectsIdDeploymentsDeploymentId";

#[tokio::test]
async fn every_request_the_client_sends_follows_gitlabs_description() {
    let (_sandbox, relay, client, gl) = relayed().await;
    run_every_operation(&client, &gl).await;
    let mut failures = Vec::new();
    let mut operations = BTreeSet::new();
    for (method, path, body) in relay.sent() {
        let Some(op) = operation(&method, &path) else {
            failures.push(format!(
                "{method} {path}: not an operation of the description"
            ));
            continue;
        };
        operations.insert(op.id.clone());
        if let Err(problems) = check_request(&method, &path, &body) {
            failures.push(format!(
                "{method} {path} ({}): {body}\n    {}",
                op.id,
                problems.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} requests do not follow GitLab's description:\n{}",
        failures.len(),
        failures.join("\n")
    );
    for id in WRITES {
        assert!(operations.contains(id), "the client never sent {id}");
    }
    // Every operation of the subsets but the one the provider never calls.
    let described =
        super::ORACLE.count(super::FROM_DESCRIPTION) + super::ORACLE.count(super::FROM_DOCS);
    assert!(
        !operations.contains(NOT_CALLED),
        "{NOT_CALLED} is called now: check its request too"
    );
    assert_eq!(
        operations.len() + 1,
        described,
        "operations the client called: {operations:?}"
    );
}
