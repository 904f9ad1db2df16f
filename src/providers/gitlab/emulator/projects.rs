//! Lookups: projects (by id or URL-encoded full path, moved ones redirected), their
//! branches, tags and commits, users by username, groups, and project members.
//!
//! - A project is visible to users with at least Reporter access (direct, inherited from
//!   its groups, or through a group it is shared with); to anyone else it is 404
//!   `Project Not Found`, as private projects are. A job token sees only its job's project.
//! - A project named by a path it had before it moved: `GET` answers 301 with `Location`
//!   naming the project by id (the rest of the URL kept); any other method answers 405
//!   `Non GET methods are not allowed for moved projects` (GitLab 16.7+).
//! - `repository/branches` and `repository/tags` take `search` (substring; `^x` prefix,
//!   `x$` suffix), paged; single branch, tag and commit names are one URL segment.
//!   Commits are found by full or short SHA (at least 7 hex digits), branch or tag name.
//! - `members/all` lists every user with access (direct, inherited or through a shared
//!   group) by id, paged; `members/all/:user_id` is one of them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::GitlabEmulator;
use super::error::{ApiError, ApiResult};
use super::request::{Call, Params, QueryPairs, paged};
use super::seed::{DEVELOPER, REPORTER};
use super::state::{GlState, Project};
use super::views;

type Emu = State<Arc<GitlabEmulator>>;

/// The project `{id}` names, visible to the caller.
pub(super) fn find<'a>(state: &'a GlState, call: &Call, params: &Params) -> ApiResult<&'a Project> {
    let text = params.text("id")?;
    let found = match text.parse::<i64>() {
        Ok(id) => state.project(id),
        Err(_) => match state
            .projects
            .iter()
            .find(|p| p.full_path().eq_ignore_ascii_case(text))
        {
            Some(project) => Some(&**project),
            None => {
                let moved = state
                    .projects
                    .iter()
                    .find(|p| p.redirects.iter().any(|old| old.eq_ignore_ascii_case(text)));
                if let Some(project) = moved.filter(|p| can_read(state, call, p)) {
                    return Err(moved_error(call, project.id));
                }
                None
            }
        },
    };
    found
        .filter(|project| can_read(state, call, project))
        .ok_or_else(ApiError::project_not_found)
}

fn can_read(state: &GlState, call: &Call, project: &Project) -> bool {
    call.caller.job_project.is_none_or(|job| job == project.id)
        && state.project_access(project, call.caller.user_id) >= REPORTER
}

/// 301 to the same URL with the project named by id, or 405 for other methods.
fn moved_error(call: &Call, id: i64) -> ApiError {
    if call.method != Method::GET {
        return ApiError::message(
            StatusCode::METHOD_NOT_ALLOWED,
            "Non GET methods are not allowed for moved projects",
        );
    }
    let marker = "/projects/";
    let Some(at) = call.url.find(marker).map(|at| at + marker.len()) else {
        return ApiError::project_not_found();
    };
    let rest = &call.url[at..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    ApiError::moved(format!("{}{id}{}", &call.url[..at], &rest[end..]))
}

/// Refuses callers below `level` in `project` (403).
pub(super) fn require(state: &GlState, call: &Call, project: &Project, level: u8) -> ApiResult<()> {
    if state.project_access(project, call.caller.user_id) >= level {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// Refuses callers who cannot write deployments and environments (below Developer).
pub(super) fn require_developer(state: &GlState, call: &Call, project: &Project) -> ApiResult<()> {
    require(state, call, project, DEVELOPER)
}

/// `GET /projects/:id`
pub(super) async fn get(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let project = find(state, &call, &params)?;
        Ok(Json(views::project(&call, state, project)))
    })
}

/// Whether `name` matches a GitLab `search` (`^prefix`, `suffix$`, or a substring).
fn matches(name: &str, search: Option<&str>) -> bool {
    let Some(search) = search else {
        return true;
    };
    let name = name.to_lowercase();
    let search = search.to_lowercase();
    if let Some(prefix) = search.strip_prefix('^') {
        name.starts_with(prefix)
    } else if let Some(suffix) = search.strip_suffix('$') {
        name.ends_with(suffix)
    } else {
        name.contains(&search)
    }
}

/// Branches or tags: which list a route reads.
#[derive(Debug, Clone, Copy)]
enum Refs {
    Branches,
    Tags,
}

impl Refs {
    /// The list in the order GitLab lists it: branches by name, tags newest first (its
    /// default `order_by=updated`).
    fn of(self, project: &Project) -> Vec<&(String, String)> {
        match self {
            Refs::Branches => {
                let mut names: Vec<_> = project.branches.iter().collect();
                names.sort();
                names
            }
            Refs::Tags => project.tags.iter().rev().collect(),
        }
    }

    fn view(self, call: &Call, project: &Project, name: &str, sha: &str) -> Value {
        match self {
            Refs::Branches => views::branch(call, project, name, sha),
            Refs::Tags => views::tag(call, project, name, sha),
        }
    }

    /// The path parameter and the 404's noun.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Refs::Branches => ("branch", "Branch"),
            Refs::Tags => ("tag", "Tag"),
        }
    }

    fn list(
        self,
        emulator: &GitlabEmulator,
        call: &Call,
        params: &Params,
        query: &QueryPairs,
    ) -> ApiResult<Response> {
        let page = query.page()?;
        emulator.with_state(|state| {
            let project = find(state, call, params)?;
            let found = self
                .of(project)
                .into_iter()
                .filter(|(name, _)| matches(name, query.filter("search")));
            let all = found
                .map(|(name, sha)| self.view(call, project, name, sha))
                .collect();
            Ok(paged(call, page, all))
        })
    }

    fn one(
        self,
        emulator: &GitlabEmulator,
        call: &Call,
        params: &Params,
    ) -> ApiResult<Json<Value>> {
        let (param, noun) = self.names();
        emulator.with_state(|state| {
            let project = find(state, call, params)?;
            let name = params.text(param)?;
            let found = self.of(project).into_iter().find(|(held, _)| held == name);
            let (name, sha) = found.ok_or_else(|| ApiError::not_found(noun))?;
            Ok(Json(self.view(call, project, name, sha)))
        })
    }
}

