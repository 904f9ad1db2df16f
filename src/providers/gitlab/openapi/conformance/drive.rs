//! The drive: every operation of both subsets, to success and to each error GitLab
//! documents, through a [`Checker`] that holds every answer to the description.

use reqwest::Method;
use serde_json::json;

use super::Checker;
use crate::providers::gitlab::emulator::testkit::{Auth, SHOP, TestClient};

/// A project unknown to everyone.
const NO_PROJECT: &str = "/projects/acme%2Fno-such-project";

/// Project, ref, user, group and member lookups: found, missing, unauthenticated, moved.
async fn lookups(c: &mut Checker) {
    c.get(SHOP, 200).await;
    c.get("/projects/101", 200).await;
    c.get(NO_PROJECT, 404).await;
    let anonymous = c.gl.with(Auth::None);
    c.send(&anonymous, Method::GET, SHOP, None, 401).await;
    let old = json!({ "path": "acme/platform/legacy" });
    let made =
        c.gl.admin(Method::POST, "/projects", Some(old))
            .await
            .expect(200);
    let moved = json!({ "path": "acme/platform/renamed" });
    let to = format!("/projects/{}/move", made["id"]);
    c.gl.admin(Method::POST, &to, Some(moved)).await.expect(200);
    c.get("/projects/acme%2Fplatform%2Flegacy", 301).await;

    c.get(&format!("{SHOP}/repository/branches"), 200).await;
    c.get(&format!("{NO_PROJECT}/repository/branches"), 404)
        .await;
    c.get(&format!("{SHOP}/repository/branches/release%2F1.x"), 200)
        .await;
    c.get(&format!("{SHOP}/repository/branches/no-such-branch"), 404)
        .await;
    c.get(&format!("{SHOP}/repository/tags"), 200).await;
    c.get(&format!("{NO_PROJECT}/repository/tags"), 404).await;
    c.get(&format!("{SHOP}/repository/tags/v1.0.0"), 200).await;
    c.get(&format!("{SHOP}/repository/tags/v9.9.9"), 404).await;
    c.get(&format!("{SHOP}/repository/commits/main"), 200).await;
    let head = c.gl.head("101", "main").await;
    c.get(&format!("{SHOP}/repository/commits/{}", &head[..8]), 200)
        .await;
    c.get(
        &format!("{SHOP}/repository/commits/{}", "0".repeat(40)),
        404,
    )
    .await;
    c.get("/users?username=alice", 200).await;
    c.get("/users?username=nobody-at-all", 200).await;
    c.get("/groups/acme%2Frelease-managers", 200).await;
    c.get("/groups/12", 200).await;
    c.get("/groups/acme%2Fno-such-group", 404).await;
    c.get(&format!("{SHOP}/members/all"), 200).await;
    c.get(&format!("{SHOP}/members/all?per_page=2&page=2"), 200)
        .await;
    c.get(&format!("{NO_PROJECT}/members/all"), 404).await;
    c.get(&format!("{SHOP}/members/all/2"), 200).await;
    c.get(&format!("{SHOP}/members/all/1"), 200).await;
    c.get(&format!("{SHOP}/members/all/4"), 404).await;
    c.get(&format!("{SHOP}/members/all/999"), 404).await;
}

