//! Deployments: start at most one per server group, never while one runs (a running one is
//! followed to its end first), settle a lost answer through the history, and follow an
//! asynchronous deployment to its final status.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::client::executed_at;
use super::errors::request_error;
use super::remote::Remote;
use super::wire;
use crate::model::{Change, Resource};
use crate::providers::common::attributes::optional_text;
use crate::providers::{ApplyContext, Outcome, ProviderError};

fn deploy_request(desired: &Resource) -> wire::DeployRequest {
    let list = |key: &str| -> Option<String> {
        let items = desired.attributes.get(key)?.as_array()?;
        let joined: Vec<String> = items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect();
        (!joined.is_empty()).then(|| joined.join(","))
    };
    wire::DeployRequest {
        target_server_hostnames: list("target_server_hostnames"),
        concurrent_num: desired
            .attributes
            .get("concurrent_num")
            .and_then(Value::as_u64)
            .map(|n| n as u32),
        next_when_fail: desired
            .attributes
            .get("next_when_fail")
            .and_then(Value::as_bool),
        deploy_note: optional_text(desired, "deploy_note"),
        r#async: Some(
            desired
                .attributes
                .get("async")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        scenario_ids: list("scenarios"),
    }
}

pub(super) async fn deploy(
    remote: &Remote<'_>,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let (artifact, _, server_group) = remote.ids(desired).await?;
    let group_name = optional_text(desired, "server_group").unwrap_or_default();
    let server_group = server_group.ok_or_else(|| {
        ProviderError::Precondition(format!("server group `{group_name}` not found"))
    })?;
    let latest = remote
        .client
        .latest_deployments(artifact.id, server_group)
        .await
        .map_err(|e| request_error(format!("read the deployment history of `{group_name}`"), e))?;
    let timeout = desired
        .attributes
        .get("timeout_seconds")
        .and_then(Value::as_u64)
        .map(Duration::from_secs)
        .unwrap_or(ctx.deploy_timeout);
    let version = optional_text(desired, "version").unwrap_or_default();
    // A deployment still running, or the one the plan said it follows (it may have ended
    // since): follow it to its end, then decide. Never a second deployment while one runs.
    let planned = change.following.as_ref().map(|f| f.id.as_str());
    let to_follow = latest.latest.as_ref().filter(|h| {
        h.total_result == "RUNNING" || planned == Some(h.deploy_key.to_string().as_str())
    });
    if let Some(running) = to_follow {
        let followed = follow(
            remote,
            change,
            artifact.id,
            server_group,
            running,
            &version,
            timeout,
            ctx,
        );
        if let Some(done) = followed.await? {
            return Ok(done);
        }
    }
    let before = latest.latest.as_ref().map(|h| h.deploy_key);
    let request = deploy_request(desired);
    let started = jiff::Timestamp::now();
    (ctx.progress)(
        &change.address,
        &format!("deploying version {version} to `{group_name}`"),
    );
    let client = remote.client;
    let request = &request;
    // A lost answer is settled by the history: an entry newer than the newest one before is
    // the lost call's deployment; none proves it was not processed.
    let runs = client
        .http()
        .exactly_once(
            || client.deploy(artifact.id, server_group, request),
            || async move {
                let after = client.latest_deployments(artifact.id, server_group).await?;
                Ok(after
                    .latest
                    .filter(|h| Some(h.deploy_key) != before)
                    .map(|h| vec![run_of(&h)]))
            },
        )
        .await
        .map_err(|err| {
            if err.is_ambiguous() {
                ProviderError::Ambiguous {
                    call: format!("deploy to `{group_name}`"),
                    message: format!(
                        "{err}; the deployment may have started — check the history before applying again"
                    ),
                }
            } else {
                request_error(format!("deploy to `{group_name}`"), err)
            }
        })?;
    if runs.is_empty() {
        return Err(ProviderError::Precondition(format!(
            "deploy to `{group_name}` returned no deployment"
        )));
    }
    let mut keys = Vec::new();
    for run in &runs {
        let followed = run.deploy_status.eq_ignore_ascii_case("deploying");
        let status = match run.deploy_status.to_ascii_lowercase().as_str() {
            "deploying" => {
                wait(
                    remote,
                    change,
                    artifact.id,
                    server_group,
                    run.deploy_key,
                    started,
                    timeout,
                    ctx,
                )
                .await?
            }
            other => other.to_owned(),
        };
        if status != "success" {
            return Err(ProviderError::DeploymentFailed {
                deployment: run.deploy_key.to_string(),
                status,
                // The start answer's per-host statuses of an asynchronous deployment are
                // those of its first moment, not its end.
                detail: failure_detail(run, followed),
            });
        }
        keys.push(run.deploy_key.to_string());
    }
    Ok(Outcome {
        id: Some(server_group.to_string()),
        message: format!("deployment {} succeeded", keys.join(", ")),
    })
}

/// What a failed run's message adds: the per-host results of a synchronous run's answer, or
/// for a run followed in the history (asynchronous), never the start answer's statuses,
/// which are those of its first moment.
fn failure_detail(run: &wire::DeployRun, followed: bool) -> String {
    if followed {
        history_results(run)
    } else {
        host_results(run)
    }
}

/// What is known of how each host of an asynchronous deployment ended: the history has no
/// per-host results, so the console page of the run is named instead, when there is one.
fn history_results(run: &wire::DeployRun) -> String {
    if run.deploy_result_location.is_empty() {
        "; the deploy history has no per-host results".to_owned()
    } else {
        format!(
            "; the deploy history has no per-host results, see {}",
            run.deploy_result_location
        )
    }
}

