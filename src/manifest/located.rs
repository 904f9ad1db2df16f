//! Where every value and key of the merged manifest was written, by JSON pointer.
//!
//! The parsed tree already holds every span, so [`Located`] keeps the tree and walks it
//! when asked, instead of a map from pointer strings to spans built for every value of
//! every file whether or not anything is ever located (at 10,000 resources that map was
//! a fifth of `validate`'s time and most of its allocations). A mapping with many
//! entries (a section of thousands of resources) gets a sorted index, so a lookup costs
//! a few comparisons per pointer segment however wide the manifest is.

use std::collections::HashMap;

use super::node::{Node, NodeValue, Span};

/// Entries from which a mapping gets an index; below it, a scan is as fast.
const INDEXED_FROM: usize = 16;

/// Spans of every value and key of the merged document, by JSON pointer.
#[derive(Debug, Clone, Default)]
pub struct Located {
    root: Option<Node>,
    /// Per wide mapping (keyed by the address of its entries), the positions of its
    /// entries sorted by name; among equal names the last one written wins, as it does
    /// in the JSON document.
    index: HashMap<usize, Vec<u32>>,
}

/// The node at a pointer, and the span of its key when its parent is a mapping.
struct Found<'t> {
    node: &'t Node,
    key: Option<Span>,
}

impl Found<'_> {
    /// Where the value is written: block mappings have zero-length spans, so their key is
    /// the better anchor.
    fn value_span(&self) -> Span {
        match self.key {
            Some(key) if self.node.span.len == 0 => key,
            _ => self.node.span,
        }
    }
}

impl Located {
    /// Locates the values of `root`, the merged and interpolated manifest.
    pub fn new(root: Node) -> Self {
        let mut index = HashMap::new();
        build_index(&root, &mut index);
        Located {
            root: Some(root),
            index,
        }
    }

    /// The span of the value at exactly `pointer`.
    pub fn value_at(&self, pointer: &str) -> Option<Span> {
        let (found, whole) = self.deepest(pointer)?;
        whole.then_some(found.node.span)
    }

    /// The span of the key of the entry at exactly `pointer`.
    pub fn key_at(&self, pointer: &str) -> Option<Span> {
        let (found, whole) = self.deepest(pointer)?;
        found.key.filter(|_| whole)
    }

    /// Span of the value at `pointer`, else of the nearest ancestor that has one.
    pub fn value(&self, pointer: &str) -> Span {
        self.deepest(pointer)
            .map_or_else(Span::default, |(found, _)| found.value_span())
    }

    /// Span of the key of the entry at `pointer`, falling back to its value.
    pub fn key(&self, pointer: &str) -> Span {
        let Some((found, whole)) = self.deepest(pointer) else {
            return Span::default();
        };
        match found.key {
            Some(key) if whole => key,
            _ => found.value_span(),
        }
    }

    /// The node at exactly `pointer`.
    pub fn node_at(&self, pointer: &str) -> Option<&Node> {
        let (found, whole) = self.deepest(pointer)?;
        whole.then_some(found.node)
    }

    /// The value of `node`'s entry `name` (a mapping's), or item (a list's, by its index
    /// written out): one step of a pointer, for a walk that follows a tree it already
    /// stands in.
    pub fn child<'t>(&'t self, node: &'t Node, name: &str) -> Option<&'t Node> {
        self.step(node, name).map(|found| found.node)
    }

    /// Every key's span, in document order.
    pub fn key_spans(&self) -> Vec<Span> {
        let mut spans = Vec::new();
        if let Some(root) = &self.root {
            collect_keys(root, &mut spans);
        }
        spans
    }

    /// The deepest node on the way to `pointer`, and whether the whole pointer resolved;
    /// `None` without a tree or for a pointer that is not one (no leading `/`).
    fn deepest(&self, pointer: &str) -> Option<(Found<'_>, bool)> {
        let mut found = Found {
            node: self.root.as_ref()?,
            key: None,
        };
        if pointer.is_empty() {
            return Some((found, true));
        }
        for segment in pointer.strip_prefix('/')?.split('/') {
            match self.step(found.node, &unescape(segment)) {
                Some(child) => found = child,
                None => return Some((found, false)),
            }
        }
        Some((found, true))
    }

    fn step<'t>(&'t self, node: &'t Node, segment: &str) -> Option<Found<'t>> {
        match &node.value {
            NodeValue::Scalar(_) => None,
            NodeValue::Seq(items) => {
                let i: usize = segment.parse().ok()?;
                // Pointers name an item by its canonical index only (`01` is not `1`).
                (i.to_string() == segment).then_some(())?;
                items.get(i).map(|node| Found { node, key: None })
            }
            NodeValue::Map(entries) => {
                let name = segment;
                // Only a wide mapping has an index: a narrow one is not worth a hash.
                let sorted = (entries.len() >= INDEXED_FROM)
                    .then(|| self.index.get(&(entries.as_ptr() as usize)))
                    .flatten();
                let position = match sorted {
                    Some(sorted) => {
                        let after =
                            sorted.partition_point(|&p| *entries[p as usize].0.name <= *name);
                        let last = *sorted.get(after.checked_sub(1)?)?;
                        (entries[last as usize].0.name == *name).then_some(last as usize)?
                    }
                    None => entries.iter().rposition(|(k, _)| k.name == *name)?,
                };
                let (key, node) = &entries[position];
                Some(Found {
                    node,
                    key: Some(key.span),
                })
            }
        }
    }
}

fn unescape(segment: &str) -> std::borrow::Cow<'_, str> {
    if segment.contains('~') {
        segment.replace("~1", "/").replace("~0", "~").into()
    } else {
        segment.into()
    }
}

fn build_index(node: &Node, index: &mut HashMap<usize, Vec<u32>>) {
    match &node.value {
        NodeValue::Scalar(_) => {}
        NodeValue::Seq(items) => items.iter().for_each(|n| build_index(n, index)),
        NodeValue::Map(entries) => {
            if entries.len() >= INDEXED_FROM {
                let mut sorted: Vec<u32> = (0..entries.len() as u32).collect();
                // Stable: equal names keep their order, so the last of them is the one
                // written last.
                sorted
                    .sort_by(|&a, &b| entries[a as usize].0.name.cmp(&entries[b as usize].0.name));
                index.insert(entries.as_ptr() as usize, sorted);
            }
            entries.iter().for_each(|(_, n)| build_index(n, index));
        }
    }
}

fn collect_keys(node: &Node, spans: &mut Vec<Span>) {
    match &node.value {
        NodeValue::Scalar(_) => {}
        NodeValue::Seq(items) => items.iter().for_each(|n| collect_keys(n, spans)),
        NodeValue::Map(entries) => {
            for (key, value) in entries {
                spans.push(key.span);
                collect_keys(value, spans);
            }
        }
    }
}

#[cfg(test)]
mod tests;
