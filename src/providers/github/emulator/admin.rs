//! The emulator's test controls, under `/_sandbox/github/` (no token, never logged, faulted
//! or rate limited; failures are `{"error": …}`). Owner and repository names match ignoring
//! case.
//!
//! - `POST /repos` `{"owner"?: "octo-org", "name"}`: a new repository with the seeded refs
//!   (409 when it exists).
//! - `POST /repos/{owner}/{repo}/push` `{"branch", "from"?, "message"?, "contexts"?:
//!   [{"context","state"}]}`: one new commit on `branch` (a new branch starts at `from`, or
//!   the default branch); answers `{"branch","sha"}`.
//! - `PUT /repos/{owner}/{repo}/refs` `{"ref": "refs/heads/x" | "refs/tags/x" | "x", "sha":
//!   ref or SHA}`: creates or moves a branch (bare names are branches) or tag.
//! - `PUT /repos/{owner}/{repo}/contexts/{ref}` `{"context","state"}`: sets a commit status
//!   context (`success`, `failure`, `error`, `pending`) on the commit `ref` names.
//! - `GET /repos/{owner}/{repo}/deployments`: `{"count", "deployments": [{id, environment,
//!   ref, sha, task, payload, state, states}]}` (oldest first; `states` oldest first).
//! - `GET /repos/{owner}/{repo}/environments/{env}/secrets/{name}/sha256`: `{"sha256"}` of
//!   the stored decrypted value.
//! - `POST /repos/{owner}/{repo}/environments/{env}/rotate-key`: a new key pair for the
//!   environment (`{"key_id"}`); boxes sealed for the old key are refused from now on, and
//!   stored secrets stay.
//! - `GET` / `PUT /rate-limit` `{"limit","window_secs"}` (a change restarts the windows);
//!   `POST /rate-limit/exhaust` uses up the demo user's window; `DELETE /rate-limit` empties
//!   every window and disarms the secondary limit.
//! - `GET` / `PUT /server` `{"enterprise_version": "3.8.0" | null}`: the `/api/v3` mount
//!   answers as that Enterprise Server release (`gate`: its header, no API versions,
//!   variables and secrets by repository id only; no `prevent_self_review`, branch policies
//!   without `type`), or, with `null`, as the current API again. Only 3.8 and 3.9 are known.
//! - `PUT /secondary-limit` `{"requests", "retry_after"?: 60}`: the next `requests` API
//!   requests answer 403 secondary rate limit with `retry-after`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::gate::{LimitSettings, Secondary};
use super::state::{Context, GhState, Repo};
use super::{GithubEmulator, secrets, seed};
use crate::providers::common::emulator::now_ms;
use crate::sandbox::{AdminError, Tracked};

type Emu = State<Arc<GithubEmulator>>;

pub(super) fn router(emulator: Arc<GithubEmulator>) -> Router {
    const REPO: &str = "/repos/{owner}/{repo}";
    Router::new()
        .route("/repos", post(create_repo))
        .route(&format!("{REPO}/push"), post(push))
        .route(&format!("{REPO}/refs"), put(set_ref))
        .route(&format!("{REPO}/contexts/{{*ref}}"), put(set_context))
        .route(&format!("{REPO}/deployments"), get(deployments))
        .route(
            &format!("{REPO}/environments/{{env}}/secrets/{{name}}/sha256"),
            get(secret_hash),
        )
        .route(
            &format!("{REPO}/environments/{{env}}/rotate-key"),
            post(rotate_key),
        )
        .route(
            "/rate-limit",
            get(rate_limit).put(set_rate_limit).delete(reset_rate_limit),
        )
        .route("/rate-limit/exhaust", post(exhaust))
        .route("/secondary-limit", put(secondary))
        .route("/server", get(server).put(set_server))
        .with_state(emulator)
}

fn repo_mut<'a>(
    state: &'a mut GhState,
    owner: &str,
    name: &str,
) -> Result<&'a mut Tracked<Repo>, AdminError> {
    state
        .repos
        .iter_mut()
        .find(|repo| repo.owner.eq_ignore_ascii_case(owner) && repo.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| AdminError::not_found(format!("no repository {owner}/{name}")))
}

