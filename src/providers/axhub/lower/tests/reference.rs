//! The reference manifest: every kind, its attributes, edges and provenance, and the
//! rules the provider declares for each.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::manifest::testkit::{find, render};
use crate::providers::axhub::lower::{KIND_GIT_CONNECTION, KIND_RELEASE, KIND_STAGING, rules};
use crate::providers::registry;

const SHOP: &str = "ax.app.shop";
const GIT: &str = "ax.app.shop.git_connection.shop";
const STAGING: &str = "ax.app.shop.staging.shop";

#[test]
fn the_reference_manifest_lowers_every_kind_with_its_edges() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/axhub/manifest-reference.yaml");
    let loaded = crate::manifest::load(&path, None, &env, registry::language())
        .unwrap_or_else(|d| panic!("{}", render(&d)));
    let r = &loaded.resources;
    let addresses: Vec<&str> = r.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "ax.app.blog",
            "ax.app.blog.staging.blog",
            SHOP,
            GIT,
            STAGING,
            "ax.release.docs-prod",
            "ax.release.shop-prod",
        ]
    );
    let app = find(r, SHOP);
    assert_eq!(app.attributes, json!({}));
    assert!(app.protect && app.parent.is_none() && app.depends_on.is_empty());
    let git = find(r, GIT);
    assert_eq!(
        git.attributes,
        json!({ "repository": "acme/shop", "branch": "main", "installation": 12345 })
    );
    assert_eq!(git.depends_on, std::slice::from_ref(&app.address));
    let branch = &git.provenance_of("branch").unwrap();
    assert_eq!((branch.line, branch.column), (12, 17));
    let staging = find(r, STAGING);
    assert_eq!(staging.attributes, json!({ "enabled": true }));
    assert!(staging.protect && git.protect);
    assert_eq!(staging.provenance_of("enabled").unwrap().line, 14);
    let blog = find(r, "ax.app.blog.staging.blog");
    assert_eq!(
        blog.attributes,
        json!({ "enabled": false, "confirm_discard_ops": true })
    );
    assert!(!blog.protect);

    let release = find(r, "ax.release.shop-prod");
    assert_eq!(release.kind, KIND_RELEASE);
    assert_eq!(
        release.attributes,
        json!({
            "app": "shop",
            "commit": SHA,
            "force_rebuild": false,
            "allow_schema_skew": true,
            "timeout_seconds": 1800,
        })
    );
    let edges: Vec<&str> = release.depends_on.iter().map(|a| a.as_str()).collect();
    assert_eq!(edges, [SHOP, GIT, STAGING, "ax.release.docs-prod"]);
    let commit = &release.provenance_of("commit").unwrap();
    assert_eq!((commit.line, commit.column), (22, 15));
    assert_eq!(release.origin.as_ref().map(|o| o.line), Some(20));
    let docs = find(r, "ax.release.docs-prod");
    assert!(
        docs.depends_on.is_empty(),
        "an undeclared app is named, not a resource"
    );
    assert_eq!(
        docs.attributes,
        json!({ "app": "docs", "commit": "89abcdef0123456789abcdef0123456789abcdef" })
    );
}

#[test]
fn the_rules_name_attributes_the_lowering_writes() {
    assert_eq!(rules(KIND_RELEASE).release, Some("commit"));
    let immutable: Vec<&str> = rules(KIND_GIT_CONNECTION)
        .immutable
        .iter()
        .map(|(a, _)| *a)
        .collect();
    assert_eq!(immutable, ["repository", "installation"]);
    assert_eq!(rules(KIND_STAGING).local_only, ["confirm_discard_ops"]);
    assert_eq!(
        rules(KIND_RELEASE).local_only,
        ["force_rebuild", "allow_schema_skew", "timeout_seconds"]
    );
}
