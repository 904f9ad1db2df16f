//! Which declared resources a run covers: everything, or `--target`s with what they need,
//! minus `--exclude`s with what needs them.
//!
//! A partial run must never touch what it does not cover. Two sets carry that to the
//! planner: resources declared in the manifest but out of scope (their remote objects are
//! neither planned nor reported as unmanaged), and resources pulled in only as context — a
//! target's parent or dependency — whose undeclared remote children are left alone, so that
//! `prune` on a parent only acts when that parent itself is targeted.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::graph::{DependencyGraph, NodeIndex};
use crate::model::{Address, Resource};
use crate::suggest::did_you_mean;

/// The resources a run covers.
#[derive(Debug, Clone, Default)]
pub struct Scope<'a> {
    /// In scope, in manifest order: the manifest's own list when the run covers all of it
    /// (the common case, and at 10,000 resources a copy worth avoiding).
    pub resources: Cow<'a, [Resource]>,
    /// Declared in the manifest but outside the scope.
    pub out_of_scope: BTreeSet<Address>,
    /// In scope only because something targeted needs them (a parent, a dependency).
    pub context: BTreeSet<Address>,
}

impl<'a> Scope<'a> {
    /// The whole manifest.
    pub fn all(resources: &'a [Resource]) -> Self {
        Scope {
            resources: Cow::Borrowed(resources),
            ..Scope::default()
        }
    }

    pub fn is_partial(&self) -> bool {
        !self.out_of_scope.is_empty()
    }
}

/// A `--target` or `--exclude` address that cannot be used: it matches no declared
/// resource, or (a target) the excludes remove all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAddress {
    pub flag: &'static str,
    pub address: String,
    /// What is wrong, e.g. "matches no declared resource".
    pub problem: &'static str,
    pub help: Option<String>,
}

/// Selects the scope. A target selects its subtree (an address and its descendants), the
/// deployment records that follow a targeted release (they record that deployment), plus,
/// transitively, everything those depend on and their parents. An exclude removes its
/// subtree and, transitively, everything that depends on a removed resource: applying a
/// dependent without what it depends on would act on a state nobody planned.
pub fn select<'a>(
    all: &'a [Resource],
    targets: &[String],
    excludes: &[String],
) -> Result<Scope<'a>, Vec<UnknownAddress>> {
    if targets.is_empty() && excludes.is_empty() {
        return Ok(Scope::all(all));
    }
    let mut unknown = Vec::new();
    let mut subtree = |flag: &'static str, address: &str| -> BTreeSet<Address> {
        let root = Address(address.to_owned());
        let matched: BTreeSet<Address> = all
            .iter()
            .filter(|r| r.address.is_within(&root))
            .map(|r| r.address.clone())
            .collect();
        if matched.is_empty() {
            unknown.push(UnknownAddress {
                flag,
                address: address.to_owned(),
                problem: "matches no declared resource",
                help: did_you_mean(address, all.iter().map(|r| r.address.as_str())),
            });
        }
        matched
    };
    let mut targeted: BTreeSet<Address> = if targets.is_empty() {
        all.iter().map(|r| r.address.clone()).collect()
    } else {
        targets
            .iter()
            .flat_map(|t| subtree("--target", t))
            .collect()
    };
    let followers: Vec<Address> = (all.iter())
        .filter(|r| r.follows.as_ref().is_some_and(|f| targeted.contains(f)))
        .map(|r| r.address.clone())
        .collect();
    targeted.extend(followers);
    let excluded_roots: BTreeSet<Address> = excludes
        .iter()
        .flat_map(|e| subtree("--exclude", e))
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }

    let graph = DependencyGraph::new(all);
    let selected = by_address(&graph, &targeted, |seeds| graph.with_dependencies(seeds));
    let excluded = by_address(&graph, &excluded_roots, |seeds| {
        graph.with_dependents(seeds)
    });
    let emptied: Vec<UnknownAddress> = targets
        .iter()
        .filter(|t| {
            let root = Address((*t).clone());
            targeted
                .iter()
                .filter(|a| a.is_within(&root))
                .all(|a| excluded.contains(a))
        })
        .map(|t| UnknownAddress {
            flag: "--target",
            address: t.clone(),
            problem: "is left out entirely by --exclude",
            help: Some(
                "it, or what it depends on, is excluded: drop the target or the exclude".into(),
            ),
        })
        .collect();
    if !emptied.is_empty() {
        return Err(emptied);
    }
    let in_scope: BTreeSet<&Address> = selected.difference(&excluded).collect();
    Ok(Scope {
        resources: Cow::Owned(
            all.iter()
                .filter(|r| in_scope.contains(&r.address))
                .cloned()
                .collect(),
        ),
        out_of_scope: all
            .iter()
            .map(|r| &r.address)
            .filter(|a| !in_scope.contains(a))
            .cloned()
            .collect(),
        context: in_scope
            .iter()
            .filter(|a| !targeted.contains(**a))
            .map(|a| (*a).clone())
            .collect(),
    })
}

