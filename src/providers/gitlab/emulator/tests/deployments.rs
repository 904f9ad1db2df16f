//! Deployments: create and its validation, de-duplication, transitions, CI-created ones,
//! deletion rules and list filters.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::deployments::transition_allowed;
use super::super::seed::sha;
use super::super::testkit::{SHOP, TestClient, sandbox};

const PATH: &str = "acme/platform/shop";

#[tokio::test]
async fn creating_checks_every_field_and_creates_the_environment() {
    let (_sandbox, gl) = sandbox().await;
    let head = sha(PATH, "main-3");
    let run = gl
        .deploy(SHOP, "production", "main", &head, "running")
        .await
        .expect(201);
    assert_eq!(
        (
            run["iid"].clone(),
            run["ref"].clone(),
            run["sha"].clone(),
            run["status"].clone()
        ),
        (json!(1), json!("main"), json!(head), json!("running"))
    );
    assert_eq!(
        (
            run["deployable"].clone(),
            run["user"]["username"].clone(),
            run["finished_at"].clone()
        ),
        (Value::Null, json!("sandbox-demo"), Value::Null)
    );
    assert!(
        run.get("approvals").is_none(),
        "no approval rules, no approval fields"
    );
    let env = gl
        .get(&format!("{SHOP}/environments?name=production"))
        .await
        .expect(200)[0]
        .clone();
    assert_eq!(
        (run["environment"]["id"].clone(), env["tier"].clone()),
        (env["id"].clone(), json!("production"))
    );
    let tagged = gl
        .deploy(
            SHOP,
            "production",
            "v1.0.0",
            &sha(PATH, "main-2"),
            "success",
        )
        .await
        .expect(201);
    assert_eq!(
        (tagged["iid"].clone(), tagged["finished_at"].is_string()),
        (json!(2), true)
    );
    let env_id = env["id"].clone();
    assert_eq!(
        gl.get(&format!("{SHOP}/environments/{env_id}"))
            .await
            .expect(200)["last_deployment"]["id"],
        tagged["id"]
    );

    let base = json!({"environment": "production", "ref": "main", "tag": false, "sha": head, "status": "success"});
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let ref_error = json!({"message": {"ref": ["The branch or tag does not exist"]}});
    let sha_error = json!({"message": {"sha": ["The commit does not exist"]}});
    let refusals = [
        (with("ref", json!("nope")), ref_error.clone()),
        (with("tag", json!(true)), ref_error.clone()),
        (with("ref", json!("v1.0.0")), ref_error),
        (
            with("sha", json!("0000000000000000000000000000000000000000")),
            sha_error.clone(),
        ),
        (
            with("sha", json!(sha("acme/platform/api", "main-3"))),
            sha_error,
        ),
        (
            with("status", json!("created")),
            json!({"error": "status does not have a valid value"}),
        ),
        (
            with("environment", json!("/bad")),
            json!({"message": {"name": [super::super::naming::NAME_RULE]}}),
        ),
    ];
    for (body, answer) in refusals {
        let reply = gl.post(&format!("{SHOP}/deployments"), body.clone()).await;
        assert_eq!((reply.status, reply.body), (400, answer), "{body}");
    }
    for key in ["environment", "sha", "ref", "tag", "status"] {
        let mut body = base.clone();
        body.as_object_mut().unwrap().remove(key);
        assert_eq!(
            gl.post(&format!("{SHOP}/deployments"), body)
                .await
                .expect(400),
            json!({"error": format!("{key} is missing")})
        );
    }
    assert_eq!(
        gl.as_user("dave")
            .await
            .post(&format!("{SHOP}/deployments"), base)
            .await
            .status,
        403,
        "reporters do not deploy"
    );
    let admin = gl
        .admin(Method::GET, "/projects/101/deployments", None)
        .await
        .expect(200);
    assert_eq!(admin["count"], 2, "refused creates made nothing");
}