/// A run as the deploy history shows it: its key and status, no per-host results (the
/// history has none).
fn run_of(entry: &wire::DeployHistory) -> wire::DeployRun {
    let status = if entry.total_result.eq_ignore_ascii_case("RUNNING") {
        "deploying".to_owned()
    } else {
        entry.total_result.to_ascii_lowercase()
    };
    wire::DeployRun {
        deploy_key: entry.deploy_key,
        deploy_status: status,
        deploy_result: Vec::new(),
        deploy_result_location: String::new(),
    }
}

/// Follows a deployment found running before this one was to start, to its end. `Some`:
/// it deployed `version` successfully, so there is nothing more to do; `None`: the planned
/// deployment is to start.
#[allow(clippy::too_many_arguments)]
async fn follow(
    remote: &Remote<'_>,
    change: &Change,
    artifact: i64,
    server_group: i64,
    running: &wire::DeployHistory,
    version: &str,
    timeout: Duration,
    ctx: &ApplyContext,
) -> Result<Option<Outcome>, ProviderError> {
    let key = running.deploy_key;
    (ctx.progress)(
        &change.address,
        &format!(
            "following deployment {key} of version {} (found running)",
            running.binary_version
        ),
    );
    let started = executed_at(running).unwrap_or_else(jiff::Timestamp::now);
    let status = wait(
        remote,
        change,
        artifact,
        server_group,
        key,
        started,
        timeout,
        ctx,
    )
    .await?;
    if status == "success" && running.binary_version == version {
        return Ok(Some(Outcome {
            id: Some(server_group.to_string()),
            message: format!(
                "deployment {key} (found running) succeeded with version {version}: no second deployment"
            ),
        }));
    }
    (ctx.progress)(
        &change.address,
        &format!(
            "deployment {key} of version {} ended `{status}`: starting the planned deployment",
            running.binary_version
        ),
    );
    Ok(None)
}

/// `: host-1 SUCCESS, host-2 FAIL` from the per-host results of a synchronous deployment.
fn host_results(run: &wire::DeployRun) -> String {
    if run.deploy_result.is_empty() {
        return String::new();
    }
    let hosts: Vec<String> = run
        .deploy_result
        .iter()
        .map(|h| format!("{} {}", h.hostname, h.status))
        .collect();
    format!(": {}", hosts.join(", "))
}

/// Follows an asynchronous deployment in the history until it is no longer RUNNING. The
/// API cannot cancel a deployment: on interrupt, apply stops waiting and says so.
#[allow(clippy::too_many_arguments)]
async fn wait(
    remote: &Remote<'_>,
    change: &Change,
    artifact: i64,
    server_group: i64,
    deploy_key: i64,
    started: jiff::Timestamp,
    timeout: Duration,
    ctx: &ApplyContext,
) -> Result<String, ProviderError> {
    let begun = Instant::now();
    let mut last = String::new();
    loop {
        let found = remote
            .client
            .find_deployment(artifact, server_group, deploy_key, started)
            .await
            .map_err(|e| request_error(format!("follow deployment {deploy_key}"), e))?;
        let status = found
            .map(|h| h.total_result)
            .unwrap_or_else(|| "RUNNING".into());
        if status != last {
            (ctx.progress)(
                &change.address,
                &format!("deployment {deploy_key}: {status}"),
            );
            last = status.clone();
        }
        if status != "RUNNING" {
            return Ok(status.to_ascii_lowercase());
        }
        if begun.elapsed() >= timeout {
            return Err(ProviderError::Timeout {
                what: format!("deployment {deploy_key}"),
                seconds: timeout.as_secs(),
            });
        }
        let stop = ctx.pause(ctx.poll_interval).await;
        if stop {
            return Err(ProviderError::Interrupted(format!(
                "stopped waiting for deployment {deploy_key}; NHN Cloud Deploy cannot cancel it, so it continues remotely"
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(status: &str, hosts: &[(&str, &str)]) -> wire::DeployRun {
        wire::DeployRun {
            deploy_key: 7,
            deploy_status: status.into(),
            deploy_result: hosts
                .iter()
                .map(|(hostname, status)| wire::HostResult {
                    deploy_key: 7,
                    hostname: (*hostname).into(),
                    status: (*status).into(),
                    task_result: Vec::new(),
                })
                .collect(),
            deploy_result_location: "https://console.example/deploy/7".into(),
        }
    }

    #[test]
    fn a_followed_failure_never_shows_the_start_answers_host_statuses() {
        let started = run("deploying", &[("web-1", "WAITING"), ("web-2", "RUNNING")]);
        let detail = failure_detail(&started, true);
        assert!(
            !detail.contains("web-1") && !detail.contains("WAITING"),
            "{detail}"
        );
        assert!(
            detail.contains("https://console.example/deploy/7"),
            "{detail}"
        );
        let finished = run("fail", &[("web-1", "SUCCESS"), ("web-2", "FAIL")]);
        assert_eq!(
            failure_detail(&finished, false),
            ": web-1 SUCCESS, web-2 FAIL"
        );
    }

    #[test]
    fn a_run_read_from_the_history_has_no_host_results() {
        let entry = |result: &str| wire::DeployHistory {
            deploy_key: 9,
            scenario_name: String::new(),
            server_group_name: String::new(),
            server_group_id: 1,
            binary_version: "1.4.2".into(),
            execute_date: String::new(),
            execute_user: String::new(),
            total_result: result.into(),
        };
        assert_eq!(run_of(&entry("RUNNING")).deploy_status, "deploying");
        assert_eq!(run_of(&entry("FAIL")).deploy_status, "fail");
        assert!(run_of(&entry("SUCCESS")).deploy_result.is_empty());
    }
}
