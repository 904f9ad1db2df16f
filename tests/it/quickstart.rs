//! The README's quick start: plan + apply of `examples/quickstart` against the embedded
//! sandbox, then a plan that shows no changes.

use crate::common::{assert_code, stdout};
use assert_cmd::Command;

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

/// `deployplan sandbox` prints, for each emulator, the endpoint and the environment
/// variables a manifest pointed at it needs; following them is enough to plan.
#[test]
fn the_standalone_sandbox_says_how_to_reach_each_emulator() {
    use std::io::BufRead;
    let mut sandbox = std::process::Command::new(assert_cmd::cargo::cargo_bin("deployplan"))
        .args(["sandbox", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    let mut lines = std::io::BufReader::new(sandbox.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let endpoint = |provider: &str| {
        banner
            .lines()
            .find(|l| l.trim_start().starts_with(provider))
            .and_then(|l| l.split("endpoint: ").nth(1))
            .unwrap_or_else(|| panic!("no {provider} endpoint in:\n{banner}"))
            .to_owned()
    };
    let exports: Vec<(String, String)> = banner
        .lines()
        .filter_map(|l| l.trim().strip_prefix("export "))
        .flat_map(|l| l.split(' '))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(exports.len(), 5, "{banner}");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deployplan.yaml"),
        format!(
            "providers:\n  ncp:\n    type: ncp-sourcedeploy\n    endpoint: {}\n  nhn:\n    type: nhn-deploy\n    endpoint: {}\nnhn-deploy:\n  releases:\n    web:\n      artifact: shop\n      server_group: web-staging\n      version: \"1.4.2\"\n      scenarios: [401]\n",
            endpoint("ncp-sourcedeploy"),
            endpoint("nhn-deploy")
        ),
    )
    .unwrap();
    let plan = Command::cargo_bin("deployplan")
        .unwrap()
        .current_dir(dir.path())
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(exports)
        .arg("plan")
        .output()
        .unwrap();
    let _ = sandbox.kill();
    let _ = sandbox.wait();
    assert_code(&plan, 0);
    assert!(
        stdout(&plan).contains("nhn.release.web"),
        "{}",
        stdout(&plan)
    );
}
