//! The `github:` section lowered through the real loader: what each entry becomes, and
//! each plan-time rule accepting what GitHub accepts and locating what it refuses.

mod environments;
mod properties;
mod records;

use std::path::Path;

use super::{MAX_DESCRIPTION, MAX_PER_ENVIRONMENT, MAX_VALUE_BYTES};
use crate::manifest::LoadedManifest;
use crate::manifest::diagnostic::Diagnostics;
use crate::manifest::testkit::{Kit, find, render};
use crate::model::Resource;
use crate::providers::registry;

/// The instance every case uses; cases append the `github:` section.
const PROVIDERS: &str = "providers:\n  gh:\n    type: github\n    endpoint: sandbox\n";

/// The secret values the test environment holds.
fn env(name: &str) -> Option<String> {
    match name {
        "DEPLOY_KEY" => Some("deploy-key-value-3f9a".into()),
        "OTHER_KEY" => Some("other-key-value-77c1".into()),
        _ => None,
    }
}

/// The loader with the `gh` instance and the secrets above.
const KIT: Kit = Kit {
    providers: PROVIDERS,
    env,
};

/// Loads `text` written as `deployplan.yaml` in `dir`.
fn load_in(dir: &Path, text: &str) -> Result<LoadedManifest, Diagnostics> {
    KIT.load_in(dir, text)
}

/// The diagnostics of a section that must fail, as the CLI prints them.
fn rendered(section: &str) -> String {
    KIT.rendered(section)
}

/// Loads the `github:` section `section` under the `gh` instance.
fn load(section: &str) -> Result<LoadedManifest, Diagnostics> {
    KIT.load(section)
}

/// The resources of a section that must load.
fn resources(section: &str) -> Vec<Resource> {
    KIT.resources(section)
}

/// One line per diagnostic of a section that must fail: `line:column message | help`.
fn errors(section: &str) -> Vec<String> {
    KIT.errors(section)
}

/// A repository `octo-org/shop` with `body` (indented under it).
fn repo(body: &str) -> String {
    format!("github:\n  repositories:\n    octo-org/shop:\n{body}")
}

/// One environment `production` with `body` (indented under it).
fn production(body: &str) -> String {
    repo(&format!("      environments:\n        production:\n{body}"))
}

const REPO: &str = "gh.repository.\"octo-org/shop\"";
const PRODUCTION: &str = "gh.repository.\"octo-org/shop\".environment.production";

#[test]
fn the_fixture_lowers_with_every_kind_and_its_edges() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/github/environments-and-records.yaml");
    let loaded = crate::manifest::load(&path, None, &env, registry::language())
        .unwrap_or_else(|d| panic!("{}", render(&d)));
    let r = &loaded.resources;
    let addresses: Vec<&str> = r.iter().map(|r| r.address.as_str()).collect();
    let expected = [
        REPO,
        "gh.repository.\"octo-org/shop\".deployment.web-prod",
        "gh.repository.\"octo-org/shop\".deployment.web-staging",
        PRODUCTION,
        "gh.repository.\"octo-org/shop\".environment.production.branch_policy.\"release/*\"",
        "gh.repository.\"octo-org/shop\".environment.production.secret.DEPLOY_KEY",
        "gh.repository.\"octo-org/shop\".environment.production.tag_policy.\"v*\"",
        "gh.repository.\"octo-org/shop\".environment.production.variable.API_URL",
        "gh.repository.\"octo-org/shop\".environment.production.variable.LOG_LEVEL",
        "gh.repository.\"octo-org/shop\".environment.staging",
        "gh.repository.\"octo-org/shop\".environment.staging.branch_policy.\"release/*\"",
        "gh.repository.\"octo-org/shop\".environment.staging.branch_policy.main",
        "gh.repository.\"octo-org/shop\".environment.staging.variable.API_URL",
        "nhn.release.web-prod",
    ];
    assert_eq!(addresses, expected);
    let repository = find(r, REPO);
    assert_eq!(repository.attributes, serde_json::json!({}));
    assert!(repository.prune && !repository.protect && repository.parent.is_none());

    let production = find(r, PRODUCTION);
    assert_eq!(
        production.attributes,
        serde_json::json!({
            "wait_timer": 30,
            "prevent_self_review": true,
            "reviewers": { "users": ["octocat"], "teams": ["release-managers"] },
            "deployment_branch_policy": "custom",
        })
    );
    assert!(production.protect && production.prune);
    assert_eq!(
        production.depends_on,
        std::slice::from_ref(&repository.address)
    );
    assert_eq!(production.origin.as_ref().unwrap().line, 29);

    let secret = find(r, &format!("{PRODUCTION}.secret.DEPLOY_KEY"));
    assert_eq!(
        secret.attributes,
        serde_json::json!({ "value": "deploy-key-value-3f9a", "rotate": false })
    );
    assert_eq!(secret.sensitive, ["value"]);
    assert_eq!(secret.provenance_of("value").unwrap().line, 43);
    assert_eq!(secret.parent.as_ref(), Some(&production.address));
    assert_eq!(secret.depends_on, std::slice::from_ref(&production.address));
    let variable = find(r, &format!("{PRODUCTION}.variable.API_URL"));
    assert_eq!(
        variable.attributes,
        serde_json::json!({ "value": "https://shop.example.com" })
    );
    assert!(variable.sensitive.is_empty());
    let tag = find(r, &format!("{PRODUCTION}.tag_policy.\"v*\""));
    assert_eq!(
        (tag.name.as_str(), &tag.attributes),
        ("v*", &serde_json::json!({}))
    );
    assert_eq!(tag.depends_on, std::slice::from_ref(&production.address));

    let record = find(r, &format!("{REPO}.deployment.web-prod"));
    assert_eq!(
        record.attributes,
        serde_json::json!({
            "environment": "production",
            "ref": "v1.4.2",
            "task": "deploy",
            "auto_merge": false,
            "required_contexts": [],
            "auto_inactive": true,
            "description": "Shop 1.4.2 in production",
            "environment_url": "https://shop.example.com",
            "log_url": "https://ci.example.com/shop/runs/42",
            "payload": { "version": "1.4.2" },
            "production_environment": true,
        })
    );
    let release = crate::model::Address("nhn.release.web-prod".into());
    assert_eq!(record.follows.as_ref(), Some(&release));
    for edge in [
        repository.address.as_str(),
        PRODUCTION,
        "nhn.release.web-prod",
        "gh.repository.\"octo-org/shop\".deployment.web-staging",
    ] {
        assert!(
            record.depends_on.iter().any(|d| d.as_str() == edge),
            "{edge} in {:?}",
            record.depends_on
        );
    }
    let staging_record = find(r, &format!("{REPO}.deployment.web-staging"));
    assert_eq!(staging_record.follows, None);
    assert_eq!(staging_record.attributes["transient_environment"], false);
    assert!(!staging_record.protect && !staging_record.prune);
}

