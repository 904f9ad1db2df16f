//! NHN Cloud Deploy emulator for the sandbox: the eight operations of the Deploy API v2.1
//! guide, the OAuth2 token endpoint of User Access Key tokens, and deployments that run on
//! the clock.
//!
//! Why an emulator: the NHN client, the engine and the CLI tests talk to it exactly as they
//! would talk to `api-tcd.nhncloudservice.com`, so wire mistakes (the `X-NHN-AUTHORIZATION`
//! header, the singular `binary-group` of upload/download against the plural
//! `binary-groups` of the lists, the list-shaped deploy body, lower-case `deployStatus`
//! against upper-case `totalResult`) fail tests instead of production. Mounted at
//! `/nhn-deploy`, a client's base URL is `http://HOST:PORT/nhn-deploy`; the API is under
//! `/api/v2.1/projects/{appKey}/…` and the token endpoint is `/oauth2/token/create`.
//!
//! Each module documents what the guide leaves open: `error` (HTTP statuses, undocumented
//! result codes), `auth` (token endpoint and header checks), `upload`, `binaries`, `deploy`,
//! `history`, `artifacts`, `blobs` (where uploaded bytes live), `admin` (test controls).
//!
//! The seeded project (static, identical in every sandbox; see `seed.rs`), app key
//! [`demo::NHN_APP_KEY`]:
//!
//! | Kind | Entries |
//! |---|---|
//! | Artifacts | 101 `shop` (server, Cloud Agent); 102 `shop-app` (client) |
//! | Server groups of `shop` | 201 `web-prod` (web-prod-1, web-prod-2, web-prod-3); 202 `web-staging` (web-staging-1); 203 `web-asg`, autoscale: Auto Scaling groups `web-asg-a` (web-asg-a-01, web-asg-a-02) and `web-asg-b` (web-asg-b-01) |
//! | Binary groups | 301 `shop-server` (artifact 101); 302 `shop-android`, 303 `shop-ios` (artifact 102) |
//! | Scenarios | 401 `deploy-web` → 201, 202, 203; 402 `restart-web` → 201, 202; 403 `warmup-asg` → 203 |
//!
//! Credentials: the User Access Key [`demo::NHN_ACCESS_KEY_ID`] /
//! [`demo::NHN_SECRET_ACCESS_KEY`] (user `sandbox-demo@example.com`, Deploy ADMIN), and the
//! static token [`demo::NHN_TOKEN`]. Binary keys start at 1001, deploy keys at 5001.
//!
//! [`demo::NHN_APP_KEY`]: demo::NHN_APP_KEY
//! [`demo::NHN_ACCESS_KEY_ID`]: demo::NHN_ACCESS_KEY_ID
//! [`demo::NHN_SECRET_ACCESS_KEY`]: demo::NHN_SECRET_ACCESS_KEY
//! [`demo::NHN_TOKEN`]: demo::NHN_TOKEN

mod admin;
mod artifacts;
mod auth;
mod binaries;
mod blobs;
pub mod demo;
mod deploy;
mod error;
mod history;
mod request;
mod seed;
mod state;
mod time;
mod upload;

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use self::blobs::Blobs;
use self::error::ApiError;
use self::state::NhnState;
use crate::providers::common::emulator::StateCell;
use crate::sandbox::{DeployTiming, Emulator, EmulatorContext, EmulatorState, InjectedFault};

/// The provider type: mount prefix and state document key.
pub const PROVIDER_TYPE: &str = super::TYPE;

/// The Deploy emulator: its state, where uploaded bytes go, how deployments progress.
pub struct NhnEmulator {
    state: StateCell<NhnState>,
    timing: DeployTiming,
    blobs: Blobs,
}

impl NhnEmulator {
    /// An emulator with the static seed and no binaries, deployments or tokens yet.
    pub fn new(ctx: &EmulatorContext) -> Self {
        NhnEmulator {
            state: StateCell::new("Deploy", NhnState::default()),
            timing: ctx.deploy_timing.clone(),
            blobs: Blobs::new(ctx.state_file.as_deref()),
        }
    }

    /// Runs `f` on the state under its lock ([`StateCell::with`]).
    fn with_state<R>(&self, f: impl FnOnce(&mut NhnState) -> R) -> R {
        self.state.with(f)
    }

    /// Whether a binary group already holds this version.
    fn version_taken(&self, artifact_id: i64, group: i64, version: &str) -> bool {
        self.with_state(|state| {
            state
                .binaries_in(artifact_id, group)
                .iter()
                .any(|binary| binary.version == version)
        })
    }
}

impl Emulator for NhnEmulator {
    fn provider_type(&self) -> &'static str {
        PROVIDER_TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        const BASE: &str = "/api/v2.1/projects/{appKey}/artifacts";
        const ARTIFACT: &str = "/api/v2.1/projects/{appKey}/artifacts/{artifactId}";
        let at = |tail: &str| format!("{ARTIFACT}{tail}");
        let api = Router::new()
            .route(BASE, get(artifacts::list))
            .route(&at("/server-groups"), get(artifacts::server_groups))
            .route(&at("/binary-groups"), get(artifacts::binary_groups))
            .route(
                &at("/binary-group/{binaryGroupKey}"),
                // Uploads are streamed to disk and limited by the emulator itself.
                post(upload::upload).layer(DefaultBodyLimit::disable()),
            )
            .route(
                &at("/binary-group/{binaryGroupKey}/binaries/{binaryKey}"),
                get(binaries::download),
            )
            .route(
                &at("/binary-groups/{binaryGroupKey}/binaries"),
                get(binaries::list),
            )
            .route(
                &at("/server-group/{serverGroupId}/deploy"),
                post(deploy::run),
            )
            .route(&at("/deploy-histories"), get(history::list))
            .route_layer(from_fn_with_state(self.clone(), auth::require_token));
        Router::new()
            .route("/oauth2/token/create", post(auth::create_token))
            .merge(api)
            .method_not_allowed_fallback(error::no_such_route)
            .fallback(error::no_such_route)
            .with_state(self)
    }

    fn admin_router(self: Arc<Self>) -> Router {
        admin::router(self)
    }

    fn fault_response(&self, fault: InjectedFault) -> Response {
        match fault {
            InjectedFault::RateLimited { retry_after_secs } => ApiError::general(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many requests (injected by the sandbox); retry after {retry_after_secs} s"
                ),
            ),
            InjectedFault::Unavailable => ApiError::general(
                StatusCode::SERVICE_UNAVAILABLE,
                "the Deploy service failed (injected by the sandbox)",
            ),
        }
        .into_response()
    }

    fn state(&self) -> &dyn EmulatorState {
        &self.state
    }
}
