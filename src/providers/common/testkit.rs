//! Emulator test helpers every provider's emulator tests start from: a sandbox on a free
//! port, one on a state file, an answer read as status plus JSON (or with its headers,
//! [`Reply`]), and the verbs of a test client ([`TestClient`]). What each emulator's test
//! client sends (its credentials and headers) stays in that provider's
//! `emulator/testkit.rs`, deliberately independent of the real clients.

use std::path::PathBuf;

use reqwest::Method;
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

/// A test client of one emulator. The emulator's test kit says where its API and admin
/// routes are and what every request carries; sending, the verbs and admin calls are the
/// same for every emulator.
pub(crate) trait TestClient {
    /// The API base relative paths are appended to.
    fn base(&self) -> &str;
    /// `http://HOST/_sandbox/<provider type>`: the emulator's admin routes.
    fn admin_base(&self) -> &str;
    fn http(&self) -> &reqwest::Client;
    /// A request with the emulator's headers (credentials, `Accept`, …) added.
    fn decorate(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder;

    /// Sends a request to `path` (under the base, or a full URL) with an optional body.
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base())
        };
        let mut request = self.decorate(self.http().request(method, url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::read(request.send().await.expect("answered")).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// An admin call (`path` under the admin base): no credentials.
    async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut request = self
            .http()
            .request(method, format!("{}{path}", self.admin_base()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        Reply::read(request.send().await.expect("answered")).await
    }
}
