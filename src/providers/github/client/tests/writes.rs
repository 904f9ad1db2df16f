//! Writes: deployments and statuses exactly once after lost answers, secrets sealed for the
//! environment's key, variables, branch policies, deletes.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_box::SecretKey;
use crypto_box::aead::OsRng;

use super::*;
use crate::providers::github::wire::{DeploymentState, NewBranchPolicy, PolicyType, Variable};

const DEPLOYMENTS: &str = "POST /repos/octo-org/shop/deployments";

fn new_deployment() -> NewDeployment {
    let mut new = NewDeployment::new("v1.4.2", "production");
    new.payload.insert("release".into(), json!("1.4.2"));
    new
}

#[tokio::test]
async fn a_deployment_is_created_with_the_marker_and_deterministic_defaults() {
    let (fake, base) = start().await;
    let marker = RunMarker::new("run-7:web-prod").unwrap();
    let created = client(&base)
        .create_deployment(&repo(), &marker, &new_deployment())
        .await
        .unwrap();
    assert_eq!(
        (created.git_ref.as_str(), created.environment.as_str()),
        ("v1.4.2", "production")
    );
    let sent = fake.seen.all().pop().unwrap();
    assert_eq!(
        sent.json(),
        json!({"ref": "v1.4.2", "task": "deploy", "auto_merge": false, "required_contexts": [],
               "payload": {"release": "1.4.2", MARKER_KEY: "run-7:web-prod"}, "environment": "production"})
    );
}

#[tokio::test]
async fn a_deployment_whose_answer_was_lost_is_adopted_not_created_twice() {
    for lost in [
        canned(201, json!({"id": 0})).processed_then_cut(),
        canned(502, json!({"message": "Bad Gateway"})).processed(),
        canned(504, json!({})).processed(),
    ] {
        let (fake, base) = start().await;
        // Another run's record to the same environment is not mistaken for this one.
        fake.deployments.lock().unwrap().push(json!({"id": 900, "environment": "production", "task": "deploy", "payload": {MARKER_KEY: "run-6:web-prod"}}));
        fake.script.on(DEPLOYMENTS, [lost]);
        let marker = RunMarker::new("run-7:web-prod").unwrap();
        let adopted = client(&base)
            .create_deployment(&repo(), &marker, &new_deployment())
            .await
            .unwrap();
        assert_eq!(marker_of(&adopted).as_deref(), Some("run-7:web-prod"));
        assert_eq!(fake.deployments().len(), 2, "one record for this run");
        assert_eq!(fake.seen.hits(DEPLOYMENTS), 1);
        let probe = fake
            .seen
            .all()
            .into_iter()
            .find(|s| s.method == "GET")
            .unwrap();
        assert_eq!(
            (probe.query("environment"), probe.query("task")),
            (Some("production"), Some("deploy"))
        );
    }
}

#[tokio::test]
async fn a_lost_deployment_filed_under_another_spelling_of_its_environment_is_found() {
    let (fake, base) = start().await;
    *fake.environment_spelling.lock().unwrap() = Some("Production".into());
    fake.script
        .on(DEPLOYMENTS, [canned(502, json!({})).processed()]);
    let marker = RunMarker::new("run-9:web-prod").unwrap();
    let adopted = client(&base)
        .create_deployment(&repo(), &marker, &new_deployment())
        .await
        .unwrap();
    assert_eq!(
        (adopted.environment.as_str(), fake.deployments().len()),
        ("Production", 1)
    );
    let probes: Vec<Seen> = fake
        .seen
        .all()
        .into_iter()
        .filter(|s| s.method == "GET")
        .collect();
    assert_eq!(probes.len(), 2);
    assert_eq!(
        (
            probes[0].query("environment"),
            probes[1].query("environment")
        ),
        (Some("production"), None)
    );
    assert_eq!(probes[1].query("task"), Some("deploy"));
    assert_eq!(fake.seen.hits(DEPLOYMENTS), 1);
}

