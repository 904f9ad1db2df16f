//! Deployment statuses: validation, URLs, newest-first lists and `auto_inactive`.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::testkit::{Gh, GithubReply, TestClient, sandbox};

async fn states(gh: &Gh, id: &Value) -> Vec<String> {
    let list = gh
        .get(&format!("/repos/octo-org/shop/deployments/{id}/statuses"))
        .await
        .expect(200);
    list.as_array()
        .unwrap()
        .iter()
        .map(|status| status["state"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn statuses_are_validated_and_listed_newest_first() {
    let (_sandbox, gh) = sandbox().await;
    let run = gh.deploy("octo-org/shop", "staging", "main").await;
    let path = format!("/repos/octo-org/shop/deployments/{}/statuses", run["id"]);
    for state in [
        "error",
        "failure",
        "inactive",
        "in_progress",
        "queued",
        "pending",
        "success",
    ] {
        gh.post(&path, json!({"state": state})).await.expect(201);
    }
    for bad in ["done", "SUCCESS", ""] {
        gh.post(&path, json!({"state": bad}))
            .await
            .error(422, "Validation Failed");
    }
    gh.post(&path, json!({}))
        .await
        .error(422, "\"state\" wasn't supplied");
    gh.post(
        &path,
        json!({"state": "success", "description": "x".repeat(141)}),
    )
    .await
    .error(422, "Validation Failed");
    gh.post(
        &path,
        json!({"state": "success", "description": "é".repeat(140)}),
    )
    .await
    .expect(201);
    assert_eq!(
        states(&gh, &run["id"]).await[..3],
        ["success", "success", "pending"]
    );
    gh.post(
        "/repos/octo-org/shop/deployments/999/statuses",
        json!({"state": "success"}),
    )
    .await
    .error(404, "Not Found");
    gh.get("/repos/octo-org/shop/deployments/999/statuses")
        .await
        .error(404, "Not Found");
}

#[tokio::test]
async fn log_url_sets_target_url_and_environment_repoints_the_deployment() {
    let (_sandbox, gh) = sandbox().await;
    let run = gh.deploy("octo-org/shop", "staging", "main").await;
    let path = format!("/repos/octo-org/shop/deployments/{}/statuses", run["id"]);
    let reply = gh
        .post(
            &path,
            json!({"state": "in_progress", "log_url": "https://ci/log/1"}),
        )
        .await;
    let location = reply.header("location").unwrap().to_owned();
    let status = reply.expect(201);
    assert_eq!(status["target_url"], "https://ci/log/1");
    assert_eq!(status["log_url"], "https://ci/log/1");
    assert_eq!(status["environment"], "staging");
    assert_eq!(status["environment_url"], "");
    assert_eq!(status["creator"]["login"], "sandbox-demo");
    assert_eq!(status["deployment_url"], run["url"]);
    assert_eq!(location, status["url"].as_str().unwrap());
    assert_eq!(gh.get(&location).await.expect(200), status);
    let legacy = gh
        .post(
            &path,
            json!({"state": "queued", "target_url": "https://ci/old"}),
        )
        .await
        .expect(201);
    assert_eq!(legacy["log_url"], "https://ci/old");
    let moved = gh.post(&path, json!({"state": "success", "environment": "qa", "environment_url": "https://qa.example"})).await.expect(201);
    assert_eq!(
        (
            moved["environment"].as_str(),
            moved["environment_url"].as_str()
        ),
        (Some("qa"), Some("https://qa.example"))
    );
    let run = gh
        .get(&format!("/repos/octo-org/shop/deployments/{}", run["id"]))
        .await
        .expect(200);
    assert_eq!(run["environment"], "qa");
    assert_eq!(run["original_environment"], "staging");
    gh.get("/repos/octo-org/shop/environments/qa")
        .await
        .expect(200);
}

#[tokio::test]
async fn a_success_marks_earlier_successful_permanent_non_production_deployments_inactive() {
    let (_sandbox, gh) = sandbox().await;
    let repo = "octo-org/shop";
    let old = gh.deploy(repo, "staging", "main").await;
    gh.status(repo, &old["id"], json!({"state": "success"}))
        .await;
    let failed = gh.deploy(repo, "staging", "main").await;
    gh.status(repo, &failed["id"], json!({"state": "failure"}))
        .await;
    let body = json!({"ref": "main", "environment": "staging", "transient_environment": true, "auto_merge": false, "required_contexts": []});
    let transient = gh
        .post(&format!("/repos/{repo}/deployments"), body)
        .await
        .expect(201);
    gh.status(repo, &transient["id"], json!({"state": "success"}))
        .await;
    let other_env = gh.deploy(repo, "qa", "main").await;
    gh.status(repo, &other_env["id"], json!({"state": "success"}))
        .await;
    let prod = gh.deploy(repo, "production", "main").await;
    gh.status(repo, &prod["id"], json!({"state": "success"}))
        .await;

    let new = gh.deploy(repo, "Staging", "main").await;
    gh.status(repo, &new["id"], json!({"state": "success"}))
        .await;
    assert_eq!(states(&gh, &old["id"]).await, ["inactive", "success"]);
    assert_eq!(states(&gh, &failed["id"]).await, ["failure"]);
    assert_eq!(states(&gh, &transient["id"]).await, ["success"]);
    assert_eq!(states(&gh, &other_env["id"]).await, ["success"]);
    assert_eq!(states(&gh, &new["id"]).await, ["success"]);

    // Production deployments are never deactivated; auto_inactive: false spares the rest.
    let prod2 = gh.deploy(repo, "production", "main").await;
    gh.status(repo, &prod2["id"], json!({"state": "success"}))
        .await;
    assert_eq!(states(&gh, &prod["id"]).await, ["success"]);
    let newer = gh.deploy(repo, "staging", "main").await;
    gh.status(
        repo,
        &newer["id"],
        json!({"state": "success", "auto_inactive": false}),
    )
    .await;
    assert_eq!(states(&gh, &new["id"]).await, ["success"]);
    let admin = gh
        .admin(Method::GET, "/repos/octo-org/shop/deployments", None)
        .await
        .expect(200);
    assert_eq!(admin["deployments"][0]["state"], "inactive");
}
