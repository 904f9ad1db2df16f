//! Scenario config validation: the strategy × target matrix and value ranges of
//! `providers.md` §1.7, and the references into the seeded account.
//!
//! Rules where the documents are silent, chosen so client bugs surface here and not on a
//! real account:
//! - a structural block that belongs to another target type or strategy (`file`, `cmd`,
//!   `loadBalancer`, `manifest`, `canaryConfig`, `path`) is rejected; the plain flags
//!   `sequence` and `rollback` are stored as sent wherever they appear;
//! - `file` must carry exactly the block its `type` names (none for `later`);
//! - a `loadBalancer` target group must be attached to the stage's Auto Scaling group;
//! - canary metric weights are 1–100.
//!
//! The validated config comes back with the read-only names filled in
//! (`file.SourceBuild.name`, `loadBalancer.loadBalancerTargetGroupName`).

use super::error::ApiError;
use super::seed;
use super::state::Stage;
use crate::providers::ncp::wire::{CanaryConfig, Commands, FileSource, K8sManifest, PathMapping, ScenarioConfig, stage_type};

/// Validates `config` for a scenario of `stage`, returning it normalised.
pub(super) fn scenario_config(stage: &Stage, mut config: ScenarioConfig) -> Result<ScenarioConfig, ApiError> {
    let target = stage.target_type.as_str();
    let strategy = config.strategy.clone();
    let strategy = strategy.as_deref();
    match target {
        stage_type::SERVER | stage_type::AUTOSCALING_GROUP => {
            let allowed: &[&str] = if target == stage_type::SERVER { &["normal"] } else { &["normal", "blueGreen"] };
            check_strategy(target, strategy, allowed, true)?;
            forbid(target, "manifest", config.manifest.is_some())?;
            forbid(target, "canaryConfig", config.canary_config.is_some())?;
            forbid(target, "path", config.path.is_some())?;
            check_file(config.file.as_mut())?;
            if config.rollback.is_none() {
                return Err(ApiError::bad_request(format!("config.rollback is required for a {target} stage")));
            }
            if let Some(cmd) = &config.cmd {
                check_commands(cmd)?;
            }
            if strategy == Some("blueGreen") {
                check_load_balancer(stage, &mut config)?;
            } else if config.load_balancer.is_some() {
                return Err(ApiError::bad_request("config.loadBalancer applies only to the blueGreen strategy"));
            }
        }
        stage_type::KUBERNETES_SERVICE => {
            check_strategy(target, strategy, &["rolling", "blueGreen", "canary"], true)?;
            for (block, present) in [
                ("file", config.file.is_some()),
                ("cmd", config.cmd.is_some()),
                ("loadBalancer", config.load_balancer.is_some()),
                ("path", config.path.is_some()),
            ] {
                forbid(target, block, present)?;
            }
            let manifest = config.manifest.as_ref().ok_or_else(|| {
                ApiError::bad_request("config.manifest is required for a KubernetesService stage")
            })?;
            check_manifest(manifest)?;
            match (strategy, &config.canary_config) {
                (Some("canary"), Some(canary)) => check_canary(canary)?,
                (Some("canary"), None) => {
                    return Err(ApiError::bad_request("config.canaryConfig is required for the canary strategy"));
                }
                (_, Some(_)) => {
                    return Err(ApiError::bad_request("config.canaryConfig applies only to the canary strategy"));
                }
                (_, None) => {}
            }
        }
        stage_type::OBJECT_STORAGE => {
            check_strategy(target, strategy, &["normal"], false)?;
            for (block, present) in [
                ("cmd", config.cmd.is_some()),
                ("loadBalancer", config.load_balancer.is_some()),
                ("manifest", config.manifest.is_some()),
                ("canaryConfig", config.canary_config.is_some()),
            ] {
                forbid(target, block, present)?;
            }
            check_file(config.file.as_mut())?;
            match config.path.as_deref() {
                None | Some([]) => {
                    return Err(ApiError::bad_request("config.path needs at least one mapping for an ObjectStorage stage"));
                }
                Some(paths) => check_paths("config.path", paths)?,
            }
        }
        other => return Err(ApiError::bad_request(format!("stage has an unknown type {other:?}"))),
    }
    Ok(config)
}

