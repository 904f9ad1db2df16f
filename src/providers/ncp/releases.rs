//! The remote side of releases: the newest successful deployment of each release's
//! scenario (its artifact), and any deployment still running for it (with what it
//! deploys), from the project's deployment history.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::client::NcpClient;
use super::errors::request_error;
use super::lower::KIND_RELEASE;
use super::object::object;
use super::wire::{self, history_status};
use crate::model::{Address, RemoteObject, RunningDeployment};
use crate::providers::ProviderError;

/// History pages read at most per project when looking for the last successful deployment.
const MAX_HISTORY_PAGES: u32 = 10;
const HISTORY_PAGE_SIZE: u32 = 100;

/// A release's scenario: (stage name, scenario name).
pub(super) type ScenarioKey = (String, String);

/// What a project's deployment history says of the scenarios releases deploy.
#[derive(Default)]
pub(super) struct Deployments {
    /// The newest entry per scenario, whatever its status: a running one is in flight.
    latest: HashMap<ScenarioKey, wire::HistorySummary>,
    /// The detail of the newest successful entry per scenario: what it deployed.
    deployed: HashMap<ScenarioKey, wire::HistoryDetail>,
    /// The detail of the newest entry per scenario while it runs: what it deploys.
    running: HashMap<ScenarioKey, wire::HistoryDetail>,
}

/// Reads the project's history, newest page first, until every wanted scenario has a
/// successful entry (or the history ends), then the details of those entries, all at once.
/// It needs only the project's id and the scenarios' names, so its first page goes out
/// beside the stage list. Only before reading a further page does it need to know which
/// wanted scenarios exist (`existing`, known once the scenario lists are read): one that
/// does not has no history to look further for.
pub(super) async fn read_deployments(
    client: &NcpClient,
    project_id: i64,
    wanted: &HashSet<ScenarioKey>,
    existing: impl std::future::Future<Output = HashSet<ScenarioKey>>,
) -> Result<Deployments, ProviderError> {
    let mut deployments = Deployments::default();
    if wanted.is_empty() {
        return Ok(deployments);
    }
    let mut wanted = wanted.clone();
    let mut existing = Some(existing);
    let mut success: HashMap<ScenarioKey, wire::HistorySummary> = HashMap::new();
    for page in 1..=MAX_HISTORY_PAGES {
        let entries = client
            .list_history_page(project_id, page, HISTORY_PAGE_SIZE)
            .await
            .map_err(|e| {
                request_error(
                    format!("list deployment history of project {project_id}"),
                    e,
                )
            })?;
        let count = entries.len();
        for entry in entries {
            let (Some(stage), Some(scenario)) = (&entry.stage, &entry.scenario) else {
                continue;
            };
            let key = (stage.name.clone(), scenario.name.clone());
            if !wanted.contains(&key) {
                continue;
            }
            if deployments.latest.get(&key).is_none_or(|l| entry.id > l.id) {
                deployments.latest.insert(key.clone(), entry.clone());
            }
            if entry.status == history_status::SUCCESS
                && success.get(&key).is_none_or(|l| entry.id > l.id)
            {
                success.insert(key, entry);
            }
        }
        let all_found =
            |wanted: &HashSet<ScenarioKey>| wanted.iter().all(|k| success.contains_key(k));
        if all_found(&wanted) || count < HISTORY_PAGE_SIZE as usize {
            break;
        }
        if let Some(existing) = existing.take() {
            let existing = existing.await;
            wanted.retain(|key| existing.contains(key));
            if all_found(&wanted) {
                break;
            }
        }
    }
    let running: Vec<(ScenarioKey, i64)> = deployments
        .latest
        .iter()
        .filter(|(_, entry)| !history_status::is_terminal(&entry.status))
        .map(|(key, entry)| (key.clone(), entry.id))
        .collect();
    let mut details = JoinSet::new();
    let wanted_details = success
        .into_iter()
        .map(|(key, entry)| (key, entry.id, false))
        .chain(running.into_iter().map(|(key, id)| (key, id, true)));
    for (key, id, is_running) in wanted_details {
        let client = client.clone();
        details.spawn(async move {
            client
                .get_history(project_id, id)
                .await
                .map(|detail| (key, detail, is_running))
                .map_err(|e| request_error(format!("get deployment {id}"), e))
        });
    }
    while let Some(joined) = details.join_next().await {
        let (key, detail, is_running) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        if is_running {
            deployments.running.insert(key, detail);
        } else {
            deployments.deployed.insert(key, detail);
        }
    }
    Ok(deployments)
}

/// The remote object of each release whose scenario exists: the artifact its newest
/// successful deployment ran, and any deployment still running.
pub(super) fn release_objects(
    releases: &[(Address, String, String, String)],
    scenarios: &HashMap<ScenarioKey, wire::ScenarioDetail>,
    deployments: &Deployments,
) -> Vec<RemoteObject> {
    let mut out = Vec::new();
    for (address, stage, scenario, path) in releases {
        let key = (stage.clone(), scenario.clone());
        let Some(detail) = scenarios.get(&key) else {
            continue;
        };
        let in_flight = deployments
            .latest
            .get(&key)
            .filter(|l| !history_status::is_terminal(&l.status))
            .map(|l| RunningDeployment {
                id: l.id.to_string(),
                status: l.status.clone(),
                deploys: deployments
                    .running
                    .get(&key)
                    .and_then(|history| deployed_artifact(history, detail)),
            });
        let artifact = deployments
            .deployed
            .get(&key)
            .and_then(|history| deployed_artifact(history, detail));
        let attributes = match artifact {
            Some(artifact) => json!({ "scenario": path, "artifact": artifact }),
            None if in_flight.is_some() => json!({ "scenario": path }),
            None => continue,
        };
        out.push(object(
            address,
            KIND_RELEASE,
            address.0.rsplit('.').next().unwrap_or_default(),
            None,
            detail.id,
            attributes,
            in_flight,
        ));
    }
    out
}

/// The artifact a history entry deployed, in the form [`super::lower::artifact_of`] gives.
pub fn deployed_artifact(
    history: &wire::HistoryDetail,
    scenario: &wire::ScenarioDetail,
) -> Option<String> {
    let config = history.config.first()?;
    if let Some(manifest) = config.get("manifest") {
        let repository = manifest.get("repository")?.as_str()?;
        let branch = manifest.get("branch")?.as_str()?;
        let paths: Vec<&str> = manifest
            .get("path")?
            .as_array()?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        return Some(format!("{repository}@{branch}:{}", paths.join(",")));
    }
    let file = config.get("file")?;
    let name = file.get("file")?.as_str()?;
    match file.get("type").and_then(Value::as_str) {
        Some("SourceBuild") => {
            let build = scenario
                .config
                .file
                .as_ref()
                .and_then(|f| f.source_build.as_ref());
            match build {
                Some(b) if b.name.as_deref() == Some(name) => Some(format!("sourcebuild:{}", b.id)),
                _ => Some(format!("sourcebuild:{name}")),
            }
        }
        _ => Some(name.to_owned()),
    }
}
