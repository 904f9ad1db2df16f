//! Projects by id and path (moved ones too), refs, commits, users, groups and members.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::seed::sha;
use super::super::testkit::{SHOP, TestClient, sandbox};

#[tokio::test]
async fn projects_answer_by_id_and_encoded_path_to_those_who_may_see_them() {
    let (_sandbox, gl) = sandbox().await;
    let by_path = gl.get(SHOP).await.expect(200);
    assert_eq!(gl.get("/projects/101").await.expect(200), by_path);
    assert_eq!(by_path["path_with_namespace"], "acme/platform/shop");
    assert_eq!(
        by_path["namespace"],
        json!({"id": 11, "full_path": "acme/platform", "path": "platform", "kind": "group"})
    );
    assert_eq!(by_path["default_branch"], "main");
    let shared = &by_path["shared_with_groups"][0];
    assert_eq!(
        (
            shared["group_id"].clone(),
            shared["group_full_path"].clone(),
            shared["group_access_level"].clone()
        ),
        (json!(12), json!("acme/release-managers"), json!(30))
    );
    assert!(
        by_path["web_url"]
            .as_str()
            .unwrap()
            .ends_with("/gitlab/acme/platform/shop")
    );
    let missing = gl.get("/projects/acme%2Fnothing").await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Project Not Found"}))
    );
    // Private projects: carol has no access, dave is a reporter.
    gl.as_user("carol").await.get(SHOP).await.expect(404);
    gl.as_user("dave").await.get(SHOP).await.expect(200);
}

#[tokio::test]
async fn a_moved_project_redirects_get_and_refuses_other_methods() {
    let (_sandbox, gl) = sandbox().await;
    gl.admin(
        Method::POST,
        "/projects/acme%2Fplatform%2Fshop/move",
        Some(json!({"path": "acme/tools/store"})),
    )
    .await
    .expect(200);
    let moved = gl.get(SHOP).await;
    assert_eq!(moved.status, 301);
    assert_eq!(
        moved.header("location").unwrap(),
        format!("{}/projects/101", gl.api)
    );
    let deep = gl
        .get(&format!("{SHOP}/environments?per_page=5&name=a%2Fb"))
        .await;
    assert_eq!(deep.status, 301);
    assert_eq!(
        deep.header("location").unwrap(),
        format!("{}/projects/101/environments?per_page=5&name=a%2Fb", gl.api)
    );
    let refused = gl
        .post(&format!("{SHOP}/environments"), json!({"name": "x"}))
        .await;
    assert_eq!(
        (refused.status, refused.body),
        (
            405,
            json!({"message": "Non GET methods are not allowed for moved projects"})
        )
    );
    assert_eq!(
        gl.get("/projects/acme%2Ftools%2Fstore").await.expect(200)["id"],
        101
    );
    // Someone who cannot see the project learns nothing from its old path.
    gl.as_user("carol").await.get(SHOP).await.expect(404);
}

#[tokio::test]
async fn branches_tags_and_commits_resolve_to_the_seeded_shas() {
    let (_sandbox, gl) = sandbox().await;
    let path = "acme/platform/shop";
    let branch = gl
        .get(&format!("{SHOP}/repository/branches/release%2F1.x"))
        .await
        .expect(200);
    assert_eq!(
        (
            branch["name"].clone(),
            branch["commit"]["id"].clone(),
            branch["default"].clone()
        ),
        (
            json!("release/1.x"),
            json!(sha(path, "release-2")),
            json!(false)
        )
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/repository/branches/main"))
            .await
            .expect(200)["commit"]["id"],
        sha(path, "main-3")
    );
    let tag = gl
        .get(&format!("{SHOP}/repository/tags/v1.0.0"))
        .await
        .expect(200);
    assert_eq!(
        (tag["target"].clone(), tag["commit"]["id"].clone()),
        (json!(sha(path, "main-2")), json!(sha(path, "main-2")))
    );
    let full = sha(path, "main-1");
    let commit = gl
        .get(&format!("{SHOP}/repository/commits/{full}"))
        .await
        .expect(200);
    assert_eq!(
        (commit["short_id"].clone(), commit["title"].clone()),
        (json!(&full[..8]), json!("Initial commit"))
    );
    assert_eq!(
        gl.get(&format!("{SHOP}/repository/commits/{}", &full[..8]))
            .await
            .expect(200)["id"],
        full.as_str()
    );
    for (path, what) in [
        ("branches/nope", "Branch"),
        ("tags/v9", "Tag"),
        ("commits/0123456789abcdef", "Commit"),
    ] {
        let reply = gl.get(&format!("{SHOP}/repository/{path}")).await;
        assert_eq!(
            (reply.status, reply.body),
            (404, json!({"message": format!("404 {what} Not Found")}))
        );
    }
    let names = |list: serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/repository/branches?search=rel"))
                .await
                .expect(200)
        ),
        ["release/1.x"]
    );
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/repository/branches"))
                .await
                .expect(200)
        ),
        ["main", "release/1.x"]
    );
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/repository/tags?search=^v1"))
                .await
                .expect(200)
        ),
        ["v1.1.0", "v1.0.0"]
    );
    assert_eq!(
        names(
            gl.get(&format!("{SHOP}/repository/tags?search=0$"))
                .await
                .expect(200)
        )
        .len(),
        2
    );
    // Pushed commits move the branch.
    let pushed = gl
        .admin(
            Method::POST,
            "/projects/101/push",
            Some(json!({"branch": "main"})),
        )
        .await
        .expect(200);
    assert_eq!(
        gl.get(&format!("{SHOP}/repository/branches/main"))
            .await
            .expect(200)["commit"]["id"],
        pushed["sha"]
    );
}

