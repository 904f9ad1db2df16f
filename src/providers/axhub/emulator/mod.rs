//! AxHub emulator for the sandbox, mounted at `/axhub` (serving `/axhub/api/v1/…`).
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

/// The AxHub emulator.
pub struct AxhubEmulator;

impl AxhubEmulator {
    pub fn new(_ctx: &EmulatorContext) -> Self {
        AxhubEmulator
    }
}

impl Emulator for AxhubEmulator {
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

impl EmulatorState for AxhubEmulator {
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
