//! The emulator's test controls, under `/_sandbox/gitlab/` (no token, never logged,
//! faulted or rate limited; failures are `{"error": …}`). `{project}` is a numeric id or
//! the URL-encoded full path (`acme%2Fplatform%2Fshop`); `{env}` an environment name, one
//! segment.
//!
//! The world:
//! - `POST /users` `{"username", "name"?}` → `{"id"}` (409 when taken).
//! - `POST /groups` `{"full_path"}` → `{"id"}`; the parent group must exist.
//! - `PUT /groups/{group}/members` and `PUT /projects/{project}/members` `{"username",
//!   "access_level"}` (10–50; 0 removes the membership).
//! - `PUT /projects/{project}/shares` `{"group", "group_access_level"}`: shares the project
//!   with a group (by full path; level 0 unshares).
//! - `POST /projects` `{"path": "acme/x/name", "tier"?: "free"|"premium"|"ultimate"}` →
//!   `{"id"}`, with the seeded repository; `PUT /projects/{project}/tier` `{"tier"}`.
//! - `POST /projects/{project}/move` `{"path"}`: renames or transfers the project; its old
//!   paths answer 301 (GET) / 405 (other methods) from then on.
//! - `POST /tokens` `{"username", "project"?}` → `{"token"}`: a personal access token, or
//!   with `project` a CI job token of a job of that project (`JOB-TOKEN`).
//!
//! Repositories:
//! - `GET /projects/{project}/repository` → `{"branches": {name: sha}, "tags": {…},
//!   "commits": [{id, title, parent_id}]}`: how tests read the seeded SHAs.
//! - `POST /projects/{project}/push` `{"branch", "from"?, "title"?}` → `{"branch","sha"}`:
//!   one new commit on `branch` (a new branch starts at `from`, else the default branch).
//! - `PUT /projects/{project}/refs` `{"ref": "x" | "refs/heads/x" | "refs/tags/x", "sha":
//!   ref or SHA}`: creates or moves a branch or tag.
//!
//! Deployments and environments:
//! - `GET /projects/{project}/deployments` → `{"count", "deployments": [{id, iid,
//!   environment, ref, tag, sha, status, user, ci, approvals}]}` (id order).
//! - `POST /projects/{project}/ci-deployments` `{"environment", "ref", "tag"?, "sha"?,
//!   "status"?: "success", "username"?: "sandbox-demo", "blocked"?: false, "count"?: 1}` →
//!   `{"ids"}`: deployments as a CI job makes them (`deployable` set; `blocked` waits for
//!   approvals); `count` makes many at once (paging tests past 10,000 items).
//! - `POST /projects/{project}/deployments/{id}/approve` `{"username", "status",
//!   "comment"?, "represented_as"?}`: a vote cast as that user (400 with GitLab's reason).
//! - `PUT /projects/{project}/environments/{env}/on-stop` `{"delay_ms"?: n, "manual"?:
//!   false}`: gives the environment an `on_stop` action: a stop takes `delay_ms` on the
//!   clock, or with `manual` waits for `POST …/finish-stop`; `{}` removes the action.
//! - `GET` / `PUT /rate-limit` `{"limit", "window_secs"}`; `DELETE /rate-limit` lifts it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::admin_runs;
use super::state::{GlState, Group, Member, Share, Tier, Token, User};
use super::{GitlabEmulator, gate, seed};
use crate::sandbox::{AdminError, Tracked};

type Emu = State<Arc<GitlabEmulator>>;
type Reply = Result<Json<Value>, AdminError>;

pub(super) fn router(emulator: Arc<GitlabEmulator>) -> Router {
    const P: &str = "/projects/{project}";
    Router::new()
        .route("/users", post(create_user))
        .route("/groups", post(create_group))
        .route("/groups/{group}/members", put(group_member))
        .route("/projects", post(create_project))
        .route(&format!("{P}/members"), put(project_member))
        .route(&format!("{P}/shares"), put(share))
        .route(&format!("{P}/tier"), put(tier))
        .route(&format!("{P}/move"), post(move_project))
        .route("/tokens", post(token))
        .route(&format!("{P}/repository"), get(admin_runs::repository))
        .route(&format!("{P}/push"), post(admin_runs::push))
        .route(&format!("{P}/refs"), put(admin_runs::set_ref))
        .route(&format!("{P}/deployments"), get(admin_runs::deployments))
        .route(
            &format!("{P}/ci-deployments"),
            post(admin_runs::ci_deployments),
        )
        .route(
            &format!("{P}/deployments/{{id}}/approve"),
            post(admin_runs::approve),
        )
        .route(
            &format!("{P}/environments/{{env}}/on-stop"),
            put(admin_runs::on_stop),
        )
        .route(
            &format!("{P}/environments/{{env}}/finish-stop"),
            post(admin_runs::finish_stop),
        )
        .route(
            "/rate-limit",
            get(admin_runs::rate_limit)
                .put(admin_runs::set_rate_limit)
                .delete(admin_runs::lift_rate_limit),
        )
        .with_state(emulator)
}

