//! `ncp-sourcedeploy:` section → resources, with every rule the API documents checked at
//! plan time (required blocks per target type and strategy, value ranges, name rules), so
//! that no invalid scenario reaches an apply.

use serde_json::{Value, json};

use super::manifest::{
    Canary, CanaryAnalysis, FileSource, FileSourceType, NcpSection, QueryType, Release, Scenario,
    Stage, Strategy, Target, TargetType,
};
use crate::manifest::diagnostic::{DiagnosticKind, did_you_mean};
use crate::manifest::schema::ProviderType;
use crate::manifest::source::join;
use crate::manifest::validate::{Ctx, ResourceSpec};
use crate::model::{Address, Resource};

pub const KIND_PROJECT: &str = "project";
pub const KIND_STAGE: &str = "stage";
pub const KIND_SCENARIO: &str = "scenario";
pub const KIND_RELEASE: &str = "release";

const NAME_RULE: &str = "names are 1–100 characters of letters, digits, `-` and `_`";

/// The API's rule for project, stage and scenario names.
pub fn valid_name(name: &str) -> bool {
    (1..=100).contains(&name.chars().count())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub fn lower(section: &NcpSection, ctx: &mut Ctx<'_>) -> Vec<Resource> {
    let mut resources = Vec::new();
    let base = "/ncp-sourcedeploy";
    for (project_name, project) in &section.projects {
        let pointer = join(&join(base, "projects"), project_name);
        ctx.check_name(project_name, &pointer, NAME_RULE, valid_name);
        let Some(provider) = ctx.provider_for(
            project.provider.as_deref(),
            ProviderType::NcpSourceDeploy,
            &pointer,
        ) else {
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
        }));
        for (stage_name, stage) in &project.stages {
            let stage_pointer = join(&join(&pointer, "stages"), stage_name);
            ctx.check_name(stage_name, &stage_pointer, NAME_RULE, valid_name);
            check_target(&stage.target, &join(&stage_pointer, "target"), ctx);
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
            }));
            for (scenario_name, scenario) in &stage.scenarios {
                let scenario_pointer = join(&join(&stage_pointer, "scenarios"), scenario_name);
                ctx.check_name(scenario_name, &scenario_pointer, NAME_RULE, valid_name);
                check_scenario(scenario, stage.target.target_type, &scenario_pointer, ctx);
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
                }));
            }
        }
    }
    for (release_name, release) in &section.releases {
        let pointer = join(&join(base, "releases"), release_name);
        if let Some(resource) = lower_release(section, release_name, release, &pointer, ctx) {
            resources.push(resource);
        }
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
    let all: Vec<String> = section
        .projects
        .iter()
        .flat_map(|(p, project)| {
            project.stages.iter().flat_map(move |(s, stage)| {
                stage.scenarios.keys().map(move |c| format!("{p}/{s}/{c}"))
            })
        })
        .collect();
    let found = section
        .projects
        .get(*project_name)
        .and_then(|p| p.stages.get(*stage_name).map(|s| (p, s)))
        .and_then(|(p, s)| s.scenarios.get(*scenario_name).map(|c| (p, s, c)));
    let Some((project, _stage, scenario)) = found else {
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
    if release.timeout_seconds == Some(0) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            "`timeout_seconds` must be at least 1",
            &join(pointer, "timeout_seconds"),
            "must be positive",
        );
    }
    let project_pointer = join(&join("/ncp-sourcedeploy", "projects"), project_name);
    let provider = ctx.provider_for(
        release.provider.as_deref().or(project.provider.as_deref()),
        ProviderType::NcpSourceDeploy,
        &project_pointer,
    )?;
    let scenario_address = Address::root(&provider, KIND_PROJECT, project_name)
        .child(KIND_STAGE, stage_name)
        .child(KIND_SCENARIO, scenario_name);
    let mut attributes = json!({ "scenario": release.scenario, "artifact": artifact });
    if let Some(timeout) = release.timeout_seconds {
        attributes["timeout_seconds"] = json!(timeout);
    }
    Some(ctx.resource(ResourceSpec {
        address: Address::root(&provider, KIND_RELEASE, name),
        provider,
        kind: KIND_RELEASE,
        name,
        parent: None,
        attributes,
        pointer: pointer.to_owned(),
        protect: false,
        prune: false,
        depends_on: vec![scenario_address],
        explicit_depends_on: &release.depends_on,
    }))
}

