//! State and uploaded bytes survive a restart; runs keep progressing while stopped.

use serde_json::json;

use super::super::testkit::{self, Nhn, success};
use crate::providers::common::testkit::{Persistent, persistent};

#[tokio::test]
async fn binaries_tokens_and_history_survive_a_restart() {
    let Persistent { dir, options, .. } = persistent(100, 400);
    let sandbox = testkit::start(options.clone()).await;
    let nhn = Nhn::connect(&sandbox).await;
    let key = nhn.upload_server("1.0.0", b"persisted bytes").await;
    let body = success(
        nhn.deploy(201, json!({ "scenarioIds": "401", "async": true }))
            .await,
    );
    let deploy_key = body[0]["deployKey"].as_i64().unwrap();
    nhn.admin_put("/token-lifetime", json!({ "seconds": 3600 }))
        .await;
    sandbox.shutdown().await;
    let blob = dir
        .path()
        .join(".deployplan")
        .join("state.nhn-deploy-blobs")
        .join(format!("{key}.bin"));
    assert_eq!(std::fs::read(&blob).unwrap(), b"persisted bytes");

    let sandbox = testkit::start(options).await;
    // The old token still works on the new server (same port is not needed).
    let old = Nhn {
        base: sandbox.base_url("nhn-deploy"),
        admin: format!("http://{}/_sandbox/nhn-deploy", sandbox.addr),
        ..nhn.clone()
    };
    let response = old
        .http
        .get(old.api(&format!("/artifacts/101/binary-group/301/binaries/{key}")))
        .header("X-NHN-AUTHORIZATION", format!("Bearer {}", old.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"persisted bytes");

    let mut result = old.total_result(deploy_key).await;
    for _ in 0..100 {
        if result != "RUNNING" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        result = old.total_result(deploy_key).await;
    }
    assert_eq!(result, "SUCCESS");
    let (_, lifetime) = old.admin_get("/token-lifetime").await;
    assert_eq!(lifetime["seconds"], 3600);
    assert_eq!(old.upload_server("1.0.1", b"next").await, key + 1);
    let again = success(
        old.deploy(202, json!({ "scenarioIds": "401", "async": true }))
            .await,
    );
    assert_eq!(again[0]["deployKey"], deploy_key + 1);
    sandbox.shutdown().await;
}
