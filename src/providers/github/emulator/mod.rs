//! GitHub REST emulator for the sandbox: the repository, user and team lookups, deployment
//! environments (protection rules, branch policies, variables, secrets) and deployments
//! with their statuses, as GitHub's REST API (version 2022-11-28) and GitHub Enterprise
//! Server 3.8 answer them.
//!
//! Why an emulator: the GitHub client, the engine and the CLI tests talk to it exactly as
//! they would talk to `api.github.com`, so wire mistakes (an environment name not
//! URL-encoded, a sealed box for the wrong key, a deployment created with `auto_merge` left
//! at its default, a `Link` header not followed) fail tests instead of production. Mounted
//! at `/github`, every route answers both at `/github/<path>` (github.com: base URL
//! `http://HOST:PORT/github`) and at `/github/api/v3/<path>` (Enterprise Server: base URL
//! `http://HOST:PORT/github/api/v3`); URLs in answers use the base the client called.
//!
//! Each module documents what GitHub's documents leave open: `gate` (User-Agent, auth,
//! rate limits, API version), `error` (statuses and bodies), `request` (paging and `Link`),
//! `repos`, `git` (refs), `environments`, `policies`, `named` (what variables and secrets
//! share), `variables`, `secrets`, `deployments`, `statuses`, `admin` (test controls).
//!
//! The seed (static, identical in every sandbox; `seed.rs`). Owner and repository names
//! match ignoring case, as on GitHub.
//!
//! | Kind | Entries |
//! |---|---|
//! | Organization | `octo-org` (id 9919) |
//! | Users | `octocat` 1, `hubot` 2, `monalisa` 3, `release-bot` 4, `sandbox-demo` 100 (holds the demo token; collaborators: all five) |
//! | Teams of `octo-org` | `release-managers` 1001, `sre` 1002, `developers` 1003, `security` 1004 |
//! | Repositories | `octo-org/shop` 501, `web` 502, `api` 503, `docs` 504, `infra` 505, `svc-01` … `svc-20` 506–525 (the admin API creates more) |
//! | Refs of each | `main` (4 commits, head with `ci/build` success; protected), `develop` (1 ahead of `main`), `topic-branch` (behind `main`: auto-merge merges it, 202), `conflicting` (behind, merge conflicts: 409), `failing-checks` (1 ahead, `ci/build` failure: 409 unless `required_contexts` skips it), `release/1.0`; tags `v1.0.0`, `v1.1.0` |
//!
//! Commit SHAs are the first 40 hex digits of SHA-256(`owner/name` + `\n` + label), so a
//! test can compute them (`seed::sha`). Environment ids start at 3001, branch policy ids at
//! 7001, deployment and status ids at 1. Nothing else exists until created.
//!
//! [`demo::GITHUB_TOKEN`] is the token (Bearer or `token` scheme).

mod admin;
pub mod demo;
mod deployments;
mod environments;
mod error;
mod gate;
mod git;
mod named;
mod policies;
mod repos;
mod request;
mod secrets;
mod seed;
mod state;
mod statuses;
mod variables;
mod views;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use self::error::ApiError;
use self::state::{GhState, Secret, Variable};
use crate::providers::common::emulator::StateCell;
use crate::sandbox::{Emulator, EmulatorContext, EmulatorState, InjectedFault};

/// The provider type: mount prefix and state document key.
pub const PROVIDER_TYPE: &str = super::TYPE;

/// The GitHub emulator: its state and its rate-limit counters.
pub struct GithubEmulator {
    state: StateCell<GhState>,
    limits: gate::Limits,
    /// The Enterprise Server release the `/api/v3` mount answers as (`None`: as the
    /// current API, the default). In memory, as the rate-limit counters.
    enterprise: std::sync::Mutex<Option<String>>,
}

impl GithubEmulator {
    /// An emulator with the static seed and no environments or deployments.
    pub fn new(_ctx: &EmulatorContext) -> Self {
        GithubEmulator {
            state: StateCell::new("GitHub", GhState::default()),
            limits: gate::Limits::default(),
            enterprise: std::sync::Mutex::new(None),
        }
    }

    /// The Enterprise Server release the `/api/v3` mount answers as.
    fn enterprise_release(&self) -> Option<String> {
        crate::providers::common::emulator::lock(&self.enterprise).clone()
    }

