//! Classes through the loader: any order of the same entries lowers to the same set of
//! canonical entries, and names GitLab accepts load.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::super::{Principal, entry_json};
use super::*;

/// A principal as the manifest writes it in a flow mapping, and as lowering should see it.
fn principal() -> impl Strategy<Value = (String, Principal)> {
    prop_oneof![
        prop::sample::select(vec![("developer", 30), ("maintainer", 40), ("admin", 60)]).prop_map(
            |(word, level)| (
                format!("access_level: {word}"),
                Principal::AccessLevel(level)
            )
        ),
        "[a-z][a-z0-9_.-]{0,8}[a-z0-9]"
            .prop_map(|user| (format!("user: \"{user}\""), Principal::User(user))),
        ("[a-z][a-z0-9]{0,6}/[a-z][a-z0-9-]{0,6}", any::<bool>()).prop_map(|(path, inherited)| (
            format!("group: {path}, inherited: {inherited}"),
            Principal::Group { path, inherited },
        )),
    ]
}

/// Distinct principals (by what GitLab tells apart), each with a number of approvals.
fn entries() -> impl Strategy<Value = Vec<(String, Principal, u32)>> {
    prop::collection::vec((principal(), 1u32..=5), 1..6).prop_map(|all| {
        let mut seen = BTreeSet::new();
        (all.into_iter())
            .filter(|((_, p), _)| seen.insert(key(p)))
            .map(|((text, p), n)| (text, p, n))
            .collect()
    })
}

fn key(principal: &Principal) -> String {
    match principal {
        Principal::AccessLevel(level) => format!("a{level}"),
        Principal::User(name) => format!("u{}", name.to_lowercase()),
        Principal::Group { path, .. } => format!("g{}", path.to_lowercase()),
    }
}

/// The protection text of `entries` in the given order: deployers, and the same
/// principals as approval rules (users approve once).
fn protection_text(entries: &[(String, Principal, u32)]) -> String {
    let mut text = String::from("            deployers:\n");
    for (entry, _, _) in entries {
        text.push_str(&format!("              - {{ {entry} }}\n"));
    }
    text.push_str("            approvals:\n");
    for (entry, principal, n) in entries {
        let n = if matches!(principal, Principal::User(_)) {
            1
        } else {
            *n
        };
        text.push_str(&format!(
            "              - {{ {entry}, required_approvals: {n} }}\n"
        ));
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn entries_in_any_order_lower_to_the_same_canonical_set(
        (written, shuffled) in entries().prop_flat_map(|e| (Just(e.clone()), Just(e).prop_shuffle())),
    ) {
        let first = attributes_of(&protected(&protection_text(&written)), PROTECTION);
        let second = attributes_of(&protected(&protection_text(&shuffled)), PROTECTION);
        let sorted = |list: &serde_json::Value| {
            let mut texts: Vec<String> =
                list.as_array().unwrap().iter().map(|v| v.to_string()).collect();
            texts.sort();
            texts
        };
        for list in ["deployers", "approvals"] {
            prop_assert_eq!(sorted(&first[list]), sorted(&second[list]));
            let texts = sorted(&first[list]);
            prop_assert!(texts.windows(2).all(|w| w[0] < w[1]), "distinct: {:?}", texts);
        }
        // In the order written, each entry canonical.
        let expected: Vec<serde_json::Value> =
            written.iter().map(|(_, p, _)| entry_json(p, None)).collect();
        prop_assert_eq!(&first["deployers"], &serde_json::Value::from(expected));
    }

    #[test]
    fn a_principal_listed_again_in_another_case_is_one_error_at_the_repeat(
        written in entries(),
        pick in any::<prop::sample::Index>(),
    ) {
        let (text, principal, _) = written[pick.index(written.len())].clone();
        let again = match &principal {
            Principal::User(name) => format!("user: \"{}\"", name.to_uppercase()),
            Principal::Group { path, .. } => format!("group: {}", path.to_uppercase()),
            Principal::AccessLevel(_) => text,
        };
        let mut body = String::from("            deployers:\n");
        for (entry, _, _) in &written {
            body.push_str(&format!("              - {{ {entry} }}\n"));
        }
        body.push_str(&format!("              - {{ {again} }}\n"));
        let errors = KIT.errors(&protected(&body));
        prop_assert_eq!(errors.len(), 1, "{:#?}", errors);
        let line = 12 + written.len();
        prop_assert!(errors[0].starts_with(&format!("{line}:17 the deployer ")), "{:#?}", errors);
        prop_assert!(errors[0].contains("is listed twice"), "{:#?}", errors);
    }

    #[test]
    fn environment_names_gitlab_accepts_load(name in "[a-zA-Z0-9_$.{} -]([a-zA-Z0-9_/$.{} -]{0,40}[a-zA-Z0-9_$.{} -])?") {
        prop_assume!(!name.trim().is_empty());
        let quoted = serde_json::to_string(&name).unwrap();
        let section = project(&format!("      environments:\n        {quoted}: {{}}\n"));
        let loaded = KIT.load(&section);
        prop_assert!(loaded.is_ok(), "{:?}", loaded.err().map(|d| crate::manifest::testkit::render(&d)));
    }

    #[test]
    fn project_paths_gitlab_accepts_load(
        groups in prop::collection::vec("[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,10}[a-zA-Z0-9_-]", 1..4),
        project in "[a-zA-Z0-9_.][a-zA-Z0-9_.-]{0,12}",
    ) {
        let path = format!("{}/{project}", groups.join("/"));
        prop_assume!(!path.split('/').any(|s| s.ends_with(".git") || s.ends_with(".atom")));
        let quoted = serde_json::to_string(&path).unwrap();
        let loaded = KIT.load(&format!("gitlab:\n  projects:\n    {quoted}: {{}}\n"));
        prop_assert!(loaded.is_ok(), "{:?}", loaded.err().map(|d| crate::manifest::testkit::render(&d)));
    }
}
