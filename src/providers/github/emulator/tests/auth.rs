//! Both mounts, the token, the API version, unknown routes, rate limits and faults.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{Gh, GithubReply, TestClient, sandbox};
use crate::providers::github::emulator::demo;

#[tokio::test]
async fn both_mounts_answer_with_urls_under_the_base_called() {
    let (_sandbox, gh) = sandbox().await;
    let public = gh.get("/repos/octo-org/shop").await.expect(200);
    assert_eq!(public["url"], format!("{}/repos/octo-org/shop", gh.base));
    let ghes = gh.enterprise();
    let enterprise = ghes.get("/repos/octo-org/shop").await.expect(200);
    assert_eq!(
        enterprise["url"],
        format!("{}/repos/octo-org/shop", ghes.base)
    );
    assert!(ghes.base.ends_with("/github/api/v3"));
    assert_eq!(enterprise["id"], public["id"]);
    // Every route answers on both: one write on each, read on the other.
    let put = gh
        .put("/repos/octo-org/shop/environments/staging", json!({}))
        .await
        .expect(200);
    let got = ghes
        .get("/repos/octo-org/shop/environments/staging")
        .await
        .expect(200);
    assert_eq!(put["id"], got["id"]);
    assert!(got["url"].as_str().unwrap().contains("/api/v3/repos/"));
}

#[tokio::test]
async fn tokens_are_checked_in_both_schemes_and_failures_are_401() {
    let (_sandbox, gh) = sandbox().await;
    for scheme in ["Bearer", "token", "bearer"] {
        let client = Gh {
            authorization: Some(format!("{scheme} {}", demo::GITHUB_TOKEN)),
            ..gh.clone()
        };
        client.get("/repos/octo-org/web").await.expect(200);
    }
    let wrong = [
        None,
        Some("Bearer ghp_wrong".to_owned()),
        Some(format!("Basic {}", demo::GITHUB_TOKEN)),
        Some(demo::GITHUB_TOKEN.to_owned()),
    ];
    for authorization in wrong {
        let client = Gh {
            authorization: authorization.clone(),
            ..gh.clone()
        };
        for path in ["/repos/octo-org/web", "/no/such/route"] {
            let reply = client.get(path).await;
            reply.error(401, "Bad credentials");
            assert!(
                reply.header("x-ratelimit-limit").is_some(),
                "{authorization:?}"
            );
        }
        client
            .enterprise()
            .get("/users/octocat")
            .await
            .error(401, "Bad credentials");
    }
}

#[tokio::test]
async fn api_versions_unknown_routes_and_methods() {
    let (_sandbox, gh) = sandbox().await;
    let reply = gh
        .http
        .get(format!("{}/users/octocat", gh.base))
        .header("authorization", format!("token {}", demo::GITHUB_TOKEN))
        .header("user-agent", "tests")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200, "no version header means 2022-11-28");
    let reply = gh
        .http
        .get(format!("{}/users/octocat", gh.base))
        .header("authorization", format!("token {}", demo::GITHUB_TOKEN))
        .header("x-github-api-version", "2026-03-10")
        .header("user-agent", "tests")
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 400);
    let body: serde_json::Value = reply.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid API version provided"),
        "{body}"
    );
    let no_agent = gh
        .http
        .get(format!("{}/users/octocat", gh.base))
        .header("authorization", format!("token {}", demo::GITHUB_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(no_agent.status(), 403, "GitHub requires a User-Agent");
    let body: serde_json::Value = no_agent.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("User-Agent"),
        "{body}"
    );
    let unknown = gh.get("/repos/octo-org/shop/nothing-here").await;
    unknown.error(404, "Not Found");
    let refused = gh.post("/repos/octo-org/shop/deployments", json!({})).await;
    refused.error(422, "wasn't supplied");
    for reply in [&unknown, &refused] {
        for header in ["limit", "remaining", "used", "reset", "resource"] {
            assert!(
                reply.header(&format!("x-ratelimit-{header}")).is_some(),
                "{header}"
            );
        }
    }
    gh.get("/api/v3/api/v3/users/octocat")
        .await
        .error(404, "Not Found");
    gh.send(Method::PATCH, "/repos/octo-org/shop", Some(json!({})))
        .await
        .error(404, "Not Found");
    gh.get("/repos/octo-org/shop/deployments/abc")
        .await
        .error(404, "Not Found");
}