/// Environments through create, update, stop and delete, with each refusal.
async fn environments(c: &mut Checker) {
    let list = format!("{SHOP}/environments");
    let every = json!({
        "name": "review/app-1",
        "external_url": "https://review.example.com",
        "tier": "development",
        "description": "Every optional field",
        "auto_stop_setting": "with_action",
        "kubernetes_namespace": "review",
        "flux_resource_path": "HelmRelease/review",
    });
    let env = c.post(&list, every, 201).await;
    c.post(&list, json!({ "name": "staging" }), 201).await;
    c.post(&list, json!({ "name": "staging" }), 400).await;
    c.post(&list, json!({ "name": "qa", "tier": "prod" }), 400)
        .await;
    c.post(&list, json!({ "tier": "production" }), 400).await;
    c.post(
        &format!("{NO_PROJECT}/environments"),
        json!({ "name": "qa" }),
        404,
    )
    .await;
    let dave = c.gl.as_user("dave").await;
    c.send(
        &dave,
        Method::POST,
        &list,
        Some(json!({ "name": "qa" })),
        403,
    )
    .await;
    c.get(&list, 200).await;
    c.get(&format!("{list}?name=staging"), 200).await;
    c.get(&format!("{list}?search=st"), 400).await;
    c.get(&format!("{NO_PROJECT}/environments"), 404).await;
    let anonymous = c.gl.with(Auth::None);
    c.send(&anonymous, Method::GET, &list, None, 401).await;

    let one = format!("{list}/{}", env["id"]);
    c.get(&one, 200).await;
    c.get(&format!("{list}/999999"), 404).await;
    let changed = json!({ "external_url": "https://other.example.com", "tier": "staging", "description": "" });
    c.put(&one, changed, 200).await;
    // The description's update takes any key; GitLab ignores `name` (no longer declared).
    c.put(&one, json!({ "name": "renamed" }), 200).await;
    c.put(&one, json!({ "auto_stop_setting": "never" }), 400)
        .await;
    c.put(&format!("{list}/999999"), json!({ "tier": "staging" }), 404)
        .await;
    c.delete(&one, 403).await;
    c.post(&format!("{one}/stop"), json!({ "force": true }), 200)
        .await;
    c.post(&format!("{list}/999999/stop"), json!({}), 404).await;
    c.delete(&one, 204).await;
    c.delete(&one, 404).await;
}

/// Deployments through create, status changes, approvals and deletion, with each refusal.
async fn deployments(c: &mut Checker) {
    let list = format!("{SHOP}/deployments");
    let main = c.gl.head("101", "main").await;
    let new = |status: &str| json!({ "environment": "staging", "sha": main, "ref": "main", "tag": false, "status": status });
    let running = c.post(&list, new("running"), 201).await;
    let finished = c.post(&list, new("success"), 201).await;
    let tag = json!({ "environment": "staging", "sha": main, "ref": "v9.9.9", "tag": true, "status": "success" });
    c.post(&list, tag, 400).await;
    c.post(&list, new("created"), 400).await;
    c.post(&format!("{NO_PROJECT}/deployments"), new("running"), 404)
        .await;
    c.get(&list, 200).await;
    c.get(
        &format!("{list}?environment=staging&order_by=id&sort=desc&per_page=1"),
        200,
    )
    .await;
    c.get(&format!("{list}?status=exploded"), 400).await;
    c.get(&format!("{NO_PROJECT}/deployments"), 404).await;
    let one = format!("{list}/{}", running["id"]);
    c.get(&one, 200).await;
    c.get(&format!("{list}/999999"), 404).await;
    c.put(&one, json!({ "status": "running" }), 400).await;
    c.put(
        &format!("{list}/999999"),
        json!({ "status": "failed" }),
        404,
    )
    .await;
    let ci = json!({ "environment": "staging", "ref": "main" });
    let ids =
        c.gl.admin(Method::POST, "/projects/101/ci-deployments", Some(ci))
            .await
            .expect(200);
    c.put(
        &format!("{list}/{}", ids["ids"][0]),
        json!({ "status": "failed" }),
        403,
    )
    .await;
    c.delete(&one, 400).await;
    c.put(&one, json!({ "status": "failed" }), 200).await;
    let bob = c.gl.as_user("bob").await;
    c.send(&bob, Method::DELETE, &one, None, 403).await;
    c.delete(&one, 204).await;
    c.delete(&one, 404).await;
    c.get(&format!("{list}/{}", finished["id"]), 200).await;
}

