//! The plan: every declared resource's change, the undeclared remote children, a summary,
//! and what a saved plan needs (format version, manifest hash, environment, fingerprints).

use std::collections::{BTreeSet, HashMap, HashSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::diff;
use super::graph::{DependencyGraph, NodeIndex};
use crate::model::{Action, Address, Change, KindRules, RemoteObject, RemoteState, Resource};

/// Version of the plan document; bumped on any incompatible change.
pub const FORMAT_VERSION: &str = "1";

/// A plan, as rendered with `--format json` and saved with `--out`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Plan {
    pub format_version: String,
    pub deployplan_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// SHA-256 over the manifest files the plan was computed from.
    pub manifest_hash: String,
    /// What the plan covers, so that `apply PLANFILE` re-loads the same manifest and scope.
    pub scope: PlanScope,
    pub summary: Summary,
    /// Every address, in apply order of creation (dependencies first).
    pub changes: Vec<Change>,
    /// What the providers could not check while reading (a lookup the account may not
    /// make): part of the plan, so a reviewer of the posted plan sees what it does not
    /// vouch for, not only whoever reads the CI log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// SHA-256 (hex) over the rest of this document as written: `apply PLANFILE` refuses a
    /// file whose content no longer matches it, so a change removed, added or altered by
    /// hand (or a damaged artifact) never runs. A check against accidents and tampering by
    /// anything that does not also recompute it — not a signature.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub digest: String,
}

impl Plan {
    /// The digest this plan's content has (whatever its `digest` field says): the plan is
    /// serialised straight into the hash, never copied or written out whole.
    pub fn content_digest(&mut self) -> String {
        let written = std::mem::take(&mut self.digest);
        let digest = crate::digest::HashWriter::json(&*self);
        self.digest = written;
        digest
    }

    /// Sets `digest` from the content; done once the plan is complete.
    pub fn sealed(mut self) -> Self {
        self.digest = self.content_digest();
        self
    }
}

/// The manifest and the part of it a plan covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PlanScope {
    /// Manifest file or directory, as given on the command line (relative to the working
    /// directory the plan was made in).
    pub manifest: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excludes: Vec<String>,
    /// `--prune` was given.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prune: bool,
}

/// Counts per action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub deploy: usize,
    pub unmanaged: usize,
    pub unchanged: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Self {
        let mut s = Summary::default();
        for change in changes {
            match change.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
                Action::Deploy => s.deploy += 1,
                Action::Unmanaged => s.unmanaged += 1,
                Action::Noop => s.unchanged += 1,
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.replace + self.delete + self.deploy > 0
    }
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.summary.has_changes()
    }
}

/// A plan that would break a safety rule.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("the plan would {action} protected resource `{address}` ({reason})")]
#[diagnostic(
    code(deployplan::protected),
    help("remove `protect: true` from {origin} first if this is really intended")
)]
pub struct ProtectedError {
    pub address: Address,
    pub action: &'static str,
    pub reason: String,
    pub origin: String,
}

/// Inputs of planning besides resources and remote state.
pub struct PlanInput<'a> {
    pub environment: Option<String>,
    pub manifest_hash: String,
    /// Recorded in the plan; `scope.prune` deletes every undeclared child of a declared
    /// parent.
    pub scope: PlanScope,
    /// Declared in the manifest but outside a partial run: never planned, never unmanaged.
    pub out_of_scope: &'a BTreeSet<Address>,
    /// In a partial run only as a target's parent or dependency: their undeclared remote
    /// children are left out (neither reported nor pruned).
    pub context: &'a BTreeSet<Address>,
    pub rules: &'a dyn Fn(&Resource) -> KindRules,
}

