//! Deployment environments: list, get, create-or-update (`PUT`), delete.
//!
//! Names are URL-encoded path segments (`/` as `%2F`), matched ignoring case; an update
//! keeps the name as first written. `PUT` replaces the protection: a field left out is
//! reset (no wait timer, no reviewers, any branch), the strict reading of a create-or-update
//! whose body may be omitted; switching custom branch policies off deletes the policies.
//! Refused with 422: a body key outside the four documented ones, a wrong type, a name
//! that is empty, longer than 255 characters or holds a control character; `wait_timer`
//! outside 0–43,200; more than 6 reviewers; a reviewer type other than `User`/`Team` or an
//! id that names no seeded user or team; `protected_branches` equal to
//! `custom_branch_policies`. All rule violations are listed in one `Validation Failed`.
//!
//! The environment object carries `protection_rules` as GitHub does: a `wait_timer` rule
//! when the timer is above 0, `required_reviewers` when there are reviewers, `branch_policy`
//! when a deployment branch policy is set (rule ids are the environment id × 10 + 1, 2, 3).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult, FieldError};
use super::request::{Body, Call, Params, QueryPairs, not_a, schema, wrapped};
use super::state::{BranchPolicyMode, Environment, GhState, Repo, Reviewer};
use super::{GithubEmulator, repos, secrets, seed, views};
use crate::providers::common::emulator::now_ms;
use crate::providers::common::percent::encode_unreserved;
use crate::sandbox::Tracked;

/// The longest wait timer, in minutes (30 days).
pub(super) const MAX_WAIT_TIMER: i64 = 43_200;
/// The most reviewers an environment takes.
pub(super) const MAX_REVIEWERS: usize = 6;

/// The environment a route names, or 404.
pub(super) fn find<'a>(
    state: &'a GhState,
    params: &Params,
) -> ApiResult<(&'a Tracked<Repo>, &'a Tracked<Environment>)> {
    let repo = repos::find(state, params)?;
    let env = state
        .environment(repo.id, params.text("environment_name")?)
        .ok_or_else(ApiError::not_found)?;
    Ok((repo, env))
}

/// The environment a route names, for a change.
pub(super) fn find_mut<'a>(
    state: &'a mut GhState,
    params: &Params,
) -> ApiResult<&'a mut Tracked<Environment>> {
    let (repo, env) = find(state, params)?;
    let (repo_id, name) = (repo.id, env.name.clone());
    state
        .environment_mut(repo_id, &name)
        .ok_or_else(ApiError::not_found)
}

/// Runs `f` on the environment a route names, to change it. Only what `f` writes marks
/// the environment changed (see `sandbox::changes`).
pub(super) fn change<R>(
    emulator: &GithubEmulator,
    params: &Params,
    f: impl FnOnce(&mut Tracked<Environment>) -> ApiResult<R>,
) -> ApiResult<R> {
    emulator.with_state(|state| f(find_mut(state, params)?))
}

/// What `pick` finds in the environment a route names, or 404.
pub(super) fn item(
    emulator: &GithubEmulator,
    params: &Params,
    pick: impl FnOnce(&Environment) -> Option<Value>,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let (_, env) = find(state, params)?;
        pick(env).map(Json).ok_or_else(ApiError::not_found)
    })
}

/// The API URL of an environment.
pub(super) fn url(call: &Call, repo: &Repo, env: &Environment) -> String {
    format!(
        "{}/environments/{}",
        views::repo_url(call, repo),
        encode_unreserved(&env.name)
    )
}

