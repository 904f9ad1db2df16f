//! Deployments: timing, outcomes, manual mode, cancel, approval, canary, snapshots.

use serde_json::json;

use super::super::testkit::{self, FAST, Ncp};
use crate::sandbox::DeployTiming;

async fn set_outcome(ncp: &Ncp, scenario: &str, outcome: &str) {
    let url = ncp
        .base
        .replace("/ncp-sourcedeploy", "/_sandbox/ncp-sourcedeploy/outcomes");
    let body =
        json!({ "project": "shop", "stage": "dev", "scenario": scenario, "outcome": outcome });
    let response = ncp.http.put(url).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn timed_deployments_progress_to_their_outcome() {
    let sandbox = testkit::start_with(FAST).await;
    let ncp = Ncp::new(&sandbox);
    let ids = ncp.server_setup("shop").await;
    let first = ncp.deploy(ids).await;
    let early = ncp.status(ids.0, first).await;
    assert!(
        ["waiting", "inprogress", "success"].contains(&early.as_str()),
        "{early}"
    );
    assert_eq!(ncp.wait_terminal(ids.0, first).await, "success");

    let (_, body) = ncp
        .get(&format!("/api/v1/project/{}/history/{first}", ids.0))
        .await;
    let detail = &body["result"];
    assert_eq!(detail["strategy"], "normal");
    assert_eq!(detail["executor"], "sandbox-demo");
    assert_eq!(detail["type"], "Server");
    assert!(detail["endTime"].as_i64().unwrap() > detail["startTime"].as_i64().unwrap());
    assert_eq!(
        detail["config"],
        json!([{
            "strategy": "normal",
            "file": { "type": "SourceBuild", "file": "shop-build" },
            "targets": [
                { "server": { "no": 1011, "name": "web-1" }, "status": "success" },
                { "server": { "no": 1012, "name": "web-2" }, "status": "success" }
            ]
        }])
    );

    set_outcome(&ncp, "deploy", "fail").await;
    let second = ncp.deploy(ids).await;
    // Editing the scenario after the start does not change the deployment's snapshot.
    let scenario_path = format!(
        "/api/v1/project/{}/stage/{}/scenario/{}",
        ids.0, ids.1, ids.2
    );
    let mut changed = testkit::server_config();
    changed["file"] = json!({ "type": "ObjectStorage", "ObjectStorage": { "bucket": "shop-artifacts", "object": "shop/shop-1.4.2.tar.gz" } });
    assert_eq!(
        ncp.patch(&scenario_path, json!({ "config": changed }))
            .await
            .0,
        200
    );
    assert_eq!(ncp.wait_terminal(ids.0, second).await, "fail");
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{}/history/{second}", ids.0))
        .await;
    assert_eq!(
        body["result"]["config"][0]["file"],
        json!({ "type": "SourceBuild", "file": "shop-build" })
    );

    let third = ncp.deploy(ids).await;
    assert_eq!(ncp.wait_terminal(ids.0, third).await, "fail");
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{}/history/{third}", ids.0))
        .await;
    assert_eq!(
        body["result"]["config"][0]["file"]["file"],
        "shop/shop-1.4.2.tar.gz"
    );

    let (_, body) = ncp.get(&format!("/api/v1/project/{}/history", ids.0)).await;
    let list = body["result"]["historyList"].as_array().unwrap();
    let ids_listed: Vec<i64> = list
        .iter()
        .map(|item| item["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids_listed, [third, second, first]);
    assert_eq!(list[0]["project"], json!({ "id": ids.0, "name": "shop" }));
    assert_eq!(list[0]["stage"], json!({ "id": ids.1, "name": "dev" }));
    assert_eq!(
        list[0]["scenario"],
        json!({ "id": ids.2, "name": "deploy" })
    );
    assert!(list[0]["startTime"].is_i64());
    let (_, body) = ncp
        .get(&format!(
            "/api/v1/project/{}/history?pageSize=1&pageNo=3",
            ids.0
        ))
        .await;
    assert_eq!(body["result"]["historyList"][0]["id"], first);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn manual_timing_waits_for_the_admin_finish() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let ids = ncp.server_setup("shop").await;
    let history = ncp.deploy(ids).await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(ncp.status(ids.0, history).await, "inprogress");
    let deploy_path = format!(
        "/api/v1/project/{}/stage/{}/scenario/{}/deploy",
        ids.0, ids.1, ids.2
    );
    let (status, body) = ncp.post_empty(&deploy_path).await;
    assert_eq!(status, 400, "second deploy while the first runs: {body}");
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap()
            .contains(&format!("deployment {history}"))
    );
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{}/history/{history}", ids.0))
        .await;
    assert!(body["result"]["endTime"].is_null());
    let finish = format!(
        "{}/_sandbox/ncp-sourcedeploy/history/{history}/finish",
        sandbox.base_url("").trim_end_matches('/')
    );
    let response = ncp
        .http
        .post(&finish)
        .json(&json!({ "status": "fail" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(ncp.status(ids.0, history).await, "fail");
    let again = ncp
        .http
        .post(&finish)
        .json(&json!({ "status": "success" }))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let missing = finish.replace(&format!("/history/{history}/"), "/history/999999/");
    assert_eq!(
        ncp.http
            .post(&missing)
            .json(&json!({ "status": "success" }))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn cancel_and_approval() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let ids = ncp.server_setup("shop").await;
    let history = ncp.deploy(ids).await;
    let cancel = format!("/api/v1/project/{}/history/{history}/cancel", ids.0);
    assert_eq!(
        ncp.post_empty(&cancel).await,
        (200, json!({ "result": { "result": true } }))
    );
    assert_eq!(ncp.status(ids.0, history).await, "canceled");
    let (status, body) = ncp.post_empty(&cancel).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap()
            .contains("canceled")
    );

    let request = format!(
        "/api/v1/project/{}/stage/{}/scenario/{}/deploy/request",
        ids.0, ids.1, ids.2
    );
    let (status, body) = ncp.post_empty(&request).await;
    assert_eq!(status, 200);
    let pending = body["result"]["historyId"].as_i64().unwrap();
    assert_eq!(ncp.status(ids.0, pending).await, "pending");
    let accept = format!(
        "/api/v1/project/{}/history/{pending}/approval/accept",
        ids.0
    );
    assert_eq!(ncp.post_empty(&accept).await.0, 200);
    assert_eq!(ncp.status(ids.0, pending).await, "inprogress");
    assert_eq!(ncp.post_empty(&accept).await.0, 400);
    assert_eq!(
        ncp.post_empty(&format!(
            "/api/v1/project/{}/history/{pending}/cancel",
            ids.0
        ))
        .await
        .0,
        200
    );

    let (_, body) = ncp.post_empty(&request).await;
    let rejected = body["result"]["historyId"].as_i64().unwrap();
    let reject = format!(
        "/api/v1/project/{}/history/{rejected}/approval/reject",
        ids.0
    );
    assert_eq!(ncp.post_empty(&reject).await.0, 200);
    assert_eq!(ncp.status(ids.0, rejected).await, "reject");

    let (status, body) = ncp
        .get(&format!("/api/v1/project/{}/history/424242", ids.0))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["errorCode"], "300");
    let (status, _) = ncp
        .post_empty(&format!(
            "/api/v1/project/{}/stage/{}/scenario/999/deploy",
            ids.0, ids.1
        ))
        .await;
    assert_eq!(status, 404);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn later_files_cannot_be_deployed() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let project = ncp.project("shop").await;
    let stage = ncp
        .stage(project, "dev", "Server", json!({ "serverNo": [1011] }))
        .await;
    let config = json!({ "strategy": "normal", "file": { "type": "later" }, "rollback": true });
    let scenario = ncp.scenario(project, stage, "later", config).await;
    let (status, body) = ncp
        .post_empty(&format!(
            "/api/v1/project/{project}/stage/{stage}/scenario/{scenario}/deploy"
        ))
        .await;
    assert_eq!(status, 400);
    assert!(body["error"]["details"].as_str().unwrap().contains("later"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn manual_canary_waits_for_a_decision_and_reports() {
    let sandbox = testkit::start_with(FAST).await;
    let ncp = Ncp::new(&sandbox);
    let project = ncp.project("shop").await;
    let stage = ncp
        .stage(
            project,
            "dev",
            "KubernetesService",
            json!({ "clusterNo": 4001 }),
        )
        .await;
    let config = json!({
        "strategy": "canary",
        "manifest": { "type": "SourceCommit", "repository": "shop-manifests", "branch": "main", "path": ["/k8s/shop.yaml"] },
        "canaryConfig": { "analysisType": "manual", "canaryCount": 1, "timeout": 30 }
    });
    let scenario = ncp.scenario(project, stage, "canary", config).await;
    let history = ncp.deploy((project, stage, scenario)).await;
    let mut status = String::new();
    for _ in 0..200 {
        status = ncp.status(project, history).await;
        if status == "canary_pending" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(status, "canary_pending");
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{project}/history/{history}"))
        .await;
    assert_eq!(
        body["result"]["config"],
        json!([{ "strategy": "canary", "manifest": { "repository": "shop-manifests", "branch": "main", "path": ["/k8s/shop.yaml"] } }])
    );
    let (_, body) = ncp
        .get(&format!(
            "/api/v1/project/{project}/history/{history}/report"
        ))
        .await;
    let end = body["result"]["stageList"][0].as_i64().unwrap();
    let (status, body) = ncp
        .get(&format!(
            "/api/v1/project/{project}/history/{history}/report/{end}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["result"]["status"], "pass");
    assert_eq!(body["result"]["end"], end);
    assert_eq!(
        ncp.get(&format!(
            "/api/v1/project/{project}/history/{history}/report/1"
        ))
        .await
        .0,
        404
    );
    let accept = format!("/api/v1/project/{project}/history/{history}/canary/accept");
    assert_eq!(ncp.post_empty(&accept).await.0, 200);
    let promoted = ncp.status(project, history).await;
    assert!(
        ["inprogress", "success"].contains(&promoted.as_str()),
        "{promoted}"
    );
    assert_eq!(ncp.wait_terminal(project, history).await, "success");
    let (_, body) = ncp
        .get(&format!(
            "/api/v1/project/{project}/history/{history}/report"
        ))
        .await;
    assert_eq!(body["result"]["stageList"], json!([end]));
    assert_eq!(ncp.post_empty(&accept).await.0, 400);
    sandbox.shutdown().await;
}
