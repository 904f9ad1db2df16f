//! Creating, listing and deleting deployments.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::seed;
use super::super::testkit::{GithubReply, TestClient, sandbox};

const DEPLOYMENTS: &str = "/repos/octo-org/shop/deployments";

#[tokio::test]
async fn create_applies_the_documented_defaults_and_creates_the_environment() {
    let (_sandbox, gh) = sandbox().await;
    let run = gh
        .post(DEPLOYMENTS, json!({"ref": "main"}))
        .await
        .expect(201);
    assert_eq!(run["sha"], seed::sha("octo-org/shop", "c4"));
    assert_eq!(run["ref"], "main");
    assert_eq!(run["task"], "deploy");
    assert_eq!(run["environment"], "production");
    assert_eq!(run["original_environment"], "production");
    assert_eq!(run["production_environment"], true);
    assert_eq!(run["transient_environment"], false);
    assert_eq!(run["payload"], json!({}));
    assert_eq!(run["description"], "");
    assert_eq!(run["creator"]["login"], "sandbox-demo");
    assert_eq!(run["node_id"], "MDEwOkRlcGxveW1lbnQx");
    assert_eq!(
        run["statuses_url"],
        format!("{}{DEPLOYMENTS}/1/statuses", gh.base)
    );
    gh.get("/repos/octo-org/shop/environments/production")
        .await
        .expect(200);

    let body = json!({"ref": "v1.0.0", "environment": "Review-42", "task": "deploy:migrations", "payload": "{\"run\": 7}", "description": null, "transient_environment": true});
    let run = gh.post(DEPLOYMENTS, body).await.expect(201);
    assert_eq!(run["production_environment"], false);
    assert_eq!(run["payload"], json!({"run": 7}));
    assert_eq!(run["description"], Value::Null);
    assert_eq!(run["sha"], seed::sha("octo-org/shop", "c2"));
    let env = gh
        .get("/repos/octo-org/shop/environments/review-42")
        .await
        .expect(200);
    assert_eq!(env["name"], "Review-42");
    let short = &seed::sha("octo-org/shop", "c3")[..7];
    let run = gh
        .post(
            DEPLOYMENTS,
            json!({"ref": short, "environment": "production", "production_environment": false}),
        )
        .await
        .expect(201);
    assert_eq!(run["production_environment"], false);
    gh.post(DEPLOYMENTS, json!({"ref": "nope"}))
        .await
        .error(422, "No ref found for: nope");
    gh.post(DEPLOYMENTS, json!({}))
        .await
        .error(422, "\"ref\" wasn't supplied");
    gh.post(DEPLOYMENTS, json!({"ref": "main", "payload": 5}))
        .await
        .error(422, "Invalid request");
    gh.post("/repos/octo-org/none/deployments", json!({"ref": "main"}))
        .await
        .error(404, "Not Found");
}

#[tokio::test]
async fn auto_merge_merges_a_branch_behind_the_default_branch_instead() {
    let (_sandbox, gh) = sandbox().await;
    let before = gh
        .get("/repos/octo-org/shop/commits/topic-branch")
        .await
        .expect(200);
    let reply = gh
        .post(
            DEPLOYMENTS,
            json!({"ref": "topic-branch", "environment": "staging"}),
        )
        .await;
    assert_eq!(
        reply.expect(202),
        json!({"message": "Auto-merged main into topic-branch on deployment."})
    );
    let merged = gh
        .get("/repos/octo-org/shop/commits/topic-branch")
        .await
        .expect(200);
    assert_ne!(merged["sha"], before["sha"]);
    let admin = gh
        .admin(Method::GET, "/repos/octo-org/shop/deployments", None)
        .await
        .expect(200);
    assert_eq!(admin["count"], 0, "a merge creates no deployment");
    // Now up to date: the merge commit has no contexts, so the default checks pass.
    let run = gh
        .post(
            DEPLOYMENTS,
            json!({"ref": "topic-branch", "environment": "staging"}),
        )
        .await
        .expect(201);
    assert_eq!(run["sha"], merged["sha"]);
    gh.post(DEPLOYMENTS, json!({"ref": "conflicting"}))
        .await
        .error(409, "Conflict merging main into conflicting.");
    // Without auto-merge a branch behind deploys as it is; a tag or SHA never merges.
    gh.post(
        DEPLOYMENTS,
        json!({"ref": "conflicting", "auto_merge": false}),
    )
    .await
    .expect(201);
    gh.post(DEPLOYMENTS, json!({"ref": "v1.0.0"}))
        .await
        .expect(201);
}

#[tokio::test]
async fn required_contexts_default_to_every_context_of_the_commit() {
    let (_sandbox, gh) = sandbox().await;
    let reply = gh.post(DEPLOYMENTS, json!({"ref": "failing-checks"})).await;
    reply.error(
        409,
        "Conflict: Commit status checks failed for failing-checks.",
    );
    let contexts = &reply.body["errors"][0]["contexts"];
    assert!(
        contexts
            .as_array()
            .unwrap()
            .contains(&json!({"context": "ci/build", "state": "failure"})),
        "{contexts}"
    );
    assert_eq!(reply.body["errors"][0]["field"], "required_contexts");
    gh.post(
        DEPLOYMENTS,
        json!({"ref": "failing-checks", "required_contexts": ["ci/build"]}),
    )
    .await
    .error(409, "status checks failed");
    gh.post(
        DEPLOYMENTS,
        json!({"ref": "main", "required_contexts": ["ci/never-reported"]}),
    )
    .await
    .error(409, "status checks failed");
    gh.post(
        DEPLOYMENTS,
        json!({"ref": "failing-checks", "required_contexts": ["ci/lint"]}),
    )
    .await
    .expect(201);
    gh.post(
        DEPLOYMENTS,
        json!({"ref": "failing-checks", "required_contexts": []}),
    )
    .await
    .expect(201);
    // A context turned to failure by the admin API blocks the default branch too.
    gh.admin(
        Method::PUT,
        "/repos/octo-org/shop/contexts/main",
        Some(json!({"context": "ci/build", "state": "pending"})),
    )
    .await
    .expect(200);
    gh.post(DEPLOYMENTS, json!({"ref": "main"}))
        .await
        .error(409, "status checks failed");
}

