//! GitLab against the sandbox over real HTTP: environments, a protected environment with an
//! approval rule, and deployment records that follow NHN releases in the same apply; a
//! converged re-plan; a failed release leaves its record `failed`, Ctrl-C `canceled`; a
//! rename is a replace that `protect` refuses; names GitLab does not know are located after
//! reads only; entries GitLab ignores are reported, not diffed for ever; a lost create
//! answer never makes a second record; export adopts as no changes.

use std::time::Duration;

use deployplan::sandbox::DeployTiming;
use serde_json::{Value, json};

use crate::common::{
    self, World, assert_code, fixture, nhn, round_shapes, stderr, stdout, world, world_with,
};

/// The seeded project the fixture manages (`acme/platform/shop`).
const SHOP: &str = "101";

fn setup(w: &World) {
    nhn::write_build(w.path(), "1.4.2");
    w.manifest(&fixture("gitlab/shop.yaml"));
}

fn apply(w: &World) -> std::process::Output {
    w.run(&["apply", "--auto-approve", "--poll-interval-ms", "50"])
}

/// The deployments of the shop, oldest first, as the emulator keeps them.
fn deployments(w: &World) -> Vec<Value> {
    let all = w.admin_get(&format!("/gitlab/projects/{SHOP}/deployments"));
    all["deployments"].as_array().cloned().unwrap_or_default()
}

