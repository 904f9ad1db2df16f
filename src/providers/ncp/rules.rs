//! The rules the SourceDeploy API documents for stage targets and scenarios, checked at
//! plan time: which block each target type and strategy requires or rejects, and the
//! value ranges of canary analysis.

use super::manifest::{
    Canary, CanaryAnalysis, FileSource, FileSourceType, QueryType, Scenario, Strategy, Target,
    TargetType,
};
use crate::manifest::diagnostic::DiagnosticKind;
use crate::manifest::source::join;
use crate::manifest::validate::Ctx;

pub fn check_target(target: &Target, pointer: &str, ctx: &mut Ctx<'_>) {
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

pub fn check_scenario(scenario: &Scenario, target: TargetType, pointer: &str, ctx: &mut Ctx<'_>) {
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
