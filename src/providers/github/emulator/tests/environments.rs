//! Environments with their protection rules, branch policies and variables.

use serde_json::{Value, json};

use super::super::testkit::{Gh, GithubReply, TestClient, sandbox};

const ENVS: &str = "/repos/octo-org/shop/environments";

fn rule<'a>(env: &'a Value, kind: &str) -> Option<&'a Value> {
    env["protection_rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|rule| rule["type"] == kind)
}

#[tokio::test]
async fn put_creates_then_replaces_with_githubs_rule_shapes() {
    let (_sandbox, gh) = sandbox().await;
    let body = json!({
        "wait_timer": 30,
        "prevent_self_review": true,
        "reviewers": [{"type": "User", "id": 1}, {"type": "Team", "id": 1001}],
        "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true},
    });
    let env = gh
        .put(&format!("{ENVS}/production"), body)
        .await
        .expect(200);
    assert_eq!(env["name"], "production");
    assert_eq!(rule(&env, "wait_timer").unwrap()["wait_timer"], 30);
    let reviewers = rule(&env, "required_reviewers").unwrap();
    assert_eq!(reviewers["prevent_self_review"], true);
    assert_eq!(reviewers["reviewers"][0]["type"], "User");
    assert_eq!(reviewers["reviewers"][0]["reviewer"]["login"], "octocat");
    assert_eq!(
        reviewers["reviewers"][1]["reviewer"]["slug"],
        "release-managers"
    );
    assert!(rule(&env, "branch_policy").is_some());
    for rule in env["protection_rules"].as_array().unwrap() {
        assert!(rule["id"].is_i64() && rule["node_id"].is_string(), "{rule}");
    }
    assert_eq!(
        env["deployment_branch_policy"],
        json!({"protected_branches": false, "custom_branch_policies": true})
    );

    // Case-insensitive: the same environment, name kept; an omitted field is reset.
    let again = gh
        .put(&format!("{ENVS}/PRODUCTION"), json!({"wait_timer": 5}))
        .await
        .expect(200);
    assert_eq!(
        (again["id"].clone(), again["name"].clone()),
        (env["id"].clone(), json!("production"))
    );
    assert_eq!(again["protection_rules"].as_array().unwrap().len(), 1);
    assert_eq!(again["deployment_branch_policy"], Value::Null);
    let fetched = gh.get(&format!("{ENVS}/Production")).await.expect(200);
    assert_eq!(fetched, again);

    // An empty body, and no body at all, create an unprotected environment.
    let bare = gh.put(&format!("{ENVS}/qa"), json!(null)).await.expect(200);
    assert_eq!(bare["protection_rules"], json!([]));
    let list = gh.get(ENVS).await.expect(200);
    assert_eq!(list["total_count"], 2);
    assert_eq!(list["environments"][0]["name"], "production");
}

#[tokio::test]
async fn names_are_url_encoded_path_segments() {
    let (_sandbox, gh) = sandbox().await;
    let env = gh
        .put(&format!("{ENVS}/prod%2Feu%20west"), json!({}))
        .await
        .expect(200);
    assert_eq!(env["name"], "prod/eu west");
    assert!(
        env["url"]
            .as_str()
            .unwrap()
            .ends_with("/environments/prod%2Feu%20west")
    );
    let got = gh.get(env["url"].as_str().unwrap()).await.expect(200);
    assert_eq!(got["id"], env["id"]);
    gh.delete(&format!("{ENVS}/PROD%2FEU%20WEST"))
        .await
        .expect(204);
    gh.get(&format!("{ENVS}/prod%2Feu%20west"))
        .await
        .error(404, "Not Found");
    gh.delete(&format!("{ENVS}/prod%2Feu%20west"))
        .await
        .error(404, "Not Found");
    gh.get("/repos/octo-org/nope/environments")
        .await
        .error(404, "Not Found");
}

async fn refused(gh: &Gh, body: Value, field: &str) {
    let reply = gh.put(&format!("{ENVS}/staging"), body.clone()).await;
    reply.error(422, "Validation Failed");
    let fields: Vec<&str> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&field), "{body} → {}", reply.body);
    assert_eq!(reply.body["errors"][0]["resource"], "Environment");
}

#[tokio::test]
async fn every_protection_rule_is_validated() {
    let (_sandbox, gh) = sandbox().await;
    for wait in [-1, 43_201, 100_000] {
        refused(&gh, json!({"wait_timer": wait}), "wait_timer").await;
    }
    for wait in [0, 43_200] {
        gh.put(&format!("{ENVS}/staging"), json!({"wait_timer": wait}))
            .await
            .expect(200);
    }
    let seven: Vec<Value> = [1, 2, 3, 4, 100]
        .iter()
        .map(|id| json!({"type": "User", "id": id}))
        .chain(
            [1001, 1002]
                .iter()
                .map(|id| json!({"type": "Team", "id": id})),
        )
        .collect();
    refused(&gh, json!({"reviewers": seven}), "reviewers").await;
    let six: Vec<Value> = seven[..6].to_vec();
    gh.put(&format!("{ENVS}/staging"), json!({"reviewers": six}))
        .await
        .expect(200);
    refused(
        &gh,
        json!({"reviewers": [{"type": "User", "id": 999}]}),
        "reviewers",
    )
    .await;
    refused(
        &gh,
        json!({"reviewers": [{"type": "Team", "id": 1}]}),
        "reviewers",
    )
    .await;
    refused(
        &gh,
        json!({"reviewers": [{"type": "Bot", "id": 1}]}),
        "reviewers",
    )
    .await;
    for same in [true, false] {
        let policy = json!({"protected_branches": same, "custom_branch_policies": same});
        refused(
            &gh,
            json!({"deployment_branch_policy": policy}),
            "deployment_branch_policy",
        )
        .await;
    }
    // Every violation at once.
    let reply = gh
        .put(&format!("{ENVS}/staging"), json!({"wait_timer": 50_000, "deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": true}}))
        .await;
    assert_eq!(
        reply.body["errors"].as_array().unwrap().len(),
        2,
        "{}",
        reply.body
    );
    // Schema errors: unknown keys and wrong types.
    gh.put(&format!("{ENVS}/staging"), json!({"wait": 1}))
        .await
        .error(422, "\"wait\" is not a permitted key");
    gh.put(&format!("{ENVS}/staging"), json!({"wait_timer": "5"}))
        .await
        .error(422, "is not an integer");
    gh.put(
        &format!("{ENVS}/staging"),
        json!({"reviewers": [{"type": "User"}]}),
    )
    .await
    .error(422, "Invalid request");
    let long = "x".repeat(256);
    gh.put(&format!("{ENVS}/{long}"), json!({}))
        .await
        .error(422, "Validation Failed");
    let reply = gh
        .http
        .put(format!("{}{ENVS}/staging", gh.base))
        .header("authorization", gh.authorization.clone().unwrap())
        .header("user-agent", "tests")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
}

