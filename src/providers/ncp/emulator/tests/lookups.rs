//! Lookups list the seeded account.

use serde_json::{Value, json};

use super::super::testkit::{self, Ncp};
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

fn assert_not_found((status, body): (u16, Value), detail: &str) {
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["errorCode"], "300", "{body}");
    assert!(
        body["error"]["details"]
            .as_str()
            .unwrap_or_default()
            .contains(detail),
        "{body}"
    );
}

#[tokio::test]
async fn lookups_list_the_seed() {
    let sandbox = testkit::start_with(DeployTiming::Manual).await;
    let ncp = Ncp::new(&sandbox);
    let (_, body) = ncp.get("/api/v1/server").await;
    assert_eq!(
        body["result"]["serverList"][0],
        json!({ "serverNo": 1011, "name": "web-1" })
    );
    let (_, body) = ncp.get("/api/v1/autoscaling").await;
    assert_eq!(
        body["result"]["autoscalingList"][0],
        json!({ "groupNo": 2001, "name": "web-asg", "instanceCount": 2 })
    );
    let (_, body) = ncp.get("/api/v1/autoscaling/web-asg").await;
    assert_eq!(
        names(&body, "targetGroupList"),
        ["web-tg-blue", "web-tg-green"]
    );
    let (_, body) = ncp.get("/api/v1/kubernetes/cluster").await;
    assert_eq!(body["result"]["clusterList"][0]["name"], "shop-nks");
    let (_, body) = ncp.get("/api/v1/objectstorage/bucket").await;
    assert_eq!(
        names(&body, "bucketList"),
        ["shop-artifacts", "static-site"]
    );
    let (_, body) = ncp.get("/api/v1/objectstorage/bucket/shop-artifacts").await;
    assert_eq!(
        body["result"]["objectList"].as_array().map(Vec::len),
        Some(4)
    );
    assert_eq!(
        body["result"]["objectList"][3]["key"],
        "shop/shop-1.5.0.tar.gz"
    );
    let (_, body) = ncp.get("/api/v1/sourcebuild/project").await;
    assert_eq!(
        body["result"]["projectList"][0],
        json!({ "id": 5001, "name": "shop-build" })
    );
    let (_, body) = ncp.get("/api/v1/sourcecommit/repository").await;
    assert_eq!(
        names(&body, "repositoryList"),
        ["shop-manifests", "shop-app", "site"]
    );
    let (_, body) = ncp
        .get("/api/v1/sourcecommit/repository/shop-app/branch")
        .await;
    assert_eq!(names(&body, "branchList"), ["main", "develop"]);
    assert_not_found(ncp.get("/api/v1/objectstorage/bucket/nope").await, "nope");
    assert_not_found(ncp.get("/api/v1/autoscaling/nope").await, "nope");
    assert_not_found(
        ncp.get("/api/v1/sourcecommit/repository/nope/branch").await,
        "nope",
    );
    sandbox.shutdown().await;
}
