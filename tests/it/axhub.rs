//! AxHub against the sandbox over real HTTP, through the binary: Ctrl-C cancels the
//! deployment apply started and the next plan says so; a plan of many apps reads in the
//! fewest dependent rounds with the fewest calls; AxHub's refusals are located diagnostics.

use std::time::Duration;

use deployplan::sandbox::DeployTiming;
use serde_json::{Value, json};

use crate::common::{self, World, assert_code, round_shapes, stderr, stdout, world, world_with};

/// Commit `main-3` of the seeded `acme/shop` (production runs `main-2`).
const MAIN_3: &str = "45f0d1eba56a3165069fc12bed5a4517418081fd";

fn manifest(releases: &str) -> String {
    format!(
        "providers:\n  ax:\n    type: axhub\n    endpoint: {{{{AXHUB}}}}\n    tenant: acme\naxhub:\n  releases:\n{releases}"
    )
}

/// The shop's deployments, newest first, through the API with the demo token.
fn shop_deployments(w: &World) -> Vec<Value> {
    let app = w.admin_get("/axhub/apps/shop");
    let id = app["id"].as_str().unwrap().to_owned();
    let url = format!(
        "{}/api/v1/apps/{id}/deployments?limit=100",
        w.endpoint("axhub")
    );
    let listed: Value = w.runtime.block_on(async {
        let request = reqwest::Client::new().get(url).header(
            "x-api-key",
            deployplan::providers::axhub::emulator::demo::AXHUB_TOKEN,
        );
        request.send().await.unwrap().json().await.unwrap()
    });
    listed["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn ctrl_c_cancels_the_deployment_and_the_next_plan_says_so() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&manifest(&format!(
        "    shop-prod:\n      app: shop\n      commit: {MAIN_3}\n"
    )));
    let child = w.spawn(&["apply", "--auto-approve", "--poll-interval-ms", "50"]);
    w.wait_for_request("the deployment's start", |r| {
        r.provider == "axhub" && r.method == "POST" && r.path.ends_with("/deployments")
    });
    std::thread::sleep(Duration::from_millis(300));
    common::signal(&child, "INT");
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("cancelled"), "{text}");
    let newest = &shop_deployments(&w)[0];
    assert_eq!(
        (newest["commit_sha"].as_str(), newest["status"].as_str()),
        (Some(MAIN_3), Some("cancelled"))
    );
    let plan = w.run(&["plan"]);
    assert_code(&plan, 0);
    let id = newest["id"].as_str().unwrap();
    assert!(
        stdout(&plan).contains(&format!(
            "the last one of this commit, `{id}`, was cancelled"
        )),
        "{}",
        stdout(&plan)
    );
}

#[test]
fn a_deploy_axhub_would_refuse_is_located_before_any_write() {
    let w = world();
    w.manifest(&manifest(
        "    blog-prod:\n      app: blog\n      commit: 0123456789abcdef0123456789abcdef01234567\n    api-prod:\n      app: apii\n      commit: 0123456789abcdef0123456789abcdef01234567\n",
    ));
    w.clear_requests();
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    let text = stderr(&plan);
    for part in [
        "app `blog` has no subdomain yet",
        "deployplan.yaml:9:12",
        "app `apii` does not exist in the tenant",
        "did you mean `api`?",
        "deployplan.yaml:12:12",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(w.requests().iter().all(|r| r.method == "GET"));
}

/// Placeholders for the ids in AxHub paths: tenants, apps, deployments.
fn axhub_placeholder(parts: &[&str], i: usize) -> Option<&'static str> {
    match parts.get(i.wrapping_sub(1)).copied() {
        Some("tenants") if i + 1 < parts.len() => Some("{tenant}"),
        Some("apps") => Some("{app}"),
        _ => None,
    }
}

#[test]
fn a_converged_plan_of_many_apps_reads_in_the_fewest_dependent_rounds() {
    let w = world();
    let mut releases = String::new();
    for n in 1..=50 {
        let slug = format!("svc-{n:02}");
        w.admin(
            reqwest::Method::POST,
            "/axhub/apps",
            json!({ "slug": slug, "subdomain": slug, "repo": "acme/shop" }),
        );
        releases.push_str(&format!(
            "    {slug}-prod:\n      app: {slug}\n      commit: {MAIN_3}\n"
        ));
    }
    w.manifest(&manifest(&releases));
    assert_code(
        &w.run(&[
            "apply",
            "--auto-approve",
            "--poll-interval-ms",
            "50",
            "--parallelism",
            "50",
        ]),
        0,
    );
    let latency_ms = 800;
    w.faults(json!({ "latency_ms": latency_ms }));
    w.clear_requests();
    assert_code(
        &w.run(&["plan", "--detailed-exitcode", "--parallelism", "400"]),
        0,
    );
    let requests = w.requests();
    // The tenants, one page of apps, and per app its git connection, releases and
    // newest deployments.
    assert_eq!(requests.len(), 2 + 50 * 3);
    let rounds = round_shapes(common::rounds(&requests, latency_ms), axhub_placeholder);
    insta::assert_debug_snapshot!(rounds);
}

