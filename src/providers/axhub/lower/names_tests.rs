//! AxHub's slug and timeout rules as classes: generated slugs AxHub accepts are accepted,
//! generated slugs breaking one rule are refused with a hint naming it, and every
//! suggestion is itself accepted.

use proptest::prelude::*;

use super::*;

/// A slug AxHub accepts.
const SLUG: &str = "[a-z0-9-]{2,64}";

proptest! {
    #[test]
    fn slugs_axhub_accepts_are_accepted(slug in SLUG) {
        prop_assert_eq!(slug_problem(&slug, "an app slug"), None);
    }

    #[test]
    fn a_slug_breaking_one_rule_is_refused_with_it(
        slug in SLUG,
        bad in "[A-Z_. /@]",
        at in 0usize..64,
        long in "[a-z0-9-]{65,80}",
        short in "[a-z0-9-]",
    ) {
        let at = at.min(slug.len());
        let broken = format!("{}{bad}{}", &slug[..at], &slug[at..]);
        let hint = slug_problem(&broken, "an app slug").expect("refused");
        prop_assert!(hint.starts_with("an app slug is 2–64 lower-case letters, digits and `-`, not "), "{}", hint);
        let length = format!("({} here)", long.len());
        prop_assert!(slug_problem(&long, "an app slug").expect("refused").contains(&length));
        prop_assert!(slug_problem(&short, "a tenant slug").expect("refused").contains("(1 here)"));
    }

    #[test]
    fn every_suggested_slug_is_accepted(written in "[ -~]{0,80}") {
        if let Some(fixed) = suggested_slug(&written) {
            prop_assert_eq!(slug_problem(&fixed, "an app slug"), None, "{:?} → {:?}", written, fixed);
        }
    }

    #[test]
    fn timeouts_are_one_second_to_a_day(seconds in 1u64..=86_400, over in 86_401u64..) {
        prop_assert_eq!(timeout_problem(seconds), None);
        prop_assert!(timeout_problem(over).is_some());
    }
}

#[test]
fn hints_suggest_the_slug_meant() {
    assert_eq!(
        slug_problem("Shop_Web", "an app slug").as_deref(),
        Some(
            "an app slug is 2–64 lower-case letters, digits and `-`, not `S`: did you mean `shop-web`?"
        )
    );
    assert!(
        slug_problem("x", "an app slug")
            .unwrap()
            .ends_with("(1 here)")
    );
    assert_eq!(
        timeout_problem(0).as_deref(),
        Some("`timeout_seconds` is 1 to 86400 (a day)")
    );
    assert!(
        timeout_problem(1_800_000)
            .unwrap()
            .ends_with("did you mean `1800`? (seconds, not milliseconds)")
    );
}
