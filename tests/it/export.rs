//! `deployplan export` against the sandbox over real HTTP: what apply made, exported from a
//! directory that only declares the provider, plans as "No changes"; `--project` filters;
//! bad names are usage errors; export sends no write request and no secret.

use std::path::Path;

use crate::common::{
    World, assert_code, binary_in, fill_endpoints, fixture, ncp, nhn, stderr, stdout, world,
};

/// Two projects with every target type and several kinds of scenario (the seeded servers,
/// buckets, build projects, Auto Scaling group, cluster and repository), and a release so
/// that the scenarios have deployment history.
const EVERY_TARGET_TYPE: &str = "ncp/every-target-type.yaml";

/// The projects `shop` (with a secret in a command) and `shop-admin`, under credentials
/// taken from the environment and a secret.
const TWO_PROJECTS: &str = "ncp/shop-and-shop-admin.yaml";

/// A manifest that only declares the provider instance, pointing at the same sandbox.
fn providers_only(w: &World, extra: &str) -> String {
    w.fill(&fixture("ncp/provider-only.yaml")) + extra
}

fn run_in(w: &World, dir: &Path, args: &[&str]) -> std::process::Output {
    w.cmd().current_dir(dir).args(args).output().unwrap()
}

/// The document without its first line (which carries the time).
fn timeless(document: &str) -> String {
    document.lines().skip(1).collect::<Vec<_>>().join("\n")
}

fn apply(w: &World) {
    let applied = w.run(&["apply", "--auto-approve", "--poll-interval-ms", "100"]);
    assert_code(&applied, 0);
}

#[test]
fn exported_objects_plan_as_no_changes_and_export_only_reads() {
    let w = world();
    w.manifest(&fixture(EVERY_TARGET_TYPE));
    apply(&w);
    assert_code(&w.run(&["plan", "--detailed-exitcode"]), 0);

    let fresh = tempfile::tempdir().unwrap();
    std::fs::write(fresh.path().join("deployplan.yaml"), providers_only(&w, "")).unwrap();
    let before = w.requests().len();
    let exported = run_in(&w, fresh.path(), &["export", "--provider", "ncp"]);
    assert_code(&exported, 0);
    let requests = w.requests();
    let sent = &requests[before..];
    assert!(!sent.is_empty());
    let writes: Vec<String> = sent
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(writes.is_empty(), "export must only read: {writes:?}");

    let yaml = stdout(&exported);
    assert!(
        yaml.starts_with("# Written by `deployplan export --provider ncp` at "),
        "{yaml}"
    );
    assert!(
        yaml.contains("# Review for credentials before committing"),
        "{yaml}"
    );
    assert!(yaml.contains("# No `releases:` are exported"), "{yaml}");
    assert!(!yaml.contains("\n  releases:"), "{yaml}");
    assert!(yaml.contains("\"$${APP_HOME}/bin/migrate\""), "{yaml}");
    assert!(yaml.contains("description: \"yes\""), "{yaml}");
    assert!(
        !yaml.contains("protect:") && !yaml.contains("prune:"),
        "{yaml}"
    );
    let note = stderr(&exported);
    assert!(
        note.contains("Exported 2 projects, 4 stages, 7 scenarios from provider `ncp`."),
        "{note}"
    );
    assert!(!note.contains("Warning"), "{note}");
    let shop = yaml.find("\n    shop:").unwrap();
    let platform = yaml.find("\n    platform:").unwrap();
    assert!(platform < shop, "projects sorted by name: {yaml}");

    // Beside the providers-only manifest, in the same directory: no changes, nothing unmanaged.
    std::fs::write(fresh.path().join("ncp.yaml"), &yaml).unwrap();
    let plan = run_in(&w, fresh.path(), &["plan", "--detailed-exitcode", "."]);
    assert_code(&plan, 0);
    assert!(stdout(&plan).contains("No changes"), "{}", stdout(&plan));
    assert!(!stdout(&plan).contains("unmanaged"), "{}", stdout(&plan));

    // Appended to it, in one file: the same.
    let single = tempfile::tempdir().unwrap();
    std::fs::write(
        single.path().join("deployplan.yaml"),
        format!("{}\n{yaml}", providers_only(&w, "")),
    )
    .unwrap();
    let plan = run_in(&w, single.path(), &["plan", "--detailed-exitcode"]);
    assert_code(&plan, 0);
    assert!(stdout(&plan).contains("No changes"), "{}", stdout(&plan));

    // A re-export to a file is the same document (stable order: it diffs cleanly).
    let again = run_in(
        &w,
        single.path(),
        &["export", "--provider", "ncp", "--out", "again.yaml"],
    );
    assert_code(&again, 0);
    assert!(stdout(&again).is_empty());
    assert!(
        stderr(&again).contains("from provider `ncp` to again.yaml."),
        "{}",
        stderr(&again)
    );
    let written = std::fs::read_to_string(single.path().join("again.yaml")).unwrap();
    assert_eq!(timeless(&written), timeless(&yaml));
}

