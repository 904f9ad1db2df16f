//! Reading SourceDeploy's state for the declared resources with as few calls as the API
//! allows: one project list; per matched project one stage list; per declared stage one
//! detail and one scenario list; per declared scenario one detail; per project with
//! releases the newest history page(s) and one detail per release. Independent calls run
//! concurrently.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::client::NcpClient;
use super::convert;
use super::lower::{KIND_PROJECT, KIND_RELEASE, KIND_SCENARIO, KIND_STAGE};
use super::provider::NcpProvider;
use super::wire;
use crate::model::{Address, RemoteObject, RemoteState, Resource};
use crate::providers::ProviderError;

pub(super) fn request_error(
    call: impl Into<String>,
    err: super::client::NcpError,
) -> ProviderError {
    let hint = if err.is_auth() {
        Some("check the access key and secret key (NCLOUD_ACCESS_KEY / NCLOUD_SECRET_KEY) and the clock".into())
    } else {
        None
    };
    ProviderError::Request {
        call: call.into(),
        message: crate::redact::redact(&err.to_string()).into_owned(),
        hint,
    }
}

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

pub async fn fetch(
    provider: &NcpProvider,
    desired: &[&Resource],
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
    let mut state = RemoteState::default();
    if projects.is_empty() {
        return Ok(state);
    }
    let remote_projects = provider
        .client
        .list_projects()
        .await
        .map_err(|e| request_error("list projects", e))?;
    let by_name: HashMap<&str, &wire::IdName> = remote_projects
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();

    let mut tasks = JoinSet::new();
    for (name, declared) in &projects {
        let Some(remote) = by_name.get(name.as_str()) else {
            continue;
        };
        let address = Address::root(&provider.name, KIND_PROJECT, name);
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
        let client = provider.client.clone();
        let project_id = remote.id;
        tasks.spawn(fetch_project(client, address, project_id, stages, releases));
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

pub(super) fn object(
    address: &Address,
    kind: &str,
    name: &str,
    parent: Option<&Address>,
    id: i64,
    attributes: Value,
    in_flight: Option<String>,
) -> RemoteObject {
    RemoteObject {
        address: address.clone(),
        kind: kind.to_owned(),
        name: name.to_owned(),
        parent: parent.cloned(),
        id: id.to_string(),
        attributes,
        in_flight,
    }
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

fn unquote(segment: &str) -> String {
    serde_json::from_str::<String>(segment).unwrap_or_else(|_| segment.to_owned())
}

async fn fetch_project(
    client: NcpClient,
    project: Address,
    project_id: i64,
    stages: Vec<(String, bool, Vec<String>)>,
    releases: Vec<(Address, String, String, String)>,
) -> Result<Vec<RemoteObject>, ProviderError> {
    let mut out = Vec::new();
    let remote_stages = client
        .list_stages(project_id)
        .await
        .map_err(|e| request_error(format!("list stages of project {project_id}"), e))?;
    let declared: HashMap<&str, &(String, bool, Vec<String>)> =
        stages.iter().map(|s| (s.0.as_str(), s)).collect();
    let mut tasks = JoinSet::new();
    let mut stage_ids = HashMap::new();
    for stage in &remote_stages {
        let address = project.child(KIND_STAGE, &stage.name);
        stage_ids.insert(stage.name.clone(), stage.id);
        match declared.get(stage.name.as_str()) {
            Some((_, is_declared, scenarios)) => {
                let client = client.clone();
                let (project, address, stage, scenarios, is_declared) = (
                    project.clone(),
                    address.clone(),
                    stage.clone(),
                    scenarios.clone(),
                    *is_declared,
                );
                tasks.spawn(async move {
                    fetch_stage(
                        client,
                        project,
                        address,
                        project_id,
                        stage,
                        is_declared,
                        scenarios,
                    )
                    .await
                });
            }
            None => out.push(object(
                &address,
                KIND_STAGE,
                &stage.name,
                Some(&project),
                stage.id,
                json!({}),
                None,
            )),
        }
    }
    let mut scenario_details: HashMap<(String, String), wire::ScenarioDetail> = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (objects, details) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        out.extend(objects);
        scenario_details.extend(details);
    }
    if !releases.is_empty() {
        out.extend(
            super::releases::fetch_releases(&client, project_id, &releases, &scenario_details)
                .await?,
        );
    }
    Ok(out)
}

type StageFetch = (
    Vec<RemoteObject>,
    Vec<((String, String), wire::ScenarioDetail)>,
);

async fn fetch_stage(
    client: NcpClient,
    project: Address,
    address: Address,
    project_id: i64,
    stage: wire::IdName,
    declared: bool,
    scenarios: Vec<String>,
) -> Result<StageFetch, ProviderError> {
    let mut out = Vec::new();
    let mut details = Vec::new();
    if declared {
        let detail = client
            .get_stage(project_id, stage.id)
            .await
            .map_err(|e| request_error(format!("get stage `{}`", stage.name), e))?;
        let attributes = stage_attributes(&detail);
        out.push(object(
            &address,
            KIND_STAGE,
            &stage.name,
            Some(&project),
            stage.id,
            attributes,
            None,
        ));
    }
    let remote = client
        .list_scenarios(project_id, stage.id)
        .await
        .map_err(|e| request_error(format!("list scenarios of stage `{}`", stage.name), e))?;
    let mut tasks = JoinSet::new();
    for scenario in remote {
        let scenario_address = address.child(KIND_SCENARIO, &scenario.name);
        if scenarios.contains(&scenario.name) {
            let client = client.clone();
            let stage_id = stage.id;
            tasks.spawn(async move {
                let detail = client
                    .get_scenario(project_id, stage_id, scenario.id)
                    .await
                    .map_err(|e| request_error(format!("get scenario `{}`", scenario.name), e))?;
                Ok::<_, ProviderError>((scenario_address, detail))
            });
        } else if declared {
            // Undeclared scenario of a declared stage: the manifest owns it (prune candidate).
            out.push(object(
                &scenario_address,
                KIND_SCENARIO,
                &scenario.name,
                Some(&address),
                scenario.id,
                json!({}),
                None,
            ));
        }
    }
    while let Some(joined) = tasks.join_next().await {
        let (scenario_address, detail) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        let attributes = scenario_attributes(&detail);
        out.push(object(
            &scenario_address,
            KIND_SCENARIO,
            &detail.name,
            Some(&address),
            detail.id,
            attributes,
            None,
        ));
        details.push(((stage.name.clone(), detail.name.clone()), detail));
    }
    Ok((out, details))
}

/// The remote attributes of a stage, as plan compares them with the manifest's.
pub(super) fn stage_attributes(detail: &wire::StageDetail) -> Value {
    match convert::target_from_wire(detail) {
        Some(target) => json!({ "target": target }),
        None => json!({ "target": { "type": detail.target_type } }),
    }
}

/// The remote attributes of a scenario, as plan compares them with the manifest's.
pub(super) fn scenario_attributes(detail: &wire::ScenarioDetail) -> Value {
    let mut attributes =
        serde_json::to_value(convert::scenario_from_wire(detail)).unwrap_or(Value::Null);
    strip_defaults(&mut attributes);
    attributes
}

/// Removes manifest-only keys that serialisation may emit at their defaults.
fn strip_defaults(attributes: &mut Value) {
    if let Some(map) = attributes.as_object_mut() {
        map.remove("protect");
        map.remove("depends_on");
    }
}
