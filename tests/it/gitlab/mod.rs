//! GitLab against the sandbox over real HTTP: environments, a protected environment with an
//! approval rule, and deployment records that follow NHN releases in the same apply; a
//! converged re-plan; a failed release leaves its record `failed`, Ctrl-C `canceled`, and a
//! record left running is canceled by the next deploy; names GitLab does not know are
//! located before any write; a lost create answer never makes a second record; the
//! fewest dependent rounds. `operations` holds the day-to-day cases (approvals, renames,
//! ignored entries, tiers, export, prune, moved projects, job tokens).

mod operations;

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
    assert!(w.api_writes().is_empty(), "{:?}", w.api_writes());
    insta::assert_snapshot!(stderr(&plan));
}

#[test]
fn a_lost_answer_to_every_post_never_makes_a_second_record() {
    let w = world();
    setup(&w);
    w.lose_every_post_answer(|| apply(&w));
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
    let latency_ms = 800;
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
