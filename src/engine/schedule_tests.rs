//! The schedule alone: order, skips, records and deployment caps, and a property over
//! random graphs and outcomes.

use proptest::prelude::*;

use super::*;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("c{i}")).collect()
}

fn plain(prerequisites: &[Vec<usize>]) -> Schedule {
    let n = prerequisites.len();
    Schedule::new(names(n), prerequisites, vec![None; n], vec![None; n], 1)
}

/// Starts everything ready; returns what started, in order.
fn start_all(schedule: &mut Schedule) -> Vec<usize> {
    let mut started = Vec::new();
    while schedule.peek().is_some() {
        started.push(schedule.start().unwrap());
    }
    started
}

#[test]
fn a_change_starts_once_all_it_waits_for_applied() {
    let mut s = plain(&[vec![], vec![0], vec![0, 1], vec![]]);
    assert_eq!(start_all(&mut s), [0, 3]);
    assert!(s.finish(0, true).is_empty());
    assert_eq!(start_all(&mut s), [1]);
    s.finish(1, true);
    assert_eq!(start_all(&mut s), [2]);
}

#[test]
fn a_failure_skips_what_waits_on_it_transitively_and_nothing_else() {
    let mut s = plain(&[vec![], vec![0], vec![1], vec![]]);
    start_all(&mut s);
    let skipped = s.finish(0, false);
    assert_eq!(
        skipped,
        [
            Skip {
                index: 1,
                reason: "`c0` did not apply".into()
            },
            Skip {
                index: 2,
                reason: "`c1` did not apply".into()
            },
        ]
    );
    assert!(s.finish(3, true).is_empty());
    assert!(s.peek().is_none());
}

#[test]
fn a_record_starts_with_its_release_and_is_skipped_when_the_release_never_runs() {
    // 0 → 1 (a release), 2 records 1; 3 → 4 (a release after a failure), 5 records 4.
    let prerequisites = [vec![], vec![0], vec![], vec![], vec![3], vec![]];
    let leaders = vec![None, None, Some(1), None, None, Some(4)];
    let mut s = Schedule::new(names(6), &prerequisites, leaders, vec![None; 6], 1);
    assert_eq!(start_all(&mut s), [0, 3]);
    s.finish(0, true);
    assert_eq!(s.peek(), Some((1, true)));
    assert_eq!(
        start_all(&mut s),
        [1, 2],
        "the record starts with its release"
    );
    let skipped = s.finish(3, false);
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[1].index, 5);
    assert_eq!(
        skipped[1].reason,
        "the release it follows, `c4`, did not run"
    );
}

#[test]
fn deployments_past_their_instances_cap_wait_their_turn() {
    // 0..3 deploy on instance 0, 3 on instance 1, 4 is no deployment.
    let capped = vec![Some(0), Some(0), Some(0), Some(1), None];
    let mut s = Schedule::new(names(5), &vec![vec![]; 5], vec![None; 5], capped, 2);
    assert_eq!(start_all(&mut s), [0, 1, 3, 4]);
    s.finish(0, true);
    assert_eq!(start_all(&mut s), [2]);
    // A failed deployment frees its place too.
    s.finish(1, false);
    s.finish(2, true);
    assert!(s.peek().is_none());
}

/// Random graphs (prerequisites among earlier changes), outcomes and start orders.
fn run(
    prerequisites: Vec<Vec<usize>>,
    outcomes: Vec<bool>,
    picks: Vec<prop::sample::Index>,
) -> Result<(), TestCaseError> {
    let n = prerequisites.len();
    let mut s = plain(&prerequisites);
    let (mut applied, mut ended) = (vec![false; n], vec![0u32; n]);
    let mut running: Vec<usize> = Vec::new();
    let mut picks = picks.into_iter().cycle();
    loop {
        while let Some((i, _)) = s.peek() {
            for &need in &prerequisites[i] {
                prop_assert!(applied[need], "c{i} started before c{need} applied");
            }
            prop_assert_eq!(s.start(), Some(i));
            running.push(i);
        }
        if running.is_empty() {
            break;
        }
        let i = running.remove(picks.next().unwrap().index(running.len()));
        ended[i] += 1;
        applied[i] = outcomes[i];
        for skip in s.finish(i, outcomes[i]) {
            ended[skip.index] += 1;
        }
    }
    // Every change ends exactly once: applied, failed, or skipped because something it
    // waits for did not apply.
    for i in 0..n {
        prop_assert_eq!(ended[i], 1, "c{} ended {} times", i, ended[i]);
        let blocked = prerequisites[i].iter().any(|&d| !applied[d]);
        prop_assert_eq!(applied[i], outcomes[i] && !blocked);
    }
    Ok(())
}

fn graph() -> impl Strategy<Value = Vec<Vec<usize>>> {
    prop::collection::vec(
        prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        1..40,
    )
    .prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, needs)| {
                let mut needs: Vec<usize> = needs
                    .iter()
                    .filter(|_| i > 0)
                    .map(|pick| pick.index(i))
                    .collect();
                needs.sort_unstable();
                needs.dedup();
                needs
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn every_change_ends_once_and_only_after_what_it_waits_for(
        prerequisites in graph(),
        outcomes in prop::collection::vec(prop::bool::weighted(0.85), 40),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..10),
    ) {
        let n = prerequisites.len();
        run(prerequisites, outcomes[..n].to_vec(), picks)?;
    }
}
