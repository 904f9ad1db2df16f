//! Deployments: list (newest first; `environment`, `task`, `sha`, `ref` filters; 30 per
//! page, at most 100), create, get, delete.
//!
//! Create follows the documented defaults: `task` `deploy`, `auto_merge` true,
//! `required_contexts` every context of the commit, `payload` `{}`, `environment`
//! `production`, `description` `""`, `transient_environment` false,
//! `production_environment` true exactly when the environment is `production`. In order:
//! - `ref` must name a branch, tag or SHA (else 422 `No ref found for: …`);
//! - an existing environment with a deployment branch policy must allow the ref (protected
//!   branches, or a custom branch/tag pattern; a bare SHA is never allowed): else 422
//!   `Branch "…" is not allowed to deploy to … due to environment protection rules.`;
//! - with `auto_merge`, a branch the default branch is not merged into is merged instead of
//!   deployed: 202 `{"message":"Auto-merged main into topic-branch on deployment."}` (the
//!   branch moves), or 409 `Conflict merging main into ….` when the seed marks a conflict;
//! - every required context must be `success` on the commit (a context never reported
//!   fails): else 409 `Conflict: Commit status checks failed for ….` with `errors[]`;
//! - an unknown environment is created, unprotected. Answer 201 with the deployment.
//!
//! Delete: when the repository has more than one deployment, only one whose newest status
//! is `inactive` may go (422 otherwise; the strict reading of "inactive": a deployment
//! with no status, or a newest status other than `inactive`, is active).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::git::RefKind;
use super::request::{Body, Call, Params, QueryPairs, array, not_a};
use super::state::{Deployment, Environment, GhState, Repo};
use super::{GithubEmulator, environments, policies, repos, views};
use crate::providers::common::emulator::now_ms;
use crate::sandbox::Tracked;

/// The API URL of a deployment.
pub(super) fn url(call: &Call, repo: &Repo, id: i64) -> String {
    format!("{}/deployments/{id}", views::repo_url(call, repo))
}

/// The deployment object.
pub(super) fn view(call: &Call, repo: &Repo, run: &Deployment) -> Value {
    let url = url(call, repo, run.id);
    json!({
        "url": url,
        "id": run.id,
        "node_id": views::node_id("Deployment", run.id),
        "sha": run.sha,
        "ref": run.git_ref,
        "task": run.task,
        "payload": run.payload,
        "original_environment": run.original_environment,
        "environment": run.environment,
        "description": run.description,
        "creator": views::user_named(call, &run.creator),
        "created_at": views::iso(run.created_at),
        "updated_at": views::iso(run.updated_at),
        "statuses_url": format!("{url}/statuses"),
        "repository_url": views::repo_url(call, repo),
        "transient_environment": run.transient_environment,
        "production_environment": run.production_environment,
        "performed_via_github_app": null,
    })
}

/// The deployment a route names, with its repository.
pub(super) fn find<'a>(
    state: &'a GhState,
    params: &Params,
) -> ApiResult<(&'a Tracked<Repo>, &'a Tracked<Deployment>)> {
    let repo = repos::find(state, params)?;
    let id = params.id("deployment_id")?;
    let run = state
        .deployments
        .iter()
        .find(|run| run.id == id && run.repo_id == repo.id)
        .ok_or_else(ApiError::not_found)?;
    Ok((repo, run))
}

/// `GET /repos/{owner}/{repo}/deployments`
pub(super) async fn list(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let repo = repos::find(state, &params)?;
        let environment = query.filter("environment");
        let all: Vec<Value> = state
            .deployments
            .iter()
            .rev()
            .filter(|run| run.repo_id == repo.id)
            .filter(|run| environment.is_none_or(|env| run.environment.eq_ignore_ascii_case(env)))
            .filter(|run| query.filter("task").is_none_or(|task| run.task == task))
            .filter(|run| {
                query
                    .filter("sha")
                    .is_none_or(|sha| run.sha.eq_ignore_ascii_case(sha))
            })
            .filter(|run| {
                query
                    .filter("ref")
                    .is_none_or(|git_ref| run.git_ref == git_ref)
            })
            .map(|run| view(&call, repo, run))
            .collect();
        Ok(array(&call, query.page(30, 100), all))
    })
}

/// `GET /repos/{owner}/{repo}/deployments/{deployment_id}`
pub(super) async fn get(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let (repo, run) = find(state, &params)?;
        Ok(Json(view(&call, repo, run)))
    })
}

/// What a create body asks for.
struct Request {
    git_ref: String,
    task: String,
    auto_merge: bool,
    required_contexts: Option<Vec<String>>,
    payload: Value,
    environment: String,
    description: Option<String>,
    transient_environment: bool,
    production_environment: Option<bool>,
}

fn request(body: &Body) -> ApiResult<Request> {
    let required_contexts = match body.array("required_contexts")? {
        None => None,
        Some(items) => Some(
            items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| not_a("required_contexts/items", item, "a string"))
                })
                .collect::<ApiResult<Vec<_>>>()?,
        ),
    };
    let payload = match body.get("payload") {
        None => json!({}),
        Some(Value::Object(object)) => Value::Object(object.clone()),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
            Ok(parsed @ Value::Object(_)) => parsed,
            _ => Value::String(text.clone()),
        },
        Some(other) => return Err(not_a("payload", other, "an object or a string")),
    };
    let description = match body.0.get("description") {
        None => Some(String::new()),
        Some(Value::Null) => None,
        Some(_) => body.string("description")?,
    };
    Ok(Request {
        git_ref: body.required_string("ref")?,
        task: body.string("task")?.unwrap_or_else(|| "deploy".to_owned()),
        auto_merge: body.boolean("auto_merge")?.unwrap_or(true),
        required_contexts,
        payload,
        environment: body
            .string("environment")?
            .unwrap_or_else(|| "production".to_owned()),
        description,
        transient_environment: body.boolean("transient_environment")?.unwrap_or(false),
        production_environment: body.boolean("production_environment")?,
    })
}

