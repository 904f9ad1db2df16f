//! The client held to GitHub's description: every request the real client sends, captured
//! on its way to the sandbox, matched to the operation its method and path name and its
//! body checked with [`check_request`].
//!
//! A relay sits between the client and the sandbox and records each request before passing
//! it on, so what is checked is the bytes the client put on the wire (after its own
//! serialization and path encoding), and the client still gets the emulator's real answers
//! (ids, the secrets key, a 303 for a duplicate policy) to carry on with.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde_json::{Map, json};

use super::{check_request, operation};
use crate::providers::common::fake;
use crate::providers::common::openapi::relay::Relay;
use crate::providers::github::client::{
    GithubClient, NewDeployment, NewStatus, RepoRef, RunMarker,
};
use crate::providers::github::emulator::testkit::start;
use crate::providers::github::emulator::{PROVIDER_TYPE, demo};
use crate::providers::github::wire::{
    BranchPolicySettings, DeploymentState, EnvironmentSettings, NewBranchPolicy, PolicyType,
    ReviewerRef, ReviewerType, Variable,
};
use crate::sandbox::SandboxOptions;

/// A sandbox behind a recording relay, and a client on the relay at `mount` (`/github` or
/// `/github/api/v3`).
async fn relayed(mount: &str) -> (crate::sandbox::SandboxHandle, Arc<Relay>, GithubClient) {
    let sandbox = start(SandboxOptions::default()).await;
    let (recorder, addr) = Relay::start(sandbox.addr, PROVIDER_TYPE).await;
    let client = GithubClient::new(
        &format!("http://{addr}{mount}"),
        demo::GITHUB_TOKEN,
        fake::http(),
    )
    .expect("client");
    (sandbox, recorder, client)
}

/// The environment settings the provider sends, with each field's variants.
fn settings_variants() -> Vec<EnvironmentSettings> {
    let custom = BranchPolicySettings {
        protected_branches: false,
        custom_branch_policies: true,
    };
    let protected = BranchPolicySettings {
        protected_branches: true,
        custom_branch_policies: false,
    };
    let reviewers = vec![
        ReviewerRef {
            kind: ReviewerType::User,
            id: 1,
        },
        ReviewerRef {
            kind: ReviewerType::Team,
            id: 1002,
        },
    ];
    vec![
        EnvironmentSettings::default(),
        EnvironmentSettings {
            reviewers: Some(None),
            deployment_branch_policy: Some(None),
            ..EnvironmentSettings::default()
        },
        EnvironmentSettings {
            deployment_branch_policy: Some(Some(protected)),
            ..EnvironmentSettings::default()
        },
        EnvironmentSettings {
            wait_timer: Some(30),
            prevent_self_review: Some(true),
            reviewers: Some(Some(reviewers)),
            deployment_branch_policy: Some(Some(custom)),
        },
    ]
}

/// A deployment with every optional field set.
fn full_deployment() -> NewDeployment {
    let mut new = NewDeployment::new("main", "prod/web");
    new.task = "deploy:migrate".into();
    new.description = Some("Every optional field".into());
    new.payload = Map::from_iter([("release".to_owned(), json!({ "version": "1.4.2" }))]);
    new.required_contexts = vec!["ci/build".into()];
    new.transient_environment = Some(false);
    new.production_environment = Some(true);
    new
}

/// A status with every optional field set.
fn full_status() -> NewStatus {
    NewStatus {
        state: DeploymentState::InProgress,
        description: Some("é".repeat(200)),
        log_url: Some("https://ci.example/run/1".into()),
        environment: Some("prod/web".into()),
        environment_url: Some("https://shop.example".into()),
        auto_inactive: Some(false),
    }
}

