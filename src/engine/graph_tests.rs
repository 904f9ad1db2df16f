use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

fn resource(name: &str, parent: Option<&str>, deps: &[&str]) -> Resource {
    Resource {
        parent: parent.map(|p| Address(p.into())),
        depends_on: deps.iter().map(|d| Address((*d).into())).collect(),
        ..Resource::bare(name, "p", "k", name, serde_json::Value::Null)
    }
}

fn names(graph: &DependencyGraph<'_>, nodes: impl IntoIterator<Item = NodeIndex>) -> Vec<String> {
    nodes
        .into_iter()
        .map(|n| graph.address(n).as_str().to_owned())
        .collect()
}

#[test]
fn names_the_whole_cycle() {
    let resources = [
        resource("a", None, &["c"]),
        resource("b", None, &["a"]),
        resource("c", None, &["b"]),
        resource("d", None, &[]),
    ];
    let cycles = cycles(&resources);
    assert_eq!(cycles.len(), 1);
    let names: Vec<&str> = cycles[0].iter().map(Address::as_str).collect();
    assert_eq!(names, ["a", "b", "c"]);
}

#[test]
fn acyclic_graphs_have_no_cycles() {
    let resources = [
        resource("a", None, &[]),
        resource("b", None, &["a"]),
        resource("c", None, &["a", "b"]),
    ];
    assert!(cycles(&resources).is_empty());
}

#[test]
fn self_loops_are_cycles() {
    assert_eq!(cycles(&[resource("a", None, &["a"])]).len(), 1);
}

/// A stage names its project twice, as parent and in `depends_on`: one edge, and still the
/// nesting that reverses deletes.
#[test]
fn a_dependency_named_twice_is_one_edge() {
    let resources = [
        resource("p", None, &[]),
        resource("p.s", Some("p"), &["p", "x", "p"]),
        resource("x", None, &[]),
    ];
    let graph = DependencyGraph::new(&resources);
    let node = |a: &str| graph.find(&Address(a.into())).unwrap();
    assert_eq!(names(&graph, graph.dependencies(node("p.s"))), ["p", "x"]);
    assert_eq!(names(&graph, graph.children(node("p"))), ["p.s"]);
    assert!(graph.children(node("x")).is_empty());
    assert_eq!(names(&graph, graph.dependents(node("x"))), ["p.s"]);
}

#[test]
fn dependencies_come_in_the_order_they_are_named_then_the_parent() {
    let resources = [
        resource("z", None, &[]),
        resource("a", None, &[]),
        resource("b", None, &[]),
        resource("z.c", Some("z"), &["b", "a"]),
    ];
    let graph = DependencyGraph::new(&resources);
    let c = graph.find(&Address("z.c".into())).unwrap();
    assert_eq!(names(&graph, graph.dependencies(c)), ["b", "a", "z"]);
}

#[test]
fn references_to_unknown_addresses_are_left_out() {
    let resources = [resource("a", Some("gone"), &["nowhere", "a.b"])];
    let graph = DependencyGraph::new(&resources);
    assert_eq!(graph.len(), 1);
    assert!(graph.dependencies(NodeIndex::new(0)).is_empty());
    assert!(graph.find(&Address("nowhere".into())).is_none());
    assert!(graph.cycles().is_empty());
}

#[test]
fn closures_follow_every_edge_one_way() {
    let resources = [
        resource("a", None, &[]),
        resource("a.b", Some("a"), &[]),
        resource("c", None, &["a.b"]),
        resource("d", None, &[]),
    ];
    let graph = DependencyGraph::new(&resources);
    let node = |a: &str| graph.find(&Address(a.into())).unwrap();
    let needs = graph.with_dependencies([node("c")]);
    assert_eq!(names(&graph, needs), ["a", "a.b", "c"]);
    let needed_by = graph.with_dependents([node("a")]);
    assert_eq!(names(&graph, needed_by), ["a", "a.b", "c"]);
    assert_eq!(names(&graph, graph.with_dependents([node("d")])), ["d"]);
}

/// `a` needs `z`: `z` is pulled in right before `a`, ahead of `b`.
#[test]
fn the_order_places_dependencies_first_and_otherwise_goes_by_address() {
    let resources = [
        resource("b", None, &[]),
        resource("a", None, &["z"]),
        resource("z", None, &[]),
    ];
    let graph = DependencyGraph::new(&resources);
    assert_eq!(names(&graph, graph.topological_order()), ["z", "a", "b"]);
}

