//! Approvals of blocked deployments (Premium and Ultimate): `POST
//! /projects/:id/deployments/:deployment_id/approval` `{status: approved|rejected,
//! comment?, represented_as?}` → 201 `{user, status, created_at, comment}`.
//!
//! Refusals, in GitLab's order (400 `{"message": …}`): the environment is not protected;
//! the caller triggered the deployment and approves it; the environment has no approval
//! rules; the deployment is not `blocked`; no rule admits the caller (or none matches
//! `represented_as`: a username, group name or path, or role description). A vote counts
//! for the first rule that admits the caller (or the one `represented_as` names); voting
//! again replaces the vote. Once every rule has its `required_approvals`, the deployment
//! is unblocked: `created`, its job `manual` (GitLab leaves running the job to a person);
//! a rejection fails the job and the deployment.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::GitlabEmulator;
use super::deployments::find;
use super::error::{ApiError, ApiResult};
use super::projects::find as find_project;
use super::protected::entry_admits;
use super::request::{Body, Call, Params};
use super::state::{Access, Approval, Deployment, GlState};
use super::views;
use crate::providers::common::emulator::now_ms;

type Emu = State<Arc<GitlabEmulator>>;

/// Approvals still missing: per rule, its required approvals less the approving votes;
/// 0 for a deployment that is not `blocked`, as GitLab counts them.
pub(super) fn pending(run: &Deployment, rules: &[Access]) -> u32 {
    if run.status != "blocked" {
        return 0;
    }
    rules
        .iter()
        .map(|rule| {
            let given = run
                .approvals
                .iter()
                .filter(|a| a.rule_id == Some(rule.id) && a.status == "approved")
                .count();
            rule.required_approvals
                .unwrap_or(1)
                .saturating_sub(u32::try_from(given).unwrap_or(u32::MAX))
        })
        .sum()
}

/// A vote to cast.
pub(super) struct Vote<'a> {
    pub user_id: i64,
    pub status: &'a str,
    pub comment: Option<String>,
    pub represented_as: Option<&'a str>,
}

/// Whether `rule` is the one `name` represents.
fn represents(state: &GlState, rule: &Access, name: &str) -> bool {
    let user = rule
        .user_id
        .and_then(|id| state.user(id))
        .is_some_and(|u| u.username == name);
    let group = rule
        .group_id
        .and_then(|id| state.group(id))
        .is_some_and(|g| g.name == name || g.full_path == name);
    let role = match rule.access_level {
        Some(30) => name.eq_ignore_ascii_case("developer"),
        Some(40) => {
            name.eq_ignore_ascii_case("maintainer") || name.eq_ignore_ascii_case("maintainers")
        }
        Some(60) => {
            name.eq_ignore_ascii_case("admin") || name.eq_ignore_ascii_case("administrators")
        }
        _ => false,
    };
    user || group || role
}

/// Casts `vote` on the deployment at index `at`; the vote, or GitLab's refusal.
pub(super) fn cast(
    state: &mut GlState,
    at: usize,
    vote: Vote<'_>,
    now: i64,
) -> Result<Approval, String> {
    if !["approved", "rejected"].contains(&vote.status) {
        return Err("Unrecognized approval status.".to_owned());
    }
    let run = &state.deployments[at];
    let project = state
        .project(run.project_id)
        .ok_or("404 Project Not Found")?;
    let env = state
        .environments
        .iter()
        .find(|e| e.id == run.environment_id)
        .ok_or("404 Environment Not Found")?;
    let Some(protection) = project.enforced_protection(&env.name) else {
        return Err("This environment is not protected.".to_owned());
    };
    if run.user_id == vote.user_id && vote.status == "approved" {
        return Err("You cannot approve your own deployment. This configuration can be adjusted in the protected environment settings.".to_owned());
    }
    if protection.approval_rules.is_empty() {
        return Err("Deployment approvals is not configured for this environment.".to_owned());
    }
    if run.status != "blocked" {
        return Err("This deployment is not waiting for approvals.".to_owned());
    }
    let admitting: Vec<&Access> = protection
        .approval_rules
        .iter()
        .filter(|rule| entry_admits(state, project, rule, vote.user_id))
        .collect();
    if admitting.is_empty() {
        return Err("You don't have permission to approve this deployment. Contact the project or group owner for help.".to_owned());
    }
    let rule = match vote.represented_as {
        Some(name) => admitting.iter().find(|rule| represents(state, rule, name)).ok_or(
            "There are no approval rules for the given `represent_as` parameter. Use a valid User/Group/Role name instead.",
        )?,
        None => &admitting[0],
    };
    let (rule_id, rules) = (rule.id, protection.approval_rules.clone());
    let approval = Approval {
        user_id: vote.user_id,
        status: vote.status.to_owned(),
        comment: vote.comment,
        created_at: now,
        rule_id: Some(rule_id),
    };
    let run = &mut state.deployments[at];
    run.approvals
        .retain(|old| !(old.user_id == vote.user_id && old.rule_id == Some(rule_id)));
    run.approvals.push(approval.clone());
    run.updated_at = now;
    if vote.status == "rejected" {
        run.status = "failed".to_owned();
        run.finished_at = Some(now);
        if let Some(job) = run.deployable.as_mut() {
            job.status = "failed".to_owned();
        }
    } else if pending(run, &rules) == 0 {
        run.status = "created".to_owned();
        if let Some(job) = run.deployable.as_mut() {
            job.status = "manual".to_owned();
        }
    }
    Ok(approval)
}

/// `POST /projects/:id/deployments/:deployment_id/approval`
pub(super) async fn approve(
    State(emulator): Emu,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let body = Body::parse(body)?;
    let status = body.required_string("status")?;
    if status != "approved" && status != "rejected" {
        return Err(ApiError::invalid("status"));
    }
    let comment = body.string("comment")?;
    let represented_as = body.string("represented_as")?;
    emulator.with_state(|state| {
        let project = find_project(state, &call, &params)?.id;
        let at = find(state, project, &params)?;
        let vote = Vote {
            user_id: call.caller.user_id,
            status: &status,
            comment,
            represented_as: represented_as.as_deref(),
        };
        let approval = cast(state, at, vote, now_ms())
            .map_err(|text| ApiError::message(StatusCode::BAD_REQUEST, text))?;
        Ok((
            StatusCode::CREATED,
            Json(views::approval(&call, state, &approval)),
        )
            .into_response())
    })
}