/// Runs every operation of the client once (writes in each variant), on one mount.
async fn run_every_operation(client: &GithubClient) {
    let repo = RepoRef::parse("octo-org/web").expect("repo");
    let env = "prod/web";
    client.repository(&repo).await.expect("repository");
    client.resolve_ref(&repo, "release/1.0").await.expect("ref");
    client.user("octocat").await.expect("user");
    client.team("octo-org", "sre").await.expect("team");
    client.teams("octo-org").await.expect("teams");
    client.collaborators(&repo).await.expect("collaborators");

    for settings in settings_variants() {
        client
            .put_environment(&repo, env, &settings)
            .await
            .expect("put environment");
    }
    client.environments(&repo).await.expect("environments");
    client.environment(&repo, env).await.expect("environment");
    for (name, kind) in [
        ("release/*", PolicyType::Branch),
        ("v*", PolicyType::Tag),
        ("release/*", PolicyType::Branch),
    ] {
        let policy = NewBranchPolicy {
            name: name.into(),
            kind,
        };
        client
            .create_branch_policy(&repo, env, &policy)
            .await
            .expect("policy");
    }
    let policies = client.branch_policies(&repo, env).await.expect("policies");
    client
        .delete_branch_policy(&repo, env, policies[0].id)
        .await
        .expect("delete policy");

    let variable = Variable {
        name: "REGION".into(),
        value: "eu-west-1".into(),
    };
    client
        .create_variable(&repo, env, &variable)
        .await
        .expect("create variable");
    let changed = Variable {
        value: "eu-north-1".into(),
        ..variable
    };
    client
        .update_variable(&repo, env, &changed)
        .await
        .expect("update variable");
    client.variables(&repo, env).await.expect("variables");
    client
        .delete_variable(&repo, env, "REGION")
        .await
        .expect("delete variable");
    let key = client.secrets_key(&repo, env).await.expect("key");
    for value in ["hunter2", "", "a longer value with ünïcode"] {
        client
            .put_secret(&repo, env, "TOKEN", value, &key)
            .await
            .expect("put secret");
    }
    client.secrets(&repo, env).await.expect("secrets");
    client
        .delete_secret(&repo, env, "TOKEN")
        .await
        .expect("delete secret");

    // Protection off again (an omitted field resets it), so any ref may deploy.
    client
        .put_environment(&repo, env, &EnvironmentSettings::default())
        .await
        .expect("reset");
    let marker = RunMarker::new("run-1:web").expect("marker");
    let mut plain = NewDeployment::new("develop", env);
    plain.payload.insert("release".into(), json!("1.4.2"));
    let first = client
        .create_deployment(&repo, &marker, &plain)
        .await
        .expect("deployment");
    let marker = RunMarker::new("run-2:web").expect("marker");
    let full = client
        .create_deployment(&repo, &marker, &full_deployment())
        .await
        .expect("full deployment");
    client.deployment(&repo, full.id).await.expect("deployment");
    client
        .deployments(&repo, &Default::default())
        .expect("pages")
        .all()
        .await
        .expect("deployments");
    for status in [
        NewStatus::new(DeploymentState::Queued),
        full_status(),
        NewStatus::new(DeploymentState::Inactive),
    ] {
        client
            .create_status(&repo, first.id, &status)
            .await
            .expect("status");
    }
    client
        .statuses(&repo, first.id)
        .expect("pages")
        .all()
        .await
        .expect("statuses");
    client.newest_status(&repo, first.id).await.expect("newest");
    client
        .delete_deployment(&repo, first.id)
        .await
        .expect("delete deployment");
    client
        .delete_environment(&repo, env)
        .await
        .expect("delete environment");
}

/// The operations whose request bodies the client sends: each must have been checked.
const WRITES: [&str; 7] = [
    "repos/create-or-update-environment",
    "repos/create-deployment-branch-policy",
    "actions/create-environment-variable",
    "actions/update-environment-variable",
    "actions/create-or-update-environment-secret",
    "repos/create-deployment",
    "repos/create-deployment-status",
];

#[tokio::test]
async fn every_request_the_client_sends_follows_githubs_description() {
    for mount in ["/github", "/github/api/v3"] {
        let (_sandbox, relay, client) = relayed(mount).await;
        run_every_operation(&client).await;
        let mut failures = Vec::new();
        let mut bodies = BTreeSet::new();
        let mut operations = BTreeSet::new();
        let sent = relay.sent();
        for (method, path, body) in &sent {
            let Some(op) = operation(method, path) else {
                failures.push(format!(
                    "{method} {path}: not an operation of the description"
                ));
                continue;
            };
            operations.insert(op.id.clone());
            if !body.is_null() {
                bodies.insert(op.id.clone());
            }
            if let Err(problems) = check_request(method, path, body) {
                failures.push(format!(
                    "{method} {path} ({}): {body}\n    {}",
                    op.id,
                    problems.join("\n    ")
                ));
            }
        }
        assert!(
            failures.is_empty(),
            "{mount}: {} requests do not follow GitHub's description:\n{}",
            failures.len(),
            failures.join("\n")
        );
        let expected: BTreeSet<String> = WRITES.iter().map(|id| (*id).to_owned()).collect();
        assert_eq!(
            bodies, expected,
            "{mount}: operations whose bodies were checked"
        );
        assert_eq!(
            operations.len(),
            27,
            "{mount}: operations the client called: {operations:?}"
        );
    }
}
