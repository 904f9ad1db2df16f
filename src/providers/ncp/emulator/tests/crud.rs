//! Projects, stages, scenarios and lookups: round trips, filters, paging, 404s.

use serde_json::{Value, json};

use super::super::testkit::{self, Ncp, server_config};
use crate::sandbox::DeployTiming;

fn names(body: &Value, list: &str) -> Vec<String> {
    body["result"][list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| item["name"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn assert_error((status, body): (u16, Value), expected_status: u16, code: &str, detail: &str) {
    assert_eq!(status, expected_status, "{body}");
    assert_eq!(body["error"]["errorCode"], code, "{body}");
    let details = body["error"]["details"].as_str().unwrap_or_default();
    assert!(
        details.contains(detail),
        "details {details:?} should mention {detail:?}"
    );
}

#[tokio::test]
async fn projects_filter_page_and_cascade() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    for name in ["shop-prod", "shop-dev", "blog", "my_shop"] {
        ncp.project(name).await;
    }
    let (_, body) = ncp.get("/api/v1/project?projectName=shop").await;
    assert_eq!(
        names(&body, "projectList"),
        ["shop-prod", "shop-dev", "my_shop"]
    );
    let (_, body) = ncp
        .get("/api/v1/project?projectName=shop&pageNo=2&pageSize=2")
        .await;
    assert_eq!(names(&body, "projectList"), ["my_shop"]);
    let (_, body) = ncp.get("/api/v1/project?pageNo=3&pageSize=2").await;
    assert_eq!(body, json!({ "result": { "projectList": [] } }));
    for bad in ["pageSize=0", "pageSize=101", "pageNo=0", "pageNo=x"] {
        assert_error(
            ncp.get(&format!("/api/v1/project?{bad}")).await,
            400,
            "100",
            bad.split('=').next().unwrap(),
        );
    }

    assert_error(
        ncp.post("/api/v1/project", json!({ "name": "blog" })).await,
        400,
        "100",
        "already exists",
    );
    assert_error(
        ncp.post("/api/v1/project", json!({ "name": "bad name" }))
            .await,
        400,
        "100",
        "' '",
    );
    assert_error(
        ncp.post("/api/v1/project", json!({ "name": "x".repeat(101) }))
            .await,
        400,
        "100",
        "1 to 100",
    );
    assert_error(
        ncp.post("/api/v1/project", json!({})).await,
        400,
        "100",
        "name",
    );
    assert_error(
        ncp.call("POST", "/api/v1/project", None).await,
        400,
        "100",
        "body is required",
    );

    // Nothing cascades: a parent goes only once its children are gone, children first.
    let (project, stage, scenario) = ncp.server_setup("cascade").await;
    let project_path = format!("/api/v1/project/{project}");
    let stage_path = format!("{project_path}/stage/{stage}");
    let scenario_path = format!("{stage_path}/scenario/{scenario}");
    assert_error(
        ncp.delete(&project_path).await,
        400,
        "100",
        "has 1 stage(s); delete them before deleting the project",
    );
    assert_error(
        ncp.delete(&stage_path).await,
        400,
        "100",
        "has 1 scenario(s); delete them before deleting the stage",
    );
    assert_eq!(
        ncp.get(&scenario_path).await.0,
        200,
        "a refusal removes nothing"
    );
    for path in [&scenario_path, &stage_path, &project_path] {
        let (status, body) = ncp.delete(path).await;
        assert_eq!(
            (status, body),
            (200, json!({ "result": { "result": true } })),
            "{path}"
        );
    }
    assert_error(
        ncp.get(&scenario_path).await,
        404,
        "300",
        &format!("project {project}"),
    );
    assert_error(
        ncp.delete(&format!("/api/v1/project/{project}")).await,
        404,
        "300",
        "does not exist",
    );
    assert_error(
        ncp.delete("/api/v1/project/abc").await,
        400,
        "100",
        "projectId",
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn stages_round_trip_with_names_beside_numbers() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let project = ncp.project("shop").await;
    let web = ncp
        .stage(
            project,
            "web",
            "Server",
            json!({ "serverNo": [1011, "1013"] }),
        )
        .await;
    let (status, body) = ncp
        .get(&format!("/api/v1/project/{project}/stage/{web}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["result"],
        json!({
            "project": { "id": project, "name": "shop" }, "id": web, "name": "web", "type": "Server",
            "config": { "serverNo": [1011, 1013], "serverName": ["web-1", "web-3"] }
        })
    );
    let asg = ncp
        .stage(
            project,
            "asg",
            "AutoScalingGroup",
            json!({ "autoScalingGroupNo": 2001 }),
        )
        .await;
    let nks = ncp
        .stage(
            project,
            "nks",
            "KubernetesService",
            json!({ "clusterNo": 4002 }),
        )
        .await;
    let site = ncp
        .stage(
            project,
            "site",
            "ObjectStorage",
            json!({ "bucketName": "static-site" }),
        )
        .await;
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{project}/stage/{asg}"))
        .await;
    assert_eq!(
        body["result"]["config"],
        json!({ "autoScalingGroupNo": 2001, "autoScalingGroupName": "web-asg" })
    );
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{project}/stage/{nks}"))
        .await;
    assert_eq!(
        body["result"]["config"],
        json!({ "clusterUuid": "9b2e6c13-47d5-4f8e-b1a0-6c3d58e2f002", "clusterName": "staging-nks" })
    );
    let (_, body) = ncp
        .get(&format!("/api/v1/project/{project}/stage/{site}"))
        .await;
    assert_eq!(
        body["result"]["config"],
        json!({ "bucketName": "static-site" })
    );

    let (_, body) = ncp
        .get(&format!("/api/v1/project/{project}/stage?stageName=s"))
        .await;
    assert_eq!(
        body["result"]["project"],
        json!({ "id": project, "name": "shop" })
    );
    assert_eq!(names(&body, "stageList"), ["asg", "nks", "site"]);

    let path = format!("/api/v1/project/{project}/stage/{web}");
    let (status, body) = ncp
        .patch(
            &path,
            json!({ "name": "web2", "config": { "serverNo": [1021] } }),
        )
        .await;
    assert_eq!(
        (status, body),
        (200, json!({ "result": { "id": web, "name": "web2" } }))
    );
    let (_, body) = ncp.get(&path).await;
    assert_eq!(
        body["result"]["config"],
        json!({ "serverNo": [1021], "serverName": ["api-1"] })
    );
    assert_error(
        ncp.patch(&path, json!({ "name": "asg" })).await,
        400,
        "100",
        "already exists",
    );
    let stages = format!("/api/v1/project/{project}/stage");
    let bad_stage = |config: Value| json!({ "name": "x", "type": "Server", "config": config });
    assert_error(
        ncp.post(&stages, bad_stage(json!({ "serverNo": [9999] })))
            .await,
        400,
        "100",
        "server 9999",
    );
    assert_error(
        ncp.post(&stages, bad_stage(json!({ "bucketName": "b" })))
            .await,
        400,
        "100",
        "bucketName",
    );
    assert_error(
        ncp.post(&stages, bad_stage(json!({}))).await,
        400,
        "100",
        "serverNo is required",
    );
    let bad_type = json!({ "name": "x", "type": "Lambda", "config": {} });
    assert_error(ncp.post(&stages, bad_type).await, 400, "100", "Lambda");

    ncp.scenario(
        project,
        asg,
        "roll",
        json!({
            "strategy": "normal", "file": { "type": "later" }, "rollback": false
        }),
    )
    .await;
    let retype = json!({ "type": "Server", "config": { "serverNo": [1011] } });
    let asg_path = format!("/api/v1/project/{project}/stage/{asg}");
    assert_error(
        ncp.patch(&asg_path, retype).await,
        400,
        "100",
        "delete them before changing its type",
    );

    let (status, _) = ncp.delete(&path).await;
    assert_eq!(status, 200);
    assert_error(ncp.get(&path).await, 404, "300", &format!("stage {web}"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn scenarios_round_trip_and_refuse_renames() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let (project, stage, scenario) = ncp.server_setup("shop").await;
    let path = format!("/api/v1/project/{project}/stage/{stage}/scenario/{scenario}");
    let (status, body) = ncp.get(&path).await;
    assert_eq!(status, 200);
    let mut expected = server_config();
    expected["file"]["SourceBuild"]["name"] = json!("shop-build");
    assert_eq!(
        body["result"],
        json!({
            "project": { "id": project, "name": "shop" }, "stage": { "id": stage, "name": "dev" },
            "id": scenario, "name": "deploy", "type": "Server", "description": null, "config": expected
        })
    );

    let mut changed = server_config();
    changed["file"] = json!({ "type": "ObjectStorage", "ObjectStorage": { "bucket": "shop-artifacts", "object": "shop/shop-1.5.0.tar.gz" } });
    let (status, body) = ncp
        .patch(&path, json!({ "description": "v1.5", "config": changed }))
        .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "result": { "id": scenario, "name": "deploy" } })
        )
    );
    let (_, body) = ncp.get(&path).await;
    assert_eq!(body["result"]["description"], "v1.5");
    assert_eq!(body["result"]["config"], changed);
    let (status, _) = ncp
        .patch(
            &path,
            json!({ "name": "deploy", "description": "same name is fine" }),
        )
        .await;
    assert_eq!(status, 200);
    assert_error(
        ncp.patch(&path, json!({ "name": "other" })).await,
        400,
        "100",
        "cannot be renamed",
    );

    let list = format!("/api/v1/project/{project}/stage/{stage}/scenario");
    ncp.scenario(project, stage, "hotfix", server_config())
        .await;
    let (_, body) = ncp.get(&format!("{list}?scenarioName=ho")).await;
    assert_eq!(names(&body, "scenarioList"), ["hotfix"]);
    assert_eq!(
        body["result"]["stage"],
        json!({ "id": stage, "name": "dev" })
    );
    let (_, body) = ncp.get(&format!("{list}?pageSize=1&pageNo=2")).await;
    assert_eq!(names(&body, "scenarioList"), ["hotfix"]);
    assert_error(
        ncp.post(
            &list,
            json!({ "name": "hotfix", "config": server_config() }),
        )
        .await,
        400,
        "100",
        "already exists",
    );

    let (status, _) = ncp.delete(&path).await;
    assert_eq!(status, 200);
    assert_error(
        ncp.get(&path).await,
        404,
        "300",
        &format!("scenario {scenario}"),
    );
    sandbox.shutdown().await;
}
