//! Deployments: list (`environment`, `status`, `order_by`, `sort`, `updated_*`,
//! `finished_*`; paged), get, create, update status, delete.
//!
//! Create (Developer; every field required, `status` one of running, success, failed,
//! canceled), in GitLab's order:
//! - `ref` must be a branch (`tag: false`) or a tag (`tag: true`): else 400
//!   `{"message":{"ref":["The branch or tag does not exist"]}}`;
//! - the environment is found by name or created (GitLab's `find_or_create_by_name`);
//! - a protected environment admits only callers one of its deploy access levels names
//!   (403, the environment stays created);
//! - `sha` must be a commit of the project: else 400 `{"message":{"sha":["The commit does
//!   not exist"]}}`;
//! - when the environment's last successful deployment has the same ref, tag and sha and
//!   the status asked for is `success`, that deployment is answered (201) and none is made.
//!
//! Update (`status` only): 403 for CI-created deployments; `running` only from `created`
//! or `blocked`; a terminal status from any other status; else 400 `Invalid status
//! transition`. Delete (Maintainer): 400 for a running deployment or the one currently
//! deployed to its environment (its last success). A deployment that succeeds starts its
//! environment again when it was stopped.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::GitlabEmulator;
use super::environments::{last_success, new_environment};
use super::error::{ApiError, ApiResult};
use super::naming::{NAME_RULE, valid_name};
use super::projects::{find as find_project, require, require_developer, resolve};
use super::protected::may_deploy;
use super::request::{Body, Call, Params, QueryPairs, paged_by};
use super::seed::MAINTAINER;
use super::state::{Deployment, GlState};
use super::views;
use crate::providers::common::emulator::now_ms;
use crate::sandbox::Tracked;

type Emu = State<Arc<GitlabEmulator>>;

/// The statuses a client may write.
const WRITABLE: [&str; 4] = ["running", "success", "failed", "canceled"];
const LISTED: [&str; 6] = [
    "created", "running", "success", "failed", "canceled", "blocked",
];
const ORDERS: [&str; 6] = [
    "id",
    "iid",
    "created_at",
    "updated_at",
    "finished_at",
    "ref",
];

pub(super) fn terminal(status: &str) -> bool {
    matches!(status, "success" | "failed" | "canceled" | "skipped")
}

/// Whether a deployment may move from `from` to `to`.
pub(super) fn transition_allowed(from: &str, to: &str) -> bool {
    match to {
        "running" => matches!(from, "created" | "blocked"),
        _ => terminal(to) && from != to,
    }
}

/// A successful deployment starts its environment again if it was stopped, as GitLab's
/// environment update after a deployment does.
fn reopen(state: &mut GlState, env: i64, now: i64) {
    let stopped = state
        .environments
        .iter_mut()
        .find(|e| e.id == env && e.state == "stopped");
    if let Some(env) = stopped {
        env.state = "available".to_owned();
        env.updated_at = now;
    }
}

/// The deployment `{deployment_id}` names in the project: its index.
pub(super) fn find(state: &GlState, project: i64, params: &Params) -> ApiResult<usize> {
    let id = params.id("deployment_id")?;
    state
        .deployments
        .iter()
        .position(|run| run.id == id && run.project_id == project)
        .ok_or_else(|| ApiError::not_found(""))
}

fn timestamp(query: &QueryPairs, key: &str) -> ApiResult<Option<i64>> {
    query
        .filter(key)
        .map(|text| {
            text.parse::<jiff::Timestamp>()
                .map(|at| at.as_millisecond())
                .map_err(|_| ApiError::param(format!("{key} is invalid")))
        })
        .transpose()
}

/// `GET /projects/:id/deployments`
pub(super) async fn list(
    State(emulator): Emu,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    let page = query.page()?;
    let status = query.filter("status");
    if status.is_some_and(|status| !LISTED.contains(&status)) {
        return Err(ApiError::invalid("status"));
    }
    let order = query.filter("order_by").unwrap_or("id");
    if !ORDERS.contains(&order) {
        return Err(ApiError::invalid("order_by"));
    }
    let descending = match query.filter("sort").unwrap_or("asc") {
        "asc" => false,
        "desc" => true,
        _ => return Err(ApiError::invalid("sort")),
    };
    let (updated_after, updated_before) = (
        timestamp(&query, "updated_after")?,
        timestamp(&query, "updated_before")?,
    );
    let (finished_after, finished_before) = (
        timestamp(&query, "finished_after")?,
        timestamp(&query, "finished_before")?,
    );
    if (finished_after.is_some() || finished_before.is_some())
        && (order != "finished_at" || status != Some("success"))
    {
        return Err(ApiError::bad_request(
            "`finished_at` filter requires `order_by=finished_at` and `status=success`",
        ));
    }
    let environment = query.filter("environment");
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        let env_ids: Option<Vec<i64>> = environment.map(|name| {
            state
                .environments
                .iter()
                .filter(|e| e.project_id == project.id && e.name == name)
                .map(|e| e.id)
                .collect()
        });
        let mut runs: Vec<&Deployment> = state
            .deployments
            .iter()
            .filter(|run| run.project_id == project.id)
            .filter(|run| {
                env_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&run.environment_id))
            })
            .filter(|run| status.is_none_or(|status| run.status == status))
            .filter(|run| {
                updated_after.is_none_or(|at| run.updated_at > at)
                    && updated_before.is_none_or(|at| run.updated_at < at)
            })
            .filter(|run| finished_after.is_none_or(|at| run.finished_at.is_some_and(|f| f > at)))
            .filter(|run| finished_before.is_none_or(|at| run.finished_at.is_some_and(|f| f < at)))
            .map(|run| &**run)
            .collect();
        runs.sort_by(|a, b| {
            let by = match order {
                "iid" => a.iid.cmp(&b.iid),
                "created_at" => a.created_at.cmp(&b.created_at),
                "updated_at" => a.updated_at.cmp(&b.updated_at),
                "finished_at" => a.finished_at.cmp(&b.finished_at),
                "ref" => a.git_ref.cmp(&b.git_ref),
                _ => std::cmp::Ordering::Equal,
            };
            by.then(a.id.cmp(&b.id))
        });
        if descending {
            runs.reverse();
        }
        Ok(paged_by(&call, page, runs, |run| {
            views::deployment(&call, state, run)
        }))
    })
}