#[test]
fn project_filter_names_and_secrets() {
    let w = world();
    w.manifest(&fixture(TWO_PROJECTS));
    apply(&w);
    let fresh = tempfile::tempdir().unwrap();
    std::fs::write(fresh.path().join("deployplan.yaml"), providers_only(&w, "")).unwrap();

    let only = run_in(
        &w,
        fresh.path(),
        &["export", "--provider", "ncp", "--project", "shop-admin"],
    );
    assert_code(&only, 0);
    let yaml = stdout(&only);
    assert!(yaml.contains("\n    shop-admin:\n"), "{yaml}");
    assert!(!yaml.contains("\n    shop:\n"), "{yaml}");
    assert!(
        stderr(&only).contains("Exported 1 project, 1 stage, 0 scenarios"),
        "{}",
        stderr(&only)
    );

    // The secret the command was made with never leaves the process.
    let all = run_in(&w, fresh.path(), &["export", "--provider", "ncp"]);
    assert_code(&all, 0);
    let (yaml, note) = (stdout(&all), stderr(&all));
    assert!(yaml.contains("\n    shop:\n"), "{yaml}");
    assert!(!yaml.contains(ncp::SECRET_KEY), "{yaml}");
    assert!(!note.contains(ncp::SECRET_KEY), "{note}");
    assert!(yaml.contains("sign --key (sensitive) --now"), "{yaml}");
    assert!(note.contains("replaced by `(sensitive)`"), "{note}");

    let typo = run_in(
        &w,
        fresh.path(),
        &["export", "--provider", "ncp", "--project", "shpo"],
    );
    assert_code(&typo, 1);
    assert!(stdout(&typo).is_empty(), "{}", stdout(&typo));
    let message = stderr(&typo);
    assert!(
        message.contains("--project `shpo`: no such project in provider `ncp`"),
        "{message}"
    );
    assert!(message.contains("did you mean `shop`?"), "{message}");

    // With two instances of the type, the exported projects name theirs.
    let two = tempfile::tempdir().unwrap();
    let second = format!(
        "  ncp-2:\n    type: ncp-sourcedeploy\n    endpoint: {}\n",
        w.endpoint(ncp::TYPE)
    );
    std::fs::write(
        two.path().join("deployplan.yaml"),
        providers_only(&w, &second),
    )
    .unwrap();
    let pinned = run_in(
        &w,
        two.path(),
        &["export", "--provider", "ncp-2", "--project", "shop-admin"],
    );
    assert_code(&pinned, 0);
    let yaml = stdout(&pinned);
    assert!(
        yaml.contains("\n    shop-admin:\n      provider: ncp-2\n"),
        "{yaml}"
    );
    std::fs::write(two.path().join("ncp.yaml"), &yaml).unwrap();
    let plan = run_in(&w, two.path(), &["plan", "--format", "json", "."]);
    assert_code(&plan, 0);
    let plan: serde_json::Value = serde_json::from_str(&stdout(&plan)).unwrap();
    let changes: Vec<(&str, &str)> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("ncp-2.project.shop-admin", "noop"),
            ("ncp-2.project.shop-admin.stage.dev", "noop")
        ]
    );

    let before = w.requests().len();
    let unknown = run_in(&w, fresh.path(), &["export", "--provider", "ncq"]);
    assert_code(&unknown, 1);
    let message = stderr(&unknown);
    assert!(
        message
            .contains("--provider `ncq`: the manifest declares no provider instance of that name"),
        "{message}"
    );
    assert!(message.contains("did you mean `ncp`?"), "{message}");
    assert_eq!(w.requests().len(), before, "nothing is sent for a bad name");
}

