//! Shared helpers of the integration tests: a sandbox on an ephemeral loopback port, a
//! temporary manifest directory, and the real binary pointed at both.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use deployplan::sandbox::{self, DeployTiming, SandboxHandle, SandboxOptions};

pub struct World {
    pub sandbox: SandboxHandle,
    pub dir: tempfile::TempDir,
    pub runtime: tokio::runtime::Runtime,
}

/// A sandbox with fast deployments on 127.0.0.1:0 and an empty manifest directory.
pub fn world() -> World {
    world_with(DeployTiming::Timed {
        waiting_ms: 50,
        running_ms: 250,
    })
}

pub fn world_with(timing: DeployTiming) -> World {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let options = SandboxOptions {
        deploy_timing: timing,
        ..SandboxOptions::default()
    };
    let sandbox = runtime
        .block_on(sandbox::start("127.0.0.1:0".parse().unwrap(), options))
        .unwrap();
    World {
        sandbox,
        dir: tempfile::tempdir().unwrap(),
        runtime,
    }
}

impl World {
    pub fn ncp_url(&self) -> String {
        self.sandbox.base_url("ncp-sourcedeploy")
    }

    /// Writes `deployplan.yaml`, replacing `{{NCP}}` with the sandbox's NCP base URL.
    pub fn manifest(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("deployplan.yaml");
        std::fs::write(&path, text.replace("{{NCP}}", &self.ncp_url())).unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The environment every run gets: a clean one, with the sandbox's demo credentials of
    /// every emulator (they open nothing outside the sandbox).
    fn environment(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PATH", std::env::var("PATH").unwrap_or_default()),
            ("NO_COLOR", "1".into()),
            ("NCLOUD_ACCESS_KEY", sandbox::demo::NCP_ACCESS_KEY.into()),
            ("NCLOUD_SECRET_KEY", sandbox::demo::NCP_SECRET_KEY.into()),
            ("NHN_DEPLOY_APP_KEY", sandbox::demo::NHN_APP_KEY.into()),
            ("NHN_ACCESS_KEY_ID", sandbox::demo::NHN_ACCESS_KEY_ID.into()),
            (
                "NHN_SECRET_ACCESS_KEY",
                sandbox::demo::NHN_SECRET_ACCESS_KEY.into(),
            ),
        ]
    }

    /// The real binary, with the sandbox's demo credentials in its environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("deployplan").unwrap();
        cmd.current_dir(self.dir.path())
            .env_clear()
            .envs(self.environment());
        cmd
    }

    /// The real binary started in the background (stdin closed, outputs captured), for
    /// tests that act while it runs.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("deployplan"))
            .current_dir(self.dir.path())
            .env_clear()
            .envs(self.environment())
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Provider requests the sandbox has received so far.
    pub fn requests(&self) -> Vec<sandbox::RequestRecord> {
        self.sandbox.requests()
    }

    /// Calls the sandbox's admin API at `/_sandbox{path}` and asserts it succeeded.
    pub fn admin(&self, method: reqwest::Method, path: &str, body: serde_json::Value) {
        let url = format!("http://{}/_sandbox{path}", self.sandbox.addr);
        let response = self
            .runtime
            .block_on(async {
                reqwest::Client::new()
                    .request(method, &url)
                    .json(&body)
                    .send()
                    .await
            })
            .unwrap();
        assert!(
            response.status().is_success(),
            "admin {path}: {}",
            response.status()
        );
    }

    /// Waits (up to a minute) until the sandbox has received a request `matches` accepts;
    /// `what` names it in the failure message.
    #[track_caller]
    pub fn wait_for_request(&self, what: &str, matches: impl Fn(&sandbox::RequestRecord) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !self.requests().iter().any(&matches) {
            assert!(
                std::time::Instant::now() < deadline,
                "{what} never happened"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.admin(reqwest::Method::DELETE, "/requests", serde_json::json!({}));
    }

    /// Writes (non-GET) requests received so far.
    pub fn writes(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit code, with both streams shown when it is not the expected one.
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

#[track_caller]
pub fn assert_code(output: &Output, expected: i32) {
    assert_eq!(
        code(output),
        expected,
        "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The requests grouped into dependent rounds, by arrival, under an injected latency of
/// `latency_ms`: a request sent after another's answer arrives at least `latency_ms` later,
/// while requests sent together arrive within a few milliseconds. So a new round starts at
/// the first request that arrives more than half the latency after its round's first one.
/// Each request is shown as `METHOD path`.
pub fn rounds(requests: &[sandbox::RequestRecord], latency_ms: i64) -> Vec<Vec<String>> {
    let mut sorted = requests.to_vec();
    sorted.sort_by_key(|r| (r.at_ms, r.seq));
    let mut rounds: Vec<(i64, Vec<String>)> = Vec::new();
    for request in sorted {
        let line = format!("{} {}", request.method, request.path);
        match rounds.last_mut() {
            Some((start, round)) if request.at_ms - *start < latency_ms / 2 => round.push(line),
            _ => rounds.push((request.at_ms, vec![line])),
        }
    }
    rounds.into_iter().map(|(_, round)| round).collect()
}

/// Sends a signal (`INT`, `KILL`, …) to a process started with [`World::spawn`].
pub fn signal(child: &std::process::Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
}
