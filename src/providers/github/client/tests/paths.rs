//! Every operation's method, path and query, as the contract's wire section gives them, so
//! that the client and an emulator built from the same section meet.

use super::*;
use crate::providers::github::wire::{
    EnvironmentSettings, NewBranchPolicy, PolicyType, SecretsKey, Variable,
};

const REPO: &str = "/repos/octo-org/shop";
const ENV: &str = "/repos/octo-org/shop/environments/prod%2Feu";

#[tokio::test]
async fn every_operation_uses_its_documented_method_and_path() {
    let (fake, base) = start().await;
    let github = client(&base);
    let env = |id: i64| json!({"id": id, "name": "prod/eu", "protection_rules": []});
    let answers = [
        (
            format!("GET {REPO}/collaborators"),
            canned(200, json!([{"login": "octocat", "id": 1}])),
        ),
        (
            "GET /orgs/octo-org/teams".to_owned(),
            canned(200, json!([{"id": 2, "slug": "ops"}])),
        ),
        (format!("PUT {ENV}"), canned(200, env(3))),
        (format!("GET {ENV}"), canned(200, env(3))),
        (format!("DELETE {ENV}"), canned(204, json!(null))),
        (
            format!("GET {ENV}/deployment-branch-policies"),
            canned(
                200,
                json!({"total_count": 1, "branch_policies": [{"id": 4, "name": "v*", "type": "tag"}]}),
            ),
        ),
        (
            format!("POST {ENV}/deployment-branch-policies"),
            canned(200, json!({"id": 5, "name": "main", "type": "branch"})),
        ),
        (
            format!("DELETE {ENV}/deployment-branch-policies/5"),
            canned(204, json!(null)),
        ),
        (format!("POST {ENV}/variables"), canned(201, json!({}))),
        (
            format!("PATCH {ENV}/variables/API_URL"),
            canned(204, json!(null)),
        ),
        (
            format!("DELETE {ENV}/variables/API_URL"),
            canned(204, json!(null)),
        ),
        (
            format!("GET {ENV}/secrets"),
            canned(
                200,
                json!({"total_count": 1, "secrets": [{"name": "DEPLOY_KEY", "created_at": "t", "updated_at": "u"}]}),
            ),
        ),
        (
            format!("DELETE {ENV}/secrets/DEPLOY_KEY"),
            canned(204, json!(null)),
        ),
        (
            format!("GET {REPO}/deployments/7"),
            canned(
                200,
                json!({"id": 7, "sha": "s", "ref": "main", "task": "deploy", "payload": "", "environment": "prod/eu", "description": null}),
            ),
        ),
        (
            format!("DELETE {REPO}/deployments/7"),
            canned(204, json!(null)),
        ),
    ];
    for (key, answer) in answers {
        fake.script.on(&key, [answer]);
    }
    let r = repo();
    let e = "prod/eu";
    assert_eq!(
        github.collaborators(&r).await.unwrap()[0].login.as_deref(),
        Some("octocat")
    );
    assert_eq!(github.teams("octo-org").await.unwrap()[0].slug, "ops");
    let settings = EnvironmentSettings {
        wait_timer: Some(30),
        ..EnvironmentSettings::default()
    };
    assert_eq!(
        github.put_environment(&r, e, &settings).await.unwrap().id,
        3
    );
    assert_eq!(
        github.environment(&r, e).await.unwrap().map(|e| e.id),
        Some(3)
    );
    github.delete_environment(&r, e).await.unwrap();
    assert_eq!(
        github.branch_policies(&r, e).await.unwrap()[0].kind,
        PolicyType::Tag
    );
    let policy = NewBranchPolicy {
        name: "main".into(),
        kind: PolicyType::Branch,
    };
    assert_eq!(
        github
            .create_branch_policy(&r, e, &policy)
            .await
            .unwrap()
            .id,
        5
    );
    github.delete_branch_policy(&r, e, 5).await.unwrap();
    let variable = Variable {
        name: "API_URL".into(),
        value: "https://x".into(),
    };
    github.create_variable(&r, e, &variable).await.unwrap();
    github.update_variable(&r, e, &variable).await.unwrap();
    github.delete_variable(&r, e, "API_URL").await.unwrap();
    assert_eq!(github.secrets(&r, e).await.unwrap()[0].name, "DEPLOY_KEY");
    github.delete_secret(&r, e, "DEPLOY_KEY").await.unwrap();
    assert_eq!(
        github.deployment(&r, 7).await.unwrap().map(|d| d.git_ref),
        Some("main".into())
    );
    github.delete_deployment(&r, 7).await.unwrap();

    let keys = fake.seen.keys();
    assert_eq!(
        keys,
        [
            format!("GET {REPO}/collaborators"),
            "GET /orgs/octo-org/teams".to_owned(),
            format!("PUT {ENV}"),
            format!("GET {ENV}"),
            format!("DELETE {ENV}"),
            format!("GET {ENV}/deployment-branch-policies"),
            format!("POST {ENV}/deployment-branch-policies"),
            format!("DELETE {ENV}/deployment-branch-policies/5"),
            format!("POST {ENV}/variables"),
            format!("PATCH {ENV}/variables/API_URL"),
            format!("DELETE {ENV}/variables/API_URL"),
            format!("GET {ENV}/secrets"),
            format!("DELETE {ENV}/secrets/DEPLOY_KEY"),
            format!("GET {REPO}/deployments/7"),
            format!("DELETE {REPO}/deployments/7"),
        ]
    );
    let seen = fake.seen.all();
    // Lists ask for the largest page; bodies carry exactly the documented fields.
    for list in [0, 1, 5, 11] {
        assert_eq!(
            seen[list].query("per_page"),
            Some("100"),
            "{:?}",
            seen[list]
        );
    }
    assert_eq!(seen[2].json(), json!({"wait_timer": 30}));
    assert_eq!(
        seen[8].json(),
        json!({"name": "API_URL", "value": "https://x"})
    );
    assert_eq!(
        seen[9].json(),
        json!({"name": "API_URL", "value": "https://x"})
    );
    for bodiless in [0, 1, 3, 4, 7, 10, 12, 13, 14] {
        assert_eq!(seen[bodiless].body, "", "{:?}", seen[bodiless]);
    }
}

#[tokio::test]
async fn a_secret_cannot_be_written_with_a_key_that_is_not_one() {
    let (fake, base) = start().await;
    let key = SecretsKey {
        key_id: "1".into(),
        key: "bm90IGEga2V5".into(),
    };
    let err = client(&base)
        .put_secret(
            &repo(),
            "production",
            "DEPLOY_KEY",
            "value-never-sent-0001",
            &key,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, GithubError::Invalid(_)), "{err:?}");
    assert!(fake.seen.all().is_empty(), "nothing is sent");
}
