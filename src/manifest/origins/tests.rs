use std::path::Path;

use serde_json::Value;

use super::*;
use crate::engine::diff::flatten;
use crate::manifest::LoadedManifest;
use crate::manifest::source::join;
use crate::providers::registry;

fn load(dir: &Path, env: Option<&str>) -> LoadedManifest {
    // Every example's secrets and variables read as a plain word.
    let lookup = |_: &str| Some("from-the-environment".to_owned());
    match crate::manifest::load(dir, env, &lookup, registry::language()) {
        Ok(loaded) => loaded,
        Err(diagnostics) => panic!("{} does not load: {diagnostics:?}", dir.display()),
    }
}

/// The environments a manifest declares, read from its text.
fn environments(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("the example is read");
    let document: Value = serde_saphyr::from_str(&text).expect("the example parses");
    document
        .get("environments")
        .and_then(Value::as_object)
        .map(|envs| envs.keys().cloned().collect())
        .unwrap_or_default()
}

/// Where each attribute of `resource` was written, found the slow way: every attribute
/// path (and every list, a field of its own) looked up from the root by its full pointer.
fn reference(loaded: &LoadedManifest, resource: &Resource) -> Vec<(String, (u64, u64))> {
    fn walk(
        value: &Value,
        pointer: String,
        path: String,
        loaded: &LoadedManifest,
        out: &mut Vec<(String, (u64, u64))>,
    ) {
        let at = |pointer: &str| loaded.located.node_at(pointer).map(|n| n.span);
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_path = match path.as_str() {
                        "" => key.clone(),
                        _ => format!("{path}.{key}"),
                    };
                    walk(child, join(&pointer, key), child_path, loaded, out);
                }
            }
            Value::Array(items) => {
                if let Some(span) = at(&pointer) {
                    out.push((path.clone(), (span.line, span.column)));
                }
                for (i, child) in items.iter().enumerate() {
                    let child_pointer = format!("{pointer}/{i}");
                    walk(child, child_pointer, format!("{path}[{i}]"), loaded, out);
                }
            }
            _ => {
                if let Some(span) = at(&pointer) {
                    out.push((path, (span.line, span.column)));
                }
            }
        }
    }
    let mut out = Vec::new();
    let pointer = resource.pointer.clone();
    walk(
        &resource.attributes,
        pointer,
        String::new(),
        loaded,
        &mut out,
    );
    out
}

