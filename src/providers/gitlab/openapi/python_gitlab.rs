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

use crate::providers::common::python::PythonClient;
use crate::providers::common::testkit::start;
use crate::providers::gitlab::emulator::{PROVIDER_TYPE, demo};
use crate::sandbox::SandboxOptions;

const PYTHON_GITLAB: PythonClient = PythonClient {
    module: "gitlab",
    folder: "python-gitlab",
    require: "DEPLOYPLAN_REQUIRE_PYTHON_GITLAB",
};

#[tokio::test]
async fn python_gitlab_reads_and_changes_the_emulator() {
    if !PYTHON_GITLAB.usable().await {
        return;
    }
    let sandbox = start(SandboxOptions::default()).await;
    let url = sandbox.base_url(PROVIDER_TYPE);
    let args = ["--url", &url, "--token", demo::GITLAB_TOKEN];
    let stdout = PYTHON_GITLAB.check(&args, demo::GITLAB_TOKEN).await;
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
}
