//! `deployplan export` for SourceDeploy: the projects, stages and scenarios that exist,
//! written as the `ncp-sourcedeploy:` section that declares each of them exactly as it is.
//!
//! Reading takes one project list, then per project one stage list, per stage one detail
//! and one scenario list, per scenario one detail; independent calls run concurrently,
//! bounded by the HTTP client's in-flight limit (as in [`super::fetch`]). Nothing is written.
//!
//! Conversion uses the same wire → manifest converters as plan ([`super::convert`]), and
//! every exported object is checked before it is emitted: it must pass the manifest's rules
//! ([`super::rules`]), nothing may have been lost on the way (an unknown strategy, file
//! source or canary setting), and its lowered attributes must equal the attributes plan
//! reads back from the remote. An object that fails is left out with the reason, so the
//! export never declares something that would plan as a change. Releases are not exported:
//! declaring one makes `apply` start deployments.

use std::collections::BTreeMap;

use serde_json::Value;
use tokio::task::JoinSet;

use super::client::NcpClient;
use super::errors::request_error;
use super::lower::{KIND_PROJECT, KIND_SCENARIO, KIND_STAGE};
use super::manifest::{NcpSection, Project, Stage};
use super::wire;
use crate::model::Address;
use crate::providers::{ExportFilter, ExportSkip, Exported, ProviderError};

mod checks;
#[cfg(test)]
mod tests;

use checks::{check_name, scenario_of, stage_of};

/// Why releases are not in the output; goes into the document's header.
const RELEASES_NOTE: &str = "No `releases:` are exported: declaring a release makes `apply` deploy its scenario whenever the last successful deployment ran another artifact. Add them once the objects are adopted.";

/// A project as read from the API.
#[derive(Debug, Clone)]
pub(super) struct RemoteProject {
    pub address: Address,
    pub name: String,
    pub stages: Vec<RemoteStage>,
}

/// A stage as read from the API, with the details of its scenarios.
#[derive(Debug, Clone)]
pub(super) struct RemoteStage {
    pub address: Address,
    pub detail: wire::StageDetail,
    pub scenarios: Vec<wire::ScenarioDetail>,
}

/// The section declaring what provider instance `instance` holds (within `filter`), and
/// what had to be left out.
pub async fn export(
    instance: &str,
    client: &NcpClient,
    filter: &ExportFilter,
) -> Result<Exported, ProviderError> {
    let mut listed = client
        .list_projects()
        .await
        .map_err(|e| request_error("list projects", e))?;
    listed.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let available: Vec<String> = listed.iter().map(|p| p.name.clone()).collect();
    let unmatched: Vec<String> = filter
        .only
        .iter()
        .filter(|name| !available.contains(name))
        .cloned()
        .collect();
    if !unmatched.is_empty() {
        return Ok(Exported {
            unmatched,
            available,
            noun: NOUN,
            ..Exported::default()
        });
    }
    let mut tasks = JoinSet::new();
    for project in listed {
        if !filter.only.is_empty() && !filter.only.contains(&project.name) {
            continue;
        }
        let address = Address::root(instance, KIND_PROJECT, &project.name);
        tasks.spawn(read_project(client.clone(), address, project));
    }
    let mut projects = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        projects.push(joined.map_err(task_failed)??);
    }
    projects.sort_by(|a, b| a.name.cmp(&b.name));
    let pin = filter.pin_instance.then_some(instance);
    let (section, skipped, counts) = section_of(&projects, pin);
    Ok(Exported {
        section: section_value(&section),
        skipped,
        unmatched: Vec::new(),
        available,
        notes: vec![RELEASES_NOTE.to_owned()],
        summary: counts.summary(),
        noun: NOUN,
    })
}

/// What the exported top-level objects are called.
const NOUN: &str = "projects";

fn task_failed(err: tokio::task::JoinError) -> ProviderError {
    ProviderError::Precondition(format!("export task failed: {err}"))
}

async fn read_project(
    client: NcpClient,
    address: Address,
    project: wire::IdName,
) -> Result<RemoteProject, ProviderError> {
    let stages = client
        .list_stages(project.id)
        .await
        .map_err(|e| request_error(format!("list stages of project `{}`", project.name), e))?;
    let mut tasks = JoinSet::new();
    for stage in stages {
        let address = address.child(KIND_STAGE, &stage.name);
        tasks.spawn(read_stage(client.clone(), address, project.id, stage));
    }
    let mut out = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        out.push(joined.map_err(task_failed)??);
    }
    out.sort_by(|a, b| a.detail.name.cmp(&b.detail.name));
    Ok(RemoteProject {
        address,
        name: project.name,
        stages: out,
    })
}

