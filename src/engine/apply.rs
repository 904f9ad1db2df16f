//! The executor: runs a plan's changes in dependency order with bounded parallelism.
//!
//! Design notes:
//! - Creates, updates, replacements and deploys wait for the changes they depend on;
//!   deletes wait for the deletes of their children (children go first).
//! - A failed node fails only its dependents (they are skipped, with the reason); independent
//!   branches go on.
//! - On interrupt no new node starts; running nodes finish (providers cancel running
//!   deployments where they can); what never started is reported as not started.
//! - The executor never prints: it reports through [`Reporter`].

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::model::{Action, Address, Change, Resource};
use crate::providers::{ApplyContext, Provider, ProviderError};

/// How a node ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeStatus {
    Applied(String),
    Failed(String),
    Skipped(String),
    NotStarted,
}

/// Receives apply events; implementations render them (live on a TTY, lines in CI logs).
pub trait Reporter: Send + Sync {
    fn started(&self, change: &Change);
    fn progress(&self, address: &Address, message: &str);
    fn finished(&self, change: &Change, status: &NodeStatus);
}

/// The result of an apply.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub results: Vec<(Change, NodeStatus)>,
}

impl ApplyReport {
    pub fn count(&self, f: impl Fn(&NodeStatus) -> bool) -> usize {
        self.results.iter().filter(|(_, s)| f(s)).count()
    }

    pub fn applied(&self) -> usize {
        self.count(|s| matches!(s, NodeStatus::Applied(_)))
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, NodeStatus::Failed(_)))
    }

    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, NodeStatus::Skipped(_) | NodeStatus::NotStarted))
    }

    pub fn success(&self) -> bool {
        self.failed() == 0 && self.skipped() == 0
    }
}

/// Which earlier changes each change waits for.
fn prerequisites(changes: &[Change]) -> Vec<Vec<usize>> {
    let index: HashMap<&Address, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.address, i))
        .collect();
    changes
        .iter()
        .map(|change| {
            // Children deleted go first: before their parent's delete, and before the
            // delete that starts their parent's replacement.
            let children_deleted = changes
                .iter()
                .enumerate()
                .filter(|(_, other)| {
                    other.action == Action::Delete && other.parent.as_ref() == Some(&change.address)
                })
                .map(|(i, _)| i);
            let mut deps: Vec<usize> = match change.action {
                Action::Delete => children_deleted.collect(),
                action => change
                    .depends_on
                    .iter()
                    .chain(change.parent.iter())
                    .filter_map(|d| index.get(d).copied())
                    .chain(children_deleted.filter(|_| action == Action::Replace))
                    .collect(),
            };
            deps.sort_unstable();
            deps.dedup();
            deps
        })
        .collect()
}

