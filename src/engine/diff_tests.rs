//! Field-by-field diffs: flattening, masking, actions.

use super::*;
use crate::model::Address;
use serde_json::json;

fn resource(attributes: Value) -> Resource {
    Resource {
        sensitive: vec!["commands.pre[0].run".into()],
        ..Resource::bare("p.scenario.x", "p", "scenario", "x", attributes)
    }
}

fn remote(attributes: Value) -> RemoteObject {
    RemoteObject {
        address: Address("p.scenario.x".into()),
        kind: "scenario".into(),
        name: "x".into(),
        parent: None,
        id: "1".into(),
        attributes,
        method: None,
        in_flight: None,
    }
}

#[test]
fn flattens_objects_and_lists_of_objects_but_not_scalar_lists() {
    let flat = flatten(&json!({"a": {"b": 1}, "s": [1, 2], "o": [{"x": "y"}]}));
    assert_eq!(flat.keys().collect::<Vec<_>>(), ["a.b", "o[0].x", "s"]);
}

#[test]
fn equal_values_are_noop() {
    let attrs = json!({"description": "d", "servers": [1, 2]});
    let change = diff_resource(
        &resource(attrs.clone()),
        Some(&remote(attrs)),
        &KindRules::default(),
    );
    assert_eq!(change.action, Action::Noop);
}

#[test]
fn one_changed_field_is_one_update_with_secrets_masked() {
    let desired = json!({"description": "new", "commands": {"pre": [{"user": "root", "run": "token=s3cret"}]}});
    let current =
        json!({"description": "old", "commands": {"pre": [{"user": "root", "run": "token=old"}]}});
    let change = diff_resource(
        &resource(desired),
        Some(&remote(current)),
        &KindRules::default(),
    );
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.fields.len(), 2);
    let secret = change
        .fields
        .iter()
        .find(|f| f.path == "commands.pre[0].run")
        .unwrap();
    assert!(secret.sensitive);
    assert_eq!(secret.after, Some(json!(MASK)));
    assert!(!serde_json::to_string(&change).unwrap().contains("s3cret"));
}

#[test]
fn immutable_fields_force_replacement() {
    const IMMUTABLE: &[(&str, &str)] = &[("target.type", "type is fixed")];
    let rules = KindRules {
        immutable: IMMUTABLE,
        ..KindRules::default()
    };
    let change = diff_resource(
        &resource(json!({"target": {"type": "server"}})),
        Some(&remote(json!({"target": {"type": "kubernetes"}}))),
        &rules,
    );
    assert_eq!(change.action, Action::Replace);
    assert!(change.reason.contains("type is fixed"));
}

#[test]
fn a_missing_version_is_named_as_such() {
    let rules = KindRules {
        versioned_by: Some("version"),
        ..KindRules::default()
    };
    let change = diff_resource(&resource(json!({"version": "1.4.3"})), None, &rules);
    assert_eq!(change.action, Action::Create);
    assert!(
        change.reason.ends_with("has no version `1.4.3` yet"),
        "{}",
        change.reason
    );
}

#[test]
fn releases_deploy_when_the_artifact_differs() {
    let rules = KindRules {
        release: Some("artifact"),
        local_only: &["timeout_seconds"],
        ..KindRules::default()
    };
    let desired = resource(json!({"artifact": "b.tgz", "timeout_seconds": 60}));
    let change = diff_resource(
        &desired,
        Some(&remote(json!({"artifact": "a.tgz"}))),
        &rules,
    );
    assert_eq!(change.action, Action::Deploy);
    assert_eq!(change.reason, "deployed artifact a.tgz ≠ desired b.tgz");
    assert_eq!(change.fields.len(), 1, "timeout_seconds is local-only");
    let same = diff_resource(
        &desired,
        Some(&remote(json!({"artifact": "b.tgz"}))),
        &rules,
    );
    assert_eq!(same.action, Action::Noop);
}

#[test]
fn masks_nested_paths() {
    let mut r = resource(json!({"commands": {"pre": [{"user": "root", "run": "x"}]}}));
    r.sensitive = vec!["commands.pre[0].run".into()];
    assert_eq!(masked_attributes(&r)["commands"]["pre"][0]["run"], MASK);
}

#[test]
fn differing_paths_are_the_fields_plan_shows() {
    let desired = json!({"description": "new", "servers": [1, 2], "file": {"type": "a"}});
    let current = json!({"description": "old", "servers": [1, 2], "extra": true});
    let paths = differing_paths(&desired, &current);
    assert_eq!(paths, ["description", "extra", "file.type"]);
    let shown: Vec<String> =
        field_changes(&resource(desired), Some(&current), &KindRules::default())
            .into_iter()
            .map(|f| f.path)
            .collect();
    assert_eq!(shown, paths);
    assert!(differing_paths(&current, &current).is_empty());
}

const UNORDERED: KindRules = KindRules {
    unordered: &["deployers"],
    immutable: &[],
    release: None,
    local_only: &[],
    versioned_by: None,
    destructive: &[],
};

#[test]
fn an_unordered_list_in_another_order_is_no_change() {
    let desired =
        json!({"deployers": [{"user": "alice"}, {"access_level": "maintainer"}, {"group": "g"}]});
    let remote_value =
        json!({"deployers": [{"group": "g"}, {"user": "alice"}, {"access_level": "maintainer"}]});
    let change = diff_resource(
        &resource(desired.clone()),
        Some(&remote(remote_value.clone())),
        &UNORDERED,
    );
    assert_eq!(change.action, Action::Noop, "{:?}", change.fields);
    // Without the rule, order is a change.
    let ordered = diff_resource(
        &resource(desired),
        Some(&remote(remote_value)),
        &KindRules::default(),
    );
    assert_eq!(ordered.action, Action::Update);
}

