//! Projects: the reference manifest with every kind and its edges, project paths, the
//! instance, and the schema editors see.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::manifest::testkit::render;
use crate::providers::registry;

const SHOP: &str = "gl.project.\"acme/platform/shop\"";

fn reference_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gitlab/manifest-reference.yaml")
}

#[test]
fn the_reference_manifest_lowers_every_kind_with_its_edges() {
    let loaded = crate::manifest::load(&reference_path(), None, &env, registry::language())
        .unwrap_or_else(|d| panic!("{}", render(&d)));
    let r = &loaded.resources;
    let production = format!("{SHOP}.environment.production");
    let protection = format!("{production}.protection.production");
    let review = format!("{SHOP}.environment.\"review/feature-1\"");
    let addresses: Vec<&str> = r.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            SHOP,
            &format!("{SHOP}.deployment.review"),
            &format!("{SHOP}.deployment.web-prod"),
            &review,
            &production,
            &protection,
            "nhn.release.web-prod",
        ]
    );
    let project = find(r, SHOP);
    assert_eq!(project.attributes, json!({}));
    assert!(project.prune && project.parent.is_none() && project.depends_on.is_empty());

    let environment = find(r, &production);
    assert_eq!(
        environment.attributes,
        json!({
            "name": "production",
            "tier": "production",
            "external_url": "https://shop.example.com",
            "description": "Live shop",
            "auto_stop_setting": "with_action",
            "kubernetes_namespace": "shop",
            "flux_resource_path": "helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/shop",
            "renamed_from": "prod",
        })
    );
    assert!(
        environment.protect && environment.prune,
        "prune reaches protections"
    );
    assert_eq!(
        environment.depends_on,
        std::slice::from_ref(&project.address)
    );
    assert_eq!(environment.provenance_of("tier").unwrap().line, 22);

    let guard = find(r, &protection);
    assert_eq!(
        guard.attributes,
        json!({
            "deployers": [
                { "user": "alice" },
                { "group": "acme/release-managers", "inherited": true },
                { "access_level": "maintainer" },
            ],
            "approvals": [
                { "group": "acme/release-managers", "inherited": false, "required_approvals": 2 },
                { "access_level": "maintainer", "required_approvals": 1 },
            ],
        })
    );
    let line = |path: &str| guard.provenance_of(path).map(|p| p.line);
    assert_eq!(
        line("deployers[2].access_level"),
        Some(35),
        "entries point where written"
    );
    assert_eq!(line("deployers[1].inherited"), Some(34));
    assert_eq!(line("deployers[0].user"), Some(32));
    assert_eq!(line("approvals[0].required_approvals"), Some(38));
    assert_eq!(
        line("approvals[1].required_approvals"),
        None,
        "a default is written nowhere"
    );
    assert_eq!(guard.parent.as_ref(), Some(&environment.address));
    assert_eq!(guard.depends_on, std::slice::from_ref(&environment.address));
    assert!(
        guard.protect,
        "a protected environment's protection is protected too"
    );

    let record = find(r, &format!("{SHOP}.deployment.web-prod"));
    assert_eq!(
        record.attributes,
        json!({
            "environment": "production",
            "ref": "main",
            "tag": false,
            "sha": "0123456789abcdef0123456789abcdef01234567",
        })
    );
    let release = crate::model::Address("nhn.release.web-prod".into());
    assert_eq!(record.follows.as_ref(), Some(&release));
    for edge in [SHOP, &production, &protection, "nhn.release.web-prod"] {
        assert!(
            record.depends_on.iter().any(|d| d.as_str() == edge),
            "{edge} in {:?}",
            record.depends_on
        );
    }
    let tagged = find(r, &format!("{SHOP}.deployment.review"));
    assert_eq!(
        tagged.attributes,
        json!({ "environment": "review/feature-1", "ref": "v1.4.2", "tag": true })
    );
    assert_eq!(tagged.follows, None);
    let edges: Vec<&str> = tagged.depends_on.iter().map(|d| d.as_str()).collect();
    assert_eq!(
        edges,
        [SHOP, review.as_str()],
        "no protection declared there"
    );
}

#[test]
fn a_project_is_a_full_path_or_a_numeric_id() {
    for path in [
        "acme/shop",
        "acme/platform/shop",
        "a/b.c_d-e",
        "4242",
        "acme/shop.",
    ] {
        let r = KIT.resources(&format!("gitlab:\n  projects:\n    \"{path}\": {{}}\n"));
        assert_eq!(
            r[0].address,
            crate::model::Address::root("gl", "project", path),
            "{path}"
        );
    }
    let bad = "gitlab:\n  projects:\n    shop: {}\n    acme/shop.git: {}\n    acme./shop: {}\n    \"0\": {}\n";
    let errors = KIT.errors(bad);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors[0].starts_with("7:5 invalid project `shop` |")
            && errors[0].contains("`group/project`"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("8:5 invalid project `acme/shop.git` |")
            && errors[1].contains("`.git`"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("9:5 invalid project `acme./shop` |")
            && errors[2].contains("end in `.`"),
        "{errors:#?}"
    );
    assert!(
        errors[3].starts_with("10:5 invalid project `0` |") && errors[3].contains("positive"),
        "{errors:#?}"
    );
}

#[test]
fn a_project_key_yaml_reads_as_a_boolean_is_named_so() {
    assert_eq!(
        KIT.errors("gitlab:\n  projects:\n    yes: {}\n"),
        [
            "7:5 project `yes` would be named `true` | YAML reads `yes` as `true`: quote the name, `\"yes\": …`"
        ]
    );
}

#[test]
fn two_spellings_of_one_path_are_one_project() {
    let errors = KIT.errors("gitlab:\n  projects:\n    acme/shop: {}\n    Acme/Shop: {}\n");
    assert_eq!(
        errors,
        [
            "7:5 projects `Acme/Shop` and `acme/shop` are one project on GitLab | GitLab matches project paths ignoring case; declare it once"
        ]
    );
}

#[test]
fn the_instance_defaults_to_the_only_one_and_a_named_one_must_exist() {
    assert_eq!(
        KIT.errors(&project("      provider: gl2\n")),
        ["8:17 no `gitlab` provider named `gl2` | did you mean `gl`?"]
    );
    let dir = tempfile::tempdir().unwrap();
    let none = KIT.load_in(dir.path(), "gitlab:\n  projects:\n    acme/shop: {}\n");
    let rendered = render(&none.unwrap_err());
    assert!(
        rendered.contains("no provider of type `gitlab` is declared"),
        "{rendered}"
    );
}

#[test]
fn the_schema_closes_every_shape_and_offers_the_closed_sets() {
    let schema = registry::language().editor_schema();
    let defs = &schema["$defs"];
    assert_eq!(
        schema["properties"]["gitlab"]["$ref"],
        "#/$defs/GitlabSection"
    );
    for shape in [
        "GitlabSection",
        "GitlabProject",
        "GitlabEnvironment",
        "GitlabProtection",
        "GitlabDeployer",
        "GitlabApprover",
        "GitlabDeployment",
    ] {
        assert_eq!(defs[shape]["additionalProperties"], false, "{shape}");
        assert!(
            defs[shape]["description"].is_string(),
            "{shape} is explained"
        );
    }
    assert_eq!(
        defs["GitlabDeployment"]["required"],
        json!(["environment", "ref"])
    );
    let tier = &defs["GitlabEnvironment"]["properties"]["tier"];
    assert_eq!(tier["examples"], json!(super::super::TIERS));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let text = std::fs::read_to_string(reference_path()).unwrap();
    let document: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    assert!(validator.is_valid(&document));
}
