//! Enterprise Server 3.8 mode: the `/api/v3` mount answers as 3.8 does, github.com's does not
//! change.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{GithubReply, TestClient, sandbox};

const ENV: &str = "/repos/octo-org/shop/environments/production";
const BY_ID: &str = "/repositories/501/environments/production";

#[tokio::test]
async fn enterprise_3_8_mode_answers_as_that_release() {
    let (_sandbox, gh) = sandbox().await;
    let set = gh
        .admin(
            Method::PUT,
            "/server",
            Some(json!({"enterprise_version": "3.8.0"})),
        )
        .await
        .expect(200);
    assert_eq!(set["enterprise_version"], "3.8.0");
    let versioned = gh.enterprise();
    let ghes = super::super::testkit::Gh {
        api_version: false,
        ..versioned.clone()
    };
    // The version header is refused, with a message naming it.
    let refused = versioned.get("/repos/octo-org/shop").await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("Version"),
        "{}",
        refused.body
    );
    let repo = ghes.get("/repos/octo-org/shop").await;
    assert_eq!(repo.header("x-github-enterprise-version"), Some("3.8.0"));
    assert_eq!(repo.expect(200)["id"], 501);
    // No prevent_self_review in the environment body.
    let refused = ghes.put(ENV, json!({"prevent_self_review": true})).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    ghes.put(ENV, json!({"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}})).await.expect(200);
    // Branch policies have no type.
    ghes.post(
        &format!("{ENV}/deployment-branch-policies"),
        json!({"name": "main", "type": "branch"}),
    )
    .await
    .error(422, "\"type\" is not a permitted key.");
    let policy = ghes
        .post(
            &format!("{ENV}/deployment-branch-policies"),
            json!({"name": "main"}),
        )
        .await
        .expect(200);
    assert!(policy.get("type").is_none(), "{policy}");
    let list = ghes
        .get(&format!("{ENV}/deployment-branch-policies"))
        .await
        .expect(200);
    assert!(list["branch_policies"][0].get("type").is_none(), "{list}");
    // Variables and secrets only by repository id.
    for path in [
        "/variables",
        "/secrets",
        "/secrets/public-key",
        "/variables/API_URL",
    ] {
        let missing = ghes.get(&format!("{ENV}{path}")).await;
        assert_eq!(missing.status, 404, "{path}: {}", missing.body);
        assert_eq!(missing.header("x-github-enterprise-version"), Some("3.8.0"));
    }
    ghes.post(
        &format!("{BY_ID}/variables"),
        json!({"name": "API_URL", "value": "https://x"}),
    )
    .await
    .expect(201);
    let (key_id, sealed) = ghes.seal(BY_ID, "s3cr3t").await;
    ghes.put(
        &format!("{BY_ID}/secrets/TOKEN"),
        json!({"encrypted_value": sealed, "key_id": key_id}),
    )
    .await
    .expect(201);
    assert_eq!(
        ghes.get(&format!("{BY_ID}/secrets")).await.expect(200)["total_count"],
        1
    );
    // The github.com mount is unchanged: no header, versions, owner paths and types.
    let public = gh.get(&format!("{ENV}/variables")).await;
    assert_eq!(public.header("x-github-enterprise-version"), None);
    assert_eq!(public.expect(200)["variables"][0]["name"], "API_URL");
    let list = gh
        .get(&format!("{ENV}/deployment-branch-policies"))
        .await
        .expect(200);
    assert_eq!(list["branch_policies"][0]["type"], "branch");
    // Back to the current API.
    gh.admin(
        Method::PUT,
        "/server",
        Some(json!({"enterprise_version": null})),
    )
    .await
    .expect(200);
    let again = versioned.get(&format!("{ENV}/variables")).await;
    assert_eq!(again.header("x-github-enterprise-version"), None);
    again.expect(200);
}

#[tokio::test]
async fn only_emulated_releases_are_accepted() {
    let (_sandbox, gh) = sandbox().await;
    gh.admin(
        Method::PUT,
        "/server",
        Some(json!({"enterprise_version": "3.14.0"})),
    )
    .await
    .expect(400);
    assert_eq!(
        gh.admin(Method::GET, "/server", None).await.expect(200)["enterprise_version"],
        json!(null)
    );
}
