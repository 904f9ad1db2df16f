//! Undeclared remote objects below undeclared ones: each is its own change, decided by the
//! declared resource that owns the outermost of them.

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::json;

use super::{PlanInput, PlanScope, plan};
use crate::model::{Action, Address, KindRules, RemoteObject, RemoteState, Resource};

fn project(prune: bool) -> Resource {
    Resource {
        prune,
        ..Resource::bare("ncp.project.p", "ncp", "project", "p", json!({}))
    }
}

/// `depth` undeclared objects, each the child of the one before, under the project.
fn chain(depth: usize) -> RemoteState {
    let mut remote = RemoteState::default();
    let mut parent = "ncp.project.p".to_owned();
    remote.objects.insert(
        Address(parent.clone()),
        RemoteObject {
            address: Address(parent.clone()),
            kind: "project".into(),
            name: "p".into(),
            parent: None,
            id: "1".into(),
            attributes: json!({}),
            method: None,
            in_flight: None,
        },
    );
    for level in 0..depth {
        let address = format!("{parent}.child.c{level}");
        remote.objects.insert(
            Address(address.clone()),
            RemoteObject {
                address: Address(address.clone()),
                kind: "child".into(),
                name: format!("c{level}"),
                parent: Some(Address(parent.clone())),
                id: (level + 2).to_string(),
                attributes: json!({}),
                method: None,
                in_flight: None,
            },
        );
        parent = address;
    }
    remote
}

proptest! {
    /// However deep, every undeclared descendant is shown, with the action its outermost
    /// undeclared ancestor gets, and the ones below it say they are inside it.
    #[test]
    fn descendants_of_an_undeclared_child_follow_it(depth in 1usize..6, prune in any::<bool>(), flag in any::<bool>()) {
        let resources = [project(prune)];
        let remote = chain(depth);
        let (out_of_scope, context) = (BTreeSet::new(), BTreeSet::new());
        let rules = |_: &Resource| KindRules::default();
        let input = PlanInput {
            environment: None,
            manifest_hash: String::new(),
            scope: PlanScope { manifest: String::new(), targets: vec![], excludes: vec![], prune: flag },
            out_of_scope: &out_of_scope,
            context: &context,
            rules: &rules,
        };
        let planned = plan(&resources, &remote, &input).unwrap();
        let below: Vec<_> = planned.changes.iter().filter(|c| c.kind == "child").collect();
        prop_assert_eq!(below.len(), depth);
        let want = if prune || flag { Action::Delete } else { Action::Unmanaged };
        for change in &below {
            prop_assert_eq!(change.action, want);
            let top = change.address.as_str() == "ncp.project.p.child.c0";
            prop_assert_eq!(
                change.reason.starts_with("inside `ncp.project.p.child.c0`"),
                !top,
                "{}",
                change.reason
            );
        }
    }
}

#[test]
fn protect_refuses_an_update_the_provider_declares_destructive_and_allows_the_rest() {
    let staging = |enabled: bool, protect: bool| Resource {
        protect,
        ..Resource::bare(
            "ax.app.s.staging.s",
            "ax",
            "staging",
            "s",
            json!({ "enabled": enabled }),
        )
    };
    let mut remote = RemoteState::default();
    remote.objects.insert(
        Address("ax.app.s.staging.s".into()),
        RemoteObject {
            address: Address("ax.app.s.staging.s".into()),
            kind: "staging".into(),
            name: "s".into(),
            parent: None,
            id: "s".into(),
            attributes: json!({ "enabled": true }),
            method: None,
            in_flight: None,
        },
    );
    let (out_of_scope, context) = (BTreeSet::new(), BTreeSet::new());
    let rules = |_: &Resource| KindRules {
        destructive: &[("enabled", "false", "disabling drops the schema")],
        ..KindRules::default()
    };
    let input = PlanInput {
        environment: None,
        manifest_hash: String::new(),
        scope: PlanScope {
            manifest: String::new(),
            targets: vec![],
            excludes: vec![],
            prune: false,
        },
        out_of_scope: &out_of_scope,
        context: &context,
        rules: &rules,
    };
    let refused = plan(&[staging(false, true)], &remote, &input).unwrap_err();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].action, "update");
    assert!(
        refused[0].reason.contains("disabling drops the schema"),
        "{}",
        refused[0].reason
    );
    let allowed = plan(&[staging(false, false)], &remote, &input).unwrap();
    assert!(allowed.changes[0].destructive);
    assert!(plan(&[staging(true, true)], &remote, &input).is_ok());
}

#[test]
fn the_digest_is_the_hash_of_the_document_without_it() {
    let resources = [project(true)];
    let (out_of_scope, context) = (BTreeSet::new(), BTreeSet::new());
    let rules = |_: &Resource| KindRules::default();
    let input = PlanInput {
        environment: Some("production".into()),
        manifest_hash: "m".into(),
        scope: PlanScope {
            manifest: "deployplan.yaml".into(),
            targets: vec![],
            excludes: vec![],
            prune: false,
        },
        out_of_scope: &out_of_scope,
        context: &context,
        rules: &rules,
    };
    let mut sealed = plan(&resources, &chain(2), &input).unwrap();
    let mut unsealed = sealed.clone();
    unsealed.digest.clear();
    let expected = crate::digest::sha256_hex(serde_json::to_vec(&unsealed).unwrap());
    assert_eq!(sealed.digest, expected);
    let written = sealed.digest.clone();
    assert_eq!(sealed.content_digest(), expected);
    assert_eq!(
        sealed.digest, written,
        "computing it leaves the field as it was"
    );
}
