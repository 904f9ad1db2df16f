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

/// An answer with its headers: status, headers and the JSON body (`Null` when empty or not
/// JSON), for emulator tests that check paging and rate-limit headers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    /// The body as text (what a plain-text answer says).
    pub text: String,
}

impl Reply {
    /// Reads a whole response.
    pub(crate) async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("body read");
        Reply {
            status,
            headers,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The URL of a `Link` relation.
    pub(crate) fn link(&self, rel: &str) -> Option<String> {
        let link = self.header("link")?;
        let wanted = format!("rel=\"{rel}\"");
        link.split(", ").find_map(|part| {
            let (url, relation) = part.split_once("; ")?;
            (relation == wanted)
                .then(|| url.trim_start_matches('<').trim_end_matches('>').to_owned())
        })
    }

    /// Asserts the status and returns the body.
    pub(crate) fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text);
        self.body
    }
}
