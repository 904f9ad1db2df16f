//! The help line of an unknown name, and which values are collected where.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::uses::Uses;
use super::{Entry, LISTED, account, help};
use crate::model::Resource;

fn resource(kind: &str, attributes: Value) -> Resource {
    Resource::bare(
        &format!("ncp.project.p.{kind}.x"),
        "ncp",
        kind,
        "x",
        attributes,
    )
}

proptest! {
    /// However many entries exist, the help names at most `LISTED` of them and counts
    /// the rest, so that an account with thousands of servers is still one readable line.
    #[test]
    fn help_lists_a_bounded_number_of_entries(n in 0usize..40) {
        let entries: Vec<Entry> = (0..n).map(|i| Entry::named(7000 + i, &format!("host-{i}"))).collect();
        let text = help(&account("server", "servers"), "9999", &entries);
        let listed = text.matches("(host-").count();
        prop_assert_eq!(listed, n.min(LISTED));
        if n > LISTED {
            let more = format!("and {} more", n - LISTED);
            prop_assert!(text.ends_with(&more), "{}", text);
        } else {
            prop_assert!(!text.contains("more"), "{}", text);
        }
        if n == 0 {
            prop_assert_eq!(text, "this account has no servers");
        }
    }

    /// Every server of a stage is one use, located at its own index.
    #[test]
    fn every_server_is_checked_at_its_index(servers in proptest::collection::vec(1i64..100_000, 0..12)) {
        let stage = resource("stage", json!({ "target": { "type": "server", "servers": servers } }));
        let uses = Uses::collect(&[&stage]);
        let got: Vec<(String, String)> = uses.servers.iter().map(|u| (u.attribute.clone(), u.value.clone())).collect();
        let want: Vec<(String, String)> = servers.iter().enumerate().map(|(i, s)| (format!("target/servers/{i}"), s.to_string())).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(uses.is_empty(), servers.is_empty());
    }
}

#[test]
fn a_close_key_or_a_name_given_for_a_key_is_suggested() {
    let entries = [
        Entry::named("5f0d", "shop-nks"),
        Entry::named("9b2e", "staging-nks"),
    ];
    let kind = account("Kubernetes cluster", "Kubernetes clusters");
    assert!(
        help(&kind, "shop-nks", &entries)
            .starts_with("`shop-nks` is the name of Kubernetes cluster `5f0d`: write `5f0d`.")
    );
    assert!(help(&kind, "5f0e", &entries).starts_with("did you mean `5f0d`?"));
}

/// A file chosen at deployment time (`later`) names nothing to check; objects are grouped
/// by bucket and branches by repository, each with the uses of the parent itself.
#[test]
fn later_files_are_not_checked_and_children_group_by_parent() {
    let later = resource("scenario", json!({ "file": { "type": "later" } }));
    let a = resource(
        "scenario",
        json!({ "file": { "type": "object-storage", "bucket": "b", "object": "o1" } }),
    );
    let b = resource(
        "scenario",
        json!({ "file": { "type": "object-storage", "bucket": "b", "object": "o2" }, "manifest": { "repository": "r", "branch": "main", "paths": [] } }),
    );
    let build = resource(
        "scenario",
        json!({ "file": { "type": "source-build", "build_project": 5001 } }),
    );
    assert!(Uses::collect(&[&later]).is_empty());
    let uses = Uses::collect(&[&later, &a, &b, &build]);
    let (buckets, objects) = &uses.objects["b"];
    assert_eq!(buckets.len(), 2);
    let keys: Vec<&str> = objects.iter().map(|u| u.value.as_str()).collect();
    assert_eq!(keys, ["o1", "o2"]);
    assert!(objects.iter().all(|u| u.attribute == "file/object"));
    assert_eq!(uses.branches["r"].1[0].attribute, "manifest/branch");
    assert_eq!(uses.build_projects[0].value, "5001");
    assert!(
        uses.buckets.is_empty(),
        "a bucket with an object is checked by its object list"
    );
}
