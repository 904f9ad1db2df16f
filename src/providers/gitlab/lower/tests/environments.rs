//! Environments: names, settings and their closed sets, `renamed_from`.

use serde_json::json;

use super::*;

#[test]
fn only_the_settings_written_are_managed_and_the_name_always_is() {
    assert_eq!(
        attributes_of(&production("          protect: true\n"), PRODUCTION),
        json!({ "name": "production" })
    );
    let r = KIT.resources(&production(
        "          tier: staging\n          description: \"\"\n",
    ));
    let environment = find(&r, PRODUCTION);
    assert_eq!(
        environment.attributes,
        json!({ "name": "production", "tier": "staging", "description": "" })
    );
    assert!(!environment.prune, "the project's prune is off");
    assert_eq!(r.len(), 2, "no protection when none is declared");
}

#[test]
fn every_tier_and_auto_stop_setting_is_accepted() {
    for tier in super::super::TIERS {
        let body = format!("          tier: {tier}\n");
        assert_eq!(attributes_of(&production(&body), PRODUCTION)["tier"], *tier);
    }
    for setting in super::super::AUTO_STOP_SETTINGS {
        let body = format!("          auto_stop_setting: {setting}\n");
        assert_eq!(
            attributes_of(&production(&body), PRODUCTION)["auto_stop_setting"],
            *setting
        );
    }
}

#[test]
fn a_value_outside_a_closed_set_is_located_with_did_you_mean() {
    let body = "          tier: prod\n          auto_stop_setting: with-action\n";
    assert_eq!(
        KIT.errors(&production(body)),
        [
            "10:17 unknown tier `prod` | did you mean `production`? (one of: production, staging, testing, development, other)",
            "11:30 unknown auto-stop setting `with-action` | did you mean `with_action`? (one of: always, with_action)",
        ]
    );
    let errors = KIT.errors(&production("          tier: qa\n"));
    assert_eq!(
        errors,
        ["10:17 unknown tier `qa` | one of: production, staging, testing, development, other"]
    );
}

#[test]
fn a_bad_tier_is_located_with_a_hint() {
    insta::assert_snapshot!(KIT.rendered(&production("          tier: prod\n")));
}

#[test]
fn names_follow_gitlabs_environment_pattern() {
    for name in [
        "review/feature-1",
        "Prod EU",
        "deploy/a$b{c}",
        "a",
        "v1.2_x",
    ] {
        let section = project(&format!("      environments:\n        \"{name}\": {{}}\n"));
        let r = KIT.resources(&section);
        assert_eq!(r[1].attributes, json!({ "name": name }), "{name}");
    }
    let section = project(
        "      environments:\n        /review: {}\n        \"prod:eu\": {}\n        \"x\": {}\n        on: {}\n",
    );
    let errors = KIT.errors(&section);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("9:9 invalid environment name `/review` |")
            && errors[0].contains("start or end with `/`"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("10:9 invalid environment name `prod:eu` |")
            && errors[1].contains("not `:`"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("12:9 environment `on` would be named `true` |"),
        "{errors:#?}"
    );
}

#[test]
fn urls_lengths_and_kubernetes_settings_follow_gitlabs_model() {
    let body = format!(
        "          external_url: shop.example.com\n          description: \"{}\"\n          kubernetes_namespace: Shop_1\n",
        "d".repeat(10_001)
    );
    let errors = KIT.errors(&production(&body));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("10:25 `external_url` `shop.example.com` is not an http(s) URL | write the whole URL, e.g. `https://shop.example.com`"), "{errors:#?}");
    assert!(
        errors[1].starts_with(
            "11:24 `description` is 10001 characters long | GitLab keeps at most 10000"
        ),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("12:33 invalid Kubernetes namespace `Shop_1` |"),
        "{errors:#?}"
    );
    let flux = "          flux_resource_path: helm.toolkit.fluxcd.io/v2/namespaces/shop/helmreleases/shop\n";
    assert_eq!(
        KIT.errors(&production(flux)),
        [
            "10:31 a Flux resource path needs a Kubernetes namespace | GitLab keeps `flux_resource_path` only with `kubernetes_namespace`: set both"
        ]
    );
}

#[test]
fn a_value_from_a_secret_is_never_repeated_in_a_diagnostic() {
    let body = "          tier: ${secret.SECRET_TIER}\n          external_url: ${secret.SECRET_URL}\n          kubernetes_namespace: ${secret.SECRET_URL}\n";
    let rendered = KIT.rendered(&production(body));
    for fact in [
        "unknown tier (a secret)",
        "`external_url` (a secret) is not an http(s) URL",
        "invalid Kubernetes namespace (a secret)",
    ] {
        assert!(rendered.contains(fact), "{fact}: {rendered}");
    }
    assert!(!rendered.contains("5ec2e7"), "{rendered}");
}

#[test]
fn a_rename_names_another_environment_that_is_not_declared() {
    let r = KIT.resources(&production("          renamed_from: prod\n"));
    assert_eq!(
        find(&r, PRODUCTION).attributes,
        json!({ "name": "production", "renamed_from": "prod" })
    );
    let body = "      environments:\n        production:\n          renamed_from: production\n        staging:\n          renamed_from: production\n        live:\n          renamed_from: old\n        main:\n          renamed_from: old\n        qa:\n          renamed_from: /qa\n";
    let errors = KIT.errors(&project(body));
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("18:25 invalid previous environment name `/qa`")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e
                .starts_with("16:25 environments `live` and `main` are both renamed from `old`")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("10:25 environment `production` is renamed from itself")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with(
            "12:25 environment `staging` is renamed from `production`, which is declared too"
        )),
        "{errors:#?}"
    );
}