/// `(environment, status)` of each deployment, oldest first.
fn statuses(w: &World) -> Vec<(String, String)> {
    (deployments(w).iter())
        .map(|d| {
            let environment = d["environment"]["name"]
                .as_str()
                .or(d["environment"].as_str());
            (
                environment.unwrap_or_default().to_owned(),
                d["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Calls the GitLab API of the sandbox with the demo token.
fn api(w: &World, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}/api/v4{path}", w.endpoint("gitlab"));
    w.runtime.block_on(async {
        let mut request = reqwest::Client::new().request(method, url).header(
            "private-token",
            deployplan::providers::gitlab::emulator::demo::GITLAB_TOKEN,
        );
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    })
}

/// The writes sent to the providers (NHN's token exchange is a read in all but method).
fn writes(w: &World) -> Vec<String> {
    (w.writes().into_iter())
        .filter(|r| !r.contains("/oauth2/"))
        .collect()
}

/// The names of the shop's environments, through the API.
fn environment_names(w: &World) -> Vec<String> {
    let (_, listed) = api(
        w,
        reqwest::Method::GET,
        &format!("/projects/{SHOP}/environments"),
        None,
    );
    (listed.as_array().unwrap().iter())
        .filter_map(|e| e["name"].as_str().map(str::to_owned))
        .collect()
}

fn edit(w: &World, from: &str, to: &str) {
    let path = w.path().join("deployplan.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from:?} not in the manifest");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn records_follow_their_releases_and_a_second_apply_creates_none() {
    let w = world();
    setup(&w);
    let plan = w.run(&["plan"]);
    assert_code(&plan, 0);
    assert!(
        stdout(&plan).contains("follows `nhn.release.web-prod`"),
        "{}",
        stdout(&plan)
    );
    assert_code(&apply(&w), 0);
    assert_eq!(
        statuses(&w),
        [
            ("staging".into(), "success".into()),
            ("production".into(), "success".into())
        ]
    );
    let (_, protected) = api(
        &w,
        reqwest::Method::GET,
        &format!("/projects/{SHOP}/protected_environments/production"),
        None,
    );
    assert_eq!(
        protected["approval_rules"][0]["required_approvals"], 1,
        "{protected}"
    );

    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
    assert_code(&apply(&w), 0);
    assert_eq!(
        deployments(&w).len(),
        2,
        "a converged apply creates no deployment"
    );
}

#[test]
fn a_failed_release_leaves_its_record_failed() {
    let w = world();
    setup(&w);
    w.admin(
        reqwest::Method::PUT,
        "/nhn-deploy/outcomes",
        json!({"artifact": "shop", "server_group": "web-staging", "outcome": "fail"}),
    );
    let run = apply(&w);
    assert_code(&run, 1);
    // Staging's record failed with its release; production's release never started, so its
    // record was never created.
    assert_eq!(statuses(&w), [("staging".into(), "failed".into())]);
    assert!(
        stdout(&run).contains("the release it follows, `nhn.release.web-prod`, did not run"),
        "{}",
        stdout(&run)
    );
}

#[test]
fn ctrl_c_leaves_the_record_canceled_never_running() {
    let w = world_with(DeployTiming::Manual);
    setup(&w);
    // An asynchronous NHN run: it stays running (manual timing) until the interrupt.
    edit(
        &w,
        "      scenarios: [401]\n",
        "      scenarios: [401]\n      async: true\n",
    );
    let child = w.spawn(&["apply", "--auto-approve", "--poll-interval-ms", "50"]);
    w.wait_for_request("the staging record", |r| {
        r.provider == "gitlab" && r.method == "POST" && r.path.ends_with("/deployments")
    });
    std::thread::sleep(Duration::from_millis(300));
    common::signal(&child, "INT");
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(statuses(&w), [("staging".into(), "canceled".into())]);
}

#[test]
fn a_record_an_earlier_apply_left_running_is_canceled_by_the_next_deploy() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    let (_, branches) = api(
        &w,
        reqwest::Method::GET,
        &format!("/projects/{SHOP}/repository/branches/main"),
        None,
    );
    let sha = branches["commit"]["id"].as_str().unwrap().to_owned();
    // What a killed apply leaves: a record of this user, running.
    let (status, _) = api(
        &w,
        reqwest::Method::POST,
        &format!("/projects/{SHOP}/deployments"),
        Some(
            json!({"environment": "staging", "sha": sha, "ref": "main", "tag": false, "status": "running"}),
        ),
    );
    assert_eq!(status, 201);
    w.admin(
        reqwest::Method::POST,
        &format!("/gitlab/projects/{SHOP}/push"),
        json!({"branch": "main"}),
    );
    let run = apply(&w);
    assert_code(&run, 0);
    let output = stderr(&run) + &stdout(&run);
    assert!(
        output.contains("left running by an earlier apply: canceled"),
        "{output}"
    );
    assert!(
        !statuses(&w).iter().any(|(_, s)| s == "running"),
        "{:?}",
        statuses(&w)
    );
}

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
    assert!(writes(&w).is_empty(), "{:?}", writes(&w));

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
fn a_bad_tier_is_located_before_any_request() {
    let w = world();
    setup(&w);
    edit(&w, "tier: production", "tier: prod");
    w.clear_requests();
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    assert!(w.requests().is_empty(), "{:?}", w.requests().len());
    insta::assert_snapshot!(stderr(&plan));
}

#[test]
fn unknown_users_and_groups_are_located_after_reads_only() {
    let w = world();
    setup(&w);
    edit(
        &w,
        "              - access_level: maintainer\n              - group: acme/release-managers\n",
        "              - access_level: maintainer\n              - user: alcie\n              - group: acme/release-manager\n",
    );
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    assert!(writes(&w).is_empty(), "{:?}", writes(&w));
    insta::assert_snapshot!(stderr(&plan));
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
    assert!(writes(&w).is_empty(), "{:?}", writes(&w));
}

#[test]
fn a_lost_answer_to_every_post_never_makes_a_second_record() {
    let w = world();
    setup(&w);
    for fault in ["error_after_rate", "drop_after_rate"] {
        w.faults(json!({ fault: 1.0, "methods": ["POST"], "seed": 11 }));
        let _ = apply(&w);
        w.faults(json!({}));
    }
    assert_code(&apply(&w), 0);
    let per_environment = |name: &str| statuses(&w).iter().filter(|(e, _)| e == name).count();
    assert_eq!(
        (per_environment("staging"), per_environment("production")),
        (1, 1),
        "{:?}",
        statuses(&w)
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
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

/// 20 projects × 5 environments, each with a tier, and a record per project.
fn wide_manifest() -> String {
    let mut text = String::from(
        "providers:\n  gl:\n    type: gitlab\n    endpoint: {{GITLAB}}\ngitlab:\n  projects:\n",
    );
    for project in 1..=20 {
        text.push_str(&format!(
            "    acme/svc-{project:02}:\n      environments:\n"
        ));
        for env in 1..=5 {
            text.push_str(&format!("        env-{env}:\n          tier: staging\n"));
        }
        text.push_str(
            "      deployments:\n        app:\n          environment: env-1\n          ref: main\n",
        );
    }
    text
}

/// GitLab's names and ids in a request path (`/projects/{id}/environments/{id}…`).
fn gitlab_placeholder(parts: &[&str], i: usize) -> Option<&'static str> {
    match parts[i.checked_sub(1)?] {
        "projects" => Some("{project}"),
        "branches" => Some("{branch}"),
        "environments" | "deployments" => Some("{id}"),
        _ => None,
    }
}

/// A converged plan of 20 projects × 5 environments reads in two dependent rounds: the
/// projects by path, then per project its environment list, its record's branch and the
/// environment's last successful deployment. Its calls are the minimum the API allows.
#[test]
fn a_converged_plan_of_many_projects_reads_in_the_fewest_dependent_rounds() {
    let w = world();
    for project in 1..=20 {
        w.admin(
            reqwest::Method::POST,
            "/gitlab/projects",
            json!({"path": format!("acme/svc-{project:02}")}),
        );
    }
    w.manifest(&wide_manifest());
    assert_code(&apply(&w), 0);
    let latency_ms = 300;
    w.faults(json!({ "latency_ms": latency_ms }));
    w.clear_requests();
    assert_code(
        &w.run(&["plan", "--detailed-exitcode", "--parallelism", "400"]),
        0,
    );
    let requests = w.requests();
    // Per project: itself, its environment list, the record's branch and last success.
    assert_eq!(requests.len(), 20 * 4);
    let rounds = round_shapes(common::rounds(&requests, latency_ms), gitlab_placeholder);
    insta::assert_debug_snapshot!(rounds);
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
