//! Lookups: a repository, a commit by ref, users, teams and collaborators.
//!
//! `commits/{ref}` takes a branch, a tag, a full SHA or a unique SHA prefix (at least four
//! characters); a branch name with `/` may be sent as is or URL-encoded. A ref that names
//! nothing is 422 `No commit found for SHA: <ref>`, as GitHub answers it; an unknown
//! repository is 404. Lists are paged (30 by default, at most 100).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::error::{ApiError, ApiResult};
use super::request::{Call, Params, QueryPairs, array};
use super::state::{GhState, Repo};
use super::{GithubEmulator, seed, views};
use crate::sandbox::Tracked;

/// The repository a route names: `{owner}/{repo}` (ignoring case) or `{repository_id}`.
pub(super) fn find<'a>(state: &'a GhState, params: &Params) -> ApiResult<&'a Tracked<Repo>> {
    if let Ok(id) = params.text("repository_id") {
        let id: i64 = id.parse().map_err(|_| ApiError::not_found())?;
        return state
            .repos
            .iter()
            .find(|repo| repo.id == id)
            .ok_or_else(ApiError::not_found);
    }
    state
        .repo(params.text("owner")?, params.text("repo")?)
        .ok_or_else(ApiError::not_found)
}

/// `GET /repos/{owner}/{repo}`
pub(super) async fn repository(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let repo = find(state, &params)?;
        Ok(Json(views::repository(&call, repo)))
    })
}

/// `GET /repos/{owner}/{repo}/commits/{ref}`
pub(super) async fn commit(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    let text = params.text("ref")?.trim_start_matches('/').to_owned();
    emulator.with_state(|state| {
        let repo = find(state, &params)?;
        let (commit, _) = repo.resolve(&text).ok_or_else(|| no_commit(&text))?;
        Ok(Json(views::commit(&call, repo, commit)))
    })
}

/// GitHub's answer for a ref that names no commit.
pub(super) fn no_commit(text: &str) -> ApiError {
    ApiError::unprocessable(format!("No commit found for SHA: {text}"))
}

/// `GET /repos/{owner}/{repo}/collaborators`
pub(super) async fn collaborators(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| find(state, &params).map(|_| ()))?;
    let all: Vec<Value> = seed::USERS
        .iter()
        .map(|user| views::collaborator(&call, user))
        .collect();
    Ok(array(&call, query.page(30, 100), all))
}

/// `GET /users/{username}`
pub(super) async fn user(call: Call, params: Params) -> ApiResult<Json<Value>> {
    let found = seed::user(params.text("username")?).ok_or_else(ApiError::not_found)?;
    Ok(Json(views::public_user(&call, found)))
}

fn org(params: &Params) -> ApiResult<()> {
    if params.text("org")?.eq_ignore_ascii_case(seed::ORG) {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// `GET /orgs/{org}/teams`
pub(super) async fn teams(call: Call, params: Params, query: QueryPairs) -> ApiResult<Response> {
    org(&params)?;
    let all: Vec<Value> = seed::TEAMS
        .iter()
        .map(|team| views::team(&call, team))
        .collect();
    Ok(array(&call, query.page(30, 100), all))
}

/// `GET /orgs/{org}/teams/{team_slug}`
pub(super) async fn team(call: Call, params: Params) -> ApiResult<Json<Value>> {
    org(&params)?;
    let found = seed::team(params.text("team_slug")?).ok_or_else(ApiError::not_found)?;
    Ok(Json(views::team_full(&call, found)))
}
