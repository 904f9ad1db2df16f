//! AxHub emulator for the sandbox, mounted at `/axhub` and serving `/axhub/api/v1/…`:
//! tenants, apps, git connections, staging, deployments that move through `pending →
//! building → pushing → deploying → succeeded` (on the clock or by admin calls), image
//! reuse, cancel, rollback, releases and diagnoses, in AxHub's error envelope with the
//! request id, its rate limit and fault shapes.
//!
//! Why an emulator: the AxHub client, the engine and the CLI tests talk to it exactly as
//! they would talk to api.axhub.ai, so wire mistakes (a cursor sent back, a POST deploy
//! retried blindly, a 428 read from the wrong place) fail tests instead of production.
//! Each module documents what AxHub's documents leave open: `gate` (request id, tokens,
//! rate limit), `error` (codes and bodies), `request` (paging, bodies), `apps`,
//! `deployments`, `progress` (timing), `admin` (test controls).
//!
//! The seed (static, identical in every sandbox; `seed.rs`), ids `seed::uuid(label)`:
//!
//! | Kind | Entries |
//! |---|---|
//! | Tenant | `acme` (`tenant/acme`); the demo token is its admin |
//! | Apps | `shop` (`app/shop`: subdomain, connected to `acme/shop` `main`, installation 4242, production = `deployment/shop-seed`), `blog` (no subdomain), `api` (no git connection), `portal` (reviewed: `staging_required`, staging off, production = `deployment/portal-seed`, approved) |
//! | Repositories | `acme/shop`, `acme/blog`, `acme/api`, `acme/portal`: `main` at `main-3` (`main-1` → `main-3`); the seeded deployments built `main-2` |
//!
//! A commit is the first 40 hex digits of SHA-256(`<owner/repo>\n<label>`);
//! `GET /_sandbox/axhub/repos/{owner}/{repo}` lists them.

mod admin;
mod apps;
pub mod demo;
mod deployments;
mod error;
mod gate;
mod progress;
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
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};

use self::error::ApiError;
use self::state::AxState;
use crate::providers::common::emulator::{StateCell, now_ms};
use crate::sandbox::{DeployTiming, Emulator, EmulatorContext, EmulatorState, InjectedFault};

/// The provider type: mount prefix and state document key.
pub const PROVIDER_TYPE: &str = super::TYPE;

/// The AxHub emulator: its state, how deployments progress and the rate-limit counters.
pub struct AxhubEmulator {
    state: StateCell<AxState>,
    timing: DeployTiming,
    limits: gate::Limits,
}

impl AxhubEmulator {
    /// An emulator with the static seed.
    pub fn new(ctx: &EmulatorContext) -> Self {
        AxhubEmulator {
            state: StateCell::new("AxHub", AxState::default()),
            timing: ctx.deploy_timing.clone(),
            limits: gate::Limits::default(),
        }
    }

    /// Runs `f` on the state under its lock, after moving on what the clock says is due.
    fn with_state<R>(&self, f: impl FnOnce(&mut AxState) -> R) -> R {
        self.state.with(|state| {
            state.settle(now_ms());
            f(state)
        })
    }
}

type Emu = Arc<AxhubEmulator>;

impl Emulator for AxhubEmulator {
    fn provider_type(&self) -> &'static str {
        PROVIDER_TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        const A: &str = "/api/v1/apps/{appID}";
        let table: Vec<(String, MethodRouter<Emu>)> = vec![
            ("/api/v1/tenants".into(), get(apps::tenants)),
            ("/api/v1/tenants/{tenantID}/apps".into(), get(apps::apps)),
            (A.into(), get(apps::app)),
            (
                format!("{A}/git-connection"),
                get(apps::git_get)
                    .patch(apps::git_patch)
                    .delete(apps::git_delete),
            ),
            (format!("{A}/git/github/connect"), post(apps::git_connect)),
            (
                format!("{A}/git/github/install/start"),
                get(apps::install_start),
            ),
            (
                format!("{A}/staging"),
                put(apps::staging_on).delete(apps::staging_off),
            ),
            (
                format!("{A}/deployments"),
                get(deployments::list).post(deployments::create),
            ),
            (format!("{A}/deployments/{{did}}"), get(deployments::get)),
            (
                format!("{A}/deployments/{{did}}/cancel"),
                post(deployments::cancel),
            ),
            (
                format!("{A}/deployments/{{did}}/rollback"),
                post(deployments::rollback),
            ),
            (
                format!("{A}/deployments/{{did}}/diagnoses"),
                get(deployments::diagnoses),
            ),
            (format!("{A}/releases"), get(deployments::releases)),
            (format!("{A}/diagnosis"), get(deployments::diagnosis)),
        ];
        let mut router = Router::new();
        for (path, route) in table {
            router = router.route(&path, route);
        }
        router
            .route_layer(from_fn_with_state(self.clone(), gate::gate))
            .method_not_allowed_fallback(error::no_such_route)
            .fallback(error::no_such_route)
            .layer(from_fn(gate::request_id))
            .with_state(self)
    }

    fn admin_router(self: Arc<Self>) -> Router {
        admin::router(self)
    }

    /// Both faults as AxHub's envelope: 429 or 503 `temporarily_unavailable`, retryable,
    /// with a fresh request id (the sandbox answers before the request reaches the API).
    fn fault_response(&self, fault: InjectedFault) -> Response {
        let (status, wait) = match fault {
            InjectedFault::RateLimited { retry_after_secs } => {
                (StatusCode::TOO_MANY_REQUESTS, Some(retry_after_secs.max(1)))
            }
            InjectedFault::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, None),
        };
        let error = ApiError::unavailable(status, wait);
        let mut body = error.body();
        body["error"]["request_id"] = gate::new_request_id().into();
        let mut response = (status, axum::Json(body)).into_response();
        if let Some(seconds) = wait {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }

    fn state(&self) -> &dyn EmulatorState {
        &self.state
    }
}
