//! Which change may start next, in O(changes + edges) over a whole apply: each change
//! counts the prerequisites it still waits for, and the change that ends tells only its
//! own dependents — nothing is rescanned. A change whose prerequisite did not apply is
//! skipped, and so, transitively, is everything after it; a deployment record starts with
//! the release it follows (and is skipped when that release never starts). Optionally, at
//! most `cap` deployments run at once per provider instance; the others wait their turn.
//!
//! Pure: the executor ([`super::apply`]) feeds it what started and how each change ended,
//! and takes from it what is ready.

use std::collections::{HashMap, VecDeque};

/// Where one change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for prerequisites (or for the release it follows to start).
    Pending,
    /// In the ready queue, or deferred for its provider's deployment cap.
    Ready,
    Running,
    /// Applied, failed or skipped.
    Done,
}

/// A change the schedule decided never to start, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Skip {
    pub index: usize,
    pub reason: String,
}

pub(super) struct Schedule {
    state: Vec<State>,
    /// Prerequisites not applied yet.
    waiting: Vec<usize>,
    /// Each change's dependents, handed over (taken) once when it ends: a change ends once.
    dependents: Vec<Vec<usize>>,
    /// The release each record follows, and the records of each release (taken once, when
    /// the release starts or is skipped).
    leaders: Vec<Option<usize>>,
    followers: Vec<Vec<usize>>,
    /// Per change, the deployment cap it counts against (its provider instance), if any.
    capped: Vec<Option<usize>>,
    cap: usize,
    /// Per cap key: deployments running, and ready ones waiting for a place.
    deploying: HashMap<usize, usize>,
    deferred: HashMap<usize, VecDeque<usize>>,
    ready: VecDeque<usize>,
    /// Each change's address, for skip reasons.
    names: Vec<String>,
}

impl Schedule {
    /// `prerequisites[i]`: the changes `i` waits for; `leaders[i]`: the release record `i`
    /// follows; `capped[i]`: the key of the deployment cap `i` counts against (at most
    /// `cap` of one key run at once).
    pub(super) fn new(
        names: Vec<String>,
        prerequisites: &[Vec<usize>],
        leaders: Vec<Option<usize>>,
        capped: Vec<Option<usize>>,
        cap: usize,
    ) -> Self {
        let n = names.len();
        let mut dependents = vec![Vec::new(); n];
        for (i, needs) in prerequisites.iter().enumerate() {
            for &need in needs {
                dependents[need].push(i);
            }
        }
        let mut followers = vec![Vec::new(); n];
        for (i, leader) in leaders.iter().enumerate() {
            if let Some(j) = leader {
                followers[*j].push(i);
            }
        }
        let mut schedule = Schedule {
            state: vec![State::Pending; n],
            waiting: prerequisites.iter().map(Vec::len).collect(),
            dependents,
            leaders,
            followers,
            capped,
            cap: cap.max(1),
            deploying: HashMap::new(),
            deferred: HashMap::new(),
            ready: VecDeque::new(),
            names,
        };
        for i in 0..n {
            schedule.try_ready(i);
        }
        schedule
    }

    /// Queues `i` when nothing holds it back any more.
    fn try_ready(&mut self, i: usize) {
        let leader_started =
            self.leaders[i].is_none_or(|j| matches!(self.state[j], State::Running | State::Done));
        if self.state[i] == State::Pending && self.waiting[i] == 0 && leader_started {
            self.state[i] = State::Ready;
            self.ready.push_back(i);
        }
    }

    /// Moves deployments at the front that their cap holds back to their queue.
    fn settle_front(&mut self) {
        while let Some(&i) = self.ready.front() {
            let Some(key) = self.capped[i] else { return };
            if self.deploying.get(&key).copied().unwrap_or(0) < self.cap {
                return;
            }
            self.ready.pop_front();
            self.deferred.entry(key).or_default().push_back(i);
        }
    }

    /// The next change to start, if one is ready; `needs_slot`: whether it takes a request
    /// slot (a record waiting on its release does not).
    pub(super) fn peek(&mut self) -> Option<(usize, bool)> {
        self.settle_front();
        self.ready.front().map(|&i| (i, self.leaders[i].is_none()))
    }

    /// Marks the change [`Schedule::peek`] returned as started; its records may start now.
    pub(super) fn start(&mut self) -> Option<usize> {
        self.settle_front();
        let i = self.ready.pop_front()?;
        self.state[i] = State::Running;
        if let Some(key) = self.capped[i] {
            *self.deploying.entry(key).or_default() += 1;
        }
        for f in std::mem::take(&mut self.followers[i]) {
            self.try_ready(f);
        }
        Some(i)
    }

    /// Records how `i` ended; returns the changes that will never start because of it.
    pub(super) fn finish(&mut self, i: usize, applied: bool) -> Vec<Skip> {
        let was_running = self.state[i] == State::Running;
        self.state[i] = State::Done;
        if let Some(key) = self.capped[i].filter(|_| was_running) {
            let deploying = self.deploying.entry(key).or_default();
            *deploying = deploying.saturating_sub(1);
            if let Some(next) = self.deferred.get_mut(&key).and_then(VecDeque::pop_front) {
                self.ready.push_front(next);
            }
        }
        if applied {
            for d in std::mem::take(&mut self.dependents[i]) {
                self.waiting[d] -= 1;
                self.try_ready(d);
            }
            return Vec::new();
        }
        self.skip_after(i)
    }

    /// Skips everything that waits, directly or not, on `failed`, and the records of a
    /// release that never started.
    fn skip_after(&mut self, failed: usize) -> Vec<Skip> {
        let mut skipped = Vec::new();
        let mut queue = VecDeque::from([(failed, false)]);
        while let Some((i, never_started)) = queue.pop_front() {
            for d in std::mem::take(&mut self.dependents[i]) {
                if self.skip(
                    d,
                    format!("`{}` did not apply", self.names[i]),
                    &mut skipped,
                ) {
                    queue.push_back((d, true));
                }
            }
            if never_started {
                for f in std::mem::take(&mut self.followers[i]) {
                    let reason =
                        format!("the release it follows, `{}`, did not run", self.names[i]);
                    if self.skip(f, reason, &mut skipped) {
                        queue.push_back((f, true));
                    }
                }
            }
        }
        skipped
    }

    fn skip(&mut self, i: usize, reason: String, skipped: &mut Vec<Skip>) -> bool {
        // A ready change has all it waits for applied (and a ready record's release has
        // started): only a pending one can still be skipped.
        if self.state[i] != State::Pending {
            return false;
        }
        self.state[i] = State::Done;
        skipped.push(Skip { index: i, reason });
        true
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
