//! Reading SourceDeploy's state for the declared resources with as few calls as the API
//! allows: one project list; per matched project one stage list; per declared stage one
//! detail and one scenario list; per undeclared stage of a declared project one scenario
//! list (its scenarios go before it); per declared scenario one detail; per project with
//! releases the newest history page(s) and one detail per release.
//!
//! Beside the project list, the account infrastructure the manifest names is looked up
//! ([`super::lookups`]): a name that does not exist stops the plan at its line.
//!
//! Each call waits only for the ids it needs, so a converged plan takes four dependent
//! rounds however wide the manifest: the projects; each project's stages and, beside them,
//! its history (it needs only the project's id); the stage details, scenario lists and
//! the releases' deployment details; the scenario details. The history's first page is
//! read even when a release's scenario turns out not to exist yet — one call, the price of
//! not waiting a round for the scenario lists; further pages wait for them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::json;

use stages::{read_scenarios, read_stage, read_undeclared_stage};
pub(super) use stages::{scenario_attributes, stage_attributes};
use tokio::task::JoinSet;

mod stages;

use super::client::NcpClient;
use super::errors::request_error;
use super::lookups;
use super::lower::{KIND_PROJECT, KIND_RELEASE, KIND_SCENARIO, KIND_STAGE};
use super::object::object;
use super::releases;
use super::wire;
use crate::model::{Address, RemoteObject, RemoteState, Resource};
use crate::providers::ProviderError;

struct DeclaredProject<'a> {
    resource: Option<&'a Resource>,
    stages: BTreeMap<String, DeclaredStage>,
    releases: Vec<&'a Resource>,
}

#[derive(Default)]
struct DeclaredStage {
    declared: bool,
    scenarios: Vec<String>,
}

/// The remote state of the `desired` resources of provider instance `instance` (the first
/// segment of their addresses), and of what their declared parents own without declaring.
pub async fn fetch(
    instance: &str,
    client: &NcpClient,
    desired: &[&Resource],
    elsewhere: &BTreeSet<Address>,
) -> Result<RemoteState, ProviderError> {
    let mut projects: BTreeMap<String, DeclaredProject<'_>> = BTreeMap::new();
    let entry = |projects: &mut BTreeMap<String, DeclaredProject<'_>>, name: &str| {
        projects
            .entry(name.to_owned())
            .or_insert_with(|| DeclaredProject {
                resource: None,
                stages: BTreeMap::new(),
                releases: Vec::new(),
            });
    };
    for resource in desired.iter().filter(|r| r.kind == KIND_PROJECT) {
        entry(&mut projects, &resource.name);
        if let Some(p) = projects.get_mut(&resource.name) {
            p.resource = Some(resource);
        }
    }
    for resource in desired {
        let path = scenario_path(resource);
        match (resource.kind.as_str(), path) {
            (KIND_STAGE, _) => {
                let project = project_of(resource);
                entry(&mut projects, &project);
                if let Some(p) = projects.get_mut(&project) {
                    p.stages.entry(resource.name.clone()).or_default().declared = true;
                }
            }
            (KIND_SCENARIO, _) => {
                let (project, stage) = stage_of(resource);
                entry(&mut projects, &project);
                if let Some(p) = projects.get_mut(&project) {
                    p.stages
                        .entry(stage)
                        .or_default()
                        .scenarios
                        .push(resource.name.clone());
                }
            }
            (KIND_RELEASE, Some((project, _, _))) => {
                entry(&mut projects, &project);
                if let Some(p) = projects.get_mut(&project) {
                    p.releases.push(resource);
                }
            }
            _ => {}
        }
    }
    if projects.is_empty() {
        return Ok(RemoteState::default());
    }
    // The infrastructure names are checked beside the reads, so the lookups never add a
    // round; an unknown name is reported rather than whatever the reads ran into.
    let (state, checked) = tokio::join!(
        read(instance, client, &projects, elsewhere),
        lookups::check(client, desired),
    );
    if !checked.errors.is_empty() {
        return Err(ProviderError::References(checked.errors));
    }
    let mut state = state?;
    state.warnings = checked.warnings;
    Ok(state)
}

