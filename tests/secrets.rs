//! No secret value appears in any output, plan file or log.

mod common;

use common::{assert_code, stderr, stdout, world};

const SECRET: &str = "s3cr3t-t0ken-9f8e7d";

const MANIFEST: &str = r#"
providers:
  ncp:
    type: ncp-sourcedeploy
    endpoint: {{NCP}}
    credentials:
      access_key: ${env.NCLOUD_ACCESS_KEY}
      secret_key: ${secret.NCLOUD_SECRET_KEY}
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
              commands:
                post:
                  - user: root
                    run: "curl -H 'Authorization: Bearer ${secret.DEPLOY_TOKEN}' https://hooks.example/notify"
  releases:
    web:
      scenario: shop/dev/web
"#;

#[test]
fn secrets_never_reach_outputs_plan_files_or_logs() {
    let w = world();
    w.manifest(MANIFEST);
    let run = |args: &[&str]| {
        w.cmd()
            .env("DEPLOY_TOKEN", SECRET)
            .args(args)
            .output()
            .unwrap()
    };
    let mut outputs = Vec::new();

    let text = run(&["plan", "-vv"]);
    assert_code(&text, 0);
    assert!(stdout(&text).contains("(sensitive)"), "{}", stdout(&text));
    outputs.push(text);
    let json = run(&["plan", "--format", "json", "--out", "plan.json"]);
    assert_code(&json, 0);
    outputs.push(json);
    let markdown = run(&["plan", "--format", "markdown"]);
    assert_code(&markdown, 0);
    outputs.push(markdown);
    let graph = run(&["graph", "--format", "mermaid"]);
    assert_code(&graph, 0);
    outputs.push(graph);
    let plan_file = std::fs::read_to_string(w.path().join("plan.json")).unwrap();
    let apply = run(&["apply", "plan.json", "-vv", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    outputs.push(apply);
    // The remote now holds the secret (it is part of the command): reading it back must
    // still mask it, and a change to it must too.
    std::fs::write(
        w.path().join("deployplan.yaml"),
        MANIFEST
            .replace("{{NCP}}", &w.ncp_url())
            .replace("notify", "notify2"),
    )
    .unwrap();
    let changed = run(&["plan", "-vv"]);
    assert_code(&changed, 0);
    outputs.push(changed);

    for output in &outputs {
        for text in [stdout(output), stderr(output)] {
            assert!(!text.contains(SECRET), "secret leaked:\n{text}");
            assert!(
                !text.contains(deployplan::sandbox::demo::NCP_SECRET_KEY),
                "API secret leaked:\n{text}"
            );
        }
    }
    assert!(!plan_file.contains(SECRET) && plan_file.contains("(sensitive)"));
}
