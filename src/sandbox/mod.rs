//! The sandbox: one axum server mounting every provider emulator.
//!
//! Why it exists: `plan` and `apply` must work on a fresh machine with no cloud account, and
//! the provider clients must be tested over real HTTP. The sandbox owns everything that is the
//! same for every provider — the listener, the request log, fault injection, persistence and
//! the admin API under `/_sandbox/` — while each emulator (in its provider's folder) owns its
//! routes, its state and its error shapes, behind the [`Emulator`] trait.
//!
//! Layout of one server:
//!
//! | Path | What |
//! |---|---|
//! | `/<provider type>/…` | that provider's emulated API (logged, faults applied) |
//! | `/_sandbox/requests` | `GET` the request log, `DELETE` to clear it |
//! | `/_sandbox/faults` | `GET` / `PUT` the [`FaultConfig`] |
//! | `/_sandbox/state` | `GET` the whole persisted state document |
//! | `/_sandbox/<provider type>/…` | that emulator's own admin endpoints |
//!
//! The emulators come from the provider registry: a provider type brings its own.

mod admin;
mod changes;
mod emulator;
pub(crate) mod extract;
mod faults;
mod listener;
mod log;
#[cfg(test)]
mod persistence_tests;
mod punctual;
mod router;
mod store;
#[cfg(test)]
mod tests;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use admin::AdminError;
pub use changes::{ChangeTracker, StateChange, Tracked};
pub use emulator::{Emulator, EmulatorContext, EmulatorState, InjectedFault};
pub use faults::FaultConfig;
pub use log::RequestRecord;

/// Every provider emulator the sandbox mounts: one per registered provider type, served
/// under `/<provider type>/` and persisted under its provider type's key.
fn emulators(ctx: &EmulatorContext) -> Vec<Arc<dyn Emulator>> {
    crate::providers::registry::emulators(ctx)
}

/// How a sandbox starts.
#[derive(Clone, Debug, Default)]
pub struct SandboxOptions {
    /// State document: loaded at start if the file exists; every mutating request appends
    /// what it changed to `<file>.log`, folded into the file (atomically: temp file + rename)
    /// at start, at shutdown and when the log grows large. `None` keeps state in memory only.
    pub state_file: Option<PathBuf>,
    /// When set, one JSON line per provider request is appended to this file.
    pub request_log: Option<PathBuf>,
    /// Faults injected into provider requests from the start (changeable at runtime through
    /// `PUT /_sandbox/faults`).
    pub faults: FaultConfig,
    /// How emulated deployments progress.
    pub deploy_timing: DeployTiming,
}

/// How emulated deployments move through their statuses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeployTiming {
    /// On the wall clock: queued for `waiting_ms`, running for `running_ms`, then finished.
    /// Statuses are derived from the clock when read, so they also progress across restarts.
    Timed { waiting_ms: u64, running_ms: u64 },
    /// Driven by the test: deployments stay running until finished through the admin API.
    Manual,
}

impl Default for DeployTiming {
    fn default() -> Self {
        DeployTiming::Timed {
            waiting_ms: 300,
            running_ms: 1500,
        }
    }
}

/// Everything the request handlers of the sandbox itself share.
pub(crate) struct Shared {
    pub(crate) emulators: Vec<Arc<dyn Emulator>>,
    pub(crate) log: log::RequestLog,
    pub(crate) faults: Mutex<faults::Injector>,
    pub(crate) store: store::Store,
    /// Injected latency, held to what it says.
    pub(crate) punctual: punctual::Punctual,
}

/// A running sandbox. Dropping it leaves the server running until the runtime stops; call
/// [`SandboxHandle::shutdown`] to stop it.
pub struct SandboxHandle {
    /// The address the server is bound to (the real port when started on port 0).
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Binds `listen` (port 0 picks a free port), loads the state file if any, and spawns the
/// server on the current tokio runtime.
pub async fn start(listen: SocketAddr, options: SandboxOptions) -> std::io::Result<SandboxHandle> {
    let ctx = EmulatorContext {
        deploy_timing: options.deploy_timing.clone(),
        state_file: options.state_file.clone(),
    };
    let emulators = emulators(&ctx);
    let store = store::Store::open(options.state_file.clone(), &emulators)?;
    let log = log::RequestLog::open(options.request_log.as_deref())?;
    let shared = Arc::new(Shared {
        emulators,
        log,
        faults: Mutex::new(faults::Injector::new(options.faults.clone())),
        store,
        punctual: punctual::Punctual::default(),
    });
    let tcp = tokio::net::TcpListener::bind(listen).await?;
    let addr = tcp.local_addr()?;
    let app = router::build(shared.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    let serve = axum::serve(
        listener::SandboxListener::new(tcp),
        app.into_make_service_with_connect_info::<listener::Connection>(),
    )
    .with_graceful_shutdown(async move {
        // A dropped sender also stops the server.
        let _ = stopped.await;
    });
    let task = tokio::spawn(async move {
        if let Err(err) = serve.await {
            tracing::error!(%err, "sandbox server stopped with an error");
        }
    });
    tracing::info!(%addr, "sandbox listening");
    Ok(SandboxHandle {
        addr,
        shared,
        stop,
        task,
    })
}

impl SandboxHandle {
    /// The base URL a provider client should use, e.g.
    /// `http://127.0.0.1:PORT/<provider type>`. An unspecified bind address (`0.0.0.0`)
    /// is reported as loopback so the URL is reachable.
    pub fn base_url(&self, provider_type: &str) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!(
            "http://{}/{}",
            SocketAddr::new(ip, self.addr.port()),
            provider_type
        )
    }

    /// A snapshot of the in-memory request log (provider requests only, oldest first).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log.snapshot()
    }

    /// Stops accepting connections, lets in-flight requests finish (up to five seconds),
    /// and writes the state file one last time (the change log folded in).
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
        self.shared.store.fold(&self.shared.emulators).await;
    }
}
