//! Releases: start one scenario deployment and follow it to a terminal status.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::execute::wait_for;
use super::fetch::request_error;
use super::lower::{KIND_PROJECT, KIND_SCENARIO, KIND_STAGE};
use super::provider::NcpProvider;
use super::wire::{self, history_status};
use crate::model::{Address, Change, Resource};
use crate::providers::{ApplyContext, Outcome, ProviderError};

pub async fn deploy(
    provider: &NcpProvider,
    change: &Change,
    desired: &Resource,
    ctx: &ApplyContext,
) -> Result<Outcome, ProviderError> {
    let client = &provider.client;
    let path = desired.attributes["scenario"].as_str().unwrap_or_default();
    let parts: Vec<&str> = path.splitn(3, '/').collect();
    let [project_name, stage_name, scenario_name] = parts.as_slice() else {
        return Err(ProviderError::Precondition(format!(
            "release `{}` has no scenario",
            change.name
        )));
    };
    let project_address = Address::root(&provider.name, KIND_PROJECT, project_name);
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
    if let Some(running) = latest.filter(|h| !history_status::is_terminal(&h.status)) {
        return Err(ProviderError::Precondition(format!(
            "deployment {} of `{path}` is still `{}`; wait for it or cancel it, then plan again",
            running.id, running.status
        )));
    }
    let newest_before = latest.map(|h| h.id).unwrap_or(0);
    let started_at = now_ms();
    let history_id = match client.start_deploy(project, stage, scenario).await {
        Ok(id) => id,
        Err(e) if e.is_ambiguous() => {
            // The request may have reached the server: adopt a deployment that started since.
            let after = client
                .list_history_page(project, 1, 100)
                .await
                .map_err(|e| request_error("list deployment history", e))?;
            after
                .iter()
                .filter(|h| {
                    is_for(h, stage, scenario)
                        && h.id > newest_before
                        && h.start_time.unwrap_or(started_at) >= started_at - 60_000
                })
                .map(|h| h.id)
                .max()
                .ok_or_else(|| request_error(format!("start deployment of `{path}`"), e))?
        }
        Err(e) => return Err(request_error(format!("start deployment of `{path}`"), e)),
    };
    (ctx.progress)(&change.address, &format!("deployment {history_id} started"));
    let timeout = desired
        .attributes
        .get("timeout_seconds")
        .and_then(serde_json::Value::as_u64)
        .map(Duration::from_secs)
        .unwrap_or(ctx.deploy_timeout);
    let detail = wait_for(client, &change.address, project, history_id, timeout, ctx).await?;
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
