//! Scenario config validation: the strategy × target matrix and value ranges of
//! `providers.md` §1.7, and the references into the seeded account.
//!
//! Rules where the documents are silent, chosen so client bugs surface here and not on a
//! real account:
//! - a structural block that belongs to another target type or strategy (`file`, `cmd`,
//!   `loadBalancer`, `manifest`, `canaryConfig`, `path`) is rejected; the plain flags
//!   `sequence` and `rollback` are stored as sent wherever they appear;
//! - `file` must carry exactly the block its `type` names (none for `later`);
//! - a `loadBalancer` target group must be attached to the stage's Auto Scaling group.
//!
//! Canary configs are checked in `canary.rs`.
//!
//! The validated config comes back with the read-only names filled in
//! (`file.SourceBuild.name`, `loadBalancer.loadBalancerTargetGroupName`).

use super::canary::check_canary;
use super::error::ApiError;
use super::seed;
use super::state::Stage;
use crate::providers::ncp::wire::{
    Commands, FileSource, K8sManifest, PathMapping, ScenarioConfig, stage_type,
};

/// Validates `config` for a scenario of `stage`, returning it normalised.
pub(super) fn scenario_config(
    stage: &Stage,
    mut config: ScenarioConfig,
) -> Result<ScenarioConfig, ApiError> {
    let target = stage.target_type.as_str();
    let strategy = config.strategy.clone();
    let strategy = strategy.as_deref();
    match target {
        stage_type::SERVER | stage_type::AUTOSCALING_GROUP => {
            let allowed: &[&str] = if target == stage_type::SERVER {
                &["normal"]
            } else {
                &["normal", "blueGreen"]
            };
            check_strategy(target, strategy, allowed, true)?;
            forbid(target, "manifest", config.manifest.is_some())?;
            forbid(target, "canaryConfig", config.canary_config.is_some())?;
            forbid(target, "path", config.path.is_some())?;
            check_file(config.file.as_mut())?;
            if config.rollback.is_none() {
                return Err(ApiError::bad_request(format!(
                    "config.rollback is required for a {target} stage"
                )));
            }
            if let Some(cmd) = &config.cmd {
                check_commands(cmd)?;
            }
            if strategy == Some("blueGreen") {
                check_load_balancer(stage, &mut config)?;
            } else if config.load_balancer.is_some() {
                return Err(ApiError::bad_request(
                    "config.loadBalancer applies only to the blueGreen strategy",
                ));
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
                    return Err(ApiError::bad_request(
                        "config.canaryConfig is required for the canary strategy",
                    ));
                }
                (_, Some(_)) => {
                    return Err(ApiError::bad_request(
                        "config.canaryConfig applies only to the canary strategy",
                    ));
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
                    return Err(ApiError::bad_request(
                        "config.path needs at least one mapping for an ObjectStorage stage",
                    ));
                }
                Some(paths) => check_paths("config.path", paths)?,
            }
        }
        other => {
            return Err(ApiError::bad_request(format!(
                "stage has an unknown type {other:?}"
            )));
        }
    }
    Ok(config)
}

fn check_strategy(
    target: &str,
    strategy: Option<&str>,
    allowed: &[&str],
    required: bool,
) -> Result<(), ApiError> {
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
        return Err(ApiError::bad_request(format!(
            "config.{block} does not apply to a {target} stage"
        )));
    }
    Ok(())
}

fn check_file(file: Option<&mut FileSource>) -> Result<(), ApiError> {
    let file =
        file.ok_or_else(|| ApiError::bad_request("config.file is required for this stage type"))?;
    match file.source_type.as_str() {
        "ObjectStorage" => {
            if file.source_build.is_some() {
                return Err(ApiError::bad_request(
                    "config.file.SourceBuild does not apply when file.type is ObjectStorage",
                ));
            }
            let object = file.object_storage.as_ref().ok_or_else(|| {
                ApiError::bad_request(
                    "config.file.ObjectStorage is required when file.type is ObjectStorage",
                )
            })?;
            let bucket = seed::bucket(&object.bucket).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Object Storage bucket {:?} does not exist",
                    object.bucket
                ))
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
                return Err(ApiError::bad_request(
                    "config.file.ObjectStorage does not apply when file.type is SourceBuild",
                ));
            }
            let build = file.source_build.as_mut().ok_or_else(|| {
                ApiError::bad_request(
                    "config.file.SourceBuild is required when file.type is SourceBuild",
                )
            })?;
            let project = seed::build_project(build.id).ok_or_else(|| {
                ApiError::bad_request(format!("SourceBuild project {} does not exist", build.id))
            })?;
            build.name = Some(project.name.to_owned());
        }
        "later" => {
            if file.object_storage.is_some() || file.source_build.is_some() {
                return Err(ApiError::bad_request(
                    "config.file names no source when file.type is later",
                ));
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
                return Err(ApiError::bad_request(format!(
                    "config.cmd.{list}[{index}] needs a user and a cmd"
                )));
            }
        }
    }
    check_paths("config.cmd.deploy", &cmd.deploy)
}

fn check_paths(field: &str, paths: &[PathMapping]) -> Result<(), ApiError> {
    for (index, mapping) in paths.iter().enumerate() {
        if mapping.source_path.trim().is_empty() || mapping.deploy_path.trim().is_empty() {
            return Err(ApiError::bad_request(format!(
                "{field}[{index}] needs a sourcePath and a deployPath"
            )));
        }
    }
    Ok(())
}

fn check_load_balancer(stage: &Stage, config: &mut ScenarioConfig) -> Result<(), ApiError> {
    let balancer = config.load_balancer.as_mut().ok_or_else(|| {
        ApiError::bad_request("config.loadBalancer is required for the blueGreen strategy")
    })?;
    let group = stage
        .config
        .auto_scaling_group_no
        .and_then(seed::auto_scaling_group);
    let target_group = group
        .and_then(|group| {
            group
                .target_groups
                .iter()
                .find(|tg| tg.no == balancer.load_balancer_target_group_no)
        })
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
        ApiError::bad_request(format!(
            "SourceCommit repository {:?} does not exist",
            manifest.repository
        ))
    })?;
    if !repository.branches.contains(&manifest.branch.as_str()) {
        return Err(ApiError::bad_request(format!(
            "branch {:?} does not exist in repository {:?}",
            manifest.branch, manifest.repository
        )));
    }
    if manifest.path.is_empty() || manifest.path.iter().any(|path| path.trim().is_empty()) {
        return Err(ApiError::bad_request(
            "config.manifest.path needs at least one non-empty path",
        ));
    }
    Ok(())
}