#[tokio::test]
async fn the_primary_limit_counts_down_is_exhausted_and_resets() {
    let (_sandbox, gh) = sandbox().await;
    let first = gh.get("/users/octocat").await;
    let second = gh.get("/users/hubot").await;
    let remaining = |reply: &super::super::testkit::Reply| -> u64 {
        reply
            .header("x-ratelimit-remaining")
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(first.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(first.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(remaining(&first), remaining(&second) + 1);
    assert_eq!(second.header("x-ratelimit-used"), Some("2"));
    let reset: u64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = jiff::Timestamp::now().as_second() as u64;
    assert!(
        reset > now && reset <= now + 3600,
        "reset {reset} now {now}"
    );

    gh.admin(Method::POST, "/rate-limit/exhaust", None)
        .await
        .expect(200);
    let limited = gh.get("/users/octocat").await;
    limited.error(403, "API rate limit exceeded");
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        limited.header("x-ratelimit-reset"),
        first.header("x-ratelimit-reset")
    );
    // Nothing runs while limited.
    gh.post("/repos/octo-org/shop/deployments", json!({"ref": "main"}))
        .await
        .error(403, "rate limit");
    let admin = gh
        .admin(Method::GET, "/repos/octo-org/shop/deployments", None)
        .await
        .expect(200);
    assert_eq!(admin["count"], 0);

    let window = gh.get("/rate_limit").await.expect(200);
    assert_eq!(window["resources"]["core"]["remaining"], 0);
    assert_eq!(window["rate"]["limit"], 5000);
    gh.admin(Method::DELETE, "/rate-limit", None)
        .await
        .expect(200);
    let window = gh.enterprise().get("/rate_limit").await.expect(200);
    assert_eq!(
        window["resources"]["core"]["used"], 0,
        "reading the window does not count"
    );
    let again = gh.get("/users/octocat").await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("x-ratelimit-remaining"), Some("4999"));

    // A short window resets by itself.
    gh.admin(
        Method::PUT,
        "/rate-limit",
        Some(json!({"limit": 2, "window_secs": 1})),
    )
    .await
    .expect(200);
    gh.get("/users/octocat").await.expect(200);
    gh.get("/users/octocat").await.expect(200);
    let limited = gh.get("/users/octocat").await;
    limited.error(403, "API rate limit exceeded");
    let reset: u64 = limited
        .header("x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    while (jiff::Timestamp::now().as_second() as u64) < reset {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let after = gh.get("/users/octocat").await;
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.header("x-ratelimit-limit"), Some("2"));
    assert_eq!(after.header("x-ratelimit-remaining"), Some("1"));
}

#[tokio::test]
async fn the_secondary_limit_answers_403_with_retry_after_then_lifts() {
    let (_sandbox, gh) = sandbox().await;
    gh.admin(
        Method::PUT,
        "/secondary-limit",
        Some(json!({"requests": 2, "retry_after": 7})),
    )
    .await
    .expect(200);
    for _ in 0..2 {
        let reply = gh.get("/users/octocat").await;
        reply.error(403, "secondary rate limit");
        assert_eq!(reply.header("retry-after"), Some("7"));
        assert_ne!(reply.header("x-ratelimit-remaining"), Some("0"));
    }
    gh.get("/users/octocat").await.expect(200);
}

#[tokio::test]
async fn injected_faults_answer_in_githubs_shapes() {
    let (_sandbox, gh) = sandbox().await;
    let faults = format!(
        "http://{}/_sandbox/faults",
        gh.admin
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
    );
    gh.http
        .put(&faults)
        .json(&json!({"rate_limit_rate": 1.0, "retry_after_secs": 3}))
        .send()
        .await
        .unwrap();
    let limited = gh.get("/users/octocat").await;
    limited.error(429, "secondary rate limit");
    assert_eq!(limited.header("retry-after"), Some("3"));
    gh.http
        .put(&faults)
        .json(&json!({"error_rate": 1.0}))
        .send()
        .await
        .unwrap();
    gh.get("/users/octocat")
        .await
        .error(503, "Service Unavailable");
    gh.http.put(&faults).json(&json!({})).send().await.unwrap();
    gh.get("/users/octocat").await.expect(200);
}
