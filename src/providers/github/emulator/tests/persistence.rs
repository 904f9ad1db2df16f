//! State survives a restart; the state log records only what changed; no secret in it.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{Gh, TestClient, start};
use crate::providers::common::testkit::{Persistent, persistent};

#[tokio::test]
async fn environments_secrets_refs_and_deployments_survive_a_restart() {
    let Persistent {
        options,
        state_file,
        ..
    } = persistent(10, 10);
    let sandbox = start(options.clone()).await;
    let gh = Gh::new(&sandbox);
    let env = "/repos/octo-org/shop/environments/production";
    gh.put(env, json!({"wait_timer": 3})).await.expect(200);
    let key = gh
        .get(&format!("{env}/secrets/public-key"))
        .await
        .expect(200);
    let (key_id, sealed) = gh.seal(env, "kept-secret").await;
    gh.put(
        &format!("{env}/secrets/TOKEN"),
        json!({"encrypted_value": sealed, "key_id": key_id}),
    )
    .await
    .expect(201);
    let pushed = gh
        .admin(
            Method::POST,
            "/repos/octo-org/shop/push",
            Some(json!({"branch": "main"})),
        )
        .await
        .expect(200);
    let run = gh.deploy("octo-org/shop", "production", "main").await;
    gh.status("octo-org/shop", &run["id"], json!({"state": "success"}))
        .await;
    // The log holds the changed entities, not the whole document.
    let log = std::fs::read_to_string(state_file.with_file_name("state.json.log")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(
        last.contains("\"deployments\"") && !last.contains("svc-07"),
        "{last}"
    );
    assert!(!log.contains("kept-secret"));
    // Refused writes change nothing, so they add nothing to the log.
    gh.post(
        &format!("{env}/variables"),
        json!({"name": "A", "value": "1"}),
    )
    .await
    .expect(201);
    let before = std::fs::read_to_string(state_file.with_file_name("state.json.log")).unwrap();
    gh.delete(&format!("{env}/secrets/MISSING"))
        .await
        .expect(404);
    gh.post(
        &format!("{env}/variables"),
        json!({"name": "a", "value": "2"}),
    )
    .await
    .expect(409);
    gh.delete(&format!("{env}/variables/B")).await.expect(404);
    gh.put(env, json!({"wait_timer": -1})).await.expect(422);
    gh.delete(&format!("/repos/octo-org/shop/deployments/{}", run["id"]))
        .await
        .expect(204);
    let after = std::fs::read_to_string(state_file.with_file_name("state.json.log")).unwrap();
    assert_eq!(
        after.lines().count(),
        before.lines().count() + 1,
        "only the delete is logged"
    );
    let run = gh.deploy("octo-org/shop", "production", "main").await;
    gh.status("octo-org/shop", &run["id"], json!({"state": "success"}))
        .await;
    sandbox.shutdown().await;

    let text = std::fs::read_to_string(&state_file).unwrap();
    assert!(!text.contains("kept-secret") && !text.contains(&sealed));
    let sandbox = start(options).await;
    let gh = Gh::new(&sandbox);
    assert_eq!(
        gh.get(env).await.expect(200)["protection_rules"][0]["wait_timer"],
        3
    );
    assert_eq!(
        gh.get(&format!("{env}/secrets/public-key"))
            .await
            .expect(200),
        key
    );
    assert_eq!(
        gh.get("/repos/octo-org/shop/commits/main")
            .await
            .expect(200)["sha"],
        pushed["sha"]
    );
    let list = gh.get("/repos/octo-org/shop/deployments").await.expect(200);
    assert_eq!(list[0]["id"], run["id"]);
    let statuses = gh
        .get(&format!(
            "/repos/octo-org/shop/deployments/{}/statuses",
            run["id"]
        ))
        .await
        .expect(200);
    assert_eq!(statuses[0]["state"], "success");
    // Counters continue.
    let next = gh.deploy("octo-org/shop", "production", "main").await;
    assert_eq!(next["id"], run["id"].as_i64().unwrap() + 1);
    sandbox.shutdown().await;
}
