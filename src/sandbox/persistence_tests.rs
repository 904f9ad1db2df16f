//! The state file and its change log: what is on disk after every answered write is what
//! the sandbox serves, and a write costs what it changed, not the size of the state.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::store::read_document;
use super::{DeployTiming, SandboxHandle, SandboxOptions};
use crate::providers::ncp::emulator::testkit::{self, Ncp, server_config};
use crate::providers::nhn::emulator::testkit::{Nhn, success};

fn options(state_file: &Path) -> SandboxOptions {
    SandboxOptions {
        state_file: Some(state_file.to_owned()),
        deploy_timing: DeployTiming::Timed {
            waiting_ms: 50,
            running_ms: 100,
        },
        ..SandboxOptions::default()
    }
}

async fn served(sandbox: &SandboxHandle) -> Value {
    reqwest::get(format!("http://{}/_sandbox/state", sandbox.addr))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What a sandbox killed now would load: the document with its log applied.
fn on_disk(state_file: &Path) -> Value {
    Value::Object(read_document(state_file).unwrap())
}

fn log_file(state_file: &Path) -> PathBuf {
    state_file.with_file_name("state.json.log")
}

fn log_len(state_file: &Path) -> u64 {
    std::fs::metadata(log_file(state_file)).map_or(0, |m| m.len())
}

#[tokio::test]
async fn every_answered_ncp_write_is_on_disk_without_a_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let sandbox = testkit::start(options(&state_file)).await;
    let ncp = Ncp::new(&sandbox);
    let mut checkpoints = 0;
    let mut check = async |what: &str| {
        assert_eq!(on_disk(&state_file), served(&sandbox).await, "after {what}");
        checkpoints += 1;
    };
    let (project, stage, scenario) = ncp.server_setup("shop").await;
    check("creating a project, a stage and a scenario").await;
    let blog = ncp.project("blog").await;
    check("a second project").await;
    ncp.patch(
        &format!("/api/v1/project/{project}/stage/{stage}"),
        json!({ "config": server_config() }),
    )
    .await;
    check("a stage update").await;
    let history = ncp.deploy((project, stage, scenario)).await;
    check("a deployment").await;
    ncp.wait_terminal(project, history).await;
    ncp.delete(&format!("/api/v1/project/{blog}")).await;
    check("a project delete").await;
    assert_eq!(checkpoints, 5);
    assert!(log_len(&state_file) > 0, "writes went to the log");

    // A second sandbox started on the files of the first, never stopped, has it all.
    let before = served(&sandbox).await;
    let restarted = testkit::start(options(&state_file)).await;
    assert_eq!(served(&restarted).await, before);
    assert_eq!(log_len(&state_file), 0, "the log was folded in at start");
    restarted.shutdown().await;
}

#[tokio::test]
async fn every_answered_nhn_write_is_on_disk_without_a_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let sandbox = testkit::start(options(&state_file)).await;
    let nhn = Nhn::connect(&sandbox).await;
    assert_eq!(on_disk(&state_file), served(&sandbox).await, "a token");
    nhn.upload_server("1.0.0", b"bytes").await;
    assert_eq!(on_disk(&state_file), served(&sandbox).await, "an upload");
    success(
        nhn.deploy(201, json!({ "scenarioIds": "401", "async": true }))
            .await,
    );
    assert_eq!(on_disk(&state_file), served(&sandbox).await, "a deployment");
    nhn.admin_put("/token-lifetime", json!({ "seconds": 60 }))
        .await;
    assert_eq!(on_disk(&state_file), served(&sandbox).await, "a setting");
    let before = served(&sandbox).await;
    let restarted = testkit::start(options(&state_file)).await;
    assert_eq!(served(&restarted).await, before);
    restarted.shutdown().await;
}

/// Creating the 60th project appends as much as creating the 2nd: nothing is rewritten.
#[tokio::test]
async fn a_write_appends_what_it_changed_whatever_the_size_of_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let sandbox = testkit::start(options(&state_file)).await;
    let ncp = Ncp::new(&sandbox);
    ncp.project("p-000").await;
    let document = std::fs::metadata(&state_file).unwrap().len();
    let mut growth = Vec::new();
    for n in 1..60 {
        let before = log_len(&state_file);
        ncp.project(&format!("p-{n:03}")).await;
        growth.push(log_len(&state_file) - before);
    }
    let (first, last) = (growth[0], growth[growth.len() - 1]);
    assert!(
        last <= first + 8,
        "a write's cost must not grow with the state: {growth:?}"
    );
    assert_eq!(
        std::fs::metadata(&state_file).unwrap().len(),
        document,
        "the document is not rewritten while the log is small"
    );
    sandbox.shutdown().await;
    assert_eq!(log_len(&state_file), 0, "folded in at shutdown");
    assert!(!log_file(&state_file).exists());
}

#[tokio::test]
async fn a_log_line_cut_short_is_the_unanswered_write_and_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    let sandbox = testkit::start(options(&state_file)).await;
    let ncp = Ncp::new(&sandbox);
    ncp.project("kept").await;
    let expected = served(&sandbox).await;
    // The next write, cut off mid-line by a crash.
    let mut log = std::fs::read(log_file(&state_file)).unwrap_or_default();
    log.extend_from_slice(br#"{"provider":"ncp-sourcedeploy","changes":[{"collec"#);
    std::fs::write(log_file(&state_file), &log).unwrap();
    let restarted = testkit::start(options(&state_file)).await;
    assert_eq!(served(&restarted).await, expected);
    restarted.shutdown().await;

    // A damaged line in the middle is not a crash: the start fails and names it.
    std::fs::write(
        log_file(&state_file),
        "not json\n{\"provider\":\"ncp-sourcedeploy\",\"changes\":[]}\n",
    )
    .unwrap();
    let error = match super::start("127.0.0.1:0".parse().unwrap(), options(&state_file)).await {
        Ok(_) => panic!("a damaged log must fail the start"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("state.json.log") && error.contains("line 1"),
        "{error}"
    );
}

/// Every top-level part of each emulator's state is in its change log: a part left out
/// would be lost by a sandbox that dies before its next fold.
#[test]
fn the_change_log_covers_every_part_of_each_emulators_state() {
    use super::StateChange;
    let ctx = super::EmulatorContext::default();
    for emulator in super::emulators(&ctx) {
        let Value::Object(document) = emulator.save_state() else {
            panic!("{} state is not a document", emulator.provider_type());
        };
        let logged: std::collections::BTreeSet<String> = emulator
            .take_changes()
            .expect("emulators log their changes")
            .into_iter()
            .map(|change| match change {
                StateChange::Field { field, .. } => field,
                StateChange::Entity { collection, .. } => collection,
            })
            .collect();
        let collections = [
            "projects",
            "tokens",
            "binaries",
            "deployments",
            "environments",
        ];
        for key in document.keys() {
            assert!(
                logged.contains(key) || collections.contains(&key.as_str()),
                "{}: `{key}` is never logged",
                emulator.provider_type()
            );
        }
    }
}
