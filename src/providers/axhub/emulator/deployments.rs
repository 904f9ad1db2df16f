//! Deployments, releases, cancel, rollback and diagnoses.
//!
//! - Create (202 `pending`): 412 `precondition_failed` without a subdomain or a git
//!   connection, 412 `staging_required` for a reviewed app with staging off, 409 `conflict`
//!   while another deployment runs (its id in the message and in `resource`). `commit_sha`
//!   must be 40 hex digits (400 `invalid_format`); absent, the connected branch's head. A
//!   commit an earlier deployment already built reuses that image (no build) unless
//!   `force_rebuild` or the image expired.
//! - Cancel: 204 while running (and again once cancelled); 409 `invalid_state_transition`
//!   once succeeded or failed.
//! - Rollback (202, no new row): 404 for another app's deployment, 412
//!   `precondition_failed` without `image_uri`, 412 `confirm_required` when destructive
//!   schema changes happened and `confirm_schema_skew` is not true, 403
//!   `version_not_approved` for a reviewed app's unapproved version. Production moves when
//!   it applies (Timed: after `waiting_ms`; Manual: by the admin API).
//! - Diagnoses (shape not published): `{deployment_id, status, diagnoses:[{stage, code,
//!   category, message}]}`, the failure reason of a failed deployment, else empty.
//! - The app's live diagnosis, `{app_id, applicable, healthy, services[], warnings[]}` (the
//!   shape of axhub-sdk's conformance vectors): applicable once production runs a build.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::apps::app_at;
use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::request::{Query, body, is_sha, page};
use super::state::{AxState, Deployment, PendingRollback, Status};
use super::{AxhubEmulator, seed, views};
use crate::providers::common::emulator::now_ms;
use crate::sandbox::DeployTiming;
use crate::sandbox::Tracked;
use crate::sandbox::extract::PathParams;

type Emu = State<Arc<AxhubEmulator>>;
type Path = PathParams<ApiError>;

fn deployment_at(state: &AxState, app: usize, path: &Path) -> Result<usize, ApiError> {
    state
        .deployment_index(&state.apps[app].id, path.text("did")?)
        .ok_or_else(|| ApiError::not_found("deployment"))
}

pub(super) async fn list(State(emu): Emu, path: Path, query: Query) -> ApiResult<Json<Value>> {
    let items = emu.with_state(|s| {
        let app = app_at(s, &path)?;
        let list = s.deployments_of(&s.apps[app].id);
        Ok::<_, ApiError>(list.into_iter().map(views::deployment).collect())
    })?;
    page(&query, items).map(Json)
}