#[test]
fn every_attribute_of_every_example_is_found_where_its_pointer_is() {
    let mut checked = 0;
    let mut examples: Vec<_> = std::fs::read_dir("examples")
        .expect("the examples folder")
        .map(|entry| entry.expect("an entry").path().join("deployplan.yaml"))
        .filter(|file| file.exists())
        .collect();
    examples.sort();
    assert!(examples.len() >= 5, "the examples are found: {examples:?}");
    for file in &examples {
        let dir = file.parent().expect("the example's folder");
        let envs = environments(file);
        let selections = std::iter::once(None).chain(envs.iter().map(|e| Some(e.as_str())));
        for env in selections {
            let loaded = load(dir, env);
            for resource in &loaded.resources {
                let expected = reference(&loaded, resource);
                for (path, (line, column)) in &expected {
                    if resource.provenance_overrides.contains_key(path) {
                        continue;
                    }
                    let found = resource.provenance_of(path);
                    let at = found.as_ref().map(|p| (p.line, p.column));
                    assert_eq!(at, Some((*line, *column)), "{} {path}", resource.address);
                    checked += 1;
                }
                // What a diff can name but nobody wrote (a default lowering filled in)
                // has no provenance, and neither has a path that names no attribute.
                let written: Vec<&String> = expected.iter().map(|(path, _)| path).collect();
                for path in flatten(&resource.attributes).keys() {
                    if !written.contains(&path) && !resource.provenance_overrides.contains_key(path)
                    {
                        assert_eq!(
                            resource.provenance_of(path),
                            None,
                            "{} {path}",
                            resource.address
                        );
                    }
                }
                for (path, _) in &expected {
                    for wrong in [format!("{path}x"), format!("{path}.x"), format!("x{path}")] {
                        if !written.contains(&&wrong) {
                            assert_eq!(resource.provenance_of(&wrong), None, "{wrong}");
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} attributes were checked");
}

#[test]
fn an_overlay_is_named_for_the_values_its_variables_set() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = r#"
vars:
  server: 1011
  user: deploy
  strategy: normal
environments:
  production:
    vars:
      server: 2022
      user: root
providers:
  ncp:
    type: ncp-sourcedeploy
    endpoint: sandbox
ncp-sourcedeploy:
  projects:
    shop:
      stages:
        dev:
          target:
            type: server
            servers:
              - 1000
              - ${var.server}
          scenarios:
            web:
              strategy: ${var.strategy}
              rollback: true
              description: "server ${var.server}"
              file:
                type: object-storage
                bucket: b
                object: app.zip
              commands:
                pre:
                  - user: ${var.user}
                    run: systemctl stop shop
"#;
    std::fs::write(dir.path().join("deployplan.yaml"), text).expect("written");
    let loaded = load(dir.path(), Some("production"));
    let find = |name: &str| {
        (loaded.resources.iter())
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("no resource {name}"))
    };
    let (stage, web) = (find("dev"), find("web"));
    let overlay = |resource: &Resource, path: &str| {
        let found = resource
            .provenance_of(path)
            .unwrap_or_else(|| panic!("{path}"));
        found.overlay
    };
    let production = Some("production".to_owned());
    assert_eq!(
        overlay(stage, "target.servers"),
        production,
        "a list item set it"
    );
    assert_eq!(overlay(web, "description"), production);
    assert_eq!(
        overlay(web, "strategy"),
        None,
        "a top-level variable is no overlay"
    );
    assert_eq!(overlay(web, "file.object"), None);
    assert_eq!(overlay(web, "commands.pre[0].user"), production);
    assert_eq!(overlay(web, "commands.pre[0].run"), None);
    // Where a line of the text starts (1-based) and its first non-blank column.
    let written = |line: &str| {
        let at = text
            .lines()
            .position(|l| l.trim() == line)
            .expect("the line")
            + 1;
        let column = text
            .lines()
            .nth(at - 1)
            .map(|l| l.len() - l.trim_start().len() + 1);
        (at as u64, column.unwrap_or(0) as u64)
    };
    let list = web
        .provenance_of("commands.pre")
        .map(|p| (p.line, p.column, p.overlay));
    let (line, column) = written("- user: ${var.user}");
    let no_item_set = "a list's overlay is one that set an item, not a field of one";
    assert_eq!(list, Some((line, column, None)), "{no_item_set}");
    let object = web.provenance_of("file.object").map(|p| (p.line, p.column));
    let (line, column) = written("object: app.zip");
    assert_eq!(object, Some((line, column + "object: ".len() as u64)));
}

#[test]
fn secrets_are_found_under_their_resource_and_no_other() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    // `web` and `web2` share a pointer prefix; a secret in one is not the other's.
    let scenario = |name: &str, run: &str| {
        format!(
            "            {name}:\n              strategy: normal\n              rollback: true\n              file:\n                type: object-storage\n                bucket: b\n                object: app.zip\n              commands:\n                pre:\n                  - user: root\n                    run: {run}\n"
        )
    };
    let text = format!(
        "providers:\n  ncp:\n    type: ncp-sourcedeploy\n    endpoint: sandbox\nncp-sourcedeploy:\n  projects:\n    shop:\n      stages:\n        dev:\n          target:\n            type: server\n            servers: [1]\n          scenarios:\n{}{}{}",
        scenario("web", "echo plain"),
        scenario("web2", "login ${secret.TOKEN}"),
        scenario("web3", "echo plain"),
    );
    std::fs::write(dir.path().join("deployplan.yaml"), text).expect("written");
    let lookup = |name: &str| (name == "TOKEN").then(|| "s3cr3t".to_owned());
    let loaded = crate::manifest::load(dir.path(), None, &lookup, registry::language())
        .unwrap_or_else(|d| panic!("{d:?}"));
    let sensitive = |name: &str| {
        let resource = loaded.resources.iter().find(|r| r.name == name);
        resource.map(|r| r.sensitive.clone()).expect("the scenario")
    };
    assert_eq!(sensitive("web2"), ["commands.pre[0].run"]);
    assert!(sensitive("web").is_empty());
    assert!(sensitive("web3").is_empty());
    assert!(
        sensitive("dev").is_empty(),
        "a secret in a child is not its parent's"
    );
}
