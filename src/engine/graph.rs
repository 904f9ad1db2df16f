//! The dependency graph: an edge `a -> b` means `a` must be applied before `b`. Edges come
//! from nesting (a stage after its project), references (a release after its scenario) and
//! explicit `depends_on`, across providers. Deletions run in reverse: a child is deleted
//! before its parent.
//!
//! Planning (the order of a plan), apply (what a change waits for), `--target` and
//! `--exclude` (what a resource needs, what needs it), the rendered graph and the
//! manifest's cycle check all read their edges from [`DependencyGraph`], so they cannot
//! disagree about what depends on what.

use std::collections::{BTreeSet, HashMap};

use petgraph::Direction::{self, Incoming, Outgoing};
use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use petgraph::visit::EdgeRef;

use crate::model::{Address, Change, Resource};

/// A node of a [`DependencyGraph`]; `index()` is the position of its item in the list the
/// graph was built from. Re-exported so that callers need not name petgraph.
pub use petgraph::graph::NodeIndex;

/// What gives a resource or a change its place in the graph. Both a manifest's resources
/// and a plan's changes carry these fields, so one graph type serves both.
pub trait Node {
    fn address(&self) -> &Address;
    /// The object this one is nested in: applied before it, deleted after it.
    fn parent(&self) -> Option<&Address>;
    /// What must be applied before this one: references and explicit `depends_on`.
    fn depends_on(&self) -> &[Address];
}

impl Node for Resource {
    fn address(&self) -> &Address {
        &self.address
    }

    fn parent(&self) -> Option<&Address> {
        self.parent.as_ref()
    }

    fn depends_on(&self) -> &[Address] {
        &self.depends_on
    }
}

impl Node for Change {
    fn address(&self) -> &Address {
        &self.address
    }

    fn parent(&self) -> Option<&Address> {
        self.parent.as_ref()
    }

    fn depends_on(&self) -> &[Address] {
        &self.depends_on
    }
}

/// One edge. A dependency named twice (a stage's project is both its parent and in its
/// `depends_on`) is still one edge; `parent` records whether nesting is among the reasons,
/// which is what reverses it for deletes.
#[derive(Debug, Clone, Copy)]
struct Edge {
    parent: bool,
}

/// The dependency graph of a list of resources or changes. It borrows their addresses and
/// nothing else.
///
/// Node `i` is `items[i]`, so a caller goes from a [`NodeIndex`] back to its own item with
/// [`NodeIndex::index`]. Addresses are unique in a manifest and in a plan; should one
/// repeat, a lookup by address finds the last item with it, as a map collected from the
/// list would. References to addresses that are not in the list are left out: validation
/// reports them in a manifest, and in apply a dependency that is not being applied (a
/// no-op) has nothing to wait for.
#[derive(Debug, Clone)]
pub struct DependencyGraph<'a> {
    graph: DiGraph<&'a Address, Edge>,
    index: HashMap<&'a Address, NodeIndex>,
}

impl<'a> DependencyGraph<'a> {
    /// The graph of `items`: an edge from each dependency and from the parent to the item.
    pub fn new<T: Node>(items: &'a [T]) -> Self {
        let mut graph: DiGraph<&'a Address, Edge> =
            DiGraph::with_capacity(items.len(), items.len());
        let mut index = HashMap::with_capacity(items.len());
        for item in items {
            index.insert(item.address(), graph.add_node(item.address()));
        }
        for (i, item) in items.iter().enumerate() {
            let to = NodeIndex::new(i);
            let named = (item.depends_on().iter().map(|d| (d, false)))
                .chain(item.parent().map(|p| (p, true)));
            for (dependency, parent) in named {
                let Some(&from) = index.get(dependency) else {
                    continue;
                };
                match graph.find_edge(from, to) {
                    Some(edge) => graph[edge].parent |= parent,
                    None => {
                        graph.add_edge(from, to, Edge { parent });
                    }
                }
            }
        }
        DependencyGraph { graph, index }
    }

