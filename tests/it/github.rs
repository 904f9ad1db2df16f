//! GitHub against the sandbox over real HTTP: environments with their protection and
//! deployment records that follow NHN releases in the same apply; a converged re-plan; a
//! failed release leaves its record failed; unknown reviewers are located after reads only;
//! a lost create answer never makes a second record; export adopts as no changes.

use serde_json::{Value, json};

use crate::common::{World, assert_code, fixture, nhn, round_shapes, stderr, stdout, world};

fn setup(w: &World) {
    nhn::write_build(w.path(), "1.4.2");
    w.manifest(&fixture("github/shop.yaml"));
}

fn apply(w: &World) -> std::process::Output {
    w.run(&["apply", "--auto-approve", "--poll-interval-ms", "50"])
}

/// The records of `octo-org/shop`, oldest first, as the emulator keeps them.
fn records(w: &World) -> Value {
    w.admin_get("/github/repos/octo-org/shop/deployments")
}

/// The statuses of record `id`, newest first, through the API.
fn statuses(w: &World, id: i64) -> Value {
    let url = format!(
        "{}/repos/octo-org/shop/deployments/{id}/statuses",
        w.endpoint("github")
    );
    w.runtime.block_on(async {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(deployplan::providers::github::emulator::demo::GITHUB_TOKEN)
            .header("user-agent", "deployplan-tests")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    })
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
    let first = apply(&w);
    assert_code(&first, 0);
    let after = records(&w);
    assert_eq!(after["count"], 2, "{after}");
    for record in after["deployments"].as_array().unwrap() {
        assert_eq!(
            record["states"],
            json!(["in_progress", "success"]),
            "{after}"
        );
    }
    let newest = statuses(&w, after["deployments"][1]["id"].as_i64().unwrap());
    assert_eq!(newest[0]["environment_url"], "https://shop.example.com");

    let again = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&again, 0);
    let second = apply(&w);
    assert_code(&second, 0);
    assert_eq!(
        records(&w)["count"],
        2,
        "a converged apply creates no record"
    );
}

#[test]
fn a_failed_release_leaves_its_record_failed_with_the_error() {
    let w = world();
    setup(&w);
    w.admin(
        reqwest::Method::PUT,
        "/nhn-deploy/outcomes",
        json!({"artifact": "shop", "server_group": "web-staging", "outcome": "fail"}),
    );
    let run = apply(&w);
    assert_code(&run, 1);
    let after = records(&w);
    // Staging's record failed with its release; production's release never started, so
    // its record was never opened.
    assert_eq!(after["count"], 1, "{after}");
    assert_eq!(
        after["deployments"][0]["states"],
        json!(["in_progress", "failure"])
    );
    let newest = statuses(&w, after["deployments"][0]["id"].as_i64().unwrap());
    let description = newest[0]["description"].as_str().unwrap_or_default();
    assert!(description.contains("web-staging"), "{newest}");
    assert!(
        stdout(&run).contains("the release it follows, `nhn.release.web-prod`, did not run"),
        "{}",
        stdout(&run)
    );
}

#[test]
fn an_unknown_reviewer_is_located_after_reads_only() {
    let w = world();
    setup(&w);
    let path = w.path().join("deployplan.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("users: [octocat]", "users: [octocta]");
    std::fs::write(&path, text).unwrap();
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    let writes = w.api_writes();
    assert!(writes.is_empty(), "{writes:?}");
    insta::assert_snapshot!(stderr(&plan));
}

#[test]
fn a_lost_answer_to_every_post_never_makes_a_second_record() {
    let w = world();
    setup(&w);
    w.lose_every_post_answer(|| apply(&w));
    assert_code(&apply(&w), 0);
    let after = records(&w);
    assert_eq!(
        after["count"], 2,
        "one record per (environment, task): {after}"
    );
}

#[test]
fn export_adopts_the_environments_as_no_changes() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    let out = w.path().join("exported.yaml");
    let export = w.run(&["export", "--provider", "gh", "--out", out.to_str().unwrap()]);
    assert_code(&export, 0);
    let exported = std::fs::read_to_string(&out).unwrap();
    assert!(exported.contains("release-managers"), "{exported}");
    // The exported section replaces the written one: the same environments, no records.
    crate::common::adopt_section(&w, &exported, "github:");
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
}

