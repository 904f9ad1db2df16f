//! Objects as GitLab writes them, with `web_url`s under the mount the client called.

use serde_json::{Value, json};

use super::request::Call;
use super::state::{
    Access, Approval, Commit, Deployment, Environment, GlState, Group, Project, Protection, User,
};

/// `2024-01-01T00:00:00.000Z` for an epoch-ms instant (UTC, milliseconds, as GitLab).
pub(super) fn iso(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%dT%H:%M:%S.%3fZ")
        .to_string()
}

/// The basic user (`UserBasic`).
pub(super) fn user(call: &Call, user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "state": user.state,
        "locked": false,
        "avatar_url": format!("{}/uploads/-/system/user/avatar/{}/avatar.png", call.web, user.id),
        "web_url": format!("{}/{}", call.web, user.username),
    })
}

/// A user by id, or a placeholder for one the state no longer holds.
pub(super) fn user_by_id(call: &Call, state: &GlState, id: i64) -> Value {
    match state.user(id) {
        Some(found) => user(call, found),
        None => json!({ "id": id, "username": "ghost", "name": "Ghost User", "state": "active" }),
    }
}

pub(super) fn group(call: &Call, group: &Group) -> Value {
    json!({
        "id": group.id,
        "name": group.name,
        "path": group.full_path.rsplit('/').next().unwrap_or(&group.full_path),
        "full_name": group.full_path.replace('/', " / "),
        "full_path": group.full_path,
        "parent_id": group.parent_id,
        "visibility": "private",
        "web_url": format!("{}/groups/{}", call.web, group.full_path),
    })
}

pub(super) fn project(call: &Call, state: &GlState, project: &Project) -> Value {
    let full_path = project.full_path();
    let shared: Vec<Value> = project
        .shares
        .iter()
        .filter_map(|share| {
            let group = state.group(share.group_id)?;
            Some(json!({
                "group_id": group.id,
                "group_name": group.name,
                "group_full_path": group.full_path,
                "group_access_level": share.group_access_level,
                "expires_at": null,
            }))
        })
        .collect();
    json!({
        "id": project.id,
        "name": project.name,
        "name_with_namespace": full_path.replace('/', " / "),
        "path": project.name,
        "path_with_namespace": full_path,
        "namespace": {
            "id": project.namespace_id,
            "full_path": project.namespace_full_path,
            "path": project.namespace_full_path.rsplit('/').next(),
            "kind": "group",
        },
        "default_branch": project.default_branch,
        "visibility": "private",
        "created_at": iso(project.created_at),
        "web_url": format!("{}/{full_path}", call.web),
        "shared_with_groups": shared,
    })
}

pub(super) fn commit(call: &Call, project: &Project, commit: &Commit) -> Value {
    json!({
        "id": commit.id,
        "short_id": &commit.id[..8.min(commit.id.len())],
        "title": commit.title,
        "message": commit.title,
        "author_name": commit.author,
        "author_email": "demo@sandbox.example",
        "authored_date": iso(commit.at),
        "committer_name": commit.author,
        "committer_email": "demo@sandbox.example",
        "committed_date": iso(commit.at),
        "created_at": iso(commit.at),
        "parent_ids": commit.parent_id.iter().collect::<Vec<_>>(),
        "web_url": format!("{}/{}/-/commit/{}", call.web, project.full_path(), commit.id),
    })
}

pub(super) fn branch(call: &Call, project: &Project, name: &str, sha: &str) -> Value {
    let head = project
        .commit(sha)
        .map_or(Value::Null, |found| commit(call, project, found));
    json!({
        "name": name,
        "commit": head,
        "merged": false,
        "protected": name == project.default_branch,
        "default": name == project.default_branch,
        "developers_can_push": false,
        "developers_can_merge": false,
        "can_push": true,
        "web_url": format!("{}/{}/-/tree/{name}", call.web, project.full_path()),
    })
}

pub(super) fn tag(call: &Call, project: &Project, name: &str, sha: &str) -> Value {
    let head = project
        .commit(sha)
        .map_or(Value::Null, |found| commit(call, project, found));
    json!({
        "name": name,
        "message": null,
        "target": sha,
        "commit": head,
        "release": null,
        "protected": false,
        "created_at": null,
    })
}