/// Protections of environments (with approvals of a blocked deployment) on the Premium
/// project, and the Free tier's refusal.
async fn protections(c: &mut Checker) {
    let list = format!("{SHOP}/protected_environments");
    let rules = json!([{ "group_id": 12, "required_approvals": 1 }, { "user_id": 2 }]);
    let body = json!({ "name": "production", "deploy_access_levels": [{ "access_level": 40 }, { "user_id": 3 }], "approval_rules": rules });
    let made = c.post(&list, body.clone(), 201).await;
    c.post(&list, body, 409).await;
    let review = json!({ "name": "review/app-1", "deploy_access_levels": [{ "user_id": 2 }] });
    c.post(&list, review, 201).await;
    c.post(
        &list,
        json!({ "name": "qa", "deploy_access_levels": [{ "access_level": 50 }] }),
        400,
    )
    .await;
    c.post(
        &list,
        json!({ "name": "qa", "deploy_access_levels": [{ "user_id": 5 }] }),
        400,
    )
    .await;
    c.post(
        &format!("{NO_PROJECT}/protected_environments"),
        json!({ "name": "qa", "deploy_access_levels": [{ "access_level": 40 }] }),
        404,
    )
    .await;
    let free = "/projects/acme%2Ftools%2Fscripts/protected_environments";
    c.post(
        free,
        json!({ "name": "qa", "deploy_access_levels": [{ "access_level": 40 }] }),
        403,
    )
    .await;
    c.get(&list, 200).await;
    c.get(free, 403).await;
    c.get(&format!("{NO_PROJECT}/protected_environments"), 404)
        .await;
    let one = format!("{list}/production");
    c.get(&one, 200).await;
    c.get(&format!("{list}/review%2Fapp-1"), 200).await;
    c.get(&format!("{list}/qa"), 404).await;
    c.get(&format!("{free}/production"), 403).await;
    let entry = made["deploy_access_levels"][1]["id"].clone();
    let update = json!({ "deploy_access_levels": [{ "id": entry, "_destroy": true }, { "group_id": 12, "group_inheritance_type": 1 }] });
    c.put(&one, update, 200).await;
    c.put(
        &one,
        json!({ "deploy_access_levels": [{ "access_level": 20 }] }),
        400,
    )
    .await;
    c.put(
        &format!("{list}/qa"),
        json!({ "deploy_access_levels": [{ "access_level": 40 }] }),
        404,
    )
    .await;
    c.put(
        &format!("{free}/production"),
        json!({ "deploy_access_levels": [{ "access_level": 40 }] }),
        403,
    )
    .await;

    // alice alone may deploy to review/app-1; the demo user (an owner) may not.
    let main = c.gl.head("101", "main").await;
    let review = json!({ "environment": "review/app-1", "sha": main, "ref": "main", "tag": false, "status": "running" });
    c.post(&format!("{SHOP}/deployments"), review, 403).await;
    approvals(c).await;

    c.delete(&one, 204).await;
    c.delete(&one, 404).await;
    c.delete(&format!("{free}/production"), 403).await;
}

/// Votes on a blocked CI deployment to the protected `production`.
async fn approvals(c: &mut Checker) {
    let blocked =
        json!({ "environment": "production", "ref": "main", "blocked": true, "username": "bob" });
    let ids =
        c.gl.admin(Method::POST, "/projects/101/ci-deployments", Some(blocked))
            .await
            .expect(200);
    let approval = format!("{SHOP}/deployments/{}/approval", ids["ids"][0]);
    let bob = c.gl.as_user("bob").await;
    c.send(
        &bob,
        Method::POST,
        &approval,
        Some(json!({ "status": "approved" })),
        400,
    )
    .await;
    let alice = c.gl.as_user("alice").await;
    let vote =
        json!({ "status": "approved", "comment": "fine", "represented_as": "release-managers" });
    c.send(&alice, Method::POST, &approval, Some(vote), 201)
        .await;
    c.get(&format!("{SHOP}/deployments/{}", ids["ids"][0]), 200)
        .await;
    c.send(
        &alice,
        Method::POST,
        &approval,
        Some(json!({ "status": "rejected" })),
        201,
    )
    .await;
    c.post(
        &format!("{SHOP}/deployments/999999/approval"),
        json!({ "status": "approved" }),
        404,
    )
    .await;
}

/// Drives every operation of both subsets.
pub(super) async fn drive(c: &mut Checker) {
    lookups(c).await;
    environments(c).await;
    deployments(c).await;
    protections(c).await;
}
