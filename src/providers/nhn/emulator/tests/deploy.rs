//! Run deployment: sync and async, outcomes, autoscale groups, request rules.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::super::testkit::{self, FAST, Nhn, assert_error, success};
use crate::sandbox::DeployTiming;

fn statuses(run: &Value) -> Vec<(String, String)> {
    run["deployResult"]
        .as_array()
        .unwrap()
        .iter()
        .map(|host| {
            (
                host["hostname"].as_str().unwrap().to_owned(),
                host["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(host, status)| ((*host).to_owned(), (*status).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_sync_deploy_waits_and_reports_every_host() {
    let sandbox = testkit::start_with(DeployTiming::Timed {
        waiting_ms: 50,
        running_ms: 150,
    })
    .await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("1.0.0", b"old").await;
    nhn.upload_server("1.1.0", b"new").await;
    let started = Instant::now();
    let body = success(
        nhn.deploy(
            201,
            json!({ "scenarioIds": "401", "deployNote": "release 1.1.0" }),
        )
        .await,
    );
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "sync waits for the run"
    );
    let runs = body.as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let key = run["deployKey"].as_i64().unwrap();
    assert_eq!(key, 5001);
    assert_eq!(run["deployStatus"], "success");
    assert_eq!(
        statuses(run),
        pairs(&[
            ("web-prod-1", "success"),
            ("web-prod-2", "success"),
            ("web-prod-3", "success")
        ])
    );
    assert_eq!(run["deployResult"][0]["deployKey"], key);
    assert_eq!(
        run["deployResult"][0]["taskResult"],
        json!([{ "scenarioId": 401, "scenarioName": "deploy-web", "status": "success" }])
    );
    let location = run["deployResultLocation"].as_str().unwrap();
    let (status, view) = nhn.admin_get(&location.replace(&nhn.admin, "")).await;
    assert_eq!(
        (status, &view["deployNote"]),
        (200, &json!("release 1.1.0"))
    );

    let body = success(nhn.history("").await);
    assert_eq!(body["totalCount"], 1);
    let entry = &body["deployHistories"][0];
    assert_eq!(entry["deployKey"], key);
    assert_eq!(entry["scenarioName"], "deploy-web");
    assert_eq!(entry["serverGroupName"], "web-prod");
    assert_eq!(entry["serverGroupId"], 201);
    assert_eq!(
        entry["binaryVersion"], "1.1.0",
        "the newest upload is deployed"
    );
    assert_eq!(entry["executeUser"], "sandbox-demo@example.com");
    assert_eq!(entry["totalResult"], "SUCCESS");
    let date = entry["executeDate"].as_str().unwrap();
    assert!(date.len() == 25 && date.ends_with("+09:00"), "{date}");

    let artifacts = success(nhn.get("/artifacts?artifactName=shop").await);
    assert_eq!(artifacts["artifacts"][0]["lastDeployDate"], date);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn failures_show_per_host_and_stop_later_batches() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("1.0.0", b"bin").await;
    nhn.set_outcome("web-prod", "fail", None).await;
    let body = success(nhn.deploy(201, json!({ "scenarioIds": "402" })).await);
    assert_eq!(body[0]["deployStatus"], "fail");
    assert_eq!(
        statuses(&body[0]),
        pairs(&[
            ("web-prod-1", "fail"),
            ("web-prod-2", "fail"),
            ("web-prod-3", "fail")
        ])
    );
    let key = body[0]["deployKey"].as_i64().unwrap();
    assert_eq!(nhn.total_result(key).await, "FAIL");

    nhn.set_outcome("web-prod", "fail", Some(json!(["web-prod-2"])))
        .await;
    let one_by_one = json!({ "scenarioIds": "401", "concurrentNum": 1 });
    let body = success(nhn.deploy(201, one_by_one).await);
    assert_eq!(
        statuses(&body[0]),
        pairs(&[
            ("web-prod-1", "success"),
            ("web-prod-2", "fail"),
            ("web-prod-3", "skipped")
        ])
    );
    assert_eq!(body[0]["deployResult"][2]["taskResult"], json!([]));
    let go_on = json!({ "scenarioIds": "401", "concurrentNum": 1, "nextWhenFail": true,
                        "targetServerHostnames": "web-prod-3, web-prod-2" });
    let body = success(nhn.deploy(201, go_on).await);
    assert_eq!(body[0]["deployStatus"], "fail");
    assert_eq!(
        statuses(&body[0]),
        pairs(&[("web-prod-2", "fail"), ("web-prod-3", "success")])
    );

    nhn.set_outcome("web-prod", "success", None).await;
    let body = success(nhn.deploy(201, json!({ "scenarioIds": 401 })).await);
    assert_eq!(
        body[0]["deployStatus"], "success",
        "scenarioIds as a number is coerced"
    );
    // Other groups were never affected.
    let body = success(nhn.deploy(202, json!({ "scenarioIds": "401" })).await);
    assert_eq!(statuses(&body[0]), pairs(&[("web-staging-1", "success")]));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn async_deploys_answer_at_once_and_progress_in_the_history() {
    let sandbox = testkit::start_with(DeployTiming::Timed {
        waiting_ms: 100,
        running_ms: 300,
    })
    .await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("1.0.0", b"bin").await;
    let started = Instant::now();
    let body = success(
        nhn.deploy(202, json!({ "scenarioIds": "401", "async": true }))
            .await,
    );
    assert!(started.elapsed() < Duration::from_millis(300));
    assert_eq!(body[0]["deployStatus"], "deploying");
    assert_eq!(body[0]["deployResult"], json!([]));
    let key = body[0]["deployKey"].as_i64().unwrap();
    assert_eq!(nhn.total_result(key).await, "RUNNING");
    let mut result = String::new();
    for _ in 0..200 {
        result = nhn.total_result(key).await;
        if result != "RUNNING" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(result, "SUCCESS");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn manual_timing_keeps_async_runs_going_until_finished() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("1.0.0", b"bin").await;
    let body = success(
        nhn.deploy(202, json!({ "scenarioIds": "401", "async": true }))
            .await,
    );
    let key = body[0]["deployKey"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(nhn.total_result(key).await, "RUNNING");
    let finish = format!("/deployments/{key}/finish");
    let (status, view) = nhn.admin_post(&finish, json!({ "status": "fail" })).await;
    assert_eq!((status, &view["deployStatus"]), (200, &json!("fail")));
    assert_eq!(nhn.total_result(key).await, "FAIL");
    let (status, _) = nhn
        .admin_post(&finish, json!({ "status": "success" }))
        .await;
    assert_eq!(status, 409);
    // Sync runs still end on their own.
    let body = success(nhn.deploy(202, json!({ "scenarioIds": "402" })).await);
    assert_eq!(body[0]["deployStatus"], "success");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn autoscale_groups_answer_one_element_per_auto_scaling_group() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("3.0.0", b"bin").await;
    let body = success(nhn.deploy(203, json!({})).await);
    let runs = body.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_ne!(runs[0]["deployKey"], runs[1]["deployKey"]);
    assert_eq!(
        statuses(&runs[0]),
        pairs(&[("web-asg-a-01", "success"), ("web-asg-a-02", "success")])
    );
    assert_eq!(statuses(&runs[1]), pairs(&[("web-asg-b-01", "success")]));
    // No scenarioIds: every mapped scenario runs.
    let tasks = runs[1]["deployResult"][0]["taskResult"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[1]["scenarioName"], "warmup-asg");

    let body = success(nhn.history("?serverGroupId=203").await);
    assert_eq!(body["totalCount"], 2);
    assert_eq!(
        body["deployHistories"][0]["scenarioName"],
        "deploy-web, warmup-asg"
    );
    let only_b = json!({ "scenarioIds": "403", "targetServerHostnames": "web-asg-b-01" });
    let body = success(nhn.deploy(203, only_b).await);
    assert_eq!(body.as_array().unwrap().len(), 1);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn request_rules() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    assert_error(
        &nhn.deploy(201, json!({ "scenarioIds": "401" })).await,
        400,
        "BAD_REQUEST",
        "no binary has been uploaded",
    );
    nhn.upload_server("1.0.0", b"bin").await;
    let cases = [
        (201, json!({}), "exactly one id in scenarioIds, got 0"),
        (
            201,
            json!({ "scenarioIds": "401,402" }),
            "exactly one id in scenarioIds, got 2",
        ),
        (
            201,
            json!({ "scenarioIds": "403" }),
            "scenario 403 is not mapped",
        ),
        (
            201,
            json!({ "scenarioIds": "abc" }),
            "scenarioIds must be numbers",
        ),
        (
            203,
            json!({ "scenarioIds": "402" }),
            "scenario 402 is not mapped",
        ),
        (
            201,
            json!({ "scenarioIds": "401", "targetServerHostnames": "web-prod-9" }),
            "\"web-prod-9\" is not a server of group web-prod",
        ),
        (
            201,
            json!({ "scenarioIds": "401", "concurrentNum": -1 }),
            "concurrentNum must be 0 or more",
        ),
        (
            201,
            json!({ "scenarioIds": "401", "async": "yes" }),
            "invalid deploy request",
        ),
        (201, json!([1]), "JSON object"),
        (
            299,
            json!({ "scenarioIds": "401" }),
            "server group 299 does not exist",
        ),
    ];
    for (group, body, message) in cases {
        assert_error(&nhn.deploy(group, body).await, 400, "BAD_REQUEST", message);
    }
    assert_error(
        &nhn.post_json("/artifacts/102/server-group/201/deploy", json!({}))
            .await,
        400,
        "BAD_REQUEST",
        "client artifact",
    );
    assert_error(
        &nhn.post_json("/artifacts/7/server-group/201/deploy", json!({}))
            .await,
        404,
        "NOT_FOUND_ARTIFACT_INFO",
        "artifact 7",
    );
    let (_, body) = nhn.history("").await;
    assert_eq!(
        body["body"]["totalCount"], 0,
        "refused runs leave no history"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn history_window_filters_and_paging() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    nhn.upload_server("1.0.0", b"bin").await;
    for group in [201, 202, 201] {
        success(
            nhn.deploy(group, json!({ "scenarioIds": "402", "async": true }))
                .await,
        );
    }
    let keys = |body: &Value| -> Vec<i64> {
        body["deployHistories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["deployKey"].as_i64().unwrap())
            .collect()
    };
    let body = success(nhn.history("?serverGroupId=0&pageNum=1&pageSize=20").await);
    assert_eq!(keys(&body), [5003, 5002, 5001]);
    let body = success(nhn.history("?serverGroupId=201").await);
    assert_eq!(keys(&body), [5003, 5001]);
    let body = success(nhn.history("?pageSize=1&pageNum=2").await);
    assert_eq!((keys(&body), &body["totalCount"]), (vec![5002], &json!(3)));
    let body = success(nhn.history("?serverGroupId=999").await);
    assert_eq!(body["totalCount"], 0);

    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)))
        .date();
    let past = "?deploymentYearFrom=2020-01-01&deploymentYearTo=2020-12-31";
    assert_eq!(success(nhn.history(past).await)["totalCount"], 0);
    let exact = format!("?deploymentYearFrom={today}&deploymentYearTo={today}");
    assert_eq!(success(nhn.history(&exact).await)["totalCount"], 3);
    for (query, message) in [
        (
            "?deploymentYearFrom=2020-01-01&deploymentYearTo=2021-01-02",
            "longer than one year",
        ),
        ("?deploymentYearFrom=2020-01-01", "longer than one year"),
        (
            "?deploymentYearFrom=2021-01-02&deploymentYearTo=2021-01-01",
            "is after",
        ),
        ("?deploymentYearTo=20210101", "yyyy-MM-dd"),
        ("?serverGroupId=-1", "serverGroupId"),
        ("?pageSize=0", "pageSize"),
    ] {
        assert_error(&nhn.history(query).await, 400, "BAD_REQUEST", message);
    }
    sandbox.shutdown().await;
}
