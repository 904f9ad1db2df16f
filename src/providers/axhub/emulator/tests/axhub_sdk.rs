//! The emulator driven by `axhub-sdk`, AxHub's own Python SDK (generated from AxHub's
//! backend route table, apart from this project): if it can list tenants and apps page by
//! page, read git connections, deployments and releases, start, follow, cancel and roll
//! back a deployment, switch staging and read refusals through the sandbox, the emulator
//! speaks AxHub's wire format as AxHub's clients expect it (paths, `X-Api-Key` and Bearer,
//! the echoed request id, offset paging, empty 2xx bodies, the error envelope and codes),
//! not only as this project's own client does.
//!
//! `scripts/axhub-sdk/check.py` does the driving (its usage is in its docstring); the
//! deployments move by the admin API (`Manual` timing), so every stage is seen.
//! Without the SDK the test says why it did not run and passes, unless
//! `DEPLOYPLAN_REQUIRE_AXHUB_SDK=1` (set by `.ci/run` once it installed the package),
//! where a missing package is a failure.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::Command;

use super::super::testkit::start_with;
use super::super::{PROVIDER_TYPE, demo};
use crate::sandbox::DeployTiming;

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

#[tokio::test]
async fn axhub_sdk_reads_and_changes_the_emulator() {
    if let Some(reason) = unavailable().await {
        assert!(
            std::env::var(REQUIRE).as_deref() != Ok("1"),
            "{REQUIRE}=1 but {reason}"
        );
        eprintln!("skipped: {reason}");
        return;
    }
    let sandbox = start_with(DeployTiming::Manual).await;
    let url = sandbox.base_url(PROVIDER_TYPE);
    let admin = format!("http://{}/_sandbox/{PROVIDER_TYPE}", sandbox.addr);
    let output = Command::new("python3")
        .arg(script())
        .args(["--url", &url, "--admin", &admin])
        .args(["--token", demo::AXHUB_TOKEN])
        .output()
        .await
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check.py failed\n--- stdout\n{stdout}--- stderr\n{stderr}"
    );
    for step in [
        "tenants listed:",
        "apps listed: 4 over 4 pages of 1",
        "app read: shop",
        "git connection read: shop on acme/shop@main",
        "git connection changed:",
        "history read:",
        "deployment followed: pending -> building -> pushing -> deploying -> succeeded",
        "deployment cancelled:",
        "rolled back:",
        "staging switched:",
        "failure read:",
        "errors read:",
        "rate limit read: 429 temporarily_unavailable",
        "check passed",
    ] {
        assert!(stdout.contains(step), "no {step:?} in\n{stdout}");
    }
    // The token never shows, whatever the script printed.
    assert!(!stdout.contains(demo::AXHUB_TOKEN) && !stderr.contains(demo::AXHUB_TOKEN));
}