#[test]
fn exported_apps_plan_as_no_changes_and_export_only_reads() {
    let w = world();
    let providers =
        "providers:\n  ax:\n    type: axhub\n    endpoint: {{AXHUB}}\n    tenant: acme\n";
    w.manifest(&format!(
        "{providers}axhub:\n  apps:\n    shop:\n      staging: true\n    blog:\n      git: {{ repository: acme/blog, branch: release, installation: 4242 }}\n"
    ));
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);
    w.manifest(providers);
    w.clear_requests();
    let out = w.path().join("axhub.yaml");
    let exported = w.run(&["export", "--provider", "ax", "--out", out.to_str().unwrap()]);
    assert_code(&exported, 0);
    assert!(
        stderr(&exported).contains("4 apps, 3 git connections, 1 with staging"),
        "{}",
        stderr(&exported)
    );
    assert!(
        w.requests().iter().all(|r| r.method == "GET"),
        "export only reads"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("branch: release") && text.contains("staging: true"),
        "{text}"
    );
    assert!(!text.contains(deployplan::providers::axhub::emulator::demo::AXHUB_TOKEN));
    w.manifest(&format!(
        "{providers}{}",
        &text[text.find("axhub:").unwrap()..]
    ));
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
    let typo = w.run(&["export", "--provider", "ax", "--project", "shpo"]);
    assert_code(&typo, 1);
    assert!(
        stderr(&typo).contains("did you mean `shop`?"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn the_token_never_reaches_an_output_even_when_it_is_refused() {
    let w = world();
    w.manifest(&manifest(&format!(
        "    shop-prod:\n      app: shop\n      commit: {MAIN_3}\n"
    )));
    let token = deployplan::providers::axhub::emulator::demo::AXHUB_TOKEN;
    let wrong = "axhub_pat_NotAValidToken0000000000000";
    let mut outputs = vec![
        w.run(&["plan", "-vv"]),
        w.run(&["apply", "--auto-approve", "-vv", "--poll-interval-ms", "50"]),
    ];
    assert_code(&outputs[0], 0);
    assert_code(&outputs[1], 0);
    let refused = w
        .cmd()
        .env("AXHUB_TOKEN", wrong)
        .args(["plan", "-vv"])
        .output()
        .unwrap();
    assert_code(&refused, 1);
    outputs.push(refused);
    for output in &outputs {
        let text = stdout(output) + &stderr(output);
        assert!(
            !text.contains(token) && !text.contains(wrong),
            "token leaked:\n{text}"
        );
    }
    assert!(
        stderr(&outputs[2]).contains("401"),
        "{}",
        stderr(&outputs[2])
    );
}

/// `count` apps `svc-01`… (connected to acme/shop) with a release of `MAIN_3` each.
fn many_releases(w: &World, count: usize) -> String {
    let mut releases = String::new();
    for n in 1..=count {
        let slug = format!("svc-{n:02}");
        w.admin(
            reqwest::Method::POST,
            "/axhub/apps",
            json!({ "slug": slug, "subdomain": slug, "repo": "acme/shop" }),
        );
        releases.push_str(&format!(
            "    {slug}-prod:\n      app: {slug}\n      commit: {MAIN_3}\n"
        ));
    }
    manifest(&releases)
}

/// Deployments started so far (the `POST …/deployments` the sandbox saw).
fn starts(w: &World) -> usize {
    (w.requests().iter())
        .filter(|r| r.provider == "axhub" && r.method == "POST" && r.path.ends_with("/deployments"))
        .count()
}

/// Finishes the deployments of the `svc-…` apps that are running now, through the admin
/// API. All are listed before any is finished: a deployment that starts because another
/// finished is left running (finishing it too would race the cap under test).
fn finish_all(w: &World, count: usize) {
    let mut running = Vec::new();
    for n in 1..=count {
        let app = w.admin_get(&format!("/axhub/apps/svc-{n:02}"));
        let id = app["id"].as_str().unwrap().to_owned();
        let url = format!("{}/api/v1/apps/{id}/deployments", w.endpoint("axhub"));
        let listed: Value = w.runtime.block_on(async {
            let request = reqwest::Client::new().get(url).header(
                "x-api-key",
                deployplan::providers::axhub::emulator::demo::AXHUB_TOKEN,
            );
            request.send().await.unwrap().json().await.unwrap()
        });
        for deployment in listed["items"].as_array().unwrap() {
            if deployment["status"] != "succeeded" {
                running.push((n, deployment["id"].as_str().unwrap().to_owned()));
            }
        }
    }
    for (n, did) in running {
        w.admin(
            reqwest::Method::POST,
            &format!("/axhub/apps/svc-{n:02}/deployments/{did}/finish"),
            json!({ "status": "success" }),
        );
    }
}

/// Waits (up to 60 s) until `done` holds.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn releases_waiting_for_their_deployments_hold_no_request_slot() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&many_releases(&w, 20));
    let child = w.spawn(&[
        "apply",
        "--auto-approve",
        "--parallelism",
        "2",
        "--poll-interval-ms",
        "50",
    ]);
    // Nothing finishes until all twenty are running: with a slot held per waiting release,
    // two would be all.
    eventually("20 deployments in progress at once", || starts(&w) == 20);
    finish_all(&w, 20);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn max_deployments_caps_the_deployments_in_progress_per_instance() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&many_releases(&w, 6));
    let child = w.spawn(&[
        "apply",
        "--auto-approve",
        "--max-deployments",
        "2",
        "--poll-interval-ms",
        "50",
    ]);
    eventually("2 deployments started", || starts(&w) == 2);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(starts(&w), 2, "a third started while two ran");
    for started in [4, 6] {
        finish_all(&w, 6);
        eventually("the next two started", || starts(&w) == started);
    }
    finish_all(&w, 6);
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
