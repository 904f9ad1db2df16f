//! GitLab's name rules as classes: generated names GitLab accepts are accepted, generated
//! names breaking one rule are refused with a hint naming it.

use proptest::prelude::*;

use super::*;

/// A character GitLab allows in an environment name, `/` aside.
const ENV_CHAR: &str = "[a-zA-Z0-9_$.{} -]";

fn environment_name() -> impl Strategy<Value = String> {
    (ENV_CHAR, "[a-zA-Z0-9_/$.{} -]{0,60}", ENV_CHAR)
        .prop_map(|(first, middle, last)| format!("{first}{middle}{last}"))
        .prop_filter("not blank", |n| !n.trim().is_empty())
}

/// A group path segment GitLab accepts.
fn group() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_]",
        "[a-zA-Z0-9_.][a-zA-Z0-9_.-]{0,20}[a-zA-Z0-9_-]",
    ]
    .prop_filter("no .git/.atom", |g| {
        !g.ends_with(".git") && !g.ends_with(".atom")
    })
}

/// A project path segment GitLab accepts.
fn project() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.][a-zA-Z0-9_.-]{0,20}".prop_filter("no .git/.atom", |p| {
        !p.ends_with(".git") && !p.ends_with(".atom")
    })
}

/// A branch or tag name Git and GitLab accept.
fn git_ref() -> impl Strategy<Value = String> {
    prop::collection::vec(
        "[a-zA-Z0-9][a-zA-Z0-9_+-]{0,8}(\\.[a-zA-Z0-9][a-zA-Z0-9_-]{0,4})?",
        1..4,
    )
    .prop_map(|parts| parts.join("/"))
    .prop_filter("not .lock", |r| !r.ends_with(".lock"))
}

proptest! {
    #[test]
    fn refs_git_accepts_are_accepted(name in git_ref()) {
        prop_assert_eq!(ref_problem(&name), None);
    }

    #[test]
    fn a_ref_breaking_one_git_rule_is_refused(
        head in git_ref(),
        tail in git_ref(),
        breakage in prop_oneof![
            "[ ~^:?*\\[\\\\\\x00-\\x1f\\x7f]",
            Just("..".to_owned()),
            Just("/.".to_owned()),
            Just("//".to_owned()),
            Just("@{".to_owned()),
        ],
    ) {
        let name = format!("{head}{breakage}{tail}");
        prop_assert!(ref_problem(&name).is_some(), "{:?}", name);
        for edge in [format!("/{head}"), format!("{head}/"), format!("{head}."), format!("{head}.lock")] {
            prop_assert!(ref_problem(&edge).is_some(), "{:?}", edge);
        }
    }

    #[test]
    fn usernames_follow_the_namespace_rule(name in group()) {
        prop_assert_eq!(user_problem(&name), None);
        for bad in [format!("-{name}"), format!("{name} x"), format!("{name}.git"), format!("{name}.")] {
            prop_assert!(user_problem(&bad).is_some(), "{}", bad);
        }
    }

    #[test]
    fn environment_names_of_gitlabs_pattern_are_accepted(name in environment_name()) {
        prop_assert_eq!(environment_problem(&name), None);
    }

    #[test]
    fn a_character_outside_the_pattern_is_named(
        head in environment_name(),
        bad in "[^a-zA-Z0-9_/$.{} -]",
        tail in "[a-z]{1,4}",
    ) {
        let name = format!("{head}{bad}{tail}");
        let hint = environment_problem(&name).expect("refused");
        prop_assert!(hint.contains("only letters, digits, spaces"), "{}", hint);
    }

    #[test]
    fn a_slash_at_either_end_is_refused(name in environment_name(), front in any::<bool>()) {
        let name = if front { format!("/{name}") } else { format!("{name}/") };
        let hint = environment_problem(&name).expect("refused");
        prop_assert!(hint.contains("start or end with `/`"), "{}", hint);
    }

    #[test]
    fn names_over_255_characters_are_refused(extra in 1usize..50) {
        let name = "a".repeat(MAX_ENVIRONMENT_NAME + extra);
        prop_assert!(environment_problem(&name).expect("refused").contains("at most 255"));
        prop_assert_eq!(environment_problem(&"a".repeat(MAX_ENVIRONMENT_NAME)), None);
    }

    #[test]
    fn project_paths_of_gitlabs_pattern_are_accepted(
        groups in prop::collection::vec(group(), 1..=MAX_GROUP_DEPTH),
        project in project(),
    ) {
        let path = format!("{}/{project}", groups.join("/"));
        prop_assert_eq!(project_problem(&path), None, "{}", path);
        prop_assert_eq!(group_problem(&groups.join("/")), None);
    }

    #[test]
    fn a_path_part_breaking_one_rule_is_refused(
        groups in prop::collection::vec(group(), 1..4),
        project in project(),
        at in any::<prop::sample::Index>(),
        breakage in prop_oneof![
            "-[a-z]{1,5}",
            "[a-z]{1,5}\\.git",
            "[a-z]{1,5}\\.atom",
            "[a-z]{0,3}[^a-zA-Z0-9_./-][a-z]{0,3}",
            Just(String::new()),
        ],
    ) {
        let mut parts = groups.clone();
        parts.push(project);
        let i = at.index(parts.len());
        parts[i] = breakage;
        let path = parts.join("/");
        prop_assert!(project_problem(&path).is_some(), "{}", path);
    }

    #[test]
    fn a_group_path_ending_in_a_dot_is_refused_but_a_project_path_is_not(g in group()) {
        let path = format!("{g}./shop");
        prop_assert!(project_problem(&path).expect("refused").contains("end in `.`"));
        prop_assert_eq!(project_problem(&format!("{g}/shop.")), None);
    }

    #[test]
    fn numeric_ids_are_accepted(id in 1u64..u64::MAX) {
        prop_assert_eq!(project_problem(&id.to_string()), None);
    }

    #[test]
    fn full_lower_case_shas_are_accepted_and_others_explained(
        sha in "[0-9a-f]{40}",
        cut in 1usize..40,
        upper in "[A-F]",
    ) {
        prop_assert_eq!(sha_problem(&sha), None);
        let short = &sha[..cut];
        let expected = format!("not {cut}");
        prop_assert!(sha_problem(short).expect("refused").contains(&expected));
        let shouting = format!("{upper}{}", &sha[1..]);
        prop_assert!(sha_problem(&shouting).expect("refused").contains("lower case"));
    }

    #[test]
    fn kubernetes_namespaces_are_dns_labels(label in "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?") {
        prop_assert_eq!(namespace_problem(&label), None);
        let (dash, underscore) = (format!("{label}-"), format!("{label}_x"));
        prop_assert!(namespace_problem(&dash).is_some());
        prop_assert!(namespace_problem(&underscore).is_some());
    }
}

#[test]
fn groups_nest_at_most_21_deep() {
    let deep = vec!["g"; MAX_GROUP_DEPTH + 1].join("/");
    assert!(
        project_problem(&format!("{deep}/shop"))
            .unwrap()
            .contains("at most 21")
    );
    assert!(group_problem(&deep).unwrap().contains("at most 21"));
    assert!(project_problem("shop").unwrap().contains("`group/project`"));
    assert!(project_problem("/shop").is_some());
    assert!(project_problem("000").unwrap().contains("positive"));
    assert!(environment_problem("   ").unwrap().contains("not empty"));
}
