//! Repositories, commits by ref, users, teams, collaborators.

use reqwest::Method;
use serde_json::json;

use super::super::seed;
use super::super::testkit::{GithubReply, TestClient, sandbox};

#[tokio::test]
async fn repositories_answer_ignoring_case_with_githubs_fields() {
    let (_sandbox, gh) = sandbox().await;
    let repo = gh.get("/repos/Octo-Org/SHOP").await.expect(200);
    assert_eq!(repo["full_name"], "octo-org/shop");
    assert_eq!(repo["id"], 501);
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["owner"]["type"], "Organization");
    for field in [
        "node_id",
        "html_url",
        "deployments_url",
        "pushed_at",
        "permissions",
        "visibility",
    ] {
        assert!(!repo[field].is_null(), "{field}");
    }
    gh.get("/repos/octo-org/svc-20").await.expect(200);
    gh.get("/repos/octo-org/svc-21")
        .await
        .error(404, "Not Found");
    gh.get("/repos/other-org/shop")
        .await
        .error(404, "Not Found");
    // The admin API adds repositories.
    gh.admin(Method::POST, "/repos", Some(json!({"name": "bench-1"})))
        .await
        .expect(200);
    let added = gh.get("/repos/octo-org/bench-1").await.expect(200);
    assert_eq!(added["id"], 526);
    gh.admin(Method::POST, "/repos", Some(json!({"name": "BENCH-1"})))
        .await
        .expect(409);
}

#[tokio::test]
async fn refs_resolve_to_commits_in_every_spelling() {
    let (_sandbox, gh) = sandbox().await;
    let c4 = seed::sha("octo-org/shop", "c4");
    let c2 = seed::sha("octo-org/shop", "c2");
    for (text, sha) in [
        ("main", &c4),
        ("heads/main", &c4),
        ("refs/heads/main", &c4),
        (c4.as_str(), &c4),
        (&c4[..7], &c4),
        ("v1.0.0", &c2),
        ("refs/tags/v1.0.0", &c2),
        ("release/1.0", &c2),
        ("release%2F1.0", &c2),
    ] {
        let commit = gh
            .get(&format!("/repos/octo-org/shop/commits/{text}"))
            .await
            .expect(200);
        assert_eq!(&commit["sha"], sha, "{text}");
        assert!(commit["commit"]["message"].is_string());
    }
    let commit = gh
        .enterprise()
        .get("/repos/octo-org/shop/commits/main")
        .await
        .expect(200);
    assert_eq!(
        commit["parents"][0]["sha"],
        seed::sha("octo-org/shop", "c3")
    );
    for missing in ["nope", "Main", "0000000", "abc"] {
        gh.get(&format!("/repos/octo-org/shop/commits/{missing}"))
            .await
            .error(422, &format!("No commit found for SHA: {missing}"));
    }
    gh.get("/repos/octo-org/nope/commits/main")
        .await
        .error(404, "Not Found");
}

#[tokio::test]
async fn users_teams_and_collaborators() {
    let (_sandbox, gh) = sandbox().await;
    let user = gh.get("/users/OctoCat").await.expect(200);
    assert_eq!(
        (user["login"].as_str(), user["id"].as_i64()),
        (Some("octocat"), Some(1))
    );
    assert_eq!(user["type"], "User");
    gh.get("/users/nobody-here").await.error(404, "Not Found");
    let team = gh
        .get("/orgs/octo-org/teams/release-managers")
        .await
        .expect(200);
    assert_eq!(
        (team["slug"].as_str(), team["id"].as_i64()),
        (Some("release-managers"), Some(1001))
    );
    assert_eq!(team["organization"]["login"], "octo-org");
    gh.get("/orgs/octo-org/teams/nope")
        .await
        .error(404, "Not Found");
    gh.get("/orgs/other/teams/sre")
        .await
        .error(404, "Not Found");
    let teams = gh.get("/orgs/octo-org/teams").await.expect(200);
    let slugs: Vec<&str> = teams
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["release-managers", "sre", "developers", "security"]);
    let people = gh
        .get("/repos/octo-org/shop/collaborators")
        .await
        .expect(200);
    let logins: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert!(logins.contains(&"hubot") && logins.contains(&"sandbox-demo"));
    assert!(people[0]["permissions"]["push"].as_bool().unwrap());
}

#[tokio::test]
async fn admin_pushes_move_refs_and_set_contexts() {
    let (_sandbox, gh) = sandbox().await;
    let pushed = gh
        .admin(Method::POST, "/repos/octo-org/web/push", Some(json!({"branch": "main", "contexts": [{"context": "ci/build", "state": "success"}]})))
        .await
        .expect(200);
    let head = gh.get("/repos/octo-org/web/commits/main").await.expect(200);
    assert_eq!(head["sha"], pushed["sha"]);
    assert_eq!(head["parents"][0]["sha"], seed::sha("octo-org/web", "c4"));
    let feature = gh
        .admin(
            Method::POST,
            "/repos/octo-org/web/push",
            Some(json!({"branch": "feature/x", "from": "v1.1.0"})),
        )
        .await
        .expect(200);
    gh.get("/repos/octo-org/web/commits/feature/x")
        .await
        .expect(200);
    gh.admin(
        Method::PUT,
        "/repos/octo-org/web/refs",
        Some(json!({"ref": "refs/tags/v2.0.0", "sha": feature["sha"]})),
    )
    .await
    .expect(200);
    let tag = gh
        .get("/repos/octo-org/web/commits/v2.0.0")
        .await
        .expect(200);
    assert_eq!(tag["sha"], feature["sha"]);
    gh.admin(
        Method::PUT,
        "/repos/octo-org/web/contexts/main",
        Some(json!({"context": "ci/e2e", "state": "failure"})),
    )
    .await
    .expect(200);
    gh.admin(
        Method::PUT,
        "/repos/octo-org/web/contexts/main",
        Some(json!({"context": "ci/e2e", "state": "maybe"})),
    )
    .await
    .expect(400);
    gh.admin(
        Method::POST,
        "/repos/octo-org/nope/push",
        Some(json!({"branch": "main"})),
    )
    .await
    .expect(404);
}
