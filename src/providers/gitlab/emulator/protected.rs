//! Protected environments (Premium and Ultimate): list (paged), get, protect, update,
//! unprotect. The environment is named, one URL segment; it need not exist.
//!
//! - A project on the Free tier answers 403 to every call (and protections it kept from a
//!   paid tier are not enforced); the calls need Maintainer.
//! - Entries of `deploy_access_levels` and `approval_rules` name exactly one of
//!   `access_level` (30, 40, 60), `user_id`, `group_id` (Grape's 400 otherwise), with
//!   `group_inheritance_type` 0 (direct members) or 1 (inherited too); approval rules take
//!   `required_approvals` (default 1, at least 1).
//! - GitLab's silent rule: a user entry is kept only when the user has at least Developer
//!   access to the project, a group entry only when the project is shared with the group;
//!   the others are dropped without an error. With no deployer left: 400
//!   `{"message":{"deploy_access_levels":["is too short (minimum is 1 character)"]}}`.
//! - Protecting a protected name: 409 `Protected environment '<name>' already exists`.
//! - Update: an entry with `id` changes that entry (`_destroy: true` removes it), one
//!   without adds; an unknown `id` is 404.

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
use super::projects::{find as find_project, require};
use super::request::{Body, Call, Params, QueryPairs, boolean, integer, paged};
use super::seed::{ADMIN, DEVELOPER, MAINTAINER};
use super::state::{Access, GlState, Project, Protection, Tier};
use super::views;

type Emu = State<Arc<GitlabEmulator>>;

/// One entry of a body, as sent.
#[derive(Debug, Clone, Default)]
struct Entry {
    id: Option<i64>,
    destroy: bool,
    access_level: Option<u8>,
    user_id: Option<i64>,
    group_id: Option<i64>,
    group_inheritance_type: Option<u8>,
    required_approvals: Option<u32>,
}

/// The entries under `key`; `updating` lets entries with an `id` omit their principal.
fn entries(body: &Body, key: &str, updating: bool, rules: bool) -> ApiResult<Vec<Entry>> {
    let items = match body.get(key) {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::param(format!("{key} is invalid"))),
    };
    items
        .iter()
        .enumerate()
        .map(|(at, item)| {
            let name = |field: &str| format!("{key}[{at}][{field}]");
            let get = |field: &str| item.get(field);
            let level = integer(&name("access_level"), get("access_level"))?;
            if level.is_some_and(|level| {
                ![DEVELOPER, MAINTAINER, ADMIN]
                    .map(i64::from)
                    .contains(&level)
            }) {
                return Err(ApiError::invalid(&name("access_level")));
            }
            let inheritance = integer(
                &name("group_inheritance_type"),
                get("group_inheritance_type"),
            )?;
            if inheritance.is_some_and(|kind| kind != 0 && kind != 1) {
                return Err(ApiError::invalid(&name("group_inheritance_type")));
            }
            let required = integer(&name("required_approvals"), get("required_approvals"))?;
            if rules && required.is_some_and(|n| n < 1) {
                return Err(ApiError::field(
                    &format!("{key}.required_approvals"),
                    "must be greater than 0",
                ));
            }
            let entry = Entry {
                id: integer(&name("id"), get("id"))?,
                destroy: boolean(&name("_destroy"), get("_destroy"))?.unwrap_or(false),
                access_level: level.map(|level| level as u8),
                user_id: integer(&name("user_id"), get("user_id"))?,
                group_id: integer(&name("group_id"), get("group_id"))?,
                group_inheritance_type: inheritance.map(|kind| kind as u8),
                required_approvals: required.map(|n| n as u32),
            };
            let principals = [
                entry.access_level.is_some(),
                entry.user_id.is_some(),
                entry.group_id.is_some(),
            ];
            let count = principals.iter().filter(|set| **set).count();
            let fields = ["access_level", "user_id", "group_id"].map(name).join(", ");
            if count > 1 {
                return Err(ApiError::param(format!("{fields} are mutually exclusive")));
            }
            if count == 0 && !(updating && entry.id.is_some()) {
                return Err(ApiError::param(format!(
                    "{fields} are missing, exactly one parameter must be provided"
                )));
            }
            Ok(entry)
        })
        .collect()
}

/// Whether GitLab keeps an entry: users with Developer access, groups shared with the
/// project, any access level.
fn qualified(state: &GlState, project: &Project, entry: &Entry) -> bool {
    if let Some(user) = entry.user_id {
        return state.user(user).is_some() && state.project_access(project, user) >= DEVELOPER;
    }
    if let Some(group) = entry.group_id {
        return project.shares.iter().any(|share| share.group_id == group);
    }
    true
}

fn new_access(state: &mut GlState, entry: &Entry, rules: bool) -> Access {
    Access {
        id: GlState::next_id(&mut state.next_rule_id),
        access_level: entry.access_level,
        user_id: entry.user_id,
        group_id: entry.group_id,
        group_inheritance_type: entry.group_inheritance_type.unwrap_or(0),
        required_approvals: rules.then(|| entry.required_approvals.unwrap_or(1)),
    }
}