/// The project a control names (id or full path): its id.
pub(super) fn project_id(state: &GlState, text: &str) -> Result<i64, AdminError> {
    let found = match text.parse::<i64>() {
        Ok(id) => state.project(id),
        Err(_) => state
            .projects
            .iter()
            .find(|p| p.full_path().eq_ignore_ascii_case(text))
            .map(|p| &**p),
    };
    found
        .map(|p| p.id)
        .ok_or_else(|| AdminError::not_found(format!("no project {text}")))
}

/// A user by username: its id.
pub(super) fn user_id(state: &GlState, username: &str) -> Result<i64, AdminError> {
    state
        .users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username))
        .map(|u| u.id)
        .ok_or_else(|| AdminError::not_found(format!("no user {username}")))
}

fn group_id(state: &GlState, path: &str) -> Result<i64, AdminError> {
    let found = match path.parse::<i64>() {
        Ok(id) => state.group(id),
        Err(_) => state.group_by_path(path),
    };
    found
        .map(|g| g.id)
        .ok_or_else(|| AdminError::not_found(format!("no group {path}")))
}

fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

#[derive(Deserialize)]
struct NewUser {
    username: String,
    name: Option<String>,
}

async fn create_user(State(emulator): Emu, body: Bytes) -> Reply {
    let NewUser { username, name } = AdminError::parse_body(&body)?;
    if !valid_path(&username) || username.contains('/') {
        return Err(AdminError::bad_request(
            "a username holds letters, digits, '-', '_' and '.'",
        ));
    }
    emulator.with_state(|state| {
        if user_id(state, &username).is_ok() {
            return Err(AdminError::conflict(format!("{username} exists")));
        }
        let id = GlState::next_id(&mut state.next_user_id);
        let name = name.unwrap_or_else(|| username.clone());
        state.users.push(Tracked::new(User {
            id,
            username,
            name,
            state: "active".to_owned(),
        }));
        Ok(Json(json!({ "id": id })))
    })
}

#[derive(Deserialize)]
struct NewGroup {
    full_path: String,
}

async fn create_group(State(emulator): Emu, body: Bytes) -> Reply {
    let NewGroup { full_path } = AdminError::parse_body(&body)?;
    if !valid_path(&full_path) {
        return Err(AdminError::bad_request(
            "a group path is segments of letters, digits, '-', '_' and '.'",
        ));
    }
    emulator.with_state(|state| {
        if state.group_by_path(&full_path).is_some() {
            return Err(AdminError::conflict(format!("{full_path} exists")));
        }
        let parent_id = match full_path.rsplit_once('/') {
            Some((parent, _)) => Some(group_id(state, parent)?),
            None => None,
        };
        let id = GlState::next_id(&mut state.next_group_id);
        let name = full_path
            .rsplit('/')
            .next()
            .unwrap_or(&full_path)
            .to_owned();
        state.groups.push(Tracked::new(Group {
            id,
            name,
            full_path,
            parent_id,
            members: Vec::new(),
        }));
        Ok(Json(json!({ "id": id })))
    })
}

#[derive(Deserialize)]
struct Membership {
    username: String,
    access_level: u8,
}

fn set_member(members: &mut Vec<Member>, user_id: i64, access_level: u8) -> Result<(), AdminError> {
    if access_level != 0 && !(10..=50).contains(&access_level) {
        return Err(AdminError::bad_request(
            "access_level is 10 to 50, or 0 to remove",
        ));
    }
    members.retain(|m| m.user_id != user_id);
    if access_level > 0 {
        members.push(Member {
            user_id,
            access_level,
        });
    }
    Ok(())
}

async fn group_member(State(emulator): Emu, Path(group): Path<String>, body: Bytes) -> Reply {
    let Membership {
        username,
        access_level,
    } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let (group, user) = (group_id(state, &group)?, user_id(state, &username)?);
        let found = state
            .groups
            .iter_mut()
            .find(|g| g.id == group)
            .ok_or_else(|| AdminError::not_found("group"))?;
        set_member(&mut found.members, user, access_level)?;
        Ok(Json(json!({ "members": found.members })))
    })
}