/// The environment object.
pub(super) fn view(call: &Call, repo: &Repo, env: &Environment) -> Value {
    let mut rules = Vec::new();
    if env.wait_timer > 0 {
        let id = env.id * 10 + 1;
        rules.push(json!({ "id": id, "node_id": views::node_id("Gate", id), "type": "wait_timer", "wait_timer": env.wait_timer }));
    }
    if !env.reviewers.is_empty() {
        let id = env.id * 10 + 2;
        let reviewers: Vec<Value> = env
            .reviewers
            .iter()
            .filter_map(|reviewer| {
                if reviewer.team {
                    let team = seed::team_by_id(reviewer.id)?;
                    Some(json!({ "type": "Team", "reviewer": views::team(call, team) }))
                } else {
                    let user = seed::user_by_id(reviewer.id)?;
                    Some(json!({ "type": "User", "reviewer": views::user(call, user) }))
                }
            })
            .collect();
        rules.push(json!({
            "id": id,
            "node_id": views::node_id("Gate", id),
            "prevent_self_review": env.prevent_self_review,
            "type": "required_reviewers",
            "reviewers": reviewers,
        }));
    }
    if env.branch_policy.is_some() {
        let id = env.id * 10 + 3;
        rules.push(
            json!({ "id": id, "node_id": views::node_id("Gate", id), "type": "branch_policy" }),
        );
    }
    let html = format!(
        "{}/{}/{}/deployments/activity_log?environments_filter={}",
        call.web,
        repo.owner,
        repo.name,
        encode_unreserved(&env.name)
    );
    json!({
        "id": env.id,
        "node_id": views::node_id("Environment", env.id),
        "name": env.name,
        "url": url(call, repo, env),
        "html_url": html,
        "created_at": views::iso(env.created_at),
        "updated_at": views::iso(env.updated_at),
        "protection_rules": rules,
        "deployment_branch_policy": env.branch_policy,
    })
}

/// The environment `name` of a repository, created without protection when missing (a
/// deployment to an unknown environment creates it).
pub(super) fn ensure<'a>(
    state: &'a mut GhState,
    repo_id: i64,
    name: &str,
    now: i64,
) -> &'a mut Tracked<Environment> {
    if state.environment(repo_id, name).is_none() {
        let id = GhState::next_id(&mut state.next_environment_id);
        state.environments.push(Tracked::new(Environment {
            id,
            repo_id,
            name: name.to_owned(),
            created_at: now,
            updated_at: now,
            wait_timer: 0,
            prevent_self_review: false,
            reviewers: Vec::new(),
            branch_policy: None,
            policies: Vec::new(),
            variables: Vec::new(),
            secrets: Vec::new(),
            key: secrets::new_key_pair(id),
        }));
    }
    state
        .environment_mut(repo_id, name)
        .expect("the environment was just found or made")
}

/// `GET /repos/{owner}/{repo}/environments`
pub(super) async fn list(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let repo = repos::find(state, &params)?;
        let mut envs: Vec<&Tracked<Environment>> = state
            .environments
            .iter()
            .filter(|env| env.repo_id == repo.id)
            .collect();
        envs.sort_by_key(|env| env.name.to_lowercase());
        let all = envs.iter().map(|env| view(&call, repo, env)).collect();
        Ok(wrapped(&call, query.page(30, 100), "environments", all))
    })
}

/// `GET /repos/{owner}/{repo}/environments/{environment_name}`
pub(super) async fn get(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    emulator.with_state(|state| {
        let (repo, env) = find(state, &params)?;
        Ok(Json(view(&call, repo, env)))
    })
}

/// The protection a `PUT` body asks for.
struct Protection {
    wait_timer: u32,
    prevent_self_review: bool,
    reviewers: Vec<Reviewer>,
    branch_policy: Option<BranchPolicyMode>,
}

