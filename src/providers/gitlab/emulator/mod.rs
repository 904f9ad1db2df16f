//! GitLab REST v4 emulator for the sandbox, mounted at `/gitlab` and serving
//! `/gitlab/api/v4/…`: project, repository, user, group and member lookups, environments
//! (with stops that take time), protected environments (deployers, approval rules and
//! GitLab's silent dropping of principals without access), deployments (with GitLab's
//! create de-duplication, status transitions and approvals of blocked CI deployments),
//! offset paging, the rate limiter and moved projects.
//!
//! Why an emulator: the GitLab client, the engine and the CLI tests talk to it exactly as
//! they would talk to gitlab.com, so wire mistakes (a project path not encoded as one
//! segment, a redirect followed to another host, a `Link` not followed, a deployer GitLab
//! silently dropped) fail tests instead of production. Each module documents what GitLab's
//! documents leave open: `gate` (tokens, rate limit), `error` (statuses and bodies),
//! `request` (paging), `projects`, `environments`, `protected`, `deployments`,
//! `approvals`, `admin` (test controls).
//!
//! The seed (static, identical in every sandbox; `seed.rs`):
//!
//! | Kind | Entries |
//! |---|---|
//! | Users | `sandbox-demo` 1 (the demo token; owner of `acme`, so of everything), `alice` 2, `bob` 3, `carol` 4, `dave` 5 |
//! | Groups | `acme` 10, `acme/platform` 11, `acme/release-managers` 12 (alice, developer), `acme/qa` 13 (carol, developer), `acme/tools` 14 |
//! | Projects | `acme/platform/shop` 101 (Premium; alice maintainer, bob developer, dave reporter; shared with `acme/release-managers` as developer), `acme/platform/api` 102 (Premium), `acme/tools/scripts` 103 (Free) |
//! | Repository of each | `main` (commits `main-1` → `main-2` → `main-3`, default and protected), `release/1.x` (`main-2` → `release-1` → `release-2`); tags `v1.0.0` (`main-2`), `v1.1.0` (`release-2`) |
//!
//! A commit's SHA is the first 40 hex digits of SHA-256(full path + `\n` + label) (for
//! example label `main-3`; `seed::sha`); `GET /_sandbox/gitlab/projects/{project}/repository`
//! lists them. Environment, deployment and rule ids start at 1; deployment `iid`s count per
//! project. Nothing else exists until created.

mod access;
mod admin;
mod admin_runs;
mod approvals;
pub mod demo;
mod deployments;
mod environments;
mod error;
mod gate;
mod naming;
mod projects;
mod protected;
mod request;
pub(crate) mod seed;
mod state;
mod views;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};

use self::error::ApiError;
use self::state::GlState;
use crate::providers::common::emulator::{StateCell, now_ms};
use crate::sandbox::{Emulator, EmulatorContext, EmulatorState, InjectedFault};

/// The provider type: mount prefix and state document key.
pub const PROVIDER_TYPE: &str = super::TYPE;

/// The GitLab emulator: its state and its rate-limit counters.
pub struct GitlabEmulator {
    state: StateCell<GlState>,
    limits: gate::Limits,
}

impl GitlabEmulator {
    /// An emulator with the static seed.
    pub fn new(_ctx: &EmulatorContext) -> Self {
        GitlabEmulator {
            state: StateCell::new("GitLab", GlState::default()),
            limits: gate::Limits::default(),
        }
    }

    /// Runs `f` on the state under its lock, after finishing the stops that are due.
    fn with_state<R>(&self, f: impl FnOnce(&mut GlState) -> R) -> R {
        self.state.with(|state| {
            state.settle(now_ms());
            f(state)
        })
    }
}

type Emu = Arc<GitlabEmulator>;

impl Emulator for GitlabEmulator {
    fn provider_type(&self) -> &'static str {
        PROVIDER_TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        const P: &str = "/api/v4/projects/{id}";
        let table: Vec<(String, MethodRouter<Emu>)> = vec![
            (P.into(), get(projects::get)),
            (format!("{P}/repository/branches"), get(projects::branches)),
            (
                format!("{P}/repository/branches/{{branch}}"),
                get(projects::branch),
            ),
            (format!("{P}/repository/tags"), get(projects::tags)),
            (format!("{P}/repository/tags/{{tag}}"), get(projects::tag)),
            (
                format!("{P}/repository/commits/{{sha}}"),
                get(projects::commit),
            ),
            (format!("{P}/members/all"), get(projects::members)),
            (
                format!("{P}/members/all/{{user_id}}"),
                get(projects::member),
            ),
            ("/api/v4/users".into(), get(projects::users)),
            ("/api/v4/groups/{id}".into(), get(projects::group)),
            (
                format!("{P}/environments"),
                get(environments::list).post(environments::create),
            ),
            (
                format!("{P}/environments/{{environment_id}}"),
                get(environments::get)
                    .put(environments::update)
                    .delete(environments::delete),
            ),
            (
                format!("{P}/environments/{{environment_id}}/stop"),
                post(environments::stop),
            ),
            (
                format!("{P}/protected_environments"),
                get(protected::list).post(protected::create),
            ),
            (
                format!("{P}/protected_environments/{{name}}"),
                get(protected::get)
                    .put(protected::update)
                    .delete(protected::delete),
            ),
            (
                format!("{P}/deployments"),
                get(deployments::list).post(deployments::create),
            ),
            (
                format!("{P}/deployments/{{deployment_id}}"),
                get(deployments::get)
                    .put(deployments::update)
                    .delete(deployments::delete),
            ),
            (
                format!("{P}/deployments/{{deployment_id}}/approval"),
                post(approvals::approve),
            ),
        ];
        let mut router = Router::new();
        for (path, route) in table {
            router = router.route(&path, route);
        }
        router
            .route_layer(from_fn_with_state(self.clone(), gate::gate))
            .method_not_allowed_fallback(error::no_such_route)
            .fallback(error::no_such_route)
            .with_state(self)
    }

    fn admin_router(self: Arc<Self>) -> Router {
        admin::router(self)
    }

    /// A 429 as Rack::Attack answers it (plain text; the sandbox adds `Retry-After`), a 503
    /// as GitLab's JSON error.
    fn fault_response(&self, fault: InjectedFault) -> Response {
        match fault {
            InjectedFault::RateLimited { retry_after_secs } => {
                let now = u64::try_from(now_ms() / 1000).unwrap_or(0);
                let mut response = gate::retry_later(1, 2, now + retry_after_secs.max(1), now);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            InjectedFault::Unavailable => {
                ApiError::message(StatusCode::SERVICE_UNAVAILABLE, "503 Service Unavailable")
                    .into_response()
            }
        }
    }

    fn state(&self) -> &dyn EmulatorState {
        &self.state
    }
}