/// Reads the projects of the manifest and, below them, what [`fetch_project`] reads.
async fn read(
    instance: &str,
    client: &NcpClient,
    projects: &BTreeMap<String, DeclaredProject<'_>>,
    elsewhere: &BTreeSet<Address>,
) -> Result<RemoteState, ProviderError> {
    let mut state = RemoteState::default();
    let remote_projects = client
        .list_projects()
        .await
        .map_err(|e| request_error("list projects", e))?;
    let by_name: HashMap<&str, &wire::IdName> = remote_projects
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();

    let mut tasks = JoinSet::new();
    for (name, declared) in projects {
        let Some(remote) = by_name.get(name.as_str()) else {
            continue;
        };
        let address = Address::root(instance, KIND_PROJECT, name);
        if declared.resource.is_some() {
            state.objects.insert(
                address.clone(),
                object(
                    &address,
                    KIND_PROJECT,
                    name,
                    None,
                    remote.id,
                    json!({}),
                    None,
                ),
            );
        }
        let stages: Vec<(String, bool, Vec<String>)> = declared
            .stages
            .iter()
            .map(|(s, d)| (s.clone(), d.declared, d.scenarios.clone()))
            .collect();
        let releases: Vec<(Address, String, String, String)> = declared
            .releases
            .iter()
            .filter_map(|r| {
                scenario_path(r).map(|(_, s, c)| {
                    (
                        r.address.clone(),
                        s,
                        c,
                        r.attributes["scenario"]
                            .as_str()
                            .unwrap_or_default()
                            .to_owned(),
                    )
                })
            })
            .collect();
        let client = client.clone();
        let project_id = remote.id;
        let owned = declared.resource.is_some();
        let elsewhere = elsewhere.clone();
        tasks.spawn(fetch_project(
            client, address, project_id, owned, elsewhere, stages, releases,
        ));
    }
    while let Some(joined) = tasks.join_next().await {
        let objects = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        state
            .objects
            .extend(objects.into_iter().map(|o| (o.address.clone(), o)));
    }
    Ok(state)
}

/// `(project, stage, scenario)` of a release's `scenario` attribute.
fn scenario_path(resource: &Resource) -> Option<(String, String, String)> {
    if resource.kind != KIND_RELEASE {
        return None;
    }
    let text = resource.attributes.get("scenario")?.as_str()?;
    let mut parts = text.splitn(3, '/');
    Some((
        parts.next()?.to_owned(),
        parts.next()?.to_owned(),
        parts.next()?.to_owned(),
    ))
}

fn project_of(stage: &Resource) -> String {
    stage
        .parent
        .as_ref()
        .and_then(|p| p.0.rsplit('.').next())
        .map(unquote)
        .unwrap_or_default()
}

fn stage_of(scenario: &Resource) -> (String, String) {
    let stage = scenario
        .parent
        .as_ref()
        .map(|p| p.0.clone())
        .unwrap_or_default();
    // `<provider>.project.<p>.stage.<s>`: names never contain dots unquoted.
    let segments: Vec<&str> = stage.split('.').collect();
    let project = segments.get(2).copied().map(unquote).unwrap_or_default();
    let stage = segments.get(4).copied().map(unquote).unwrap_or_default();
    (project, stage)
}

/// A name as it was before [`Address`] quoted it. A plain segment (every name the manifest
/// accepts here) is taken as it is, without a JSON parse that can only fail.
fn unquote(segment: &str) -> String {
    if !segment.starts_with('"') {
        return segment.to_owned();
    }
    serde_json::from_str::<String>(segment).unwrap_or_else(|_| segment.to_owned())
}

/// What the stage reads give: the stages' and undeclared scenarios' objects, then the
/// declared scenarios' objects and details.
type StagesRead = (
    Vec<RemoteObject>,
    (
        Vec<RemoteObject>,
        HashMap<releases::ScenarioKey, wire::ScenarioDetail>,
    ),
);

/// What a project's releases ask of its stage reads: the scenarios whose details they
/// need, and where to say which scenarios exist as soon as the scenario lists are read.
struct ForReleases<'a> {
    wanted: &'a HashSet<releases::ScenarioKey>,
    existing: tokio::sync::oneshot::Sender<HashSet<releases::ScenarioKey>>,
}