fn check_strategy(target: &str, strategy: Option<&str>, allowed: &[&str], required: bool) -> Result<(), ApiError> {
    match strategy {
        None if required => Err(ApiError::bad_request(format!(
            "config.strategy is required for a {target} stage (one of {})",
            allowed.join(", ")
        ))),
        None => Ok(()),
        Some(strategy) if allowed.contains(&strategy) => Ok(()),
        Some(strategy) => Err(ApiError::bad_request(format!(
            "config.strategy {strategy:?} is not available for a {target} stage (one of {})",
            allowed.join(", ")
        ))),
    }
}

fn forbid(target: &str, block: &str, present: bool) -> Result<(), ApiError> {
    if present {
        return Err(ApiError::bad_request(format!("config.{block} does not apply to a {target} stage")));
    }
    Ok(())
}

fn check_file(file: Option<&mut FileSource>) -> Result<(), ApiError> {
    let file = file.ok_or_else(|| ApiError::bad_request("config.file is required for this stage type"))?;
    match file.source_type.as_str() {
        "ObjectStorage" => {
            if file.source_build.is_some() {
                return Err(ApiError::bad_request("config.file.SourceBuild does not apply when file.type is ObjectStorage"));
            }
            let object = file.object_storage.as_ref().ok_or_else(|| {
                ApiError::bad_request("config.file.ObjectStorage is required when file.type is ObjectStorage")
            })?;
            let bucket = seed::bucket(&object.bucket).ok_or_else(|| {
                ApiError::bad_request(format!("Object Storage bucket {:?} does not exist", object.bucket))
            })?;
            if !bucket.objects.iter().any(|(key, _)| *key == object.object) {
                return Err(ApiError::bad_request(format!(
                    "object {:?} does not exist in bucket {:?}",
                    object.object, object.bucket
                )));
            }
        }
        "SourceBuild" => {
            if file.object_storage.is_some() {
                return Err(ApiError::bad_request("config.file.ObjectStorage does not apply when file.type is SourceBuild"));
            }
            let build = file.source_build.as_mut().ok_or_else(|| {
                ApiError::bad_request("config.file.SourceBuild is required when file.type is SourceBuild")
            })?;
            let project = seed::build_project(build.id).ok_or_else(|| {
                ApiError::bad_request(format!("SourceBuild project {} does not exist", build.id))
            })?;
            build.name = Some(project.name.to_owned());
        }
        "later" => {
            if file.object_storage.is_some() || file.source_build.is_some() {
                return Err(ApiError::bad_request("config.file names no source when file.type is later"));
            }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "config.file.type {other:?} is not one of SourceBuild, ObjectStorage, later"
            )));
        }
    }
    Ok(())
}

fn check_commands(cmd: &Commands) -> Result<(), ApiError> {
    for (list, commands) in [("pre", &cmd.pre), ("post", &cmd.post)] {
        for (index, command) in commands.iter().enumerate() {
            if command.user.trim().is_empty() || command.cmd.trim().is_empty() {
                return Err(ApiError::bad_request(format!("config.cmd.{list}[{index}] needs a user and a cmd")));
            }
        }
    }
    check_paths("config.cmd.deploy", &cmd.deploy)
}

fn check_paths(field: &str, paths: &[PathMapping]) -> Result<(), ApiError> {
    for (index, mapping) in paths.iter().enumerate() {
        if mapping.source_path.trim().is_empty() || mapping.deploy_path.trim().is_empty() {
            return Err(ApiError::bad_request(format!("{field}[{index}] needs a sourcePath and a deployPath")));
        }
    }
    Ok(())
}

fn check_load_balancer(stage: &Stage, config: &mut ScenarioConfig) -> Result<(), ApiError> {
    let balancer = config.load_balancer.as_mut().ok_or_else(|| {
        ApiError::bad_request("config.loadBalancer is required for the blueGreen strategy")
    })?;
    let group = stage.config.auto_scaling_group_no.and_then(seed::auto_scaling_group);
    let target_group = group
        .and_then(|group| group.target_groups.iter().find(|tg| tg.no == balancer.load_balancer_target_group_no))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "target group {} is not attached to the stage's Auto Scaling group",
                balancer.load_balancer_target_group_no
            ))
        })?;
    balancer.load_balancer_target_group_name = Some(target_group.name.to_owned());
    Ok(())
}