fn check_target(target: &Target, pointer: &str, ctx: &mut Ctx<'_>) {
    let fields = [
        ("servers", target.servers.is_some(), TargetType::Server),
        (
            "autoscaling_group",
            target.autoscaling_group.is_some(),
            TargetType::AutoscalingGroup,
        ),
        ("cluster", target.cluster.is_some(), TargetType::Kubernetes),
        ("bucket", target.bucket.is_some(), TargetType::ObjectStorage),
    ];
    for (field, present, applies_to) in fields {
        if applies_to == target.target_type && !present {
            ctx.error_at_key(
                DiagnosticKind::MissingField,
                format!("a `{}` target needs `{field}`", target.target_type.as_str()),
                pointer,
                format!("`{field}` is required here"),
            );
        } else if applies_to != target.target_type && present {
            ctx.error_at_key(
                DiagnosticKind::TargetRule,
                format!(
                    "`{field}` does not apply to a `{}` target",
                    target.target_type.as_str()
                ),
                &join(pointer, field),
                "not for this target type",
            )
            .help = Some(format!(
                "`{field}` is for `{}` targets",
                applies_to.as_str()
            ));
        }
    }
    if target.servers.as_ref().is_some_and(Vec::is_empty) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            "a `server` target needs at least one server",
            &join(pointer, "servers"),
            "empty list",
        );
    }
}

/// Which strategies each target type supports (the API's matrix).
pub fn strategies_for(target: TargetType) -> &'static [Strategy] {
    match target {
        TargetType::Server => &[Strategy::Normal],
        TargetType::AutoscalingGroup => &[Strategy::Normal, Strategy::BlueGreen],
        TargetType::Kubernetes => &[Strategy::Rolling, Strategy::BlueGreen, Strategy::Canary],
        TargetType::ObjectStorage => &[Strategy::Normal],
    }
}