#[test]
fn a_repository_is_owner_slash_name() {
    let errors = errors(
        "github:\n  repositories:\n    octo-org:\n      prune: true\n    octo-org/shop/web:\n      prune: true\n",
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("7:5 invalid repository `octo-org` |")
            && errors[0].contains("`octo-org/shop`"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("9:5 invalid repository `octo-org/shop/web` |")
            && errors[1].contains("exactly one `/`"),
        "{errors:#?}"
    );
    let r = resources("github:\n  repositories:\n    octo-org/shop.web_v2: {}\n");
    assert_eq!(
        r[0].address.as_str(),
        "gh.repository.\"octo-org/shop.web_v2\""
    );
}

#[test]
fn the_instance_defaults_to_the_only_one_and_a_named_one_must_exist() {
    let errors = errors(&repo("      provider: gh2\n"));
    assert_eq!(
        errors,
        ["8:17 no `github` provider named `gh2` | did you mean `gh`?"]
    );
    let dir = tempfile::tempdir().unwrap();
    let none = load_in(
        dir.path(),
        "github:\n  repositories:\n    octo-org/shop: {}\n",
    );
    let rendered = render(&none.unwrap_err());
    assert!(
        rendered.contains("no provider of type `github` is declared"),
        "{rendered}"
    );
}

#[test]
fn the_token_comes_from_a_secret_and_the_endpoint_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let text = "providers:\n  gh:\n    type: github\n    endpoint: pubic\n    credentials:\n      token: ghp_written_into_the_manifest\n";
    let errors = render(&load_in(dir.path(), text).unwrap_err());
    assert!(
        errors.contains("unknown endpoint `pubic`") && errors.contains("did you mean `public`?"),
        "{errors}"
    );
    assert!(
        errors.contains("`token` must come from a secret, not the manifest text"),
        "{errors}"
    );
    for endpoint in ["public", "sandbox", "https://ghe.example.com/api/v3"] {
        let text = format!(
            "providers:\n  gh:\n    type: github\n    endpoint: {endpoint}\n    credentials:\n      token: ${{secret.DEPLOY_KEY}}\n"
        );
        if let Err(d) = load_in(dir.path(), &text) {
            panic!("{endpoint}: {}", render(&d));
        }
    }
}

#[test]
fn the_schema_shows_the_section_its_modes_and_its_closed_shapes() {
    let schema = registry::language().editor_schema();
    let defs = &schema["$defs"];
    assert_eq!(
        schema["properties"]["github"]["$ref"],
        "#/$defs/GithubSection"
    );
    let modes = serde_json::to_string(&defs["GithubBranchMode"]).unwrap();
    assert!(
        modes.contains("\"protected\"") && modes.contains("\"any\""),
        "{modes}"
    );
    for shape in [
        "GithubRepository",
        "GithubEnvironment",
        "GithubDeployment",
        "GithubReviewers",
    ] {
        assert_eq!(defs[shape]["additionalProperties"], false, "{shape}");
    }
    assert_eq!(
        defs["GithubDeployment"]["required"],
        serde_json::json!(["environment", "ref"])
    );
    let validator = jsonschema::validator_for(&schema).unwrap();
    let fixture = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/github/environments-and-records.yaml"),
    )
    .unwrap();
    let document: serde_json::Value = serde_saphyr::from_str(&fixture).unwrap();
    assert!(validator.is_valid(&document));
    let policy =
        "/github/repositories/octo-org~1shop/environments/staging/deployment_branch_policy";
    for (mode, valid) in [("protected", true), ("any", true), ("protectd", false)] {
        let mut edited = document.clone();
        *edited.pointer_mut(policy).unwrap() = serde_json::json!(mode);
        assert_eq!(validator.is_valid(&edited), valid, "{mode}");
    }
}

#[test]
fn an_environment_left_out_for_a_structural_error_is_not_reported_again_by_its_records() {
    let body = "      environments:\n        production:\n          deployment_branch_policy: protectd\n      deployments:\n        web:\n          environment: production\n          ref: main\n";
    let errors = errors(&repo(body));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("10:37 wrong type for `github.repositories.octo-org/shop.environments.production.deployment_branch_policy`"), "{errors:#?}");
}