async fn read_stage(
    client: NcpClient,
    address: Address,
    project_id: i64,
    stage: wire::IdName,
) -> Result<RemoteStage, ProviderError> {
    let (detail, listed) = tokio::try_join!(
        async {
            client
                .get_stage(project_id, stage.id)
                .await
                .map_err(|e| request_error(format!("get stage `{}`", stage.name), e))
        },
        async {
            client
                .list_scenarios(project_id, stage.id)
                .await
                .map_err(|e| request_error(format!("list scenarios of stage `{}`", stage.name), e))
        },
    )?;
    let mut tasks = JoinSet::new();
    for scenario in listed {
        let client = client.clone();
        tasks.spawn(async move {
            client
                .get_scenario(project_id, stage.id, scenario.id)
                .await
                .map_err(|e| request_error(format!("get scenario `{}`", scenario.name), e))
        });
    }
    let mut scenarios = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        scenarios.push(joined.map_err(task_failed)??);
    }
    scenarios.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(RemoteStage {
        address,
        detail,
        scenarios,
    })
}

/// How many objects were exported, for the summary line.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    pub projects: usize,
    pub stages: usize,
    pub scenarios: usize,
}

impl Counts {
    fn summary(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}, {}",
            plural(self.projects, "project", "projects"),
            plural(self.stages, "stage", "stages"),
            plural(self.scenarios, "scenario", "scenarios"),
        )
    }
}

/// The manifest section declaring `projects`, the objects left out, and what went in.
/// `pin` names the provider instance on every project.
pub(super) fn section_of(
    projects: &[RemoteProject],
    pin: Option<&str>,
) -> (NcpSection, Vec<ExportSkip>, Counts) {
    let mut section = NcpSection::default();
    let mut skipped = Vec::new();
    let mut counts = Counts::default();
    let mut skip = |address: &Address, reason: String| {
        skipped.push(ExportSkip {
            address: address.clone(),
            reason,
        });
    };
    for project in projects {
        if let Err(reason) = check_name(&project.name).and(unique(&project.name, &section.projects))
        {
            skip(&project.address, reason);
            continue;
        }
        let mut declared = Project {
            provider: pin.map(str::to_owned),
            ..Project::default()
        };
        for stage in &project.stages {
            let name = &stage.detail.name;
            let target = match unique(name, &declared.stages).and_then(|()| stage_of(&stage.detail))
            {
                Ok(target) => target,
                Err(reason) => {
                    let with = match stage.scenarios.len() {
                        0 => String::new(),
                        1 => " (with its scenario)".to_owned(),
                        n => format!(" (with its {n} scenarios)"),
                    };
                    skip(&stage.address, format!("{reason}{with}"));
                    continue;
                }
            };
            let mut scenarios = BTreeMap::new();
            for detail in &stage.scenarios {
                match unique(&detail.name, &scenarios)
                    .and_then(|()| scenario_of(target.target_type, detail))
                {
                    Ok(scenario) => {
                        scenarios.insert(detail.name.clone(), scenario);
                    }
                    Err(reason) => skip(&stage.address.child(KIND_SCENARIO, &detail.name), reason),
                }
            }
            counts.stages += 1;
            counts.scenarios += scenarios.len();
            let stage = Stage {
                target,
                protect: false,
                prune: false,
                depends_on: Vec::new(),
                scenarios,
            };
            declared.stages.insert(name.clone(), stage);
        }
        counts.projects += 1;
        section.projects.insert(project.name.clone(), declared);
    }
    skipped.sort_by(|a, b| a.address.cmp(&b.address));
    (section, skipped, counts)
}

/// Names are unique within their parent in the API; should two ever collide, neither map
/// entry may silently replace the other.
fn unique<V>(name: &str, taken: &BTreeMap<String, V>) -> Result<(), String> {
    match taken.contains_key(name) {
        true => Err(format!(
            "an object of the same parent is also named `{name}`"
        )),
        false => Ok(()),
    }
}

/// The section as JSON, without the keys that are at their defaults (`protect: false`,
/// `prune: false`, `depends_on: []`, empty `stages`, `scenarios` and `releases`): the
/// manifest types serialise them, but nobody writes them.
pub(super) fn section_value(section: &NcpSection) -> Value {
    fn strip(map: &mut serde_json::Map<String, Value>) {
        map.retain(|key, value| match key.as_str() {
            "protect" | "prune" => value != &Value::Bool(false),
            "depends_on" => !value.as_array().is_some_and(Vec::is_empty),
            "stages" | "scenarios" => !value.as_object().is_some_and(|m| m.is_empty()),
            _ => true,
        });
    }
    let mut value = serde_json::to_value(section).unwrap_or(Value::Null);
    let Some(root) = value.as_object_mut() else {
        return value;
    };
    if root
        .get("releases")
        .and_then(Value::as_object)
        .is_some_and(|r| r.is_empty())
    {
        root.remove("releases");
    }
    let projects = root.get_mut("projects").and_then(Value::as_object_mut);
    for project in projects.into_iter().flat_map(|p| p.values_mut()) {
        let Some(project) = project.as_object_mut() else {
            continue;
        };
        strip(project);
        let stages = project.get_mut("stages").and_then(Value::as_object_mut);
        for stage in stages.into_iter().flat_map(|s| s.values_mut()) {
            if let Some(stage) = stage.as_object_mut() {
                strip(stage);
            }
        }
    }
    value
}
