//! Deployments: the 412 and 409 rules, progression by admin calls and on the clock,
//! failures, cancel, image reuse and paging.

use serde_json::json;

use super::super::testkit::{TestClient, app_id, manual, none, timed};

#[tokio::test]
async fn deploys_need_a_subdomain_a_connection_and_staging_when_reviewed() {
    let (_sandbox, ax) = manual().await;
    for (slug, code) in [
        ("blog", "precondition_failed"),
        ("api", "precondition_failed"),
        ("portal", "staging_required"),
    ] {
        let reply = ax.deploy(slug, none()).await;
        assert_eq!(reply.status, 412, "{slug}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], code, "{slug}");
        assert_eq!(reply.body["error"]["category"], "precondition_failed");
    }
    let bad = ax.deploy("shop", json!({"commit_sha": "abc"})).await;
    assert_eq!(
        (bad.status, bad.body["error"]["code"].clone()),
        (400, json!("invalid_format"))
    );
    // Staging on, portal deploys, to staging: production stays.
    ax.put(&format!("/apps/{}/staging", app_id("portal")), none())
        .await
        .expect(202);
    let run = ax.deploy("portal", none()).await.expect(202);
    let id = run["id"].as_str().unwrap();
    ax.control("portal", id, "finish", json!({"status": "success"}))
        .await;
    let app = ax
        .get(&format!("/apps/{}", app_id("portal")))
        .await
        .expect(200);
    assert_ne!(app["production_deployment_id"].as_str(), Some(id));
    let releases = ax
        .get(&format!("/apps/{}/releases", app_id("portal")))
        .await
        .expect(200);
    assert_eq!(releases["items"][0]["deployment_id"].as_str(), Some(id));
    assert_eq!(releases["items"][0]["active_staging"], true);
    assert_eq!(releases["items"][0]["active_production"], false);
    assert_eq!(releases["items"][1]["active_production"], true);
}

#[tokio::test]
async fn a_manual_deployment_moves_one_stage_per_call_and_blocks_another() {
    let (_sandbox, ax) = manual().await;
    let head = ax.head("acme/shop").await;
    let run = ax.deploy("shop", none()).await.expect(202);
    assert_eq!(
        (run["status"].clone(), run["commit_sha"].clone()),
        (json!("pending"), json!(head))
    );
    assert!(run["completed_at"].is_null() && run["image_uri"].is_null());
    assert_eq!(run["trigger_source"], "manual");
    let id = run["id"].as_str().unwrap();
    let busy = ax.deploy("shop", none()).await;
    assert_eq!(busy.status, 409);
    assert!(busy.body["error"]["message"].as_str().unwrap().contains(id));
    assert_eq!(busy.body["error"]["resource"]["id"].as_str(), Some(id));
    let builds = ax.builds().await;
    for (stage, image) in [("building", false), ("pushing", false), ("deploying", true)] {
        let now = ax.control("shop", id, "advance", none()).await;
        assert_eq!(
            (now["status"].as_str(), now["current_stage"].as_str()),
            (Some(stage), Some(stage))
        );
        assert_eq!(now["image_uri"].is_string(), image, "{stage}");
    }
    assert_eq!(ax.builds().await, builds + 1);
    let done = ax.control("shop", id, "advance", none()).await;
    assert_eq!(done["status"], "succeeded");
    assert!(done["current_stage"].is_null() && done["completed_at"].is_string());
    assert_eq!(done["stages"].as_array().unwrap().len(), 3);
    let app = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(app["production_deployment_id"].as_str(), Some(id));
    // Cancel: 409 once succeeded.
    let late = ax
        .post(
            &format!("/apps/{}/deployments/{id}/cancel", app_id("shop")),
            none(),
        )
        .await;
    assert_eq!(
        (late.status, late.body["error"]["category"].clone()),
        (409, json!("conflict"))
    );
}

#[tokio::test]
async fn failures_keep_their_stage_and_cancel_is_idempotent() {
    let (_sandbox, ax) = manual().await;
    ax.outcome(
        "shop",
        json!({"status": "fail", "stage": "healthcheck", "code": "healthcheck.rollout_timeout"}),
    )
    .await;
    let run = ax
        .deploy("shop", json!({"force_rebuild": true}))
        .await
        .expect(202);
    let id = run["id"].as_str().unwrap();
    for _ in 0..4 {
        ax.control("shop", id, "advance", none()).await;
    }
    let failed = ax.deployment("shop", id).await;
    assert_eq!(
        (failed["status"].as_str(), failed["current_stage"].as_str()),
        (Some("failed"), Some("healthcheck"))
    );
    assert_eq!(
        failed["failure_reason"]["code"],
        "healthcheck.rollout_timeout"
    );
    assert_eq!(failed["failure_reason"]["stage"], "healthcheck");
    let diagnoses = ax
        .get(&format!(
            "/apps/{}/deployments/{id}/diagnoses",
            app_id("shop")
        ))
        .await
        .expect(200);
    assert_eq!(
        diagnoses["diagnoses"][0]["code"],
        "healthcheck.rollout_timeout"
    );
    // The app's live diagnosis (axhub-sdk's shape): production still runs the seeded build.
    let live = ax
        .get(&format!("/apps/{}/diagnosis", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(
        (
            live["app_id"].as_str(),
            live["applicable"].clone(),
            live["healthy"].clone()
        ),
        (Some(app_id("shop").as_str()), json!(true), json!(true))
    );
    assert!(live["services"][0]["image_uri"].is_string() && live["warnings"] == json!([]));
    let never = ax
        .get(&format!("/apps/{}/diagnosis", app_id("blog")))
        .await
        .expect(200);
    assert_eq!(
        (never["applicable"].clone(), never["services"].clone()),
        (json!(false), json!([]))
    );
    let cancel = format!("/apps/{}/deployments/{id}/cancel", app_id("shop"));
    assert_eq!(ax.post(&cancel, none()).await.status, 409);
    ax.outcome("shop", json!({"status": "success"})).await;
    let run = ax.deploy("shop", none()).await.expect(202);
    let id = run["id"].as_str().unwrap();
    ax.control("shop", id, "advance", none()).await;
    let cancel = format!("/apps/{}/deployments/{id}/cancel", app_id("shop"));
    assert_eq!(ax.post(&cancel, none()).await.status, 204);
    assert_eq!(ax.post(&cancel, none()).await.status, 204);
    let cancelled = ax.deployment("shop", id).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled["cancel_requested_at"].is_string() && cancelled["current_stage"].is_null());
    // The slot is free again.
    ax.deploy("shop", none()).await.expect(202);
}

#[tokio::test]
async fn a_built_commit_reuses_its_image_unless_forced() {
    let (_sandbox, ax) = timed().await;
    let head = ax.head("acme/shop").await;
    let before = ax.builds().await;
    let first = ax
        .deploy("shop", json!({"commit_sha": head}))
        .await
        .expect(202);
    let first = ax.wait("shop", first["id"].as_str().unwrap()).await;
    assert_eq!(first["status"], "succeeded");
    let second = ax
        .deploy("shop", json!({"commit_sha": head}))
        .await
        .expect(202);
    assert_eq!(second["image_uri"], first["image_uri"]);
    assert_eq!(second["ci_cache_hit"], true);
    ax.wait("shop", second["id"].as_str().unwrap()).await;
    assert_eq!(ax.builds().await, before + 1, "one build, not two");
    let forced = ax
        .deploy("shop", json!({"commit_sha": head, "force_rebuild": true}))
        .await
        .expect(202);
    let forced = ax.wait("shop", forced["id"].as_str().unwrap()).await;
    assert_ne!(forced["image_uri"], first["image_uri"]);
    assert_eq!(ax.builds().await, before + 2);
}

#[tokio::test]
async fn timed_deployments_pass_every_stage_and_list_newest_first() {
    let (_sandbox, ax) = timed().await;
    let mut seen = Vec::new();
    let run = ax.deploy("shop", none()).await.expect(202);
    let id = run["id"].as_str().unwrap().to_owned();
    loop {
        let now = ax.deployment("shop", &id).await;
        let status = now["status"].as_str().unwrap().to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(seen.first().map(String::as_str), Some("pending"));
    assert!(seen.len() >= 3, "{seen:?}");
    let list = format!("/apps/{}/deployments", app_id("shop"));
    let page = ax.get(&format!("{list}?limit=1")).await.expect(200);
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"][0]["id"].as_str(), Some(id.as_str()));
    let older = ax
        .get(&format!("{list}?limit=1&offset=1"))
        .await
        .expect(200);
    assert_eq!(older["items"][0]["trigger_source"], "webhook");
    assert!(older["next_cursor"].is_null());
}
