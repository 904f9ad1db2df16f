//! A deployment left running by a killed apply: the next plan shows it as followed (its id,
//! status and what it deploys), and the next apply follows it to its end, then decides —
//! no second deployment when it deployed the desired artifact or version.

use std::time::Duration;

use deployplan::sandbox::{self, DeployTiming};
use serde_json::{Value, json};

use crate::common::{self, World, assert_code, fixture, nhn, stdout, world_with};

/// One scenario, `shop/dev/web`, and its release `web`.
fn ncp_manifest() -> String {
    fixture("ncp/web.yaml") + "  releases:\n    web:\n      scenario: shop/dev/web\n"
}

/// The real binary, bounded in time (a follow that never ends fails the test).
fn run(w: &World, args: &[&str]) -> std::process::Output {
    w.cmd()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

const APPLY: &[&str] = &["apply", "--auto-approve", "--poll-interval-ms", "50"];

fn deploy_posts(w: &World) -> usize {
    w.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/deploy"))
        .count()
}

/// Starts an apply, kills it (-9) once it polls the deployment it started.
fn kill_mid_deployment(w: &World, poll: &str) {
    let child = w.spawn(APPLY);
    let is_start = |r: &sandbox::RequestRecord| r.method == "POST" && r.path.ends_with("/deploy");
    w.wait_for_request("the deployment's start", is_start);
    let started = w.requests().iter().find(|r| is_start(r)).unwrap().seq;
    // The history is read before the start too: wait for a poll after it.
    w.wait_for_request("a poll of the deployment", |r| {
        r.method == "GET" && r.path.contains(poll) && r.seq > started
    });
    common::signal(&child, "KILL");
    child.wait_with_output().unwrap();
    assert_eq!(deploy_posts(w), 1);
}

/// The plan's change of `address`, as JSON.
fn planned(w: &World, address: &str) -> Value {
    let plan = run(w, &["plan", "--format", "json"]);
    let doc: Value = serde_json::from_slice(&plan.stdout).unwrap();
    doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .cloned()
        .unwrap_or(Value::Null)
}

/// Waits until the apply `child` has polled the followed deployment again, then ends that
/// deployment through the sandbox's admin `finish` path.
fn finish_while_followed(w: &World, poll: &str, finish: &str, status: &str) {
    w.clear_requests();
    w.wait_for_request("the apply following the deployment", |r| {
        r.method == "GET" && r.path.contains(poll)
    });
    w.admin(reqwest::Method::POST, finish, json!({ "status": status }));
}

#[test]
fn ncp_a_killed_applys_deployment_is_shown_running_and_followed_not_repeated() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&ncp_manifest());
    kill_mid_deployment(&w, "/history/");

    let change = planned(&w, "ncp.release.web");
    assert_eq!(change["action"], "deploy", "{change:#}");
    let following = &change["following"];
    let id = following["id"]
        .as_str()
        .expect("the running deployment's id")
        .to_owned();
    assert_eq!(following["status"], "inprogress", "{change:#}");
    assert_eq!(
        following["deploys"], change["desired"]["artifact"],
        "{change:#}"
    );
    let text = stdout(&run(&w, &["plan"]));
    assert!(
        text.contains(&format!("will follow deployment {id} (inprogress)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("following deployment {id} is inprogress")),
        "{text}"
    );

    let before = deploy_posts(&w);
    let child = w.spawn(APPLY);
    finish_while_followed(
        &w,
        &format!("/history/{id}"),
        &format!("/ncp-sourcedeploy/history/{id}/finish"),
        "success",
    );
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 0);
    let said = format!("{}{}", stdout(&out), common::stderr(&out));
    assert!(said.contains("no second deployment"), "{said}");
    assert_eq!(
        deploy_posts(&w),
        0,
        "no deployment started (log cleared: {before} before)"
    );
    assert_code(&run(&w, &["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn ncp_a_followed_deployment_that_fails_is_followed_by_the_planned_one() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&ncp_manifest());
    kill_mid_deployment(&w, "/history/");
    let id = planned(&w, "ncp.release.web")["following"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let child = w.spawn(APPLY);
    finish_while_followed(
        &w,
        &format!("/history/{id}"),
        &format!("/ncp-sourcedeploy/history/{id}/finish"),
        "fail",
    );
    // The planned deployment starts once the followed one failed; end it too.
    w.wait_for_request("the planned deployment", |r| {
        r.method == "POST" && r.path.ends_with("/deploy")
    });
    let next = planned(&w, "ncp.release.web")["following"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(next, id);
    w.admin(
        reqwest::Method::POST,
        &format!("/ncp-sourcedeploy/history/{next}/finish"),
        json!({ "status": "success" }),
    );
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 0);
    assert_eq!(deploy_posts(&w), 1, "exactly one more deployment");
}

#[test]
fn ncp_a_saved_plan_stays_valid_when_the_followed_deployment_ends() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&ncp_manifest());
    kill_mid_deployment(&w, "/history/");
    assert_code(&run(&w, &["plan", "--out", "plan.json"]), 0);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(w.path().join("plan.json")).unwrap())
            .unwrap();
    let change = saved["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "ncp.release.web")
        .unwrap();
    let id = change["following"]["id"].as_str().unwrap().to_owned();
    // It ends between plan and apply: normal, not stale.
    w.admin(
        reqwest::Method::POST,
        &format!("/ncp-sourcedeploy/history/{id}/finish"),
        json!({ "status": "success" }),
    );
    w.clear_requests();
    let out = run(&w, &["apply", "plan.json", "--poll-interval-ms", "50"]);
    assert_code(&out, 0);
    let said = format!("{}{}", stdout(&out), common::stderr(&out));
    assert!(said.contains("no second deployment"), "{said}");
    assert_eq!(deploy_posts(&w), 0);
}

#[test]
fn nhn_a_killed_applys_deployment_is_shown_running_and_followed_not_repeated() {
    let w = world_with(DeployTiming::Manual);
    nhn::write_build(w.path(), "1.4.2");
    w.manifest(&fixture("nhn/web-prod.yaml"));
    kill_mid_deployment(&w, "/deploy-histories");

    let change = planned(&w, "nhn.release.web");
    assert_eq!(change["action"], "deploy", "{change:#}");
    let following = &change["following"];
    let key = following["id"]
        .as_str()
        .expect("the running deploy key")
        .to_owned();
    assert_eq!(following["status"], "RUNNING", "{change:#}");
    assert_eq!(following["deploys"], "1.4.2", "{change:#}");

    let child = w.spawn(APPLY);
    finish_while_followed(
        &w,
        "/deploy-histories",
        &format!("/nhn-deploy/deployments/{key}/finish"),
        "success",
    );
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 0);
    let said = format!("{}{}", stdout(&out), common::stderr(&out));
    assert!(said.contains("no second deployment"), "{said}");
    assert_eq!(deploy_posts(&w), 0, "no deployment started");
}

/// Ctrl-C while following a deployment this apply did not start stops following it and
/// leaves it running: only a deployment an apply started is its to cancel.
#[test]
fn ncp_ctrl_c_while_following_leaves_the_deployment_running() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(&ncp_manifest());
    kill_mid_deployment(&w, "/history/");
    let id = planned(&w, "ncp.release.web")["following"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.clear_requests();
    let child = w.spawn(APPLY);
    w.wait_for_request("the apply following the deployment", |r| {
        r.method == "GET" && r.path.contains(&format!("/history/{id}"))
    });
    common::signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    assert_code(&out, 1);
    let said = format!("{}{}", stdout(&out), common::stderr(&out));
    assert!(
        said.contains(&format!("stopped following deployment {id}")),
        "{said}"
    );
    let writes: Vec<String> = w
        .requests()
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "no cancel, no start: {writes:?}");
    assert_eq!(
        planned(&w, "ncp.release.web")["following"]["status"],
        "inprogress"
    );
}
