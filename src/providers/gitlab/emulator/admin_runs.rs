//! The test controls over repositories, deployments, environment stops and the rate limit
//! (documented in `admin.rs`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::admin::{project_id, user_id};
use super::approvals::{Vote, cast};
use super::environments::new_environment;
use super::gate::LimitSettings;
use super::naming::valid_name;
use super::projects::resolve;
use super::state::{Commit, Deployment, GlState, Job};
use super::{GitlabEmulator, seed};
use crate::providers::common::emulator::now_ms;
use crate::sandbox::{AdminError, Tracked};

type Emu = State<Arc<GitlabEmulator>>;
type Reply = Result<Json<Value>, AdminError>;

/// The most deployments one control call makes.
const MOST_AT_ONCE: u32 = 20_000;

pub(super) async fn repository(State(emulator): Emu, Path(project): Path<String>) -> Reply {
    emulator.with_state(|state| {
        let found = state.project(project_id(state, &project)?).ok_or_else(|| AdminError::not_found("project"))?;
        let refs = |list: &[(String, String)]| -> Map<String, Value> { list.iter().map(|(n, s)| (n.clone(), Value::from(s.clone()))).collect() };
        let commits: Vec<Value> = found.commits.iter().map(|c| json!({ "id": c.id, "title": c.title, "parent_id": c.parent_id })).collect();
        Ok(Json(json!({ "branches": refs(&found.branches), "tags": refs(&found.tags), "commits": commits })))
    })
}

#[derive(Deserialize)]
pub(super) struct Push {
    branch: String,
    from: Option<String>,
    title: Option<String>,
}

pub(super) async fn push(State(emulator): Emu, Path(project): Path<String>, body: Bytes) -> Reply {
    let Push {
        branch,
        from,
        title,
    } = AdminError::parse_body(&body)?;
    let now = now_ms();
    emulator.with_state(|state| {
        let id = project_id(state, &project)?;
        let found = state
            .project_mut(id)
            .ok_or_else(|| AdminError::not_found("project"))?;
        let start = match found.branch(&branch) {
            Some(head) => head.to_owned(),
            None => {
                let from = from.unwrap_or_else(|| found.default_branch.clone());
                resolve(found, &from)
                    .map(|c| c.id.clone())
                    .ok_or_else(|| AdminError::bad_request(format!("{from:?} names no commit")))?
            }
        };
        let label = format!("push-{}-{}", found.commits.len(), now);
        let sha = seed::sha(&found.full_path(), &label);
        let title = title.unwrap_or_else(|| format!("Update {branch}"));
        found.commits.push(Commit {
            id: sha.clone(),
            parent_id: Some(start),
            title,
            author: "Sandbox Demo".to_owned(),
            at: now,
        });
        found.branches.retain(|(name, _)| *name != branch);
        found.branches.push((branch.clone(), sha.clone()));
        Ok(Json(json!({ "branch": branch, "sha": sha })))
    })
}

#[derive(Deserialize)]
pub(super) struct SetRef {
    #[serde(rename = "ref")]
    git_ref: String,
    sha: String,
}

pub(super) async fn set_ref(
    State(emulator): Emu,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    let SetRef { git_ref, sha } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let id = project_id(state, &project)?;
        let found = state
            .project_mut(id)
            .ok_or_else(|| AdminError::not_found("project"))?;
        let target = resolve(found, &sha)
            .map(|c| c.id.clone())
            .ok_or_else(|| AdminError::bad_request(format!("{sha:?} names no commit")))?;
        let (list, name) = match git_ref.strip_prefix("refs/tags/") {
            Some(tag) => (&mut found.tags, tag),
            None => (
                &mut found.branches,
                git_ref.strip_prefix("refs/heads/").unwrap_or(&git_ref),
            ),
        };
        list.retain(|(old, _)| old != name);
        list.push((name.to_owned(), target.clone()));
        Ok(Json(json!({ "ref": git_ref, "sha": target })))
    })
}