#[tokio::test]
async fn branch_policies_exist_only_with_custom_policies() {
    let (_sandbox, gh) = sandbox().await;
    let policies = format!("{ENVS}/production/deployment-branch-policies");
    gh.get(&policies).await.error(404, "Not Found");
    gh.put(&format!("{ENVS}/production"), json!({"deployment_branch_policy": {"protected_branches": true, "custom_branch_policies": false}})).await.expect(200);
    gh.post(&policies, json!({"name": "release/*"}))
        .await
        .error(404, "Not Found");
    gh.put(&format!("{ENVS}/production"), json!({"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}})).await.expect(200);
    let branch = gh
        .post(&policies, json!({"name": "release/*"}))
        .await
        .expect(200);
    assert_eq!(
        (branch["name"].as_str(), branch["type"].as_str()),
        (Some("release/*"), Some("branch"))
    );
    let tag = gh
        .post(&policies, json!({"name": "v*", "type": "tag"}))
        .await
        .expect(200);
    assert_eq!(tag["type"], "tag");
    let same_name_other_type = gh
        .post(&policies, json!({"name": "release/*", "type": "tag"}))
        .await
        .expect(200);
    let duplicate = gh
        .post(&policies, json!({"name": "release/*", "type": "branch"}))
        .await;
    assert_eq!(duplicate.status, 303);
    let location = duplicate.header("location").unwrap().to_owned();
    assert_eq!(gh.get(&location).await.expect(200)["id"], branch["id"]);
    gh.post(&policies, json!({"name": "x", "type": "commit"}))
        .await
        .error(422, "Validation Failed");
    gh.post(&policies, json!({}))
        .await
        .error(422, "\"name\" wasn't supplied");
    let list = gh.get(&policies).await.expect(200);
    assert_eq!(list["total_count"], 3);
    assert_eq!(list["branch_policies"][1]["id"], tag["id"]);
    let one = format!("{policies}/{}", tag["id"]);
    let renamed = gh.put(&one, json!({"name": "v[0-9]*"})).await.expect(200);
    assert_eq!(renamed["name"], "v[0-9]*");
    gh.delete(&format!("{policies}/{}", same_name_other_type["id"]))
        .await
        .expect(204);
    gh.get(&format!("{policies}/{}", same_name_other_type["id"]))
        .await
        .error(404, "Not Found");
    gh.get(&format!("{policies}/abc"))
        .await
        .error(404, "Not Found");
    // Turning custom policies off deletes them.
    gh.put(&format!("{ENVS}/production"), json!({}))
        .await
        .expect(200);
    gh.put(&format!("{ENVS}/production"), json!({"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}})).await.expect(200);
    assert_eq!(gh.get(&policies).await.expect(200)["total_count"], 0);
}

#[tokio::test]
async fn variables_are_created_updated_and_deleted_by_name() {
    let (_sandbox, gh) = sandbox().await;
    gh.put(&format!("{ENVS}/staging"), json!({}))
        .await
        .expect(200);
    let vars = format!("{ENVS}/staging/variables");
    assert_eq!(
        gh.post(&vars, json!({"name": "api_url", "value": "https://a"}))
            .await
            .expect(201),
        json!({})
    );
    gh.post(&vars, json!({"name": "API_URL", "value": "x"}))
        .await
        .error(409, "Already exists");
    let got = gh.get(&format!("{vars}/Api_Url")).await.expect(200);
    assert_eq!(
        (got["name"].as_str(), got["value"].as_str()),
        (Some("API_URL"), Some("https://a"))
    );
    gh.patch(&format!("{vars}/API_URL"), json!({"value": "https://b"}))
        .await
        .expect(204);
    assert_eq!(
        gh.get(&format!("{vars}/API_URL")).await.expect(200)["value"],
        "https://b"
    );
    for bad in ["1ABC", "GITHUB_TOKEN", "A-B", ""] {
        gh.post(&vars, json!({"name": bad, "value": "x"}))
            .await
            .error(422, "");
    }
    gh.post(&vars, json!({"name": "NO_VALUE"}))
        .await
        .error(422, "\"value\" wasn't supplied");
    // Both repository spellings answer.
    let by_id = "/repositories/501/environments/staging/variables";
    assert_eq!(gh.get(by_id).await.expect(200)["total_count"], 1);
    gh.delete(&format!("{by_id}/api_url")).await.expect(204);
    gh.delete(&format!("{vars}/API_URL"))
        .await
        .error(404, "Not Found");
    gh.get(&format!("{ENVS}/missing/variables"))
        .await
        .error(404, "Not Found");
}
