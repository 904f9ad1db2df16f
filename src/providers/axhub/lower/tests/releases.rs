//! Releases: their app, commit and timeout, one release per app.

use serde_json::json;

use super::*;
use crate::manifest::testkit::find;

const RELEASE: &str = "ax.release.shop-prod";

/// One release `shop-prod` of `app` with `commit` and `more` (lines 10 on).
fn one(app: &str, commit: &str, more: &str) -> String {
    releases(&format!(
        "    shop-prod:\n      app: {app}\n      commit: {commit}\n{more}"
    ))
}

#[test]
fn a_release_of_an_undeclared_app_names_it_by_slug_only() {
    let r = KIT.resources(&one(
        "blog",
        "${env.GITHUB_SHA}",
        "      force_rebuild: true\n      timeout_seconds: 600\n",
    ));
    assert_eq!(r.len(), 1, "no resource is made for the app: {r:#?}");
    let release = find(&r, RELEASE);
    assert_eq!(
        release.attributes,
        json!({ "app": "blog", "commit": SHA, "force_rebuild": true, "timeout_seconds": 600 })
    );
    assert!(release.depends_on.is_empty(), "{:?}", release.depends_on);
    assert_eq!(release.provenance_of("commit").unwrap().line, 10);
}

#[test]
fn a_commit_is_40_lower_case_hex_digits_as_it_arrives() {
    for (bad, hint) in [
        ("main", "never a branch or tag"),
        ("\"0123456\"", "not 7"),
        (
            "\"0123456789ABCDEF0123456789ABCDEF01234567\"",
            "write `0123456789abcdef0123456789abcdef01234567`",
        ),
        ("${env.SHORT_SHA}", "not 7"),
    ] {
        let errors = KIT.errors(&one("shop", bad, ""));
        assert_eq!(errors.len(), 1, "{bad}: {errors:#?}");
        assert!(errors[0].starts_with("10:15 `commit` `"), "{errors:#?}");
        assert!(errors[0].contains(hint), "{hint}: {errors:#?}");
    }
    let rendered = KIT.rendered(&one("shop", "${secret.SECRET_SHA}", ""));
    assert!(
        rendered.contains("`commit` (a secret) of release `shop-prod` is not a commit SHA"),
        "{rendered}"
    );
    assert!(!rendered.contains("not-a-sha-but-secret"), "{rendered}");
}

#[test]
fn a_bad_commit_is_located_with_why() {
    insta::assert_snapshot!(KIT.rendered(&one("shop", "${env.SHORT_SHA}", "")));
}

#[test]
fn a_release_names_an_app_by_slug_and_a_timeout_in_range() {
    let errors = KIT.errors(&one(
        "Shop",
        "${env.GITHUB_SHA}",
        "      timeout_seconds: 1800000\n",
    ));
    assert_eq!(
        errors,
        [
            "9:12 release `shop-prod` names `Shop`, which is not an app slug | an app slug is 2–64 lower-case letters, digits and `-`, not `S`: did you mean `shop`?",
            "11:24 release `shop-prod` would be followed for no sensible time | `timeout_seconds` is 1 to 86400 (a day): did you mean `1800`? (seconds, not milliseconds)",
        ]
    );
    let errors = KIT.errors(&one(
        "${secret.SECRET_APP}",
        "${env.GITHUB_SHA}",
        "      timeout_seconds: 0\n",
    ));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        errors[0],
        "9:12 release `shop-prod` names (a secret), which is not an app slug | an app slug is 2–64 lower-case letters, digits and `-`"
    );
    assert!(
        errors[1].ends_with("| `timeout_seconds` is 1 to 86400 (a day)"),
        "{errors:#?}"
    );
}

#[test]
fn one_release_per_app() {
    let section = releases(&format!(
        "    a:\n      app: shop\n      commit: {SHA}\n    b:\n      app: shop\n      commit: {SHA}\n    c:\n      app: blog\n      commit: {SHA}\n"
    ));
    let errors = KIT.errors(&section);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "12:12 releases `a` and `b` both deploy app `shop` | an app runs one commit"
        ),
        "{errors:#?}"
    );
}

#[test]
fn a_release_key_read_as_a_boolean_is_reported_once() {
    let section = format!(
        "axhub:\n  apps:\n    shop:\n      staging: false\n  releases:\n    on:\n      app: shop\n      commit: {SHA}\n"
    );
    let errors = KIT.errors(&section);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("11:5 release `on` would be named `true`"),
        "{errors:#?}"
    );
}
