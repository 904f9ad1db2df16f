//! State survives a restart; the state log records only what changed; tokens are kept
//! only as hashes.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{Auth, Gl, SHOP, TestClient};
use crate::providers::common::testkit::{Persistent, persistent, start};

#[tokio::test]
async fn the_world_survives_a_restart_and_the_log_holds_only_changes() {
    let Persistent {
        options,
        state_file,
        ..
    } = persistent(10, 10);
    let sandbox = start(options.clone()).await;
    let gl = Gl::new(&sandbox);
    let env = gl
        .environment(
            SHOP,
            json!({"name": "production", "external_url": "https://shop.example.com"}),
        )
        .await;
    gl.post(
        &format!("{SHOP}/protected_environments"),
        json!({"name": "production", "deploy_access_levels": [{"user_id": 2}]}),
    )
    .await
    .expect(201);
    let pushed = gl
        .admin(
            Method::POST,
            "/projects/101/push",
            Some(json!({"branch": "main"})),
        )
        .await
        .expect(200);
    let sha = pushed["sha"].as_str().unwrap().to_owned();
    let alice = gl.as_user("alice").await;
    let run = alice
        .deploy(SHOP, "production", "main", &sha, "success")
        .await
        .expect(201);
    let Auth::Private(token) = alice.auth.clone() else {
        unreachable!()
    };
    let log_file = state_file.with_file_name("state.json.log");
    let log = std::fs::read_to_string(&log_file).unwrap();
    let last = log.lines().last().unwrap();
    assert!(
        last.contains("\"deployments\"") && !last.contains("acme/tools"),
        "{last}"
    );
    assert!(!log.contains(&token), "tokens are kept as hashes");
    // Refused writes change nothing, so they add nothing to the log.
    let before = std::fs::read_to_string(&log_file).unwrap().lines().count();
    gl.post(
        &format!("{SHOP}/environments"),
        json!({"name": "production"}),
    )
    .await
    .expect(400);
    gl.delete(&format!("{SHOP}/environments/{}", env["id"]))
        .await
        .expect(403);
    gl.deploy(SHOP, "production", "main", &sha, "success")
        .await
        .expect(403);
    let after = std::fs::read_to_string(&log_file).unwrap().lines().count();
    assert_eq!(after, before);
    gl.admin(
        Method::POST,
        "/projects/101/move",
        Some(json!({"path": "acme/platform/store"})),
    )
    .await
    .expect(200);
    sandbox.shutdown().await;

    let text = std::fs::read_to_string(&state_file).unwrap();
    assert!(!text.contains(&token));
    let sandbox = start(options).await;
    let gl = Gl::new(&sandbox);
    assert_eq!(gl.get(SHOP).await.status, 301, "the move is kept");
    let store = "/projects/acme%2Fplatform%2Fstore";
    assert_eq!(
        gl.get(&format!("{store}/environments/{}", env["id"]))
            .await
            .expect(200)["last_deployment"]["id"],
        run["id"]
    );
    let protection = gl
        .get(&format!("{store}/protected_environments/production"))
        .await
        .expect(200);
    assert_eq!(protection["deploy_access_levels"][0]["user_id"], 2);
    assert_eq!(
        gl.get(&format!("{store}/repository/branches/main"))
            .await
            .expect(200)["commit"]["id"],
        sha.as_str()
    );
    // The token still works; counters continue.
    let alice = gl.with(Auth::Private(token));
    let next = alice
        .deploy(
            store,
            "production",
            "release/1.x",
            &gl.head("101", "release/1.x").await,
            "running",
        )
        .await
        .expect(201);
    assert_eq!(
        (next["id"].as_i64(), next["iid"].as_i64()),
        (Some(run["id"].as_i64().unwrap() + 1), Some(2))
    );
    sandbox.shutdown().await;
}
