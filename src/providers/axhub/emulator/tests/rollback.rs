//! Rollbacks swap production to an earlier build without a new deployment row.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{TestClient, app_id, manual, none, timed};

#[tokio::test]
async fn a_rollback_swaps_production_without_a_new_row() {
    let (_sandbox, ax) = manual().await;
    let seeded = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200)["production_deployment_id"]
        .clone();
    let seeded = seeded.as_str().unwrap().to_owned();
    let run = ax.deploy("shop", none()).await.expect(202);
    let id = run["id"].as_str().unwrap();
    ax.control("shop", id, "finish", json!({"status": "success"}))
        .await;
    let rollback = format!("/apps/{}/deployments/{seeded}/rollback", app_id("shop"));
    ax.post(&rollback, none()).await.expect(202);
    let app = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(
        app["production_deployment_id"].as_str(),
        Some(id),
        "applies asynchronously"
    );
    ax.admin(Method::POST, "/apps/shop/rollback/finish", None)
        .await
        .expect(200);
    let app = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(
        app["production_deployment_id"].as_str(),
        Some(seeded.as_str())
    );
    let list = ax
        .get(&format!("/apps/{}/deployments", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(list["total"], 2, "no new row");
    let releases = ax
        .get(&format!("/apps/{}/releases", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(releases["items"][0]["version"], 2);
    assert_eq!(releases["items"][0]["active_production"], false);
    assert_eq!(releases["items"][1]["active_production"], true);
    assert_eq!(releases["items"][1]["approved"], true);
}

#[tokio::test]
async fn a_rollback_needs_an_image_and_a_confirmed_schema_skew() {
    let (_sandbox, ax) = timed().await;
    let seeded = crate::providers::axhub::emulator::seed::uuid("deployment/shop-seed");
    let rollback = format!("/apps/{}/deployments/{seeded}/rollback", app_id("shop"));
    ax.admin(
        Method::PUT,
        "/apps/shop/schema-skew",
        Some(json!({"destructive": true})),
    )
    .await
    .expect(200);
    let refused = ax.post(&rollback, none()).await;
    // A confirmation missing is `confirm_required`, as AxHub's registry (axhub-sdk) names it.
    assert_eq!(
        (refused.status, refused.body["error"]["code"].clone()),
        (412, json!("confirm_required"))
    );
    ax.post(&rollback, json!({"confirm_schema_skew": true}))
        .await
        .expect(202);
    ax.control("shop", &seeded, "expire-image", none()).await;
    let gone = ax
        .post(&rollback, json!({"confirm_schema_skew": true}))
        .await;
    assert_eq!(
        (gone.status, gone.body["error"]["code"].clone()),
        (412, json!("precondition_failed"))
    );
    let other = format!("/apps/{}/deployments/{seeded}/rollback", app_id("portal"));
    assert_eq!(ax.post(&other, none()).await.status, 404);
    // The expired commit builds again.
    let head = ax.admin(Method::GET, "/apps/shop", None).await.expect(200);
    assert_eq!(head["builds"], 1);
}

#[tokio::test]
async fn a_timed_rollback_applies_on_the_clock() {
    let (_sandbox, ax) = timed().await;
    let seeded = crate::providers::axhub::emulator::seed::uuid("deployment/shop-seed");
    let run = ax.deploy("shop", none()).await.expect(202);
    let id = run["id"].as_str().unwrap();
    ax.wait("shop", id).await;
    let app = format!("/apps/{}", app_id("shop"));
    assert_eq!(
        ax.get(&app).await.expect(200)["production_deployment_id"].as_str(),
        Some(id)
    );
    ax.post(&format!("{app}/deployments/{seeded}/rollback"), none())
        .await
        .expect(202);
    let mut production = String::new();
    for _ in 0..100 {
        let now = ax.get(&app).await.expect(200);
        production = now["production_deployment_id"].as_str().unwrap().to_owned();
        if production == seeded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(production, seeded);
}

#[tokio::test]
async fn a_reviewed_app_rolls_back_to_approved_versions_only() {
    let (_sandbox, ax) = manual().await;
    let app = format!("/apps/{}", app_id("portal"));
    ax.put(&format!("{app}/staging"), none()).await.expect(202);
    let run = ax.deploy("portal", none()).await.expect(202);
    let id = run["id"].as_str().unwrap();
    ax.control("portal", id, "finish", json!({"status": "success"}))
        .await;
    let rollback = format!("{app}/deployments/{id}/rollback");
    let refused = ax.post(&rollback, none()).await;
    assert_eq!(
        (refused.status, refused.body["error"]["code"].clone()),
        (403, json!("version_not_approved"))
    );
    assert_eq!(refused.body["error"]["category"], "permission_denied");
    ax.control("portal", id, "approve", none()).await;
    ax.post(&rollback, none()).await.expect(202);
    let missing = format!("{app}/deployments/{}/rollback", app_id("nothing"));
    assert_eq!(
        ax.post(&missing, none()).await.body["error"]["code"],
        "not_found"
    );
}