/// Whether an environment's deployment branch policy lets `kind` deploy.
fn allowed(repo: &Repo, env: &Environment, kind: &RefKind) -> bool {
    let Some(mode) = env.branch_policy else {
        return true;
    };
    match kind {
        RefKind::Branch(branch) if mode.protected_branches => {
            repo.protected_branches.contains(branch)
        }
        RefKind::Branch(name) | RefKind::Tag(name) if mode.custom_branch_policies => {
            let wanted = if matches!(kind, RefKind::Tag(_)) {
                "tag"
            } else {
                "branch"
            };
            env.policies
                .iter()
                .any(|policy| policy.kind == wanted && policies::matches(&policy.name, name))
        }
        _ => false,
    }
}

/// `POST /repos/{owner}/{repo}/deployments`
pub(super) async fn create(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let wanted = request(&Body::parse(body, None)?)?;
    let now = now_ms();
    emulator.with_state(|state| {
        let repo = repos::find(state, &params)?;
        let repo_id = repo.id;
        let (commit, kind) = repo.resolve(&wanted.git_ref).ok_or_else(|| {
            ApiError::unprocessable(format!("No ref found for: {}", wanted.git_ref))
        })?;
        if let Some(env) = state.environment(repo_id, &wanted.environment)
            && !allowed(repo, env, &kind)
        {
            let what = match &kind {
                RefKind::Tag(_) => "Tag",
                _ => "Branch",
            };
            return Err(ApiError::unprocessable(format!(
                "{what} \"{}\" is not allowed to deploy to {} due to environment protection rules.",
                wanted.git_ref, env.name
            )));
        }
        if let RefKind::Branch(branch) = &kind
            && wanted.auto_merge
            && *branch != repo.default_branch
            && let Some(base) = repo.branch(&repo.default_branch)
            && !repo.is_ancestor(base, &commit.sha)
        {
            let default = repo.default_branch.clone();
            if commit.conflicts {
                return Err(ApiError::conflict(
                    format!("Conflict merging {default} into {branch}."),
                    None,
                ));
            }
            let branch = branch.clone();
            let repo = state
                .repos
                .iter_mut()
                .find(|repo| repo.id == repo_id)
                .ok_or_else(ApiError::not_found)?;
            repo.merge_default_into(&branch, now);
            let message = format!("Auto-merged {default} into {branch} on deployment.");
            return Ok((StatusCode::ACCEPTED, Json(json!({ "message": message }))).into_response());
        }
        let required: Vec<String> = match &wanted.required_contexts {
            Some(contexts) => contexts.clone(),
            None => commit
                .contexts
                .iter()
                .map(|context| context.context.clone())
                .collect(),
        };
        let states: Vec<(String, String)> = required
            .iter()
            .map(|name| {
                let state = commit
                    .contexts
                    .iter()
                    .find(|context| context.context == *name)
                    .map_or("missing", |context| context.state.as_str());
                (name.clone(), state.to_owned())
            })
            .collect();
        if states.iter().any(|(_, state)| state != "success") {
            let contexts: Vec<Value> = states
                .iter()
                .map(|(context, state)| json!({ "context": context, "state": state }))
                .collect();
            let errors = vec![json!({
                "contexts": contexts,
                "resource": "Deployment",
                "field": "required_contexts",
                "code": "invalid",
            })];
            return Err(ApiError::conflict(
                format!(
                    "Conflict: Commit status checks failed for {}.",
                    wanted.git_ref
                ),
                Some(errors),
            ));
        }
        let sha = commit.sha.clone();
        environments::ensure(state, repo_id, &wanted.environment, now);
        let id = GhState::next_id(&mut state.next_deployment_id);
        let run = Deployment {
            id,
            repo_id,
            sha,
            git_ref: wanted.git_ref,
            task: wanted.task,
            payload: wanted.payload,
            original_environment: wanted.environment.clone(),
            production_environment: wanted
                .production_environment
                .unwrap_or(wanted.environment == "production"),
            environment: wanted.environment,
            description: wanted.description,
            creator: call.user.login.to_owned(),
            created_at: now,
            updated_at: now,
            transient_environment: wanted.transient_environment,
            statuses: Vec::new(),
        };
        let repo = repos::find(state, &params)?;
        let answer = view(&call, repo, &run);
        state.deployments.push(Tracked::new(run));
        Ok((StatusCode::CREATED, Json(answer)).into_response())
    })
}

/// `DELETE /repos/{owner}/{repo}/deployments/{deployment_id}`
pub(super) async fn delete(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let (repo, run) = find(state, &params)?;
        let (repo_id, id) = (repo.id, run.id);
        let count = state.deployments.iter().filter(|run| run.repo_id == repo_id).count();
        if count > 1 && run.state() != Some("inactive") {
            return Err(ApiError::unprocessable(
                "We cannot delete an active deployment unless it is the only deployment in a given environment.",
            ));
        }
        state.deployments.retain(|run| run.id != id);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