#[test]
fn nesting_counts_in_cycles() {
    let resources = [
        resource("p", None, &["p.c"]),
        resource("p.c", Some("p"), &[]),
    ];
    let graph = DependencyGraph::new(&resources);
    let cycle: Vec<&str> = graph.cycles()[0].iter().map(|a| a.as_str()).collect();
    assert_eq!(cycle, ["p", "p.c"]);
}

#[test]
fn a_cycle_does_not_stop_the_order() {
    let resources = [
        resource("a", None, &["c"]),
        resource("b", None, &["a"]),
        resource("c", None, &["b"]),
    ];
    let graph = DependencyGraph::new(&resources);
    assert_eq!(names(&graph, graph.topological_order()), ["b", "c", "a"]);
}

/// A random acyclic graph: the `k`-th resource made may be nested in an earlier one and
/// depend on earlier ones. Names and list order are shuffled, so neither gives the order
/// away.
fn acyclic() -> impl Strategy<Value = Vec<Resource>> {
    (1..24usize)
        .prop_flat_map(|n| {
            let spec = (
                any::<Option<prop::sample::Index>>(),
                prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            );
            (
                prop::collection::vec(spec, n),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
        .prop_map(|(specs, names, listing)| {
            let name = |k: usize| format!("r{:02}", names[k]);
            let made: Vec<Resource> = specs
                .iter()
                .enumerate()
                .map(|(k, (parent, deps))| {
                    let parent = parent.filter(|_| k > 0).map(|p| name(p.index(k)));
                    let deps: Vec<String> = deps
                        .iter()
                        .filter(|_| k > 0)
                        .map(|d| name(d.index(k)))
                        .collect();
                    let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
                    resource(&name(k), parent.as_deref(), &deps)
                })
                .collect();
            listing.iter().map(|&k| made[k].clone()).collect()
        })
}

/// What `seeds` reach by following `depends_on` and `parent` of the resources themselves
/// (backwards) or of everything else (forwards), until nothing is added.
fn reached(
    resources: &[Resource],
    seeds: &BTreeSet<Address>,
    backwards: bool,
) -> BTreeSet<Address> {
    let mut found = seeds.clone();
    loop {
        let before = found.len();
        for r in resources {
            for d in r.depends_on.iter().chain(r.parent.iter()) {
                let (from, to) = if backwards {
                    (&r.address, d)
                } else {
                    (d, &r.address)
                };
                if found.contains(from) {
                    found.insert(to.clone());
                }
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Every node appears once, after everything it depends on.
    #[test]
    fn the_order_respects_every_edge(resources in acyclic()) {
        let graph = DependencyGraph::new(&resources);
        let order = graph.topological_order();
        let mut position = vec![usize::MAX; graph.len()];
        for (at, node) in order.iter().enumerate() {
            prop_assert_eq!(position[node.index()], usize::MAX, "placed twice");
            position[node.index()] = at;
        }
        prop_assert!(position.iter().all(|p| *p != usize::MAX), "a node left out");
        for node in graph.nodes() {
            for dependency in graph.dependencies(node) {
                prop_assert!(position[dependency.index()] < position[node.index()]);
            }
        }
        prop_assert!(graph.cycles().is_empty());
    }

    /// The closures reach exactly what walking the fields reaches.
    #[test]
    fn closures_reach_what_the_fields_reach(
        resources in acyclic(),
        seed in any::<prop::sample::Index>(),
    ) {
        let graph = DependencyGraph::new(&resources);
        let seed = &resources[seed.index(resources.len())].address;
        let seeds = BTreeSet::from([seed.clone()]);
        let node = graph.find(seed).unwrap();
        let as_addresses = |nodes: BTreeSet<NodeIndex>| -> BTreeSet<Address> {
            nodes.into_iter().map(|n| graph.address(n).clone()).collect()
        };
        prop_assert_eq!(
            as_addresses(graph.with_dependencies([node])),
            reached(&resources, &seeds, true)
        );
        prop_assert_eq!(
            as_addresses(graph.with_dependents([node])),
            reached(&resources, &seeds, false)
        );
    }
}
