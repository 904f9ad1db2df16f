//! Environment variables: list (10 per page by default, at most 30, as GitHub pages them),
//! get, create (`POST` 201 `{}`; 409 when the name exists), update (`PATCH` 204, `name` may
//! rename), delete (204). Names follow the secret rules (see `secrets.rs`) and are stored
//! upper-case; values are strings of at most 48 KB.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::request::{Body, Call, Params, QueryPairs, listed};
use super::state::{Environment, Variable};
use super::{GithubEmulator, environments, secrets, views};
use crate::providers::common::emulator::now_ms;
use crate::sandbox::Tracked;

const MAX_VALUE_BYTES: usize = 48 * 1024;

fn view(variable: &Variable) -> Value {
    json!({
        "name": variable.name,
        "value": variable.value,
        "created_at": views::iso(variable.created_at),
        "updated_at": views::iso(variable.updated_at),
    })
}

/// Runs `f` on the environment the route names, mutably.
fn with_env<R>(
    emulator: &GithubEmulator,
    params: &Params,
    f: impl FnOnce(&mut Tracked<Environment>) -> ApiResult<R>,
) -> ApiResult<R> {
    emulator.with_state(|state| {
        let (repo, env) = environments::find(state, params)?;
        let (repo_id, name) = (repo.id, env.name.clone());
        let env = state.environment_mut(repo_id, &name).ok_or_else(ApiError::not_found)?;
        f(env)
    })
}

fn value_of(body: &Body, required: bool) -> ApiResult<Option<String>> {
    let value = if required { Some(body.required_string("value")?) } else { body.string("value")? };
    if value.as_ref().is_some_and(|value| value.len() > MAX_VALUE_BYTES) {
        return Err(ApiError::invalid("Variable", "value", "invalid", "value is larger than 48 KB"));
    }
    Ok(value)
}

/// `GET …/environments/{environment_name}/variables`
pub(super) async fn list(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let (_, env) = environments::find(state, &params)?;
        let all: Vec<Value> = env.variables.iter().map(view).collect();
        let total = all.len();
        let (page, link) = query.page(10, 30).slice(all, &call);
        Ok(listed(json!({ "total_count": total, "variables": page }), link))
    })
}

/// `GET …/variables/{name}`
pub(super) async fn get(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Json<Value>> {
    let name = params.text("name")?.to_owned();
    emulator.with_state(|state| {
        let (_, env) = environments::find(state, &params)?;
        env.variables
            .iter()
            .find(|variable| variable.name.eq_ignore_ascii_case(&name))
            .map(|variable| Json(view(variable)))
            .ok_or_else(ApiError::not_found)
    })
}

/// `POST …/variables` `{name, value}`
pub(super) async fn create(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body, Some(&["name", "value"]))?;
    let name = secrets::check_name("Variable", &body.required_string("name")?)?;
    let value = value_of(&body, true)?.unwrap_or_default();
    let now = now_ms();
    with_env(&emulator, &params, |env| {
        if env.variables.iter().any(|variable| variable.name == name) {
            return Err(ApiError::conflict("Already exists - Variable already exists", None));
        }
        env.variables.push(Variable { name, value, created_at: now, updated_at: now });
        env.updated_at = now;
        Ok((StatusCode::CREATED, Json(json!({}))).into_response())
    })
}

/// `PATCH …/variables/{name}` `{name?, value?}`
pub(super) async fn update(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body, Some(&["name", "value"]))?;
    let current = params.text("name")?.to_ascii_uppercase();
    let rename = body.string("name")?.map(|name| secrets::check_name("Variable", &name)).transpose()?;
    let value = value_of(&body, false)?;
    let now = now_ms();
    with_env(&emulator, &params, |env| {
        let Some(index) = env.variables.iter().position(|variable| variable.name == current) else {
            return Err(ApiError::not_found());
        };
        if let Some(rename) = &rename
            && *rename != current
            && env.variables.iter().any(|variable| variable.name == *rename)
        {
            return Err(ApiError::conflict("Already exists - Variable already exists", None));
        }
        let variable = &mut env.variables[index];
        if let Some(rename) = rename {
            variable.name = rename;
        }
        if let Some(value) = value {
            variable.value = value;
        }
        variable.updated_at = now;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// `DELETE …/variables/{name}`
pub(super) async fn delete(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Response> {
    let name = params.text("name")?.to_ascii_uppercase();
    let exists = emulator.with_state(|state| {
        environments::find(state, &params)
            .map(|(_, env)| env.variables.iter().any(|variable| variable.name == name))
    })?;
    if !exists {
        return Err(ApiError::not_found());
    }
    with_env(&emulator, &params, |env| {
        env.variables.retain(|variable| variable.name != name);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
