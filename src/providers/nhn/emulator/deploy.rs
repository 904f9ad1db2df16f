//! Run deployment: `POST …/artifacts/{artifactId}/server-group/{serverGroupId}/deploy`.
//!
//! What the guide leaves open, decided here:
//!
//! - **Scenarios.** A normal server group needs `scenarioIds` with exactly one id (the guide:
//!   "일반 Deploy 시 true - 1개만"); an autoscale group takes any number, all mapped ones when
//!   absent. Every id must be mapped to the group. Violations are `BAD_REQUEST`, as are an
//!   unknown server group, a client artifact, and hostnames outside the group.
//! - **Binary.** The API has no version parameter: the run deploys the newest binary uploaded
//!   to the artifact's binary group and records its version as the history's
//!   `binaryVersion`; with none uploaded yet it is `BAD_REQUEST`.
//! - **Answer.** One element per deployment: one for a normal group, one per Auto Scaling
//!   group of an autoscale group (those with no targeted host are left out). Each has its
//!   own `deployKey` and history entry (`scenarioName` joins several names with `, `).
//! - **Hosts and outcome.** Hosts run in the group's order, in batches of `concurrentNum`
//!   (0 = all at once). Hosts succeed unless the admin API set `fail` for the group (all
//!   hosts, or only the listed ones). After a batch with a failure, later batches are
//!   `skipped` unless `nextWhenFail`. Per-host `status` is `success`, `fail` or `skipped`;
//!   `taskResult` has one `{scenarioId, scenarioName, status}` per scenario.
//! - **Timing.** With `Timed` sandbox timing a run takes `waiting_ms + running_ms × batches
//!   run`. Sync calls (`async` false/absent) wait for that, then answer `success`/`fail` with
//!   per-host results; async calls answer `deploying` at once with an empty `deployResult`,
//!   and the history shows `RUNNING` until then. With `Manual` timing, async runs stay
//!   `RUNNING` until finished through the admin API; sync runs end after 50 ms.
//! - Concurrent runs on one group are allowed (no documented error); each gets its key.
//! - `deployResultLocation` is this sandbox's admin view of the run
//!   (`/_sandbox/nhn-deploy/deployments/{deployKey}`), standing in for the console link.

use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, Uri};
use serde_json::{Value, json};

use super::auth::Caller;
use super::error::{ApiError, ApiResult, ok};
use super::request::{self, Params};
use super::state::{Deployment, HostOutcome, HostPlan, Outcome, OutcomeRule, Progress};
use super::{NhnEmulator, PROVIDER_TYPE, artifacts, seed};
use crate::providers::common::emulator::now_ms;
use crate::providers::nhn::wire::{DeployRequest, DeployRun, HostResult};
use crate::sandbox::DeployTiming;

/// How long a sync run lasts with `Manual` timing.
const MANUAL_SYNC_MS: u64 = 50;

