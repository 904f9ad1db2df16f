//! Deployment statuses: list (newest first, 30 per page, at most 100), get one, create.
//!
//! Create: `state` must be one of `error`, `failure`, `inactive`, `in_progress`, `queued`,
//! `pending`, `success`; `description` at most 140 characters (422 otherwise). `log_url`
//! also sets `target_url` (and a lone `target_url` is the `log_url`); `environment` re-points
//! the deployment (an unknown one is created); `environment_url` defaults to `""`. With
//! `auto_inactive` (default true) a `success` appends an `inactive` status to every earlier
//! deployment of the repository in the same environment (ignoring case) that is neither
//! transient nor production and whose newest status is `success`. 201 with `Location`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::request::{Body, Call, Params, QueryPairs, array};
use super::state::{Deployment, GhState, Repo, Status};
use super::{GithubEmulator, deployments, environments, views};
use crate::providers::common::emulator::now_ms;

/// The states a status may take.
pub(super) const STATES: [&str; 7] = [
    "error",
    "failure",
    "inactive",
    "in_progress",
    "queued",
    "pending",
    "success",
];
/// The longest description.
pub(super) const MAX_DESCRIPTION: usize = 140;

fn view(call: &Call, repo: &Repo, run: &Deployment, status: &Status) -> Value {
    let deployment_url = deployments::url(call, repo, run.id);
    json!({
        "url": format!("{deployment_url}/statuses/{}", status.id),
        "id": status.id,
        "node_id": views::node_id("DeploymentStatus", status.id),
        "state": status.state,
        "creator": views::user_named(call, &status.creator),
        "description": status.description,
        "environment": status.environment,
        "target_url": status.target_url,
        "created_at": views::iso(status.created_at),
        "updated_at": views::iso(status.created_at),
        "deployment_url": deployment_url,
        "repository_url": views::repo_url(call, repo),
        "environment_url": status.environment_url,
        "log_url": status.log_url,
        "performed_via_github_app": null,
    })
}

/// `GET …/deployments/{deployment_id}/statuses`
pub(super) async fn list(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let (repo, run) = deployments::find(state, &params)?;
        let all: Vec<Value> = run
            .statuses
            .iter()
            .rev()
            .map(|status| view(&call, repo, run, status))
            .collect();
        Ok(array(&call, query.page(30, 100), all))
    })
}

/// `GET …/deployments/{deployment_id}/statuses/{status_id}`
pub(super) async fn get(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id = params.id("status_id")?;
    emulator.with_state(|state| {
        let (repo, run) = deployments::find(state, &params)?;
        let status = run
            .statuses
            .iter()
            .find(|status| status.id == id)
            .ok_or_else(ApiError::not_found)?;
        Ok(Json(view(&call, repo, run, status)))
    })
}

/// `POST …/deployments/{deployment_id}/statuses`
pub(super) async fn create(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body, None)?;
    let state_name = body.required_string("state")?;
    if !STATES.contains(&state_name.as_str()) {
        return Err(ApiError::invalid(
            "DeploymentStatus",
            "state",
            "invalid",
            format!(
                "state must be one of {}, got {state_name:?}",
                STATES.join(", ")
            ),
        ));
    }
    let description = body.string("description")?.unwrap_or_default();
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(ApiError::invalid(
            "DeploymentStatus",
            "description",
            "custom",
            format!("description is too long (maximum is {MAX_DESCRIPTION} characters)"),
        ));
    }
    let log_url = body.string("log_url")?;
    let target_url = body.string("target_url")?;
    let link = log_url.or(target_url).unwrap_or_default();
    let environment = body.string("environment")?.filter(|env| !env.is_empty());
    let environment_url = body.string("environment_url")?.unwrap_or_default();
    let auto_inactive = body.boolean("auto_inactive")?.unwrap_or(true);
    let now = now_ms();
    emulator.with_state(|state| {
        let (repo, run) = deployments::find(state, &params)?;
        let (repo_id, id) = (repo.id, run.id);
        let environment = environment.unwrap_or_else(|| run.environment.clone());
        environments::ensure(state, repo_id, &environment, now);
        let status_id = GhState::next_id(&mut state.next_status_id);
        let status = Status {
            id: status_id,
            state: state_name.clone(),
            creator: call.user.login.to_owned(),
            description,
            environment: environment.clone(),
            target_url: link.clone(),
            log_url: link,
            environment_url,
            created_at: now,
        };
        if state_name == "success" && auto_inactive {
            deactivate_earlier(state, repo_id, id, &environment, call.user.login, now);
        }
        let run = state
            .deployments
            .iter_mut()
            .find(|run| run.id == id)
            .ok_or_else(ApiError::not_found)?;
        run.environment = environment;
        run.updated_at = now;
        run.statuses.push(status.clone());
        let run = run.clone();
        let repo = state
            .repos
            .iter()
            .find(|repo| repo.id == repo_id)
            .ok_or_else(ApiError::not_found)?;
        let answer = view(&call, repo, &run, &status);
        let mut response = (StatusCode::CREATED, Json(answer.clone())).into_response();
        if let Some(location) = answer["url"]
            .as_str()
            .and_then(|url| HeaderValue::from_str(url).ok())
        {
            response.headers_mut().insert(header::LOCATION, location);
        }
        Ok(response)
    })
}

/// `auto_inactive`: earlier successful, non-transient, non-production deployments of the
/// environment get an `inactive` status.
fn deactivate_earlier(
    state: &mut GhState,
    repo_id: i64,
    id: i64,
    environment: &str,
    user: &str,
    now: i64,
) {
    let targets: Vec<i64> = state
        .deployments
        .iter()
        .filter(|run| run.repo_id == repo_id && run.id < id)
        .filter(|run| run.environment.eq_ignore_ascii_case(environment))
        .filter(|run| !run.transient_environment && !run.production_environment)
        .filter(|run| run.state() == Some("success"))
        .map(|run| run.id)
        .collect();
    for target in targets {
        let status_id = GhState::next_id(&mut state.next_status_id);
        if let Some(run) = state.deployments.iter_mut().find(|run| run.id == target) {
            let environment = run.environment.clone();
            run.updated_at = now;
            run.statuses.push(Status {
                id: status_id,
                state: "inactive".to_owned(),
                creator: user.to_owned(),
                description: String::new(),
                environment,
                target_url: String::new(),
                log_url: String::new(),
                environment_url: String::new(),
                created_at: now,
            });
        }
    }
}
