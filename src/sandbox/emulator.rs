//! The contract between the sandbox and one provider emulator.
//!
//! The sandbox mounts an emulator's API under `/<provider type>/` and its admin routes under
//! `/_sandbox/<provider type>/`, wraps the API in the shared request log and fault injection,
//! and persists the emulator's state as one key of the state document. The emulator only
//! answers requests, in its provider's exact wire format.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::response::Response;

use super::DeployTiming;

/// What every emulator is built from.
#[derive(Clone, Debug, Default)]
pub struct EmulatorContext {
    /// How asynchronous deployments progress.
    pub deploy_timing: DeployTiming,
    /// The sandbox's state file, if any: emulators that keep files (uploaded binaries) put
    /// them beside it so they survive a restart with the state.
    pub state_file: Option<PathBuf>,
}

/// A fault the sandbox injects instead of passing a request to the emulator. The emulator
/// renders it in its provider's error shape; the sandbox adds transport details such as the
/// `Retry-After` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InjectedFault {
    /// Answer 429, as the provider's rate limiter would.
    RateLimited {
        /// Seconds the client is told to wait.
        retry_after_secs: u64,
    },
    /// Answer 503, as the provider's gateway does when its back end is down.
    Unavailable,
}

/// An emulator's state as the sandbox keeps it: saved whole into the state file, loaded
/// back at start, and logged change by change in between. Emulators keep their state in
/// [`crate::providers::common::emulator::StateCell`], which implements this once for all.
pub trait EmulatorState: Send + Sync {
    /// The whole state as JSON, for the state file and `GET /_sandbox/state`.
    fn save(&self) -> serde_json::Value;

    /// Replaces the state with a previously saved one.
    fn load(&self, state: serde_json::Value) -> Result<(), String>;

    /// What changed in the state since the last call (or since it was made): the next line
    /// of the state log, so that a write costs what it changed, not the size of the state.
    /// `None` when the state cannot tell, and the whole document is written.
    fn take_changes(&self) -> Option<Vec<super::StateChange>> {
        None
    }
}

/// One provider's emulated API.
pub trait Emulator: Send + Sync + 'static {
    /// The provider type (the `type:` of its instances), used as the mount prefix and as
    /// the state document key.
    fn provider_type(&self) -> &'static str;

    /// The provider API. It sees paths with the mount prefix already stripped, exactly as
    /// the real service would receive them.
    fn api_router(self: Arc<Self>) -> Router;

    /// Test-only controls (outcomes, manual completion, drift), mounted under
    /// `/_sandbox/<provider type>/`: never logged, never faulted, never authenticated.
    fn admin_router(self: Arc<Self>) -> Router;

    /// The provider's own response for an injected fault.
    fn fault_response(&self, fault: InjectedFault) -> Response;

    /// The emulator's state, as the sandbox saves, loads and logs it.
    fn state(&self) -> &dyn EmulatorState;

    /// The emulator's whole state as JSON ([`EmulatorState::save`]).
    fn save_state(&self) -> serde_json::Value {
        self.state().save()
    }

    /// Replaces the emulator's state with a previously saved one ([`EmulatorState::load`]).
    fn load_state(&self, state: serde_json::Value) -> Result<(), String> {
        self.state().load(state)
    }

    /// What changed in the state since the last call ([`EmulatorState::take_changes`]).
    fn take_changes(&self) -> Option<Vec<super::StateChange>> {
        self.state().take_changes()
    }
}
