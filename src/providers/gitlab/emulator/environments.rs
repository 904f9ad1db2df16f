//! Environments: list (`name` exact, `search` ≥ 3 characters, `states`; paged), get (with
//! `last_deployment`), create, update, stop, delete.
//!
//! - Create: `name` required, unique in the project (400 `{"message":{"name":["has already
//!   been taken"]}}`), at most 255 characters of letters, digits, spaces and `-_/${}.`, not
//!   starting or ending with `/`; `slug` is generated (sending one is 400); `tier` defaults
//!   to GitLab's guess from the name; `auto_stop_setting` defaults to `always`;
//!   `external_url` must be http(s). Enums outside their values are Grape's 400
//!   `{"error":"tier does not have a valid value"}`.
//! - Writes answer the environment without `last_deployment` (only the single GET has it).
//! - Update: the same keys but `name`, which GitLab 16.0 removed from the update's
//!   parameters: like any key the update does not declare, it is ignored (the name stays).
//! - Stop (`force` optional): an environment with an `on_stop` action (set through the admin
//!   API) becomes `stopping`, and `stopped` once its delay has passed on the clock (or when
//!   the admin API finishes it, in manual mode); `force` or no action stops it at once.
//! - Delete: 403 unless `stopped`; its deployments go with it.
//!   Writes need Developer access (403); reads Reporter.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::GitlabEmulator;
use super::error::{ApiError, ApiResult};
use super::naming::{NAME_RULE, STATES, STOP_SETTINGS, TIERS, guess_tier, slug, valid_name};
use super::projects::{find as find_project, require_developer};
use super::request::{Body, Call, Params, QueryPairs, paged};
use super::state::{Environment, GlState};
use super::views;
use crate::providers::common::emulator::now_ms;
use crate::sandbox::Tracked;

type Emu = State<Arc<GitlabEmulator>>;

/// The environment `{environment_id}` names in the project.
fn find(state: &GlState, project: i64, params: &Params) -> ApiResult<i64> {
    let id = params.id("environment_id")?;
    state
        .environments
        .iter()
        .find(|env| env.id == id && env.project_id == project)
        .map(|env| env.id)
        .ok_or_else(|| ApiError::not_found("Environment"))
}

fn env_mut(state: &mut GlState, id: i64) -> ApiResult<&mut Tracked<Environment>> {
    state
        .environments
        .iter_mut()
        .find(|env| env.id == id)
        .ok_or_else(|| ApiError::not_found("Environment"))
}

/// `GET /projects/:id/environments`
pub(super) async fn list(
    State(emulator): Emu,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    let page = query.page()?;
    let (name, search) = (query.filter("name"), query.filter("search"));
    if name.is_some() && search.is_some() {
        return Err(ApiError::param("name, search are mutually exclusive"));
    }
    if search.is_some_and(|text| text.chars().count() < 3) {
        return Err(ApiError::bad_request(
            "Search query is less than 3 characters",
        ));
    }
    let states = query.filter("states");
    if states.is_some_and(|wanted| !STATES.contains(&wanted)) {
        return Err(ApiError::invalid("states"));
    }
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        let all = state
            .environments
            .iter()
            .filter(|env| env.project_id == project.id)
            .filter(|env| name.is_none_or(|name| env.name == name))
            .filter(|env| {
                search.is_none_or(|text| env.name.to_lowercase().contains(&text.to_lowercase()))
            })
            .filter(|env| states.is_none_or(|wanted| env.state == wanted))
            .map(|env| views::environment(env))
            .collect();
        Ok(paged(&call, page, all))
    })
}

/// The environment's last successful deployment, if any.
pub(super) fn last_success(state: &GlState, env: i64) -> Option<&super::state::Deployment> {
    state
        .deployments
        .iter()
        .rev()
        .find(|run| run.environment_id == env && run.status == "success")
        .map(|run| &**run)
}

/// The environment as writes answer it (GitLab's entity without `last_deployment`).
fn basic(state: &GlState, id: i64) -> ApiResult<Value> {
    let env = state
        .environments
        .iter()
        .find(|env| env.id == id)
        .ok_or_else(|| ApiError::not_found("Environment"))?;
    Ok(views::environment(env))
}

/// The environment as the single GET answers it: with `last_deployment`.
fn full(call: &Call, state: &GlState, id: i64) -> ApiResult<Value> {
    let mut value = basic(state, id)?;
    value["last_deployment"] =
        last_success(state, id).map_or(Value::Null, |run| views::deployment(call, state, run));
    value["cluster_agent"] = Value::Null;
    Ok(value)
}

/// `GET /projects/:id/environments/:environment_id`
pub(super) async fn get(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        let id = find(state, project.id, &params)?;
        Ok(Json(full(&call, state, id)?))
    })
}