/// `GET /projects/:id/repository/branches`
pub(super) async fn branches(
    State(emulator): Emu,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    Refs::Branches.list(&emulator, &call, &params, &query)
}

/// `GET /projects/:id/repository/branches/:branch`
pub(super) async fn branch(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    Refs::Branches.one(&emulator, &call, &params)
}

/// `GET /projects/:id/repository/tags`
pub(super) async fn tags(
    State(emulator): Emu,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    Refs::Tags.list(&emulator, &call, &params, &query)
}

/// `GET /projects/:id/repository/tags/:tag`
pub(super) async fn tag(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    Refs::Tags.one(&emulator, &call, &params)
}

/// The commit a SHA (full, or a unique prefix of at least 7), branch or tag names.
pub(super) fn resolve<'a>(project: &'a Project, text: &str) -> Option<&'a super::state::Commit> {
    if let Some(sha) = project.branch(text).or_else(|| project.tag(text)) {
        return project.commit(sha);
    }
    let lower = text.to_ascii_lowercase();
    if lower.len() < 7 || lower.len() > 40 || !lower.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut found = project.commits.iter().filter(|c| c.id.starts_with(&lower));
    match (found.next(), found.next()) {
        (Some(commit), None) => Some(commit),
        _ => None,
    }
}

/// `GET /projects/:id/repository/commits/:sha`
pub(super) async fn commit(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let project = find(state, &call, &params)?;
        let found =
            resolve(project, params.text("sha")?).ok_or_else(|| ApiError::not_found("Commit"))?;
        Ok(Json(views::commit(&call, project, found)))
    })
}

/// `GET /users?username=` (exact, ignoring case; without it, every user), paged.
pub(super) async fn users(
    State(emulator): Emu,
    call: Call,
    query: QueryPairs,
) -> ApiResult<Response> {
    let page = query.page()?;
    emulator.with_state(|state| {
        let wanted = query.filter("username");
        let found = state
            .users
            .iter()
            .filter(|u| wanted.is_none_or(|name| u.username.eq_ignore_ascii_case(name)));
        Ok(paged(
            &call,
            page,
            found.map(|u| views::user(&call, u)).collect(),
        ))
    })
}

/// `GET /groups/:id` (id or URL-encoded full path). Every group is visible in the sandbox.
pub(super) async fn group(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let text = params.text("id")?;
        let found = match text.parse::<i64>() {
            Ok(id) => state.group(id),
            Err(_) => state.group_by_path(text),
        };
        let group = found.ok_or_else(|| ApiError::not_found("Group"))?;
        Ok(Json(views::group(&call, group)))
    })
}

/// A user's effective membership of a project (the highest of direct, inherited and
/// shared-group access), as `members.md` answers it; `None` for no access.
fn membership(
    call: &Call,
    state: &GlState,
    project: &Project,
    user: &super::state::User,
) -> Option<Value> {
    let level = state.project_access(project, user.id);
    if level == 0 {
        return None;
    }
    let mut value = views::user(call, user);
    value["access_level"] = Value::from(level);
    value["expires_at"] = Value::Null;
    value["membership_state"] = Value::from("active");
    Some(value)
}

/// `GET /projects/:id/members/all/:user_id`: the user's effective membership, or 404
/// `Not found`.
pub(super) async fn member(
    State(emulator): Emu,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let project = find(state, &call, &params)?;
        let user_id = params.id("user_id")?;
        let user = state.user(user_id).ok_or_else(|| ApiError::not_found(""))?;
        let found = membership(&call, state, project, user);
        Ok(Json(found.ok_or_else(|| ApiError::not_found(""))?))
    })
}

/// `GET /projects/:id/members/all`: every user with access, direct, inherited or through a
/// shared group, by user id; paged.
pub(super) async fn members(
    State(emulator): Emu,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    let page = query.page()?;
    emulator.with_state(|state| {
        let project = find(state, &call, &params)?;
        let mut users: Vec<_> = state.users.iter().collect();
        users.sort_by_key(|user| user.id);
        let all = users
            .into_iter()
            .filter_map(|user| membership(&call, state, project, user))
            .collect();
        Ok(paged(&call, page, all))
    })
}
