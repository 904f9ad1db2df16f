//! Canary config validation (KubernetesService stages, `canary` strategy): the ranges and
//! the fields each analysis type requires, from `providers.md` §1.7 (Terraform's schema).
//! Where the documents are silent: metric weights are 1–100.

use super::error::ApiError;
use crate::providers::ncp::wire::CanaryConfig;

fn required<'a, T>(field: &str, value: &'a Option<T>, mode: &str) -> Result<&'a T, ApiError> {
    value.as_ref().ok_or_else(|| {
        ApiError::bad_request(format!("{field} is required for {mode} canary analysis"))
    })
}

pub(super) fn check_canary(canary: &CanaryConfig) -> Result<(), ApiError> {
    check_range(
        "config.canaryConfig.canaryCount",
        canary.canary_count,
        1,
        10,
    )?;
    match canary.analysis_type.as_str() {
        "manual" => {
            let timeout = required("config.canaryConfig.timeout", &canary.timeout, "manual")?;
            check_range("config.canaryConfig.timeout", *timeout, 1, 360)
        }
        "auto" => {
            let prometheus =
                required("config.canaryConfig.prometheus", &canary.prometheus, "auto")?;
            if prometheus.trim().is_empty() {
                return Err(ApiError::bad_request(
                    "config.canaryConfig.prometheus must not be empty",
                ));
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
                return Err(ApiError::bad_request(
                    "config.canaryConfig.metrics needs at least one metric",
                ));
            }
            for (index, metric) in metrics.iter().enumerate() {
                let field = format!("config.canaryConfig.metrics[{index}]");
                if metric.name.trim().is_empty() {
                    return Err(ApiError::bad_request(format!(
                        "{field}.name must not be empty"
                    )));
                }
                if !matches!(metric.success_criteria.as_str(), "base" | "canary") {
                    return Err(ApiError::bad_request(format!(
                        "{field}.successCriteria must be base or canary"
                    )));
                }
                let filled =
                    |value: &Option<String>| value.as_deref().is_some_and(|v| !v.trim().is_empty());
                match metric.query_type.as_str() {
                    "default" if filled(&metric.metric) && filled(&metric.filter) => {}
                    "default" => {
                        return Err(ApiError::bad_request(format!(
                            "{field} needs metric and filter when queryType is default"
                        )));
                    }
                    "promQL" if filled(&metric.query) => {}
                    "promQL" => {
                        return Err(ApiError::bad_request(format!(
                            "{field} needs query when queryType is promQL"
                        )));
                    }
                    _ => {
                        return Err(ApiError::bad_request(format!(
                            "{field}.queryType must be default or promQL"
                        )));
                    }
                }
                check_range(&format!("{field}.weight"), metric.weight, 1, 100)?;
            }
            let analysis = required(
                "config.canaryConfig.analysisConfig",
                &canary.analysis_config,
                "auto",
            )?;
            check_range(
                "config.canaryConfig.analysisConfig.duration",
                analysis.duration,
                10,
                360,
            )?;
            check_range(
                "config.canaryConfig.analysisConfig.delay",
                analysis.delay,
                0,
                60,
            )?;
            check_range(
                "config.canaryConfig.analysisConfig.interval",
                analysis.interval,
                1,
                360,
            )?;
            check_range(
                "config.canaryConfig.analysisConfig.step",
                analysis.step,
                10,
                360,
            )?;
            let pass_score = required("config.canaryConfig.passScore", &canary.pass_score, "auto")?;
            check_range("config.canaryConfig.passScore", *pass_score, 1, 100)
        }
        other => Err(ApiError::bad_request(format!(
            "config.canaryConfig.analysisType must be manual or auto, got {other:?}"
        ))),
    }
}

/// A numeric field outside its documented range is a 400 naming the range.
fn check_range(field: &str, value: i64, low: i64, high: i64) -> Result<(), ApiError> {
    if !(low..=high).contains(&value) {
        return Err(ApiError::bad_request(format!(
            "{field} must be from {low} to {high}, got {value}"
        )));
    }
    Ok(())
}
