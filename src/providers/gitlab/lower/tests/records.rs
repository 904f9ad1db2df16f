//! Deployment records: their environment, ref and sha, one record per environment.

use serde_json::json;

use super::*;

/// `production` (with `env_body`) and the records `records` (indented under
/// `deployments:`, first line: line 12 when `env_body` is one line).
fn records(env_body: &str, records: &str) -> String {
    production(&format!("{env_body}      deployments:\n{records}"))
}

const WEB: &str = "gl.project.\"acme/shop\".deployment.web";

#[test]
fn a_record_is_ordered_after_its_environment_and_its_protection() {
    let section = records(
        "          protection:\n            deployers: [{ access_level: maintainer }]\n",
        "        web:\n          environment: production\n          ref: main\n",
    );
    let r = KIT.resources(&section);
    let record = find(&r, WEB);
    assert_eq!(
        record.attributes,
        json!({ "environment": "production", "ref": "main", "tag": false })
    );
    let edges: Vec<&str> = record.depends_on.iter().map(|a| a.as_str()).collect();
    assert_eq!(edges, [PROJECT, PRODUCTION, PROTECTION]);
    assert_eq!(record.parent.as_ref().map(|a| a.as_str()), Some(PROJECT));
}

#[test]
fn a_record_names_an_environment_declared_in_its_project() {
    let section = records(
        "          renamed_from: prod\n        staging: {}\n",
        "        web:\n          environment: prodution\n          ref: main\n        api:\n          environment: qa\n          ref: main\n        old:\n          environment: prod\n          ref: main\n",
    );
    let errors = KIT.errors(&section);
    assert_eq!(
        errors,
        [
            "14:24 environment `prodution` is not declared in this project | did you mean `production`? (declared here: production, staging)",
            "17:24 environment `qa` is not declared in this project | declared here: production, staging; declare it under `environments:` (`qa: {}` records without managing it)",
            "20:24 environment `prod` is not declared in this project | `prod` is renamed to `production`: record `production`",
        ]
    );
}

#[test]
fn an_unknown_record_environment_is_located_with_the_declared_ones() {
    let section = records(
        "          tier: production\n        staging: {}\n",
        "        web:\n          environment: Production\n          ref: main\n",
    );
    insta::assert_snapshot!(KIT.rendered(&section));
}

#[test]
fn environment_names_are_exact() {
    let section = records(
        "          {}\n",
        "        web:\n          environment: Production\n          ref: main\n",
    );
    let errors = KIT.errors(&section);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("13:24 environment `Production` is not declared in this project | did you mean `production`?"), "{errors:#?}");
}

#[test]
fn a_literal_sha_is_40_lower_case_hex_digits() {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let r = KIT.resources(&records("          {}\n", &format!("        web:\n          environment: production\n          ref: v1\n          tag: true\n          sha: \"{sha}\"\n")));
    assert_eq!(
        find(&r, WEB).attributes,
        json!({ "environment": "production", "ref": "v1", "tag": true, "sha": sha })
    );
    for (bad, hint) in [
        ("0123456", "not 7"),
        ("0123456789ABCDEF0123456789ABCDEF01234567", "lower case"),
        ("g123456789abcdef0123456789abcdef01234567", "hex digits"),
        ("", "not 0"),
    ] {
        let section = records(
            "          {}\n",
            &format!(
                "        web:\n          environment: production\n          ref: main\n          sha: \"{bad}\"\n"
            ),
        );
        let errors = KIT.errors(&section);
        assert_eq!(errors.len(), 1, "{bad}: {errors:#?}");
        assert!(
            errors[0].starts_with(&format!(
                "15:16 `sha` `{bad}` of deployment record `web` is not a commit SHA |"
            )),
            "{errors:#?}"
        );
        assert!(errors[0].contains(hint), "{hint}: {errors:#?}");
    }
}

#[test]
fn an_interpolated_sha_is_checked_as_it_arrives_and_a_secret_one_is_not_shown() {
    let ok = records(
        "          {}\n",
        "        web:\n          environment: production\n          ref: main\n          sha: ${env.CI_COMMIT_SHA}\n",
    );
    assert_eq!(
        attributes_of(&ok, WEB)["sha"],
        "0123456789abcdef0123456789abcdef01234567"
    );
    let short = records(
        "          {}\n",
        "        web:\n          environment: production\n          ref: main\n          sha: ${env.SHORT_SHA}\n",
    );
    let errors = KIT.errors(&short);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]
            .starts_with("15:16 `sha` `0123456` of deployment record `web` is not a commit SHA |"),
        "{errors:#?}"
    );
    for (name, value) in [
        ("SECRET_SHA", "not-a-sha-but-secret-7f3e"),
        ("SHOUTED_SHA", "0123456789ABCDEF0123456789ABCDEF01234567"),
    ] {
        let secret = records(
            "          {}\n",
            &format!(
                "        web:\n          environment: production\n          ref: main\n          sha: ${{secret.{name}}}\n"
            ),
        );
        let rendered = KIT.rendered(&secret);
        assert!(
            rendered.contains("`sha` (a secret) of deployment record `web` is not a commit SHA"),
            "{rendered}"
        );
        assert!(
            !rendered.to_lowercase().contains(&value.to_lowercase()),
            "{rendered}"
        );
    }
}

#[test]
fn one_record_per_environment_and_refs_are_one_token() {
    let section = records(
        "          {}\n",
        "        web:\n          environment: production\n          ref: main\n        api:\n          environment: production\n          ref: \"release 2\"\n        app:\n          environment: production\n          ref: main\n",
    );
    let errors = KIT.errors(&section);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "13:24 deployment records `app` and `web` both record environment `production` |"
        ),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("17:16 invalid `ref` of deployment record `api` |"),
        "{errors:#?}"
    );
}

#[test]
fn a_record_of_an_environment_left_out_for_its_own_error_is_not_reported_again() {
    let section = records(
        "          tier: [production]\n",
        "        web:\n          environment: production\n          ref: main\n",
    );
    let errors = KIT.errors(&section);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("10:17 wrong type"), "{errors:#?}");
}
