//! State survives a restart; the state log records only what changed; tokens are kept
//! only as hashes.

use reqwest::Method;
use serde_json::json;

use super::super::testkit::{Ax, TestClient, app_id, none};
use crate::providers::common::testkit::{Persistent, persistent, start};

#[tokio::test]
async fn the_world_survives_a_restart_and_the_log_holds_only_changes() {
    let Persistent {
        options,
        state_file,
        ..
    } = persistent(10, 30);
    let sandbox = start(options.clone()).await;
    let ax = Ax::new(&sandbox);
    let token = ax
        .admin(Method::POST, "/tokens", Some(json!({"admin": true})))
        .await
        .expect(200);
    let token = token["token"].as_str().unwrap().to_owned();
    let run = ax.deploy("shop", none()).await.expect(202);
    let id = run["id"].as_str().unwrap().to_owned();
    ax.wait("shop", &id).await;
    ax.put(&format!("/apps/{}/staging", app_id("shop")), none())
        .await
        .expect(202);
    let log_file = state_file.with_file_name("state.json.log");
    let log = std::fs::read_to_string(&log_file).unwrap();
    assert!(!log.contains(&token), "tokens are kept as hashes");
    let last = log.lines().last().unwrap();
    assert!(
        last.contains("\"apps\"") && !last.contains("acme/blog"),
        "{last}"
    );
    // Refused writes change nothing, so they add nothing to the log.
    let before = log.lines().count();
    assert_eq!(ax.deploy("blog", none()).await.status, 412);
    assert_eq!(
        ax.put(&format!("/apps/{}/staging", app_id("shop")), none())
            .await
            .status,
        409
    );
    let after = std::fs::read_to_string(&log_file).unwrap().lines().count();
    assert_eq!(after, before);
    sandbox.shutdown().await;
    let saved = std::fs::read_to_string(&state_file).unwrap();
    assert!(!saved.contains(&token));
    let sandbox = start(options).await;
    let ax = Ax::new(&sandbox);
    let again = ax.deployment("shop", &id).await;
    assert_eq!(again["status"], "succeeded");
    let app = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(
        (
            app["staging_enabled"].clone(),
            app["production_deployment_id"].clone()
        ),
        (json!(true), json!(id))
    );
    ax.with(Some(&token), false)
        .get("/tenants")
        .await
        .expect(200);
    // A new deployment gets a fresh id after the restart.
    let next = ax.deploy("shop", none()).await.expect(202);
    assert_ne!(next["id"].as_str(), Some(id.as_str()));
    sandbox.shutdown().await;
}

/// Every change the handlers make reaches the state log: replaying the log onto the
/// saved document gives the state, whatever changed (counters, switches, entities).
#[test]
fn the_state_log_replays_to_the_state() {
    use crate::providers::common::emulator::StateCell;
    use crate::sandbox::EmulatorState;

    use super::super::state::{AxState, Token};
    use crate::sandbox::Tracked;

    let cell = StateCell::new("AxHub", AxState::default());
    let mut document = cell.save();
    for change in cell.take_changes().unwrap() {
        change.apply(&mut document);
    }
    assert_eq!(document, cell.save());
    cell.with(|state| {
        state.github_relogin_required = true;
        state.tokens.push(Tracked::new(Token {
            sha256: "00".repeat(32),
            admin: false,
        }));
        let shop = state.app_index("shop").unwrap();
        state.apps[shop].staging_enabled = true;
        let blog = state.app_index("blog").unwrap();
        state.apps.remove(blog);
        let seeded = state.deployments.len() - 1;
        state.deployments[seeded].approved = false;
        state.repos[0].commits.push("f".repeat(40));
        state.builds += 3;
    });
    let changes = cell.take_changes().unwrap();
    assert!(changes.len() >= 6, "{changes:?}");
    for change in changes {
        change.apply(&mut document);
    }
    assert_eq!(document, cell.save());
    assert_eq!(
        cell.take_changes().unwrap().len(),
        0,
        "nothing changed since"
    );
}
