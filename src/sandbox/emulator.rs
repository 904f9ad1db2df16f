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

    /// The emulator's whole state as JSON, for the state file and `GET /_sandbox/state`.
    fn save_state(&self) -> serde_json::Value;

    /// Replaces the emulator's state with a previously saved one.
    fn load_state(&self, state: serde_json::Value) -> Result<(), String>;

    /// What changed in the state since the last call (or since the emulator was made): the
    /// next line of the state log, so that a write costs what it changed, not the size of
    /// the state. `None` when the emulator cannot tell, and the whole document is written.
    fn take_changes(&self) -> Option<Vec<super::StateChange>> {
        None
    }
}