#[test]
fn an_unordered_list_shows_the_entry_that_differs_at_its_desired_position() {
    let desired =
        json!({"deployers": [{"user": "alice"}, {"user": "bob"}, {"access_level": "maintainer"}]});
    let remote_value = json!({"deployers": [{"access_level": "maintainer"}, {"user": "carol"}, {"user": "alice"}, {"group": "g"}]});
    let change = diff_resource(&resource(desired), Some(&remote(remote_value)), &UNORDERED);
    let paths: Vec<(&str, Option<&Value>, Option<&Value>)> = change
        .fields
        .iter()
        .map(|f| (f.path.as_str(), f.before.as_ref(), f.after.as_ref()))
        .collect();
    assert_eq!(
        paths,
        vec![
            (
                "deployers[1].user",
                Some(&json!("carol")),
                Some(&json!("bob"))
            ),
            ("deployers[3].group", Some(&json!("g")), None),
        ]
    );
}

proptest::proptest! {
    /// Any permutation of the same entries compares equal; adding one entry is a change.
    #[test]
    fn unordered_lists_compare_as_sets(
        entries in proptest::collection::btree_set("[a-e]{1,3}", 0..6),
        seed in proptest::prelude::any::<u64>(),
        extra in "[f-h]{1,3}",
    ) {
        let entries: Vec<Value> = entries.into_iter().map(|e| json!({"user": e})).collect();
        let mut shuffled = entries.clone();
        let len = shuffled.len().max(1) as u64;
        shuffled.rotate_left((seed % len) as usize);
        if seed % 2 == 0 { shuffled.reverse(); }
        let desired = resource(json!({"deployers": entries}));
        let same = diff_resource(&desired, Some(&remote(json!({"deployers": shuffled.clone()}))), &UNORDERED);
        proptest::prop_assert_eq!(same.action, Action::Noop);
        shuffled.push(json!({"user": extra}));
        let more = diff_resource(&desired, Some(&remote(json!({"deployers": shuffled}))), &UNORDERED);
        proptest::prop_assert_eq!(more.action, Action::Update);
    }
}

const DISCARDING: KindRules = KindRules {
    destructive: &[("enabled", "false", "disabling drops the staging schema")],
    ..KindRules {
        immutable: &[],
        release: None,
        local_only: &[],
        versioned_by: None,
        unordered: &[],
        destructive: &[],
    }
};

#[test]
fn an_update_to_a_value_declared_destructive_is_destructive_and_says_why() {
    let off = diff_resource(
        &resource(json!({"enabled": false})),
        Some(&remote(json!({"enabled": true}))),
        &DISCARDING,
    );
    assert_eq!(off.action, Action::Update);
    assert!(off.destructive && off.is_destructive());
    assert!(
        off.reason.contains("disabling drops the staging schema"),
        "{}",
        off.reason
    );
    // The other direction, and no change at all, lose nothing.
    let on = diff_resource(
        &resource(json!({"enabled": true})),
        Some(&remote(json!({"enabled": false}))),
        &DISCARDING,
    );
    assert_eq!(on.action, Action::Update);
    assert!(!on.is_destructive(), "{}", on.reason);
    let same = diff_resource(
        &resource(json!({"enabled": false})),
        Some(&remote(json!({"enabled": false}))),
        &DISCARDING,
    );
    assert!(!same.is_destructive());
}

/// Any JSON value: nested objects and lists (of scalars, of objects, mixed), nulls and
/// empty containers, the shapes `flatten` treats specially.
fn any_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-c]{0,2}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest::proptest! {
    /// The shortcut of a remote equal to the desired value (no changes) is what comparing
    /// them leaf by leaf finds, unordered lists included.
    #[test]
    fn a_remote_equal_to_the_desired_value_has_no_leaf_changes(value in any_value()) {
        let attributes = json!({"deployers": value.clone(), "other": value});
        let desired = resource(attributes.clone());
        proptest::prop_assert!(leaf_changes(&desired, Some(&attributes), &UNORDERED).is_empty());
        proptest::prop_assert!(field_changes(&desired, Some(&attributes), &UNORDERED).is_empty());
    }
}

#[test]
fn a_remote_that_differs_only_in_what_flattening_drops_is_still_no_change() {
    let desired = resource(json!({"description": "d"}));
    let change = diff_resource(
        &desired,
        Some(&remote(json!({"description": "d", "gone": null}))),
        &KindRules::default(),
    );
    assert_eq!(change.action, Action::Noop);
}

/// Fingerprints are compared between a saved plan and the remote read at apply: written
/// into the hash, they are the digest of the JSON they have always been computed from.
#[test]
fn a_fingerprint_is_the_digest_of_the_remote_objects_json() {
    use crate::model::RunningDeployment;
    let running = RunningDeployment {
        id: "d-7".into(),
        status: "inprogress".into(),
        deploys: Some("v2".into()),
    };
    let objects = [
        remote(json!({"description": "d", "servers": [1, 2], "nested": {"b": 1, "a": null}})),
        RemoteObject {
            in_flight: Some(running.clone()),
            ..remote(json!({"deployed": "v1"}))
        },
        RemoteObject {
            in_flight: Some(RunningDeployment {
                deploys: None,
                ..running
            }),
            method: Some("rollback to deployment `d-7`".into()),
            ..remote(json!({}))
        },
    ];
    for object in &objects {
        let mut canonical = json!({ "id": object.id, "attributes": object.attributes, "in_flight": object.in_flight });
        if let Some(method) = &object.method {
            canonical["method"] = Value::from(method.as_str());
        }
        assert_eq!(
            fingerprint(Some(object)),
            crate::digest::sha256_hex(canonical.to_string())
        );
    }
    assert_eq!(fingerprint(None), "absent");
}
