//! Ctrl-C during apply: no new operation starts, the running deployment is cancelled
//! through the API, and the summary says what was and was not done.

use std::time::Duration;

use deployplan::sandbox::DeployTiming;

use crate::common::{self, assert_code, fixture, ncp, world_with};

/// Releases `web` and `web-after`, the second depending on the first.
const MANIFEST: &str = "ncp/web-then-api.yaml";

#[test]
fn ctrl_c_cancels_the_running_deployment_and_starts_nothing_new() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&fixture(MANIFEST));
    let child = w.spawn(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    w.wait_for_request("the deployment's start", |r| {
        r.method == "POST" && r.path.ends_with("/deploy")
    });
    std::thread::sleep(Duration::from_millis(300));
    common::signal(&child, "INT");
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert!(
        stdout.contains("ncp.release.web (deploy): interrupted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ncp.release.web-after (deploy): skipped"),
        "{stdout}"
    );
    let deploys = w
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/deploy"))
        .count();
    assert_eq!(deploys, 1, "no deployment starts after the interrupt");
    assert!(
        w.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/cancel"))
    );
}

/// An apply killed outright (no chance to clean up) leaves its lock record naming its
/// journal; the next plan warns with what was in flight, and the next apply says it took
/// the lock over, with the same list.
#[cfg(target_os = "linux")] // the liveness wording needs /proc
#[test]
fn an_apply_killed_mid_deployment_is_reported_by_the_next_plan_and_apply() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&fixture(MANIFEST));
    let child = w.spawn(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    w.wait_for_request("a poll of the deployment", |r| {
        r.method == "GET" && r.path.contains("/history/")
    });
    common::signal(&child, "KILL");
    child.wait_with_output().unwrap();

    let plan = w.run(&["plan"]);
    let stderr = common::stderr(&plan);
    assert!(
        stderr.contains("Warning: the last apply of environment `default` (pid "),
        "{stderr}"
    );
    assert!(stderr.contains("stopped without finishing"), "{stderr}");
    assert!(stderr.contains("  ncp.release.web (deploy)"), "{stderr}");
    assert!(
        !stderr.contains("ncp.release.web-after"),
        "never started: {stderr}"
    );

    // An apply that fails before it changes anything (wrong credentials) must not erase
    // the trace of the interrupted one.
    let failed = w
        .cmd()
        .env(ncp::SECRET_KEY_VAR, "not-the-secret-key-of-the-sandbox-000")
        .args(["apply", "--auto-approve"])
        .output()
        .unwrap();
    assert_code(&failed, 1);
    assert!(
        common::stderr(&failed).contains("Note: took over the lock left by pid "),
        "{}",
        common::stderr(&failed)
    );
    let stderr = common::stderr(&w.run(&["plan"]));
    assert!(stderr.contains("stopped without finishing"), "{stderr}");
    assert!(stderr.contains("  ncp.release.web (deploy)"), "{stderr}");

    let apply = w
        .cmd()
        .args(["apply", "--auto-approve", "--deploy-timeout", "1"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = common::stderr(&apply);
    assert!(
        stderr.contains("Note: took over the lock left by pid "),
        "{stderr}"
    );
    assert!(stderr.contains("  ncp.release.web (deploy)"), "{stderr}");
    // The orderly end of this apply leaves no record: the next plan is quiet about it.
    let stderr = common::stderr(&w.run(&["plan"]));
    assert!(!stderr.contains("stopped without finishing"), "{stderr}");
}