pub(super) async fn get(State(emu): Emu, path: Path) -> ApiResult<Json<Value>> {
    emu.with_state(|s| {
        let app = app_at(s, &path)?;
        let at = deployment_at(s, app, &path)?;
        Ok(Json(views::deployment(&s.deployments[at])))
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Create {
    #[serde(default)]
    commit_sha: Option<String>,
    #[serde(default)]
    force_rebuild: bool,
}

pub(super) async fn create(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    caller.require_admin()?;
    let request: Create = body(raw)?;
    let sha = request.commit_sha.filter(|sha| !sha.is_empty());
    if sha.as_deref().is_some_and(|sha| !is_sha(sha)) {
        return Err(ApiError::field(
            "invalid_format",
            "commit_sha",
            "commit_sha must be a 40-character hex SHA",
        ));
    }
    let timed = match &emu.timing {
        DeployTiming::Timed {
            waiting_ms,
            running_ms,
        } => Some((*waiting_ms, *running_ms)),
        DeployTiming::Manual => None,
    };
    emu.with_state(|s| {
        let at = app_at(s, &path)?;
        let app = &s.apps[at];
        if let Some(running) = s
            .deployments_of(&app.id)
            .iter()
            .find(|d| !d.status.terminal())
        {
            return Err(ApiError::conflict(
                "conflict",
                &format!("deployment already in progress: {}", running.id),
                Some(json!({ "type": "deployment", "id": running.id })),
            ));
        }
        if app.subdomain.is_none() {
            return Err(ApiError::precondition(
                "precondition_failed",
                "the app has no subdomain",
            ));
        }
        let Some(git) = &app.git else {
            return Err(ApiError::precondition(
                "precondition_failed",
                "the app has no git connection",
            ));
        };
        if app.staging_required && !app.staging_enabled {
            return Err(ApiError::precondition(
                "staging_required",
                "a reviewed app deploys to staging: enable staging first",
            ));
        }
        let sha = match sha {
            Some(sha) => sha.to_ascii_lowercase(),
            None => s
                .repo(&git.repo_full_name)
                .and_then(|repo| repo.head(&git.branch))
                .map(str::to_owned)
                .ok_or_else(|| {
                    ApiError::precondition(
                        "precondition_failed",
                        &format!("branch {} has no commits", git.branch),
                    )
                })?,
        };
        let reused = (!request.force_rebuild)
            .then(|| {
                s.deployments_of(&app.id)
                    .into_iter()
                    .find(|d| d.commit_sha == sha && d.image_uri.is_some())
                    .and_then(|d| d.image_uri.clone())
            })
            .flatten();
        let seq = s.next_deployment;
        s.next_deployment += 1;
        let deployment = Deployment {
            id: seed::uuid(&format!("deployment/{seq}")),
            app_id: app.id.clone(),
            seq,
            commit_sha: sha,
            status: Status::Pending,
            current_stage: Some("pending".into()),
            trigger_source: "manual".into(),
            builds_image: reused.is_none(),
            image_uri: reused,
            failure_reason: None,
            started_at: now_ms(),
            completed_at: None,
            cancel_requested_at: None,
            to_staging: app.staging_enabled,
            version: None,
            approved: false,
            timed,
        };
        let view = views::deployment(&deployment);
        s.deployments.push(Tracked::new(deployment));
        Ok((StatusCode::ACCEPTED, Json(view)).into_response())
    })
}

pub(super) async fn cancel(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    emu.with_state(|s| {
        let app = app_at(s, &path)?;
        let at = deployment_at(s, app, &path)?;
        match s.deployments[at].status {
            Status::Cancelled => Ok(StatusCode::NO_CONTENT),
            Status::Succeeded | Status::Failed => Err(ApiError::conflict(
                "invalid_state_transition",
                &format!(
                    "the deployment is already {}",
                    s.deployments[at].status.name()
                ),
                None,
            )),
            _ => {
                let now = now_ms();
                let deployment = &mut s.deployments[at];
                deployment.status = Status::Cancelled;
                deployment.current_stage = None;
                deployment.cancel_requested_at = Some(now);
                deployment.completed_at = Some(now);
                Ok(StatusCode::NO_CONTENT)
            }
        }
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Rollback {
    #[serde(default)]
    confirm_schema_skew: bool,
}

pub(super) async fn rollback(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let request: Rollback = body(raw)?;
    let due = match &emu.timing {
        DeployTiming::Timed { waiting_ms, .. } => Some(now_ms() + *waiting_ms as i64),
        DeployTiming::Manual => None,
    };
    emu.with_state(|s| {
        let app = app_at(s, &path)?;
        let at = deployment_at(s, app, &path)?;
        let source = &s.deployments[at];
        if source.image_uri.is_none() {
            return Err(ApiError::precondition(
                "precondition_failed",
                "the deployment has no image to roll back to",
            ));
        }
        if s.apps[app].staging_required && !source.approved {
            return Err(ApiError::forbidden(
                "version_not_approved",
                "a reviewed app rolls back to approved versions only",
            ));
        }
        if s.apps[app].schema_skew && !request.confirm_schema_skew {
            return Err(ApiError::precondition(
                "confirm_required",
                "destructive schema changes happened since; send confirm_schema_skew: true",
            ));
        }
        let deployment_id = source.id.clone();
        s.apps[app].pending_rollback = Some(PendingRollback { deployment_id, due });
        Ok(StatusCode::ACCEPTED)
    })
}

pub(super) async fn diagnoses(State(emu): Emu, path: Path) -> ApiResult<Json<Value>> {
    emu.with_state(|s| {
        let app = app_at(s, &path)?;
        let deployment = &s.deployments[deployment_at(s, app, &path)?];
        let diagnoses: Vec<Value> = deployment.failure_reason.iter().cloned().collect();
        Ok(Json(json!({
            "deployment_id": deployment.id,
            "status": deployment.status.name(),
            "diagnoses": diagnoses,
        })))
    })
}

/// `GET /apps/{appID}/diagnosis`: how production's rollout is doing (healthy once a
/// succeeded deployment serves it; not applicable before any).
pub(super) async fn diagnosis(State(emu): Emu, path: Path) -> ApiResult<Json<Value>> {
    emu.with_state(|s| {
        let app = &s.apps[app_at(s, &path)?];
        let live = app
            .production_deployment_id
            .as_ref()
            .and_then(|id| s.deployment_index(&app.id, id))
            .map(|at| &*s.deployments[at]);
        let services: Vec<Value> = live
            .iter()
            .map(|d| json!({ "name": "web", "image_uri": d.image_uri, "ready": true }))
            .collect();
        Ok(Json(json!({
            "app_id": app.id,
            "applicable": live.is_some(),
            "healthy": live.is_some_and(|d| d.status == Status::Succeeded),
            "services": services,
            "warnings": [],
        })))
    })
}

/// `GET …/releases`: one version per succeeded deployment, newest first.
pub(super) async fn releases(State(emu): Emu, path: Path, query: Query) -> Response {
    let items = emu.with_state(|s| {
        let app = &s.apps[app_at(s, &path)?];
        let mut done: Vec<&Deployment> = s
            .deployments_of(&app.id)
            .into_iter()
            .filter(|d| d.version.is_some())
            .collect();
        done.sort_by_key(|d| std::cmp::Reverse(d.version));
        Ok::<Vec<Value>, ApiError>(done.into_iter().map(|d| views::release(app, d)).collect())
    });
    match items.and_then(|items| page(&query, items)) {
        Ok(body) => Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}