#[tokio::test]
async fn users_groups_and_effective_memberships() {
    let (_sandbox, gl) = sandbox().await;
    let alice = gl.get("/users?username=alice").await.expect(200);
    assert_eq!(
        (
            alice[0]["id"].clone(),
            alice[0]["username"].clone(),
            alice[0]["state"].clone()
        ),
        (json!(2), json!("alice"), json!("active"))
    );
    assert_eq!(
        gl.get("/users?username=nobody").await.expect(200),
        json!([])
    );
    let group = gl.get("/groups/acme%2Frelease-managers").await.expect(200);
    assert_eq!(
        (group["id"].clone(), group["full_path"].clone()),
        (json!(12), json!("acme/release-managers"))
    );
    assert_eq!(gl.get("/groups/12").await.expect(200), group);
    let missing = gl.get("/groups/acme%2Fnope").await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Group Not Found"}))
    );
    let level = |id: i64| {
        let gl = gl.clone();
        async move { gl.get(&format!("{SHOP}/members/all/{id}")).await }
    };
    for (id, expected) in [(1, 50), (2, 40), (3, 30), (5, 20)] {
        assert_eq!(
            level(id).await.expect(200)["access_level"],
            expected,
            "user {id}"
        );
    }
    let carol = level(4).await;
    assert_eq!(
        (carol.status, carol.body),
        (404, json!({"message": "404 Not found"}))
    );
    // A maintainer of a group the project is shared with gets at most the share's level.
    let erin = gl
        .admin(Method::POST, "/users", Some(json!({"username": "erin"})))
        .await
        .expect(200);
    gl.admin(
        Method::PUT,
        "/groups/acme%2Frelease-managers/members",
        Some(json!({"username": "erin", "access_level": 40})),
    )
    .await
    .expect(200);
    assert_eq!(
        level(erin["id"].as_i64().unwrap()).await.expect(200)["access_level"],
        30
    );
}

/// `members/all` lists what `members/all/:user_id` answers one by one: every user with
/// access, by id, each at their effective level, paged like any list.
#[tokio::test]
async fn all_members_are_every_user_with_access_at_their_effective_level() {
    let (_sandbox, gl) = sandbox().await;
    let (members, pages) = gl.walk(&format!("{SHOP}/members/all?per_page=2")).await;
    let levels: Vec<(Value, Value)> = members
        .iter()
        .map(|m| (m["username"].clone(), m["access_level"].clone()))
        .collect();
    let expected = [
        ("sandbox-demo", 50),
        ("alice", 40),
        ("bob", 30),
        ("dave", 20),
    ];
    let expected: Vec<(Value, Value)> =
        expected.iter().map(|(u, l)| (json!(u), json!(l))).collect();
    assert_eq!((levels, pages), (expected, 2));
    for member in &members {
        let one = gl
            .get(&format!("{SHOP}/members/all/{}", member["id"]))
            .await;
        assert_eq!(&one.expect(200), member);
    }
    let missing = gl.get("/projects/acme%2Fnope/members/all").await;
    assert_eq!(
        (missing.status, missing.body),
        (404, json!({"message": "404 Project Not Found"}))
    );
}