async fn project_member(State(emulator): Emu, Path(project): Path<String>, body: Bytes) -> Reply {
    let Membership {
        username,
        access_level,
    } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let (project, user) = (project_id(state, &project)?, user_id(state, &username)?);
        let found = state
            .project_mut(project)
            .ok_or_else(|| AdminError::not_found("project"))?;
        set_member(&mut found.members, user, access_level)?;
        Ok(Json(json!({ "members": found.members })))
    })
}

#[derive(Deserialize)]
struct Sharing {
    group: String,
    group_access_level: u8,
}

async fn share(State(emulator): Emu, Path(project): Path<String>, body: Bytes) -> Reply {
    let Sharing {
        group,
        group_access_level,
    } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let (project, group) = (project_id(state, &project)?, group_id(state, &group)?);
        let found = state
            .project_mut(project)
            .ok_or_else(|| AdminError::not_found("project"))?;
        found.shares.retain(|s| s.group_id != group);
        if group_access_level > 0 {
            found.shares.push(Share {
                group_id: group,
                group_access_level,
            });
        }
        Ok(Json(json!({ "shares": found.shares })))
    })
}

#[derive(Deserialize)]
struct NewProject {
    path: String,
    tier: Option<Tier>,
}

async fn create_project(State(emulator): Emu, body: Bytes) -> Reply {
    let NewProject { path, tier } = AdminError::parse_body(&body)?;
    let Some((namespace, _)) = path.rsplit_once('/').filter(|_| valid_path(&path)) else {
        return Err(AdminError::bad_request(
            "path is the full path of the project: group/…/name",
        ));
    };
    emulator.with_state(|state| {
        if project_id(state, &path).is_ok() {
            return Err(AdminError::conflict(format!("{path} exists")));
        }
        let namespace = group_id(state, namespace)?;
        let id = GlState::next_id(&mut state.next_project_id);
        let project = seed::project(id, namespace, &path, tier.unwrap_or(Tier::Premium));
        state.projects.push(Tracked::new(project));
        Ok(Json(json!({ "id": id })))
    })
}

#[derive(Deserialize)]
struct SetTier {
    tier: Tier,
}

async fn tier(State(emulator): Emu, Path(project): Path<String>, body: Bytes) -> Reply {
    let SetTier { tier } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let id = project_id(state, &project)?;
        let found = state
            .project_mut(id)
            .ok_or_else(|| AdminError::not_found("project"))?;
        found.tier = tier;
        Ok(Json(json!({ "tier": tier })))
    })
}

#[derive(Deserialize)]
struct Move {
    path: String,
}

async fn move_project(State(emulator): Emu, Path(project): Path<String>, body: Bytes) -> Reply {
    let Move { path } = AdminError::parse_body(&body)?;
    let Some((namespace, name)) = path.rsplit_once('/').filter(|_| valid_path(&path)) else {
        return Err(AdminError::bad_request(
            "path is the new full path: group/…/name",
        ));
    };
    emulator.with_state(|state| {
        let id = project_id(state, &project)?;
        if project_id(state, &path).is_ok() {
            return Err(AdminError::conflict(format!("{path} exists")));
        }
        let namespace = group_id(state, namespace)?;
        let found = state
            .project_mut(id)
            .ok_or_else(|| AdminError::not_found("project"))?;
        let old = found.full_path();
        found.redirects.retain(|r| !r.eq_ignore_ascii_case(&path));
        found.redirects.push(old.clone());
        found.namespace_id = namespace;
        found.namespace_full_path = path.rsplit_once('/').map_or("", |(ns, _)| ns).to_owned();
        found.name = name.to_owned();
        Ok(Json(json!({ "id": id, "from": old, "to": path })))
    })
}

#[derive(Deserialize)]
struct NewToken {
    username: String,
    project: Option<String>,
}

async fn token(State(emulator): Emu, body: Bytes) -> Reply {
    let NewToken { username, project } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let user = user_id(state, &username)?;
        let job = project
            .as_deref()
            .map(|p| project_id(state, p))
            .transpose()?;
        let serial = state.tokens.len() + 1;
        let seed = format!(
            "{username}\n{job:?}\n{serial}\n{}",
            crate::providers::common::emulator::now_ms()
        );
        let token = match job {
            Some(_) => format!("glcbt-{}", &gate::token_hash(&seed)[..20]),
            None => format!("glpat-{}", &gate::token_hash(&seed)[..20]),
        };
        state.tokens.push(Tracked::new(Token {
            sha256: gate::token_hash(&token),
            user_id: user,
            job_project_id: job,
        }));
        Ok(Json(json!({ "token": token })))
    })
}