/// Applies entries to a list: updates, removals and additions of qualified principals.
fn merge(
    state: &mut GlState,
    project: &Project,
    list: &mut Vec<Access>,
    sent: Vec<Entry>,
    rules: bool,
) -> ApiResult<()> {
    for entry in sent {
        let has_principal =
            entry.access_level.is_some() || entry.user_id.is_some() || entry.group_id.is_some();
        if has_principal && !entry.destroy && !qualified(state, project, &entry) {
            continue;
        }
        match entry.id {
            Some(id) => {
                let at = list
                    .iter()
                    .position(|access| access.id == id)
                    .ok_or_else(|| ApiError::not_found(""))?;
                if entry.destroy {
                    list.remove(at);
                    continue;
                }
                let access = &mut list[at];
                if has_principal {
                    (access.access_level, access.user_id, access.group_id) =
                        (entry.access_level, entry.user_id, entry.group_id);
                }
                if let Some(kind) = entry.group_inheritance_type {
                    access.group_inheritance_type = kind;
                }
                if rules && let Some(required) = entry.required_approvals {
                    access.required_approvals = Some(required);
                }
            }
            None if !entry.destroy => list.push(new_access(state, &entry, rules)),
            None => {}
        }
    }
    Ok(())
}

/// The project, on a tier with protected environments, and a Maintainer calling.
fn premium<'a>(state: &'a GlState, call: &Call, params: &Params) -> ApiResult<&'a Project> {
    let project = find_project(state, call, params)?;
    if project.tier == Tier::Free {
        return Err(ApiError::forbidden());
    }
    require(state, call, project, MAINTAINER)?;
    Ok(project)
}

/// `GET /projects/:id/protected_environments`
pub(super) async fn list(
    State(emulator): Emu,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    let page = query.page()?;
    emulator.with_state(|state| {
        let project = premium(state, &call, &params)?;
        let all = project
            .protections
            .iter()
            .map(|p| views::protection(state, p))
            .collect();
        Ok(paged(&call, page, all))
    })
}

/// `GET /projects/:id/protected_environments/:name`
pub(super) async fn get(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let project = premium(state, &call, &params)?;
        let found = project
            .protection(params.text("name")?)
            .ok_or_else(|| ApiError::not_found(""))?;
        Ok(Json(views::protection(state, found)))
    })
}

fn too_short() -> ApiError {
    ApiError::field(
        "deploy_access_levels",
        "is too short (minimum is 1 character)",
    )
}

/// `POST /projects/:id/protected_environments`
pub(super) async fn create(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body)?;
    let name = body.required_string("name")?;
    if body.get("deploy_access_levels").is_none() {
        return Err(ApiError::missing("deploy_access_levels"));
    }
    let deploy = entries(&body, "deploy_access_levels", false, false)?;
    let rules = entries(&body, "approval_rules", false, true)?;
    emulator.with_state(|state| {
        let project = premium(state, &call, &params)?.clone();
        if project.protection(&name).is_some() {
            return Err(ApiError::message(
                StatusCode::CONFLICT,
                format!("Protected environment '{name}' already exists"),
            ));
        }
        let mut protection = Protection {
            name,
            deploy: Vec::new(),
            approval_rules: Vec::new(),
        };
        merge(state, &project, &mut protection.deploy, deploy, false)?;
        merge(state, &project, &mut protection.approval_rules, rules, true)?;
        if protection.deploy.is_empty() {
            return Err(too_short());
        }
        let answer = views::protection(state, &protection);
        let stored = state
            .project_mut(project.id)
            .ok_or_else(ApiError::project_not_found)?;
        stored.protections.push(protection);
        Ok((StatusCode::CREATED, Json(answer)).into_response())
    })
}

/// `PUT /projects/:id/protected_environments/:name`
pub(super) async fn update(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let body = Body::parse(body)?;
    let deploy = entries(&body, "deploy_access_levels", true, false)?;
    let rules = entries(&body, "approval_rules", true, true)?;
    emulator.with_state(|state| {
        let project = premium(state, &call, &params)?.clone();
        let name = params.text("name")?;
        let mut protection = project
            .protection(name)
            .cloned()
            .ok_or_else(|| ApiError::not_found(""))?;
        merge(state, &project, &mut protection.deploy, deploy, false)?;
        merge(state, &project, &mut protection.approval_rules, rules, true)?;
        if protection.deploy.is_empty() {
            return Err(too_short());
        }
        let answer = views::protection(state, &protection);
        let stored = state
            .project_mut(project.id)
            .ok_or_else(ApiError::project_not_found)?;
        if stored.protection(name) != Some(&protection) {
            let slot = stored
                .protections
                .iter_mut()
                .find(|p| p.name == name)
                .ok_or_else(|| ApiError::not_found(""))?;
            *slot = protection;
        }
        Ok(Json(answer))
    })
}

/// `DELETE /projects/:id/protected_environments/:name`
pub(super) async fn delete(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let project_id = premium(state, &call, &params)?.id;
        let name = params.text("name")?;
        let project = state
            .project_mut(project_id)
            .ok_or_else(ApiError::project_not_found)?;
        if project.protection(name).is_none() {
            return Err(ApiError::not_found(""));
        }
        project.protections.retain(|p| p.name != name);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}

/// Whether `user` may deploy to an environment `protection` guards: an access level they
/// reach, their own entry, or membership of an entry's group (inherited memberships when
/// the entry says so).
pub(super) fn may_deploy(
    state: &GlState,
    project: &Project,
    protection: &Protection,
    user: i64,
) -> bool {
    protection
        .deploy
        .iter()
        .any(|access| entry_admits(state, project, access, user))
}

/// Whether `access` names `user` (by level, id or group).
pub(super) fn entry_admits(state: &GlState, project: &Project, access: &Access, user: i64) -> bool {
    if let Some(level) = access.access_level {
        return state.project_access(project, user) >= level;
    }
    if let Some(id) = access.user_id {
        return id == user;
    }
    access.group_id.is_some_and(|group| {
        state.group_access(group, user, access.group_inheritance_type == 1) > 0
    })
}
