//! The checked-in JSON Schemas match the Rust types, and every example validates.

use assert_cmd::Command;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn check(kind: &str, file: &str, generated: serde_json::Value) {
    let path = root().join("schemas").join(file);
    let expected = format!("{}\n", serde_json::to_string_pretty(&generated).unwrap());
    if std::env::var_os("DEPLOYPLAN_UPDATE_SCHEMAS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "schemas/{file} is stale: run `cargo run -- schema {kind} > schemas/{file}` (or DEPLOYPLAN_UPDATE_SCHEMAS=1 cargo test --test it schemas::)"
    );
}

#[test]
fn manifest_schema_is_current() {
    check(
        "manifest",
        "deployplan.schema.json",
        deployplan::providers::registry::language().editor_schema(),
    );
}

#[test]
fn plan_schema_is_current() {
    check(
        "plan",
        "plan.schema.json",
        deployplan::engine::plan::plan_schema(),
    );
}

#[test]
fn every_example_validates() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let has_manifest = path.is_dir()
            && std::fs::read_dir(&path).unwrap().any(|f| {
                let name = f.unwrap().file_name().to_string_lossy().into_owned();
                name.ends_with(".yaml") && !name.starts_with('.')
            });
        if !has_manifest || path.file_name().is_some_and(|n| n == "ci") {
            continue;
        }
        let text = std::fs::read_to_string(path.join("deployplan.yaml")).unwrap_or_default();
        assert!(
            text.starts_with("# yaml-language-server: $schema="),
            "{} lacks the schema line",
            path.display()
        );
        let out = Command::cargo_bin("deployplan")
            .unwrap()
            .env("NO_COLOR", "1")
            .arg("validate")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} does not validate:\n{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        checked += 1;
    }
    assert!(checked > 0);
}

#[test]
fn plan_documents_match_the_plan_schema() {
    let schema = deployplan::engine::plan::plan_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let plan = deployplan::engine::plan::Plan {
        format_version: "1".into(),
        deployplan_version: "0".into(),
        environment: Some("dev".into()),
        manifest_hash: "abc".into(),
        scope: deployplan::engine::plan::PlanScope {
            manifest: "deployplan.yaml".into(),
            targets: vec!["ncp.project.shop".into()],
            excludes: vec![],
            prune: true,
        },
        summary: Default::default(),
        changes: vec![],
        warnings: vec!["could not check the servers named at `ncp.project.shop`".into()],
        digest: "0f".repeat(32),
    };
    let value = serde_json::to_value(&plan).unwrap();
    assert!(
        validator.is_valid(&value),
        "{:?}",
        validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
}

/// The checked-in schema (what editors use) holds each provider type's settings closed: a
/// setting of another type is refused, an unknown type too, and each type's own are taken.
#[test]
fn the_checked_in_schema_keeps_each_provider_types_settings_to_itself() {
    let text = std::fs::read_to_string(root().join("schemas/deployplan.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let valid = |instance: serde_json::Value| {
        validator.is_valid(&serde_json::json!({ "providers": { "x": instance } }))
    };
    assert!(valid(
        serde_json::json!({ "type": "ncp-sourcedeploy", "region": "KR", "credentials": { "access_key": "${env.K}" } })
    ));
    assert!(valid(
        serde_json::json!({ "type": "nhn-deploy", "app_key": "k", "oauth_endpoint": "https://o" })
    ));
    assert!(!valid(
        serde_json::json!({ "type": "ncp-sourcedeploy", "app_key": "k" })
    ));
    assert!(!valid(
        serde_json::json!({ "type": "nhn-deploy", "region": "KR" })
    ));
    assert!(!valid(
        serde_json::json!({ "type": "nhn-deploy", "credentials": { "secret_key": "${secret.S}" } })
    ));
    assert!(!valid(serde_json::json!({ "type": "ncp-sourcedepoy" })));
    assert!(!valid(serde_json::json!({ "endpoint": "sandbox" })));
}
