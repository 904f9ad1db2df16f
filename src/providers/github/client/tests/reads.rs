//! Headers, reads, paging and path encoding.

use proptest::prelude::*;

use super::*;
use crate::providers::github::wire::{DeploymentState, PolicyType};

#[tokio::test]
async fn every_request_carries_the_token_media_type_version_and_user_agent() {
    let (fake, base) = start().await;
    fake.script.on(
        "GET /repos/octo-org/shop",
        [canned(200, json!({"id": 1_296_269_i64, "full_name": "octo-org/shop", "default_branch": "main", "private": true}))],
    );
    let github = client(&base);
    let repository = github.repository(&repo()).await.unwrap();
    assert_eq!(
        (repository.id, repository.default_branch.as_deref()),
        (1_296_269, Some("main"))
    );
    github.user("octocat").await.unwrap();
    for seen in fake.seen.all() {
        let header = |name: &str| seen.headers.get(name).cloned().unwrap_or_default();
        assert_eq!(header("authorization"), format!("Bearer {TOKEN}"));
        assert_eq!(header("accept"), "application/vnd.github+json");
        assert_eq!(header("x-github-api-version"), "2022-11-28");
        assert!(header("user-agent").starts_with("deployplan/"), "{seen:?}");
    }
    assert_eq!(fake.seen.all().len(), 2);
    // The token never shows in the client's debug output.
    assert!(!format!("{github:?}").contains(TOKEN));
}

#[tokio::test]
async fn lookups_answer_none_for_what_does_not_exist() {
    let (fake, base) = start().await;
    fake.script.on(
        "GET /users/octocat",
        [canned(
            200,
            json!({"login": "octocat", "id": 583_231, "type": "User"}),
        )],
    );
    fake.script.on(
        "GET /orgs/octo-org/teams/release-managers",
        [canned(
            200,
            json!({"id": 42, "slug": "release-managers", "name": "Release managers"}),
        )],
    );
    fake.script.on(
        "GET /repos/octo-org/shop/commits/release%2F1.0",
        [canned(200, json!({"sha": "abc123", "commit": {}}))],
    );
    fake.script.on(
        "GET /repos/octo-org/shop/commits/nope",
        [canned(
            422,
            json!({"message": "No commit found for SHA: nope", "documentation_url": "x"}),
        )],
    );
    let github = client(&base);
    assert_eq!(
        github.user("octocat").await.unwrap().map(|u| u.id),
        Some(583_231)
    );
    assert_eq!(github.user("ghost").await.unwrap(), None);
    assert_eq!(
        github
            .team("octo-org", "release-managers")
            .await
            .unwrap()
            .map(|t| t.id),
        Some(42)
    );
    assert_eq!(github.team("octo-org", "nobody").await.unwrap(), None);
    assert_eq!(
        github
            .resolve_ref(&repo(), "release/1.0")
            .await
            .unwrap()
            .as_deref(),
        Some("abc123")
    );
    assert_eq!(github.resolve_ref(&repo(), "nope").await.unwrap(), None);
    assert_eq!(github.resolve_ref(&repo(), "gone").await.unwrap(), None);
    assert_eq!(github.environment(&repo(), "staging").await.unwrap(), None);
    assert_eq!(github.deployment(&repo(), 5).await.unwrap(), None);
}