fn check_scenario(scenario: &Scenario, target: TargetType, pointer: &str, ctx: &mut Ctx<'_>) {
    let allowed = strategies_for(target);
    let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
    match scenario.strategy {
        Some(strategy) if !allowed.contains(&strategy) => {
            ctx.error(
                DiagnosticKind::TargetRule,
                format!(
                    "strategy `{}` is not available for a `{}` target",
                    strategy.as_str(),
                    target.as_str()
                ),
                &join(pointer, "strategy"),
                "unsupported strategy",
            )
            .help = Some(format!(
                "a `{}` target supports: {}",
                target.as_str(),
                names.join(", ")
            ));
        }
        None if target != TargetType::ObjectStorage => {
            ctx.error_at_key(
                DiagnosticKind::MissingField,
                format!(
                    "a scenario on a `{}` target needs `strategy`",
                    target.as_str()
                ),
                pointer,
                "`strategy` is required here",
            )
            .help = Some(format!("one of: {}", names.join(", ")));
        }
        _ => {}
    }
    if scenario
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 500)
    {
        ctx.error(
            DiagnosticKind::InvalidValue,
            "`description` is longer than 500 characters",
            &join(pointer, "description"),
            "too long",
        );
    }
    let is = |t: TargetType| target == t;
    let uses_files =
        is(TargetType::Server) || is(TargetType::AutoscalingGroup) || is(TargetType::ObjectStorage);
    let rules: [(&str, bool, bool, &str); 8] = [
        (
            "file",
            scenario.file.is_some(),
            uses_files,
            "server, autoscaling-group and object-storage targets",
        ),
        (
            "rollback",
            scenario.rollback.is_some(),
            is(TargetType::Server) || is(TargetType::AutoscalingGroup),
            "server and autoscaling-group targets",
        ),
        (
            "commands",
            scenario.commands.is_some(),
            is(TargetType::Server) || is(TargetType::AutoscalingGroup),
            "server and autoscaling-group targets",
        ),
        (
            "sequence",
            scenario.sequence.is_some(),
            is(TargetType::Server),
            "server targets",
        ),
        (
            "load_balancer",
            scenario.load_balancer.is_some(),
            is(TargetType::AutoscalingGroup),
            "autoscaling-group targets with `blue-green`",
        ),
        (
            "manifest",
            scenario.manifest.is_some(),
            is(TargetType::Kubernetes),
            "kubernetes targets",
        ),
        (
            "canary",
            scenario.canary.is_some(),
            is(TargetType::Kubernetes),
            "kubernetes targets with `canary`",
        ),
        (
            "paths",
            scenario.paths.is_some(),
            is(TargetType::ObjectStorage),
            "object-storage targets",
        ),
    ];
    for (field, present, applies, applies_to) in rules {
        if present && !applies {
            ctx.error_at_key(
                DiagnosticKind::TargetRule,
                format!("`{field}` does not apply to a `{}` target", target.as_str()),
                &join(pointer, field),
                "not for this target type",
            )
            .help = Some(format!("`{field}` is for {applies_to}"));
        }
    }
    let mut require = |field: &str, present: bool, why: &str| {
        if !present {
            ctx.error_at_key(
                DiagnosticKind::MissingField,
                format!("scenario needs `{field}`: {why}"),
                pointer,
                format!("`{field}` is required here"),
            );
        }
    };
    if uses_files {
        require("file", scenario.file.is_some(), "the artifact to deploy");
    }
    if is(TargetType::Server) || is(TargetType::AutoscalingGroup) {
        require(
            "rollback",
            scenario.rollback.is_some(),
            "whether to roll back on failure (the API requires it)",
        );
    }
    if is(TargetType::AutoscalingGroup) && scenario.strategy == Some(Strategy::BlueGreen) {
        require(
            "load_balancer",
            scenario.load_balancer.is_some(),
            "blue-green on an Auto Scaling group switches a target group",
        );
    }
    if is(TargetType::Kubernetes) {
        require(
            "manifest",
            scenario.manifest.is_some(),
            "the Kubernetes manifests to apply",
        );
        if scenario.strategy == Some(Strategy::Canary) {
            require(
                "canary",
                scenario.canary.is_some(),
                "canary analysis settings",
            );
        }
    }
    if is(TargetType::ObjectStorage) {
        require(
            "paths",
            scenario.paths.as_ref().is_some_and(|p| !p.is_empty()),
            "where the files go",
        );
    }
    if let Some(file) = &scenario.file {
        check_file(file, &join(pointer, "file"), ctx);
    }
    if let Some(manifest) = &scenario.manifest {
        let at = join(&join(pointer, "manifest"), "paths");
        if manifest.paths.is_empty() || manifest.paths.iter().any(|p| p.trim().is_empty()) {
            ctx.error(
                DiagnosticKind::InvalidValue,
                "`manifest.paths` needs at least one non-empty path",
                &at,
                "empty path",
            );
        }
    }
    if let Some(canary) = &scenario.canary {
        if scenario.strategy != Some(Strategy::Canary) {
            ctx.error_at_key(
                DiagnosticKind::TargetRule,
                "`canary` settings need `strategy: canary`",
                &join(pointer, "canary"),
                "unused canary settings",
            );
        }
        check_canary(canary, &join(pointer, "canary"), ctx);
    }
}

fn check_file(file: &FileSource, pointer: &str, ctx: &mut Ctx<'_>) {
    let needs = |t: FileSourceType| file.source == t;
    let fields = [
        (
            "bucket",
            file.bucket.is_some(),
            needs(FileSourceType::ObjectStorage),
        ),
        (
            "object",
            file.object.is_some(),
            needs(FileSourceType::ObjectStorage),
        ),
        (
            "build_project",
            file.build_project.is_some(),
            needs(FileSourceType::SourceBuild),
        ),
    ];
    for (field, present, required) in fields {
        if required && !present {
            ctx.error_at_key(
                DiagnosticKind::MissingField,
                format!(
                    "a file source of type `{}` needs `{field}`",
                    source_name(file.source)
                ),
                pointer,
                format!("`{field}` is required here"),
            );
        } else if !required && present {
            ctx.error_at_key(
                DiagnosticKind::TargetRule,
                format!(
                    "`{field}` does not apply to a file source of type `{}`",
                    source_name(file.source)
                ),
                &join(pointer, field),
                "not for this source type",
            );
        }
    }
}

fn source_name(source: FileSourceType) -> &'static str {
    match source {
        FileSourceType::ObjectStorage => "object-storage",
        FileSourceType::SourceBuild => "source-build",
        FileSourceType::Later => "later",
    }
}