/// `POST …/artifacts/{artifactId}/server-group/{serverGroupId}/deploy`
pub(super) async fn run(
    State(emulator): State<Arc<NhnEmulator>>,
    caller: Option<Extension<Caller>>,
    params: Params,
    headers: HeaderMap,
    uri: Uri,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Vec<DeployRun>> {
    let artifact = artifacts::artifact(&params)?;
    let group_id = params.id("serverGroupId")?;
    if artifact.application_type != "server" {
        return Err(ApiError::bad_request(format!(
            "artifact {} is a client artifact; only server artifacts deploy",
            artifact.name
        )));
    }
    let group = artifact.server_group(group_id).ok_or_else(|| {
        ApiError::bad_request(format!(
            "server group {group_id} does not exist in artifact {}",
            artifact.id
        ))
    })?;
    let request = request::deploy_body(body)?;
    let scenarios = scenarios(group, &request)?;
    let targets = targets(group, &request)?;
    let sync = !request.r#async.unwrap_or(false);
    let concurrent = request.concurrent_num.unwrap_or(0);
    let next_when_fail = request.next_when_fail.unwrap_or(false);
    let user = caller.map_or_else(|| seed::DEMO_USER.to_owned(), |Extension(Caller(u))| u);
    let elements: Vec<(Option<&str>, Vec<&str>)> = match &group.members {
        seed::Members::Servers(_) => vec![(None, targets)],
        seed::Members::Autoscale(groups) => groups
            .iter()
            .map(|asg| {
                let hosts = asg
                    .hosts
                    .iter()
                    .copied()
                    .filter(|host| targets.contains(host))
                    .collect::<Vec<_>>();
                (Some(asg.name), hosts)
            })
            .filter(|(_, hosts)| !hosts.is_empty())
            .collect(),
    };
    let now = now_ms();
    let (runs, wait_ms) = emulator.with_state(|state| {
        let binary = artifact
            .binary_groups
            .iter()
            .flat_map(|bg| state.binaries_in(artifact.id, bg.key))
            .max_by_key(|binary| (binary.upload_date, binary.key))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "no binary has been uploaded to artifact {}; upload one first",
                    artifact.name
                ))
            })?;
        let (binary_key, binary_version) = (binary.key, binary.version.clone());
        let rule = state.outcome_rule(artifact.name, group.name).cloned();
        let mut runs = Vec::new();
        let mut wait_ms = 0;
        for (asg, hosts) in &elements {
            let (hosts, batches) = plan(hosts, concurrent, next_when_fail, rule.as_ref());
            let (progress, ms) = match (&emulator.timing, sync) {
                (
                    DeployTiming::Timed {
                        waiting_ms,
                        running_ms,
                    },
                    _,
                ) => {
                    let ms = waiting_ms.saturating_add(running_ms.saturating_mul(batches));
                    (
                        Progress::Timed {
                            until: after(now, ms),
                        },
                        ms,
                    )
                }
                (DeployTiming::Manual, true) => (
                    Progress::Timed {
                        until: after(now, MANUAL_SYNC_MS),
                    },
                    MANUAL_SYNC_MS,
                ),
                (DeployTiming::Manual, false) => (Progress::Manual, 0),
            };
            wait_ms = wait_ms.max(ms);
            let deployment = Deployment {
                deploy_key: state.next_deploy_key,
                artifact_id: artifact.id,
                server_group_id: group.id,
                server_group_name: group.name.to_owned(),
                autoscale_group: asg.map(str::to_owned),
                scenario_ids: scenarios.iter().map(|scenario| scenario.id).collect(),
                scenario_name: scenarios
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", "),
                binary_key,
                binary_version: binary_version.clone(),
                execute_user: user.clone(),
                deploy_note: request.deploy_note.clone(),
                concurrent_num: concurrent,
                next_when_fail,
                started: now,
                progress,
                hosts,
            };
            state.next_deploy_key += 1;
            state.deployments.push(deployment.clone().into());
            runs.push(deployment);
        }
        Ok::<_, ApiError>((runs, wait_ms))
    })?;
    let location = |key: i64| {
        format!(
            "{}/_sandbox/{PROVIDER_TYPE}/deployments/{key}",
            request::origin(&headers, &uri)
        )
    };
    if !sync {
        return ok(runs
            .iter()
            .map(|run| DeployRun {
                deploy_key: run.deploy_key,
                deploy_status: "deploying".to_owned(),
                deploy_result: Vec::new(),
                deploy_result_location: location(run.deploy_key),
            })
            .collect());
    }
    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
    let keys: Vec<i64> = runs.iter().map(|run| run.deploy_key).collect();
    let now = now_ms();
    let ended = emulator.with_state(|state| {
        state
            .deployments
            .iter()
            .filter(|run| keys.contains(&run.deploy_key))
            .map(|run| (run.clone(), run.outcome_at(now).unwrap_or(run.planned())))
            .collect::<Vec<_>>()
    });
    ok(ended
        .iter()
        .map(|(run, outcome)| DeployRun {
            deploy_key: run.deploy_key,
            deploy_status: outcome.lower().to_owned(),
            deploy_result: host_results(run, *outcome),
            deploy_result_location: location(run.deploy_key),
        })
        .collect())
}

fn after(start: i64, ms: u64) -> i64 {
    start.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX))
}

/// The scenarios to run, checked against the group's mapping.
fn scenarios(
    group: &seed::ServerGroup,
    request: &DeployRequest,
) -> Result<Vec<&'static seed::Scenario>, ApiError> {
    let mapped = seed::scenarios_of(group);
    let mut ids: Vec<i64> = Vec::new();
    for text in split(request.scenario_ids.as_deref()) {
        let id = text.parse().map_err(|_| {
            ApiError::bad_request(format!("scenarioIds must be numbers, got {text:?}"))
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let autoscale = matches!(group.members, seed::Members::Autoscale(_));
    if !autoscale && ids.len() != 1 {
        return Err(ApiError::bad_request(format!(
            "a deploy to the normal server group {} needs exactly one id in scenarioIds, got {}",
            group.name,
            ids.len()
        )));
    }
    if ids.is_empty() {
        return Ok(mapped);
    }
    ids.iter()
        .map(|id| {
            mapped
                .iter()
                .find(|scenario| scenario.id == *id)
                .copied()
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "scenario {id} is not mapped to server group {}",
                        group.name
                    ))
                })
        })
        .collect()
}

