//! SourceDeploy emulator for the sandbox: the 34 operations of `providers.md` §1.4 over real
//! HTTP, with the gateway's signature check, envelopes, error codes and paging, and
//! deployments that progress on their own.
//!
//! Why an emulator rather than mocks: the NCP client, the engine and the CLI tests all talk
//! to it exactly as they would talk to `vpcsourcedeploy.apigw.ntruss.com`, so wire-format
//! mistakes show up in tests, and users can try `plan`/`apply` without an account. Mounted
//! at `/ncp-sourcedeploy`, a client's base URL is `http://HOST:PORT/ncp-sourcedeploy`; the
//! emulator sees (and the signature covers) paths without that prefix, as on the gateway.
//!
//! Where the documents are silent, each module says what it does and why (`projects`,
//! `stages`, `scenarios`, `validate`, `deploy`, `history`, `auth`). In short: names are
//! unique within their parent; unknown references are 400; a non-numeric id is 400; an
//! unknown route is 404 / 300 without authentication (the gateway matches the resource
//! first); request bodies are read as JSON whatever their content type.
//!
//! The seeded account (static, identical in every sandbox; see `seed.rs`):
//!
//! | Kind | Entries |
//! |---|---|
//! | Servers (`serverNo` name) | 1011 web-1, 1012 web-2, 1013 web-3, 1021 api-1, 1022 api-2 |
//! | Auto Scaling groups | 2001 web-asg (instances 2011 web-asg-001, 2012 web-asg-002; target groups 3001 web-tg-blue, 3002 web-tg-green); 2002 api-asg (instance 2021 api-asg-001; target group 3011 api-tg) |
//! | NKS clusters (uuid / no / name) | 5f0d8a52-8c1e-4b6a-9e3b-2a7c41d0f001 / 4001 / shop-nks; 9b2e6c13-47d5-4f8e-b1a0-6c3d58e2f002 / 4002 / staging-nks |
//! | Object Storage | bucket shop-artifacts: shop/shop-1.4.0.tar.gz, shop/shop-1.4.1.tar.gz, shop/shop-1.4.2.tar.gz, shop/shop-1.5.0.tar.gz; bucket static-site: index.html, releases/site-2.3.0.zip |
//! | SourceBuild projects | 5001 shop-build, 5002 api-build, 5003 site-build |
//! | SourceCommit repositories | shop-manifests, shop-app, site — each with branches main, develop |
//!
//! The accepted credentials are [`demo`]'s key pair (executor
//! `sandbox-demo`).

mod admin;
mod auth;
mod canary;
pub mod demo;
mod deploy;
mod error;
mod history;
mod lookups;
mod projects;
mod request;
mod scenarios;
mod seed;
mod stages;
mod state;
mod validate;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use self::error::ApiError;
use self::state::{NcpState, Progress};
use crate::providers::common::emulator::StateCell;
use crate::sandbox::{DeployTiming, Emulator, EmulatorContext, EmulatorState, InjectedFault};

/// The provider type: mount prefix and state document key.
pub const PROVIDER_TYPE: &str = super::TYPE;

/// The SourceDeploy emulator: its state and how its deployments progress.
pub struct NcpEmulator {
    state: StateCell<NcpState>,
    timing: DeployTiming,
    /// Paths the account's key may not call (a test control: `PUT /_sandbox/…/denied`).
    denied: Mutex<Vec<String>>,
}

