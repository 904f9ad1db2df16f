//! The strategy × target matrix and value ranges of scenario configs.

use serde_json::{Value, json};

use super::super::testkit::{self, Ncp, server_config};
use crate::sandbox::DeployTiming;

const MANIFEST: &str = r#"{"type":"SourceCommit","repository":"shop-manifests","branch":"main","path":["/k8s/prod.yaml"]}"#;

fn manifest() -> Value {
    serde_json::from_str(MANIFEST).expect("literal JSON")
}

fn auto_canary() -> Value {
    json!({
        "analysisType": "auto", "canaryCount": 2, "prometheus": "http://prometheus:9090",
        "env": { "baseline": "baseline", "canary": "canary" },
        "metrics": [{ "name": "errors", "successCriteria": "base", "queryType": "promQL", "weight": 100, "query": "sum(rate(x[1m]))" }],
        "analysisConfig": { "duration": 10, "delay": 0, "interval": 1, "step": 10 },
        "passScore": 80
    })
}

/// Creates one scenario and returns the status and the error details.
async fn create(ncp: &Ncp, project: i64, stage: i64, config: Value) -> (u16, String) {
    let path = format!("/api/v1/project/{project}/stage/{stage}/scenario");
    let (status, body) = ncp
        .post(&path, json!({ "name": "s", "config": config }))
        .await;
    if status == 200 {
        let id = body["result"]["id"].as_i64().unwrap();
        ncp.delete(&format!("{path}/{id}")).await;
    } else {
        assert_eq!(body["error"]["errorCode"], "100", "{body}");
    }
    (
        status,
        body["error"]["details"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn strategy_target_matrix() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let project = ncp.project("matrix").await;
    let server = ncp
        .stage(project, "server", "Server", json!({ "serverNo": [1011] }))
        .await;
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
            json!({ "clusterUuid": "5f0d8a52-8c1e-4b6a-9e3b-2a7c41d0f001" }),
        )
        .await;
    let bucket = ncp
        .stage(
            project,
            "obj",
            "ObjectStorage",
            json!({ "bucketName": "static-site" }),
        )
        .await;

    let with = |changes: Value| {
        let mut config = server_config();
        for (key, value) in changes.as_object().unwrap() {
            if value.is_null() {
                config.as_object_mut().unwrap().remove(key);
            } else {
                config[key] = value.clone();
            }
        }
        config
    };
    let blue_green = with(
        json!({ "strategy": "blueGreen", "loadBalancer": { "loadBalancerTargetGroupNo": 3002, "deleteServer": true } }),
    );
    let cases: Vec<(&str, i64, Value, Option<&str>)> = vec![
        ("server normal", server, server_config(), None),
        (
            "server blueGreen",
            server,
            with(json!({ "strategy": "blueGreen" })),
            Some("not available for a Server stage"),
        ),
        (
            "server without strategy",
            server,
            with(json!({ "strategy": null })),
            Some("strategy is required"),
        ),
        (
            "server without rollback",
            server,
            with(json!({ "rollback": null })),
            Some("rollback is required"),
        ),
        (
            "server without file",
            server,
            with(json!({ "file": null })),
            Some("file is required"),
        ),
        (
            "server with manifest",
            server,
            with(json!({ "manifest": manifest() })),
            Some("manifest does not apply"),
        ),
        (
            "unknown build",
            server,
            with(json!({ "file": { "type": "SourceBuild", "SourceBuild": { "id": 1 } } })),
            Some("SourceBuild project 1"),
        ),
        (
            "unknown object",
            server,
            with(
                json!({ "file": { "type": "ObjectStorage", "ObjectStorage": { "bucket": "shop-artifacts", "object": "shop/shop-9.tar.gz" } } }),
            ),
            Some("shop-9"),
        ),
        (
            "bad file type",
            server,
            with(json!({ "file": { "type": "Git" } })),
            Some("Git"),
        ),
        (
            "empty command",
            server,
            with(json!({ "cmd": { "pre": [{ "user": "", "cmd": "x" }] } })),
            Some("cmd.pre[0]"),
        ),
        ("asg normal", asg, server_config(), None),
        ("asg blueGreen", asg, blue_green.clone(), None),
        (
            "asg blueGreen without lb",
            asg,
            with(json!({ "strategy": "blueGreen" })),
            Some("loadBalancer is required"),
        ),
        (
            "asg foreign target group",
            asg,
            with(
                json!({ "strategy": "blueGreen", "loadBalancer": { "loadBalancerTargetGroupNo": 3011, "deleteServer": false } }),
            ),
            Some("target group 3011"),
        ),
        (
            "asg lb missing field",
            asg,
            with(
                json!({ "strategy": "blueGreen", "loadBalancer": { "loadBalancerTargetGroupNo": 3001 } }),
            ),
            Some("deleteServer"),
        ),
        (
            "nks rolling",
            nks,
            json!({ "strategy": "rolling", "manifest": manifest() }),
            None,
        ),
        (
            "nks blueGreen",
            nks,
            json!({ "strategy": "blueGreen", "manifest": manifest() }),
            None,
        ),
        (
            "nks normal",
            nks,
            json!({ "strategy": "normal", "manifest": manifest() }),
            Some("not available"),
        ),
        (
            "nks without manifest",
            nks,
            json!({ "strategy": "rolling" }),
            Some("manifest is required"),
        ),
        (
            "nks unknown branch",
            nks,
            json!({ "strategy": "rolling", "manifest": { "type": "SourceCommit", "repository": "shop-manifests", "branch": "master", "path": ["/a"] } }),
            Some("master"),
        ),
        (
            "nks empty path",
            nks,
            json!({ "strategy": "rolling", "manifest": { "type": "SourceCommit", "repository": "site", "branch": "main", "path": [""] } }),
            Some("path"),
        ),
        (
            "nks with file",
            nks,
            json!({ "strategy": "rolling", "manifest": manifest(), "file": { "type": "later" } }),
            Some("file does not apply"),
        ),
        (
            "canary without config",
            nks,
            json!({ "strategy": "canary", "manifest": manifest() }),
            Some("canaryConfig is required"),
        ),
        (
            "canary manual",
            nks,
            json!({ "strategy": "canary", "manifest": manifest(), "canaryConfig": { "analysisType": "manual", "canaryCount": 1, "timeout": 30 } }),
            None,
        ),
        (
            "canary manual no timeout",
            nks,
            json!({ "strategy": "canary", "manifest": manifest(), "canaryConfig": { "analysisType": "manual", "canaryCount": 1 } }),
            Some("timeout is required"),
        ),
        (
            "canary count",
            nks,
            json!({ "strategy": "canary", "manifest": manifest(), "canaryConfig": { "analysisType": "manual", "canaryCount": 11, "timeout": 30 } }),
            Some("canaryCount must be from 1 to 10"),
        ),
        (
            "canary auto",
            nks,
            json!({ "strategy": "canary", "manifest": manifest(), "canaryConfig": auto_canary() }),
            None,
        ),
        (
            "canary config on rolling",
            nks,
            json!({ "strategy": "rolling", "manifest": manifest(), "canaryConfig": auto_canary() }),
            Some("only to the canary strategy"),
        ),
        (
            "obj without strategy",
            bucket,
            json!({ "file": { "type": "SourceBuild", "SourceBuild": { "id": 5003 } }, "path": [{ "sourcePath": "/", "deployPath": "/www" }] }),
            None,
        ),
        (
            "obj normal",
            bucket,
            json!({ "strategy": "normal", "file": { "type": "later" }, "path": [{ "sourcePath": "/", "deployPath": "/www" }] }),
            None,
        ),
        (
            "obj rolling",
            bucket,
            json!({ "strategy": "rolling", "file": { "type": "later" }, "path": [{ "sourcePath": "/", "deployPath": "/www" }] }),
            Some("not available"),
        ),
        (
            "obj without path",
            bucket,
            json!({ "file": { "type": "later" } }),
            Some("config.path"),
        ),
        (
            "obj without file",
            bucket,
            json!({ "path": [{ "sourcePath": "/", "deployPath": "/www" }] }),
            Some("file is required"),
        ),
        (
            "obj with cmd",
            bucket,
            json!({ "file": { "type": "later" }, "path": [{ "sourcePath": "/", "deployPath": "/w" }], "cmd": {} }),
            Some("cmd does not apply"),
        ),
    ];
    for (name, stage, config, expected) in cases {
        let (status, details) = create(&ncp, project, stage, config).await;
        match expected {
            None => assert_eq!(status, 200, "{name}: {details}"),
            Some(fragment) => {
                assert_eq!(status, 400, "{name} should be rejected");
                assert!(
                    details.contains(fragment),
                    "{name}: {details:?} should mention {fragment:?}"
                );
            }
        }
    }

    let mut auto = auto_canary();
    for (field, value, fragment) in [
        ("prometheus", Value::Null, "prometheus is required"),
        ("passScore", json!(0), "passScore must be from 1 to 100"),
        (
            "analysisConfig",
            json!({ "duration": 5, "delay": 0, "interval": 1, "step": 10 }),
            "duration",
        ),
        (
            "metrics",
            json!([{ "name": "m", "successCriteria": "base", "queryType": "default", "weight": 1 }]),
            "metric and filter",
        ),
        (
            "env",
            json!({ "baseline": "", "canary": "c" }),
            "env.baseline",
        ),
    ] {
        let saved = auto[field].clone();
        if value.is_null() {
            auto.as_object_mut().unwrap().remove(field);
        } else {
            auto[field] = value;
        }
        let config = json!({ "strategy": "canary", "manifest": manifest(), "canaryConfig": auto });
        let (status, details) = create(&ncp, project, nks, config).await;
        assert_eq!(status, 400, "{field}");
        assert!(
            details.contains(fragment),
            "{field}: {details:?} should mention {fragment:?}"
        );
        auto[field] = saved;
    }

    let scenario = ncp.scenario(project, asg, "bg", blue_green).await;
    let (_, body) = ncp
        .get(&format!(
            "/api/v1/project/{project}/stage/{asg}/scenario/{scenario}"
        ))
        .await;
    assert_eq!(
        body["result"]["config"]["loadBalancer"]["loadBalancerTargetGroupName"],
        "web-tg-green"
    );
    assert_eq!(body["result"]["type"], "AutoScalingGroup");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_are_bad_requests() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let project = ncp.project("bodies").await;
    let path = format!("/api/v1/project/{project}/stage");
    let timestamp = jiff::Timestamp::now().as_millisecond().to_string();
    let sig = crate::providers::ncp::signature::sign(
        "POST",
        &path,
        &timestamp,
        &ncp.access_key,
        &ncp.secret_key,
    );
    let response = ncp
        .http
        .post(format!("{}{path}", ncp.base))
        .header("x-ncp-apigw-timestamp", timestamp)
        .header("x-ncp-iam-access-key", &ncp.access_key)
        .header("x-ncp-apigw-signature-v2", sig)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["errorCode"], "100");
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap()
            .contains("invalid request body")
    );
    let (status, body) = ncp
        .post(
            &path,
            json!({ "name": "s", "type": "Server", "config": { "serverNo": "1011" } }),
        )
        .await;
    assert_eq!(status, 400, "{body}");
    sandbox.shutdown().await;
}