/// Applies every change of `changes` that is a real change.
pub async fn apply(
    changes: Vec<Change>,
    resources: &[Resource],
    providers: &HashMap<String, Arc<dyn Provider>>,
    ctx: ApplyContext,
    parallelism: usize,
    reporter: Arc<dyn Reporter>,
) -> ApplyReport {
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| c.action.is_change())
        .collect();
    let prerequisites = prerequisites(&changes);
    let desired: HashMap<Address, Resource> = resources
        .iter()
        .map(|r| (r.address.clone(), r.clone()))
        .collect();
    let mut status: Vec<Option<NodeStatus>> = vec![None; changes.len()];
    let mut running: HashSet<usize> = HashSet::new();
    let mut tasks: JoinSet<(usize, Result<crate::providers::Outcome, ProviderError>)> =
        JoinSet::new();
    let parallelism = parallelism.max(1);

    loop {
        // Settle nodes whose prerequisites failed, and start ready ones.
        let mut progressed = true;
        while progressed {
            progressed = false;
            for i in 0..changes.len() {
                if status[i].is_some() || running.contains(&i) {
                    continue;
                }
                if let Some(&bad) = prerequisites[i].iter().find(|&&d| {
                    matches!(
                        status[d],
                        Some(
                            NodeStatus::Failed(_) | NodeStatus::Skipped(_) | NodeStatus::NotStarted
                        )
                    )
                }) {
                    let reason = format!("`{}` did not apply", changes[bad].address);
                    let s = NodeStatus::Skipped(reason);
                    reporter.finished(&changes[i], &s);
                    status[i] = Some(s);
                    progressed = true;
                    continue;
                }
                let ready = prerequisites[i]
                    .iter()
                    .all(|&d| matches!(status[d], Some(NodeStatus::Applied(_))));
                if !ready || running.len() >= parallelism || ctx.is_interrupted() {
                    continue;
                }
                let change = changes[i].clone();
                let Some(provider) = providers.get(&change.provider).cloned() else {
                    let s =
                        NodeStatus::Failed(format!("no provider instance `{}`", change.provider));
                    reporter.finished(&changes[i], &s);
                    status[i] = Some(s);
                    progressed = true;
                    continue;
                };
                reporter.started(&change);
                running.insert(i);
                let resource = desired.get(&change.address).cloned();
                let ctx = ctx.clone();
                tasks.spawn(async move {
                    let result = provider.execute(&change, resource.as_ref(), &ctx).await;
                    (i, result)
                });
            }
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (i, result) = match joined {
            Ok(done) => done,
            Err(panic) => {
                // A task that panicked: find it by elimination is impossible; fail all running.
                for &i in &running {
                    let s = NodeStatus::Failed(format!("internal error: {panic}"));
                    reporter.finished(&changes[i], &s);
                    status[i] = Some(s);
                }
                running.clear();
                continue;
            }
        };
        running.remove(&i);
        let s = match result {
            Ok(outcome) => {
                if let Some(id) = &outcome.id {
                    ctx.record_id(&changes[i].address, id.clone());
                }
                NodeStatus::Applied(outcome.message)
            }
            Err(err) => NodeStatus::Failed(crate::redact::redact(&err.to_string()).into_owned()),
        };
        reporter.finished(&changes[i], &s);
        status[i] = Some(s);
    }

    let mut report = ApplyReport::default();
    for (change, s) in changes.into_iter().zip(status) {
        let s = s.unwrap_or(NodeStatus::NotStarted);
        if s == NodeStatus::NotStarted {
            reporter.finished(&change, &s);
        }
        report.results.push((change, s));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(address: &str, action: Action, parent: Option<&str>, deps: &[&str]) -> Change {
        Change {
            address: Address(address.into()),
            provider: "p".into(),
            kind: "k".into(),
            name: address.into(),
            parent: parent.map(|p| Address(p.into())),
            action,
            reason: String::new(),
            fields: vec![],
            depends_on: deps.iter().map(|d| Address((*d).into())).collect(),
            remote_id: None,
            fingerprint: "absent".into(),
            desired: None,
            origin: None,
            following: None,
        }
    }

    #[test]
    fn creates_follow_parents_and_deletes_go_children_first() {
        let changes = [
            change("a", Action::Create, None, &[]),
            change("a.b", Action::Create, Some("a"), &["a"]),
            change("x", Action::Delete, None, &[]),
            change("x.y", Action::Delete, Some("x"), &[]),
        ];
        let pre = prerequisites(&changes);
        assert_eq!(pre[1], vec![0]);
        assert_eq!(pre[2], vec![3], "a parent is deleted after its children");
        assert!(pre[3].is_empty());
    }

    /// A replacement deletes the old object first, and the API refuses to delete a parent
    /// that still has children: the children's deletes must have run.
    #[test]
    fn a_replacement_waits_for_its_childrens_deletes() {
        let changes = [
            change("p", Action::Noop, None, &[]),
            change("p.s", Action::Replace, Some("p"), &["p"]),
            change("p.s.old", Action::Delete, Some("p.s"), &[]),
            change("p.s.kept", Action::Create, Some("p.s"), &["p.s"]),
        ];
        let pre = prerequisites(&changes);
        assert_eq!(pre[1], vec![0, 2]);
        assert_eq!(pre[3], vec![1], "a re-created child follows its parent");
        assert!(pre[2].is_empty());
    }
}
