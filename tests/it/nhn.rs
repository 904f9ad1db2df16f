//! NHN Cloud Deploy against the sandbox over real HTTP: uploads only when the version is
//! missing, deploys after the upload they need, failures skip dependents and leave the
//! remote as it was, unknown names are located diagnostics, auth errors are one clear line.

use serde_json::json;

use crate::common::{self, World, assert_code, fixture, nhn, stderr, stdout, world};

/// Writes the builds of 1.4.2 and 1.4.3, and the manifest of `nhn/shop.yaml` (a binary and
/// two releases of it, production after staging) at `version`.
fn setup(w: &World, version: &str) {
    for v in ["1.4.2", "1.4.3"] {
        nhn::write_build(w.path(), v);
    }
    w.manifest(&fixture("nhn/shop.yaml").replace("\"1.4.2\"", &format!("\"{version}\"")));
}

#[test]
fn upload_then_deploy_then_no_changes_then_bump() {
    let w = world();
    setup(&w, "1.4.2");
    let plan = w.run(&["plan", "--format", "json"]);
    assert_code(&plan, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&plan)).unwrap();
    let actions: Vec<(String, String)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("nhn.binary.shop-server".to_owned(), "create".to_owned()),
            ("nhn.release.web-staging".to_owned(), "deploy".to_owned()),
            ("nhn.release.web-prod".to_owned(), "deploy".to_owned()),
        ]
    );
    let staging = &doc["changes"][1];
    assert!(
        staging["depends_on"]
            .as_array()
            .unwrap()
            .contains(&json!("nhn.binary.shop-server"))
    );
    let text = stdout(&w.run(&["plan"]));
    assert!(
        text.contains("+ size = 1200") && text.contains("+ sha256 = "),
        "{text}"
    );

    let apply = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&apply, 0);
    assert!(
        stdout(&apply).contains("Apply complete: 3 applied, 0 failed, 0 skipped."),
        "{}\n{}",
        stdout(&apply),
        stderr(&apply)
    );
    let again = w.run(&["plan", "--detailed-exitcode"]);
    assert_code(&again, 0);

    // Version bump: one upload and two deploys; production fails and leaves the remote as it was.
    setup(&w, "1.4.3");
    w.admin(
        reqwest::Method::PUT,
        "/nhn-deploy/outcomes",
        json!({"artifact": "shop", "server_group": "web-staging", "outcome": "fail"}),
    );
    let bump = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&bump, 1);
    let summary = stdout(&bump);
    assert!(
        summary.contains("Apply incomplete: 1 applied, 1 failed, 1 skipped."),
        "{summary}\n{}",
        stderr(&bump)
    );
    assert!(
        summary.contains("nhn.release.web-prod (deploy): skipped"),
        "{summary}"
    );
    let after = stdout(&w.run(&["plan"]));
    assert!(
        after.contains("0 to create, 0 to update, 0 to replace, 0 to delete, 2 to deploy."),
        "{after}"
    );
    assert!(
        after.contains("deployed version 1.4.2 ≠ desired 1.4.3"),
        "{after}"
    );
}

