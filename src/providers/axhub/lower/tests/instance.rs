//! The instance settings: the tenant is a slug, checked as it arrives.

use super::*;

/// An instance with `tenant` and no section.
fn errors_with_tenant(tenant: &'static str) -> Vec<String> {
    let providers = format!(
        "providers:\n  ax:\n    type: axhub\n    endpoint: sandbox\n    tenant: {tenant}\n"
    );
    let kit = Kit {
        providers: Box::leak(providers.into_boxed_str()),
        env,
    };
    kit.errors("")
}

#[test]
fn the_tenant_is_a_slug() {
    assert!(KIT.load("").is_ok());
    assert_eq!(
        errors_with_tenant("Acme Corp"),
        [
            "5:13 tenant `Acme Corp` is not a tenant slug | a tenant slug is 2–64 lower-case letters, digits and `-`, not `A`: did you mean `acme-corp`?"
        ]
    );
    assert_eq!(
        errors_with_tenant("${secret.SECRET_TENANT}"),
        [
            "5:13 tenant (a secret) is not a tenant slug | a tenant slug is 2–64 lower-case letters, digits and `-`"
        ]
    );
}
