//! Protected environments: tiers, entry validation, GitLab's silent drop, updates by id,
//! and who may deploy.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::testkit::{Gl, SHOP, TestClient, sandbox};

const PROTECTED: &str = "/projects/acme%2Fplatform%2Fshop/protected_environments";

/// The principals of a protected environment's deployers, as `(kind, id)`.
fn principals(protection: &Value, key: &str) -> Vec<(String, i64)> {
    let mut found: Vec<(String, i64)> = protection[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            for kind in ["access_level", "user_id", "group_id"] {
                if let Some(id) = entry[kind].as_i64() {
                    return (kind.to_owned(), id);
                }
            }
            panic!("no principal in {entry}");
        })
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn the_free_tier_and_non_maintainers_get_403() {
    let (_sandbox, gl) = sandbox().await;
    let scripts = "/projects/acme%2Ftools%2Fscripts/protected_environments";
    let body = json!({"name": "production", "deploy_access_levels": [{"access_level": 40}]});
    assert_eq!(
        gl.get(scripts).await.expect(403),
        json!({"message": "403 Forbidden"})
    );
    assert_eq!(gl.post(scripts, body.clone()).await.status, 403);
    gl.admin(
        Method::PUT,
        "/projects/acme%2Ftools%2Fscripts/tier",
        Some(json!({"tier": "premium"})),
    )
    .await
    .expect(200);
    gl.post(scripts, body.clone()).await.expect(201);
    assert_eq!(
        gl.as_user("bob").await.get(PROTECTED).await.status,
        403,
        "developers do not manage protection"
    );
}