fn check_manifest(manifest: &K8sManifest) -> Result<(), ApiError> {
    if manifest.source_type != "SourceCommit" {
        return Err(ApiError::bad_request(format!(
            "config.manifest.type must be SourceCommit, got {:?}",
            manifest.source_type
        )));
    }
    let repository = seed::repository(&manifest.repository).ok_or_else(|| {
        ApiError::bad_request(format!("SourceCommit repository {:?} does not exist", manifest.repository))
    })?;
    if !repository.branches.contains(&manifest.branch.as_str()) {
        return Err(ApiError::bad_request(format!(
            "branch {:?} does not exist in repository {:?}",
            manifest.branch, manifest.repository
        )));
    }
    if manifest.path.is_empty() || manifest.path.iter().any(|path| path.trim().is_empty()) {
        return Err(ApiError::bad_request("config.manifest.path needs at least one non-empty path"));
    }
    Ok(())
}

fn check_range(field: &str, value: i64, low: i64, high: i64) -> Result<(), ApiError> {
    if !(low..=high).contains(&value) {
        return Err(ApiError::bad_request(format!("{field} must be from {low} to {high}, got {value}")));
    }
    Ok(())
}

fn required<'a, T>(field: &str, value: &'a Option<T>, mode: &str) -> Result<&'a T, ApiError> {
    value
        .as_ref()
        .ok_or_else(|| ApiError::bad_request(format!("{field} is required for {mode} canary analysis")))
}

fn check_canary(canary: &CanaryConfig) -> Result<(), ApiError> {
    check_range("config.canaryConfig.canaryCount", canary.canary_count, 1, 10)?;
    match canary.analysis_type.as_str() {
        "manual" => {
            let timeout = required("config.canaryConfig.timeout", &canary.timeout, "manual")?;
            check_range("config.canaryConfig.timeout", *timeout, 1, 360)
        }
        "auto" => {
            let prometheus = required("config.canaryConfig.prometheus", &canary.prometheus, "auto")?;
            if prometheus.trim().is_empty() {
                return Err(ApiError::bad_request("config.canaryConfig.prometheus must not be empty"));
            }
            let env = required("config.canaryConfig.env", &canary.env, "auto")?;
            for (field, value) in [("baseline", &env.baseline), ("canary", &env.canary)] {
                let length = value.chars().count();
                if !(1..=64).contains(&length) {
                    return Err(ApiError::bad_request(format!(
                        "config.canaryConfig.env.{field} must be 1 to 64 characters"
                    )));
                }
            }
            let metrics = required("config.canaryConfig.metrics", &canary.metrics, "auto")?;
            if metrics.is_empty() {
                return Err(ApiError::bad_request("config.canaryConfig.metrics needs at least one metric"));
            }
            for (index, metric) in metrics.iter().enumerate() {
                let field = format!("config.canaryConfig.metrics[{index}]");
                if metric.name.trim().is_empty() {
                    return Err(ApiError::bad_request(format!("{field}.name must not be empty")));
                }
                if !matches!(metric.success_criteria.as_str(), "base" | "canary") {
                    return Err(ApiError::bad_request(format!("{field}.successCriteria must be base or canary")));
                }
                let filled = |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
                match metric.query_type.as_str() {
                    "default" if filled(&metric.metric) && filled(&metric.filter) => {}
                    "default" => {
                        return Err(ApiError::bad_request(format!(
                            "{field} needs metric and filter when queryType is default"
                        )));
                    }
                    "promQL" if filled(&metric.query) => {}
                    "promQL" => {
                        return Err(ApiError::bad_request(format!("{field} needs query when queryType is promQL")));
                    }
                    _ => return Err(ApiError::bad_request(format!("{field}.queryType must be default or promQL"))),
                }
                check_range(&format!("{field}.weight"), metric.weight, 1, 100)?;
            }
            let analysis = required("config.canaryConfig.analysisConfig", &canary.analysis_config, "auto")?;
            check_range("config.canaryConfig.analysisConfig.duration", analysis.duration, 10, 360)?;
            check_range("config.canaryConfig.analysisConfig.delay", analysis.delay, 0, 60)?;
            check_range("config.canaryConfig.analysisConfig.interval", analysis.interval, 1, 360)?;
            check_range("config.canaryConfig.analysisConfig.step", analysis.step, 10, 360)?;
            let pass_score = required("config.canaryConfig.passScore", &canary.pass_score, "auto")?;
            check_range("config.canaryConfig.passScore", *pass_score, 1, 100)
        }
        other => Err(ApiError::bad_request(format!(
            "config.canaryConfig.analysisType must be manual or auto, got {other:?}"
        ))),
    }
}