/// 20 repositories × 5 environments, each with a variable, and a record per repository.
fn wide_manifest() -> String {
    let mut text = String::from(
        "providers:\n  gh:\n    type: github\n    endpoint: {{GITHUB}}\ngithub:\n  repositories:\n",
    );
    for repo in 1..=20 {
        text.push_str(&format!(
            "    octo-org/svc-{repo:02}:\n      environments:\n"
        ));
        for env in 1..=5 {
            text.push_str(&format!(
                "        env-{env}:\n          wait_timer: {env}\n          variables:\n            REGION: kr-{env}\n"
            ));
        }
        text.push_str(
            "      deployments:\n        app:\n          environment: env-1\n          ref: main\n",
        );
    }
    text
}

/// GitHub's names and ids in a request path (`/repos/{owner}/{repo}/environments/{env}…`).
fn github_placeholder(parts: &[&str], i: usize) -> Option<&'static str> {
    let before = |n: usize| i.checked_sub(n).map(|at| parts[at]);
    match before(1)? {
        "repos" => Some("{owner}"),
        _ if before(2) == Some("repos") => Some("{repo}"),
        "environments" => Some("{env}"),
        "deployments" => Some("{id}"),
        "commits" => Some("{ref}"),
        _ => None,
    }
}

/// A converged plan of 20 repositories × 5 environments reads in two dependent rounds:
/// everything named by the manifest at once (environment lists, each environment's
/// variables and secrets, each record's ref and deployments), then each record's newest
/// status. Its calls are the minimum the API allows: one per list, no lookups twice.
#[test]
fn a_converged_plan_of_many_repositories_reads_in_the_fewest_dependent_rounds() {
    let w = world();
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
    // Per repository: its environment list, a commit and a deployment list, a status; per
    // environment: its variables and its secrets.
    assert_eq!(requests.len(), 20 * 4 + 100 * 2);
    let rounds = round_shapes(
        crate::common::rounds(&requests, latency_ms),
        github_placeholder,
    );
    insta::assert_debug_snapshot!(rounds);
}

/// An environment the manifest does not declare is `unmanaged`; `prune: true` on its
/// repository deletes it, and nothing else; so for a variable under a declared environment.
#[test]
fn an_undeclared_environment_is_unmanaged_until_pruned() {
    let w = world();
    setup(&w);
    assert_code(&apply(&w), 0);
    let url = format!(
        "{}/repos/octo-org/shop/environments/old-preview",
        w.endpoint("github")
    );
    let put = w.runtime.block_on(async {
        reqwest::Client::new()
            .put(&url)
            .bearer_auth(deployplan::providers::github::emulator::demo::GITHUB_TOKEN)
            .header("user-agent", "deployplan-tests")
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(put.is_success(), "{put}");
    let variable = w.runtime.block_on(async {
        reqwest::Client::new()
            .post(format!(
                "{}/repos/octo-org/shop/environments/staging/variables",
                w.endpoint("github")
            ))
            .bearer_auth(deployplan::providers::github::emulator::demo::GITHUB_TOKEN)
            .header("user-agent", "deployplan-tests")
            .json(&json!({ "name": "OLD_FLAG", "value": "1" }))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert!(variable.is_success(), "{variable}");
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    assert!(
        stdout(&plan).contains("old-preview") && stdout(&plan).contains("OLD_FLAG"),
        "{}",
        stdout(&plan)
    );

    let path = w.path().join("deployplan.yaml");
    let text = (std::fs::read_to_string(&path).unwrap())
        .replace(
            "    octo-org/shop:\n",
            "    octo-org/shop:\n      prune: true\n",
        )
        .replace(
            "        staging:\n",
            "        staging:\n          prune: true\n",
        );
    std::fs::write(&path, text).unwrap();
    let pruned = w.run(&["apply", "--auto-approve"]);
    assert_code(&pruned, 0);
    assert!(
        stdout(&pruned).contains("Apply complete: 2 applied"),
        "{}",
        stdout(&pruned)
    );
    let gone = w.runtime.block_on(async {
        reqwest::Client::new()
            .get(&url)
            .bearer_auth(deployplan::providers::github::emulator::demo::GITHUB_TOKEN)
            .header("user-agent", "deployplan-tests")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(gone.as_u16(), 404);
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}