/// Computes the plan. Pure: everything remote is in `remote`.
pub fn plan(
    resources: &[Resource],
    remote: &RemoteState,
    input: &PlanInput<'_>,
) -> Result<Plan, Vec<ProtectedError>> {
    let mut changes: Vec<Change> = resources
        .iter()
        .map(|r| diff::diff_resource(r, remote.objects.get(&r.address), &(input.rules)(r)))
        .collect();
    propagate_replacements(&mut changes);

    let declared: HashMap<&Address, &Resource> =
        resources.iter().map(|r| (&r.address, r)).collect();
    let replaced: HashSet<Address> = changes
        .iter()
        .filter(|c| c.action == Action::Replace)
        .map(|c| c.address.clone())
        .collect();
    for object in remote.objects.values() {
        if declared.contains_key(&object.address) || input.out_of_scope.contains(&object.address) {
            continue;
        }
        let Some((parent, top)) = owner(object, &declared, remote, input.out_of_scope) else {
            continue;
        };
        if input.context.contains(&parent.address) {
            continue;
        }
        let owner = Owner {
            parent,
            top,
            replaced: replaced.contains(&parent.address),
        };
        changes.push(undeclared_child(object, &owner, input.scope.prune));
    }

    let errors: Vec<ProtectedError> = changes
        .iter()
        .filter(|c| c.is_destructive())
        .filter_map(|c| {
            declared
                .get(&c.address)
                .filter(|r| r.protect)
                .map(|r| (c, r))
        })
        .map(|(c, r)| ProtectedError {
            address: c.address.clone(),
            action: c.action.as_str(),
            reason: c.reason.clone(),
            origin: r
                .origin
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_else(|| "the manifest".into()),
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    order(&mut changes);
    Ok(Plan {
        format_version: FORMAT_VERSION.into(),
        deployplan_version: env!("CARGO_PKG_VERSION").into(),
        environment: input.environment.clone(),
        manifest_hash: input.manifest_hash.clone(),
        scope: input.scope.clone(),
        summary: Summary::of(&changes),
        changes,
        warnings: remote.warnings.clone(),
        digest: String::new(),
    }
    .sealed())
}

/// The declared resource that owns an undeclared remote object, and the outermost
/// undeclared object on the way up (the object itself for a direct child): the scenario of
/// an undeclared stage belongs, through that stage, to the declared project.
fn owner<'r>(
    object: &'r RemoteObject,
    declared: &HashMap<&Address, &'r Resource>,
    remote: &'r RemoteState,
    out_of_scope: &BTreeSet<Address>,
) -> Option<(&'r Resource, &'r RemoteObject)> {
    let mut top = object;
    for _ in 0..=remote.objects.len() {
        let parent = top.parent.as_ref()?;
        if let Some(resource) = declared.get(parent) {
            return Some((resource, top));
        }
        if out_of_scope.contains(parent) {
            return None;
        }
        top = remote.objects.get(parent)?;
    }
    None
}

/// Who decides the fate of an undeclared remote object.
struct Owner<'r> {
    /// The declared resource it belongs to.
    parent: &'r Resource,
    /// The outermost undeclared object between them (the object itself when a child).
    top: &'r RemoteObject,
    /// `parent` is replaced: its remote children cannot outlive it.
    replaced: bool,
}

fn undeclared_child(object: &RemoteObject, owner: &Owner<'_>, prune_all: bool) -> Change {
    let parent = owner.parent;
    let prune = prune_all || parent.prune;
    let inside = if owner.top.address == object.address {
        String::new()
    } else {
        format!("inside `{}`, ", owner.top.address)
    };
    let (action, reason) = if owner.replaced {
        (
            Action::Delete,
            format!(
                "{inside}not in the manifest; deleted before its replaced parent `{}`",
                parent.address
            ),
        )
    } else if prune {
        let by = if parent.prune {
            format!("`prune` on `{}`", parent.address)
        } else {
            "`--prune`".to_owned()
        };
        (
            Action::Delete,
            format!("{inside}not in the manifest; pruned ({by})"),
        )
    } else {
        (
            Action::Unmanaged,
            format!(
                "{inside}not in the manifest; `prune: true` on `{}` would delete it",
                parent.address
            ),
        )
    };
    Change {
        address: object.address.clone(),
        provider: parent.provider.clone(),
        kind: object.kind.clone(),
        name: object.name.clone(),
        parent: object.parent.clone(),
        action,
        reason,
        fields: Vec::new(),
        depends_on: Vec::new(),
        remote_id: Some(object.id.clone()),
        fingerprint: diff::fingerprint(Some(object)),
        desired: None,
        origin: None,
        following: None,
        follows: None,
        method: None,
        destructive: false,
    }
}

/// A replaced parent takes its remote children with it: they must be created again, and
/// so must theirs.
fn propagate_replacements(changes: &mut [Change]) {
    let reborn: Vec<usize> = {
        let graph = DependencyGraph::new(changes);
        let mut reborn = BTreeSet::new();
        let mut replaced: Vec<NodeIndex> = graph
            .nodes()
            .filter(|n| changes[n.index()].action == Action::Replace)
            .collect();
        while let Some(parent) = replaced.pop() {
            for child in graph.children(parent) {
                let kept = matches!(changes[child.index()].action, Action::Noop | Action::Update);
                if kept && reborn.insert(child.index()) {
                    replaced.push(child);
                }
            }
        }
        reborn.into_iter().collect()
    };
    for i in reborn {
        let change = &mut changes[i];
        change.action = Action::Create;
        change.reason = "re-created with its replaced parent".into();
        change.remote_id = None;
    }
}

/// Orders changes so every dependency comes before its dependents (ties by address), which
/// is the order the text plan lists them in.
fn order(changes: &mut Vec<Change>) {
    let sorted: Vec<NodeIndex> = DependencyGraph::new(changes).topological_order();
    let mut taken: Vec<Option<Change>> = std::mem::take(changes).into_iter().map(Some).collect();
    *changes = sorted
        .into_iter()
        .filter_map(|n| taken[n.index()].take())
        .collect();
}

/// The JSON Schema of the plan document.
pub fn plan_schema() -> serde_json::Value {
    crate::manifest::schema::generate::<Plan>("https://deployplan.dev/schemas/plan.schema.json")
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
