//! Below a project's stage list: each stage of the manifest's detail and scenario list,
//! the scenario list of each undeclared stage, and each declared scenario's detail.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::model::{Address, RemoteObject};
use crate::providers::ProviderError;
use crate::providers::ncp::client::NcpClient;
use crate::providers::ncp::convert;
use crate::providers::ncp::errors::request_error;
use crate::providers::ncp::lower::{KIND_SCENARIO, KIND_STAGE};
use crate::providers::ncp::object::object;
use crate::providers::ncp::releases;
use crate::providers::ncp::wire;

/// A declared scenario found in its stage's list, to be read in detail.
pub(super) struct ScenarioToRead {
    pub(super) stage: Address,
    pub(super) stage_id: i64,
    pub(super) stage_name: String,
    pub(super) scenario: wire::IdName,
}

/// A stage's object (when declared) and the objects of its undeclared scenarios, plus the
/// declared scenarios that exist and need their detail read.
pub(super) type StageRead = (Vec<RemoteObject>, Vec<ScenarioToRead>);

pub(super) async fn read_stage(
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
            out.push(undeclared_scenario(&address, &scenario));
        }
    }
    Ok((out, to_read))
}

/// The scenarios of a stage the manifest does not declare, as its children.
pub(super) async fn read_undeclared_stage(
    client: NcpClient,
    address: Address,
    project_id: i64,
    stage: wire::IdName,
) -> Result<StageRead, ProviderError> {
    let scenarios = client
        .list_scenarios(project_id, stage.id)
        .await
        .map_err(|e| request_error(format!("list scenarios of stage `{}`", stage.name), e))?;
    let objects = scenarios
        .iter()
        .map(|scenario| undeclared_scenario(&address, scenario))
        .collect();
    Ok((objects, Vec::new()))
}

/// A scenario the manifest does not declare, under the stage at `stage`: known by name and
/// id only, since nothing is compared to it.
fn undeclared_scenario(stage: &Address, scenario: &wire::IdName) -> RemoteObject {
    object(
        &stage.child(KIND_SCENARIO, &scenario.name),
        KIND_SCENARIO,
        &scenario.name,
        Some(stage),
        scenario.id,
        json!({}),
        None,
    )
}

/// The scenario objects, and the details of the scenarios a release names, by (stage,
/// scenario).
type ScenarioReads = (
    Vec<RemoteObject>,
    HashMap<releases::ScenarioKey, wire::ScenarioDetail>,
);

/// Reads each declared scenario's detail. No more reads wait as tasks than the client lets
/// run at once: a task is spawned when another finishes, so ten thousand scenarios cost ten
/// tasks at a time, not ten thousand futures, each with its own allocation, that would only
/// wait for a permit. A detail is kept only when `for_releases` names its scenario.
pub(super) async fn read_scenarios(
    client: NcpClient,
    project_id: i64,
    to_read: Vec<ScenarioToRead>,
    for_releases: &HashSet<releases::ScenarioKey>,
) -> Result<ScenarioReads, ProviderError> {
    let at_once = client.http().config().max_in_flight.max(1);
    let mut waiting = to_read.into_iter();
    let mut tasks = JoinSet::new();
    let spawn_next = |tasks: &mut JoinSet<_>, waiting: &mut std::vec::IntoIter<ScenarioToRead>| {
        let Some(wanted) = waiting.next() else {
            return;
        };
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
    };
    for _ in 0..at_once {
        spawn_next(&mut tasks, &mut waiting);
    }
    let mut out = Vec::with_capacity(waiting.len() + tasks.len());
    let mut details = HashMap::new();
    while let Some(joined) = tasks.join_next().await {
        let (wanted, detail) = joined
            .map_err(|e| ProviderError::Precondition(format!("fetch task failed: {e}")))??;
        spawn_next(&mut tasks, &mut waiting);
        out.push(object(
            &wanted.stage.child(KIND_SCENARIO, &wanted.scenario.name),
            KIND_SCENARIO,
            &detail.name,
            Some(&wanted.stage),
            detail.id,
            scenario_attributes(&detail),
            None,
        ));
        let key = (wanted.stage_name, detail.name.clone());
        if for_releases.contains(&key) {
            details.insert(key, detail);
        }
    }
    Ok((out, details))
}

/// The remote attributes of a stage, as plan compares them with the manifest's.
pub(in crate::providers::ncp) fn stage_attributes(detail: &wire::StageDetail) -> Value {
    match convert::target_from_wire(detail) {
        Some(target) => json!({ "target": target }),
        None => json!({ "target": { "type": detail.target_type } }),
    }
}

/// The remote attributes of a scenario, as plan compares them with the manifest's.
pub(in crate::providers::ncp) fn scenario_attributes(detail: &wire::ScenarioDetail) -> Value {
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