#[tokio::test]
async fn lists_follow_next_links_verbatim_even_to_another_path() {
    let (fake, base) = start().await;
    let env = |id: i64, name: &str| json!({"id": id, "node_id": "E", "name": name, "protection_rules": [], "deployment_branch_policy": null});
    fake.script.on(
        "GET /repos/octo-org/shop/environments",
        [canned(200, json!({"total_count": 3, "environments": [env(1, "production")]}))
            .header("link", format!(r#"<{base}/api/v3/repositories/1296269/environments?per_page=100&page=2&cursor=Y3Vyc29y%3D>; rel="next", <{base}/x?page=9>; rel="last""#))],
    );
    fake.script.on(
        "GET /api/v3/repositories/1296269/environments",
        [canned(
            200,
            json!({"total_count": 3, "environments": [env(2, "staging"), env(3, "qa")]}),
        )
        .header(
            "link",
            format!(r#"<{base}/repos/octo-org/shop/environments?page=1>; rel="first""#),
        )],
    );
    let environments = client(&base).environments(&repo()).await.unwrap();
    let names: Vec<_> = environments.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["production", "staging", "qa"]);
    let seen = fake.seen.all();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].query("per_page"), Some("100"));
    assert_eq!(seen[1].path, "/api/v3/repositories/1296269/environments");
    // The next URL's own query is sent as it was given, not rebuilt.
    assert_eq!(seen[1].query("cursor"), Some("Y3Vyc29y="));
    assert_eq!(seen[1].query("page"), Some("2"));
}

#[tokio::test]
async fn variables_page_by_thirty_and_deployments_by_a_hundred_with_filters() {
    let (fake, base) = start().await;
    let variables: Vec<Value> = (0..3)
        .map(|i| json!({"name": format!("V{i}"), "value": "x", "created_at": "t"}))
        .collect();
    fake.script.on(
        "GET /repos/octo-org/shop/environments/production/variables",
        [canned(
            200,
            json!({"total_count": 3, "variables": variables}),
        )],
    );
    let github = client(&base);
    assert_eq!(
        github.variables(&repo(), "production").await.unwrap().len(),
        3
    );
    let filter = DeploymentFilter {
        environment: Some("production".into()),
        task: Some("deploy".into()),
        ..DeploymentFilter::default()
    };
    // 205 deployments: three pages of 100, newest first.
    {
        let mut all = fake.deployments.lock().unwrap();
        for id in 1..=205 {
            all.push(
                json!({"id": id, "environment": "production", "task": "deploy", "payload": {}}),
            );
        }
        all.push(json!({"id": 999, "environment": "staging", "task": "deploy", "payload": {}}));
    }
    let deployments = github
        .deployments(&repo(), &filter)
        .unwrap()
        .all()
        .await
        .unwrap();
    assert_eq!(deployments.len(), 205);
    assert_eq!((deployments[0].id, deployments[204].id), (205, 1));
    let lists: Vec<Seen> = fake
        .seen
        .all()
        .into_iter()
        .filter(|s| s.path.ends_with("/deployments"))
        .collect();
    assert_eq!(lists.len(), 3);
    for list in &lists {
        assert_eq!(
            (
                list.query("per_page"),
                list.query("environment"),
                list.query("task")
            ),
            (Some("100"), Some("production"), Some("deploy"))
        );
    }
    let variables = &fake.seen.all()[0];
    assert_eq!(variables.query("per_page"), Some("30"));
    // A caller looking for one deployment reads only the pages it takes.
    let before = fake.seen.all().len();
    let found = github
        .deployments(&repo(), &filter)
        .unwrap()
        .find(|d| d.id == 150)
        .await
        .unwrap();
    assert_eq!(found.map(|d| d.id), Some(150));
    assert_eq!(fake.seen.all().len() - before, 1);
}

#[tokio::test]
async fn a_next_link_to_another_host_or_back_to_itself_is_not_followed() {
    let (fake, base) = start().await;
    let key = "GET /repos/octo-org/shop/collaborators";
    fake.script.on(
        key,
        [canned(200, json!([{"login": "a", "id": 1}]))
            .header("link", r#"<https://evil.example/steal?page=2>; rel="next""#)],
    );
    let err = client(&base).collaborators(&repo()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("another host (https://evil.example)"),
        "{err}"
    );
    fake.script.on(
        key,
        [canned(200, json!([{"login": "a", "id": 1}])).header(
            "link",
            format!(r#"<{base}/repos/octo-org/shop/collaborators?per_page=100>; rel="next""#),
        )],
    );
    let err = client(&base).collaborators(&repo()).await.unwrap_err();
    assert!(err.to_string().contains("round in circles"), "{err}");
    assert!(
        fake.seen
            .all()
            .iter()
            .all(|s| s.path == "/repos/octo-org/shop/collaborators")
    );
}

#[tokio::test]
async fn environment_names_travel_as_one_encoded_segment() {
    let (fake, base) = start().await;
    let github = client(&base);
    for name in ["prod/eu", "a b", "100%", "운영", "x?y#z"] {
        github.environment(&repo(), name).await.unwrap();
    }
    // Names a URL would resolve away (`..` would address the repository itself) are
    // refused before any request.
    for name in ["..", ".", ""] {
        let err = github.environment(&repo(), name).await.unwrap_err();
        assert!(matches!(err, GithubError::Invalid(_)), "{err:?}");
    }
    assert!(RepoRef::parse("../shop").is_none() && RepoRef::parse("octo-org/..").is_none());
    let paths: Vec<String> = fake.seen.all().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/repos/octo-org/shop/environments/prod%2Feu",
            "/repos/octo-org/shop/environments/a%20b",
            "/repos/octo-org/shop/environments/100%25",
            "/repos/octo-org/shop/environments/%EC%9A%B4%EC%98%81",
            "/repos/octo-org/shop/environments/x%3Fy%23z",
        ]
    );
}

#[test]
fn wire_values_unknown_to_this_version_are_kept() {
    let state: DeploymentState = serde_json::from_value(json!("waiting")).unwrap();
    assert_eq!(state.as_str(), "waiting");
    let kind: PolicyType = serde_json::from_value(json!("tag")).unwrap();
    assert_eq!(kind, PolicyType::Tag);
}

proptest! {
    /// Any environment name comes back whole when the server decodes the one path segment
    /// it was put in, and never adds a segment or a query; the names a URL cannot carry
    /// are refused.
    #[test]
    fn names_round_trip_through_their_path_segment(name in any::<String>()) {
        let github = GithubClient::new("https://api.github.com", TOKEN, http()).unwrap();
        let Ok(path) = environments::environment_path(&repo(), &name) else {
            prop_assert!(matches!(name.as_str(), "" | "." | ".."));
            return Ok(());
        };
        let url = github.url(&format!("{path}/variables"), &[]).unwrap();
        prop_assert_eq!(url.query(), None);
        prop_assert_eq!(url.fragment(), None);
        let segments: Vec<&str> = url.path_segments().unwrap().collect();
        prop_assert_eq!(segments.len(), 6, "{}", url);
        let decoded = percent_encoding::percent_decode_str(segments[4]).decode_utf8().unwrap();
        prop_assert_eq!(decoded.as_ref(), name.as_str());
        prop_assert_eq!(segments[5], "variables");
    }
}