fn protection(body: &Body) -> ApiResult<Protection> {
    let mut errors = Vec::new();
    let mut rule = |field: &str, message: String| {
        errors.push(FieldError {
            resource: "Environment",
            field: field.to_owned(),
            code: "invalid",
            message: Some(message),
        });
    };
    let wait_timer = body.integer("wait_timer")?.unwrap_or(0);
    if !(0..=MAX_WAIT_TIMER).contains(&wait_timer) {
        rule(
            "wait_timer",
            format!("wait_timer must be between 0 and {MAX_WAIT_TIMER} minutes, got {wait_timer}"),
        );
    }
    let prevent_self_review = body.boolean("prevent_self_review")?.unwrap_or(false);
    let mut reviewers = Vec::new();
    let listed = body.array("reviewers")?.cloned().unwrap_or_default();
    if listed.len() > MAX_REVIEWERS {
        rule(
            "reviewers",
            format!(
                "at most {MAX_REVIEWERS} reviewers may be set, got {}",
                listed.len()
            ),
        );
    }
    for (index, entry) in listed.iter().enumerate() {
        let Some(object) = entry.as_object() else {
            return Err(not_a(&format!("reviewers/{index}"), entry, "an object"));
        };
        let kind = object.get("type").and_then(Value::as_str);
        let id = object.get("id").and_then(Value::as_i64);
        let (Some(kind), Some(id)) = (kind, id) else {
            return Err(schema(format!(
                "For 'items', {entry} is missing \"type\" or an integer \"id\"."
            )));
        };
        let team = match kind {
            "User" => false,
            "Team" => true,
            other => {
                rule(
                    "reviewers",
                    format!("reviewer type must be User or Team, got {other:?}"),
                );
                continue;
            }
        };
        let exists = if team {
            seed::team_by_id(id).is_some()
        } else {
            seed::user_by_id(id).is_some()
        };
        if !exists {
            rule(
                "reviewers",
                format!("{kind} with id {id} does not exist or cannot review deployments here"),
            );
            continue;
        }
        let reviewer = Reviewer { team, id };
        if !reviewers.contains(&reviewer) {
            reviewers.push(reviewer);
        }
    }
    let branch_policy = match body.get("deployment_branch_policy") {
        None => None,
        Some(Value::Object(policy)) => {
            let flag = |key: &str| match policy.get(key) {
                Some(Value::Bool(flag)) => Ok(*flag),
                Some(other) => Err(not_a(
                    &format!("deployment_branch_policy/{key}"),
                    other,
                    "a boolean",
                )),
                None => Err(schema(format!("\"{key}\" wasn't supplied."))),
            };
            let mode = BranchPolicyMode {
                protected_branches: flag("protected_branches")?,
                custom_branch_policies: flag("custom_branch_policies")?,
            };
            if mode.protected_branches == mode.custom_branch_policies {
                rule(
                    "deployment_branch_policy",
                    "exactly one of protected_branches and custom_branch_policies must be true"
                        .to_owned(),
                );
            }
            Some(mode)
        }
        Some(other) => return Err(not_a("deployment_branch_policy", other, "an object")),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Protection {
        wait_timer: u32::try_from(wait_timer).unwrap_or(0),
        prevent_self_review,
        reviewers,
        branch_policy,
    })
}

/// Refuses a name GitHub would not take.
fn check_name(name: &str) -> ApiResult<()> {
    let problem = if name.trim().is_empty() {
        Some("name can't be blank")
    } else if name.chars().count() > 255 {
        Some("name is too long (maximum is 255 characters)")
    } else if name.chars().any(char::is_control) {
        Some("name contains a control character")
    } else {
        None
    };
    match problem {
        Some(message) => Err(ApiError::invalid("Environment", "name", "invalid", message)),
        None => Ok(()),
    }
}

/// `PUT /repos/{owner}/{repo}/environments/{environment_name}`
pub(super) async fn put(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let all = [
        "wait_timer",
        "prevent_self_review",
        "reviewers",
        "deployment_branch_policy",
    ];
    // Enterprise Server 3.8 has no `prevent_self_review` (its body schema refuses it).
    let permitted: Vec<&str> = all
        .into_iter()
        .filter(|key| call.enterprise.is_none() || *key != "prevent_self_review")
        .collect();
    let body = Body::parse(body, Some(&permitted))?;
    let name = params.text("environment_name")?.to_owned();
    check_name(&name)?;
    let wanted = protection(&body)?;
    let now = now_ms();
    emulator.with_state(|state| {
        let repo_id = repos::find(state, &params)?.id;
        let env = ensure(state, repo_id, &name, now);
        env.wait_timer = wanted.wait_timer;
        env.prevent_self_review = wanted.prevent_self_review;
        env.reviewers = wanted.reviewers;
        if !wanted
            .branch_policy
            .is_some_and(|mode| mode.custom_branch_policies)
        {
            env.policies.clear();
        }
        env.branch_policy = wanted.branch_policy;
        env.updated_at = now;
        let env = env.clone();
        let repo = repos::find(state, &params)?;
        Ok(Json(view(&call, repo, &env)))
    })
}

/// `DELETE /repos/{owner}/{repo}/environments/{environment_name}`: its variables, secrets
/// and branch policies go with it.
pub(super) async fn delete(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let (_, env) = find(state, &params)?;
        let id = env.id;
        state.environments.retain(|env| env.id != id);
        Ok(StatusCode::NO_CONTENT.into_response())
    })
}
