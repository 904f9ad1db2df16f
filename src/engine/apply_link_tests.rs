//! Deployment records that follow a release: started with it, told how it ended, skipped
//! with it, never waiting on a slot the release needs.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use super::*;
use crate::model::{KindRules, RemoteState};
use crate::providers::Outcome;

/// Releases end after a short wait (`fail` in the name: failed, `slow`: timed out); records
/// await their release's outcome and log it. Every start and end is logged in order.
struct Scripted {
    log: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Provider for Scripted {
    fn rules(&self, _kind: &str) -> KindRules {
        KindRules::default()
    }

    async fn fetch(
        &self,
        _desired: &[&Resource],
        _elsewhere: &BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError> {
        Ok(RemoteState::default())
    }

    async fn execute(
        &self,
        change: &Change,
        _desired: Option<&Resource>,
        ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        let name = change.address.to_string();
        self.log.lock().unwrap().push(format!("start {name}"));
        let result = if change.kind == "record" {
            let outcome = ctx.release_outcome(change).await;
            self.log
                .lock()
                .unwrap()
                .push(format!("{name} learns {outcome:?}"));
            Ok(Outcome::default())
        } else {
            tokio::time::sleep(Duration::from_millis(30)).await;
            if name.contains("fail") {
                Err(ProviderError::DeploymentFailed {
                    deployment: "7".into(),
                    status: "failed".into(),
                    detail: ": health check".into(),
                })
            } else if name.contains("slow") {
                Err(ProviderError::Timeout {
                    what: "deployment 8".into(),
                    seconds: 1,
                })
            } else {
                Ok(Outcome {
                    id: None,
                    message: "deployment 9 succeeded".into(),
                })
            }
        };
        self.log.lock().unwrap().push(format!("end {name}"));
        result
    }

    fn requests_sent(&self) -> u64 {
        0
    }
}

fn node(address: &str, kind: &str, action: Action, deps: &[&str]) -> Change {
    Change {
        kind: kind.into(),
        ..tests::change(address, action, None, deps)
    }
}

fn record(address: &str, release: &str, deps: &[&str]) -> Change {
    let mut all = deps.to_vec();
    all.push(release);
    Change {
        follows: Some(Address(release.into())),
        ..node(address, "record", Action::Deploy, &all)
    }
}

async fn run(changes: Vec<Change>, parallelism: usize) -> (ApplyReport, Vec<String>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let provider: Arc<dyn Provider> = Arc::new(Scripted { log: log.clone() });
    let providers = HashMap::from([("p".to_owned(), provider)]);
    let ctx = ApplyContext::for_tests();
    let report = apply(
        changes,
        &[],
        &providers,
        ctx,
        super::Limits::slots(parallelism),
        Arc::new(Silent),
    )
    .await;
    let log = log.lock().unwrap().clone();
    (report, log)
}

fn status_of<'r>(report: &'r ApplyReport, address: &str) -> &'r NodeStatus {
    &report
        .results
        .iter()
        .find(|(c, _)| c.address.0 == address)
        .unwrap()
        .1
}

fn at(log: &[String], line: &str) -> usize {
    log.iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("{line:?} not in {log:?}"))
}

#[tokio::test]
async fn a_record_starts_with_its_release_and_learns_its_success_even_with_one_slot() {
    let changes = vec![
        record("gh.record", "ncp.release", &[]),
        node("ncp.release", "release", Action::Deploy, &[]),
        node("after", "thing", Action::Create, &["gh.record"]),
    ];
    let (report, log) = run(changes, 1).await;
    assert!(report.success(), "{:?}", report.results);
    assert!(
        at(&log, "start gh.record") < at(&log, "end ncp.release"),
        "{log:?}"
    );
    assert!(log.contains(&"gh.record learns Succeeded(\"deployment 9 succeeded\")".to_owned()));
    assert!(
        at(&log, "end gh.record") < at(&log, "start after"),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_record_learns_a_failure_with_its_error_and_a_timeout_as_abandoned() {
    let changes = vec![
        node("ncp.fail", "release", Action::Deploy, &[]),
        record("gh.failed", "ncp.fail", &[]),
        node("ncp.slow", "release", Action::Deploy, &[]),
        record("gh.abandoned", "ncp.slow", &[]),
    ];
    let (report, log) = run(changes, 4).await;
    assert!(matches!(
        status_of(&report, "ncp.fail"),
        NodeStatus::Failed(_)
    ));
    assert!(
        log.iter().any(|l| l.starts_with("gh.failed learns Failed(")
            && l.contains("deployment 7 ended with status `failed`: health check")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.starts_with("gh.abandoned learns Abandoned(") && l.contains("timed out")),
        "{log:?}"
    );
    // The record itself applied: it told the truth about its release.
    assert!(matches!(
        status_of(&report, "gh.failed"),
        NodeStatus::Applied(_)
    ));
}

#[tokio::test]
async fn a_release_that_never_starts_takes_its_records_with_it() {
    let changes = vec![
        node("ncp.fail", "release", Action::Deploy, &[]),
        node("ncp.second", "release", Action::Deploy, &["ncp.fail"]),
        record("gh.record", "ncp.second", &[]),
    ];
    let (report, log) = run(changes, 2).await;
    assert!(matches!(
        status_of(&report, "ncp.second"),
        NodeStatus::Skipped(_)
    ));
    match status_of(&report, "gh.record") {
        NodeStatus::Skipped(reason) => assert!(reason.contains("`ncp.second`"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert!(
        !log.iter().any(|l| l.contains("gh.record")),
        "never opened: {log:?}"
    );
}

#[tokio::test]
async fn a_record_whose_release_has_nothing_to_do_closes_at_once() {
    let changes = vec![record("gh.record", "ncp.release", &[])];
    let (report, log) = run(changes, 1).await;
    assert!(report.success());
    assert!(
        log.contains(&"gh.record learns Converged".to_owned()),
        "{log:?}"
    );
}

#[tokio::test]
async fn a_record_waits_for_its_own_prerequisites_too() {
    // The environment the record needs is created after the release started: the record
    // opens late and still learns the outcome.
    let changes = vec![
        node("ncp.release", "release", Action::Deploy, &[]),
        node("gh.env", "thing", Action::Create, &["ncp.release"]),
        record("gh.record", "ncp.release", &["gh.env"]),
    ];
    let (report, log) = run(changes, 1).await;
    assert!(report.success(), "{:?}", report.results);
    assert!(
        at(&log, "end gh.env") < at(&log, "start gh.record"),
        "{log:?}"
    );
    assert!(log.contains(&"gh.record learns Succeeded(\"deployment 9 succeeded\")".to_owned()));
}