#[tokio::test]
async fn a_repeated_successful_deployment_is_the_last_one_not_a_new_row() {
    let (_sandbox, gl) = sandbox().await;
    let (main, older) = (sha(PATH, "main-3"), sha(PATH, "main-2"));
    let first = gl
        .deploy(SHOP, "staging", "main", &main, "success")
        .await
        .expect(201);
    let again = gl
        .deploy(SHOP, "staging", "main", &main, "success")
        .await
        .expect(201);
    assert_eq!(again, first);
    // Any difference makes a new row: the sha, the ref, the status, the environment.
    let differing = [
        ("staging", "main", older.as_str(), "success"),
        ("staging", "main", main.as_str(), "failed"),
        ("other", "main", main.as_str(), "success"),
        ("staging", "v1.0.0", older.as_str(), "success"),
    ];
    for (env, git_ref, sha, status) in differing {
        let run = gl.deploy(SHOP, env, git_ref, sha, status).await.expect(201);
        assert_ne!(run["id"], first["id"], "{env} {git_ref} {status}");
    }
    // The last success is now v1.0.0: deploying main again is new, then de-duplicated.
    let back = gl
        .deploy(SHOP, "staging", "main", &main, "success")
        .await
        .expect(201);
    assert_ne!(back["id"], first["id"]);
    assert_eq!(
        gl.deploy(SHOP, "staging", "main", &main, "success")
            .await
            .expect(201)["id"],
        back["id"]
    );
    // Running twice is two rows.
    let one = gl
        .deploy(SHOP, "staging", "main", &main, "running")
        .await
        .expect(201);
    assert_ne!(
        gl.deploy(SHOP, "staging", "main", &main, "running")
            .await
            .expect(201)["id"],
        one["id"]
    );
}

#[tokio::test]
async fn status_updates_follow_the_documented_transitions() {
    let (_sandbox, gl) = sandbox().await;
    let head = sha(PATH, "main-3");
    for from in ["running", "success", "failed", "canceled"] {
        for to in ["running", "success", "failed", "canceled"] {
            let env = format!("{from}-{to}");
            let run = gl.deploy(SHOP, &env, "main", &head, from).await.expect(201);
            let reply = gl
                .put(
                    &format!("{SHOP}/deployments/{}", run["id"]),
                    json!({"status": to}),
                )
                .await;
            if transition_allowed(from, to) {
                let updated = reply.expect(200);
                assert_eq!(updated["status"], to);
                assert_eq!(
                    updated["finished_at"].is_string(),
                    to != "running",
                    "{from} -> {to}"
                );
            } else {
                assert_eq!(
                    (reply.status, reply.body),
                    (400, json!({"message": "Invalid status transition"})),
                    "{from} -> {to}"
                );
            }
        }
    }
    let run = gl
        .deploy(SHOP, "x", "main", &head, "running")
        .await
        .expect(201);
    assert_eq!(
        gl.put(
            &format!("{SHOP}/deployments/{}", run["id"]),
            json!({"status": "blocked"})
        )
        .await
        .expect(400),
        json!({"error": "status does not have a valid value"})
    );
    // CI-created deployments are not the API's to change.
    let ci = gl
        .admin(
            Method::POST,
            "/projects/101/ci-deployments",
            Some(json!({"environment": "ci", "ref": "main", "status": "running"})),
        )
        .await
        .expect(200);
    let id = ci["ids"][0].clone();
    let job = gl
        .get(&format!("{SHOP}/deployments/{id}"))
        .await
        .expect(200);
    assert_eq!(
        (
            job["deployable"]["status"].clone(),
            job["deployable"]["commit"]["id"].clone()
        ),
        (json!("running"), json!(head))
    );
    let refused = gl
        .put(
            &format!("{SHOP}/deployments/{id}"),
            json!({"status": "success"}),
        )
        .await;
    assert_eq!(
        (refused.status, refused.body),
        (
            403,
            json!({"message": "403 Forbidden - Deployments created using GitLab CI can not be updated using the API"})
        )
    );
    gl.get(&format!("{SHOP}/deployments/99999"))
        .await
        .expect(404);
}