/// The project's stage list, then per stage its detail and scenario list, then each
/// declared scenario's detail.
async fn read_stages(
    client: &NcpClient,
    project: &Address,
    project_id: i64,
    owned: bool,
    elsewhere: &BTreeSet<Address>,
    stages: &[(String, bool, Vec<String>)],
    for_releases: ForReleases<'_>,
) -> Result<StagesRead, ProviderError> {
    let mut out = Vec::new();
    let remote_stages = client
        .list_stages(project_id)
        .await
        .map_err(|e| request_error(format!("list stages of project {project_id}"), e))?;
    let declared: HashMap<&str, &(String, bool, Vec<String>)> =
        stages.iter().map(|s| (s.0.as_str(), s)).collect();

    // Per stage of the manifest: its detail and its scenario list.
    let mut tasks = JoinSet::new();
    for stage in &remote_stages {
        let address = project.child(KIND_STAGE, &stage.name);
        match declared.get(stage.name.as_str()) {
            Some((_, is_declared, scenarios)) => {
                tasks.spawn(read_stage(
                    client.clone(),
                    project.clone(),
                    address,
                    project_id,
                    stage.clone(),
                    *is_declared,
                    scenarios.clone(),
                ));
            }
            None => {
                out.push(object(
                    &address,
                    KIND_STAGE,
                    &stage.name,
                    Some(project),
                    stage.id,
                    json!({}),
                    None,
                ));
                // An undeclared stage is deleted only after its scenarios (the API does not
                // say a delete takes them along), so the plan must show each of them.
                if owned && !elsewhere.contains(&address) {
                    tasks.spawn(read_undeclared_stage(
                        client.clone(),
                        address,
                        project_id,
                        stage.clone(),
                    ));
                }
            }
        }
    }
    let mut to_read = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (objects, scenarios) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        out.extend(objects);
        to_read.extend(scenarios);
    }
    let keys = (to_read.iter())
        .map(|s| (s.stage_name.clone(), s.scenario.name.clone()))
        .collect();
    // The history may have ended already and dropped its end: nothing to tell then.
    let _ = for_releases.existing.send(keys);
    let scenarios =
        read_scenarios(client.clone(), project_id, to_read, for_releases.wanted).await?;
    Ok((out, scenarios))
}

/// Reads one project's stages, and below them what the manifest declares, what it owns
/// without declaring (prune candidates) and what its releases need. `owned`: the project is
/// declared, so its undeclared stages are its children, and their scenarios with them;
/// a stage declared `elsewhere` is not undeclared, only not read this time.
async fn fetch_project(
    client: NcpClient,
    project: Address,
    project_id: i64,
    owned: bool,
    elsewhere: BTreeSet<Address>,
    stages: Vec<(String, bool, Vec<String>)>,
    releases: Vec<(Address, String, String, String)>,
) -> Result<Vec<RemoteObject>, ProviderError> {
    // The history needs only the project's id: it goes out beside the stage list, and
    // learns which release scenarios exist once the scenario lists are read.
    let wanted: HashSet<releases::ScenarioKey> = releases
        .iter()
        .map(|(_, stage, scenario, _)| (stage.clone(), scenario.clone()))
        .collect();
    let (existing_tx, existing_rx) = tokio::sync::oneshot::channel();
    let existing = async move { existing_rx.await.unwrap_or_default() };
    let stages = read_stages(
        &client,
        &project,
        project_id,
        owned,
        &elsewhere,
        &stages,
        ForReleases {
            wanted: &wanted,
            existing: existing_tx,
        },
    );
    let ((mut out, (objects, scenario_details)), deployments) = tokio::try_join!(
        stages,
        releases::read_deployments(&client, project_id, &wanted, existing),
    )?;
    out.extend(objects);
    out.extend(releases::release_objects(
        &releases,
        &scenario_details,
        &deployments,
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_takes_a_plain_segment_as_it_is_and_reads_a_quoted_one() {
        for name in ["web", "shop-api", "s_1", "0"] {
            assert_eq!(unquote(name), name);
        }
        let quoted = Address::root("ncp", "project", "a b.c");
        let segment = quoted.as_str().splitn(3, '.').nth(2).unwrap();
        assert_eq!(segment, "\"a b.c\"");
        assert_eq!(unquote(segment), "a b.c");
        assert_eq!(unquote("\"unterminated"), "\"unterminated");
    }
}
