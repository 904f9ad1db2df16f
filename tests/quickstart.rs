//! The README's quick start: plan + apply of `examples/quickstart` against the embedded
//! sandbox, then a plan that shows no changes.

mod common;

use assert_cmd::Command;
use common::{assert_code, stdout};

#[test]
fn quickstart_plans_applies_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/quickstart/deployplan.yaml");
    std::fs::copy(&source, dir.path().join("deployplan.yaml")).unwrap();
    let run = |args: &[&str]| {
        Command::cargo_bin("deployplan")
            .unwrap()
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .env_remove("NCLOUD_ACCESS_KEY")
            .env_remove("NCLOUD_SECRET_KEY")
            .args(args)
            .output()
            .unwrap()
    };
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
