//! Releases: start one scenario deployment and follow it to a terminal status. A deployment
//! found running is followed first; when it deployed the desired artifact, none is started.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::client::NcpClient;
use super::errors::request_error;
use super::lower::{KIND_PROJECT, KIND_SCENARIO, KIND_STAGE};
use super::releases::deployed_artifact;
use super::wait::{OnInterrupt, wait_for};
use super::wire::{self, history_status};
use crate::model::{Address, Change, Resource};
use crate::providers::{ApplyContext, Outcome, ProviderError};

/// Deploys `desired`'s artifact with its scenario, after following any deployment of it
/// still running; the scenario's addresses are under provider instance `instance`.
pub async fn deploy(
    instance: &str,
    client: &NcpClient,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let path = desired.attributes["scenario"].as_str().unwrap_or_default();
    let parts: Vec<&str> = path.splitn(3, '/').collect();
    let [project_name, stage_name, scenario_name] = parts.as_slice() else {
        return Err(ProviderError::Precondition(format!(
            "release `{}` has no scenario",
            change.name
        )));
    };
    let project_address = Address::root(instance, KIND_PROJECT, project_name);
    let stage_address = project_address.child(KIND_STAGE, stage_name);
    let scenario_address = stage_address.child(KIND_SCENARIO, scenario_name);
    let lookup = |a: &Address| {
        ctx.id_of(a)
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| {
                ProviderError::Precondition(format!(
                    "`{a}` does not exist remotely (was its creation skipped?)"
                ))
            })
    };
    let (project, stage, scenario) = (
        lookup(&project_address)?,
        lookup(&stage_address)?,
        lookup(&scenario_address)?,
    );

    // Never a second deployment while the scenario's latest one is still running.
    let history = client
        .list_history_page(project, 1, 100)
        .await
        .map_err(|e| {
            request_error(
                format!("list deployment history of project `{project_name}`"),
                e,
            )
        })?;
    let latest = history
        .iter()
        .filter(|h| is_for(h, stage, scenario))
        .max_by_key(|h| h.id);
    let timeout = desired
        .attributes
        .get("timeout_seconds")
        .and_then(serde_json::Value::as_u64)
        .map(Duration::from_secs)
        .unwrap_or(ctx.deploy_timeout);
    // A deployment still running, or the one the plan said it follows (it may have ended
    // since): follow it to its end, then decide. Never a second deployment while one runs.
    let planned = change.following.as_ref().map(|f| f.id.as_str());
    let to_follow = latest.filter(|h| {
        !history_status::is_terminal(&h.status) || planned == Some(h.id.to_string().as_str())
    });
    if let Some(running) = to_follow {
        let wanted = desired.attributes.get("artifact").and_then(|a| a.as_str());
        let ids = (project, stage, scenario);
        if let Some(done) = follow(client, change, ids, running.id, wanted, timeout, ctx).await? {
            return Ok(done);
        }
    }
    let newest_before = latest.map(|h| h.id).unwrap_or(0);
    let started_at = now_ms();
    // A lost answer is settled by the history: a deployment of this scenario newer than
    // the latest one before is the lost call's; none proves it was not processed.
    let history_id = client
        .http()
        .exactly_once(
            || client.start_deploy(project, stage, scenario),
            || async move {
                let after = client.list_history_page(project, 1, 100).await?;
                Ok(after
                    .iter()
                    .filter(|h| {
                        is_for(h, stage, scenario)
                            && h.id > newest_before
                            && h.start_time.unwrap_or(started_at) >= started_at - 60_000
                    })
                    .map(|h| h.id)
                    .max())
            },
        )
        .await
        .map_err(|e| request_error(format!("start deployment of `{path}`"), e))?;
    (ctx.progress)(&change.address, &format!("deployment {history_id} started"));
    let ids = (project, history_id);
    let detail = wait_for(
        client,
        &change.address,
        ids,
        timeout,
        OnInterrupt::Cancel,
        ctx,
    )
    .await?;
    if detail.status == history_status::SUCCESS {
        Ok(Outcome {
            id: Some(history_id.to_string()),
            message: format!("deployment {history_id} succeeded"),
        })
    } else {
        Err(ProviderError::DeploymentFailed {
            deployment: history_id.to_string(),
            status: detail.status.clone(),
            detail: target_results(&detail),
        })
    }
}

/// Follows deployment `history` of a scenario, found running before this one was to start,
/// to its end. `Some`: it succeeded and deployed the `wanted` artifact, so there is nothing
/// more to do; `None`: the planned deployment is to start.
async fn follow(
    client: &NcpClient,
    change: &Change,
    (project, stage, scenario): (i64, i64, i64),
    history: i64,
    wanted: Option<&str>,
    timeout: Duration,
    ctx: &ApplyContext,
) -> Result<Option<Outcome>, ProviderError> {
    (ctx.progress)(
        &change.address,
        &format!("following deployment {history} (found running)"),
    );
    let ids = (project, history);
    let detail = wait_for(
        client,
        &change.address,
        ids,
        timeout,
        OnInterrupt::Leave,
        ctx,
    )
    .await?;
    let deployed = if detail.status == history_status::SUCCESS {
        let scenario_detail = client
            .get_scenario(project, stage, scenario)
            .await
            .map_err(|e| request_error(format!("get scenario {scenario}"), e))?;
        deployed_artifact(&detail, &scenario_detail)
    } else {
        None
    };
    if deployed.is_some() && deployed.as_deref() == wanted {
        return Ok(Some(Outcome {
            id: Some(history.to_string()),
            message: format!(
                "deployment {history} (found running) succeeded with {}: no second deployment",
                deployed.unwrap_or_default()
            ),
        }));
    }
    let why = match deployed {
        Some(artifact) => format!("deployed {artifact}"),
        None => format!("ended `{}`", detail.status),
    };
    (ctx.progress)(
        &change.address,
        &format!("deployment {history} {why}: starting the planned deployment"),
    );
    Ok(None)
}

fn is_for(entry: &wire::HistorySummary, stage: i64, scenario: i64) -> bool {
    entry.stage.as_ref().is_some_and(|s| s.id == stage)
        && entry.scenario.as_ref().is_some_and(|s| s.id == scenario)
}

/// Per-target results from the history detail, e.g. `: web-1 fail, web-2 success`.
fn target_results(detail: &wire::HistoryDetail) -> String {
    let results: Vec<String> = detail
        .config
        .iter()
        .flat_map(|c| {
            c.get("targets")
                .and_then(|t| t.as_array())
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|t| {
            let name = t
                .pointer("/server/name")
                .and_then(|n| n.as_str())
                .unwrap_or("target");
            let status = t.get("status").and_then(|s| s.as_str())?;
            Some(format!("{name} {status}"))
        })
        .collect();
    if results.is_empty() {
        String::new()
    } else {
        format!(": {}", results.join(", "))
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