#[tokio::test]
async fn a_deployment_lost_before_it_was_made_is_sent_again_once() {
    let (fake, base) = start().await;
    fake.script.on(
        DEPLOYMENTS,
        [canned(502, json!({"message": "Bad Gateway"}))],
    );
    let marker = RunMarker::new("run-8:web-prod").unwrap();
    let created = client(&base)
        .create_deployment(&repo(), &marker, &new_deployment())
        .await
        .unwrap();
    assert_eq!(marker_of(&created).as_deref(), Some("run-8:web-prod"));
    assert_eq!(fake.deployments().len(), 1);
    assert_eq!(fake.seen.hits(DEPLOYMENTS), 2);
    // Refusals are final and not settled by re-reading.
    fake.script.on(
        DEPLOYMENTS,
        [canned(
            409,
            json!({"message": "Conflict: Commit status checks failed for main."}),
        )],
    );
    let err = client(&base)
        .create_deployment(&repo(), &marker, &new_deployment())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(fake.deployments().len(), 1);
    fake.script.on(
        DEPLOYMENTS,
        [canned(
            202,
            json!({"message": "Auto-merged master into topic-branch on deployment."}),
        )],
    );
    let err = client(&base)
        .create_deployment(&repo(), &marker, &new_deployment())
        .await
        .unwrap_err();
    assert!(err.hint().unwrap().contains("auto_merge"), "{err}");
}

#[tokio::test]
async fn a_status_whose_answer_was_lost_is_adopted_not_posted_twice() {
    let (fake, base) = start().await;
    let github = client(&base);
    let key = "POST /repos/octo-org/shop/deployments/41/statuses";
    let mut status = NewStatus::new(DeploymentState::Success);
    status.environment_url = Some("https://shop.example.com".into());
    status.description = Some("d".repeat(200));
    status.log_url = Some("https://ci.example.com/run/7".into());
    fake.script
        .on(key, [canned(201, json!({"id": 0})).processed_then_cut()]);
    let adopted = github.create_status(&repo(), 41, &status).await.unwrap();
    assert_eq!(adopted.state, DeploymentState::Success);
    assert_eq!(fake.statuses(41).len(), 1);
    assert_eq!(fake.seen.hits(key), 1);
    let sent = fake.statuses(41)[0].clone();
    assert_eq!(sent["description"].as_str().unwrap().chars().count(), 140);

    // The newest status is another state: the lost post did not happen, so it goes again.
    fake.script.on(key, [canned(503, json!({}))]);
    let failure = NewStatus::new(DeploymentState::Failure);
    github.create_status(&repo(), 41, &failure).await.unwrap();
    let states: Vec<Value> = fake
        .statuses(41)
        .iter()
        .map(|s| s["state"].clone())
        .collect();
    assert_eq!(states, [json!("success"), json!("failure")]);
    assert_eq!(fake.seen.hits(key), 3);
    let probes: Vec<Seen> = fake
        .seen
        .all()
        .into_iter()
        .filter(|s| s.method == "GET")
        .collect();
    assert!(
        probes.iter().all(|p| p.query("per_page") == Some("1")),
        "the probe reads the newest status only"
    );
    assert_eq!(
        github
            .newest_status(&repo(), 41)
            .await
            .unwrap()
            .map(|s| s.state),
        Some(DeploymentState::Failure)
    );
}

#[tokio::test]
async fn secrets_are_sealed_for_the_environment_key_and_never_sent_in_clear() {
    let (fake, base) = start().await;
    let secret_key = SecretKey::generate(&mut OsRng);
    let public = STANDARD.encode(secret_key.public_key().as_bytes());
    let env = "/repos/octo-org/shop/environments/prod%2Feu";
    fake.script.on(
        &format!("GET {env}/secrets/public-key"),
        [canned(
            200,
            json!({"key_id": "568250167242549743", "key": public}),
        )],
    );
    fake.script.on(
        &format!("PUT {env}/secrets/DEPLOY_KEY"),
        [canned(201, json!(null)), canned(204, json!(null))],
    );
    let github = client(&base);
    let key = github.secrets_key(&repo(), "prod/eu").await.unwrap();
    let value = "s3cr3t-deploy-key-value-0001";
    let first = github
        .put_secret(&repo(), "prod/eu", "DEPLOY_KEY", value, &key)
        .await
        .unwrap();
    let second = github
        .put_secret(&repo(), "prod/eu", "DEPLOY_KEY", value, &key)
        .await
        .unwrap();
    assert_eq!(
        (first, second),
        (SecretWrite::Created, SecretWrite::Updated)
    );
    for put in fake.seen.all().into_iter().filter(|s| s.method == "PUT") {
        assert!(!put.body.contains(value));
        let body = put.json();
        assert_eq!(body["key_id"], "568250167242549743");
        let sealed = STANDARD
            .decode(body["encrypted_value"].as_str().unwrap())
            .unwrap();
        assert_eq!(secret_key.unseal(&sealed).unwrap(), value.as_bytes());
        assert_eq!(body.as_object().unwrap().len(), 2);
    }
    // The value was registered as a secret: no output can show it.
    assert!(!crate::redact::redact(&format!("x {value} y")).contains(value));
}

