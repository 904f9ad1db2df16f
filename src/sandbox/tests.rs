//! Sandbox tests over real HTTP: persistence, faults, the request log and the admin API.

use std::time::Duration;

use serde_json::{Value, json};

use super::{DeployTiming, FaultConfig, SandboxOptions};
use crate::providers::common::testkit::{Persistent, persistent};
use crate::providers::ncp::emulator::testkit::{self, FAST, Ncp};

fn admin(sandbox: &super::SandboxHandle, path: &str) -> String {
    format!("http://{}/_sandbox{path}", sandbox.addr)
}

async fn put_faults(ncp: &Ncp, sandbox: &super::SandboxHandle, faults: Value) -> u16 {
    let response = ncp
        .http
        .put(admin(sandbox, "/faults"))
        .json(&faults)
        .send()
        .await
        .unwrap();
    response.status().as_u16()
}

#[tokio::test]
async fn state_survives_a_restart_and_deployments_keep_progressing() {
    let Persistent {
        dir: _dir,
        state_file,
        options,
    } = persistent(100, 300);
    let sandbox = testkit::start(options.clone()).await;
    let ncp = Ncp::new(&sandbox);
    let ids = ncp.server_setup("shop").await;
    let history = ncp.deploy(ids).await;
    assert!(state_file.exists(), "written after the first mutation");
    sandbox.shutdown().await;

    let sandbox = testkit::start(options).await;
    let ncp = Ncp::new(&sandbox);
    let (_, body) = ncp.get("/api/v1/project?projectName=shop").await;
    assert_eq!(
        body["result"]["projectList"],
        json!([{ "id": ids.0, "name": "shop" }])
    );
    assert_eq!(ncp.wait_terminal(ids.0, history).await, "success");
    let next = ncp.project("blog").await;
    assert!(
        next > history,
        "ids keep increasing after a restart ({next} after {history})"
    );

    // While it runs, the file and its change log together hold the state.
    let on_disk = Value::Object(super::store::read_document(&state_file).unwrap());
    let response = ncp
        .http
        .get(admin(&sandbox, "/state"))
        .send()
        .await
        .unwrap();
    let served: Value = response.json().await.unwrap();
    assert_eq!(on_disk, served);
    assert_eq!(served["ncp-sourcedeploy"]["projects"][1]["name"], "blog");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_corrupt_state_file_fails_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    std::fs::write(&state_file, "[1, 2]").unwrap();
    let options = SandboxOptions {
        state_file: Some(state_file),
        ..SandboxOptions::default()
    };
    let err = super::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .err()
        .expect("refused");
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}