impl NcpEmulator {
    /// An emulator with an empty account (plus the static seed).
    pub fn new(ctx: &EmulatorContext) -> Self {
        NcpEmulator {
            state: StateCell::new("SourceDeploy", NcpState::default()),
            timing: ctx.deploy_timing.clone(),
            denied: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` on the state under its lock ([`StateCell::with`]).
    fn with_state<R>(&self, f: impl FnOnce(&mut NcpState) -> R) -> R {
        self.state.with(f)
    }

    /// How a deployment started (or approved) at `now` progresses.
    fn start_progress(&self, now: i64) -> Progress {
        match self.timing {
            DeployTiming::Timed {
                waiting_ms,
                running_ms,
            } => Progress::Timed {
                since: now,
                waiting_ms,
                running_ms,
            },
            DeployTiming::Manual => Progress::Manual,
        }
    }

    /// How an accepted canary progresses from `now`.
    fn promote_progress(&self, now: i64) -> Progress {
        match self.timing {
            DeployTiming::Timed { running_ms, .. } => Progress::Promoting {
                since: now,
                running_ms,
            },
            DeployTiming::Manual => Progress::Manual,
        }
    }
}

impl Emulator for NcpEmulator {
    fn provider_type(&self) -> &'static str {
        PROVIDER_TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        const PROJECT: &str = "/api/v1/project/{projectId}";
        const STAGE: &str = "/api/v1/project/{projectId}/stage/{stageId}";
        const SCENARIO: &str = "/api/v1/project/{projectId}/stage/{stageId}/scenario/{scenarioId}";
        const HISTORY: &str = "/api/v1/project/{projectId}/history/{historyId}";
        let at = |base: &str, tail: &str| format!("{base}{tail}");
        Router::new()
            .route(
                "/api/v1/project",
                get(projects::list).post(projects::create),
            )
            .route(PROJECT, axum::routing::delete(projects::delete))
            .route(
                &at(PROJECT, "/stage"),
                get(stages::list).post(stages::create),
            )
            .route(
                STAGE,
                get(stages::get).patch(stages::edit).delete(stages::delete),
            )
            .route(
                &at(STAGE, "/scenario"),
                get(scenarios::list).post(scenarios::create),
            )
            .route(
                SCENARIO,
                get(scenarios::get)
                    .patch(scenarios::edit)
                    .delete(scenarios::delete),
            )
            .route(&at(SCENARIO, "/deploy"), post(deploy::start))
            .route(&at(SCENARIO, "/deploy/request"), post(deploy::request))
            .route(&at(PROJECT, "/history"), get(history::list))
            .route(HISTORY, get(history::detail))
            .route(&at(HISTORY, "/approval/accept"), post(deploy::approve))
            .route(&at(HISTORY, "/approval/reject"), post(deploy::reject))
            .route(&at(HISTORY, "/cancel"), post(deploy::cancel))
            .route(&at(HISTORY, "/canary/accept"), post(deploy::canary_accept))
            .route(&at(HISTORY, "/canary/reject"), post(deploy::canary_reject))
            .route(&at(HISTORY, "/report"), get(history::report_steps))
            .route(&at(HISTORY, "/report/{endTime}"), get(history::report))
            .route("/api/v1/server", get(lookups::servers))
            .route("/api/v1/autoscaling", get(lookups::auto_scaling_groups))
            .route(
                "/api/v1/autoscaling/{autoscalingName}",
                get(lookups::target_groups),
            )
            .route("/api/v1/kubernetes/cluster", get(lookups::clusters))
            .route("/api/v1/objectstorage/bucket", get(lookups::buckets))
            .route(
                "/api/v1/objectstorage/bucket/{bucketName}",
                get(lookups::objects),
            )
            .route("/api/v1/sourcebuild/project", get(lookups::build_projects))
            .route(
                "/api/v1/sourcecommit/repository",
                get(lookups::repositories),
            )
            .route(
                "/api/v1/sourcecommit/repository/{repositoryName}/branch",
                get(lookups::branches),
            )
            .route_layer(from_fn_with_state(self.clone(), admin::refuse_denied))
            .route_layer(from_fn(auth::require_signature))
            .method_not_allowed_fallback(error::no_such_route)
            .fallback(error::no_such_route)
            .with_state(self)
    }

    fn admin_router(self: Arc<Self>) -> Router {
        admin::router(self)
    }

    fn fault_response(&self, fault: InjectedFault) -> Response {
        match fault {
            InjectedFault::RateLimited { retry_after_secs } => ApiError::rate_limited(format!(
                "too many requests (injected by the sandbox); retry after {retry_after_secs} s"
            )),
            InjectedFault::Unavailable => ApiError::endpoint_error(
                "the SourceDeploy endpoint failed (injected by the sandbox)",
            ),
        }
        .into_response()
    }

    fn state(&self) -> &dyn EmulatorState {
        &self.state
    }
}