pub(super) async fn deployments(State(emulator): Emu, Path(project): Path<String>) -> Reply {
    emulator.with_state(|state| {
        let id = project_id(state, &project)?;
        let runs: Vec<Value> = state
            .deployments
            .iter()
            .filter(|run| run.project_id == id)
            .map(|run| {
                let env = state.environments.iter().find(|e| e.id == run.environment_id).map(|e| e.name.clone());
                json!({
                    "id": run.id, "iid": run.iid, "environment": env, "ref": run.git_ref, "tag": run.tag,
                    "sha": run.sha, "status": run.status, "user": state.user(run.user_id).map(|u| u.username.clone()),
                    "ci": run.deployable.is_some(), "approvals": run.approvals,
                })
            })
            .collect();
        Ok(Json(json!({ "count": runs.len(), "deployments": runs })))
    })
}

#[derive(Deserialize)]
pub(super) struct CiDeployment {
    environment: String,
    #[serde(rename = "ref")]
    git_ref: String,
    #[serde(default)]
    tag: bool,
    sha: Option<String>,
    status: Option<String>,
    username: Option<String>,
    #[serde(default)]
    blocked: bool,
    count: Option<u32>,
}

pub(super) async fn ci_deployments(
    State(emulator): Emu,
    Path(project): Path<String>,
    body: Bytes,
) -> Reply {
    let wanted: CiDeployment = AdminError::parse_body(&body)?;
    let count = wanted.count.unwrap_or(1);
    if count == 0 || count > MOST_AT_ONCE {
        return Err(AdminError::bad_request(format!(
            "count is 1 to {MOST_AT_ONCE}"
        )));
    }
    let status = if wanted.blocked {
        "blocked".to_owned()
    } else {
        wanted
            .status
            .clone()
            .unwrap_or_else(|| "success".to_owned())
    };
    let known = [
        "created", "running", "success", "failed", "canceled", "blocked", "skipped",
    ];
    if !known.contains(&status.as_str()) {
        return Err(AdminError::bad_request(format!(
            "status {status:?} is not a deployment status"
        )));
    }
    if !valid_name(&wanted.environment) {
        return Err(AdminError::bad_request("not a valid environment name"));
    }
    let now = now_ms();
    emulator.with_state(|state| {
        let id = project_id(state, &project)?;
        let user = user_id(state, wanted.username.as_deref().unwrap_or("sandbox-demo"))?;
        let found = state
            .project(id)
            .ok_or_else(|| AdminError::not_found("project"))?;
        let named = if wanted.tag {
            found.tag(&wanted.git_ref)
        } else {
            found.branch(&wanted.git_ref)
        };
        let head = named
            .ok_or_else(|| AdminError::bad_request(format!("no such ref {:?}", wanted.git_ref)))?
            .to_owned();
        let sha = match &wanted.sha {
            Some(text) => resolve(found, text)
                .map(|c| c.id.clone())
                .ok_or_else(|| AdminError::bad_request(format!("{text:?} names no commit")))?,
            None => head,
        };
        let existing = state
            .environments
            .iter()
            .find(|e| e.project_id == id && e.name == wanted.environment)
            .map(|e| e.id);
        let env_id = match existing {
            Some(env) => env,
            None => {
                let env = new_environment(state, id, &wanted.environment, now);
                let env_id = env.id;
                state.environments.push(Tracked::new(env));
                env_id
            }
        };
        let mut ids = Vec::new();
        for _ in 0..count {
            let iid = GlState::next_id(
                &mut state
                    .project_mut(id)
                    .ok_or_else(|| AdminError::not_found("project"))?
                    .next_iid,
            );
            let job_status = if status == "blocked" {
                "manual"
            } else {
                status.as_str()
            }
            .to_owned();
            let run = Deployment {
                id: GlState::next_id(&mut state.next_deployment_id),
                iid,
                project_id: id,
                environment_id: env_id,
                git_ref: wanted.git_ref.clone(),
                tag: wanted.tag,
                sha: sha.clone(),
                status: status.clone(),
                user_id: user,
                created_at: now,
                updated_at: now,
                finished_at: ["success", "failed", "canceled"]
                    .contains(&status.as_str())
                    .then_some(now),
                deployable: Some(Job {
                    id: GlState::next_id(&mut state.next_job_id),
                    name: "deploy".to_owned(),
                    stage: "deploy".to_owned(),
                    status: job_status,
                }),
                approvals: Vec::new(),
            };
            ids.push(run.id);
            state.deployments.push(Tracked::new(run));
        }
        Ok(Json(json!({ "ids": ids })))
    })
}