#[derive(Deserialize)]
struct NewRepo {
    #[serde(default)]
    owner: Option<String>,
    name: String,
}

async fn create_repo(State(emulator): Emu, body: Bytes) -> Result<Json<Value>, AdminError> {
    let NewRepo { owner, name } = AdminError::parse_body(&body)?;
    let owner = owner.unwrap_or_else(|| seed::ORG.to_owned());
    let valid = |text: &str| {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    if !valid(&owner) || !valid(&name) {
        return Err(AdminError::bad_request(
            "owner and name may hold letters, digits, '-', '_' and '.'",
        ));
    }
    emulator.with_state(|state| {
        if state.repo(&owner, &name).is_some() {
            return Err(AdminError::conflict(format!("{owner}/{name} exists")));
        }
        let id = GhState::next_id(&mut state.next_repo_id);
        state
            .repos
            .push(Tracked::new(seed::repo(id, &owner, &name)));
        Ok(Json(
            json!({ "id": id, "full_name": format!("{owner}/{name}") }),
        ))
    })
}

fn contexts(items: Vec<Context>) -> Result<Vec<Context>, AdminError> {
    for item in &items {
        if !["success", "failure", "error", "pending"].contains(&item.state.as_str()) {
            return Err(AdminError::bad_request(format!(
                "context state must be success, failure, error or pending, got {:?}",
                item.state
            )));
        }
    }
    Ok(items)
}

#[derive(Deserialize)]
struct Push {
    branch: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    contexts: Vec<Context>,
}

async fn push(
    State(emulator): Emu,
    Path((owner, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let Push {
        branch,
        from,
        message,
        contexts: items,
    } = AdminError::parse_body(&body)?;
    let items = contexts(items)?;
    emulator.with_state(|state| {
        let repo = repo_mut(state, &owner, &name)?;
        let sha = repo
            .push(&branch, from.as_deref(), message, items, now_ms())
            .map_err(AdminError::bad_request)?;
        Ok(Json(json!({ "branch": branch, "sha": sha })))
    })
}

#[derive(Deserialize)]
struct SetRef {
    #[serde(rename = "ref")]
    git_ref: String,
    sha: String,
}

async fn set_ref(
    State(emulator): Emu,
    Path((owner, name)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let SetRef { git_ref, sha } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let repo = repo_mut(state, &owner, &name)?;
        let target = repo
            .resolve(&sha)
            .map(|(commit, _)| commit.sha.clone())
            .ok_or_else(|| AdminError::bad_request(format!("{sha:?} names no commit")))?;
        if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
            repo.set_tag(tag, target.clone());
        } else {
            let branch = git_ref.strip_prefix("refs/heads/").unwrap_or(&git_ref);
            repo.set_branch(branch, target.clone());
        }
        Ok(Json(json!({ "ref": git_ref, "sha": target })))
    })
}

async fn set_context(
    State(emulator): Emu,
    Path((owner, name, git_ref)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, AdminError> {
    let context: Context = AdminError::parse_body(&body)?;
    let mut context = contexts(vec![context])?;
    let context = context.remove(0);
    emulator.with_state(|state| {
        let repo = repo_mut(state, &owner, &name)?;
        let sha = repo
            .resolve(&git_ref)
            .map(|(commit, _)| commit.sha.clone())
            .ok_or_else(|| AdminError::bad_request(format!("{git_ref:?} names no commit")))?;
        let commit = repo
            .commits
            .iter_mut()
            .find(|commit| commit.sha == sha)
            .ok_or_else(|| AdminError::not_found("commit"))?;
        commit.contexts.retain(|old| old.context != context.context);
        commit.contexts.push(context);
        Ok(Json(json!({ "sha": sha, "contexts": commit.contexts })))
    })
}

async fn deployments(
    State(emulator): Emu,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Json<Value>, AdminError> {
    emulator.with_state(|state| {
        let repo_id = state.repo(&owner, &name).map(|repo| repo.id).ok_or_else(|| AdminError::not_found(format!("no repository {owner}/{name}")))?;
        let runs: Vec<Value> = state
            .deployments
            .iter()
            .filter(|run| run.repo_id == repo_id)
            .map(|run| {
                json!({
                    "id": run.id,
                    "environment": run.environment,
                    "ref": run.git_ref,
                    "sha": run.sha,
                    "task": run.task,
                    "payload": run.payload,
                    "state": run.state(),
                    "states": run.statuses.iter().map(|status| status.state.clone()).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(Json(json!({ "count": runs.len(), "deployments": runs })))
    })
}

async fn secret_hash(
    State(emulator): Emu,
    Path((owner, name, env, secret)): Path<(String, String, String, String)>,
) -> Result<Json<Value>, AdminError> {
    emulator.with_state(|state| {
        let repo = state
            .repo(&owner, &name)
            .ok_or_else(|| AdminError::not_found(format!("no repository {owner}/{name}")))?;
        let env = state
            .environment(repo.id, &env)
            .ok_or_else(|| AdminError::not_found(format!("no environment {env:?}")))?;
        let sha256 = secrets::stored_hash(env, &secret)
            .ok_or_else(|| AdminError::not_found(format!("no secret {secret:?}")))?;
        Ok(Json(json!({ "sha256": sha256 })))
    })
}

async fn rotate_key(
    State(emulator): Emu,
    Path((owner, name, env)): Path<(String, String, String)>,
) -> Result<Json<Value>, AdminError> {
    emulator.with_state(|state| {
        let repo = state
            .repo(&owner, &name)
            .map(|repo| repo.id)
            .ok_or_else(|| AdminError::not_found(format!("no repository {owner}/{name}")))?;
        let env = state
            .environment_mut(repo, &env)
            .ok_or_else(|| AdminError::not_found(format!("no environment {env:?}")))?;
        env.key = secrets::new_key_pair(env.id);
        Ok(Json(json!({ "key_id": env.key.key_id })))
    })
}

fn limits(emulator: &GithubEmulator) -> Json<Value> {
    Json(json!({ "settings": emulator.limits.settings(), "window": emulator.limits.peek() }))
}

async fn rate_limit(State(emulator): Emu) -> Json<Value> {
    limits(&emulator)
}

async fn set_rate_limit(State(emulator): Emu, body: Bytes) -> Result<Json<Value>, AdminError> {
    let settings: LimitSettings = AdminError::parse_body(&body)?;
    if settings.limit == 0 || settings.window_secs == 0 {
        return Err(AdminError::bad_request(
            "limit and window_secs must be at least 1",
        ));
    }
    emulator.limits.set(settings);
    Ok(limits(&emulator))
}

async fn reset_rate_limit(State(emulator): Emu) -> Json<Value> {
    emulator.limits.reset();
    limits(&emulator)
}

async fn exhaust(State(emulator): Emu) -> Json<Value> {
    Json(json!({ "window": emulator.limits.exhaust() }))
}

async fn secondary(State(emulator): Emu, body: Bytes) -> Result<Json<Value>, AdminError> {
    let armed: Secondary = AdminError::parse_body(&body)?;
    emulator.limits.arm_secondary(armed);
    Ok(Json(
        json!({ "requests": armed.requests, "retry_after": armed.retry_after }),
    ))
}

#[derive(Deserialize)]
struct ServerSettings {
    enterprise_version: Option<String>,
}

fn server_view(emulator: &GithubEmulator) -> Json<Value> {
    Json(json!({ "enterprise_version": emulator.enterprise_release() }))
}

async fn server(State(emulator): Emu) -> Json<Value> {
    server_view(&emulator)
}

async fn set_server(State(emulator): Emu, body: Bytes) -> Result<Json<Value>, AdminError> {
    let ServerSettings { enterprise_version } = AdminError::parse_body(&body)?;
    let known = |release: &str| {
        release == "3.8"
            || release == "3.9"
            || release.starts_with("3.8.")
            || release.starts_with("3.9.")
    };
    if let Some(release) = enterprise_version
        .as_deref()
        .filter(|release| !known(release))
    {
        return Err(AdminError::bad_request(format!(
            "enterprise_version {release:?} is not emulated: 3.8.x or 3.9.x, or null"
        )));
    }
    *crate::providers::common::emulator::lock(&emulator.enterprise) = enterprise_version;
    Ok(server_view(&emulator))
}
