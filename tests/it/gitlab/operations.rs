//! GitLab's day-to-day cases against the sandbox: a record waits for the approval of its
//! commit's deploy job; a rename is a replace that `protect` refuses; entries GitLab ignores
//! are reported, not diffed for ever; protection on a Free project is located; export adopts
//! as no changes; an undeclared environment is unmanaged until pruned; a moved project is
//! followed and reported; a CI job token manages its own project.

use serde_json::{Value, json};

use super::{SHOP, api, apply, deployments, edit, environment_names, setup, statuses};
use crate::common::{self, World, assert_code, stderr, stdout, world};

#[test]
fn a_record_waits_while_a_deploy_job_of_its_commit_awaits_approval() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    // A new commit on main, and a CI deploy job of it to production, blocked by the
    // protection's approval rule.
    w.admin(
        reqwest::Method::POST,
        &format!("/gitlab/projects/{SHOP}/push"),
        json!({"branch": "main"}),
    );
    let (_, branch) = api(
        &w,
        reqwest::Method::GET,
        &format!("/projects/{SHOP}/repository/branches/main"),
        None,
    );
    let sha = branch["commit"]["id"].as_str().unwrap().to_owned();
    w.admin(
        reqwest::Method::POST,
        &format!("/gitlab/projects/{SHOP}/ci-deployments"),
        json!({"environment": "production", "ref": "main", "sha": sha, "blocked": true}),
    );
    let gate = (deployments(&w).into_iter())
        .find(|d| d["status"] == "blocked")
        .and_then(|d| d["id"].as_u64())
        .unwrap();
    let child = w.spawn(&["apply", "--auto-approve", "--poll-interval-ms", "50"]);
    w.wait_for_request("a read of the blocked deployment", |r| {
        r.provider == "gitlab"
            && r.method == "GET"
            && r.path.ends_with(&format!("/deployments/{gate}"))
    });
    assert!(
        !statuses(&w)
            .iter()
            .any(|(e, s)| e == "production" && s == "running"),
        "no record before the approval: {:?}",
        statuses(&w)
    );
    w.admin(
        reqwest::Method::POST,
        &format!("/gitlab/projects/{SHOP}/deployments/{gate}/approve"),
        json!({"username": "alice", "status": "approved"}),
    );
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("waiting for approval by group `acme/release-managers` (0 of 1)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("deployment {gate}: approved")),
        "{text}"
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn a_rename_plans_a_replace_that_protect_refuses() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    edit(
        &w,
        "        staging:\n",
        "        stage:\n          renamed_from: staging\n",
    );
    edit(
        &w,
        "          environment: staging\n",
        "          environment: stage\n",
    );
    let plan = w.run(&["plan"]);
    assert_code(&plan, 0);
    let text = stdout(&plan);
    assert!(
        text.contains("environment.stage") && text.contains("replace"),
        "{text}"
    );
    assert!(
        text.contains("GitLab environment names cannot change"),
        "{text}"
    );

    // Under `protect`, the same replace is refused before anything is sent.
    edit(
        &w,
        "          renamed_from: staging\n",
        "          renamed_from: staging\n          protect: true\n",
    );
    w.clear_requests();
    let refused = w.run(&["plan"]);
    assert_code(&refused, 1);
    assert!(stderr(&refused).contains("protect"), "{}", stderr(&refused));
    assert!(w.api_writes().is_empty(), "{:?}", w.api_writes());

    // Without it, apply stops the old environment, waits until it is stopped (its on_stop
    // action takes a while), deletes it and creates the new one.
    edit(
        &w,
        "          protect: true\n          tier: staging",
        "          tier: staging",
    );
    w.admin(
        reqwest::Method::PUT,
        &format!("/gitlab/projects/{SHOP}/environments/staging/on-stop"),
        json!({"delay_ms": 300}),
    );
    let run = apply(&w);
    assert_code(&run, 0);
    let names = environment_names(&w);
    assert!(
        names.iter().any(|n| n == "stage") && !names.iter().any(|n| n == "staging"),
        "{names:?}"
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn an_entry_gitlab_ignores_is_reported_and_not_a_change_for_ever() {
    let w = world();
    setup(&w);
    // carol has no access to the shop, dave only Reporter: GitLab drops both entries.
    edit(
        &w,
        "              - group: acme/release-managers\n            approvals:",
        "              - group: acme/release-managers\n              - user: carol\n              - user: dave\n            approvals:",
    );
    assert_code(&apply(&w), 0);
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    let text = stderr(&plan) + &stdout(&plan);
    for name in ["carol", "dave"] {
        assert!(
            text.contains(&format!("user `{name}`")) && text.contains("GitLab ignores this entry"),
            "{text}"
        );
    }
}

#[test]
fn protection_on_a_free_tier_project_is_located_with_the_reason() {
    let w = world();
    setup(&w);
    edit(&w, "    acme/platform/shop:\n", "    acme/tools/scripts:\n");
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    let text = stderr(&plan);
    assert!(
        text.contains("GitLab Premium or Ultimate") && text.contains("acme/tools/scripts"),
        "{text}"
    );
    assert!(w.api_writes().is_empty(), "{:?}", w.api_writes());
}

#[test]
fn export_adopts_the_environments_and_protection_as_no_changes() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    let out = w.path().join("exported.yaml");
    let export = w.run(&["export", "--provider", "gl", "--out", out.to_str().unwrap()]);
    assert_code(&export, 0);
    let exported = std::fs::read_to_string(&out).unwrap();
    assert!(exported.contains("acme/release-managers"), "{exported}");
    common::adopt_section(&w, &exported, "gitlab:");
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn an_undeclared_environment_is_unmanaged_until_pruned() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    let (status, _) = api(
        &w,
        reqwest::Method::POST,
        &format!("/projects/{SHOP}/environments"),
        Some(json!({"name": "review/old"})),
    );
    assert_eq!(status, 201);
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    assert!(stdout(&plan).contains("review/old"), "{}", stdout(&plan));
    edit(
        &w,
        "    acme/platform/shop:\n",
        "    acme/platform/shop:\n      prune: true\n",
    );
    let pruned = apply(&w);
    assert_code(&pruned, 0);
    let names = environment_names(&w);
    assert!(!names.iter().any(|n| n == "review/old"), "{names:?}");
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

/// Calls the sandbox's GitLab admin API and returns its answer.
fn admin_post(w: &World, path: &str, body: Value) -> Value {
    let url = format!(
        "{}/_sandbox/gitlab{path}",
        w.endpoint("gitlab").trim_end_matches("/gitlab")
    );
    w.runtime.block_on(async {
        let response = reqwest::Client::new()
            .post(url)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "admin {path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    })
}

/// A project renamed on GitLab answers its old path with a redirect for reads: plan follows
/// it, says so, and writes go to the project's id (GitLab refuses writes to an old path).
#[test]
fn a_moved_project_is_followed_and_reported() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    admin_post(
        &w,
        &format!("/projects/{SHOP}/move"),
        json!({"path": "acme/platform/storefront"}),
    );
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    let text = stderr(&plan) + &stdout(&plan);
    assert!(
        text.contains("`acme/platform/shop` moved to `acme/platform/storefront`"),
        "{text}"
    );
}

/// Inside a GitLab CI job, with no token but the job's own, environments and records of
/// the job's project are planned and applied (`JOB-TOKEN`); records name their commit.
#[test]
fn a_ci_job_token_manages_environments_and_records_of_its_project() {
    let w = world();
    setup(&w);
    // The job token reaches environments and deployments only: no protection here.
    let path = w.path().join("deployplan.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("          protect: true").unwrap();
    let end = text.find("      deployments:").unwrap();
    std::fs::write(&path, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let job = admin_post(
        &w,
        "/tokens",
        json!({"username": "sandbox-demo", "project": "acme/platform/shop"}),
    );
    let token = job["token"].as_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        w.cmd()
            .env_remove("GITLAB_TOKEN")
            .env("CI_JOB_TOKEN", &token)
            .args(args)
            .output()
            .unwrap()
    };
    // A job token may not read branches: a record names its commit, or says why it cannot.
    let unnamed = run(&["plan"]);
    assert_code(&unnamed, 1);
    assert!(
        stderr(&unnamed).contains("sha: ${env.CI_COMMIT_SHA}"),
        "{}",
        stderr(&unnamed)
    );
    let (_, branch) = api(
        &w,
        reqwest::Method::GET,
        &format!("/projects/{SHOP}/repository/branches/main"),
        None,
    );
    let sha = branch["commit"]["id"].as_str().unwrap().to_owned();
    let text = std::fs::read_to_string(&path).unwrap();
    let with_sha = text.replace(
        "          tag: ${var.tag}\n",
        &format!("          tag: ${{var.tag}}\n          sha: {sha}\n"),
    );
    std::fs::write(&path, with_sha).unwrap();
    w.clear_requests();
    assert_code(
        &run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]),
        0,
    );
    assert_eq!(statuses(&w).len(), 2, "{:?}", statuses(&w));
    assert_code(&run(&["plan", "--detailed-exitcode"]), 0);
    let job_requests = (w.requests().into_iter())
        .filter(|r| r.provider == "gitlab" && r.status == 401)
        .count();
    assert_eq!(job_requests, 0, "every call was one a job token may make");
}
