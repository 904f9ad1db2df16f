//! The executor: runs a plan's changes in dependency order ([`super::schedule`]), with
//! `--parallelism` request slots.
//!
//! Design notes:
//! - Creates, updates, replacements and deploys wait for the changes they depend on;
//!   deletes wait for the deletes of their children (children go first).
//! - A failed node fails only its dependents (they are skipped, with the reason); independent
//!   branches go on.
//! - On interrupt no new node starts; running nodes finish (providers cancel running
//!   deployments where they can); what never started is reported as not started.
//! - A deployment record that follows a release (`Change::follows`) starts when its release
//!   starts, not after it: its `execute` opens the record, learns how the release ended
//!   through `ApplyContext::release_outcome`, and closes it. It holds no request slot while
//!   it waits (with one slot, a record waiting on a release that cannot start would never
//!   end), and a release that never starts takes its records with it.
//! - A change holds a request slot while it sends; waiting for a deployment
//!   (`ApplyContext::pause`) it gives the slot up, so fifty releases each waiting minutes
//!   need not wait for one another at `--parallelism 10`. An optional cap bounds the
//!   deployments in progress per provider instance (`Limits::deployments`).
//! - The executor never prints: it reports through [`Reporter`].

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::graph::{DependencyGraph, NodeIndex};
use super::schedule::Schedule;
use crate::model::{Action, Address, Change, Resource};
use crate::providers::{ApplyContext, Provider, ProviderError, ReleaseOutcome, Slot};

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

/// Per change, the index of the release it follows when that release changes in this
/// apply (a converged release is not in `changes`: its records close at once).
fn leaders(changes: &[Change]) -> Vec<Option<usize>> {
    let index: HashMap<&Address, usize> = (changes.iter().enumerate())
        .map(|(i, change)| (&change.address, i))
        .collect();
    (changes.iter())
        .map(|change| change.follows.as_ref().and_then(|r| index.get(r).copied()))
        .collect()
}

/// Which changes each change waits for, by index into `changes`, ascending. Creates,
/// updates, replacements and deploys wait for what they depend on and for their parent;
/// deletes run the nesting in reverse and wait for the deletes of their children, and so
/// does a replacement (its first step deletes the old object, which the API refuses while
/// children remain). A record does not wait for the release it follows: it starts with it.
fn prerequisites(changes: &[Change]) -> Vec<Vec<usize>> {
    let leaders = leaders(changes);
    let graph = DependencyGraph::new(changes);
    graph
        .nodes()
        .map(|node| {
            let children_deleted = graph
                .children(node)
                .into_iter()
                .filter(|child| changes[child.index()].action == Action::Delete);
            let mut waits: Vec<usize> = match changes[node.index()].action {
                Action::Delete => children_deleted.map(NodeIndex::index).collect(),
                Action::Replace => (graph.dependencies(node).into_iter())
                    .chain(children_deleted)
                    .map(NodeIndex::index)
                    .collect(),
                _ => (graph.dependencies(node).into_iter())
                    .map(NodeIndex::index)
                    .collect(),
            };
            waits.retain(|&d| Some(d) != leaders[node.index()]);
            waits.sort_unstable();
            waits.dedup();
            waits
        })
        .collect()
}

/// What the records following a release learn from how its node ended.
fn release_outcome(result: &Result<crate::providers::Outcome, ProviderError>) -> ReleaseOutcome {
    match result {
        Ok(outcome) => ReleaseOutcome::Succeeded(outcome.message.clone()),
        Err(err @ (ProviderError::Interrupted(_) | ProviderError::Timeout { .. })) => {
            ReleaseOutcome::Abandoned(crate::redact::redact(&err.to_string()).into_owned())
        }
        Err(err) => ReleaseOutcome::Failed(crate::redact::redact(&err.to_string()).into_owned()),
    }
}

/// How many changes run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Request slots (`--parallelism`): a change holds one while it sends requests, and
    /// gives it up while it waits for a deployment ([`ApplyContext::pause`]).
    pub parallelism: usize,
    /// At most this many deployments at once per provider instance (`--max-deployments`);
    /// `None`: as many as are ready.
    pub deployments: Option<usize>,
}