/// `GET /projects/:id/deployments/:deployment_id`
pub(super) async fn get(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        let at = find(state, project.id, &params)?;
        Ok(Json(views::deployment(
            &call,
            state,
            &state.deployments[at],
        )))
    })
}

/// `POST /projects/:id/deployments`
pub(super) async fn create(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body)?;
    let environment = body.required_string("environment")?;
    let sha = body.required_string("sha")?;
    let git_ref = body.required_string("ref")?;
    let tag = body
        .boolean("tag")?
        .ok_or_else(|| ApiError::missing("tag"))?;
    let status = body.required_string("status")?;
    if !WRITABLE.contains(&status.as_str()) {
        return Err(ApiError::invalid("status"));
    }
    let now = now_ms();
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require_developer(state, &call, project)?;
        let project = project.clone();
        let named = if tag {
            project.tag(&git_ref)
        } else {
            project.branch(&git_ref)
        };
        if named.is_none() {
            return Err(ApiError::field("ref", "The branch or tag does not exist"));
        }
        let env_id = match state
            .environments
            .iter()
            .find(|e| e.project_id == project.id && e.name == environment)
        {
            Some(env) => env.id,
            None if !valid_name(&environment) => return Err(ApiError::field("name", NAME_RULE)),
            None => {
                let env = new_environment(state, project.id, &environment, now);
                let id = env.id;
                state.environments.push(Tracked::new(env));
                id
            }
        };
        if let Some(protection) = project.enforced_protection(&environment)
            && !may_deploy(state, &project, protection, call.caller.user_id)
        {
            return Err(ApiError::forbidden());
        }
        let commit =
            resolve(&project, &sha).filter(|c| c.id.starts_with(&sha.to_ascii_lowercase()));
        let Some(commit) = commit else {
            return Err(ApiError::field("sha", "The commit does not exist"));
        };
        if status == "success"
            && let Some(last) = last_success(state, env_id)
            && last.git_ref == git_ref
            && last.tag == tag
            && last.sha == commit.id
        {
            return Ok((
                StatusCode::CREATED,
                Json(views::deployment(&call, state, last)),
            )
                .into_response());
        }
        let iid = {
            let stored = state
                .project_mut(project.id)
                .ok_or_else(ApiError::project_not_found)?;
            GlState::next_id(&mut stored.next_iid)
        };
        let run = Deployment {
            id: GlState::next_id(&mut state.next_deployment_id),
            iid,
            project_id: project.id,
            environment_id: env_id,
            git_ref,
            tag,
            sha: commit.id.clone(),
            finished_at: terminal(&status).then_some(now),
            status,
            user_id: call.caller.user_id,
            created_at: now,
            updated_at: now,
            deployable: None,
            approvals: Vec::new(),
        };
        if run.status == "success" {
            reopen(state, env_id, now);
        }
        let answer = views::deployment(&call, state, &run);
        state.deployments.push(Tracked::new(run));
        Ok((StatusCode::CREATED, Json(answer)).into_response())
    })
}

/// `PUT /projects/:id/deployments/:deployment_id`
pub(super) async fn update(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let status = Body::parse(body)?.required_string("status")?;
    if !WRITABLE.contains(&status.as_str()) {
        return Err(ApiError::invalid("status"));
    }
    let now = now_ms();
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require_developer(state, &call, project)?;
        let at = find(state, project.id, &params)?;
        let run = &state.deployments[at];
        if run.deployable.is_some() {
            return Err(ApiError::forbidden_because(
                "Deployments created using GitLab CI can not be updated using the API",
            ));
        }
        if !transition_allowed(&run.status, &status) {
            return Err(ApiError::message(
                StatusCode::BAD_REQUEST,
                "Invalid status transition",
            ));
        }
        let run = &mut state.deployments[at];
        run.finished_at = terminal(&status).then_some(now);
        run.status = status;
        run.updated_at = now;
        if run.status == "success" {
            let env = run.environment_id;
            reopen(state, env, now);
        }
        Ok(Json(views::deployment(
            &call,
            state,
            &state.deployments[at],
        )))
    })
}

/// `DELETE /projects/:id/deployments/:deployment_id`
pub(super) async fn delete(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require(state, &call, project, MAINTAINER)?;
        let at = find(state, project.id, &params)?;
        let run = &state.deployments[at];
        if run.status == "running" {
            return Err(ApiError::bad_request("Cannot destroy running deployment"));
        }
        if last_success(state, run.environment_id).is_some_and(|last| last.id == run.id) {
            return Err(ApiError::bad_request(
                "Deployment currently deployed to environment",
            ));
        }
        state.deployments.remove(at);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_state_machine() {
        let all = [
            "created", "blocked", "running", "success", "failed", "canceled", "skipped",
        ];
        for from in all {
            for to in WRITABLE {
                let expected = if to == "running" {
                    from == "created" || from == "blocked"
                } else {
                    from != to
                };
                assert_eq!(transition_allowed(from, to), expected, "{from} -> {to}");
            }
        }
    }
}