fn range(ctx: &mut Ctx<'_>, pointer: &str, field: &str, value: i64, min: i64, max: i64) {
    if !(min..=max).contains(&value) {
        ctx.error(
            DiagnosticKind::InvalidValue,
            format!("`{field}` must be between {min} and {max}, not {value}"),
            &join(pointer, field),
            format!("allowed: {min}–{max}"),
        );
    }
}

/// `(field, present)` pairs of one block.
type FieldPresence<'a> = &'a [(&'a str, bool)];

fn check_canary(canary: &Canary, pointer: &str, ctx: &mut Ctx<'_>) {
    range(ctx, pointer, "count", canary.count, 1, 10);
    let require = |ctx: &mut Ctx<'_>, field: &str, present: bool| {
        if !present {
            ctx.error_at_key(
                DiagnosticKind::MissingField,
                format!(
                    "`{}` canary analysis needs `{field}`",
                    if canary.analysis == CanaryAnalysis::Manual {
                        "manual"
                    } else {
                        "auto"
                    }
                ),
                pointer,
                format!("`{field}` is required here"),
            );
        }
    };
    match canary.analysis {
        CanaryAnalysis::Manual => {
            require(ctx, "timeout", canary.timeout.is_some());
        }
        CanaryAnalysis::Auto => {
            require(ctx, "prometheus", canary.prometheus.is_some());
            require(ctx, "env", canary.env.is_some());
            require(
                ctx,
                "metrics",
                canary.metrics.as_ref().is_some_and(|m| !m.is_empty()),
            );
            require(ctx, "analysis_config", canary.analysis_config.is_some());
            require(ctx, "pass_score", canary.pass_score.is_some());
        }
    }
    if let Some(timeout) = canary.timeout {
        range(ctx, pointer, "timeout", timeout, 1, 360);
    }
    if let Some(score) = canary.pass_score {
        range(ctx, pointer, "pass_score", score, 1, 100);
    }
    if let Some(env) = &canary.env {
        for (field, value) in [("baseline", &env.baseline), ("canary", &env.canary)] {
            if value.chars().count() > 64 {
                ctx.error(
                    DiagnosticKind::InvalidValue,
                    format!("`env.{field}` is longer than 64 characters"),
                    &join(&join(pointer, "env"), field),
                    "too long",
                );
            }
        }
    }
    if let Some(config) = &canary.analysis_config {
        let at = join(pointer, "analysis_config");
        range(ctx, &at, "duration", config.duration, 10, 360);
        range(ctx, &at, "delay", config.delay, 0, 60);
        range(ctx, &at, "interval", config.interval, 1, 360);
        range(ctx, &at, "step", config.step, 10, 360);
    }
    for (i, metric) in canary.metrics.iter().flatten().enumerate() {
        let at = format!("{}/{i}", join(pointer, "metrics"));
        let (needed, unused): (FieldPresence, FieldPresence) = match metric.query_type {
            QueryType::Default => (
                &[
                    ("metric", metric.metric.is_some()),
                    ("filter", metric.filter.is_some()),
                ],
                &[("query", metric.query.is_some())],
            ),
            QueryType::Promql => (
                &[("query", metric.query.is_some())],
                &[
                    ("metric", metric.metric.is_some()),
                    ("filter", metric.filter.is_some()),
                ],
            ),
        };
        for (field, present) in needed {
            if !present {
                ctx.error(
                    DiagnosticKind::MissingField,
                    format!(
                        "metric `{}` needs `{field}` for its query type",
                        metric.name
                    ),
                    &at,
                    format!("`{field}` is required here"),
                );
            }
        }
        for (field, present) in unused {
            if *present {
                ctx.error_at_key(
                    DiagnosticKind::TargetRule,
                    format!("`{field}` does not apply to this metric's query type"),
                    &join(&at, field),
                    "not for this query type",
                );
            }
        }
    }
}

/// The stage a scenario belongs to, by address, for providers that need the target type.
pub fn stage_of<'a>(section: &'a NcpSection, project: &str, stage: &str) -> Option<&'a Stage> {
    section
        .projects
        .get(project)
        .and_then(|p| p.stages.get(stage))
}
