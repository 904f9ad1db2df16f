//! Emulator test helpers every provider's emulator tests start from: a sandbox on a free
//! port, one on a state file, and an answer read as status plus JSON. The clients that
//! talk to each emulator stay in each provider's `emulator/testkit.rs`, deliberately
//! independent of the real clients.

use std::path::PathBuf;

use serde_json::Value;
use tempfile::TempDir;

use crate::sandbox::{self, DeployTiming, SandboxHandle, SandboxOptions};

/// A status and a decoded body (`Null` when the body is not JSON).
pub(crate) type Answer = (u16, Value);

/// Starts a sandbox on `127.0.0.1:0` with the given options.
pub(crate) async fn start(options: SandboxOptions) -> SandboxHandle {
    let listen = "127.0.0.1:0".parse().expect("literal address");
    sandbox::start(listen, options)
        .await
        .expect("sandbox starts")
}

/// Starts a sandbox with in-memory state and the given deployment timing.
pub(crate) async fn start_with(deploy_timing: DeployTiming) -> SandboxHandle {
    start(SandboxOptions {
        deploy_timing,
        ..SandboxOptions::default()
    })
    .await
}

/// Reads a response as an [`Answer`].
pub(crate) async fn read_answer(response: reqwest::Response) -> reqwest::Result<Answer> {
    let status = response.status().as_u16();
    let bytes = response.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    ))
}

/// Options of a sandbox that keeps its state in a fresh folder, where `deployplan sandbox`
/// keeps it (`.deployplan/state.json`), for tests that stop and start it again.
pub(crate) struct Persistent {
    /// Holds the folder: it is removed when this is dropped.
    pub dir: TempDir,
    /// `.deployplan/state.json` in `dir`, not created yet.
    pub state_file: PathBuf,
    /// Options persisting to `state_file`, with the requested timing.
    pub options: SandboxOptions,
}

/// A [`Persistent`] sandbox whose deployments wait `waiting_ms` and then run `running_ms`.
pub(crate) fn persistent(waiting_ms: u64, running_ms: u64) -> Persistent {
    let dir = tempfile::tempdir().expect("temporary folder");
    let state_file = dir.path().join(".deployplan").join("state.json");
    let options = SandboxOptions {
        state_file: Some(state_file.clone()),
        deploy_timing: DeployTiming::Timed {
            waiting_ms,
            running_ms,
        },
        ..SandboxOptions::default()
    };
    Persistent {
        dir,
        state_file,
        options,
    }
}
