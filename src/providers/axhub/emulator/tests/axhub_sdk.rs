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

use super::super::testkit::start_with;
use super::super::{PROVIDER_TYPE, demo};
use crate::providers::common::python::PythonClient;
use crate::sandbox::DeployTiming;

const AXHUB_SDK: PythonClient = PythonClient {
    module: "axhub_sdk",
    folder: "axhub-sdk",
    require: "DEPLOYPLAN_REQUIRE_AXHUB_SDK",
};

/// On the clock: long enough that a second start still finds the first one running on a
/// loaded machine, short enough for a test.
const CLOCK: DeployTiming = DeployTiming::Timed {
    waiting_ms: 200,
    running_ms: 900,
};

/// Runs check.py against a new sandbox with `timing`; its stdout, once it passed.
async fn check(timing: DeployTiming) -> Option<String> {
    if !AXHUB_SDK.usable().await {
        return None;
    }
    let clock = matches!(timing, DeployTiming::Timed { .. });
    let sandbox = start_with(timing).await;
    let url = sandbox.base_url(PROVIDER_TYPE);
    let admin = format!("http://{}/_sandbox/{PROVIDER_TYPE}", sandbox.addr);
    let mut args = vec![
        "--url",
        &url,
        "--admin",
        &admin,
        "--token",
        demo::AXHUB_TOKEN,
    ];
    args.extend(clock.then_some("--clock"));
    Some(AXHUB_SDK.check(&args, demo::AXHUB_TOKEN).await)
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
