//! Where each attribute of a loaded resource was written, worked out when a plan asks.
//!
//! A resource's attributes follow its body in the manifest (a scenario's `file.object` is
//! written at `<scenario>/file/object`), so the kept tree answers any attribute path by
//! walking the attributes and the tree side by side from the resource's pointer. A plan
//! shows a handful of changed fields; `validate` shows none.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde_json::Value;

use super::interpolate::Interpolated;
use super::located::Located;
use super::node::Node;
use super::source::{SourceMap, push_segment};
use crate::model::{AttributeOrigins, Provenance, Resource};

/// The located tree of one loaded manifest, with what a provenance needs besides a span.
pub struct ManifestOrigins {
    located: Arc<Located>,
    sources: SourceMap,
    /// Pointer → the environment overlay whose variable supplied (part of) the value.
    overlays: HashMap<String, String>,
}

impl fmt::Debug for ManifestOrigins {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The tree is the whole manifest: a resource's debug form names only the files.
        let files: Vec<_> = self.sources.texts().map(|(name, _)| name).collect();
        f.debug_struct("ManifestOrigins")
            .field("files", &files)
            .finish_non_exhaustive()
    }
}

impl ManifestOrigins {
    pub fn new(located: Arc<Located>, sources: &SourceMap, interpolated: &Interpolated) -> Self {
        ManifestOrigins {
            located,
            sources: sources.clone(),
            overlays: interpolated.overlays.clone(),
        }
    }

    /// Where the value `node`, found at `pointer`, was written, and the environment whose
    /// overlay set it, if one did.
    pub fn provenance_of(&self, node: &Node, pointer: &str) -> Provenance {
        let mut origin = self.sources.provenance(node.span);
        origin.overlay = self.overlays.get(pointer).cloned();
        origin
    }

    /// Follows `value` (found at `node`, `pointer`, attribute path `path`) towards the
    /// attribute `wanted`, naming paths as diffs do: `a.b` for entries, `a[0]` for items.
    /// A list is an attribute of its own (a list of scalars diffs as one field) and gets
    /// its span, with the overlay of the first item an overlay set. Later entries win over
    /// earlier ones whose path reads the same (a key holding a `.`).
    fn find(
        &self,
        value: &Value,
        node: &Node,
        pointer: &mut String,
        path: &str,
        wanted: &str,
    ) -> Option<Provenance> {
        let mut found = None;
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let child_path = match path {
                        "" => key.clone(),
                        _ => format!("{path}.{key}"),
                    };
                    found = self
                        .descend(child, node, key, pointer, &child_path, wanted)
                        .or(found);
                }
            }
            Value::Array(items) => {
                if path == wanted {
                    let mut origin = self.sources.provenance(node.span);
                    origin.overlay = (0..items.len())
                        .find_map(|i| self.overlays.get(&format!("{pointer}/{i}")))
                        .cloned();
                    found = Some(origin);
                }
                for (i, child) in items.iter().enumerate() {
                    let child_path = format!("{path}[{i}]");
                    found = self
                        .descend(child, node, &i.to_string(), pointer, &child_path, wanted)
                        .or(found);
                }
            }
            _ if path == wanted => found = Some(self.provenance_of(node, pointer)),
            _ => {}
        }
        found
    }

    /// [`Self::find`] in `child`, the value of `node`'s entry or item `segment`, when its
    /// path `child_path` leads to `wanted` and the tree has it.
    fn descend(
        &self,
        child: &Value,
        node: &Node,
        segment: &str,
        pointer: &mut String,
        child_path: &str,
        wanted: &str,
    ) -> Option<Provenance> {
        if !leads_to(child_path, wanted) {
            return None;
        }
        let child_node = self.located.child(node, segment)?;
        let len = pointer.len();
        push_segment(pointer, segment);
        let found = self.find(child, child_node, pointer, child_path, wanted);
        pointer.truncate(len);
        found
    }
}

/// Whether the attribute `path` is `wanted` or one of its ancestors.
fn leads_to(path: &str, wanted: &str) -> bool {
    wanted
        .strip_prefix(path)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

impl AttributeOrigins for ManifestOrigins {
    fn provenance(&self, resource: &Resource, path: &str) -> Option<Provenance> {
        let node = self.located.node_at(&resource.pointer)?;
        let mut pointer = resource.pointer.clone();
        self.find(&resource.attributes, node, &mut pointer, "", path)
    }
}

#[cfg(test)]
mod tests;