/// The settable attributes of a create or update body, validated.
fn apply(body: &Body, env: &mut Environment) -> ApiResult<()> {
    if body.has("slug") {
        return Err(ApiError::param(
            "slug is automatically generated and cannot be changed",
        ));
    }
    let pick = |key: &str, values: &[&str]| -> ApiResult<Option<String>> {
        match body.string(key)? {
            Some(value) if !values.contains(&value.as_str()) => Err(ApiError::invalid(key)),
            other => Ok(other),
        }
    };
    if let Some(tier) = pick("tier", &TIERS)? {
        env.tier = tier;
    }
    if let Some(setting) = pick("auto_stop_setting", &STOP_SETTINGS)? {
        env.auto_stop_setting = setting;
    }
    if body.has("external_url") {
        let url = body.string("external_url")?.filter(|url| !url.is_empty());
        if url
            .as_deref()
            .is_some_and(|url| !(url.starts_with("http://") || url.starts_with("https://")))
        {
            return Err(ApiError::field(
                "external_url",
                "is blocked: Only allowed schemes are http, https",
            ));
        }
        env.external_url = url;
    }
    for (key, slot) in [
        ("description", &mut env.description),
        ("kubernetes_namespace", &mut env.kubernetes_namespace),
        ("flux_resource_path", &mut env.flux_resource_path),
    ] {
        if body.has(key) {
            *slot = body.string(key)?.filter(|text| !text.is_empty());
        }
    }
    Ok(())
}

/// A new environment (not yet stored): the fields GitLab defaults.
pub(super) fn new_environment(
    state: &mut GlState,
    project_id: i64,
    name: &str,
    now: i64,
) -> Environment {
    Environment {
        id: GlState::next_id(&mut state.next_environment_id),
        project_id,
        name: name.to_owned(),
        slug: slug(name),
        description: None,
        external_url: None,
        state: "available".to_owned(),
        tier: guess_tier(name).to_owned(),
        auto_stop_setting: "always".to_owned(),
        kubernetes_namespace: None,
        flux_resource_path: None,
        created_at: now,
        updated_at: now,
        on_stop_ms: None,
        on_stop_manual: false,
        stop_due: None,
    }
}

/// `POST /projects/:id/environments`
pub(super) async fn create(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body)?;
    let name = body.required_string("name")?;
    let now = now_ms();
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require_developer(state, &call, project)?;
        let project_id = project.id;
        if !valid_name(&name) {
            let text = if name.chars().count() > 255 {
                "is too long (maximum is 255 characters)"
            } else {
                NAME_RULE
            };
            return Err(ApiError::field("name", text));
        }
        if state
            .environments
            .iter()
            .any(|env| env.project_id == project_id && env.name == name)
        {
            return Err(ApiError::field("name", "has already been taken"));
        }
        let mut env = new_environment(state, project_id, &name, now);
        apply(&body, &mut env)?;
        let id = env.id;
        state.environments.push(Tracked::new(env));
        Ok((StatusCode::CREATED, Json(basic(state, id)?)).into_response())
    })
}

/// `PUT /projects/:id/environments/:environment_id`
pub(super) async fn update(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let body = Body::parse(body)?;
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require_developer(state, &call, project)?;
        let id = find(state, project.id, &params)?;
        let mut changed = state
            .environments
            .iter()
            .find(|env| env.id == id)
            .map(|env| (**env).clone())
            .ok_or_else(|| ApiError::not_found("Environment"))?;
        apply(&body, &mut changed)?;
        let env = env_mut(state, id)?;
        if **env != changed {
            changed.updated_at = now_ms();
            **env = changed;
        }
        Ok(Json(basic(state, id)?))
    })
}

/// `POST /projects/:id/environments/:environment_id/stop`
pub(super) async fn stop(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let force = Body::parse(body)?.boolean("force")?.unwrap_or(false);
    let now = now_ms();
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require_developer(state, &call, project)?;
        let id = find(state, project.id, &params)?;
        let env = env_mut(state, id)?;
        if env.state == "available" || (force && env.state == "stopping") {
            match env.on_stop_ms.filter(|_| !force) {
                Some(delay) => {
                    env.state = "stopping".to_owned();
                    env.stop_due = (!env.on_stop_manual)
                        .then(|| now + i64::try_from(delay).unwrap_or(i64::MAX));
                }
                None => {
                    env.state = "stopped".to_owned();
                    env.stop_due = None;
                }
            }
            env.updated_at = now;
        }
        state.settle(now);
        Ok(Json(basic(state, id)?))
    })
}

/// `DELETE /projects/:id/environments/:environment_id`
pub(super) async fn delete(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?;
        require_developer(state, &call, project)?;
        let id = find(state, project.id, &params)?;
        if state
            .environments
            .iter()
            .any(|env| env.id == id && env.state != "stopped")
        {
            return Err(ApiError::forbidden());
        }
        state.environments.retain(|env| env.id != id);
        state.deployments.retain(|run| run.environment_id != id);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
