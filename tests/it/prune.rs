//! Pruning a parent that still has children, against an emulator that refuses to delete a
//! stage with scenarios (or a project with stages): the plan shows every child as its own
//! delete, and apply deletes children before parents.

use crate::common::{self, assert_code, fixture, stdout, world};

/// The shop's dev stage with its web scenario, and no release.
const WEB: &str = "ncp/web.yaml";

/// [`WEB`] with `stage` (another stage, or nothing) after the dev stage.
fn manifest(stage: &str) -> String {
    format!("{}        {stage}\n", fixture(WEB))
}

const OLD_STAGE: &str = r#"old:
          target: { type: server, servers: [1012] }
          scenarios:
            a:
              strategy: normal
              rollback: true
              file: { type: later }
            b:
              strategy: normal
              rollback: false
              file: { type: later }"#;

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn a_pruned_stage_goes_after_its_two_scenarios() {
    let w = world();
    w.manifest(&manifest(OLD_STAGE));
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);
    w.manifest(&manifest(""));

    // Without prune: the stage and each of its scenarios are unmanaged, nothing is written.
    let plan = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    let text = stdout(&plan);
    for address in ["stage.old ", "stage.old.scenario.a", "stage.old.scenario.b"] {
        assert!(
            text.contains(&format!("? ncp.project.shop.{address}")),
            "{address}: {text}"
        );
    }
    assert!(
        text.contains("inside `ncp.project.shop.stage.old`, not in the manifest"),
        "{text}"
    );

    // With prune: three deletes, children listed as their own changes; a saved plan
    // re-reads the stage's scenarios and still matches.
    let plan = w.run(&["plan", "--prune", "--out", "plan.json"]);
    assert_code(&plan, 0);
    let text = stdout(&plan);
    assert!(
        text.contains("0 to update, 0 to replace, 3 to delete"),
        "{text}"
    );
    assert_eq!(
        lines_with(&text, "- ncp.project.shop.stage.old").len(),
        3,
        "{text}"
    );
    w.clear_requests();
    let applied = w.run(&["apply", "plan.json"]);
    assert_code(&applied, 0);
    let deletes: Vec<String> = w
        .writes()
        .into_iter()
        .filter(|w| w.starts_with("DELETE"))
        .collect();
    assert_eq!(deletes.len(), 3, "{deletes:?}");
    assert!(
        deletes[..2].iter().all(|d| d.contains("/scenario/")) && !deletes[2].contains("/scenario/"),
        "the scenarios go first, the stage last: {deletes:?}"
    );
    assert!(
        w.requests().iter().all(|r| r.status < 400),
        "the emulator refused nothing: {:?}",
        w.requests()
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode", "--prune"]), 0);
}

/// A stage whose target type changes is replaced: its undeclared scenario is planned as a
/// delete that runs first, its declared one is re-created, and the old stage is deleted
/// only once empty.
#[test]
fn a_replaced_stage_is_emptied_first() {
    let w = world();
    let extra = "            extra:\n              strategy: normal\n              rollback: true\n              file: { type: later }\n";
    let with_extra = fixture(WEB) + extra;
    w.manifest(&with_extra);
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);

    let retyped = manifest("").replace(
        "          target: { type: server, servers: [1011] }\n          scenarios:\n            web:\n              strategy: normal\n              rollback: true\n              file: { type: object-storage, bucket: shop-artifacts, object: shop/shop-1.4.2.tar.gz }",
        "          target: { type: object-storage, bucket: static-site }\n          scenarios:\n            web:\n              file: { type: object-storage, bucket: static-site, object: index.html }\n              paths: [{ source: /, destination: /www }]",
    );
    w.manifest(&retyped);
    let plan = w.run(&["plan"]);
    assert_code(&plan, 0);
    let text = stdout(&plan);
    assert!(
        text.contains(
            "not in the manifest; deleted before its replaced parent `ncp.project.shop.stage.dev`"
        ),
        "{text}"
    );
    let applied = w.run(&["apply", "--auto-approve"]);
    assert_code(&applied, 0);
    assert!(
        stdout(&applied).contains("Apply complete: 3 applied, 0 failed, 0 skipped."),
        "{}",
        stdout(&applied)
    );
    assert!(
        w.requests().iter().all(|r| r.status < 400),
        "the emulator refused nothing: {:?}",
        w.requests()
    );
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
}

/// A saved plan that prunes a stage is refused when the stage gained a scenario since: the
/// re-read finds a child the plan never showed, so the apply would not be what was reviewed.
#[test]
fn a_saved_prune_is_stale_when_the_stage_gained_a_scenario() {
    let w = world();
    w.manifest(&manifest(OLD_STAGE));
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);
    let pruned = manifest("");
    w.manifest(&pruned);
    assert_code(&w.run(&["plan", "--prune", "--out", "plan.json"]), 0);

    // Someone adds scenario `c` to the stage the plan deletes.
    let c = "\n            c:\n              strategy: normal\n              rollback: true\n              file: { type: later }";
    w.manifest(&manifest(&format!("{OLD_STAGE}{c}")));
    assert_code(&w.run(&["apply", "--auto-approve"]), 0);
    w.manifest(&pruned);

    w.clear_requests();
    let applied = w.run(&["apply", "plan.json"]);
    assert_code(&applied, 1);
    let err = common::stderr(&applied);
    assert!(err.contains("stale plan"), "{err}");
    assert!(err.contains("stage.old.scenario.c"), "{err}");
    assert!(w.writes().is_empty(), "{:?}", w.writes());
}
