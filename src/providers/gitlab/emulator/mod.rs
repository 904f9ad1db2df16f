//! GitLab REST v4 emulator for the sandbox, mounted at `/gitlab` (serving `/gitlab/api/v4/…`).
//! (Skeleton: the API follows.)

pub mod demo;

use std::sync::Arc;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::sandbox::{Emulator, EmulatorContext, EmulatorState, InjectedFault, StateChange};

/// The provider type: mount prefix and state document key.
pub const PROVIDER_TYPE: &str = super::TYPE;

/// The GitLab emulator.
pub struct GitlabEmulator;

impl GitlabEmulator {
    pub fn new(_ctx: &EmulatorContext) -> Self {
        GitlabEmulator
    }
}

impl Emulator for GitlabEmulator {
    fn provider_type(&self) -> &'static str {
        PROVIDER_TYPE
    }

    fn api_router(self: Arc<Self>) -> Router {
        Router::new()
    }

    fn admin_router(self: Arc<Self>) -> Router {
        Router::new()
    }

    fn fault_response(&self, _fault: InjectedFault) -> Response {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    }

    fn state(&self) -> &dyn EmulatorState {
        self
    }
}

impl EmulatorState for GitlabEmulator {
    fn save(&self) -> serde_json::Value {
        json!({})
    }

    fn load(&self, _state: serde_json::Value) -> Result<(), String> {
        Ok(())
    }

    fn take_changes(&self) -> Option<Vec<StateChange>> {
        Some(Vec::new())
    }
}
