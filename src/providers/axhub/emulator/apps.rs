//! Tenants, apps, git connections and staging.
//!
//! Where the documents are silent, the strict reading: an app is named by its UUID only
//! (a slug in the path is 404); a connect needs `installation_id` > 0 and an `owner/repo`
//! the sandbox knows (400 otherwise, as GitHub's installation check would refuse it);
//! branch names follow git's rules (400 `invalid_value`); enabling staging is immediate
//! (its seed is not modelled).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use super::request::{Query, body, is_branch, page};
use super::state::{AxState, GitConnection};
use super::{AxhubEmulator, views};
use crate::sandbox::extract::PathParams;

type Emu = State<Arc<AxhubEmulator>>;
type Path = PathParams<ApiError>;

/// The index of the app `path` names by id.
pub(super) fn app_at(state: &AxState, path: &Path) -> Result<usize, ApiError> {
    let id = path.text("appID")?;
    state
        .apps
        .iter()
        .position(|app| app.id == id)
        .ok_or_else(|| ApiError::not_found("app"))
}

pub(super) async fn tenants(State(emu): Emu, query: Query) -> ApiResult<Json<Value>> {
    let items = emu.with_state(|s| s.tenants.iter().map(|t| views::tenant(t)).collect());
    page(&query, items).map(Json)
}

pub(super) async fn apps(State(emu): Emu, path: Path, query: Query) -> ApiResult<Json<Value>> {
    let tenant = path.text("tenantID")?.to_owned();
    let items = emu.with_state(|s| {
        if !s.tenants.iter().any(|t| t.id == tenant) {
            return Err(ApiError::not_found("tenant"));
        }
        let mut apps: Vec<_> = s.apps.iter().filter(|a| a.tenant_id == tenant).collect();
        apps.sort_by_key(|app| app.created_at);
        Ok(apps.into_iter().map(|a| views::app(s, a)).collect())
    })?;
    page(&query, items).map(Json)
}

pub(super) async fn app(State(emu): Emu, path: Path) -> ApiResult<Json<Value>> {
    emu.with_state(|s| app_at(s, &path).map(|at| Json(views::app(s, &s.apps[at]))))
}

pub(super) async fn git_get(State(emu): Emu, path: Path) -> ApiResult<Json<Value>> {
    emu.with_state(|s| {
        let app = &s.apps[app_at(s, &path)?];
        Ok(Json(match &app.git {
            Some(git) => {
                let mut view = views::connection(git);
                view["connected"] = Value::Bool(true);
                view
            }
            None => json!({
                "connected": false,
                "install_url": format!(
                    "https://github.com/apps/axhub/installations/new?state={}",
                    &app.id[..8]
                ),
            }),
        }))
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Connect {
    #[serde(default)]
    installation_id: i64,
    #[serde(default)]
    repo_full_name: String,
    #[serde(default)]
    branch: String,
}

/// `POST …/git/github/connect`: creates or replaces the connection (201).
pub(super) async fn git_connect(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult {
    caller.require_admin()?;
    let request: Connect = body(raw)?;
    let branch = if request.branch.is_empty() {
        "main".to_owned()
    } else {
        request.branch
    };
    emu.with_state(|s| {
        let at = app_at(s, &path)?;
        if s.github_relogin_required {
            return Err(ApiError::relogin());
        }
        if request.installation_id <= 0 {
            return Err(ApiError::field(
                "invalid_value",
                "installation_id",
                "installation_id must be a positive integer",
            ));
        }
        if s.repo(&request.repo_full_name).is_none() {
            return Err(ApiError::field(
                "invalid_value",
                "repo_full_name",
                "the installation cannot read this repository",
            ));
        }
        if !is_branch(&branch) {
            return Err(ApiError::field(
                "invalid_value",
                "branch",
                "invalid branch name",
            ));
        }
        let git = GitConnection {
            repo_full_name: request.repo_full_name,
            branch,
            installation_id: request.installation_id,
        };
        let view = views::connection(&git);
        if s.apps[at].git.as_ref() != Some(&git) {
            s.apps[at].git = Some(git);
        }
        Ok((StatusCode::CREATED, Json(view)).into_response())
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Branch {
    #[serde(default)]
    branch: String,
}

/// `PATCH …/git-connection`: the auto-deploy branch (404 without a connection).
pub(super) async fn git_patch(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    caller.require_admin()?;
    let request: Branch = body(raw)?;
    emu.with_state(|s| {
        let at = app_at(s, &path)?;
        let Some(git) = s.apps[at].git.clone() else {
            return Err(ApiError::not_found("git connection"));
        };
        if !is_branch(&request.branch) {
            return Err(ApiError::field(
                "invalid_value",
                "branch",
                "invalid branch name",
            ));
        }
        let updated = GitConnection {
            branch: request.branch,
            ..git.clone()
        };
        let view = views::connection(&updated);
        if git != updated {
            s.apps[at].git = Some(updated);
        }
        Ok(Json(view))
    })
}

/// `DELETE …/git-connection`: 204, with or without a connection.
pub(super) async fn git_delete(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    emu.with_state(|s| {
        let at = app_at(s, &path)?;
        if s.apps[at].git.is_some() {
            s.apps[at].git = None;
        }
        Ok(StatusCode::NO_CONTENT)
    })
}

/// `GET …/git/github/install/start`: the one documented redirect (302 to GitHub).
pub(super) async fn install_start(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
) -> ApiResult {
    caller.require_admin()?;
    let id = emu.with_state(|s| app_at(s, &path).map(|at| s.apps[at].id.clone()))?;
    let location = format!("https://github.com/apps/axhub/installations/new?state={id}");
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// `PUT …/staging`: 202; 412 `prod_deploy_required` before any production deploy; 409
/// `staging_already_enabled` when already on.
pub(super) async fn staging_on(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    emu.with_state(|s| {
        let at = app_at(s, &path)?;
        if s.apps[at].staging_enabled {
            return Err(ApiError::conflict(
                "staging_already_enabled",
                "staging is already enabled",
                None,
            ));
        }
        if s.apps[at].production_deployment_id.is_none() {
            return Err(ApiError::precondition(
                "prod_deploy_required",
                "staging needs at least one production deployment",
            ));
        }
        s.apps[at].staging_enabled = true;
        Ok(StatusCode::ACCEPTED)
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Discard {
    #[serde(default)]
    confirm_discard_ops: bool,
}

/// `DELETE …/staging`: 204 only with `confirm_discard_ops: true` (412 `confirm_required`
/// otherwise); off already is 204 too.
pub(super) async fn staging_off(
    State(emu): Emu,
    Extension(caller): Extension<Caller>,
    path: Path,
    raw: Result<Bytes, BytesRejection>,
) -> ApiResult<StatusCode> {
    caller.require_admin()?;
    let request: Discard = body(raw)?;
    emu.with_state(|s| {
        let at = app_at(s, &path)?;
        if !request.confirm_discard_ops {
            return Err(ApiError::precondition(
                "confirm_required",
                "disabling staging drops its schema: send confirm_discard_ops: true",
            ));
        }
        if s.apps[at].staging_enabled {
            let app = &mut s.apps[at];
            app.staging_enabled = false;
            app.staging_deployment_id = None;
        }
        Ok(StatusCode::NO_CONTENT)
    })
}
