//! Approvals of blocked CI deployments on environments with approval rules.

use reqwest::Method;
use serde_json::{Value, json};

use super::super::testkit::{Gl, SHOP, TestClient, sandbox};

async fn blocked(gl: &Gl, environment: &str, username: &str) -> Value {
    let body =
        json!({"environment": environment, "ref": "main", "blocked": true, "username": username});
    let ids = gl
        .admin(Method::POST, "/projects/101/ci-deployments", Some(body))
        .await
        .expect(200);
    ids["ids"][0].clone()
}

#[tokio::test]
async fn enough_approvals_unblock_a_deployment_and_a_rejection_fails_it() {
    let (_sandbox, gl) = sandbox().await;
    let rules = json!([{"group_id": 12, "required_approvals": 1}, {"access_level": 40, "required_approvals": 2}]);
    let body = json!({"name": "production", "deploy_access_levels": [{"access_level": 30}], "approval_rules": rules});
    gl.post(&format!("{SHOP}/protected_environments"), body)
        .await
        .expect(201);
    let id = blocked(&gl, "production", "bob").await;
    let path = format!("{SHOP}/deployments/{id}");
    let before = gl.get(&path).await.expect(200);
    assert_eq!(
        (
            before["status"].clone(),
            before["pending_approval_count"].clone(),
            before["approvals"].clone()
        ),
        (json!("blocked"), json!(3), json!([]))
    );
    assert_eq!(before["deployable"]["status"], "manual");
    assert_eq!(
        before["approval_summary"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let approve = |who: &Gl, body: Value| {
        let (who, path) = (who.clone(), format!("{path}/approval"));
        async move { who.post(&path, body).await }
    };
    let bob = gl.as_user("bob").await;
    let own = approve(&bob, json!({"status": "approved"})).await;
    assert_eq!(
        own.expect(400)["message"],
        "You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings."
    );
    let dave = gl.as_user("dave").await;
    assert!(
        approve(&dave, json!({"status": "approved"}))
            .await
            .expect(400)["message"]
            .as_str()
            .unwrap()
            .starts_with("You don't have permission")
    );
    assert_eq!(
        approve(&gl, json!({"status": "maybe"})).await.expect(400),
        json!({"error": "status does not have a valid value"})
    );

    // alice: a member of the group and a maintainer; she votes once for each rule.
    let alice = gl.as_user("alice").await;
    let vote = approve(
        &alice,
        json!({"status": "approved", "comment": "fine", "represented_as": "release-managers"}),
    )
    .await
    .expect(201);
    assert_eq!(
        (
            vote["user"]["username"].clone(),
            vote["status"].clone(),
            vote["comment"].clone()
        ),
        (json!("alice"), json!("approved"), json!("fine"))
    );
    let refused = approve(
        &alice,
        json!({"status": "approved", "represented_as": "qa"}),
    )
    .await
    .expect(400);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .starts_with("There are no approval rules for the given")
    );
    approve(
        &alice,
        json!({"status": "approved", "represented_as": "maintainer"}),
    )
    .await
    .expect(201);
    assert_eq!(gl.get(&path).await.expect(200)["pending_approval_count"], 1);
    // The owner (a maintainer by inheritance) gives the last one.
    approve(&gl, json!({"status": "approved"}))
        .await
        .expect(201);
    let after = gl.get(&path).await.expect(200);
    assert_eq!(
        (
            after["status"].clone(),
            after["deployable"]["status"].clone(),
            after["pending_approval_count"].clone()
        ),
        (json!("created"), json!("manual"), json!(0))
    );
    assert_eq!(after["approvals"].as_array().unwrap().len(), 3);
    let summary = &after["approval_summary"]["rules"];
    assert_eq!(
        (
            summary[0]["deployment_approvals"].as_array().unwrap().len(),
            summary[1]["deployment_approvals"].as_array().unwrap().len()
        ),
        (1, 2)
    );
    assert_eq!(
        approve(&alice, json!({"status": "approved"}))
            .await
            .expect(400)["message"],
        "This deployment is not waiting for approvals."
    );

    // A rejection fails the job and the deployment.
    let other = blocked(&gl, "production", "bob").await;
    let rejected = gl
        .admin(
            Method::POST,
            &format!("/projects/101/deployments/{other}/approve"),
            Some(json!({"username": "alice", "status": "rejected"})),
        )
        .await
        .expect(200);
    assert_eq!(rejected["status"], "failed");
    assert_eq!(
        gl.get(&format!("{SHOP}/deployments/{other}"))
            .await
            .expect(200)["deployable"]["status"],
        "failed"
    );
}

#[tokio::test]
async fn approvals_need_a_protected_environment_with_rules() {
    let (_sandbox, gl) = sandbox().await;
    let open = blocked(&gl, "open", "bob").await;
    let reply = gl
        .post(
            &format!("{SHOP}/deployments/{open}/approval"),
            json!({"status": "approved"}),
        )
        .await;
    assert_eq!(
        reply.expect(400),
        json!({"message": "This environment is not protected."})
    );
    gl.post(
        &format!("{SHOP}/protected_environments"),
        json!({"name": "guarded", "deploy_access_levels": [{"access_level": 40}]}),
    )
    .await
    .expect(201);
    let guarded = blocked(&gl, "guarded", "bob").await;
    let reply = gl
        .post(
            &format!("{SHOP}/deployments/{guarded}/approval"),
            json!({"status": "approved"}),
        )
        .await;
    assert_eq!(
        reply.expect(400),
        json!({"message": "Deployment approvals is not configured for this environment."})
    );
    let run = gl
        .get(&format!("{SHOP}/deployments/{guarded}"))
        .await
        .expect(200);
    assert!(
        run.get("approval_summary").is_none(),
        "only environments with rules show approvals"
    );
}