#[tokio::test]
async fn running_and_current_deployments_cannot_be_deleted() {
    let (_sandbox, gl) = sandbox().await;
    let (main, older) = (sha(PATH, "main-3"), sha(PATH, "main-2"));
    let old = gl
        .deploy(SHOP, "production", "main", &older, "success")
        .await
        .expect(201);
    let current = gl
        .deploy(SHOP, "production", "main", &main, "success")
        .await
        .expect(201);
    let running = gl
        .deploy(SHOP, "production", "main", &main, "running")
        .await
        .expect(201);
    let path = |run: &Value| format!("{SHOP}/deployments/{}", run["id"]);
    assert_eq!(
        gl.delete(&path(&running)).await.expect(400),
        json!({"message": "400 Bad request - Cannot destroy running deployment"})
    );
    assert_eq!(
        gl.delete(&path(&current)).await.expect(400),
        json!({"message": "400 Bad request - Deployment currently deployed to environment"})
    );
    assert_eq!(
        gl.as_user("bob").await.delete(&path(&old)).await.status,
        403,
        "deleting needs Maintainer"
    );
    assert_eq!(gl.delete(&path(&old)).await.status, 204);
    gl.get(&path(&old)).await.expect(404);
}

#[tokio::test]
async fn lists_filter_order_and_sort() {
    let (_sandbox, gl) = sandbox().await;
    let head = sha(PATH, "main-3");
    gl.deploy(
        SHOP,
        "production",
        "release/1.x",
        &sha(PATH, "release-2"),
        "success",
    )
    .await
    .expect(201);
    gl.deploy(SHOP, "staging", "main", &head, "failed")
        .await
        .expect(201);
    gl.deploy(SHOP, "production", "main", &head, "running")
        .await
        .expect(201);
    let ids = |list: Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(gl.get(&format!("{SHOP}/deployments")).await.expect(200)),
        [1, 2, 3]
    );
    assert_eq!(
        ids(gl
            .get(&format!("{SHOP}/deployments?sort=desc"))
            .await
            .expect(200)),
        [3, 2, 1]
    );
    assert_eq!(
        ids(gl
            .get(&format!("{SHOP}/deployments?environment=production"))
            .await
            .expect(200)),
        [1, 3]
    );
    assert_eq!(
        ids(gl
            .get(&format!("{SHOP}/deployments?status=failed"))
            .await
            .expect(200)),
        [2]
    );
    assert_eq!(
        ids(gl
            .get(&format!("{SHOP}/deployments?order_by=ref&sort=desc"))
            .await
            .expect(200)),
        [1, 3, 2]
    );
    assert_eq!(
        ids(gl
            .get(&format!(
                "{SHOP}/deployments?updated_after=2000-01-01T00:00:00Z"
            ))
            .await
            .expect(200)),
        [1, 2, 3]
    );
    assert_eq!(
        ids(gl
            .get(&format!(
                "{SHOP}/deployments?updated_before=2000-01-01T00:00:00Z"
            ))
            .await
            .expect(200)),
        Vec::<i64>::new()
    );
    for (query, error) in [
        ("status=done", "status"),
        ("order_by=name", "order_by"),
        ("sort=up", "sort"),
    ] {
        assert_eq!(
            gl.get(&format!("{SHOP}/deployments?{query}"))
                .await
                .expect(400),
            json!({"error": format!("{error} does not have a valid value")})
        );
    }
    assert_eq!(
        gl.get(&format!(
            "{SHOP}/deployments?finished_after=2000-01-01T00:00:00Z"
        ))
        .await
        .status,
        400
    );
    let finished = gl.get(&format!("{SHOP}/deployments?finished_after=2000-01-01T00:00:00Z&order_by=finished_at&status=success")).await.expect(200);
    assert_eq!(ids(finished), [1]);
}
