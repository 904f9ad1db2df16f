//! The emulator driven by `axhub-sdk`, AxHub's own Python SDK (generated from AxHub's
//! backend route table, apart from this project): if it can list tenants and apps page by
//! page, read git connections, deployments and releases, start, follow, cancel and roll
//! back a deployment, switch staging and read refusals through the sandbox, the emulator
//! speaks AxHub's wire format as AxHub's clients expect it (paths, `X-Api-Key` and Bearer,
//! the echoed request id, offset paging, empty 2xx bodies, the error envelope and codes),
//! not only as this project's own client does.
//!
//! `scripts/axhub-sdk/check.py` does the driving (its usage is in its docstring), once with
//! deployments moved by the admin API (`Manual` timing, so every stage is seen) and once
//! with the sandbox's clock moving them while the SDK only watches.
//! Without the SDK the test says why it did not run and passes, unless
//! `DEPLOYPLAN_REQUIRE_AXHUB_SDK=1` (set by `.ci/run` once it installed the package),
//! where a missing package is a failure.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::Command;

use super::super::testkit::start_with;
use super::super::{PROVIDER_TYPE, demo};
use crate::sandbox::DeployTiming;

/// On the clock: long enough that a second start still finds the first one running on a
/// loaded machine, short enough for a test.
const CLOCK: DeployTiming = DeployTiming::Timed {
    waiting_ms: 200,
    running_ms: 900,
};

/// Set to `1` where axhub-sdk must be there (CI after installing it).
const REQUIRE: &str = "DEPLOYPLAN_REQUIRE_AXHUB_SDK";

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/axhub-sdk/check.py")
}

/// Why axhub-sdk cannot be used here, if it cannot.
async fn unavailable() -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", "import axhub_sdk"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await;
    match probe {
        Err(error) => Some(format!("python3 does not run: {error}")),
        Ok(output) if !output.status.success() => Some(format!(
            "python3 cannot import axhub_sdk ({}); install scripts/axhub-sdk/requirements.txt",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("no message")
        )),
        Ok(_) => None,
    }
}

/// Runs check.py against a new sandbox with `timing`; its stdout, once it passed.
async fn check(timing: DeployTiming) -> Option<String> {
    if let Some(reason) = unavailable().await {
        assert!(
            std::env::var(REQUIRE).as_deref() != Ok("1"),
            "{REQUIRE}=1 but {reason}"
        );
        eprintln!("skipped: {reason}");
        return None;
    }
    let clock = matches!(timing, DeployTiming::Timed { .. });
    let sandbox = start_with(timing).await;
    let url = sandbox.base_url(PROVIDER_TYPE);
    let admin = format!("http://{}/_sandbox/{PROVIDER_TYPE}", sandbox.addr);
    let output = Command::new("python3")
        .arg(script())
        .args(["--url", &url, "--admin", &admin])
        .args(["--token", demo::AXHUB_TOKEN])
        .args(clock.then_some("--clock"))
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check.py failed\n--- stdout\n{stdout}--- stderr\n{stderr}"
    );
    // The token never shows, whatever the script printed.
    assert!(!stdout.contains(demo::AXHUB_TOKEN) && !stderr.contains(demo::AXHUB_TOKEN));
    Some(stdout)
}

#[tokio::test]
async fn axhub_sdk_reads_and_changes_the_emulator() {
    let Some(stdout) = check(DeployTiming::Manual).await else {
        return;
    };
    for step in [
        "tenants listed:",
        "apps listed: 4 over 4 pages of 1",
        "app read: shop",
        "git connection read: shop on acme/shop@main",
        "git connection changed: connect 201, 428 github_relogin_required",
        "history read:",
        "deployment followed: pending -> building -> pushing -> deploying -> succeeded",
        "deployment cancelled: 409 conflict",
        "rolled back:",
        "unconfirmed skew 412 confirm_required",
        "staging switched: on 202, 409 staging_already_enabled, 412 confirm_required",
        "never deployed: 412 prod_deploy_required",
        "unapproved rollback 403 version_not_approved",
        "failure read:",
        "at healthcheck (healthcheck.rollout_timeout), diagnosed",
        "errors read:",
        "rate limit read: 429 temporarily_unavailable",
        "check passed",
    ] {
        assert!(stdout.contains(step), "no {step:?} in\n{stdout}");
    }
}

#[tokio::test]
async fn axhub_sdk_watches_deployments_move_on_the_clock() {
    let Some(stdout) = check(CLOCK).await else {
        return;
    };
    for step in [
        "deployment followed: pending -> ",
        "-> succeeded",
        "rolled back:",
        "failure read:",
        "check passed",
    ] {
        assert!(stdout.contains(step), "no {step:?} in\n{stdout}");
    }
}