/// Every subset of these principals is protected once: GitLab keeps exactly the level,
/// users with Developer access and groups the project is shared with.
#[tokio::test]
async fn unqualified_users_and_groups_are_dropped_silently_in_every_combination() {
    let (_sandbox, gl) = sandbox().await;
    let candidates = [
        (json!({"access_level": 40}), true),
        (json!({"user_id": 2}), true),    // alice, maintainer
        (json!({"user_id": 3}), true),    // bob, developer
        (json!({"user_id": 4}), false),   // carol, no access
        (json!({"user_id": 5}), false),   // dave, reporter
        (json!({"user_id": 999}), false), // nobody
        (json!({"group_id": 12}), true),  // shared with the project
        (json!({"group_id": 13}), false), // not shared
    ];
    for mask in 1u32..(1 << candidates.len()) {
        let chosen: Vec<&(Value, bool)> = candidates
            .iter()
            .enumerate()
            .filter(|(at, _)| mask & (1 << at) != 0)
            .map(|(_, c)| c)
            .collect();
        let name = format!("env-{mask}");
        let body = json!({"name": name, "deploy_access_levels": chosen.iter().map(|(entry, _)| entry.clone()).collect::<Vec<_>>()});
        let reply = gl.post(PROTECTED, body).await;
        let kept: Vec<Value> = chosen
            .iter()
            .filter(|(_, kept)| *kept)
            .map(|(entry, _)| entry.clone())
            .collect();
        if kept.is_empty() {
            assert_eq!(
                (reply.status, reply.body),
                (
                    400,
                    json!({"message": {"deploy_access_levels": ["is too short (minimum is 1 character)"]}})
                ),
                "{mask:b}"
            );
            gl.get(&format!("{PROTECTED}/{name}")).await.expect(404);
            continue;
        }
        let created = reply.expect(201);
        let expected = principals(&json!({"d": kept}), "d");
        assert_eq!(
            principals(&created, "deploy_access_levels"),
            expected,
            "{mask:b}"
        );
        assert_eq!(
            principals(
                &gl.get(&format!("{PROTECTED}/{name}")).await.expect(200),
                "deploy_access_levels"
            ),
            expected
        );
    }
    // Approval rules are filtered the same way.
    let body = json!({"name": "rules", "deploy_access_levels": [{"access_level": 40}],
        "approval_rules": [{"group_id": 12, "required_approvals": 2}, {"group_id": 13}, {"user_id": 4}, {"access_level": 40}]});
    let created = gl.post(PROTECTED, body).await.expect(201);
    assert_eq!(
        principals(&created, "approval_rules"),
        [("access_level".to_owned(), 40), ("group_id".to_owned(), 12)]
    );
    let group_rule = created["approval_rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["group_id"] == 12)
        .unwrap()
        .clone();
    assert_eq!(
        (
            group_rule["required_approvals"].clone(),
            group_rule["access_level_description"].clone()
        ),
        (json!(2), json!("release-managers"))
    );
}

#[tokio::test]
async fn entries_name_exactly_one_principal_and_protecting_twice_is_409() {
    let (_sandbox, gl) = sandbox().await;
    let refusals = [
        (json!({"name": "p"}), "deploy_access_levels is missing"),
        (
            json!({"name": "p", "deploy_access_levels": [{}]}),
            "deploy_access_levels[0][access_level], deploy_access_levels[0][user_id], deploy_access_levels[0][group_id] are missing, exactly one parameter must be provided",
        ),
        (
            json!({"name": "p", "deploy_access_levels": [{"access_level": 40}, {"access_level": 40, "user_id": 2}]}),
            "deploy_access_levels[1][access_level], deploy_access_levels[1][user_id], deploy_access_levels[1][group_id] are mutually exclusive",
        ),
        (
            json!({"name": "p", "deploy_access_levels": [{"access_level": 50}]}),
            "deploy_access_levels[0][access_level] does not have a valid value",
        ),
        (
            json!({"name": "p", "deploy_access_levels": [{"group_id": 12, "group_inheritance_type": 2}]}),
            "deploy_access_levels[0][group_inheritance_type] does not have a valid value",
        ),
        (
            json!({"name": "p", "deploy_access_levels": [{"access_level": 40}], "approval_rules": [{"required_approvals": 1}]}),
            "approval_rules[0][access_level], approval_rules[0][user_id], approval_rules[0][group_id] are missing, exactly one parameter must be provided",
        ),
    ];
    for (body, error) in refusals {
        assert_eq!(
            gl.post(PROTECTED, body.clone()).await.expect(400),
            json!({"error": error}),
            "{body}"
        );
    }
    let body = json!({"name": "p", "deploy_access_levels": [{"access_level": 30}]});
    let created = gl.post(PROTECTED, body.clone()).await.expect(201);
    assert_eq!(
        created["deploy_access_levels"][0]["access_level_description"],
        "Developers + Maintainers"
    );
    assert_eq!(
        gl.post(PROTECTED, body).await.expect(409),
        json!({"message": "Protected environment 'p' already exists"})
    );
    assert_eq!(
        gl.get(&format!("{PROTECTED}/nope")).await.expect(404),
        json!({"message": "404 Not found"})
    );
    assert_eq!(
        gl.get(PROTECTED)
            .await
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // A name with `/` is one URL segment.
    let review = json!({"name": "review/app", "deploy_access_levels": [{"access_level": 40}]});
    gl.post(PROTECTED, review).await.expect(201);
    let got = gl
        .get(&format!("{PROTECTED}/review%2Fapp"))
        .await
        .expect(200);
    assert_eq!(got["name"], "review/app");
    assert_eq!(
        gl.delete(&format!("{PROTECTED}/review%2Fapp")).await.status,
        204
    );
}

#[tokio::test]
async fn updates_change_entries_by_id_remove_with_destroy_and_add_without_id() {
    let (_sandbox, gl) = sandbox().await;
    let created = gl.post(PROTECTED, json!({"name": "production", "deploy_access_levels": [{"access_level": 40}, {"user_id": 2}]})).await.expect(201);
    let level_id = created["deploy_access_levels"][0]["id"].clone();
    let alice_id = created["deploy_access_levels"][1]["id"].clone();
    let update = json!({"deploy_access_levels": [
        {"id": alice_id, "_destroy": true},
        {"id": level_id, "access_level": 30},
        {"group_id": 12, "group_inheritance_type": 1},
        {"user_id": 4},
    ], "approval_rules": [{"user_id": 3}]});
    let updated = gl
        .put(&format!("{PROTECTED}/production"), update)
        .await
        .expect(200);
    assert_eq!(
        principals(&updated, "deploy_access_levels"),
        [("access_level".to_owned(), 30), ("group_id".to_owned(), 12)]
    );
    assert_eq!(
        updated["deploy_access_levels"][0]["id"], level_id,
        "updated in place"
    );
    assert_eq!(
        updated["deploy_access_levels"][1]["group_inheritance_type"],
        1
    );
    assert_eq!(
        updated["approval_rules"][0]["required_approvals"], 1,
        "the default"
    );
    assert_eq!(
        gl.get(&format!("{PROTECTED}/production")).await.expect(200),
        updated
    );
    assert_eq!(
        gl.put(
            &format!("{PROTECTED}/production"),
            json!({"deploy_access_levels": [{"id": 9999, "_destroy": true}]})
        )
        .await
        .status,
        404
    );
    let all: Vec<Value> = updated["deploy_access_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| json!({"id": e["id"], "_destroy": true}))
        .collect();
    assert_eq!(
        gl.put(
            &format!("{PROTECTED}/production"),
            json!({"deploy_access_levels": all})
        )
        .await
        .status,
        400,
        "no deployer left"
    );
    assert_eq!(
        gl.delete(&format!("{PROTECTED}/production")).await.status,
        204
    );
    assert_eq!(
        gl.delete(&format!("{PROTECTED}/production")).await.status,
        404
    );
}

async fn deploy_as(gl: &Gl, user: &str, environment: &str) -> u16 {
    let sha = gl.head("101", "main").await;
    gl.as_user(user)
        .await
        .deploy(SHOP, environment, "main", &sha, "success")
        .await
        .status
}

#[tokio::test]
async fn only_the_deployers_a_protected_environment_names_may_create_deployments() {
    let (_sandbox, gl) = sandbox().await;
    let protect = |name: &str, entries: Value| {
        let gl = gl.clone();
        let body = json!({"name": name, "deploy_access_levels": entries});
        async move { gl.post(PROTECTED, body).await.expect(201) }
    };
    protect("by-level", json!([{"access_level": 40}])).await;
    assert_eq!(
        (
            deploy_as(&gl, "bob", "by-level").await,
            deploy_as(&gl, "alice", "by-level").await
        ),
        (403, 201)
    );
    protect("by-user", json!([{"user_id": 3}])).await;
    assert_eq!(
        (
            deploy_as(&gl, "alice", "by-user").await,
            deploy_as(&gl, "bob", "by-user").await
        ),
        (403, 201)
    );
    protect("admins", json!([{"access_level": 60}])).await;
    assert_eq!(
        deploy_as(&gl, "sandbox-demo", "admins").await,
        403,
        "owners are not instance admins"
    );
    // Groups: direct members, or with inheritance members of the group's ancestors.
    gl.admin(
        Method::POST,
        "/groups",
        Some(json!({"full_path": "acme/release-managers/oncall"})),
    )
    .await
    .expect(200);
    gl.admin(
        Method::PUT,
        "/projects/101/shares",
        Some(json!({"group": "acme/release-managers/oncall", "group_access_level": 30})),
    )
    .await
    .expect(200);
    let oncall = gl
        .get("/groups/acme%2Frelease-managers%2Foncall")
        .await
        .expect(200)["id"]
        .clone();
    protect(
        "direct",
        json!([{"group_id": oncall, "group_inheritance_type": 0}]),
    )
    .await;
    protect(
        "inherited",
        json!([{"group_id": oncall, "group_inheritance_type": 1}]),
    )
    .await;
    assert_eq!(
        (
            deploy_as(&gl, "alice", "direct").await,
            deploy_as(&gl, "alice", "inherited").await
        ),
        (403, 201)
    );
    // A refused deployment still created the environment (GitLab finds or creates it first).
    let envs = gl
        .get(&format!("{SHOP}/environments?name=direct"))
        .await
        .expect(200);
    assert_eq!(envs.as_array().unwrap().len(), 1);
    let runs = gl
        .get(&format!("{SHOP}/deployments?environment=direct"))
        .await
        .expect(200);
    assert_eq!(runs, json!([]));
    // On the Free tier protection is not a feature: nothing is enforced.
    gl.admin(
        Method::PUT,
        "/projects/101/tier",
        Some(json!({"tier": "free"})),
    )
    .await
    .expect(200);
    assert_eq!(deploy_as(&gl, "bob", "by-level").await, 201);
}
