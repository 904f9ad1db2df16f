//! The paths an Enterprise Server's release calls for: 3.8 and 3.9 have environment
//! variables and secrets only by repository id, and branch policies without `type`.

use super::*;
use crate::providers::github::wire::{NewBranchPolicy, PolicyType, Variable};

const REPO: &str = "/repos/octo-org/shop";
const ENV: &str = "/repos/octo-org/shop/environments/prod%2Feu";
const BY_ID: &str = "/repositories/501/environments/prod%2Feu";

fn environment() -> Canned {
    canned(
        200,
        json!({"id": 3, "name": "prod/eu", "protection_rules": []}),
    )
}

fn secrets() -> Canned {
    canned(200, json!({"total_count": 0, "secrets": []}))
}

async fn enterprise(release: &str) -> (Arc<Fake>, GithubClient) {
    let (fake, base) = start().await;
    *fake.enterprise.lock().unwrap() = Some(release.to_owned());
    (fake, client(&base))
}

#[tokio::test]
async fn enterprise_3_8_reads_variables_and_secrets_by_repository_id_looked_up_once() {
    let (fake, github) = enterprise("3.8.0").await;
    let r = repo();
    fake.script.on(&format!("GET {ENV}"), [environment()]);
    fake.script.on(
        &format!("GET {REPO}"),
        [canned(
            200,
            json!({"id": 501, "full_name": "octo-org/shop"}),
        )],
    );
    fake.script
        .on(&format!("GET {BY_ID}/secrets"), [secrets(), secrets()]);
    fake.script.on(
        &format!("GET {BY_ID}/variables"),
        [canned(
            200,
            json!({"total_count": 1, "variables": [{"name": "A", "value": "1"}]}),
        )],
    );
    fake.script.on(
        &format!("PATCH {BY_ID}/variables/A"),
        [canned(204, json!(null))],
    );
    github.environment(&r, "prod/eu").await.unwrap();
    assert_eq!(github.enterprise_version(), Some((3, 8)));
    assert!(github.secrets(&r, "prod/eu").await.unwrap().is_empty());
    assert!(github.secrets(&r, "prod/eu").await.unwrap().is_empty());
    assert_eq!(github.variables(&r, "prod/eu").await.unwrap()[0].name, "A");
    let variable = Variable {
        name: "A".into(),
        value: "2".into(),
    };
    github
        .update_variable(&r, "prod/eu", &variable)
        .await
        .unwrap();
    assert_eq!(
        fake.seen.hits(&format!("GET {REPO}")),
        1,
        "{:?}",
        fake.seen.keys()
    );
    assert!(
        fake.seen
            .keys()
            .iter()
            .all(|key| !key.starts_with(&format!("GET {ENV}/"))),
        "{:?}",
        fake.seen.keys()
    );
}

#[tokio::test]
async fn a_repository_already_read_gives_its_id_without_another_request() {
    let (fake, github) = enterprise("3.9.4").await;
    let r = repo();
    fake.script.on(
        &format!("GET {REPO}"),
        [canned(
            200,
            json!({"id": 501, "full_name": "octo-org/shop"}),
        )],
    );
    fake.script.on(&format!("GET {BY_ID}/secrets"), [secrets()]);
    github.repository(&r).await.unwrap();
    github.secrets(&r, "prod/eu").await.unwrap();
    assert_eq!(
        fake.seen.keys(),
        [format!("GET {REPO}"), format!("GET {BY_ID}/secrets")]
    );
}

#[tokio::test]
async fn enterprise_3_8_branch_policies_are_created_without_type() {
    let (fake, github) = enterprise("3.8.0").await;
    let r = repo();
    fake.script.on(&format!("GET {ENV}"), [environment()]);
    fake.script.on(
        &format!("POST {ENV}/deployment-branch-policies"),
        [canned(200, json!({"id": 5, "name": "main"}))],
    );
    github.environment(&r, "prod/eu").await.unwrap();
    let policy = NewBranchPolicy {
        name: "main".into(),
        kind: PolicyType::Branch,
    };
    let created = github
        .create_branch_policy(&r, "prod/eu", &policy)
        .await
        .unwrap();
    assert_eq!(created.kind, PolicyType::Branch);
    let sent = fake.seen.all().last().unwrap().json();
    assert_eq!(sent, json!({"name": "main"}));
}

#[tokio::test]
async fn newer_servers_and_github_com_keep_the_owner_paths_and_send_no_lookup() {
    for release in [Some("3.10.0"), Some("3.14.1"), None] {
        let (fake, base) = start().await;
        *fake.enterprise.lock().unwrap() = release.map(str::to_owned);
        let github = client(&base);
        let r = repo();
        fake.script.on(&format!("GET {ENV}"), [environment()]);
        fake.script.on(&format!("GET {ENV}/secrets"), [secrets()]);
        fake.script.on(
            &format!("POST {ENV}/deployment-branch-policies"),
            [canned(
                200,
                json!({"id": 5, "name": "main", "type": "branch"}),
            )],
        );
        github.environment(&r, "prod/eu").await.unwrap();
        github.secrets(&r, "prod/eu").await.unwrap();
        let policy = NewBranchPolicy {
            name: "main".into(),
            kind: PolicyType::Branch,
        };
        github
            .create_branch_policy(&r, "prod/eu", &policy)
            .await
            .unwrap();
        assert_eq!(fake.seen.all().last().unwrap().json()["type"], "branch");
        assert_eq!(
            fake.seen.hits(&format!("GET {REPO}")),
            0,
            "{release:?}: {:?}",
            fake.seen.keys()
        );
        assert_eq!(
            fake.seen.keys().len(),
            3,
            "{release:?}: {:?}",
            fake.seen.keys()
        );
    }
}

#[tokio::test]
async fn a_missing_environment_on_github_com_is_one_404_and_nothing_more() {
    let (fake, base) = start().await;
    let github = client(&base);
    let error = github.secrets(&repo(), "prod/eu").await.unwrap_err();
    assert!(error.to_string().contains("prod/eu"), "{error}");
    assert_eq!(fake.seen.keys(), [format!("GET {ENV}/secrets")]);
}

#[tokio::test]
async fn a_first_read_by_owner_is_read_again_by_id_when_its_404_names_an_old_release() {
    let (fake, github) = enterprise("3.8.0").await;
    fake.script.on(
        &format!("GET {REPO}"),
        [canned(
            200,
            json!({"id": 501, "full_name": "octo-org/shop"}),
        )],
    );
    fake.script.on(&format!("GET {BY_ID}/secrets"), [secrets()]);
    assert!(github.secrets(&repo(), "prod/eu").await.unwrap().is_empty());
    assert_eq!(
        fake.seen.keys(),
        [
            format!("GET {ENV}/secrets"),
            format!("GET {REPO}"),
            format!("GET {BY_ID}/secrets")
        ]
    );
}

#[tokio::test]
async fn a_missing_environment_on_an_old_release_is_reported_after_its_read_by_id() {
    let (fake, github) = enterprise("3.8.0").await;
    fake.script.on(
        &format!("GET {REPO}"),
        [canned(
            200,
            json!({"id": 501, "full_name": "octo-org/shop"}),
        )],
    );
    let error = github.variables(&repo(), "prod/eu").await.unwrap_err();
    assert!(error.is_not_found(), "{error}");
    assert_eq!(fake.seen.keys().len(), 3, "{:?}", fake.seen.keys());
}
