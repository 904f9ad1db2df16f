//! The name rules through the loader: generated names GitHub accepts load, generated
//! names it refuses are located errors at their key.

use proptest::prelude::*;

use super::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn accepted_variable_names_load(name in "[A-Z_][A-Z0-9_]{0,30}") {
        prop_assume!(!name.starts_with("GITHUB_"));
        let r = resources(&production(&format!("          variables:\n            \"{name}\": v\n")));
        let parent = Some(crate::model::Address(PRODUCTION.into()));
        prop_assert!(r.iter().any(|r| r.kind == "variable" && r.name == name && r.parent == parent));
    }

    #[test]
    fn refused_secret_names_are_located_at_their_key(name in "[a-z][a-z0-9-]{0,20}-[a-z0-9]{1,5}") {
        let errors = errors(&production(&format!("          secrets:\n            {name}: ${{secret.DEPLOY_KEY}}\n")));
        let expected = format!("11:13 invalid secret name `{name}`");
        prop_assert!(errors.len() == 1 && errors[0].starts_with(&expected), "{:#?}", errors);
    }

    #[test]
    fn repositories_github_accepts_load(owner in "[a-z0-9][a-z0-9-]{0,38}", name in "[A-Za-z0-9._-]{1,100}") {
        prop_assume!(name != "." && name != "..");
        let r = resources(&format!("github:\n  repositories:\n    \"{owner}/{name}\": {{}}\n"));
        let full_name = format!("{owner}/{name}");
        prop_assert_eq!(&r[0].name, &full_name);
    }
}
