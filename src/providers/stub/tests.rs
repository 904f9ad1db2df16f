//! A provider type is one folder plus one registry line: the stub shows up everywhere a
//! provider type must, with nothing else edited.

use std::path::Path;

use serde_json::json;

use crate::providers::registry;
use crate::sandbox::{self, SandboxOptions};

fn load(dir: &Path, text: &str) -> Result<crate::manifest::LoadedManifest, String> {
    std::fs::write(dir.join("deployplan.yaml"), text).unwrap();
    crate::manifest::load(dir, None, &|_| None, registry::language()).map_err(|d| {
        d.0.iter()
            .map(|e| format!("{e}: {:?}", e.help))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn its_section_and_settings_are_in_the_manifest_schema() {
    let schema = registry::language().editor_schema();
    assert_eq!(
        schema["properties"]["stub-echo"]["$ref"],
        "#/$defs/StubEchoSection"
    );
    let config = &schema["$defs"]["StubEchoConfig"];
    assert_eq!(config["properties"]["type"]["const"], "stub-echo");
    assert_eq!(config["additionalProperties"], false);
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance = |settings: serde_json::Value| json!({ "providers": { "echo": settings }, "stub-echo": { "things": { "a": { "size": 1 } } } });
    assert!(validator.is_valid(&instance(json!({ "type": "stub-echo", "greeting": "hi" }))));
    // Another type's setting, and this type's setting on another type, are both refused.
    assert!(!validator.is_valid(&instance(json!({ "type": "stub-echo", "region": "KR" }))));
    assert!(!validator.is_valid(&instance(
        json!({ "type": "ncp-sourcedeploy", "greeting": "hi" })
    )));
}

#[test]
fn validate_lowers_its_section_and_locates_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(
        dir.path(),
        "providers:\n  echo:\n    type: stub-echo\n    endpoint: sandbox\nstub-echo:\n  things:\n    a:\n      size: 3\n",
    )
    .unwrap();
    let addresses: Vec<&str> = loaded
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(addresses, ["echo.thing.a"]);

    let errors = load(
        dir.path(),
        "providers:\n  echo:\n    type: stub-echo\n    endpoint: pubic\n    app_key: x\nstub-echo:\n  things:\n    a:\n      size: 300\n",
    )
    .unwrap_err();
    assert!(
        errors.contains("unknown field `app_key` in `providers.echo`")
            && errors.contains("`app_key` is a setting of `nhn-deploy`; `stub-echo` takes: endpoint, greeting, type"),
        "{errors}"
    );
    let errors = load(
        dir.path(),
        "providers:\n  echo:\n    type: stub-echo\n    endpoint: pubic\nstub-echo:\n  things:\n    a:\n      size: 300\n",
    )
    .unwrap_err();
    assert!(errors.contains("unknown endpoint `pubic`"), "{errors}");
    assert!(errors.contains("did you mean `public`?"), "{errors}");
    assert!(errors.contains("`300` is out of range"), "{errors}");
}

#[tokio::test]
async fn the_sandbox_mounts_its_emulator_and_the_banner_shows_it() {
    let handle = sandbox::start("127.0.0.1:0".parse().unwrap(), SandboxOptions::default())
        .await
        .unwrap();
    let answer = reqwest::get(format!("{}/things", handle.base_url("stub-echo")))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let banner = crate::app::sandbox_banner(&handle);
    assert!(
        banner.contains(&format!(
            "stub-echo         endpoint: {}",
            handle.base_url("stub-echo")
        )) && banner.contains("export STUB_ECHO_TOKEN=stub-echo-demo-token"),
        "{banner}"
    );
    assert!(registry::demo_environment().contains(&("STUB_ECHO_TOKEN", "stub-echo-demo-token")));
    handle.shutdown().await;
}
