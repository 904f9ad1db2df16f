//! `POST /deployments` is not idempotent: when its answer is lost (a 5xx after GitHub
//! processed it, a dropped connection), the record carrying this run's marker is adopted,
//! and a lost status answer is settled by reading the newest status. One apply, one record.

use serde_json::json;

use super::roundtrip::{REPO, admin, apply_all, plan_of, provider};
use crate::model::{Address, Resource};
use crate::providers::common::testkit;

fn record_only() -> Vec<Resource> {
    vec![
        Resource::bare(REPO, "gh", "repository", "octo-org/shop", json!({})),
        Resource {
            parent: Some(Address(REPO.into())),
            depends_on: vec![Address(REPO.into())],
            ..Resource::bare(
                &format!("{REPO}.deployment.web-qa"),
                "gh",
                "deployment",
                "web-qa",
                json!({ "environment": "qa", "ref": "main", "task": "deploy" }),
            )
        },
    ]
}

async fn with_every_post_answer_lost(fault: &str) {
    let sandbox = testkit::start(Default::default()).await;
    let resources = record_only();
    let gh = provider(&sandbox);
    let changes = plan_of(&gh, &resources).await;
    let faults = json!({ fault: 1.0, "methods": ["POST"], "seed": 7 });
    let put = reqwest::Client::new()
        .put(format!("http://{}/_sandbox/faults", sandbox.addr))
        .json(&faults)
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success());
    let report = apply_all(gh, changes, &resources).await;
    assert!(report.success(), "{fault}: {:?}", report.results);
    let records = admin(&sandbox, "/repos/octo-org/shop/deployments").await;
    assert_eq!(records["count"], 1, "{fault}: {records}");
    assert_eq!(
        records["deployments"][0]["states"],
        json!(["success"]),
        "{fault}: {records}"
    );
}

#[tokio::test]
async fn an_ambiguous_5xx_on_every_post_leaves_one_record_with_one_status() {
    with_every_post_answer_lost("error_after_rate").await;
}

#[tokio::test]
async fn a_dropped_connection_on_every_post_leaves_one_record_with_one_status() {
    with_every_post_answer_lost("drop_after_rate").await;
}

/// A record an apply opened and never closed (the process was killed) is closed as `error`
/// by the next deploy of the same record; another tool's open record is left alone.
#[tokio::test]
async fn a_record_left_in_progress_by_a_killed_apply_is_closed_by_the_next() {
    use crate::providers::github::client::{NewDeployment, NewStatus, RepoRef, RunMarker};
    use crate::providers::github::wire::DeploymentState;

    let sandbox = testkit::start(Default::default()).await;
    let resources = record_only();
    let gh = provider(&sandbox);
    let repo = RepoRef::parse("octo-org/shop").unwrap();
    for marker in [
        format!("{}@killed-run", resources[1].address),
        "another-tool".into(),
    ] {
        let opened = gh
            .client
            .create_deployment(
                &repo,
                &RunMarker::new(marker).unwrap(),
                &NewDeployment::new("main", "qa"),
            )
            .await
            .unwrap();
        let in_progress = NewStatus::new(DeploymentState::InProgress);
        gh.client
            .create_status(&repo, opened.id, &in_progress)
            .await
            .unwrap();
    }
    let changes = plan_of(&gh, &resources).await;
    assert!(apply_all(gh, changes, &resources).await.success());
    let records = admin(&sandbox, "/repos/octo-org/shop/deployments").await;
    let states: Vec<&serde_json::Value> = records["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["states"])
        .collect();
    assert_eq!(
        states,
        [
            &json!(["in_progress", "error"]),
            &json!(["in_progress"]),
            &json!(["success"])
        ],
        "{records}"
    );
}
