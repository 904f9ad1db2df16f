//! Apps: their slug, git connection and staging.

use serde_json::json;

use super::*;
use crate::manifest::testkit::find;

const SHOP: &str = "ax.app.shop";
const GIT: &str = "ax.app.shop.git_connection.shop";
const STAGING: &str = "ax.app.shop.staging.shop";

const GIT_BODY: &str = "      git:\n        repository: acme/shop\n        branch: main\n        installation: 12345\n";

#[test]
fn an_app_manages_only_what_it_declares() {
    let r = KIT.resources(&shop("      {}\n"));
    assert_eq!(r.len(), 1, "{r:#?}");
    assert_eq!(find(&r, SHOP).attributes, json!({}));
    let r = KIT.resources(&shop(&format!(
        "{GIT_BODY}      staging: true\n      protect: true\n"
    )));
    let git = find(&r, GIT);
    assert_eq!(
        git.attributes,
        json!({ "repository": "acme/shop", "branch": "main", "installation": 12345 })
    );
    assert_eq!(git.parent.as_ref().map(|a| a.as_str()), Some(SHOP));
    let staging = find(&r, STAGING);
    assert_eq!(staging.attributes, json!({ "enabled": true }));
    assert!(find(&r, SHOP).protect && git.protect && staging.protect);
    assert_eq!(staging.provenance_of("enabled").unwrap().line, 13);
}

#[test]
fn app_slugs_are_lower_case_words_of_two_to_64() {
    let errors = KIT.errors("axhub:\n  apps:\n    Shop_Web: {}\n    x: {}\n    on: {}\n");
    assert_eq!(
        errors,
        [
            "8:5 invalid app slug `Shop_Web` | an app slug is 2–64 lower-case letters, digits and `-`, not `S`: did you mean `shop-web`?",
            "9:5 invalid app slug `x` | an app slug is 2–64 lower-case letters, digits and `-` (1 here)",
            "10:5 app `on` would be named `true` | YAML reads `on` as `true`: quote the name, `\"on\": …`",
        ]
    );
}

#[test]
fn a_bad_slug_is_located_with_the_slug_meant() {
    insta::assert_snapshot!(KIT.rendered("axhub:\n  apps:\n    Shop: {}\n"));
}

#[test]
fn a_git_connection_names_every_field_and_each_is_checked() {
    let errors = KIT.errors(&shop("      git:\n        repository: acme\n"));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("9:7 the git connection of app `shop` lacks `branch` and `installation` | a connection is all three"), "{errors:#?}");
    assert!(
        errors[1]
            .starts_with("10:21 invalid repository `acme` | write the repository as `owner/name`"),
        "{errors:#?}"
    );
    let errors = KIT.errors(&shop(
        "      git:\n        repository: acme/shop\n        branch: \"feature..x\"\n        installation: 0\n",
    ));
    assert_eq!(
        errors,
        [
            "11:17 invalid branch `feature..x` | a branch or tag name does not contain `..`",
            "12:23 installation 0 is not a positive number | the id AxHub shows once its GitHub App is installed on the repository's account (e.g. `12345`)",
        ]
    );
    let errors = KIT.errors(&shop("      git:\n        repository: ${secret.SECRET_REPO}\n        branch: main\n        installation: 1\n"));
    assert_eq!(
        errors,
        ["10:21 invalid repository (a secret) | a repository is `owner/name`"]
    );
}

#[test]
fn staging_carries_the_consent_to_drop_its_schema_only_when_given() {
    // Whether `staging: false` disables anything depends on the app: plan decides, and
    // refuses a disable without the consent there.
    let r = KIT.resources(&shop("      staging: false\n"));
    assert_eq!(find(&r, STAGING).attributes, json!({ "enabled": false }));
    let r = KIT.resources(&shop(
        "      staging: false\n      confirm_discard_ops: true\n",
    ));
    let staging = find(&r, STAGING);
    assert_eq!(
        staging.attributes,
        json!({ "enabled": false, "confirm_discard_ops": true })
    );
    assert_eq!(
        staging.provenance_of("confirm_discard_ops").unwrap().line,
        10
    );
    let r = KIT.resources(&shop(
        "      staging: true\n      confirm_discard_ops: false\n",
    ));
    assert_eq!(find(&r, STAGING).attributes, json!({ "enabled": true }));
}

#[test]
fn unknown_fields_are_refused() {
    let errors = KIT.errors(&shop("      git:\n        repo: acme/shop\n"));
    assert!(
        errors[0].starts_with("10:9 unknown field `repo`"),
        "{errors:#?}"
    );
}
