//! `ncp-sourcedeploy:` section → resources, with every rule the API documents checked at
//! plan time (required blocks per target type and strategy, value ranges, name rules), so
//! that no invalid scenario reaches an apply.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::manifest::{FileSourceType, NcpSection, Release, Scenario, TargetType};
use super::rules;
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};
use crate::providers::common::lower::{check_timeout, release_spec};
use crate::suggest::did_you_mean;

pub const KIND_PROJECT: &str = "project";
pub const KIND_STAGE: &str = "stage";
pub const KIND_SCENARIO: &str = "scenario";
pub use crate::providers::common::lower::KIND_RELEASE;

const NAME_RULE: &str = "names are 1–100 characters of ASCII letters, digits, `-` and `_`";

/// The API's rule for project, stage and scenario names.
pub fn valid_name(name: &str) -> bool {
    (1..=100).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub fn lower(section: &NcpSection, ctx: &mut Ctx<'_>) -> Vec<Resource> {
    let mut resources = Vec::new();
    let base = &join("", super::TYPE);
    for (project_name, project) in &section.projects {
        let pointer = join(&join(base, "projects"), project_name);
        ctx.check_name(project_name, &pointer, NAME_RULE, valid_name);
        let Some(provider) = ctx.provider_for(project.provider.as_deref(), super::TYPE, &pointer)
        else {
            continue;
        };
        let project_address = Address::root(&provider, KIND_PROJECT, project_name);
        resources.push(ctx.resource(ResourceSpec {
            address: project_address.clone(),
            provider: provider.clone(),
            kind: KIND_PROJECT,
            name: project_name,
            parent: None,
            attributes: json!({}),
            pointer: pointer.clone(),
            protect: project.protect,
            prune: project.prune,
            depends_on: Vec::new(),
            explicit_depends_on: &project.depends_on,
            link: None,
        }));
        for (stage_name, stage) in &project.stages {
            let stage_pointer = join(&join(&pointer, "stages"), stage_name);
            ctx.check_name(stage_name, &stage_pointer, NAME_RULE, valid_name);
            rules::check_target(&stage.target, &join(&stage_pointer, "target"), ctx);
            let stage_address = project_address.child(KIND_STAGE, stage_name);
            resources.push(ctx.resource(ResourceSpec {
                address: stage_address.clone(),
                provider: provider.clone(),
                kind: KIND_STAGE,
                name: stage_name,
                parent: Some(project_address.clone()),
                attributes: json!({ "target": stage.target }),
                pointer: stage_pointer.clone(),
                protect: stage.protect,
                prune: stage.prune,
                depends_on: vec![project_address.clone()],
                explicit_depends_on: &stage.depends_on,
                link: None,
            }));
            for (scenario_name, scenario) in &stage.scenarios {
                let scenario_pointer = join(&join(&stage_pointer, "scenarios"), scenario_name);
                ctx.check_name(scenario_name, &scenario_pointer, NAME_RULE, valid_name);
                rules::check_scenario(scenario, stage.target.target_type, &scenario_pointer, ctx);
                resources.push(ctx.resource(ResourceSpec {
                    address: stage_address.child(KIND_SCENARIO, scenario_name),
                    provider: provider.clone(),
                    kind: KIND_SCENARIO,
                    name: scenario_name,
                    parent: Some(stage_address.clone()),
                    attributes: scenario_attributes(scenario, stage.target.target_type),
                    pointer: scenario_pointer.clone(),
                    protect: scenario.protect,
                    prune: false,
                    depends_on: vec![stage_address.clone()],
                    explicit_depends_on: &scenario.depends_on,
                    link: None,
                }));
            }
        }
    }
    // One release per scenario: two would start concurrent deployments (the API refuses
    // the second) or deploy the same artifact twice.
    let mut deployed_by: HashMap<(String, String), &str> = HashMap::new();
    for (release_name, release) in &section.releases {
        let pointer = join(&join(base, "releases"), release_name);
        let Some(resource) = lower_release(section, release_name, release, &pointer, ctx) else {
            ctx.declared_invalid(KIND_RELEASE, release_name);
            continue;
        };
        let target = (resource.provider.clone(), release.scenario.clone());
        if let Some(first) = deployed_by.get(&target) {
            let first_pointer = join(&join(&join(base, "releases"), first), "scenario");
            ctx.conflict(
                format!(
                    "releases `{first}` and `{release_name}` both deploy scenario `{}`",
                    release.scenario
                ),
                &join(&pointer, "scenario"),
                format!("deployed by `{release_name}`"),
                &first_pointer,
                format!("deployed by `{first}`"),
            )
            .help = Some(
                "keep one release per scenario; to deploy after another target, use `depends_on:`"
                    .into(),
            );
            ctx.declared_invalid(KIND_RELEASE, release_name);
            continue;
        }
        deployed_by.insert(target, release_name);
        resources.push(resource);
    }
    resources
}

/// The desired attributes of a scenario: the manifest body, with the API's defaults filled
/// in so that a server echoing them back is not a difference.
pub fn scenario_attributes(scenario: &Scenario, target: TargetType) -> Value {
    let mut body = scenario.clone();
    body.protect = false;
    body.depends_on.clear();
    if target == TargetType::Server && body.sequence.is_none() {
        body.sequence = Some(true);
    }
    if body
        .commands
        .as_ref()
        .is_some_and(|c| c.pre.is_empty() && c.deploy.is_empty() && c.post.is_empty())
    {
        body.commands = None;
    }
    if body.description.as_deref() == Some("") {
        body.description = None;
    }
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// What a deployment of this scenario deploys, in the form the history reports it.
pub fn artifact_of(scenario: &Scenario) -> Option<String> {
    if let Some(manifest) = &scenario.manifest {
        return Some(format!(
            "{}@{}:{}",
            manifest.repository,
            manifest.branch,
            manifest.paths.join(",")
        ));
    }
    let file = scenario.file.as_ref()?;
    match file.source {
        FileSourceType::ObjectStorage => file.object.clone(),
        FileSourceType::SourceBuild => file.build_project.map(|id| format!("sourcebuild:{id}")),
        FileSourceType::Later => None,
    }
}

fn lower_release(
    section: &NcpSection,
    name: &str,
    release: &Release,
    pointer: &str,
    ctx: &mut Ctx<'_>,
) -> Option<Resource> {
    let scenario_pointer = join(pointer, "scenario");
    let parts: Vec<&str> = release.scenario.split('/').collect();
    let [project_name, stage_name, scenario_name] = parts.as_slice() else {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("`{}` is not a scenario reference", release.scenario),
            &scenario_pointer,
            "expected PROJECT/STAGE/SCENARIO",
        )
        .help = Some("write the scenario as `project/stage/scenario`, e.g. `shop/dev/web`".into());
        return None;
    };
    let found = section
        .projects
        .get(*project_name)
        .and_then(|p| p.stages.get(*stage_name).map(|s| (p, s)))
        .and_then(|(p, s)| s.scenarios.get(*scenario_name).map(|c| (p, s, c)));
    let Some((project, _stage, scenario)) = found else {
        let left_out = ctx.is_invalid(KIND_SCENARIO, scenario_name)
            || ctx.is_invalid(KIND_STAGE, stage_name)
            || ctx.is_invalid(KIND_PROJECT, project_name);
        if left_out {
            return None; // its own error is reported
        }
        // Every scenario's path, only on this error path: per release it would make
        // lowering quadratic in the manifest's size.
        let all: Vec<String> = section
            .projects
            .iter()
            .flat_map(|(p, project)| {
                project.stages.iter().flat_map(move |(s, stage)| {
                    stage.scenarios.keys().map(move |c| format!("{p}/{s}/{c}"))
                })
            })
            .collect();
        let help = did_you_mean(&release.scenario, all.iter().map(String::as_str))
            .unwrap_or_else(|| "a release refers to a scenario declared under `projects:`".into());
        ctx.error(
            DiagnosticKind::DanglingReference,
            format!(
                "release `{name}` refers to unknown scenario `{}`",
                release.scenario
            ),
            &scenario_pointer,
            "no such scenario in the manifest",
        )
        .help = Some(help);
        return None;
    };
    let Some(artifact) = artifact_of(scenario) else {
        ctx.error(DiagnosticKind::TargetRule, format!("release `{name}`: scenario `{}` has no artifact to deploy", release.scenario), &scenario_pointer, "its file source is `later`")
            .help = Some("give the scenario a `file:` of type `object-storage` or `source-build`, or a Kubernetes `manifest:`".into());
        return None;
    };
    check_timeout(ctx, release.timeout_seconds, pointer);
    let project_pointer = join(&join(&join("", super::TYPE), "projects"), project_name);
    let provider = ctx.provider_for(
        release.provider.as_deref().or(project.provider.as_deref()),
        super::TYPE,
        &project_pointer,
    )?;
    let scenario_address = Address::root(&provider, KIND_PROJECT, project_name)
        .child(KIND_STAGE, stage_name)
        .child(KIND_SCENARIO, scenario_name);
    let attributes = json!({ "scenario": release.scenario, "artifact": artifact });
    Some(ctx.resource(release_spec(
        provider,
        name,
        pointer,
        attributes,
        release.timeout_seconds,
        vec![scenario_address],
        &release.depends_on,
    )))
}