#[derive(Deserialize)]
pub(super) struct AdminVote {
    username: String,
    status: String,
    comment: Option<String>,
    represented_as: Option<String>,
}

pub(super) async fn approve(
    State(emulator): Emu,
    Path((project, id)): Path<(String, i64)>,
    body: Bytes,
) -> Reply {
    let wanted: AdminVote = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let project = project_id(state, &project)?;
        let user = user_id(state, &wanted.username)?;
        let at = state
            .deployments
            .iter()
            .position(|run| run.id == id && run.project_id == project)
            .ok_or_else(|| AdminError::not_found(format!("no deployment {id}")))?;
        let vote = Vote {
            user_id: user,
            status: &wanted.status,
            comment: wanted.comment,
            represented_as: wanted.represented_as.as_deref(),
        };
        let approval = cast(state, at, vote, now_ms()).map_err(AdminError::bad_request)?;
        Ok(Json(
            json!({ "approval": approval, "status": state.deployments[at].status }),
        ))
    })
}

#[derive(Deserialize)]
pub(super) struct OnStop {
    delay_ms: Option<u64>,
    #[serde(default)]
    manual: bool,
}

fn environment_index(state: &GlState, project: &str, env: &str) -> Result<usize, AdminError> {
    let id = project_id(state, project)?;
    state
        .environments
        .iter()
        .position(|e| e.project_id == id && e.name == env)
        .ok_or_else(|| AdminError::not_found(format!("no environment {env:?}")))
}

pub(super) async fn on_stop(
    State(emulator): Emu,
    Path((project, env)): Path<(String, String)>,
    body: Bytes,
) -> Reply {
    let OnStop { delay_ms, manual } = AdminError::parse_body(&body)?;
    emulator.with_state(|state| {
        let at = environment_index(state, &project, &env)?;
        let found = &mut state.environments[at];
        found.on_stop_ms = if manual {
            Some(delay_ms.unwrap_or(0))
        } else {
            delay_ms
        };
        found.on_stop_manual = manual;
        Ok(Json(
            json!({ "on_stop_ms": found.on_stop_ms, "manual": manual }),
        ))
    })
}

pub(super) async fn finish_stop(
    State(emulator): Emu,
    Path((project, env)): Path<(String, String)>,
) -> Reply {
    emulator.with_state(|state| {
        let at = environment_index(state, &project, &env)?;
        let found = &mut state.environments[at];
        if found.state != "stopping" {
            return Err(AdminError::conflict(format!(
                "{env} is {}, not stopping",
                found.state
            )));
        }
        found.state = "stopped".to_owned();
        found.stop_due = None;
        found.updated_at = now_ms();
        Ok(Json(json!({ "state": "stopped" })))
    })
}

pub(super) async fn rate_limit(State(emulator): Emu) -> Json<Value> {
    Json(json!({ "settings": emulator.limits.settings() }))
}

pub(super) async fn set_rate_limit(State(emulator): Emu, body: Bytes) -> Reply {
    let settings: LimitSettings = AdminError::parse_body(&body)?;
    if settings.limit == 0 || settings.window_secs == 0 {
        return Err(AdminError::bad_request(
            "limit and window_secs must be at least 1",
        ));
    }
    emulator.limits.set(Some(settings));
    Ok(Json(json!({ "settings": settings })))
}

pub(super) async fn lift_rate_limit(State(emulator): Emu) -> Json<Value> {
    emulator.limits.set(None);
    Json(json!({ "settings": null }))
}