#[test]
fn unknown_names_are_located_with_the_available_ones() {
    let w = world();
    setup(&w, "1.4.2");
    let text = std::fs::read_to_string(w.path().join("deployplan.yaml")).unwrap();
    std::fs::write(
        w.path().join("deployplan.yaml"),
        text.replace("server_group: web-prod", "server_group: web-prd")
            .replace("binary_group: shop-server", "binary_group: shop-srv"),
    )
    .unwrap();
    let out = w.run(&["plan"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("no binary group `shop-srv` in artifact `shop`"),
        "{err}"
    );
    assert!(
        err.contains("no server group `web-prd` in artifact `shop`"),
        "{err}"
    );
    assert!(err.contains("did you mean `web-prod`?"), "{err}");
    assert!(err.contains("deployplan.yaml:"), "{err}");
}

#[test]
fn a_missing_local_file_stops_before_any_request() {
    let w = world();
    setup(&w, "1.4.2");
    std::fs::remove_file(w.path().join("shop-1.4.2.tar.gz")).unwrap();
    let out = w.run(&["plan"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    assert!(w.requests().is_empty());
}

#[test]
fn a_wrong_app_key_is_one_clear_error() {
    let w = world();
    setup(&w, "1.4.2");
    let out = w
        .cmd()
        .env(nhn::APP_KEY_VAR, "not-an-app-key")
        .args(["plan"])
        .output()
        .unwrap();
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("provider `nhn`") && err.contains("FORBIDDEN"),
        "{err}"
    );
    let api_calls = w
        .requests()
        .iter()
        .filter(|r| r.path.contains("/api/"))
        .count();
    assert_eq!(api_calls, 1, "not retried: {:?}", w.requests());
}

#[test]
fn a_rollback_to_an_older_binary_is_refused_at_plan_time() {
    let w = world();
    setup(&w, "1.4.2");
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]),
        0,
    );
    setup(&w, "1.4.3");
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]),
        0,
    );
    setup(&w, "1.4.2");
    let out = w.run(&["plan"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(
        err.contains("version `1.4.2` is not the newest binary of `shop-server` (newest: `1.4.3`)"),
        "{err}"
    );
    assert!(err.contains("upload the old build again"), "{err}");
}

/// Names resolve in two rounds however many resources share them (the artifact, then its
/// two group lists together), and the per-resource reads go out together after that.
#[test]
fn a_converged_plan_reads_in_the_fewest_dependent_rounds() {
    let w = world();
    setup(&w, "1.4.2");
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]),
        0,
    );
    let latency_ms = 800;
    w.faults(json!({ "latency_ms": latency_ms }));
    w.clear_requests();
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);
    let rounds: Vec<Vec<String>> = common::rounds(&w.requests(), latency_ms)
        .into_iter()
        .map(|mut round| {
            round.sort();
            round
        })
        .collect();
    insta::assert_debug_snapshot!(rounds);
}

/// Two releases to one server group would deploy to the same hosts at once.
#[test]
fn two_releases_to_one_server_group_are_refused_before_any_request() {
    let w = world();
    setup(&w, "1.4.2");
    let path = w.path().join("deployplan.yaml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("server_group: web-staging", "server_group: web-prod");
    std::fs::write(&path, text).unwrap();
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    assert!(
        stderr(&plan).contains(
            "releases `web-prod` and `web-staging` both deploy server group `web-prod` of artifact `shop`"
        ),
        "{}",
        stderr(&plan)
    );
    assert!(w.requests().is_empty());
}

/// A rebuilt file under a version already uploaded would never be uploaded (versions are
/// immutable) while the plan said "no changes": refused at plan time, at the `file:` line.
#[test]
fn another_build_under_an_uploaded_version_is_refused() {
    let w = world();
    setup(&w, "1.4.2");
    assert_code(
        &w.run(&["apply", "--auto-approve", "--poll-interval-ms", "50"]),
        0,
    );
    let file = w.path().join("shop-1.4.2.tar.gz");
    let mut rebuilt = std::fs::read(&file).unwrap();
    rebuilt.extend_from_slice(b"one more line\n");
    std::fs::write(&file, rebuilt).unwrap();
    let writes = || w.api_writes().len();
    let before = writes();
    let plan = w.run(&["plan"]);
    assert_code(&plan, 1);
    let text = stderr(&plan);
    assert!(
        text.contains(
            "version `1.4.2` of binary `shop-server` is already uploaded with 1200 bytes, but"
        ),
        "{text}"
    );
    assert!(text.contains("1214"), "{text}");
    assert!(text.contains("deployplan::conflict"), "{text}");
    assert!(
        text.contains("Error: 1 value the provider's state rules out; nothing was changed."),
        "{text}"
    );
    assert_eq!(writes(), before, "only a token was requested");
}