/// The targeted hostnames, in the group's order.
fn targets(
    group: &seed::ServerGroup,
    request: &DeployRequest,
) -> Result<Vec<&'static str>, ApiError> {
    let all = group.hosts();
    let wanted = split(request.target_server_hostnames.as_deref());
    if wanted.is_empty() {
        return Ok(all);
    }
    if let Some(unknown) = wanted.iter().find(|host| !all.contains(host)) {
        return Err(ApiError::bad_request(format!(
            "{unknown:?} is not a server of group {} ({})",
            group.name,
            all.join(", ")
        )));
    }
    Ok(all
        .into_iter()
        .filter(|host| wanted.contains(host))
        .collect())
}

/// The non-empty items of a comma-separated list.
fn split(list: Option<&str>) -> Vec<&str> {
    list.unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .collect()
}

/// Per-host results and the number of batches that ran.
fn plan(
    hosts: &[&str],
    concurrent: u32,
    next_when_fail: bool,
    rule: Option<&OutcomeRule>,
) -> (Vec<HostPlan>, u64) {
    let size = match usize::try_from(concurrent) {
        Ok(0) | Err(_) => hosts.len().max(1),
        Ok(size) => size,
    };
    let fails = |host: &str| match rule {
        Some(rule) if rule.outcome == Outcome::Fail => rule
            .hosts
            .as_ref()
            .is_none_or(|listed| listed.iter().any(|listed| listed == host)),
        _ => false,
    };
    let (mut plans, mut batches, mut stopped) = (Vec::new(), 0, false);
    for batch in hosts.chunks(size) {
        if !stopped {
            batches += 1;
        }
        let mut failed = false;
        for host in batch {
            let result = if stopped {
                HostOutcome::Skipped
            } else if fails(host) {
                failed = true;
                HostOutcome::Fail
            } else {
                HostOutcome::Success
            };
            plans.push(HostPlan {
                hostname: (*host).to_owned(),
                result,
            });
        }
        stopped |= failed && !next_when_fail;
    }
    (plans, batches)
}

/// The per-host part of an ended run.
pub(super) fn host_results(run: &Deployment, outcome: Outcome) -> Vec<HostResult> {
    run.host_results(outcome)
        .into_iter()
        .map(|host| {
            let tasks: Vec<Value> = match host.result {
                HostOutcome::Skipped => Vec::new(),
                result => run
                    .scenario_ids
                    .iter()
                    .zip(run.scenario_name.split(", "))
                    .enumerate()
                    .map(|(index, (id, name))| {
                        let status = match result {
                            HostOutcome::Fail if index > 0 => "skipped",
                            other => other.as_str(),
                        };
                        json!({ "scenarioId": id, "scenarioName": name, "status": status })
                    })
                    .collect(),
            };
            HostResult {
                deploy_key: run.deploy_key,
                hostname: host.hostname,
                status: host.result.as_str().to_owned(),
                task_result: tasks,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(plans: &[HostPlan]) -> Vec<&'static str> {
        plans.iter().map(|plan| plan.result.as_str()).collect()
    }

    #[test]
    fn batches_stop_after_a_failure_unless_told_to_go_on() {
        let hosts = ["a", "b", "c"];
        let rule = OutcomeRule {
            artifact: "shop".into(),
            server_group: "web-prod".into(),
            outcome: Outcome::Fail,
            hosts: Some(vec!["a".into()]),
        };
        let (plans, batches) = plan(&hosts, 1, false, Some(&rule));
        assert_eq!(
            (results(&plans), batches),
            (vec!["fail", "skipped", "skipped"], 1)
        );
        let (plans, batches) = plan(&hosts, 1, true, Some(&rule));
        assert_eq!(
            (results(&plans), batches),
            (vec!["fail", "success", "success"], 3)
        );
        let (plans, batches) = plan(&hosts, 0, false, None);
        assert_eq!((results(&plans), batches), (vec!["success"; 3], 1));
        let (plans, batches) = plan(&hosts, 2, false, None);
        assert_eq!((results(&plans), batches), (vec!["success"; 3], 2));
    }
}
