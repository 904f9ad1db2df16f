//! The emulator driven by python-gitlab, a widely used GitLab client of its own: if it can
//! read and change environments, deployments and protections through the sandbox, the
//! emulator speaks GitLab's wire format as real clients expect it (URL-encoded project
//! paths, `Link` and `x-next-page` paging, statuses, JSON shapes), not only as this
//! project's own client does.
//!
//! `scripts/python-gitlab/check.py` does the driving (its usage is in its docstring).
//! Without python-gitlab the test says why it did not run and passes, unless
//! `DEPLOYPLAN_REQUIRE_PYTHON_GITLAB=1` (set by `.ci/run` once it installed the package),
//! where a missing package is a failure.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::Command;

use crate::providers::common::testkit::start;
use crate::providers::gitlab::emulator::{PROVIDER_TYPE, demo};
use crate::sandbox::SandboxOptions;

/// Set to `1` where python-gitlab must be there (CI after installing it).
const REQUIRE: &str = "DEPLOYPLAN_REQUIRE_PYTHON_GITLAB";

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/python-gitlab/check.py")
}

/// Why python-gitlab cannot be used here, if it cannot.
async fn unavailable() -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", "import gitlab"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .await;
    match probe {
        Err(error) => Some(format!("python3 does not run: {error}")),
        Ok(output) if !output.status.success() => Some(format!(
            "python3 cannot import gitlab ({}); install scripts/python-gitlab/requirements.txt",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("no message")
        )),
        Ok(_) => None,
    }
}

#[tokio::test]
async fn python_gitlab_reads_and_changes_the_emulator() {
    if let Some(reason) = unavailable().await {
        assert!(
            std::env::var(REQUIRE).as_deref() != Ok("1"),
            "{REQUIRE}=1 but {reason}"
        );
        eprintln!("skipped: {reason}");
        return;
    }
    let sandbox = start(SandboxOptions::default()).await;
    let url = sandbox.base_url(PROVIDER_TYPE);
    let output = Command::new("python3")
        .arg(script())
        .args(["--url", &url, "--token", demo::GITLAB_TOKEN])
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
        "project: acme/platform/shop",
        "environment created:",
        "environments listed:",
        "environment updated:",
        "environment stopped:",
        "deployment created:",
        "deployment updated: status success",
        "protected environments listed:",
        "python-gitlab check passed",
    ] {
        assert!(stdout.contains(step), "no {step:?} in\n{stdout}");
    }
    // The token never shows, whatever the script printed.
    assert!(!stdout.contains(demo::GITLAB_TOKEN) && !stderr.contains(demo::GITLAB_TOKEN));
}
