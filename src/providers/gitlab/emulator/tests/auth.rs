//! Tokens (personal, Bearer, job), unknown routes, the rate limit and injected faults.

use reqwest::Method;
use serde_json::json;

use super::super::demo;
use super::super::testkit::{Auth, SHOP, TestClient, sandbox};

#[tokio::test]
async fn personal_and_bearer_tokens_open_the_api_and_anything_else_is_401() {
    let (_sandbox, gl) = sandbox().await;
    for auth in [
        Auth::Private(demo::GITLAB_TOKEN.into()),
        Auth::Bearer(demo::GITLAB_TOKEN.into()),
    ] {
        assert_eq!(gl.with(auth).get(SHOP).await.expect(200)["id"], 101);
    }
    for auth in [
        Auth::None,
        Auth::Private("glpat-wrong".into()),
        Auth::Bearer("nope".into()),
        Auth::Job(demo::GITLAB_TOKEN.into()),
    ] {
        for path in [SHOP, "/users?username=alice", "/groups/acme"] {
            let reply = gl.with(auth.clone()).get(path).await;
            assert_eq!(
                (reply.status, reply.body.clone()),
                (401, json!({"message": "401 Unauthorized"})),
                "{auth:?} {path}"
            );
        }
    }
    // Grape routes first: an unknown route is 404 whatever the token.
    for auth in [Auth::None, Auth::Private(demo::GITLAB_TOKEN.into())] {
        let reply = gl.with(auth).get("/projects/101/nothing-here").await;
        assert_eq!(
            (reply.status, reply.body),
            (404, json!({"error": "404 Not Found"}))
        );
    }
    let wrong_method = gl.send(Method::PATCH, SHOP, Some(json!({}))).await;
    assert_eq!(wrong_method.status, 404);
}

#[tokio::test]
async fn job_tokens_open_only_their_projects_deployments_and_environments() {
    let (_sandbox, gl) = sandbox().await;
    let issued = gl
        .admin(
            Method::POST,
            "/tokens",
            Some(json!({"username": "bob", "project": "acme/platform/shop"})),
        )
        .await
        .expect(200);
    let token = issued["token"].as_str().unwrap().to_owned();
    let job = gl.with(Auth::Job(token.clone()));
    job.get(SHOP).await.expect(200);
    job.get(&format!("{SHOP}/environments")).await.expect(200);
    let sha = gl.head("acme%2Fplatform%2Fshop", "main").await;
    let run = job
        .deploy(SHOP, "review/x", "main", &sha, "running")
        .await
        .expect(201);
    assert_eq!(run["user"]["username"], "bob", "the job's user deploys");
    for refused in [
        "/users?username=alice",
        "/groups/acme",
        &format!("{SHOP}/repository/branches"),
        &format!("{SHOP}/protected_environments"),
    ] {
        assert_eq!(job.get(refused).await.status, 401, "{refused}");
    }
    let protect = json!({"name": "x", "deploy_access_levels": [{"access_level": 40}]});
    assert_eq!(
        job.post(&format!("{SHOP}/protected_environments"), protect)
            .await
            .status,
        401
    );
    job.get("/projects/acme%2Fplatform%2Fapi").await.expect(404);
    // A job token is not a personal token, and the other way round.
    assert_eq!(gl.with(Auth::Private(token)).get(SHOP).await.status, 401);
    let personal = gl.as_user("bob").await;
    let Auth::Private(pat) = personal.auth.clone() else {
        unreachable!()
    };
    assert_eq!(gl.with(Auth::Job(pat)).get(SHOP).await.status, 401);
    personal.get(SHOP).await.expect(200);
}

#[tokio::test]
async fn the_rate_limit_answers_rack_attacks_429_then_lifts() {
    let (_sandbox, gl) = sandbox().await;
    gl.admin(
        Method::PUT,
        "/rate-limit",
        Some(json!({"limit": 2, "window_secs": 60})),
    )
    .await
    .expect(200);
    gl.get(SHOP).await.expect(200);
    gl.get(SHOP).await.expect(200);
    let limited = gl.get(SHOP).await;
    assert_eq!(
        (limited.status, limited.text.as_str()),
        (429, "Retry later\n")
    );
    assert_eq!(limited.header("content-type"), Some("text/plain"));
    let retry_after: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.header("ratelimit-limit"), Some("2"));
    assert_eq!(limited.header("ratelimit-observed"), Some("3"));
    assert_eq!(limited.header("ratelimit-remaining"), Some("0"));
    let reset: u64 = limited.header("ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset >= jiff::Timestamp::now().as_second() as u64);
    assert!(
        limited
            .header("ratelimit-resettime")
            .unwrap()
            .ends_with(" GMT")
    );
    // Per user: another user still has a window.
    gl.as_user("alice").await.get(SHOP).await.expect(200);
    gl.admin(Method::DELETE, "/rate-limit", None)
        .await
        .expect(200);
    gl.get(SHOP).await.expect(200);
}

#[tokio::test]
async fn injected_faults_answer_in_gitlabs_shapes() {
    let (_sandbox, gl) = sandbox().await;
    let faults = format!("{}/faults", gl.sandbox);
    gl.http
        .put(&faults)
        .json(&json!({"rate_limit_rate": 1.0, "retry_after_secs": 3}))
        .send()
        .await
        .unwrap();
    let limited = gl.get(SHOP).await;
    assert_eq!(
        (limited.status, limited.text.as_str()),
        (429, "Retry later\n")
    );
    assert_eq!(limited.header("retry-after"), Some("3"));
    gl.http
        .put(&faults)
        .json(&json!({"error_rate": 1.0}))
        .send()
        .await
        .unwrap();
    let unavailable = gl.get(SHOP).await;
    assert_eq!(
        (unavailable.status, unavailable.body),
        (503, json!({"message": "503 Service Unavailable"}))
    );
    gl.http.put(&faults).json(&json!({})).send().await.unwrap();
    gl.get(SHOP).await.expect(200);
}
