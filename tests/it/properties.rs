//! Property tests over wide inputs: the manifest loader never panics and always either
//! succeeds or explains itself with located diagnostics; diffing is consistent.

use proptest::prelude::*;
use serde_json::{Value, json};

use deployplan::engine::diff;
use deployplan::model::{Address, KindRules, Resource};

/// Loads `bytes` as a one-file manifest.
fn load_written(
    bytes: &[u8],
) -> Result<deployplan::manifest::LoadedManifest, deployplan::manifest::diagnostic::Diagnostics> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deployplan.yaml");
    std::fs::write(&path, bytes).unwrap();
    deployplan::manifest::load(
        &path,
        None,
        &|_| None,
        deployplan::providers::registry::language(),
    )
}

fn load(text: &str) -> Result<usize, usize> {
    load_written(text.as_bytes())
        .map(|m| m.resources.len())
        .map_err(|d| d.len())
}

/// Loads raw bytes and renders the diagnostics as the binary does.
fn load_bytes(bytes: &[u8]) -> Result<usize, (usize, String)> {
    load_written(bytes)
        .map(|m| m.resources.len())
        .map_err(|d| (d.len(), deployplan::manifest::report::render_all(&d, false)))
}

/// Pieces of hostile text: long lines, tabs, unclosed brackets and quotes, bytes that are
/// not UTF-8, integers beyond any field, deep nesting, and plausible manifest fragments.
fn hostile_piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        fragment().prop_map(String::into_bytes),
        "\\PC{0,60}".prop_map(String::into_bytes),
        (60_000usize..80_000, "[a-z:\\[{\"' ]{0,6}").prop_map(|(n, tail)| format!(
            "  a: {}{tail}\n",
            "x".repeat(n)
        )
        .into_bytes()),
        (60_000usize..80_000).prop_map(|n| {
            format!(
                "providers:\n  p:\n    type: {}\n    endpoint: sandbox\n",
                "x".repeat(n)
            )
            .into_bytes()
        }),
        Just(b"\t".to_vec()),
        Just(b"  b: [1, 2\n".to_vec()),
        Just(b"  c: {d: 1\n".to_vec()),
        Just(b"  e: \"open\n".to_vec()),
        Just(b"  f: 'open\n".to_vec()),
        Just(b"\xff\xfe\xc3".to_vec()),
        Just(b"  g: 99999999999999999999999999\n".to_vec()),
        Just(b"  servers: [18446744073709551616, -9223372036854775809]\n".to_vec()),
        (1usize..200).prop_map(|n| format!("h: {}{}\n", "[".repeat(n), "]".repeat(n)).into_bytes()),
        (1usize..100).prop_map(|n| (0..n)
            .map(|i| format!("{}k:\n", "  ".repeat(i)))
            .collect::<String>()
            .into_bytes()),
        Just(b"vars:\n".to_vec()),
        Just(b"ncp-sourcedeploy:\n".to_vec()),
    ]
}

