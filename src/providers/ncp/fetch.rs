//! Reading SourceDeploy's state for the declared resources with as few calls as the API
//! allows: one project list; per matched project one stage list; per declared stage one
//! detail and one scenario list; per declared scenario one detail; per project with
//! releases the newest history page(s) and one detail per release.
//!
//! Each call waits only for the ids it needs, so a converged plan takes four dependent
//! rounds (projects, stages, stage details with scenario lists, scenario details with the
//! history) plus one for the releases' deployment details, however wide the manifest.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::client::NcpClient;
use super::convert;
use super::lower::{KIND_PROJECT, KIND_RELEASE, KIND_SCENARIO, KIND_STAGE};
use super::provider::NcpProvider;
use super::releases;
use super::wire;
use crate::model::{Address, RemoteObject, RemoteState, Resource, RunningDeployment};
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
    in_flight: Option<RunningDeployment>,
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
    let mut to_read = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (objects, scenarios) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        out.extend(objects);
        to_read.extend(scenarios);
    }

    // Every declared scenario's detail and, beside them, the history the releases need.
    let wanted: Vec<releases::ScenarioKey> = releases
        .iter()
        .map(|(_, stage, scenario, _)| (stage.clone(), scenario.clone()))
        .filter(|key| {
            to_read
                .iter()
                .any(|s| s.stage_name == key.0 && s.scenario.name == key.1)
        })
        .collect();
    let ((objects, scenario_details), deployments) = tokio::try_join!(
        read_scenarios(client.clone(), project_id, to_read),
        releases::read_deployments(&client, project_id, &wanted),
    )?;
    out.extend(objects);
    out.extend(releases::release_objects(
        &releases,
        &scenario_details,
        &deployments,
    ));
    Ok(out)
}

/// A declared scenario found in its stage's list, to be read in detail.
struct ScenarioToRead {
    stage: Address,
    stage_id: i64,
    stage_name: String,
    scenario: wire::IdName,
}

/// A stage's object (when declared) and the objects of its undeclared scenarios, plus the
/// declared scenarios that exist and need their detail read.
type StageRead = (Vec<RemoteObject>, Vec<ScenarioToRead>);

async fn read_stage(
    client: NcpClient,
    project: Address,
    address: Address,
    project_id: i64,
    stage: wire::IdName,
    declared: bool,
    scenarios: Vec<String>,
) -> Result<StageRead, ProviderError> {
    let mut out = Vec::new();
    // The stage's detail and its scenario list only need the stage id: one round, not two.
    let detail = async {
        if !declared {
            return Ok(None);
        }
        client
            .get_stage(project_id, stage.id)
            .await
            .map(Some)
            .map_err(|e| request_error(format!("get stage `{}`", stage.name), e))
    };
    let scenarios_listed = async {
        client
            .list_scenarios(project_id, stage.id)
            .await
            .map_err(|e| request_error(format!("list scenarios of stage `{}`", stage.name), e))
    };
    let (detail, remote) = tokio::try_join!(detail, scenarios_listed)?;
    if let Some(detail) = detail {
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
    let mut to_read = Vec::new();
    for scenario in remote {
        if scenarios.contains(&scenario.name) {
            to_read.push(ScenarioToRead {
                stage: address.clone(),
                stage_id: stage.id,
                stage_name: stage.name.clone(),
                scenario,
            });
        } else if declared {
            // Undeclared scenario of a declared stage: the manifest owns it (prune candidate).
            out.push(object(
                &address.child(KIND_SCENARIO, &scenario.name),
                KIND_SCENARIO,
                &scenario.name,
                Some(&address),
                scenario.id,
                json!({}),
                None,
            ));
        }
    }
    Ok((out, to_read))
}

/// The scenario objects, and their details by (stage, scenario) for the releases.
type ScenarioReads = (
    Vec<RemoteObject>,
    HashMap<releases::ScenarioKey, wire::ScenarioDetail>,
);

async fn read_scenarios(
    client: NcpClient,
    project_id: i64,
    to_read: Vec<ScenarioToRead>,
) -> Result<ScenarioReads, ProviderError> {
    let mut tasks = JoinSet::new();
    for wanted in to_read {
        let client = client.clone();
        tasks.spawn(async move {
            let detail = client
                .get_scenario(project_id, wanted.stage_id, wanted.scenario.id)
                .await
                .map_err(|e| {
                    request_error(format!("get scenario `{}`", wanted.scenario.name), e)
                })?;
            Ok::<_, ProviderError>((wanted, detail))
        });
    }
    let mut out = Vec::new();
    let mut details = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (wanted, detail) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        out.push(object(
            &wanted.stage.child(KIND_SCENARIO, &wanted.scenario.name),
            KIND_SCENARIO,
            &detail.name,
            Some(&wanted.stage),
            detail.id,
            scenario_attributes(&detail),
            None,
        ));
        details.insert((wanted.stage_name, detail.name.clone()), detail);
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
