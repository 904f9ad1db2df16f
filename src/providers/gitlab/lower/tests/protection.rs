//! Protection: deployers and approval rules, each entry one principal, canonical and in
//! the order written (compared as sets), every rule located at its entry.

use serde_json::json;

use super::*;

#[test]
fn entries_become_canonical_and_defaults_are_written_out() {
    let body = "            deployers:\n              - user: alice\n              - group: acme/ops\n            approvals:\n              - user: bob\n              - group: acme/ops\n                inherited: true\n                required_approvals: 3\n";
    let protection = attributes_of(&protected(body), PROTECTION);
    assert_eq!(
        protection,
        json!({
            "deployers": [
                { "user": "alice" },
                { "group": "acme/ops", "inherited": false },
            ],
            "approvals": [
                { "user": "bob", "required_approvals": 1 },
                { "group": "acme/ops", "inherited": true, "required_approvals": 3 },
            ],
        })
    );
    let only_deployers = "            deployers:\n              - access_level: developer\n";
    assert_eq!(
        attributes_of(&protected(only_deployers), PROTECTION),
        json!({ "deployers": [{ "access_level": "developer" }], "approvals": [] })
    );
}

#[test]
fn the_pure_entry_builder_gives_fetch_the_same_shape() {
    use super::super::{Principal, access_level_of, entry_json};
    assert_eq!(
        entry_json(&Principal::AccessLevel(40), None),
        json!({ "access_level": "maintainer" })
    );
    assert_eq!(
        entry_json(&Principal::AccessLevel(50), Some(1)),
        json!({ "access_level": "50", "required_approvals": 1 }),
        "a level GitLab adds later shows as its number"
    );
    let group = Principal::Group {
        path: "acme/ops".into(),
        inherited: false,
    };
    assert_eq!(
        serde_json::to_string(&entry_json(&group, Some(2))).unwrap(),
        r#"{"group":"acme/ops","inherited":false,"required_approvals":2}"#
    );
    for word in ["developer", "maintainer", "admin"] {
        let level = access_level_of(word).unwrap();
        assert_eq!(
            entry_json(&Principal::AccessLevel(level), None)["access_level"],
            word
        );
    }
}

#[test]
fn an_entry_names_exactly_one_principal() {
    let body = "            deployers:\n              - access_level: maintainer\n                user: alice\n              - inherited: true\n";
    let errors = KIT.errors(&protected(body));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(
        errors[0],
        "12:17 this deployer names 2 principals (`access_level` and `user`); an entry names one | GitLab takes exactly one of `access_level`, `user`, `group` per entry: split this one into 2 entries"
    );
    assert!(
        errors[1].starts_with("14:17 this deployer names nobody |"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with(
            "14:28 `inherited` applies to a group, and this deployer names no group |"
        ),
        "{errors:#?}"
    );
}

#[test]
fn two_principals_in_one_entry_are_located_at_the_entry() {
    let body = "            deployers:\n              - access_level: maintainer\n              - user: alice\n                group: acme/ops\n";
    insta::assert_snapshot!(KIT.rendered(&protected(body)));
}

#[test]
fn a_role_outside_gitlabs_roles_is_located_at_its_entry() {
    let body = "            deployers:\n              - user: alice\n              - access_level: maintainr\n            approvals:\n              - access_level: owner\n";
    let diagnostics = KIT.load(&protected(body)).unwrap_err();
    let messages: Vec<(&str, Option<&str>)> = (diagnostics.0.iter())
        .map(|d| (d.message.as_str(), d.help.as_deref()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "unknown access level `maintainr`",
                Some("did you mean `maintainer`? (one of: developer, maintainer, admin)")
            ),
            (
                "unknown access level `owner`",
                Some("one of: developer, maintainer, admin")
            ),
        ]
    );
    let rendered = KIT.rendered(&protected(body));
    assert!(rendered.contains("deployplan.yaml:13:31"), "{rendered}");
}

#[test]
fn required_approvals_are_1_to_5_and_a_user_approves_once() {
    for n in 1..=5 {
        let body = format!(
            "            deployers: [{{ access_level: maintainer }}]\n            approvals:\n              - group: acme/ops\n                required_approvals: {n}\n"
        );
        assert_eq!(
            attributes_of(&protected(&body), PROTECTION)["approvals"][0]["required_approvals"],
            n
        );
    }
    let body = "            deployers: [{ access_level: maintainer }]\n            approvals:\n              - group: acme/ops\n                required_approvals: 6\n              - user: alice\n                required_approvals: 2\n              - user: bob\n                required_approvals: 1\n";
    let errors = KIT.errors(&protected(body));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("14:37 `required_approvals` is 6; GitLab takes 1 to 5 |"),
        "{errors:#?}"
    );
    assert!(
        errors[1]
            .starts_with("16:37 a user approves once, so `required_approvals: 2` cannot be met |"),
        "{errors:#?}"
    );
}

#[test]
fn zero_required_approvals_are_located_with_the_range() {
    let body = "            deployers: [{ access_level: maintainer }]\n            approvals:\n              - access_level: developer\n                required_approvals: 0\n";
    insta::assert_snapshot!(KIT.rendered(&protected(body)));
}

#[test]
fn a_protection_has_a_deployer() {
    let errors = KIT.errors(&protected(
        "            approvals: [{ access_level: maintainer }]\n",
    ));
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("10:11 a protected environment lists at least one deployer |"),
        "{errors:#?}"
    );
    let errors = KIT.errors(&protected("            deployers: []\n"));
    assert!(
        errors[0].starts_with("11:24 a protected environment lists at least one deployer |"),
        "{errors:#?}"
    );
}

#[test]
fn each_principal_is_listed_once_ignoring_case() {
    let body = "            deployers:\n              - user: alice\n              - user: Alice\n              - group: acme/ops\n              - group: ACME/ops\n                inherited: true\n              - access_level: admin\n              - access_level: admin\n            approvals:\n              - group: acme/ops\n              - group: acme/ops\n                required_approvals: 2\n";
    let errors = KIT.errors(&protected(body));
    let help = "GitLab matches usernames and group paths ignoring case; list each principal once";
    assert_eq!(
        errors,
        [
            format!("13:17 the deployer `user: Alice` is listed twice | {help}"),
            format!("15:17 the deployer `group: ACME/ops` is listed twice | {help}"),
            format!("18:17 the deployer `access_level: admin` is listed twice | {help}"),
            format!("21:17 the approval rule `group: acme/ops` is listed twice | {help}"),
        ]
    );
}

#[test]
fn users_and_groups_are_well_formed() {
    let body = "            deployers:\n              - user: \"al ice\"\n              - group: acme//ops\n";
    let errors = KIT.errors(&protected(body));
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0].starts_with("12:23 invalid username `al ice` |"),
        "{errors:#?}"
    );
    assert!(
        errors[1].starts_with("13:24 invalid group `acme//ops` |"),
        "{errors:#?}"
    );
}

#[test]
fn every_error_of_one_environment_is_reported_at_once() {
    let body = "          tier: prod\n          protection:\n            deployers:\n              - user: alice\n                group: acme/ops\n            approvals:\n              - access_level: maintainer\n                required_approvals: 0\n";
    let errors = KIT.errors(&production(body));
    assert_eq!(errors.len(), 3, "{errors:#?}");
}