/// Fragments that, shuffled together, make mostly-plausible manifests.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("providers:\n  ncp:\n    type: ncp-sourcedeploy\n    endpoint: sandbox\n".to_owned()),
        Just("ncp-sourcedeploy:\n  projects:\n    shop:\n      stages:\n        dev:\n          target: {type: server, servers: [1]}\n".to_owned()),
        Just("          scenarios:\n            web: {strategy: normal, rollback: true, file: {type: later}}\n".to_owned()),
        Just("  releases:\n    r: {scenario: shop/dev/web}\n".to_owned()),
        Just("vars: {a: 1, b: \"${env.X}\"}\n".to_owned()),
        Just("environments: {prod: {vars: {a: 2}}}\n".to_owned()),
        "[a-z_:{}\\[\\], \\n\"'$.-]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = load(&text);
    }

    #[test]
    fn loader_never_panics_on_shuffled_manifests(parts in prop::collection::vec(fragment(), 0..8)) {
        match load(&parts.concat()) {
            Ok(_) => {}
            Err(count) => prop_assert!(count > 0, "a failed load must carry at least one diagnostic"),
        }
    }

    #[test]
    fn a_value_never_differs_from_itself(value in json_value()) {
        let resource = resource(value.clone());
        prop_assert!(diff::field_changes(&resource, Some(&value), &KindRules::default()).is_empty());
    }

    #[test]
    fn every_difference_is_reported_once(a in json_value(), b in json_value()) {
        let resource = resource(a.clone());
        let changes = diff::field_changes(&resource, Some(&b), &KindRules::default());
        let (fa, fb) = (diff::flatten(&a), diff::flatten(&b));
        let expected = fa.keys().chain(fb.keys()).collect::<std::collections::BTreeSet<_>>()
            .into_iter().filter(|k| fa.get(*k) != fb.get(*k)).count();
        prop_assert_eq!(changes.len(), expected);
        let mut paths: Vec<&str> = changes.iter().map(|c| c.path.as_str()).collect();
        paths.dedup();
        prop_assert_eq!(paths.len(), changes.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever the bytes, loading never panics, a failure carries at least one diagnostic,
    /// and the rendered report stays within a few KB per diagnostic listed.
    #[test]
    fn hostile_text_gets_bounded_diagnostics(pieces in prop::collection::vec(hostile_piece(), 0..10)) {
        let bytes = pieces.concat();
        if let Err((count, rendered)) = load_bytes(&bytes) {
            prop_assert!(count > 0, "a failed load must carry at least one diagnostic");
            let listed = count.min(deployplan::manifest::report::MAX_LISTED);
            prop_assert!(
                rendered.len() <= 4096 * listed + 256,
                "{} bytes for {} diagnostics:\n{}", rendered.len(), count, &rendered[..rendered.len().min(3000)]
            );
            prop_assert!(!rendered.contains("not valid under any of the schemas"), "{}", rendered);
            prop_assert!(!rendered.contains("budget breached"), "{}", rendered);
        }
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(|n| json!(n)),
        "[a-c]{0,3}".prop_map(Value::String),
    ];
    let tree = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-d]", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    prop::collection::btree_map("[a-d]", tree, 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn resource(attributes: Value) -> Resource {
    Resource::bare("p.k.n", "p", "k", "n", attributes)
}

/// A random forest of resources: each may have an earlier one as parent and depend on
/// other earlier ones (so the graph is acyclic, as the loader guarantees).
fn forest() -> impl Strategy<Value = Vec<Resource>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            any::<bool>(),
        ),
        1..16,
    )
    .prop_map(|specs| {
        let mut resources: Vec<Resource> = Vec::new();
        for (i, (parent, deps, has_parent)) in specs.into_iter().enumerate() {
            let parent = (has_parent && i > 0).then(|| resources[parent.index(i)].address.clone());
            let address = match &parent {
                Some(p) => p.child("k", &format!("r{i}")),
                None => Address::root("p", "k", &format!("r{i}")),
            };
            let mut r = resource(json!({}));
            r.address = address;
            r.parent = parent.clone();
            r.depends_on = deps
                .iter()
                .filter(|_| i > 0)
                .map(|d| resources[d.index(i)].address.clone())
                .chain(parent)
                .collect();
            resources.push(r);
        }
        resources
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Whatever is targeted and excluded, the scope holds everything its members need, none
    /// of what was excluded, every target that nothing excluded, and out-of-scope is the rest.
    #[test]
    fn a_scope_is_closed_under_its_needs_and_excludes_what_it_must(
        all in forest(),
        targets in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        excludes in prop::collection::vec(any::<prop::sample::Index>(), 0..2),
    ) {
        use deployplan::engine::scope;
        let pick = |picks: &[prop::sample::Index]| -> Vec<String> {
            picks.iter().map(|i| all[i.index(all.len())].address.0.clone()).collect()
        };
        let (targets, excludes) = (pick(&targets), pick(&excludes));
        let scope = match scope::select(&all, &targets, &excludes) {
            Ok(scope) => scope,
            Err(errors) => {
                // Every address exists, so the only refusal is a target excluded entirely.
                prop_assert!(errors.iter().all(|e| e.problem == "is left out entirely by --exclude"), "{errors:?}");
                return Ok(());
            }
        };
        let inside: std::collections::BTreeSet<&Address> =
            scope.resources.iter().map(|r| &r.address).collect();
        for r in scope.resources.iter() {
            for need in r.depends_on.iter().chain(r.parent.iter()) {
                prop_assert!(inside.contains(need), "{} needs {} which is out of scope", r.address, need);
            }
        }
        for e in &excludes {
            let e = Address(e.clone());
            prop_assert!(inside.iter().all(|a| !a.is_within(&e)), "{} excluded but in scope", e);
        }
        prop_assert_eq!(inside.len() + scope.out_of_scope.len(), all.len());
        prop_assert!(scope.out_of_scope.iter().all(|a| !inside.contains(a)));
        prop_assert!(scope.context.iter().all(|a| inside.contains(a)));
    }
}
