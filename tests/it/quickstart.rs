//! The README's quick start: plan + apply of `examples/quickstart` against the embedded
//! sandbox, then a plan that shows no changes.

use crate::common::{Standalone, assert_code, binary_in, fixture, stdout};

#[test]
fn quickstart_plans_applies_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/quickstart/deployplan.yaml");
    std::fs::copy(&source, dir.path().join("deployplan.yaml")).unwrap();
    let run = |args: &[&str]| binary_in(dir.path()).args(args).output().unwrap();
    let plan = run(&["plan"]);
    assert_code(&plan, 0);
    assert!(stdout(&plan).contains("to create"), "{}", stdout(&plan));
    let apply = run(&["apply", "--auto-approve", "--poll-interval-ms", "200"]);
    assert_code(&apply, 0);
    let again = run(&["plan", "--detailed-exitcode"]);
    assert_code(&again, 0);
    assert!(stdout(&again).contains("No changes"), "{}", stdout(&again));
    // The production overlay bumps the version: the scenario changes and both releases deploy.
    let production = run(&["plan", "--env", "production", "--detailed-exitcode"]);
    assert_code(&production, 2);
    assert!(
        stdout(&production).contains("2 to deploy"),
        "{}",
        stdout(&production)
    );
}

/// `deployplan sandbox` prints, for each emulator, the endpoint and the environment
/// variables a manifest pointed at it needs; following them is enough to plan.
#[test]
fn the_standalone_sandbox_says_how_to_reach_each_emulator() {
    let sandbox = Standalone::start(|_| {});
    let exports = sandbox.exports();
    assert_eq!(
        exports.len(),
        deployplan::providers::registry::demo_environment().len(),
        "every emulator's demo credentials are printed: {}",
        sandbox.banner
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deployplan.yaml"),
        sandbox.fill(&fixture("mixed/nhn-release-beside-ncp.yaml")),
    )
    .unwrap();
    let plan = binary_in(dir.path())
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(exports)
        .arg("plan")
        .output()
        .unwrap();
    drop(sandbox);
    assert_code(&plan, 0);
    assert!(
        stdout(&plan).contains("nhn.release.web"),
        "{}",
        stdout(&plan)
    );
}

/// Copies `examples/<name>` and the NHN builds it releases into a scratch directory; returns
/// the directory and the example's folder in it.
fn example_with_nhn_build(name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let manifest = format!("{name}/deployplan.yaml");
    let builds = [
        "nhn/dist/shop-server-1.4.2.tar.gz",
        "nhn/dist/shop-server-1.4.3.tar.gz",
    ];
    for file in std::iter::once(manifest.as_str()).chain(builds) {
        let target = dir.path().join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(examples.join(file), target).unwrap();
    }
    let here = dir.path().join(name);
    (dir, here)
}

/// `examples/github`: GitHub environments and records that follow NHN releases, planned,
/// applied and converged against the embedded sandbox; a second apply writes no record.
#[test]
fn the_github_example_plans_applies_and_converges() {
    let (_dir, here) = example_with_nhn_build("github");
    let run = |args: &[&str]| binary_in(&here).args(args).output().unwrap();
    assert_code(&run(&["plan"]), 0);
    let apply = run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    let progress = crate::common::stderr(&apply) + &stdout(&apply);
    for state in ["in_progress", "success"] {
        assert!(
            progress.contains(&format!("deployment record 2: {state}")),
            "{progress}"
        );
    }
    assert_code(&run(&["plan", "--detailed-exitcode"]), 0);
    let second = run(&["apply", "--auto-approve"]);
    assert_code(&second, 0);
    let output = crate::common::stderr(&second) + &stdout(&second);
    assert!(!output.contains("deployment record"), "{output}");
}

/// `examples/gitlab`: GitLab environments, a protected production with an approval rule, and
/// records that follow NHN releases, planned, applied and converged against the embedded
/// sandbox; a second apply creates no deployment; `--env next` deploys the tag and records it.
#[test]
fn the_gitlab_example_plans_applies_and_converges() {
    let (_dir, here) = example_with_nhn_build("gitlab");
    let run = |args: &[&str]| binary_in(&here).args(args).output().unwrap();
    assert_code(&run(&["plan"]), 0);
    let apply = run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    let progress = crate::common::stderr(&apply) + &stdout(&apply);
    assert!(
        progress.contains("protected: 2 deploy rule(s), 1 approval rule(s)"),
        "{progress}"
    );
    for line in ["deployment 2 of `main`", "deployment 2: success"] {
        assert!(progress.contains(line), "{progress}");
    }
    assert_code(&run(&["plan", "--detailed-exitcode"]), 0);
    let second = run(&["apply", "--auto-approve"]);
    assert_code(&second, 0);
    let output = crate::common::stderr(&second) + &stdout(&second);
    assert!(!output.contains("deployment "), "{output}");
    let next = run(&[
        "apply",
        "--auto-approve",
        "--env",
        "next",
        "--poll-interval-ms",
        "100",
    ]);
    assert_code(&next, 0);
    let progress = crate::common::stderr(&next) + &stdout(&next);
    assert!(progress.contains("of `v1.1.0`"), "{progress}");
    assert_code(&run(&["plan", "--env", "next", "--detailed-exitcode"]), 0);
}

/// `examples/axhub`: commit A deployed (a build), `--env next` commit B (a build), then A
/// again by a rollback to the image A's build left: one build of A in all, not two.
#[test]
fn the_axhub_example_deploys_then_rolls_back_without_a_second_build() {
    let w = crate::common::world();
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/axhub/deployplan.yaml");
    let text = std::fs::read_to_string(example).unwrap();
    w.manifest(&text.replace("endpoint: sandbox", "endpoint: {{AXHUB}}"));
    let run = |args: &[&str]| w.run(args);
    let builds = || w.admin_get("/axhub/builds")["builds"].as_u64().unwrap();
    let plan = run(&["plan"]);
    assert_code(&plan, 0);
    assert!(!stdout(&plan).contains("rollback"), "{}", stdout(&plan));
    assert_code(
        &run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]),
        0,
    );
    assert_code(&run(&["plan", "--detailed-exitcode"]), 0);
    assert_code(
        &run(&[
            "apply",
            "--auto-approve",
            "--env",
            "next",
            "--poll-interval-ms",
            "50",
        ]),
        0,
    );
    assert_eq!(builds(), 2);
    let back = run(&["plan"]);
    assert_code(&back, 0);
    assert!(
        stdout(&back).contains("rollback to deployment"),
        "{}",
        stdout(&back)
    );
    let apply = run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]);
    assert_code(&apply, 0);
    let output = stdout(&apply) + &crate::common::stderr(&apply);
    assert!(output.contains("no rebuild"), "{output}");
    assert_eq!(builds(), 2, "going back to A built it again");
    assert_code(&run(&["plan", "--detailed-exitcode"]), 0);
}
