//! The checks every exported object passes before it is written: its name is one a
//! manifest can hold, the manifest's rules accept it, nothing of it is lost in conversion,
//! and its lowered attributes are what plan reads back (the engine's own diff says so).

use serde_json::Value;

use crate::manifest::validate::Ctx;
use crate::providers::ncp::manifest::{Scenario, Target, TargetType};
use crate::providers::ncp::{convert, fetch, lower, rules, wire};

/// The name as a manifest key, or why a manifest cannot hold it.
pub(super) fn check_name(name: &str) -> Result<(), String> {
    if lower::valid_name(name) {
        Ok(())
    } else {
        Err(format!(
            "its name `{name}` is not valid in a manifest (1–100 ASCII letters, digits, `-` and `_`)"
        ))
    }
}

/// The target a manifest declares for this stage, or why it cannot be declared exactly.
pub(super) fn stage_of(detail: &wire::StageDetail) -> Result<Target, String> {
    check_name(&detail.name)?;
    let target = convert::target_from_wire(detail).ok_or_else(|| {
        format!(
            "target type `{}` is not one the manifest language can declare",
            detail.target_type
        )
    })?;
    let errors = rule_errors(|ctx| rules::check_target(&target, "", ctx));
    if !errors.is_empty() {
        return Err(format!("the API's stage breaks a manifest rule: {errors}"));
    }
    let declared = serde_json::json!({ "target": target });
    same_as_remote(&declared, &fetch::stage_attributes(detail))?;
    Ok(target)
}

/// The scenario a manifest declares for this remote one, with fields at their defaults
/// left out, or why it cannot be declared exactly.
pub(super) fn scenario_of(
    target: TargetType,
    detail: &wire::ScenarioDetail,
) -> Result<Scenario, String> {
    check_name(&detail.name)?;
    if let Some(lost) = inexpressible(&detail.config) {
        return Err(format!(
            "{lost} is not one the manifest language can declare"
        ));
    }
    let mut scenario = convert::scenario_from_wire(detail);
    // The loader fills these in (see `lower::scenario_attributes`): leaving them out keeps
    // the output to what the user would write.
    if target == TargetType::Server && scenario.sequence == Some(true) {
        scenario.sequence = None;
    }
    let errors = rule_errors(|ctx| rules::check_scenario(&scenario, target, "", ctx));
    if !errors.is_empty() {
        return Err(format!(
            "the API's scenario breaks a manifest rule: {errors}"
        ));
    }
    same_as_remote(
        &lower::scenario_attributes(&scenario, target),
        &fetch::scenario_attributes(detail),
    )?;
    Ok(scenario)
}

/// A wire value the manifest shape has no way to say; [`convert::scenario_from_wire`]
/// would map it to something else.
fn inexpressible(config: &wire::ScenarioConfig) -> Option<String> {
    const STRATEGIES: [&str; 4] = ["normal", "blueGreen", "rolling", "canary"];
    const FILE_SOURCES: [&str; 3] = ["ObjectStorage", "SourceBuild", "later"];
    if let Some(strategy) = config
        .strategy
        .as_deref()
        .filter(|s| !STRATEGIES.contains(s))
    {
        return Some(format!("strategy `{strategy}`"));
    }
    if let Some(file) = config.file.as_ref()
        && !FILE_SOURCES.contains(&file.source_type.as_str())
    {
        return Some(format!("file source type `{}`", file.source_type));
    }
    if let Some(manifest) = config.manifest.as_ref()
        && !matches!(manifest.source_type.as_str(), "" | "SourceCommit")
    {
        return Some(format!("manifest source type `{}`", manifest.source_type));
    }
    let canary = config.canary_config.as_ref()?;
    if !matches!(canary.analysis_type.as_str(), "manual" | "auto") {
        return Some(format!("canary analysis type `{}`", canary.analysis_type));
    }
    for metric in canary.metrics.iter().flatten() {
        if !matches!(metric.success_criteria.as_str(), "base" | "canary") {
            return Some(format!(
                "success criteria `{}` of canary metric `{}`",
                metric.success_criteria, metric.name
            ));
        }
        let query = metric.query_type.to_ascii_lowercase();
        if !matches!(query.as_str(), "default" | "promql") {
            return Some(format!(
                "query type `{}` of canary metric `{}`",
                metric.query_type, metric.name
            ));
        }
    }
    None
}

/// The manifest rules `check` breaks, as one line.
fn rule_errors(check: impl FnOnce(&mut Ctx<'_>)) -> String {
    crate::manifest::validate::rule_messages(crate::providers::registry::language(), check)
        .join("; ")
}

/// Whether plan would see no difference between `declared` (lowered from the manifest)
/// and `remote` (as fetched); otherwise the fields that would change.
fn same_as_remote(declared: &Value, remote: &Value) -> Result<(), String> {
    let differing = crate::engine::diff::differing_paths(declared, remote);
    if differing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "declaring it would still plan a change of {}",
        differing
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
