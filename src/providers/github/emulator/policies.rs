//! Deployment branch and tag policies of an environment whose `deployment_branch_policy`
//! has `custom_branch_policies: true`; otherwise every route here is 404, as GitHub
//! answers (in Enterprise Server 3.8 mode, `admin`, there is no `type`: not in bodies, not
//! in answers). `POST` `{name, type?}` (`type` `branch`, the default, or `tag`) answers 200 with
//! the policy; a policy with the same name and type already there is 303 See Other with
//! `Location` at it (a client following the redirect reads the existing policy). `PUT`
//! `{name}` renames (200), `DELETE` is 204. The list is `{total_count, branch_policies}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult};
use super::request::{Body, Call, Params, QueryPairs, wrapped};
use super::state::{Environment, GhState, Policy, Repo};
use super::{GithubEmulator, environments, views};
use crate::sandbox::Tracked;

fn url(call: &Call, repo: &Repo, env: &Environment, policy: &Policy) -> String {
    format!(
        "{}/deployment-branch-policies/{}",
        environments::url(call, repo, env),
        policy.id
    )
}

/// A policy as answered; an Enterprise Server 3.8 knows no `type` (every policy is a
/// branch pattern there).
fn view(call: &Call, policy: &Policy) -> Value {
    let mut answer = json!({
        "id": policy.id,
        "node_id": views::node_id("DeploymentBranchPolicy", policy.id),
        "name": policy.name,
    });
    if call.enterprise.is_none() {
        answer["type"] = json!(policy.kind);
    }
    answer
}

/// The environment, when it takes custom policies.
fn custom<'a>(
    state: &'a GhState,
    params: &Params,
) -> ApiResult<(&'a Tracked<Repo>, &'a Tracked<Environment>)> {
    let (repo, env) = environments::find(state, params)?;
    if env
        .branch_policy
        .is_some_and(|mode| mode.custom_branch_policies)
    {
        Ok((repo, env))
    } else {
        Err(ApiError::not_found())
    }
}

fn policy_id(params: &Params) -> ApiResult<i64> {
    params.id("branch_policy_id")
}

fn name_of(body: &Body) -> ApiResult<String> {
    let name = body.required_string("name")?;
    if name.trim().is_empty() {
        return Err(ApiError::invalid(
            "DeploymentBranchPolicy",
            "name",
            "missing_field",
            "name can't be blank",
        ));
    }
    Ok(name)
}

/// `GET …/deployment-branch-policies`
pub(super) async fn list(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    query: QueryPairs,
) -> ApiResult<Response> {
    emulator.with_state(|state| {
        let (_, env) = custom(state, &params)?;
        Ok(wrapped(
            &call,
            query.page(30, 100),
            "branch_policies",
            env.policies
                .iter()
                .map(|policy| view(&call, policy))
                .collect(),
        ))
    })
}

/// `POST …/deployment-branch-policies`
pub(super) async fn create(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    let permitted: &[&str] = if call.enterprise.is_some() {
        &["name"]
    } else {
        &["name", "type"]
    };
    let body = Body::parse(body, Some(permitted))?;
    let name = name_of(&body)?;
    let kind = body.string("type")?.unwrap_or_else(|| "branch".to_owned());
    if kind != "branch" && kind != "tag" {
        return Err(ApiError::invalid(
            "DeploymentBranchPolicy",
            "type",
            "invalid",
            format!("type must be branch or tag, got {kind:?}"),
        ));
    }
    emulator.with_state(|state| {
        let (repo, env) = custom(state, &params)?;
        if let Some(existing) = env
            .policies
            .iter()
            .find(|p| p.name == name && p.kind == kind)
        {
            let location = url(&call, repo, env, existing);
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            return Ok(response);
        }
        let id = GhState::next_id(&mut state.next_policy_id);
        let policy = Policy { id, name, kind };
        let answer = view(&call, &policy);
        environments::find_mut(state, &params)?
            .policies
            .push(policy);
        Ok(Json(answer).into_response())
    })
}

/// `GET …/deployment-branch-policies/{branch_policy_id}`
pub(super) async fn get(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
) -> ApiResult<Json<Value>> {
    let id = policy_id(&params)?;
    emulator.with_state(|state| {
        let (_, env) = custom(state, &params)?;
        let found = env.policies.iter().find(|policy| policy.id == id);
        found
            .map(|policy| Json(view(&call, policy)))
            .ok_or_else(ApiError::not_found)
    })
}

/// Runs `f` on policy `id` of the environment, mutably.
fn with_policy<R>(
    emulator: &GithubEmulator,
    params: &Params,
    f: impl FnOnce(&mut Tracked<Environment>, usize) -> R,
) -> ApiResult<R> {
    let id = policy_id(params)?;
    emulator.with_state(|state| {
        let (_, env) = custom(state, params)?;
        let index = env
            .policies
            .iter()
            .position(|policy| policy.id == id)
            .ok_or_else(ApiError::not_found)?;
        Ok(f(environments::find_mut(state, params)?, index))
    })
}

/// `PUT …/deployment-branch-policies/{branch_policy_id}` `{name}`
pub(super) async fn update(
    State(emulator): State<Arc<GithubEmulator>>,
    call: Call,
    params: Params,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let body = Body::parse(body, Some(&["name"]))?;
    let name = name_of(&body)?;
    with_policy(&emulator, &params, |env, index| {
        env.policies[index].name = name;
        Json(view(&call, &env.policies[index]))
    })
}

/// `DELETE …/deployment-branch-policies/{branch_policy_id}`
pub(super) async fn delete(
    State(emulator): State<Arc<GithubEmulator>>,
    params: Params,
) -> ApiResult<Response> {
    with_policy(&emulator, &params, |env, index| {
        env.policies.remove(index);
        StatusCode::NO_CONTENT.into_response()
    })
}

/// Whether a policy pattern matches a branch or tag name, with fnmatch rules as GitHub uses
/// them: `*` matches any run of characters but `/`, `**` any run at all, `?` one character
/// but `/`; everything else matches itself.
pub(super) fn matches(pattern: &str, name: &str) -> bool {
    fn walk(pattern: &[char], name: &[char]) -> bool {
        match pattern {
            [] => name.is_empty(),
            ['*', '*', rest @ ..] => (0..=name.len()).any(|skip| walk(rest, &name[skip..])),
            ['*', rest @ ..] => {
                let run = name.iter().take_while(|c| **c != '/').count();
                (0..=run).any(|skip| walk(rest, &name[skip..]))
            }
            ['?', rest @ ..] => name.first().is_some_and(|c| *c != '/') && walk(rest, &name[1..]),
            [c, rest @ ..] => name.first() == Some(c) && walk(rest, &name[1..]),
        }
    }
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    walk(&pattern, &name)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::matches;

    #[test]
    fn fnmatch_patterns() {
        assert!(matches("release/*", "release/1.0"));
        assert!(!matches("release/*", "release/1.0/hotfix"));
        assert!(matches("release/*/*", "release/1.0/hotfix"));
        assert!(matches("release/**", "release/1.0/hotfix"));
        assert!(matches("v?.*", "v1.2"));
        assert!(!matches("main", "main2"));
    }

    proptest! {
        /// A name matches itself when it holds no wildcard, and `**` matches everything.
        #[test]
        fn literals_match_themselves(name in "[a-z0-9./-]{0,20}") {
            prop_assert!(matches(&name, &name));
            prop_assert!(matches("**", &name));
            prop_assert_eq!(matches("*", &name), !name.contains('/'));
        }
    }
}