    /// How many items the graph was built from.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether the graph was built from no items at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every node, in the order of the items.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + use<> {
        self.graph.node_indices()
    }

    /// The node of `address`, if an item has it.
    pub fn find(&self, address: &Address) -> Option<NodeIndex> {
        self.index.get(address).copied()
    }

    /// The address of `node`, borrowed from its item.
    pub fn address(&self, node: NodeIndex) -> &'a Address {
        self.graph[node]
    }

    /// What `node` waits for, in the order its item names them (`depends_on`, then the
    /// parent), each once.
    pub fn dependencies(&self, node: NodeIndex) -> Vec<NodeIndex> {
        // Every edge into `node` was added while its item was read, in the order the item
        // names them, so edge ids keep that order.
        let mut edges: Vec<_> = self.graph.edges_directed(node, Incoming).collect();
        edges.sort_by_key(|e| e.id());
        edges.into_iter().map(|e| e.source()).collect()
    }

    /// What waits for `node`, in the order of the items.
    pub fn dependents(&self, node: NodeIndex) -> Vec<NodeIndex> {
        self.outgoing(node, |_| true)
    }

    /// The items nested directly in `node`, in the order of the items: they are deleted
    /// before it.
    pub fn children(&self, node: NodeIndex) -> Vec<NodeIndex> {
        self.outgoing(node, |edge| edge.parent)
    }

    fn outgoing(&self, node: NodeIndex, keep: impl Fn(&Edge) -> bool) -> Vec<NodeIndex> {
        let mut targets: Vec<NodeIndex> = (self.graph.edges_directed(node, Outgoing))
            .filter(|e| keep(e.weight()))
            .map(|e| e.target())
            .collect();
        targets.sort_unstable();
        targets
    }

    /// `seeds` and everything they need, transitively: what they depend on and their
    /// parents. What a `--target` brings along.
    pub fn with_dependencies(
        &self,
        seeds: impl IntoIterator<Item = NodeIndex>,
    ) -> BTreeSet<NodeIndex> {
        self.closure(seeds, Incoming)
    }

    /// `seeds` and everything that needs them, transitively: their dependents and what is
    /// nested in them. What an `--exclude` takes away.
    pub fn with_dependents(
        &self,
        seeds: impl IntoIterator<Item = NodeIndex>,
    ) -> BTreeSet<NodeIndex> {
        self.closure(seeds, Outgoing)
    }

    fn closure(
        &self,
        seeds: impl IntoIterator<Item = NodeIndex>,
        direction: Direction,
    ) -> BTreeSet<NodeIndex> {
        let mut found = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = seeds.into_iter().collect();
        while let Some(node) = stack.pop() {
            if found.insert(node) {
                stack.extend(self.graph.neighbors_directed(node, direction));
            }
        }
        found
    }

    /// Every node, each after everything it depends on. Deterministic: nodes are taken by
    /// address, and each is preceded by its not yet placed dependencies, taken by address
    /// too, depth first. That keeps a resource next to what it needs, and is the order a
    /// plan lists its changes in. Deletes go the other way along nesting (children first,
    /// see `engine::apply`). A cycle, which the manifest loader rejects, cannot make it
    /// loop: every node is placed once.
    pub fn topological_order(&self) -> Vec<NodeIndex> {
        let mut roots: Vec<NodeIndex> = self.nodes().collect();
        roots.sort_by_key(|n| self.graph[*n]);
        let mut placed = vec![false; self.len()];
        let mut order = Vec::with_capacity(self.len());
        // A node being placed, its dependencies by address, and how many were visited.
        let mut stack: Vec<(NodeIndex, Vec<NodeIndex>, usize)> = Vec::new();
        for root in roots {
            if std::mem::replace(&mut placed[root.index()], true) {
                continue;
            }
            stack.push((root, self.dependencies_by_address(root), 0));
            while let Some((node, dependencies, visited)) = stack.last_mut() {
                let Some(&next) = dependencies.get(*visited) else {
                    order.push(*node);
                    stack.pop();
                    continue;
                };
                *visited += 1;
                if !std::mem::replace(&mut placed[next.index()], true) {
                    stack.push((next, self.dependencies_by_address(next), 0));
                }
            }
        }
        order
    }

    fn dependencies_by_address(&self, node: NodeIndex) -> Vec<NodeIndex> {
        let mut dependencies = self.dependencies(node);
        dependencies.sort_by_key(|n| self.graph[*n]);
        dependencies
    }

    /// Every cycle, each as the ordered list of its members (`a -> b -> a` is `[a, b]`),
    /// starting at its smallest address, sorted: the manifest loader names whole loops.
    /// Nesting edges count too; the loader puts a parent among its child's `depends_on`
    /// anyway, so a cycle always has a `depends_on` edge to remove.
    pub fn cycles(&self) -> Vec<Vec<&'a Address>> {
        let graph = &self.graph;
        let mut cycles = Vec::new();
        for component in tarjan_scc(graph) {
            let self_loop = component.len() == 1 && graph.contains_edge(component[0], component[0]);
            if component.len() < 2 && !self_loop {
                continue;
            }
            let start = *component
                .iter()
                .min_by_key(|n| graph[**n])
                .expect("non-empty component");
            let mut path = vec![start];
            let mut current = start;
            // Walk inside the component until the start is reached again; every node of a
            // strongly connected component has a successor inside it.
            for _ in 0..component.len() {
                let next = graph
                    .neighbors(current)
                    .filter(|n| component.contains(n))
                    .min_by_key(|n| (*n != start, graph[*n]));
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
            cycles.push(path.into_iter().map(|n| graph[n]).collect());
        }
        cycles.sort();
        cycles
    }
}

/// Every dependency cycle among `resources`, each as the ordered list of its members
/// (`a -> b -> a` is `[a, b]`), so the error can name the whole loop.
pub fn cycles(resources: &[Resource]) -> Vec<Vec<Address>> {
    DependencyGraph::new(resources)
        .cycles()
        .into_iter()
        .map(|cycle| cycle.into_iter().cloned().collect())
        .collect()
}

#[cfg(test)]
#[path = "graph_tests.rs"]
mod tests;
