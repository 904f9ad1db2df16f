//! The remote side of releases: the newest successful deployment of each release's
//! scenario (its artifact), and any deployment still running for it, from the project's
//! deployment history.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::client::NcpClient;
use super::fetch::{object, request_error};
use super::lower::KIND_RELEASE;
use super::wire::{self, history_status};
use crate::model::{Address, RemoteObject};
use crate::providers::ProviderError;

/// History pages read at most per project when looking for the last successful deployment.
const MAX_HISTORY_PAGES: u32 = 10;
const HISTORY_PAGE_SIZE: u32 = 100;

/// The deployed artifact of each release: from the newest successful history entry of its
/// scenario, and any deployment still running for it.
pub(super) async fn fetch_releases(
    client: &NcpClient,
    project_id: i64,
    releases: &[(Address, String, String, String)],
    scenarios: &HashMap<(String, String), wire::ScenarioDetail>,
) -> Result<Vec<RemoteObject>, ProviderError> {
    // (stage, scenario) → (latest entry, latest successful entry)
    let mut latest: HashMap<(String, String), wire::HistorySummary> = HashMap::new();
    let mut success: HashMap<(String, String), wire::HistorySummary> = HashMap::new();
    let wanted: Vec<(String, String)> = releases
        .iter()
        .filter(|(_, s, c, _)| scenarios.contains_key(&(s.clone(), c.clone())))
        .map(|(_, s, c, _)| (s.clone(), c.clone()))
        .collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
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
            if latest.get(&key).is_none_or(|l| entry.id > l.id) {
                latest.insert(key.clone(), entry.clone());
            }
            if entry.status == history_status::SUCCESS
                && success.get(&key).is_none_or(|l| entry.id > l.id)
            {
                success.insert(key, entry);
            }
        }
        let all_found = wanted.iter().all(|k| success.contains_key(k));
        if all_found || count < HISTORY_PAGE_SIZE as usize {
            break;
        }
    }
    let mut out = Vec::new();
    for (address, stage, scenario, path) in releases {
        let key = (stage.clone(), scenario.clone());
        let Some(detail) = scenarios.get(&key) else {
            continue;
        };
        let in_flight = latest
            .get(&key)
            .filter(|l| !history_status::is_terminal(&l.status))
            .map(|l| format!("deployment {} is {}", l.id, l.status));
        let artifact = match success.get(&key) {
            Some(entry) => {
                let history = client
                    .get_history(project_id, entry.id)
                    .await
                    .map_err(|e| request_error(format!("get deployment {}", entry.id), e))?;
                deployed_artifact(&history, detail)
            }
            None => None,
        };
        let Some(artifact) = artifact else {
            if in_flight.is_some() {
                out.push(object(
                    address,
                    KIND_RELEASE,
                    address.0.rsplit('.').next().unwrap_or_default(),
                    None,
                    detail.id,
                    json!({ "scenario": path }),
                    in_flight,
                ));
            }
            continue;
        };
        out.push(object(
            address,
            KIND_RELEASE,
            address.0.rsplit('.').next().unwrap_or_default(),
            None,
            detail.id,
            json!({ "scenario": path, "artifact": artifact }),
            in_flight,
        ));
    }
    Ok(out)
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
