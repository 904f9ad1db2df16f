//! The JSON the API answers with, snake_case as on the wire, including the fields the live
//! service adds beyond the published tables (`stages[]`, `ci_status`, `deploy_method`,
//! `services[]`, `cloud_build_id`, …) so clients prove they ignore what they do not know.

use serde_json::{Value, json};

use super::seed::TENANT;
use super::state::{App, AxState, Deployment, GitConnection, Status, Tenant};

/// RFC 3339 (UTC) of epoch ms.
pub(super) fn time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string()
}

fn opt_time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::from(time(ms)))
}

pub(super) fn tenant(tenant: &Tenant) -> Value {
    json!({
        "id": tenant.id,
        "slug": tenant.slug,
        "name": tenant.name,
        "role": "admin",
        "plan": "team",
    })
}

pub(super) fn app(state: &AxState, app: &App) -> Value {
    let latest = state
        .deployments_of(&app.id)
        .first()
        .map(|d| d.status.name());
    let live = app.production_deployment_id.is_some();
    let access_url = app
        .subdomain
        .as_ref()
        .filter(|_| live)
        .map(|sub| format!("https://{sub}.{TENANT}.axhub.ai"));
    json!({
        "id": app.id,
        "tenant_id": app.tenant_id,
        "slug": app.slug,
        "name": app.name,
        "subdomain": app.subdomain,
        "status": if live { "running" } else { "created" },
        "last_deployment_status": latest,
        "access_url": access_url,
        "production_deployment_id": app.production_deployment_id,
        "staging_enabled": app.staging_enabled,
        "staging_required": app.staging_required,
        "deploy_method": "dockerfile",
        "visibility": if app.staging_required { "public" } else { "private" },
        "auth_mode": "none",
        "resource_preset": "small",
        "created_at": time(app.created_at),
        "updated_at": time(app.created_at),
    })
}

pub(super) fn connection(git: &GitConnection) -> Value {
    json!({
        "provider": "github",
        "repo_full_name": git.repo_full_name,
        "branch": git.branch,
        "installation_id": git.installation_id,
    })
}

/// `stages[]`: each build stage as far as the deployment got.
fn stages(deployment: &Deployment) -> Value {
    const ORDER: [Status; 3] = [Status::Building, Status::Pushing, Status::Deploying];
    let reached = deployment.current_stage.as_deref();
    let position = ORDER.iter().position(|s| Some(s.name()) == reached);
    let stages: Vec<Value> = ORDER
        .iter()
        .enumerate()
        .map(|(n, stage)| {
            let status = match (deployment.status, position) {
                (Status::Succeeded, _) => "succeeded",
                (_, Some(at)) if n < at => "succeeded",
                (Status::Failed, Some(at)) if n == at => "failed",
                (Status::Failed, None) => "succeeded",
                (_, Some(at)) if n == at => "running",
                (Status::Cancelled | Status::Failed, _) => "skipped",
                _ => "pending",
            };
            json!({ "name": stage.name(), "status": status })
        })
        .collect();
    Value::from(stages)
}

pub(super) fn deployment(deployment: &Deployment) -> Value {
    let ci_cache_hit = !deployment.builds_image;
    json!({
        "id": deployment.id,
        "app_id": deployment.app_id,
        "commit_sha": deployment.commit_sha,
        "status": deployment.status.name(),
        "current_stage": deployment.current_stage,
        "trigger_source": deployment.trigger_source,
        "image_uri": deployment.image_uri,
        "failure_reason": deployment.failure_reason,
        "started_at": time(deployment.started_at),
        "completed_at": opt_time(deployment.completed_at),
        "cancel_requested_at": opt_time(deployment.cancel_requested_at),
        "cloud_build_id": deployment.builds_image.then(|| format!("cb-{}", &deployment.id[..8])),
        "ci_cloud_build_id": null,
        "webhook_event_id": null,
        "ci_status": "not_configured",
        "ci_cache_hit": ci_cache_hit,
        "deploy_method": "dockerfile",
        "stages": stages(deployment),
        "services": [{
            "name": "web",
            "image_uri": deployment.image_uri,
            "ready": deployment.status == Status::Succeeded,
        }],
    })
}

/// A release: one succeeded deployment's version and where it runs.
pub(super) fn release(app: &App, deployment: &Deployment) -> Value {
    let id = Some(&deployment.id);
    json!({
        "version": deployment.version,
        "deployment_id": deployment.id,
        "commit_sha": deployment.commit_sha,
        "image_uri": deployment.image_uri,
        "created_at": opt_time(deployment.completed_at),
        "active_production": app.production_deployment_id.as_ref() == id,
        "active_staging": app.staging_deployment_id.as_ref() == id,
        "approved": deployment.approved,
    })
}
