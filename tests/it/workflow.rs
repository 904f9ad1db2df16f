//! The review workflow: a saved plan is applied exactly, or refused when stale; targeting
//! and excluding; two applies never interleave.

use deployplan::sandbox::DeployTiming;

use crate::common::{World, assert_code, fixture, stderr, stdout, world, world_with};

const LEGACY: &str = r#"legacy:
              strategy: normal
              rollback: false
              file: { type: object-storage, bucket: shop-artifacts, object: shop/shop-1.4.0.tar.gz }"#;

/// The shop with a dev stage (on `servers`, its web scenario deploying `version`, and the
/// `extra` scenario after its api one) and a prod stage.
fn manifest(servers: &str, version: &str, extra: &str) -> String {
    fixture("ncp/shop-dev-and-prod.yaml")
        .replace("servers: [1011] }", &format!("servers: {servers} }}"))
        .replace(
            "object: shop/shop-1.4.1.tar.gz",
            &format!("object: shop/shop-{version}.tar.gz"),
        )
        .replace(
            "        prod:\n",
            &format!("            {extra}\n        prod:\n"),
        )
}

fn apply_all(w: &World) {
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]),
        0,
    );
}

/// The `(action, address)` pairs of a JSON plan's changes, no-ops left out.
fn planned(json: &str) -> Vec<(String, String)> {
    let plan: serde_json::Value = serde_json::from_str(json).unwrap();
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "noop")
        .map(|c| {
            (
                c["action"].as_str().unwrap().to_owned(),
                c["address"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_saved_plan_applies_exactly_its_changes_and_only_once() {
    let w = world();
    w.manifest(&manifest("[1011]", "1.4.1", ""));
    let plan = w.run(&["plan", "--out", "plan.json", "--detailed-exitcode"]);
    assert_code(&plan, 2);
    assert!(
        stderr(&plan).contains("deployplan apply plan.json"),
        "{}",
        stderr(&plan)
    );
    let saved = std::fs::read_to_string(w.path().join("plan.json")).unwrap();
    let json = w.run(&["plan", "--format", "json"]);
    assert_eq!(
        planned(&stdout(&json)),
        planned(&saved),
        "the plan file is the JSON plan"
    );
    let expected = planned(&saved);
    assert_eq!(expected.len(), 7, "{expected:?}");

    // The plan names its manifest relative to where `plan` ran; elsewhere apply says so.
    let requests = w.requests().len();
    let elsewhere = w.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let lost = w
        .cmd()
        .current_dir(&elsewhere)
        .args(["apply", "../plan.json"])
        .output()
        .unwrap();
    assert_code(&lost, 1);
    assert!(
        stderr(&lost).contains("which is not there from the current directory"),
        "{}",
        stderr(&lost)
    );
    assert_eq!(w.requests().len(), requests, "nothing was read or written");

    // The manifest's directory is left as it was: apply finds the manifest through the plan.
    let applied = w.run(&["apply", "plan.json", "--poll-interval-ms", "100"]);
    assert_code(&applied, 0);
    assert!(
        stdout(&applied).contains("Apply complete: 7 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&applied)
    );
    let writes = w.writes();
    let creates = writes.iter().filter(|w| w.starts_with("POST")).count();
    assert_eq!(
        writes.len(),
        creates,
        "a plan of creates and a deploy sends only POSTs: {writes:?}"
    );
    assert_eq!(creates, 7, "one write per planned change: {writes:?}");
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);

    // The same plan again: everything it would create exists now.
    let again = w.run(&["apply", "plan.json"]);
    assert_code(&again, 1);
    let err = stderr(&again);
    assert!(err.contains("stale plan"), "{err}");
    assert!(
        err.contains("`ncp.project.shop` was created remotely since the plan was made"),
        "{err}"
    );
    assert_eq!(
        w.writes().len(),
        writes.len(),
        "a stale plan writes nothing"
    );
}

#[test]
fn a_plan_is_stale_when_a_remote_object_or_the_manifest_moved() {
    let w = world();
    w.manifest(&manifest("[1011]", "1.4.1", ""));
    apply_all(&w);

    w.manifest(&manifest("[1011, 1012]", "1.4.1", ""));
    let plan = w.run(&["plan", "--out", "plan.json", "--format", "json"]);
    assert_code(&plan, 0);
    assert_eq!(
        planned(&stdout(&plan)),
        [("update".to_owned(), "ncp.project.shop.stage.dev".to_owned())]
    );

    // Someone else changes the stage through the API (here: another checkout's apply).
    let other = tempfile::tempdir().unwrap();
    std::fs::write(
        other.path().join("deployplan.yaml"),
        w.fill(&manifest("[1013]", "1.4.1", "")),
    )
    .unwrap();
    let moved = w
        .cmd()
        .current_dir(other.path())
        .args(["apply", "--auto-approve"])
        .output()
        .unwrap();
    assert_code(&moved, 0);
    let writes = w.writes().len();

    let refused = w.run(&["apply", "plan.json"]);
    assert_code(&refused, 1);
    let err = stderr(&refused);
    assert!(err.contains("stale plan"), "{err}");
    assert!(
        err.contains("`ncp.project.shop.stage.dev` changed remotely since the plan was made"),
        "{err}"
    );
    assert!(err.contains("Nothing was applied"), "{err}");
    assert_eq!(w.writes().len(), writes, "no write after a stale plan");

    // A fresh plan from the same manifest applies; then editing the manifest makes it stale.
    assert_code(&w.run(&["plan", "--out", "plan.json"]), 0);
    w.manifest(&manifest("[1011, 1013]", "1.4.1", ""));
    let edited = w.run(&["apply", "plan.json"]);
    assert_code(&edited, 1);
    assert!(
        stderr(&edited).contains("the manifest changed since the plan was made"),
        "{}",
        stderr(&edited)
    );
    assert!(
        stderr(&edited)
            .contains("`ncp.project.shop.stage.dev`: its desired values changed in the manifest"),
        "the edit is named: {}",
        stderr(&edited)
    );
    assert_eq!(w.writes().len(), writes);

    // A plan file fixes its scope: flags that would change it are refused.
    w.manifest(&manifest("[1011, 1012]", "1.4.1", ""));
    assert_code(&w.run(&["plan", "--out", "plan.json"]), 0);
    let flagged = w.run(&["apply", "plan.json", "--target", "ncp.project.shop"]);
    assert_code(&flagged, 1);
    assert!(
        stderr(&flagged).contains("--target cannot be combined with a plan file"),
        "{}",
        stderr(&flagged)
    );
    // Applying re-reads only what the plan touches (the dev stage and its parents), not the
    // prod stage and its scenario that a full plan reads.
    let gets = |w: &World| w.requests().iter().filter(|r| r.method == "GET").count();
    let before = gets(&w);
    assert_code(&w.run(&["plan"]), 0);
    let plan_gets = gets(&w) - before;
    let before = gets(&w);
    assert_code(&w.run(&["apply", "plan.json"]), 0);
    let apply_gets = gets(&w) - before;
    assert!(
        apply_gets < plan_gets,
        "apply read {apply_gets} times, a full plan {plan_gets}"
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn a_target_plans_only_it_and_what_it_needs() {
    let w = world();
    w.manifest(&manifest("[1011]", "1.4.1", ""));
    let plan = w.run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "ncp.release.web-dev",
    ]);
    assert_code(&plan, 0);
    let addresses: Vec<String> = planned(&stdout(&plan)).into_iter().map(|c| c.1).collect();
    assert_eq!(
        addresses,
        [
            "ncp.project.shop",
            "ncp.project.shop.stage.dev",
            "ncp.project.shop.stage.dev.scenario.web",
            "ncp.release.web-dev",
        ]
    );
    assert!(
        stderr(&plan).contains("3 declared resources are left out of this run"),
        "{}",
        stderr(&plan)
    );

    // One scenario: it, its stage and project, nothing else.
    let scenario = w.run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "ncp.project.shop.stage.prod.scenario.web",
    ]);
    assert_code(&scenario, 0);
    let addresses: Vec<String> = planned(&stdout(&scenario))
        .into_iter()
        .map(|c| c.1)
        .collect();
    assert_eq!(
        addresses,
        [
            "ncp.project.shop",
            "ncp.project.shop.stage.prod",
            "ncp.project.shop.stage.prod.scenario.web",
        ]
    );

    let typo = w.run(&["plan", "--target", "ncp.release.web-deb"]);
    assert_code(&typo, 1);
    assert!(
        stderr(&typo).contains("did you mean `ncp.release.web-dev`?"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn targeting_never_prunes_or_reports_what_is_out_of_scope() {
    let w = world();
    w.manifest(&manifest("[1011]", "1.4.1", LEGACY));
    apply_all(&w);
    // `legacy` leaves the manifest; `dev` prunes. Targeting the release pulls `dev` in
    // only as context: neither `api` (declared, out of scope) nor `legacy` is touched.
    w.manifest(&manifest("[1011]", "1.4.2", ""));
    let targeted = w.run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "ncp.release.web-dev",
    ]);
    assert_code(&targeted, 0);
    assert_eq!(
        planned(&stdout(&targeted)),
        [
            (
                "update".to_owned(),
                "ncp.project.shop.stage.dev.scenario.web".to_owned()
            ),
            ("deploy".to_owned(), "ncp.release.web-dev".to_owned()),
        ]
    );
    // Targeting the stage itself does prune it.
    let stage = w.run(&[
        "plan",
        "--format",
        "json",
        "--target",
        "ncp.project.shop.stage.dev",
    ]);
    assert!(
        planned(&stdout(&stage)).contains(&(
            "delete".to_owned(),
            "ncp.project.shop.stage.dev.scenario.legacy".to_owned()
        )),
        "{}",
        stdout(&stage)
    );

    // Excluding the web scenario leaves out the release that deploys it, and prunes legacy.
    let excluded = w.run(&[
        "plan",
        "--format",
        "json",
        "--exclude",
        "ncp.project.shop.stage.dev.scenario.web",
    ]);
    assert_code(&excluded, 0);
    assert_eq!(
        planned(&stdout(&excluded)),
        [(
            "delete".to_owned(),
            "ncp.project.shop.stage.dev.scenario.legacy".to_owned()
        )]
    );
}

fn spawn_apply(w: &World, extra: &[&str]) -> std::process::Child {
    let mut args = vec!["apply", "--auto-approve", "--poll-interval-ms", "100"];
    args.extend_from_slice(extra);
    w.spawn(&args)
}

#[test]
fn two_applies_of_one_environment_never_interleave() {
    // Deployments take long enough for the other applies to meet the lock.
    let w = world_with(DeployTiming::Timed {
        waiting_ms: 100,
        running_ms: 4000,
    });
    w.manifest(&manifest("[1011]", "1.4.1", ""));
    let first = spawn_apply(&w, &[]);
    w.wait_for_request("the first apply's deployment", |r| {
        r.method == "POST" && r.path.ends_with("/deploy")
    });

    // A second apply that does not wait fails on the lock, naming the holder — also when it
    // names the manifest differently (its directory instead of the file).
    let second = w.run(&["apply", ".", "--auto-approve", "--lock-timeout", "0"]);
    assert_code(&second, 1);
    let err = stderr(&second);
    assert!(err.contains("another apply holds the lock"), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");

    // A third waits for the first, then plans from what it left: nothing to do.
    let third = spawn_apply(&w, &["--lock-timeout", "2m"]);
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let third = third.wait_with_output().unwrap();
    let third_err = String::from_utf8_lossy(&third.stderr);
    assert_eq!(third.status.code(), Some(0), "{third_err}");
    assert!(third_err.contains("Waiting up to 120s"), "{third_err}");
    assert!(
        String::from_utf8_lossy(&third.stdout).contains("No changes"),
        "{}",
        String::from_utf8_lossy(&third.stdout)
    );
    let creates = w
        .writes()
        .iter()
        .filter(|w| w.starts_with("POST") && w.ends_with("/project"))
        .count();
    assert_eq!(creates, 1, "one project create in all: {:?}", w.writes());
}

#[test]
fn completions_know_every_command_and_flag() {
    let w = world();
    for shell in ["bash", "zsh", "fish"] {
        let out = w.run(&["completions", shell]);
        assert_code(&out, 0);
        let script = stdout(&out);
        for word in [
            "graph",
            "apply",
            "lock-timeout",
            "exclude",
            "markdown",
            "mermaid",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    assert_code(&w.run(&["completions", "tcsh"]), 1);
}

#[test]
fn a_deploy_is_refused_when_its_scenario_moved_after_review() {
    let w = world();
    let other = tempfile::tempdir().unwrap();
    // Another checkout edits scenarios without deploying them.
    let edit_elsewhere = |version: &str| {
        let text = w.fill(&manifest("[1011]", version, "").replace(
            "  releases:\n    web-dev:\n      scenario: shop/dev/web\n",
            "",
        ));
        std::fs::write(other.path().join("deployplan.yaml"), text).unwrap();
        let out = w
            .cmd()
            .current_dir(other.path())
            .args(["apply", "--auto-approve"])
            .output()
            .unwrap();
        assert_code(&out, 0);
    };
    w.manifest(&manifest("[1011]", "1.4.1", ""));
    apply_all(&w);
    edit_elsewhere("1.4.2");

    // Reviewed: the scenario already names 1.4.2, so only the release deploys.
    w.manifest(&manifest("[1011]", "1.4.2", ""));
    let plan = w.run(&["plan", "--out", "plan.json", "--format", "json"]);
    assert_eq!(
        planned(&stdout(&plan)),
        [("deploy".to_owned(), "ncp.release.web-dev".to_owned())]
    );
    // After review the scenario is pointed at another artifact.
    edit_elsewhere("1.4.0");
    let writes = w.writes().len();
    let refused = w.run(&["apply", "plan.json"]);
    assert_code(&refused, 1);
    let err = stderr(&refused);
    assert!(
        err.contains("`ncp.project.shop.stage.dev.scenario.web` changed remotely"),
        "{err}"
    );
    assert_eq!(w.writes().len(), writes, "nothing deployed");
}

/// Rewrites the plan file at `path` with `edit`; `reseal` recomputes its digest, as a
/// deployplan that plans differently (or a determined editor) would.
fn edit_plan(path: &std::path::Path, reseal: bool, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut plan);
    if reseal {
        let typed: deployplan::engine::plan::Plan = serde_json::from_value(plan).unwrap();
        plan = serde_json::to_value(typed.sealed()).unwrap();
    }
    std::fs::write(path, plan.to_string()).unwrap();
}

#[test]
fn an_edited_plan_file_is_refused() {
    let w = world();
    w.manifest(&manifest("[1011]", "1.4.1", ""));
    apply_all(&w);
    w.manifest(&manifest("[1011, 1012]", "1.4.2", ""));
    let path = w.path().join("plan.json");
    let writes = w.writes().len();
    let plan_again = || assert_code(&w.run(&["plan", "--out", "plan.json"]), 0);

    // Any edit: the digest no longer matches.
    plan_again();
    edit_plan(&path, false, |plan| {
        let changes = plan["changes"].as_array_mut().unwrap();
        changes.retain(|c| c["address"] != "ncp.release.web-dev");
    });
    let refused = w.run(&["apply", "plan.json"]);
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains("was edited or damaged after `deployplan plan` wrote it"),
        "{}",
        stderr(&refused)
    );

    // Edited and resealed: a changed action differs from what a fresh plan gives...
    plan_again();
    edit_plan(&path, true, |plan| {
        for change in plan["changes"].as_array_mut().unwrap() {
            if change["address"] == "ncp.project.shop.stage.prod" {
                change["action"] = "delete".into();
            }
        }
    });
    let refused = w.run(&["apply", "plan.json"]);
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains(
            "`ncp.project.shop.stage.prod`: the plan file says delete, but the manifest and the remote give no-op"
        ),
        "{}",
        stderr(&refused)
    );

    // ...and so does a change removed from under one that needs it: the deploy of the new
    // version must not run without the scenario update it depends on.
    plan_again();
    let scenario = "ncp.project.shop.stage.dev.scenario.web";
    edit_plan(&path, true, |plan| {
        let changes = plan["changes"].as_array_mut().unwrap();
        changes.retain(|c| c["address"] != scenario);
    });
    let refused = w.run(&["apply", "plan.json"]);
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains(&format!(
            "`{scenario}`: the plan file says nothing, but the manifest and the remote give update"
        )),
        "{}",
        stderr(&refused)
    );
    assert_eq!(w.writes().len(), writes, "nothing was written");
}

/// In CI a plan artifact may fail to download or arrive cut short: say that, not "needs
/// confirmation" or a YAML error about a manifest.
#[test]
fn a_missing_or_cut_short_plan_file_says_so() {
    let w = world();
    let missing = w.run(&["apply", "plan.json"]);
    assert_code(&missing, 1);
    assert!(
        stderr(&missing).contains("there is no plan file `plan.json`"),
        "{}",
        stderr(&missing)
    );
    std::fs::write(
        w.path().join("cut.json"),
        "{\"format_version\": \"1\", \"chan",
    )
    .unwrap();
    let cut = w.run(&["apply", "cut.json"]);
    assert_code(&cut, 1);
    assert!(
        stderr(&cut).contains("`cut.json` is not a valid plan file"),
        "{}",
        stderr(&cut)
    );
    assert!(w.requests().is_empty());
}

/// Exit 2 means "changes present" under `--detailed-exitcode`; a mistyped flag must not
/// look like that.
#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let w = world();
    let typo = w.run(&["plan", "--detailed-exitcode", "--format", "yaml"]);
    assert_code(&typo, 1);
    assert!(
        stderr(&typo).contains("invalid value 'yaml'"),
        "{}",
        stderr(&typo)
    );
    assert_code(&w.run(&["plan", "--no-such-flag"]), 1);
    assert_code(&w.run(&["plan", "--help"]), 0);
    assert_code(&w.run(&["--version"]), 0);
}
