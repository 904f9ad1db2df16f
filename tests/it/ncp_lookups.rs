//! Infrastructure names a manifest gives SourceDeploy (servers, Auto Scaling groups,
//! clusters, buckets and objects, SourceBuild projects, SourceCommit repositories and
//! branches) are checked at plan time against the account's lookups: every unknown one is
//! a located error listing what exists, exit 1, and nothing is written.

use crate::common::{World, assert_code, fixture, stderr, stdout, world};

/// Stages of every target type, whose scenarios name servers, an Auto Scaling group and
/// its target group, a cluster, buckets and objects, a SourceBuild project and a
/// SourceCommit repository and branch, all of them known to the sandbox.
fn infrastructure() -> String {
    fixture("ncp/named-infrastructure.yaml")
}

fn plan_fails(w: &World, text: &str) -> String {
    w.manifest(text);
    let out = w.run(&["plan"]);
    assert_code(&out, 1);
    assert!(w.writes().is_empty(), "plan wrote: {:?}", w.writes());
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn every_unknown_name_is_a_located_error_listing_what_exists() {
    let w = world();
    let broken = infrastructure()
        .replace("servers: [1011, 1012]", "servers: [1011, 9999]")
        .replace(
            "object: shop/shop-1.4.2.tar.gz",
            "object: shop/shop-1.4.9.tar.gz",
        )
        .replace("build_project: 5002", "build_project: 5009")
        .replace("autoscaling_group: 2001", "autoscaling_group: 2003")
        .replace(
            "cluster: 5f0d8a52-8c1e-4b6a-9e3b-2a7c41d0f001",
            "cluster: shop-nks",
        )
        .replace("branch: main", "branch: mian")
        .replace(
            "target: { type: object-storage, bucket: static-site }",
            "target: { type: object-storage, bucket: static-sight }",
        );
    let err = plan_fails(&w, &broken);
    insta::assert_snapshot!(err);
}

#[test]
fn a_missing_bucket_or_repository_is_reported_at_its_own_value() {
    let w = world();
    let broken = infrastructure()
        .replace(
            "bucket: shop-artifacts, object: shop/shop-1.4.1.tar.gz",
            "bucket: shop-artefacts, object: shop/shop-1.4.1.tar.gz",
        )
        .replace("repository: shop-manifests", "repository: shop-manifest");
    let err = plan_fails(&w, &broken);
    insta::assert_snapshot!(err);
}

#[test]
fn known_names_plan_and_each_lookup_is_made_once() {
    let w = world();
    // Two stages on servers and three scenarios on one bucket: still one of each lookup.
    let text = infrastructure().replace(
        "        asg:\n",
        "        dev2:\n          target: { type: server, servers: [1013] }\n        asg:\n",
    );
    w.manifest(&text);
    let out = w.run(&["plan"]);
    assert_code(&out, 0);
    assert!(stdout(&out).contains("to create"), "{}", stdout(&out));
    let mut lookups: Vec<String> = w
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| !p.starts_with("/api/v1/project"))
        .collect();
    lookups.sort();
    assert_eq!(
        lookups,
        [
            "/api/v1/autoscaling",
            "/api/v1/autoscaling/web-asg",
            "/api/v1/kubernetes/cluster",
            "/api/v1/objectstorage/bucket",
            "/api/v1/objectstorage/bucket/shop-artifacts",
            "/api/v1/objectstorage/bucket/static-site",
            "/api/v1/server",
            "/api/v1/sourcebuild/project",
            "/api/v1/sourcecommit/repository/shop-manifests/branch",
        ]
    );
}

#[test]
fn a_manifest_without_a_target_type_makes_no_lookup_of_it() {
    let w = world();
    let only_servers: String = infrastructure()
        .split("        asg:\n")
        .next()
        .unwrap()
        .replace(
            "file: { type: object-storage, bucket: shop-artifacts, object: shop/shop-1.4.2.tar.gz }",
            "file: { type: later }",
        )
        .replace("file: { type: source-build, build_project: 5002 }", "file: { type: later }");
    w.manifest(&only_servers);
    assert_code(&w.run(&["plan"]), 0);
    let lookups: Vec<String> = w
        .requests()
        .into_iter()
        .map(|r| r.path)
        .filter(|p| !p.starts_with("/api/v1/project"))
        .collect();
    assert_eq!(lookups, ["/api/v1/server"]);
}

/// A lookup the key may not call (a sub-account without the permission) is no reason to
/// refuse the plan on a guess: the names it would check are a warning, the plan goes on.
#[test]
fn a_refused_lookup_is_a_warning_not_a_failure() {
    let w = world();
    w.admin(
        reqwest::Method::PUT,
        "/ncp-sourcedeploy/denied",
        serde_json::json!({ "paths": ["/api/v1/server"] }),
    );
    w.manifest(&infrastructure().replace("servers: [1011, 1012]", "servers: [1011, 9999]"));
    let out = w.run(&["plan"]);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("Warning: could not check the servers named at `ncp.project.shop.stage.dev`"),
        "{err}"
    );
    assert!(err.contains("Permission Denied"), "{err}");
    assert!(stdout(&out).contains("to create"), "{}", stdout(&out));
    // The other lookups still ran and found nothing wrong.
    assert!(
        w.requests()
            .iter()
            .any(|r| r.path == "/api/v1/objectstorage/bucket/shop-artifacts")
    );
    // The plans that travel (the saved file, the PR comment) say what was not checked.
    let json = w.run(&["plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let warnings = plan["warnings"].as_array().expect("warnings in the plan");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.starts_with("could not check the servers"))),
        "{plan:#}"
    );
    let markdown = stdout(&w.run(&["plan", "--format", "markdown"]));
    assert!(
        markdown.contains("> [!WARNING]\n> Not everything could be checked while planning:\n> - could not check the servers named at `ncp.project.shop.stage.dev`"),
        "{markdown}"
    );
    // A plan whose lookups all ran has no warnings.
    w.manifest(&infrastructure());
    w.admin(
        reqwest::Method::PUT,
        "/ncp-sourcedeploy/denied",
        serde_json::json!({ "paths": [] }),
    );
    let clean = w.run(&["plan", "--format", "json"]);
    let plan: serde_json::Value = serde_json::from_slice(&clean.stdout).unwrap();
    assert!(plan.get("warnings").is_none(), "{plan:#}");
}

/// A blue/green target group is looked up among its stage's Auto Scaling group's, by the
/// group's name the group list gave.
#[test]
fn an_unknown_target_group_is_located_in_its_groups_list() {
    let w = world();
    let err = plan_fails(
        &w,
        &infrastructure().replace("target_group: 3001", "target_group: 3011"),
    );
    assert!(
        err.contains("no target group `3011` in Auto Scaling group `2001` (web-asg)"),
        "{err}"
    );
    assert!(
        err.contains("available: 3001 (web-tg-blue), 3002 (web-tg-green)"),
        "{err}"
    );
    assert!(err.contains("deployplan.yaml:35:"), "{err}");
}
