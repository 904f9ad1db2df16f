//! Failures during apply: a failed deployment fails its node and skips its dependents while
//! independent branches go on; injected 429s and 5xx are retried where safe.

use serde_json::json;

use crate::common::{assert_code, fixture, ncp, stderr, stdout, world};

/// Releases `web` and `web-after`, the second depending on the first.
const MANIFEST: &str = "ncp/web-then-api.yaml";

#[test]
fn a_failed_deployment_fails_its_node_and_skips_dependents() {
    let w = world();
    w.manifest(&fixture(MANIFEST));
    w.admin(
        reqwest::Method::PUT,
        "/ncp-sourcedeploy/outcomes",
        json!({"project": "shop", "stage": "dev", "scenario": "web", "outcome": "fail"}),
    );
    let apply = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&apply, 1);
    let summary = stdout(&apply);
    assert!(
        summary.contains("Apply incomplete: 4 applied, 1 failed, 1 skipped."),
        "{summary}\n{}",
        stderr(&apply)
    );
    assert!(
        summary.contains("ncp.release.web (deploy): deployment"),
        "{summary}"
    );
    assert!(summary.contains("ended with status `fail`"), "{summary}");
    assert!(
        summary
            .contains("ncp.release.web-after (deploy): skipped, `ncp.release.web` did not apply"),
        "{summary}"
    );

    // The remote is as it was: the next plan still shows both deploys.
    let plan = w.run(&["plan"]);
    assert!(
        stdout(&plan).contains("0 to create, 0 to update, 0 to replace, 0 to delete, 2 to deploy."),
        "{}",
        stdout(&plan)
    );
}

#[test]
fn rate_limits_and_server_errors_are_retried_where_safe() {
    let w = world();
    w.manifest(&fixture(MANIFEST));
    w.faults(
        json!({"latency_ms": 0, "error_rate": 0.0, "rate_limit_rate": 0.3, "retry_after_secs": 0, "drop_rate": 0.0}),
    );
    let apply = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    let statuses: Vec<u16> = w.requests().iter().map(|r| r.status).collect();
    assert!(
        statuses.contains(&429),
        "faults were injected: {statuses:?}"
    );
    w.faults(
        json!({"latency_ms": 0, "error_rate": 0.0, "rate_limit_rate": 0.0, "retry_after_secs": 0, "drop_rate": 0.0}),
    );
    // Exactly one project and two scenarios were created, whatever was retried.
    let creates = w
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.status < 300 && !r.path.ends_with("/deploy"))
        .count();
    assert_eq!(creates, 4, "project + stage + 2 scenarios, no duplicates");
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn wrong_credentials_fail_once_with_the_provider_error() {
    let w = world();
    w.manifest(&fixture(MANIFEST));
    let out = w
        .cmd()
        .env(ncp::SECRET_KEY_VAR, "not-the-right-secret")
        .args(["plan"])
        .output()
        .unwrap();
    assert_code(&out, 1);
    let text = stderr(&out);
    assert!(
        text.contains("Authentication Failed") || text.contains("200"),
        "{text}"
    );
    assert!(text.contains("check the access key"), "{text}");
    assert!(!text.contains("not-the-right-secret"), "{text}");
    // The project list and the infrastructure lookups go out together; none is retried.
    let requests = w.requests();
    let mut paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(
        paths.len(),
        requests.len(),
        "an auth failure is not retried: {requests:?}"
    );
    assert!(paths.contains(&"/api/v1/project"), "{requests:?}");
    assert!(requests.iter().all(|r| r.status == 401), "{requests:?}");
}