/// `seeds` and, transitively, what they depend on and their parents: what applying the
/// seeds needs to exist (and, for a saved plan, what must be read again to check it).
pub fn requirements(all: &[Resource], seeds: &BTreeSet<Address>) -> BTreeSet<Address> {
    let graph = DependencyGraph::new(all);
    by_address(&graph, seeds, |nodes| graph.with_dependencies(nodes))
}

/// `seeds` and what `closure` reaches from the declared ones, as addresses. A seed that is
/// not declared (the parent of an undeclared remote object) is kept, with nothing to follow.
fn by_address(
    graph: &DependencyGraph<'_>,
    seeds: &BTreeSet<Address>,
    closure: impl FnOnce(Vec<NodeIndex>) -> BTreeSet<NodeIndex>,
) -> BTreeSet<Address> {
    let declared = closure(seeds.iter().filter_map(|a| graph.find(a)).collect());
    let mut found = seeds.clone();
    found.extend(declared.into_iter().map(|n| graph.address(n).clone()));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(address: &str, parent: Option<&str>, depends_on: &[&str]) -> Resource {
        let name = address.rsplit('.').next().unwrap();
        Resource {
            parent: parent.map(|p| Address(p.into())),
            depends_on: depends_on.iter().map(|d| Address((*d).into())).collect(),
            ..Resource::bare(address, "ncp", "k", name, serde_json::json!({}))
        }
    }

    fn manifest() -> Vec<Resource> {
        vec![
            resource("ncp.project.shop", None, &[]),
            resource("ncp.project.shop.stage.dev", Some("ncp.project.shop"), &[]),
            resource(
                "ncp.project.shop.stage.dev.scenario.web",
                Some("ncp.project.shop.stage.dev"),
                &[],
            ),
            resource(
                "ncp.project.shop.stage.dev.scenario.api",
                Some("ncp.project.shop.stage.dev"),
                &[],
            ),
            resource(
                "ncp.release.web",
                None,
                &["ncp.project.shop.stage.dev.scenario.web"],
            ),
            resource("ncp.release.api", None, &["ncp.release.web"]),
            resource("ncp.project.blog", None, &[]),
        ]
    }

    fn addresses(set: &[Resource]) -> Vec<&str> {
        set.iter().map(|r| r.address.as_str()).collect()
    }

    #[test]
    fn no_flags_select_everything() {
        let all = manifest();
        let scope = select(&all, &[], &[]).unwrap();
        assert_eq!(scope.resources.len(), 7);
        assert!(!scope.is_partial());
        assert!(scope.context.is_empty());
    }

    #[test]
    fn a_target_brings_what_it_needs_as_context() {
        let all = manifest();
        let scope = select(&all, &["ncp.release.web".into()], &[]).unwrap();
        assert_eq!(
            addresses(&scope.resources),
            [
                "ncp.project.shop",
                "ncp.project.shop.stage.dev",
                "ncp.project.shop.stage.dev.scenario.web",
                "ncp.release.web"
            ]
        );
        assert!(
            scope
                .context
                .contains(&Address("ncp.project.shop.stage.dev".into()))
        );
        assert!(!scope.context.contains(&Address("ncp.release.web".into())));
        assert!(
            scope
                .out_of_scope
                .contains(&Address("ncp.project.shop.stage.dev.scenario.api".into()))
        );
    }

    #[test]
    fn a_target_selects_its_subtree() {
        let all = manifest();
        let scope = select(&all, &["ncp.project.shop.stage.dev".into()], &[]).unwrap();
        assert_eq!(
            addresses(&scope.resources),
            [
                "ncp.project.shop",
                "ncp.project.shop.stage.dev",
                "ncp.project.shop.stage.dev.scenario.web",
                "ncp.project.shop.stage.dev.scenario.api",
            ]
        );
        assert_eq!(
            scope
                .context
                .iter()
                .map(Address::as_str)
                .collect::<Vec<_>>(),
            ["ncp.project.shop"]
        );
    }

    #[test]
    fn an_exclude_removes_its_subtree_and_its_dependents() {
        let all = manifest();
        let scope = select(
            &all,
            &[],
            &["ncp.project.shop.stage.dev.scenario.web".into()],
        )
        .unwrap();
        assert_eq!(
            addresses(&scope.resources),
            [
                "ncp.project.shop",
                "ncp.project.shop.stage.dev",
                "ncp.project.shop.stage.dev.scenario.api",
                "ncp.project.blog"
            ]
        );
        assert!(scope.context.is_empty());
    }

    #[test]
    fn unknown_addresses_are_all_reported_with_a_suggestion() {
        let all = manifest();
        let errors = select(
            &all,
            &["ncp.release.wbe".into()],
            &["ncp.project.nope-at-all-xyz".into()],
        )
        .unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].flag, "--target");
        assert!(
            errors[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("ncp.release.web"),
            "{errors:?}"
        );
        assert_eq!(errors[1].flag, "--exclude");
    }

    #[test]
    fn a_target_that_its_excludes_remove_entirely_is_an_error() {
        let all = manifest();
        let errors = select(
            &all,
            &["ncp.release.web".into()],
            &["ncp.project.shop.stage.dev".into()],
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].problem == "is left out entirely by --exclude",
            "{errors:?}"
        );
    }

    /// A record of a release's deployment is part of that deployment: targeting the release
    /// brings it (and what it needs), so the record cannot fall behind the release.
    #[test]
    fn a_targeted_release_brings_the_records_that_follow_it() {
        let mut all = manifest();
        all.push(resource("gh.repository.shop", None, &[]));
        all.push(Resource {
            follows: Some(Address("ncp.release.web".into())),
            ..resource(
                "gh.repository.shop.deployment.web",
                Some("gh.repository.shop"),
                &["gh.repository.shop", "ncp.release.web"],
            )
        });
        let scope = select(&all, &["ncp.release.web".into()], &[]).unwrap();
        let selected = addresses(&scope.resources);
        assert!(
            selected.contains(&"gh.repository.shop.deployment.web"),
            "{selected:?}"
        );
        assert!(
            scope
                .context
                .contains(&Address("gh.repository.shop".into()))
        );
        assert!(!selected.contains(&"ncp.release.api"));
        // Excluding the release excludes its records too (they depend on it).
        let scope = select(&all, &[], &["ncp.release.web".into()]).unwrap();
        assert!(!addresses(&scope.resources).contains(&"gh.repository.shop.deployment.web"));
    }

    #[test]
    fn a_prefix_that_is_not_a_segment_boundary_matches_nothing() {
        assert!(select(&manifest(), &["ncp.project.sho".into()], &[]).is_err());
    }
}
