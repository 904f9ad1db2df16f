//! Artifacts, server groups and binary groups from the seed.

use serde_json::json;

use super::super::testkit::{self, FAST, Nhn, assert_error, success};

#[tokio::test]
async fn artifacts_list_and_filter() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let body = success(nhn.get("/artifacts").await);
    assert_eq!(
        body["artifacts"][0],
        json!({
            "id": 101,
            "name": "shop",
            "applicationType": "server",
            "description": "Shop web server (Cloud Agent)",
            "createDate": "2025-01-06T10:00:00+09:00",
            "lastDeployDate": null
        })
    );
    let names = |body: &serde_json::Value| -> Vec<String> {
        body["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|artifact| artifact["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&body), ["shop", "shop-app"]);
    // A contains-match, ignoring case: clients must compare names exactly.
    let body = success(nhn.get("/artifacts?artifactName=SHOP").await);
    assert_eq!(names(&body), ["shop", "shop-app"]);
    let body = success(nhn.get("/artifacts?artifactName=app").await);
    assert_eq!(names(&body), ["shop-app"]);
    let body = success(nhn.get("/artifacts?artifactName=nothing").await);
    assert_eq!(body, json!({ "artifacts": [] }));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn server_and_binary_groups() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let body = success(nhn.get("/artifacts/101/server-groups").await);
    let groups: Vec<(i64, String, i64)> = body["serverGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            assert_eq!(group["osType"], "LINUX");
            (
                group["id"].as_i64().unwrap(),
                group["name"].as_str().unwrap().to_owned(),
                group["serverCount"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [
            (201, "web-prod".to_owned(), 3),
            (202, "web-staging".to_owned(), 1),
            (203, "web-asg".to_owned(), 3)
        ]
    );
    let body = success(nhn.get("/artifacts/102/server-groups").await);
    assert_eq!(body, json!({ "serverGroups": [] }));

    let body = success(nhn.get("/artifacts/101/binary-groups").await);
    assert_eq!(
        body,
        json!({ "binaryGroups": [{
            "key": 301,
            "name": "shop-server",
            "description": "Shop server packages",
            "regionCode": "KR1",
            "createDate": "2025-01-06T10:00:00+09:00"
        }] })
    );
    let body = success(nhn.get("/artifacts/102/binary-groups").await);
    assert_eq!(body["binaryGroups"][0]["name"], "shop-android");
    assert_eq!(body["binaryGroups"][1]["name"], "shop-ios");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_and_malformed_ids() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    assert_error(
        &nhn.get("/artifacts/999/server-groups").await,
        404,
        "NOT_FOUND_ARTIFACT_INFO",
        "artifact 999",
    );
    assert_error(
        &nhn.get("/artifacts/shop/binary-groups").await,
        400,
        "BAD_REQUEST",
        "artifactId must be a number",
    );
    assert_error(
        &nhn.get("/artifacts/101/binary-groups/302/binaries").await,
        404,
        "NOT_FOUND_BINARY_GROUP",
        "binary group 302",
    );
    let (status, body) = nhn.get("/artifacts/999/server-groups").await;
    assert_eq!((status, &body["body"]), (404, &serde_json::Value::Null));
    sandbox.shutdown().await;
}