#[tokio::test]
async fn variables_are_created_once_and_updated_and_deleted_idempotently() {
    let (fake, base) = start().await;
    let env = "/repos/octo-org/shop/environments/production";
    let variable = Variable {
        name: "API_URL".into(),
        value: "https://shop.example.com".into(),
    };
    // The create's answer is lost, but the variable exists with the value: adopted.
    fake.script.on(
        &format!("POST {env}/variables"),
        [canned(201, json!({})).processed_then_cut()],
    );
    fake.script.on(&format!("GET {env}/variables"), [canned(200, json!({"total_count": 1, "variables": [{"name": "API_URL", "value": "https://shop.example.com"}]}))]);
    let github = client(&base);
    github
        .create_variable(&repo(), "production", &variable)
        .await
        .unwrap();
    assert_eq!(fake.seen.hits(&format!("POST {env}/variables")), 1);
    // Update and delete are repeated through a 5xx; a delete whose first answer was lost
    // finds the variable gone, which is what it wanted.
    fake.script.on(
        &format!("PATCH {env}/variables/API_URL"),
        [canned(502, json!({})), canned(204, json!(null))],
    );
    github
        .update_variable(&repo(), "production", &variable)
        .await
        .unwrap();
    assert_eq!(
        fake.seen.all().last().unwrap().json(),
        json!({"name": "API_URL", "value": "https://shop.example.com"})
    );
    fake.script.on(
        &format!("DELETE {env}/variables/API_URL"),
        [
            canned(503, json!({})),
            canned(404, json!({"message": "Not Found"})),
        ],
    );
    github
        .delete_variable(&repo(), "production", "API_URL")
        .await
        .unwrap();
    // A plain 404 on a first delete is an error (it may be a repository the token cannot see).
    let err = github
        .delete_variable(&repo(), "production", "API_URL")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn a_duplicate_branch_policy_answer_finds_the_existing_policy() {
    let (fake, base) = start().await;
    let path = "/repos/octo-org/shop/environments/production/deployment-branch-policies";
    fake.script.on(
        &format!("POST {path}"),
        [
            canned(
                200,
                json!({"id": 361_471, "node_id": "N", "name": "release/*", "type": "branch"}),
            ),
            canned(303, json!(null)),
        ],
    );
    fake.script.on(&format!("GET {path}"), [canned(200, json!({"total_count": 2, "branch_policies": [
        {"id": 1, "name": "release/*", "type": "tag"}, {"id": 361_471, "name": "release/*", "type": "branch"}]}))]);
    let github = client(&base);
    let policy = NewBranchPolicy {
        name: "release/*".into(),
        kind: PolicyType::Branch,
    };
    let created = github
        .create_branch_policy(&repo(), "production", &policy)
        .await
        .unwrap();
    let again = github
        .create_branch_policy(&repo(), "production", &policy)
        .await
        .unwrap();
    assert_eq!((created.id, again.id), (361_471, 361_471));
    assert_eq!(
        fake.seen.all()[0].json(),
        json!({"name": "release/*", "type": "branch"})
    );
    fake.script
        .on(&format!("DELETE {path}/361471"), [canned(204, json!(null))]);
    github
        .delete_branch_policy(&repo(), "production", 361_471)
        .await
        .unwrap();
}
