//! GitHub's name rules as classes: generated valid names are accepted, generated names
//! breaking one rule are refused with a hint.

use proptest::prelude::*;

use super::*;

/// A variable or secret name GitHub accepts, as the manifest writes it (upper case).
fn variable_name() -> impl Strategy<Value = String> {
    "[A-Z_][A-Z0-9_]{0,40}".prop_filter("not GitHub's prefix", |n| !n.starts_with("GITHUB_"))
}

fn owner() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9_-]{0,38}"
}

fn repository_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._-]{1,100}".prop_filter("not . or ..", |n| n != "." && n != "..")
}

proptest! {
    #[test]
    fn valid_variable_names_are_accepted(name in variable_name()) {
        prop_assert_eq!(variable_problem(&name), None);
    }

    #[test]
    fn a_character_outside_letters_digits_and_underscore_is_refused(
        head in variable_name(),
        bad in "[^A-Za-z0-9_]",
        tail in "[A-Z0-9_]{0,5}",
    ) {
        let name = format!("{head}{bad}{tail}");
        let hint = variable_problem(&name).expect("refused");
        prop_assert!(hint.contains("letters, digits and `_`"), "{}", hint);
    }

    #[test]
    fn a_leading_digit_is_refused_with_a_fixed_spelling(digit in "[0-9]", tail in "[A-Z0-9_]{0,10}") {
        let name = format!("{digit}{tail}");
        let hint = variable_problem(&name).expect("refused");
        let fixed = format!("_{name}");
        let suggested = format!("did you mean `{fixed}`?");
        prop_assert!(hint.contains(&suggested), "{}", hint);
    }

    #[test]
    fn the_github_prefix_is_refused_in_any_case(prefix in "[Gg][Ii][Tt][Hh][Uu][Bb]_", tail in "[A-Z0-9_]{0,10}") {
        let hint = variable_problem(&format!("{prefix}{tail}")).expect("refused");
        prop_assert!(hint.contains("reserved"), "{}", hint);
    }

    #[test]
    fn lower_case_is_refused_with_the_upper_case_spelling(name in "[a-z_][a-z0-9_]{0,20}") {
        prop_assume!(name.chars().any(|c| c.is_ascii_lowercase()));
        prop_assume!(!name.to_ascii_uppercase().starts_with("GITHUB_"));
        let hint = variable_problem(&name).expect("refused");
        let upper = format!("write `{}`", name.to_ascii_uppercase());
        prop_assert!(hint.contains(&upper), "{}", hint);
    }

    #[test]
    fn valid_repositories_are_accepted(owner in owner(), name in repository_name()) {
        let full_name = format!("{owner}/{name}");
        prop_assert_eq!(repository_problem(&full_name), None);
    }

    #[test]
    fn a_repository_without_exactly_one_slash_is_refused(
        owner in owner(),
        name in repository_name(),
        extra in repository_name(),
    ) {
        let two_slashes = format!("{owner}/{name}/{extra}");
        prop_assert!(repository_problem(&owner).is_some());
        prop_assert!(repository_problem(&two_slashes).is_some());
    }

    #[test]
    fn a_repository_with_a_character_github_refuses_is_refused(
        owner in owner(),
        name in repository_name(),
        bad in "[^A-Za-z0-9._/-]",
    ) {
        let (in_name, in_owner) = (format!("{owner}/{name}{bad}"), format!("{owner}{bad}/{name}"));
        prop_assert!(repository_problem(&in_name).is_some());
        prop_assert!(repository_problem(&in_owner).is_some());
    }

    #[test]
    fn too_long_repository_parts_are_refused(owner in "[a-z]{40,60}", name in "[a-z]{101,120}") {
        let (long_owner, long_name) = (format!("{owner}/shop"), format!("octo-org/{name}"));
        prop_assert!(repository_problem(&long_owner).is_some());
        prop_assert!(repository_problem(&long_name).is_some());
    }

    #[test]
    fn environment_names_of_printable_characters_are_accepted(name in "[^\\p{Cc}\\s][^\\p{Cc}]{0,253}[^\\p{Cc}\\s]") {
        prop_assert_eq!(environment_problem(&name), None);
    }

    #[test]
    fn environment_names_with_a_control_character_are_refused(
        head in "[a-z]{1,10}",
        control in "\\p{Cc}",
        tail in "[a-z]{1,10}",
    ) {
        let name = format!("{head}{control}{tail}");
        prop_assert!(environment_problem(&name).is_some());
    }

    #[test]
    fn environment_names_over_255_characters_are_refused(name in "[a-zé]{256,300}") {
        prop_assert!(environment_problem(&name).is_some());
    }

    #[test]
    fn tokens_with_whitespace_are_refused(head in "[a-z/]{0,8}", space in "\\s", tail in "[a-z]{0,8}") {
        let token = format!("{head}{space}{tail}");
        prop_assert!(token_problem(&token, "a ref").is_some());
    }

    #[test]
    fn tokens_without_whitespace_are_accepted(token in "[^\\s\\p{Cc}]{1,40}") {
        prop_assert_eq!(token_problem(&token, "a ref"), None);
    }
}

#[test]
fn edge_names() {
    assert!(repository_problem("octo-org/.").is_some());
    assert!(repository_problem("octo-org/..").is_some());
    assert!(repository_problem("-octo/shop").is_some());
    assert!(repository_problem("/shop").is_some());
    assert!(repository_problem("octo-org/").is_some());
    assert_eq!(repository_problem("octo-org/shop.web_v2"), None);
    assert!(environment_problem("").is_some());
    assert!(environment_problem("   ").is_some());
    assert!(environment_problem(" production").is_some());
    assert_eq!(environment_problem("review/pr-1"), None);
    assert!(variable_problem("").is_some());
    assert!(token_problem("", "a ref").is_some());
    assert_eq!(
        variable_problem("api-url").as_deref(),
        Some(
            "names are ASCII letters, digits and `_`, not starting with a digit (did you mean `API_URL`?)"
        )
    );
    // No suggestion when the fixed spelling would itself be refused.
    assert_eq!(
        variable_problem("github-token").as_deref(),
        Some("names are ASCII letters, digits and `_`, not starting with a digit")
    );
}