impl Limits {
    /// `parallelism` request slots, deployments not capped.
    pub fn slots(parallelism: usize) -> Self {
        Limits {
            parallelism,
            deployments: None,
        }
    }
}

/// Applies every change of `changes` that is a real change.
pub async fn apply(
    changes: Vec<Change>,
    resources: &[Resource],
    providers: &HashMap<String, Arc<dyn Provider>>,
    ctx: ApplyContext,
    limits: Limits,
    reporter: Arc<dyn Reporter>,
) -> ApplyReport {
    let changes: Vec<Change> = changes
        .into_iter()
        .filter(|c| c.action.is_change())
        .collect();
    let leaders = leaders(&changes);
    let mut release_senders: HashMap<usize, _> = (leaders.iter().flatten())
        .map(|&j| (j, ctx.watch_release(&changes[j].address)))
        .collect();
    let mut schedule = schedule_of(&changes, &leaders, limits.deployments);
    let desired: HashMap<&Address, &Resource> = resources.iter().map(|r| (&r.address, r)).collect();
    let slots = Arc::new(Semaphore::new(limits.parallelism.max(1)));
    let mut status: Vec<Option<NodeStatus>> = vec![None; changes.len()];
    let mut tasks: JoinSet<(usize, Result<crate::providers::Outcome, ProviderError>)> =
        JoinSet::new();
    let mut task_of: HashMap<tokio::task::Id, usize> = HashMap::new();
    // Settles a change: its status, its report, what it means for the rest.
    let settle =
        |i: usize, s: NodeStatus, schedule: &mut Schedule, status: &mut Vec<Option<NodeStatus>>| {
            let applied = matches!(s, NodeStatus::Applied(_));
            reporter.finished(&changes[i], &s);
            status[i] = Some(s);
            for skip in schedule.finish(i, applied) {
                let s = NodeStatus::Skipped(skip.reason);
                reporter.finished(&changes[skip.index], &s);
                status[skip.index] = Some(s);
            }
        };

    loop {
        // Start what is ready while slots are free (a record takes none).
        let mut waiting_for_slot = false;
        while !ctx.is_interrupted()
            && let Some((i, needs_slot)) = schedule.peek()
        {
            let permit = match needs_slot {
                true => match slots.clone().try_acquire_owned() {
                    Ok(permit) => Some(permit),
                    Err(_) => {
                        waiting_for_slot = true;
                        break;
                    }
                },
                false => None,
            };
            schedule.start();
            let change = changes[i].clone();
            let Some(provider) = providers.get(&change.provider).cloned() else {
                let s = NodeStatus::Failed(format!("no provider instance `{}`", change.provider));
                settle(i, s, &mut schedule, &mut status);
                continue;
            };
            reporter.started(&change);
            let resource = desired.get(&change.address).map(|r| (*r).clone());
            let ctx = ctx.with_slot(permit.map(|p| Slot::new(slots.clone(), p)));
            let handle = tasks.spawn(async move {
                let result = provider.execute(&change, resource.as_ref(), &ctx).await;
                (i, result)
            });
            task_of.insert(handle.id(), i);
        }
        let joined = tokio::select! {
            joined = tasks.join_next_with_id(), if !tasks.is_empty() => joined,
            // A slot given back by a change that waits: the next ready change may start.
            permit = slots.clone().acquire_owned(), if waiting_for_slot => {
                drop(permit);
                continue;
            }
            else => break,
        };
        let Some(joined) = joined else { break };
        let (i, result) = match joined {
            Ok((_, done)) => done,
            Err(failure) => {
                let Some(i) = task_of.get(&failure.id()).copied() else {
                    continue;
                };
                (
                    i,
                    Err(crate::providers::common::failure::task_failed(
                        "apply", failure,
                    )),
                )
            }
        };
        if let Some(sender) = release_senders.remove(&i) {
            sender.send_replace(Some(release_outcome(&result)));
        }
        let s = match result {
            Ok(outcome) => {
                if let Some(id) = &outcome.id {
                    ctx.record_id(&changes[i].address, id.clone());
                }
                NodeStatus::Applied(outcome.message)
            }
            Err(err) => NodeStatus::Failed(crate::redact::redact(&err.to_string()).into_owned()),
        };
        settle(i, s, &mut schedule, &mut status);
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

/// The schedule of `changes`: their prerequisites, the releases records follow, and the
/// deployments each provider instance's cap counts (releases, not the records that follow
/// them).
fn schedule_of(changes: &[Change], leaders: &[Option<usize>], cap: Option<usize>) -> Schedule {
    let mut instances: HashMap<&str, usize> = HashMap::new();
    let capped = (changes.iter().zip(leaders))
        .map(|(change, leader)| {
            let deploys = change.action == Action::Deploy && leader.is_none();
            let next = instances.len();
            (cap.is_some() && deploys)
                .then(|| *instances.entry(change.provider.as_str()).or_insert(next))
        })
        .collect();
    let names = changes.iter().map(|c| c.address.0.clone()).collect();
    Schedule::new(
        names,
        &prerequisites(changes),
        leaders.to_vec(),
        capped,
        cap.unwrap_or(usize::MAX),
    )
}

/// A reporter that shows nothing, for tests that read the [`ApplyReport`] instead.
#[cfg(test)]
pub(crate) struct Silent;

#[cfg(test)]
impl Reporter for Silent {
    fn started(&self, _change: &Change) {}
    fn progress(&self, _address: &Address, _message: &str) {}
    fn finished(&self, _change: &Change, _status: &NodeStatus) {}
}

#[cfg(test)]
#[path = "apply_link_tests.rs"]
mod link_tests;

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    pub(super) fn change(
        address: &str,
        action: Action,
        parent: Option<&str>,
        deps: &[&str],
    ) -> Change {
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
            follows: None,
            method: None,
            destructive: false,
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

    /// A random plan's changes: each nested in an earlier one or not, depending on its
    /// parent and on other earlier ones, with any action; listed in any order.
    fn forest() -> impl Strategy<Value = Vec<Change>> {
        let actions = vec![
            Action::Create,
            Action::Update,
            Action::Replace,
            Action::Delete,
            Action::Deploy,
        ];
        let spec = (
            any::<Option<prop::sample::Index>>(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..3),
            prop::sample::select(actions),
        );
        prop::collection::vec(spec, 1..20)
            .prop_map(|specs| {
                let mut changes: Vec<Change> = Vec::new();
                for (i, (parent, deps, action)) in specs.into_iter().enumerate() {
                    let earlier =
                        |pick: &prop::sample::Index| changes[pick.index(i)].address.0.clone();
                    let parent = parent.filter(|_| i > 0).map(|p| earlier(&p));
                    let mut deps: Vec<String> =
                        deps.iter().filter(|_| i > 0).map(earlier).collect();
                    deps.extend(parent.clone());
                    let address = match &parent {
                        Some(p) => format!("{p}.c{i}"),
                        None => format!("c{i}"),
                    };
                    let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
                    changes.push(change(&address, action, parent.as_deref(), &deps));
                }
                changes
            })
            .prop_shuffle()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Run one at a time as soon as ready, every change runs: what is not a delete after
        /// everything it depends on, a delete before the delete or replacement of its parent.
        #[test]
        fn creates_follow_their_needs_and_deletes_run_children_first(changes in forest()) {
            let pre = prerequisites(&changes);
            let mut ran: Vec<Option<usize>> = vec![None; changes.len()];
            for step in 0..changes.len() {
                let ready = (0..changes.len())
                    .find(|&i| ran[i].is_none() && pre[i].iter().all(|&d| ran[d].is_some()));
                let Some(i) = ready else {
                    prop_assert!(false, "stuck after {step} of {}", changes.len());
                    return Ok(());
                };
                ran[i] = Some(step);
            }
            let ran_at = |address: &Address| {
                let i = changes.iter().position(|c| &c.address == address).unwrap();
                (ran[i].unwrap(), changes[i].action)
            };
            for change in &changes {
                let (at, action) = ran_at(&change.address);
                if action != Action::Delete {
                    for need in change.depends_on.iter().chain(change.parent.iter()) {
                        prop_assert!(ran_at(need).0 < at, "{} before {}", need, change.address);
                    }
                }
                if let Some(parent) = &change.parent {
                    let (parent_at, parent_action) = ran_at(parent);
                    if action == Action::Delete && matches!(parent_action, Action::Delete | Action::Replace) {
                        prop_assert!(at < parent_at, "{} before {}", change.address, parent);
                    }
                }
            }
        }
    }
}