/// The environment object; `last_deployment` is added by the single GET.
pub(super) fn environment(env: &Environment) -> Value {
    json!({
        "id": env.id,
        "name": env.name,
        "slug": env.slug,
        "description": env.description,
        "external_url": env.external_url,
        "state": env.state,
        "tier": env.tier,
        "created_at": iso(env.created_at),
        "updated_at": iso(env.updated_at),
        "enable_advanced_logs_querying": false,
        "logs_api_path": format!("/-/logs/k8s.json?environment_name={}", env.name),
        "auto_stop_at": null,
        "auto_stop_setting": env.auto_stop_setting,
        "kubernetes_namespace": env.kubernetes_namespace,
        "flux_resource_path": env.flux_resource_path,
    })
}

fn level_description(level: u8) -> &'static str {
    match level {
        30 => "Developers + Maintainers",
        40 => "Maintainers",
        60 => "Administrators",
        _ => "Unknown",
    }
}

fn access(state: &GlState, entry: &Access) -> Value {
    let description = match (entry.access_level, entry.user_id, entry.group_id) {
        (Some(level), _, _) => level_description(level).to_owned(),
        (_, Some(user), _) => state
            .user(user)
            .map_or_else(String::new, |u| u.name.clone()),
        (_, _, Some(group)) => state
            .group(group)
            .map_or_else(String::new, |g| g.name.clone()),
        _ => String::new(),
    };
    let mut value = json!({
        "id": entry.id,
        "access_level": entry.access_level,
        "access_level_description": description,
        "user_id": entry.user_id,
        "group_id": entry.group_id,
        "group_inheritance_type": entry.group_inheritance_type,
    });
    if let Some(required) = entry.required_approvals {
        value["required_approvals"] = Value::from(required);
    }
    value
}

pub(super) fn protection(state: &GlState, protection: &Protection) -> Value {
    json!({
        "name": protection.name,
        "deploy_access_levels": protection.deploy.iter().map(|e| access(state, e)).collect::<Vec<_>>(),
        "required_approval_count": 0,
        "approval_rules": protection.approval_rules.iter().map(|e| access(state, e)).collect::<Vec<_>>(),
    })
}

pub(super) fn approval(call: &Call, state: &GlState, approval: &Approval) -> Value {
    json!({
        "user": user_by_id(call, state, approval.user_id),
        "status": approval.status,
        "created_at": iso(approval.created_at),
        "comment": approval.comment,
    })
}

/// The deployment object; with the approval fields when its environment has approval rules.
pub(super) fn deployment(call: &Call, state: &GlState, run: &Deployment) -> Value {
    let env = state
        .environments
        .iter()
        .find(|env| env.id == run.environment_id);
    let project = state.project(run.project_id);
    let deployable = run.deployable.as_ref().map_or(Value::Null, |job| {
        let head = project.and_then(|p| p.commit(&run.sha).map(|c| commit(call, p, c)));
        json!({
            "id": job.id,
            "name": job.name,
            "stage": job.stage,
            "status": job.status,
            "ref": run.git_ref,
            "tag": run.tag,
            "created_at": iso(run.created_at),
            "user": user_by_id(call, state, run.user_id),
            "commit": head,
            "pipeline": { "id": job.id, "ref": run.git_ref, "sha": run.sha, "status": job.status },
        })
    });
    let mut value = json!({
        "id": run.id,
        "iid": run.iid,
        "ref": run.git_ref,
        "sha": run.sha,
        "created_at": iso(run.created_at),
        "updated_at": iso(run.updated_at),
        "finished_at": run.finished_at.map(iso),
        "status": run.status,
        "user": user_by_id(call, state, run.user_id),
        "environment": env.map_or(Value::Null, |env| json!({ "id": env.id, "name": env.name, "external_url": env.external_url })),
        "deployable": deployable,
    });
    let rules = env
        .and_then(|env| project.and_then(|p| p.enforced_protection(&env.name)))
        .map(|protection| protection.approval_rules.as_slice())
        .unwrap_or_default();
    if !rules.is_empty() {
        value["approvals"] = run
            .approvals
            .iter()
            .map(|a| approval(call, state, a))
            .collect();
        value["pending_approval_count"] = Value::from(super::approvals::pending(run, rules));
        let summary: Vec<Value> = rules
            .iter()
            .map(|rule| {
                let mut entry = access(state, rule);
                let votes = run.approvals.iter().filter(|a| a.rule_id == Some(rule.id));
                entry["deployment_approvals"] = votes.map(|a| approval(call, state, a)).collect();
                entry
            })
            .collect();
        value["approval_summary"] = json!({ "rules": summary });
    }
    value
}
