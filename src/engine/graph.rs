//! The dependency graph: an edge `a -> b` means `a` must be applied before `b`. Edges come
//! from nesting (a stage after its project), references (a release after its scenario) and
//! explicit `depends_on`. Deletions run in reverse: a child is deleted before its parent.

use std::collections::HashMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::model::{Address, Resource};

/// Builds the graph of `resources`; edges to unknown addresses are ignored (validation
/// reports them).
pub fn build(resources: &[Resource]) -> (DiGraph<Address, ()>, HashMap<Address, NodeIndex>) {
    let mut graph = DiGraph::new();
    let mut index = HashMap::new();
    for resource in resources {
        index.insert(
            resource.address.clone(),
            graph.add_node(resource.address.clone()),
        );
    }
    for resource in resources {
        let to = index[&resource.address];
        for dependency in &resource.depends_on {
            if let Some(&from) = index.get(dependency) {
                graph.update_edge(from, to, ());
            }
        }
    }
    (graph, index)
}

/// Every dependency cycle, each as the ordered list of its members (`a -> b -> a` is
/// `[a, b]`), so the error can name the whole loop.
pub fn cycles(resources: &[Resource]) -> Vec<Vec<Address>> {
    let (graph, _) = build(resources);
    let mut cycles = Vec::new();
    for component in tarjan_scc(&graph) {
        let self_loop = component.len() == 1 && graph.contains_edge(component[0], component[0]);
        if component.len() < 2 && !self_loop {
            continue;
        }
        let start = *component
            .iter()
            .min_by_key(|n| &graph[**n])
            .expect("non-empty component");
        let mut path = vec![start];
        let mut current = start;
        // Walk inside the component until the start is reached again; every node of a
        // strongly connected component has a successor inside it.
        for _ in 0..component.len() {
            let next = graph
                .neighbors(current)
                .filter(|n| component.contains(n))
                .min_by_key(|n| (*n != start, graph[*n].clone()));
            match next {
                Some(n) if n == start => break,
                Some(n) if !path.contains(&n) => {
                    path.push(n);
                    current = n;
                }
                Some(n) => {
                    // Entered a smaller loop; report from there.
                    let at = path.iter().position(|p| *p == n).unwrap_or(0);
                    path.drain(..at);
                    break;
                }
                None => break,
            }
        }
        cycles.push(path.into_iter().map(|n| graph[n].clone()).collect());
    }
    cycles.sort();
    cycles
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(name: &str, deps: &[&str]) -> Resource {
        Resource {
            address: Address(name.into()),
            provider: "p".into(),
            kind: "k".into(),
            name: name.into(),
            parent: None,
            attributes: serde_json::Value::Null,
            sensitive: vec![],
            provenance: Default::default(),
            depends_on: deps.iter().map(|d| Address((*d).into())).collect(),
            protect: false,
            prune: false,
            origin: None,
            pointer: String::new(),
        }
    }

    #[test]
    fn names_the_whole_cycle() {
        let resources = [
            resource("a", &["c"]),
            resource("b", &["a"]),
            resource("c", &["b"]),
            resource("d", &[]),
        ];
        let cycles = cycles(&resources);
        assert_eq!(cycles.len(), 1);
        let names: Vec<&str> = cycles[0].iter().map(Address::as_str).collect();
        assert_eq!(names, ["a", "b", "c"]);
    }

    #[test]
    fn acyclic_graphs_have_no_cycles() {
        let resources = [
            resource("a", &[]),
            resource("b", &["a"]),
            resource("c", &["a", "b"]),
        ];
        assert!(cycles(&resources).is_empty());
    }

    #[test]
    fn self_loops_are_cycles() {
        assert_eq!(cycles(&[resource("a", &["a"])]).len(), 1);
    }
}
