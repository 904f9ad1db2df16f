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
    assert_eq!(records["deployments"][0]["states"], json!(["success"]), "{fault}: {records}");
}

#[tokio::test]
async fn an_ambiguous_5xx_on_every_post_leaves_one_record_with_one_status() {
    with_every_post_answer_lost("error_after_rate").await;
}

#[tokio::test]
async fn a_dropped_connection_on_every_post_leaves_one_record_with_one_status() {
    with_every_post_answer_lost("drop_after_rate").await;
}