#[tokio::test]
async fn injected_faults_use_the_provider_error_shape() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);

    let limited = json!({ "rate_limit_rate": 1.0, "retry_after_secs": 7 });
    assert_eq!(put_faults(&ncp, &sandbox, limited).await, 200);
    let response = ncp
        .http
        .get(format!("{}/api/v1/project", ncp.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["errorCode"], "420");
    assert_eq!(body["error"]["message"], "Rate Limited");

    assert_eq!(
        put_faults(&ncp, &sandbox, json!({ "error_rate": 1.0 })).await,
        200
    );
    let (status, body) = ncp
        .post("/api/v1/project", json!({ "name": "never" }))
        .await;
    assert_eq!(status, 503);
    assert_eq!(body["error"]["errorCode"], "500");
    assert_eq!(body["error"]["message"], "Endpoint Error");

    assert_eq!(
        put_faults(&ncp, &sandbox, json!({ "drop_rate": 1.0 })).await,
        200
    );
    let dropped = ncp.try_call("GET", "/api/v1/project", None).await;
    assert!(
        dropped.is_err(),
        "the connection closes without an answer: {dropped:?}"
    );

    assert_eq!(
        put_faults(&ncp, &sandbox, json!({ "latency_ms": 150 })).await,
        200
    );
    let started = std::time::Instant::now();
    let (status, body) = ncp.get("/api/v1/project").await;
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(
        (status, body),
        (200, json!({ "result": { "projectList": [] } })),
        "faulted create never happened"
    );

    assert_eq!(
        put_faults(&ncp, &sandbox, json!({ "error_rate": 2.0 })).await,
        400
    );
    let response = ncp
        .http
        .get(admin(&sandbox, "/faults"))
        .send()
        .await
        .unwrap();
    let current: FaultConfig = response.json().await.unwrap();
    assert_eq!(
        current,
        FaultConfig {
            latency_ms: 150,
            ..FaultConfig::default()
        }
    );

    let statuses: Vec<u16> = sandbox
        .requests()
        .iter()
        .map(|record| record.status)
        .collect();
    assert_eq!(statuses, [429, 503, 0, 200]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_fault_after_processing_changes_state_and_loses_the_answer() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let lost_error = json!({ "error_after_rate": 1.0 });
    assert_eq!(put_faults(&ncp, &sandbox, lost_error).await, 200);
    let (status, body) = ncp.post("/api/v1/project", json!({ "name": "kept" })).await;
    assert_eq!(status, 503, "the answer is the provider's error: {body}");
    assert_eq!(body["error"]["errorCode"], "500");

    let lost_drop = json!({ "drop_after_rate": 1.0 });
    assert_eq!(put_faults(&ncp, &sandbox, lost_drop).await, 200);
    let dropped = ncp
        .try_call(
            "POST",
            "/api/v1/project",
            Some(json!({ "name": "also-kept" })),
        )
        .await;
    assert!(dropped.is_err(), "no answer: {dropped:?}");

    assert_eq!(put_faults(&ncp, &sandbox, json!({})).await, 200);
    let (_, body) = ncp.get("/api/v1/project").await;
    let names: Vec<&str> = body["result"]["projectList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["kept", "also-kept"], "both creates took effect");
    let logged: Vec<(u16, Option<u16>)> = sandbox
        .requests()
        .iter()
        .map(|r| (r.status, r.processed_status))
        .collect();
    assert_eq!(logged, [(503, Some(200)), (0, Some(200)), (200, None)]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_request_log_records_provider_calls_only() {
    let dir = tempfile::tempdir().unwrap();
    let log_file = dir.path().join("requests.jsonl");
    let options = SandboxOptions {
        request_log: Some(log_file.clone()),
        deploy_timing: FAST,
        ..SandboxOptions::default()
    };
    let sandbox = testkit::start(options).await;
    let ncp = Ncp::new(&sandbox);
    ncp.project("shop").await;
    ncp.get("/api/v1/project?projectName=sh&pageSize=10").await;
    let (status, _) = ncp.post("/api/v1/project", json!({ "name": "shop" })).await;
    assert_eq!(status, 400);
    ncp.http
        .get(admin(&sandbox, "/state"))
        .send()
        .await
        .unwrap();

    let records = sandbox.requests();
    let summary: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {} {:?} {}",
                r.seq, r.provider, r.method, r.path, r.query, r.status
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "1 ncp-sourcedeploy POST /api/v1/project None 200",
            "2 ncp-sourcedeploy GET /api/v1/project Some(\"projectName=sh&pageSize=10\") 200",
            "3 ncp-sourcedeploy POST /api/v1/project None 400",
        ]
    );
    assert!(
        records
            .iter()
            .all(|record| record.at_ms > 1_700_000_000_000)
    );

    let lines: Vec<super::RequestRecord> = std::fs::read_to_string(&log_file)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines, records);

    let served: Vec<super::RequestRecord> = ncp
        .http
        .get(admin(&sandbox, "/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served, records);
    let cleared: Value = ncp
        .http
        .delete(admin(&sandbox, "/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cleared, json!({ "cleared": 3 }));
    ncp.get("/api/v1/server").await;
    let after: Vec<u64> = sandbox.requests().iter().map(|record| record.seq).collect();
    assert_eq!(after, [4]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn drift_edits_a_scenario_behind_the_tools_back() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let (project, stage, scenario) = ncp.server_setup("shop").await;
    let drift = json!({ "project": "shop", "stage": "dev", "scenario": "deploy", "description": "changed by hand" });
    let response = ncp
        .http
        .patch(admin(&sandbox, "/ncp-sourcedeploy/scenario"))
        .json(&drift)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, body) = ncp
        .get(&format!(
            "/api/v1/project/{project}/stage/{stage}/scenario/{scenario}"
        ))
        .await;
    assert_eq!(body["result"]["description"], "changed by hand");

    let bad = json!({ "project": "shop", "stage": "dev", "scenario": "deploy", "config": { "strategy": "canary" } });
    let response = ncp
        .http
        .patch(admin(&sandbox, "/ncp-sourcedeploy/scenario"))
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let missing =
        json!({ "project": "shop", "stage": "dev", "scenario": "nope", "description": "x" });
    let response = ncp
        .http
        .patch(admin(&sandbox, "/ncp-sourcedeploy/scenario"))
        .json(&missing)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(
        sandbox
            .requests()
            .iter()
            .filter(|record| record.path.contains("_sandbox"))
            .count(),
        0
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn base_urls_name_the_mount() {
    let sandbox = super::start("0.0.0.0:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap();
    let port = sandbox.addr.port();
    assert_eq!(
        sandbox.base_url("ncp-sourcedeploy"),
        format!("http://127.0.0.1:{port}/ncp-sourcedeploy")
    );
    sandbox.shutdown().await;
}
