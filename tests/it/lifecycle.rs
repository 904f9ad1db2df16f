//! Plan and apply against the sandbox over real HTTP: create, no-op, update, deploy,
//! unmanaged, prune, protect.

use crate::common::{self, assert_code, fixture, stdout, world};

/// The shop's dev stage on `servers`, its web scenario at `version`, and the `extra`
/// scenario after it.
fn manifest(extra: &str, version: &str, servers: &str) -> String {
    fixture("ncp/web-with-commands.yaml")
        .replace(
            "  releases:\n",
            &format!("            {extra}\n  releases:\n"),
        )
        .replace("\"1.4.1\"", &format!("\"{version}\""))
        .replace("[1011, 1012]", servers)
}

const EXTRA_SCENARIO: &str = r#"api:
              strategy: normal
              rollback: false
              file: { type: object-storage, bucket: shop-artifacts, object: "shop/shop-1.4.0.tar.gz" }"#;

#[test]
fn create_then_no_changes_then_update_then_deploy() {
    let w = world();
    w.manifest(&manifest(EXTRA_SCENARIO, "1.4.1", "[1011, 1012]"));

    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 2);
    let text = stdout(&plan);
    assert!(text.contains("+ ncp.project.shop "), "{text}");
    assert!(
        text.contains("+ target.servers = [1011, 1012]  # deployplan.yaml:12:44"),
        "a list field shows where it was written: {text}"
    );
    assert!(
        text.contains("Plan: 4 to create, 0 to update, 0 to replace, 0 to delete, 1 to deploy."),
        "{text}"
    );
    assert!(
        w.writes().is_empty(),
        "plan must not write: {:?}",
        w.writes()
    );

    let apply = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    assert!(
        stdout(&apply).contains("Apply complete: 5 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&apply)
    );
    assert_eq!(
        w.writes()
            .iter()
            .filter(|w| w.starts_with("POST") && w.ends_with("/project"))
            .count(),
        1
    );

    let again = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&again, 0);
    assert!(stdout(&again).contains("No changes"), "{}", stdout(&again));

    // One stage field edited → exactly one update.
    w.manifest(&manifest(EXTRA_SCENARIO, "1.4.1", "[1011, 1012, 1013]"));
    let edited = w.run(&["plan", "--format", "json"]);
    assert_code(&edited, 0);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&edited)).unwrap();
    let changed: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "no_op" && c["action"] != "noop")
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(changed, [("ncp.project.shop.stage.dev", "update")]);
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);

    // A version bump → the scenario's artifact changes and the release deploys.
    w.manifest(&manifest(EXTRA_SCENARIO, "1.4.2", "[1011, 1012, 1013]"));
    let bumped = w.run(&["plan"]);
    let text = stdout(&bumped);
    assert!(text.contains("▶ ncp.release.web-dev"), "{text}");
    assert!(
        text.contains("deployed artifact shop/shop-1.4.1.tar.gz ≠ desired shop/shop-1.4.2.tar.gz"),
        "{text}"
    );
    assert!(
        text.contains("1 to update, 0 to replace, 0 to delete, 1 to deploy."),
        "{text}"
    );
    let applied = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&applied, 0);
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn removed_scenario_is_unmanaged_until_pruned_and_protect_blocks_deletes() {
    let w = world();
    w.manifest(&manifest(EXTRA_SCENARIO, "1.4.1", "[1011]"));
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]),
        0,
    );

    w.manifest(&manifest("", "1.4.1", "[1011]"));
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    let text = stdout(&plan);
    assert!(
        text.contains("? ncp.project.shop.stage.dev.scenario.api"),
        "{text}"
    );
    assert!(text.contains("unmanaged"), "{text}");
    let before = w.writes().len();
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);
    assert_eq!(
        w.writes().len(),
        before,
        "an unmanaged scenario is never deleted without prune"
    );

    let pruned = w.run(&["plan", "--prune"]);
    assert!(
        stdout(&pruned).contains("- ncp.project.shop.stage.dev.scenario.api"),
        "{}",
        stdout(&pruned)
    );
    assert!(
        stdout(&pruned).contains("not in the manifest; pruned (`--prune`)"),
        "the flag, not the stage, is why: {}",
        stdout(&pruned)
    );
    assert_code(&w.run(&["apply", "--auto-approve", "--prune"]), 0);
    assert!(
        w.writes()
            .iter()
            .any(|w| w.starts_with("DELETE") && w.contains("/scenario/"))
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode", "--prune"]), 0);

    // A protected stage whose target type changes would be replaced: refused at plan time.
    let protected = manifest("", "1.4.1", "[1011]").replace(
        "        dev:\n          target: { type: server, servers: [1011] }",
        "        dev:\n          protect: true\n          target: { type: object-storage, bucket: static-site }",
    );
    let protected = protected.replace("              strategy: normal\n              rollback: true\n", "").replace(
        "              commands:\n                pre: [{ user: root, run: \"systemctl stop shop\" }]\n                deploy: [{ source: /, destination: /opt/shop }]\n",
        "              paths: [{ source: /, destination: /www }]\n",
    );
    w.manifest(&protected);
    let refused = w.run(&["plan"]);
    assert_code(&refused, 1);
    assert!(
        common::stderr(&refused).contains("protected resource `ncp.project.shop.stage.dev`"),
        "{}",
        common::stderr(&refused)
    );
}

/// Plan's reads wait only on what they need: a stage's detail and its scenario list both
/// need just the stage id, the history only names, and each release's deployment detail
/// only its history entry; so they go out together, whatever the number of releases.
#[test]
fn a_converged_plan_reads_in_the_fewest_dependent_rounds() {
    let w = world();
    w.manifest(&manifest(EXTRA_SCENARIO, "1.4.1", "[1011, 1012]").replace(
        "  releases:\n",
        "  releases:\n    api-dev:\n      scenario: shop/dev/api\n",
    ));
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]),
        0,
    );
    let latency_ms = 800;
    w.faults(serde_json::json!({ "latency_ms": latency_ms }));
    w.clear_requests();
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
    let rounds = common::rounds(&w.requests(), latency_ms);
    let sorted: Vec<Vec<String>> = rounds
        .into_iter()
        .map(|mut round| {
            round.sort();
            round
        })
        .collect();
    insta::assert_debug_snapshot!(sorted);
}

/// More projects than one page of the project list (100): the list's pages are the only
/// reads that follow one another before the projects' own reads; the history still goes
/// out beside the stage list.
#[test]
fn a_plan_past_one_page_of_projects_reads_the_pages_then_the_same_four_rounds() {
    let w = world();
    let mut text = manifest(EXTRA_SCENARIO, "1.4.1", "[1011, 1012]").replace(
        "  releases:\n",
        "  releases:\n    api-dev:\n      scenario: shop/dev/api\n",
    );
    let extra: String = (1..=100).map(|n| format!("    p{n:03}: {{}}\n")).collect();
    text = text.replacen("  projects:\n", &format!("  projects:\n{extra}"), 1);
    w.manifest(&text);
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]),
        0,
    );
    let latency_ms = 800;
    w.faults(serde_json::json!({ "latency_ms": latency_ms }));
    w.clear_requests();
    assert_code(
        &w.run(&["plan", "--detailed-exitcode", "--parallelism", "400"]),
        0,
    );
    let rounds = common::rounds(&w.requests(), latency_ms);
    // Ids are numbers: each one a placeholder.
    let shapes = common::round_shapes(rounds, |parts, i| {
        let id = parts[i].split('?').next().unwrap_or_default();
        (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some("{id}")
    });
    insta::assert_debug_snapshot!(shapes);
}
