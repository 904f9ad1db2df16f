//! Ctrl-C during apply: no new operation starts, the running deployment is cancelled
//! through the API, and the summary says what was and was not done.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::world_with;
use deployplan::sandbox::DeployTiming;

const MANIFEST: &str = r#"
providers:
  ncp:
    type: ncp-sourcedeploy
    endpoint: {{NCP}}
ncp-sourcedeploy:
  projects:
    shop:
      stages:
        dev:
          target: { type: server, servers: [1011] }
          scenarios:
            web:
              strategy: normal
              rollback: true
              file: { type: object-storage, bucket: shop-artifacts, object: shop/shop-1.4.2.tar.gz }
  releases:
    web:
      scenario: shop/dev/web
    after:
      scenario: shop/dev/web
      depends_on: [ncp.release.web]
"#;

#[test]
fn ctrl_c_cancels_the_running_deployment_and_starts_nothing_new() {
    let w = world_with(DeployTiming::Manual);
    w.manifest(MANIFEST);
    let child = w.spawn(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !w
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("/deploy"))
    {
        assert!(Instant::now() < deadline, "the deployment never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    assert!(
        stdout.contains("ncp.release.web (deploy): interrupted"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ncp.release.after (deploy): skipped"),
        "{stdout}"
    );
    let deploys = w
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/deploy"))
        .count();
    assert_eq!(deploys, 1, "no deployment starts after the interrupt");
    assert!(
        w.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/cancel"))
    );
}