#[tokio::test]
async fn branch_policies_decide_which_refs_may_deploy() {
    let (_sandbox, gh) = sandbox().await;
    let env = "/repos/octo-org/shop/environments/production";
    gh.put(env, json!({"deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false}})).await.expect(200);
    gh.deploy("octo-org/shop", "production", "main").await;
    for denied in ["develop", "v1.0.0", &seed::sha("octo-org/shop", "c4")] {
        let body = json!({"ref": denied, "environment": "production", "auto_merge": false, "required_contexts": []});
        gh.post(DEPLOYMENTS, body)
            .await
            .error(422, "due to environment protection rules");
    }
    gh.put(env, json!({"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}})).await.expect(200);
    let policies = format!("{env}/deployment-branch-policies");
    gh.post(&policies, json!({"name": "release/*"}))
        .await
        .expect(200);
    gh.post(&policies, json!({"name": "v1.*", "type": "tag"}))
        .await
        .expect(200);
    gh.deploy("octo-org/shop", "Production", "release/1.0")
        .await;
    gh.deploy("octo-org/shop", "production", "v1.1.0").await;
    let body = json!({"ref": "main", "environment": "production", "auto_merge": false, "required_contexts": []});
    gh.post(DEPLOYMENTS, body).await.error(
        422,
        "Branch \"main\" is not allowed to deploy to production",
    );
}

#[tokio::test]
async fn lists_are_newest_first_and_filtered() {
    let (_sandbox, gh) = sandbox().await;
    let a = gh.deploy("octo-org/shop", "staging", "main").await;
    let b = gh.deploy("octo-org/shop", "production", "v1.0.0").await;
    let body = json!({"ref": "main", "environment": "staging", "task": "migrate", "auto_merge": false, "required_contexts": []});
    let c = gh.post(DEPLOYMENTS, body).await.expect(201);
    gh.deploy("octo-org/web", "staging", "main").await;
    let ids = |list: Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|run| run["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let id = |run: &Value| run["id"].as_i64().unwrap();
    assert_eq!(
        ids(gh.get(DEPLOYMENTS).await.expect(200)),
        [id(&c), id(&b), id(&a)]
    );
    assert_eq!(
        ids(gh
            .get(&format!("{DEPLOYMENTS}?environment=STAGING"))
            .await
            .expect(200)),
        [id(&c), id(&a)]
    );
    assert_eq!(
        ids(gh
            .get(&format!("{DEPLOYMENTS}?environment=staging&task=deploy"))
            .await
            .expect(200)),
        [id(&a)]
    );
    assert_eq!(
        ids(gh
            .get(&format!("{DEPLOYMENTS}?ref=v1.0.0"))
            .await
            .expect(200)),
        [id(&b)]
    );
    let sha = a["sha"].as_str().unwrap();
    assert_eq!(
        ids(gh
            .get(&format!("{DEPLOYMENTS}?sha={sha}"))
            .await
            .expect(200)),
        [id(&c), id(&a)]
    );
    assert_eq!(
        ids(gh
            .get(&format!("{DEPLOYMENTS}?environment="))
            .await
            .expect(200))
        .len(),
        3
    );
    let got = gh
        .get(&format!("{DEPLOYMENTS}/{}", id(&b)))
        .await
        .expect(200);
    assert_eq!(got, b);
    gh.get(&format!("{DEPLOYMENTS}/999"))
        .await
        .error(404, "Not Found");
    gh.get(&format!("/repos/octo-org/web/deployments/{}", id(&b)))
        .await
        .error(404, "Not Found");
}

#[tokio::test]
async fn only_inactive_deployments_may_be_deleted_unless_alone() {
    let (_sandbox, gh) = sandbox().await;
    let only = gh.deploy("octo-org/web", "staging", "main").await;
    gh.status("octo-org/web", &only["id"], json!({"state": "success"}))
        .await;
    gh.delete(&format!("/repos/octo-org/web/deployments/{}", only["id"]))
        .await
        .expect(204);

    let first = gh.deploy("octo-org/shop", "staging", "main").await;
    let second = gh.deploy("octo-org/shop", "staging", "main").await;
    let path = |run: &Value| format!("{DEPLOYMENTS}/{}", run["id"]);
    gh.delete(&path(&first))
        .await
        .error(422, "cannot delete an active deployment");
    gh.status("octo-org/shop", &first["id"], json!({"state": "failure"}))
        .await;
    gh.delete(&path(&first))
        .await
        .error(422, "cannot delete an active deployment");
    gh.status("octo-org/shop", &first["id"], json!({"state": "inactive"}))
        .await;
    gh.delete(&path(&first)).await.expect(204);
    gh.delete(&path(&first)).await.error(404, "Not Found");
    // Alone again: deletable whatever its state.
    gh.delete(&path(&second)).await.expect(204);
    let admin = gh
        .admin(Method::GET, "/repos/octo-org/shop/deployments", None)
        .await
        .expect(200);
    assert_eq!(admin["count"], 0);
}