#[test]
fn a_provider_type_without_export_says_so() {
    let w = world();
    w.manifest(&fixture("nhn/provider-only.yaml"));
    let output = w
        .cmd()
        .env(nhn::APP_KEY_VAR, nhn::APP_KEY)
        .env(nhn::TOKEN_VAR, nhn::TOKEN)
        .args(["export", "--provider", "nhn"])
        .output()
        .unwrap();
    assert_code(&output, 1);
    assert!(stdout(&output).is_empty());
    let message = stderr(&output);
    assert!(
        message.contains("provider type `nhn-deploy` cannot export yet"),
        "{message}"
    );
    assert!(w.requests().is_empty(), "{:?}", w.requests());
}

/// Objects made outside deployplan that its manifest language cannot declare: a strategy
/// and a target type it does not know (written straight into the embedded sandbox's state).
const FOREIGN_STATE: &str = r#"{ "ncp-sourcedeploy": { "nextId": 10, "projects": [ {
  "id": 1, "name": "legacy",
  "stages": [
    { "id": 2, "name": "dev", "targetType": "Server", "config": { "serverNo": [1011] },
      "scenarios": [
        { "id": 3, "name": "web", "config": { "strategy": "normal", "sequence": true, "rollback": true, "file": { "type": "later" } } },
        { "id": 4, "name": "shadow", "config": { "strategy": "shadow", "rollback": true, "file": { "type": "later" } } }
      ] },
    { "id": 5, "name": "functions", "targetType": "CloudFunctions", "config": {},
      "scenarios": [ { "id": 6, "name": "fn", "config": {} } ] }
  ] } ] } }"#;

#[test]
fn what_the_manifest_cannot_declare_is_left_out_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deployplan.yaml"),
        fill_endpoints(&fixture("ncp/provider-only.yaml"), |_| "sandbox".into()),
    )
    .unwrap();
    let state = dir.path().join(".deployplan/sandbox");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("state.json"), FOREIGN_STATE).unwrap();
    let run = |args: &[&str]| binary_in(dir.path()).args(args).output().unwrap();
    let exported = run(&["export", "--provider", "ncp", "--out", "ncp.yaml"]);
    assert_code(&exported, 0);
    let note = stderr(&exported);
    for expected in [
        "Warning: left out ncp.project.legacy.stage.dev.scenario.shadow: strategy `shadow` is not one the manifest language can declare\n",
        "Warning: left out ncp.project.legacy.stage.functions: target type `CloudFunctions` is not one the manifest language can declare (with its scenario)\n",
        "Exported 1 project, 1 stage, 1 scenario from provider `ncp` to ncp.yaml; left out 2 (see the warnings above).",
    ] {
        assert!(note.contains(expected), "{note}");
    }
    let yaml = std::fs::read_to_string(dir.path().join("ncp.yaml")).unwrap();
    assert!(
        yaml.contains("# 2 object(s) could not be declared exactly and are left out"),
        "{yaml}"
    );
    assert!(
        !yaml.contains("shadow") && !yaml.contains("functions"),
        "{yaml}"
    );

    // What was exported plans as no change; what was left out shows as unmanaged.
    let plan = run(&["plan", "--detailed-exitcode", "."]);
    assert_code(&plan, 0);
    let text = stdout(&plan);
    assert!(
        text.contains("? ncp.project.legacy.stage.dev.scenario.shadow"),
        "{text}"
    );
    assert!(
        text.contains("? ncp.project.legacy.stage.functions"),
        "{text}"
    );
}