    /// Runs `f` on the state under its lock ([`StateCell::with`]).
    fn with_state<R>(&self, f: impl FnOnce(&mut GhState) -> R) -> R {
        self.state.with(f)
    }
}

type Emu = Arc<GithubEmulator>;

/// Routes `path` both as github.com has it and under the Enterprise Server prefix.
fn both(router: Router<Emu>, path: &str, route: MethodRouter<Emu>) -> Router<Emu> {
    router
        .route(path, route.clone())
        .route(&format!("{}{path}", request::GHES_PREFIX), route)
}

impl Emulator for GithubEmulator {
    fn provider_type(&self) -> &'static str {
        PROVIDER_TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        const REPO: &str = "/repos/{owner}/{repo}";
        const ENV: &str = "/repos/{owner}/{repo}/environments/{environment_name}";
        const ENV_BY_ID: &str = "/repositories/{repository_id}/environments/{environment_name}";
        let mut router = Router::new();
        let table: Vec<(String, MethodRouter<Emu>)> = vec![
            (REPO.into(), get(repos::repository)),
            (format!("{REPO}/commits/{{*ref}}"), get(repos::commit)),
            (format!("{REPO}/collaborators"), get(repos::collaborators)),
            ("/users/{username}".into(), get(repos::user)),
            ("/rate_limit".into(), get(gate::rate_limit)),
            ("/orgs/{org}/teams".into(), get(repos::teams)),
            ("/orgs/{org}/teams/{team_slug}".into(), get(repos::team)),
            (format!("{REPO}/environments"), get(environments::list)),
            (
                ENV.into(),
                get(environments::get)
                    .put(environments::put)
                    .delete(environments::delete),
            ),
            (
                format!("{ENV}/deployment-branch-policies"),
                get(policies::list).post(policies::create),
            ),
            (
                format!("{ENV}/deployment-branch-policies/{{branch_policy_id}}"),
                get(policies::get)
                    .put(policies::update)
                    .delete(policies::delete),
            ),
            (
                format!("{REPO}/deployments"),
                get(deployments::list).post(deployments::create),
            ),
            (
                format!("{REPO}/deployments/{{deployment_id}}"),
                get(deployments::get).delete(deployments::delete),
            ),
            (
                format!("{REPO}/deployments/{{deployment_id}}/statuses"),
                get(statuses::list).post(statuses::create),
            ),
            (
                format!("{REPO}/deployments/{{deployment_id}}/statuses/{{status_id}}"),
                get(statuses::get),
            ),
        ];
        for (path, route) in table {
            router = both(router, &path, route);
        }
        // Variables and secrets answer under both repository spellings.
        for env in [ENV, ENV_BY_ID] {
            let scoped: Vec<(String, MethodRouter<Emu>)> = vec![
                (
                    format!("{env}/variables"),
                    get(named::list::<Variable>).post(variables::create),
                ),
                (
                    format!("{env}/variables/{{name}}"),
                    get(named::get::<Variable>)
                        .patch(variables::update)
                        .delete(named::delete::<Variable>),
                ),
                (format!("{env}/secrets"), get(named::list::<Secret>)),
                (
                    format!("{env}/secrets/public-key"),
                    get(secrets::public_key),
                ),
                (
                    format!("{env}/secrets/{{secret_name}}"),
                    get(named::get::<Secret>)
                        .put(secrets::put)
                        .delete(named::delete::<Secret>),
                ),
            ];
            for (path, route) in scoped {
                router = both(router, &path, route);
            }
        }
        router
            .method_not_allowed_fallback(error::no_such_route)
            .fallback(error::no_such_route)
            .layer(from_fn_with_state(self.clone(), gate::gate))
            .with_state(self)
    }

    fn admin_router(self: Arc<Self>) -> Router {
        admin::router(self)
    }

    fn fault_response(&self, fault: InjectedFault) -> Response {
        match fault {
            InjectedFault::RateLimited { retry_after_secs } => ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "You have exceeded a secondary rate limit. Please wait {retry_after_secs} seconds before you try again (injected by the sandbox)."
                ),
            ),
            InjectedFault::Unavailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service Unavailable (injected by the sandbox)",
            ),
        }
        .into_response()
    }

    fn state(&self) -> &dyn EmulatorState {
        &self.state
    }
}
