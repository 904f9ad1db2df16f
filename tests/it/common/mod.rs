//! The kit shared by the integration tests, provider-neutral: a sandbox on an ephemeral
//! loopback port, a temporary manifest directory, the real binary pointed at both, its
//! environment, the sandbox's request log and admin API, and the manifest fixtures of
//! `tests/fixtures/`.
//!
//! What belongs to one provider type — its demo credentials and their environment
//! variables, the placeholder its fixtures write as `endpoint:`, its own helpers — lives
//! in that provider's module; [`PROVIDERS`] lists them. A new provider is one more
//! module and one more entry there.

pub mod axhub;
pub mod github;
pub mod gitlab;
pub mod ncp;
pub mod nhn;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};

use assert_cmd::Command;
use deployplan::sandbox::{self, DeployTiming, RequestRecord, SandboxHandle, SandboxOptions};

/// One provider type the sandbox emulates, as the tests see it.
pub struct Provider {
    /// The provider type, as a manifest's `type:` names it and the sandbox's URLs hold it.
    pub kind: &'static str,
    /// What a manifest fixture writes as the `endpoint:` of an instance of this type; it is
    /// replaced by the sandbox's base URL for the type.
    pub placeholder: &'static str,
    /// The environment variables that carry the sandbox's demo credentials, with their
    /// values. Every run of the binary gets them (they open nothing outside the sandbox).
    pub credentials: &'static [(&'static str, &'static str)],
}

/// Every provider type the tests know.
pub const PROVIDERS: &[&Provider] = &[
    &ncp::PROVIDER,
    &nhn::PROVIDER,
    &github::PROVIDER,
    &gitlab::PROVIDER,
    &axhub::PROVIDER,
];

/// A manifest of `tests/fixtures/`, by its path there (`"ncp/shop.yaml"`). Its endpoint
/// placeholders are left as they are: [`World::manifest`], [`World::fill`] and
/// [`Standalone::fill`] replace them.
#[track_caller]
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read fixture {}: {err}", path.display()))
}

/// `text` with each provider's endpoint placeholder replaced by `endpoint(provider type)`.
pub fn fill_endpoints(text: &str, endpoint: impl Fn(&str) -> String) -> String {
    PROVIDERS.iter().fold(text.to_owned(), |text, provider| {
        if text.contains(provider.placeholder) {
            text.replace(provider.placeholder, &endpoint(provider.kind))
        } else {
            text
        }
    })
}

/// A sandbox on an ephemeral loopback port, the runtime it runs on, and a temporary
/// directory for the manifest, in which the binary runs.
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
    /// The sandbox's base URL for `provider_type` (`ncp::TYPE`, …).
    pub fn endpoint(&self, provider_type: &str) -> String {
        self.sandbox.base_url(provider_type)
    }

    /// `text` with every provider's endpoint placeholder (`{{NCP}}`, `{{NHN}}`, …) replaced
    /// by this sandbox's URL for that provider.
    pub fn fill(&self, text: &str) -> String {
        fill_endpoints(text, |provider_type| self.endpoint(provider_type))
    }

    /// Writes `deployplan.yaml` with its endpoint placeholders filled (see [`World::fill`]).
    pub fn manifest(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("deployplan.yaml");
        std::fs::write(&path, self.fill(text)).unwrap();
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The environment every run gets: a clean one, with the sandbox's demo credentials of
    /// every provider.
    fn environment(&self) -> Vec<(&'static str, &'static str)> {
        let mut environment = vec![("NO_COLOR", "1")];
        for provider in PROVIDERS {
            environment.extend_from_slice(provider.credentials);
        }
        environment
    }

    /// The real binary, in the manifest directory, with the sandbox's demo credentials in
    /// its environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("deployplan").unwrap();
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.environment());
        cmd
    }

    /// The real binary started in the background (stdin closed, outputs captured), for
    /// tests that act while it runs.
    pub fn spawn(&self, args: &[&str]) -> Child {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("deployplan"))
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.environment())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// Provider requests the sandbox has received so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
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

    /// Reads the sandbox's admin API at `/_sandbox{path}` (`/state`, …) as JSON.
    pub fn admin_get(&self, path: &str) -> serde_json::Value {
        let url = format!("http://{}/_sandbox{path}", self.sandbox.addr);
        self.runtime
            .block_on(async { reqwest::get(&url).await?.json().await })
            .unwrap()
    }

    /// Sends a `faults` setting (latency, injected errors, …) to the sandbox.
    pub fn faults(&self, faults: serde_json::Value) {
        self.admin(reqwest::Method::PUT, "/faults", faults);
    }

    /// Waits (up to a minute) until the sandbox has received a request `matches` accepts;
    /// `what` names it in the failure message.
    #[track_caller]
    pub fn wait_for_request(&self, what: &str, matches: impl Fn(&RequestRecord) -> bool) {
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

    /// The writes sent to the providers' APIs: [`World::writes`] without NHN's token
    /// exchange (a POST that only reads a token).
    pub fn api_writes(&self) -> Vec<String> {
        (self.writes().into_iter())
            .filter(|r| !r.contains("/oauth2/"))
            .collect()
    }

    /// Runs `apply` once with every POST's answer lost after the server processed it, once
    /// with every POST's connection dropped after it: what a create that must happen
    /// exactly once has to survive.
    pub fn lose_every_post_answer(&self, apply: impl Fn() -> Output) {
        for fault in ["error_after_rate", "drop_after_rate"] {
            self.faults(serde_json::json!({ fault: 1.0, "methods": ["POST"], "seed": 11 }));
            let _ = apply();
            self.faults(serde_json::json!({}));
        }
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

/// The real binary in `dir`, without colour, in this process's environment minus every
/// provider's credentials: for runs that bring their own sandbox (`endpoint: sandbox`, or a
/// standalone `deployplan sandbox` whose exports they add).
pub fn binary_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("deployplan").unwrap();
    cmd.current_dir(dir).env("NO_COLOR", "1");
    for provider in PROVIDERS {
        for (variable, _) in provider.credentials {
            cmd.env_remove(variable);
        }
    }
    cmd
}

/// A standalone `deployplan sandbox --listen 127.0.0.1:0`, read up to the end of its banner.
/// It is killed when dropped, if it still runs.
pub struct Standalone {
    pub child: Child,
    /// What it printed before "Press Ctrl-C …", that line included.
    pub banner: String,
}

impl Standalone {
    /// Starts it; `configure` adds arguments or environment to the command.
    pub fn start(configure: impl FnOnce(&mut std::process::Command)) -> Standalone {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("deployplan"));
        command
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped());
        configure(&mut command);
        let mut child = command.spawn().unwrap();
        let mut banner = String::new();
        for line in std::io::BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            banner.push_str(&line);
            banner.push('\n');
            if line.starts_with("Press Ctrl-C") {
                break;
            }
        }
        Standalone { child, banner }
    }

    /// The endpoint the banner gives for `provider_type`.
    #[track_caller]
    pub fn endpoint(&self, provider_type: &str) -> String {
        self.banner
            .lines()
            .find(|l| l.trim_start().starts_with(provider_type))
            .and_then(|l| l.split("endpoint: ").nth(1))
            .unwrap_or_else(|| panic!("no {provider_type} endpoint in:\n{}", self.banner))
            .to_owned()
    }

    /// The `NAME=value` pairs of the banner's `export` lines.
    pub fn exports(&self) -> Vec<(String, String)> {
        self.banner
            .lines()
            .filter_map(|l| l.trim().strip_prefix("export "))
            .flat_map(|l| l.split(' '))
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    /// `text` with every provider's endpoint placeholder replaced by the banner's endpoint.
    pub fn fill(&self, text: &str) -> String {
        fill_endpoints(text, |provider_type| self.endpoint(provider_type))
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The exit code (-1 when a signal ended the process).
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// Asserts the exit code, with both streams shown when it is not the expected one.
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
pub fn rounds(requests: &[RequestRecord], latency_ms: i64) -> Vec<Vec<String>> {
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

/// Each request of each round as its route — the path segments `placeholder` names
/// (given the segments and an index) replaced, the query dropped — counted, so that a
/// snapshot shows the shape of a plan's reads, not the names in one manifest.
pub fn round_shapes(
    rounds: Vec<Vec<String>>,
    placeholder: impl Fn(&[&str], usize) -> Option<&'static str>,
) -> Vec<Vec<String>> {
    let shape = |line: &str| {
        let line = line.split('?').next().unwrap_or_default();
        let original: Vec<&str> = line.split('/').collect();
        let parts: Vec<&str> = (0..original.len())
            .map(|i| placeholder(&original, i).unwrap_or(original[i]))
            .collect();
        parts.join("/")
    };
    rounds
        .into_iter()
        .map(|round| {
            let mut counts = std::collections::BTreeMap::new();
            for line in round {
                *counts.entry(shape(&line)).or_insert(0) += 1;
            }
            counts
                .into_iter()
                .map(|(k, n)| format!("{k} × {n}"))
                .collect()
        })
        .collect()
}

/// Replaces the manifest's last section, from its `key` line on, with the same section of an
/// exported document: what adopting an export means when the section is the manifest's last.
pub fn adopt_section(w: &World, exported: &str, key: &str) {
    let path = w.path().join("deployplan.yaml");
    let manifest = std::fs::read_to_string(&path).unwrap();
    let head = &manifest[..manifest.find(key).unwrap()];
    let section = &exported[exported.find(key).unwrap()..];
    std::fs::write(path, format!("{head}{section}")).unwrap();
}

/// Sends a signal (`INT`, `KILL`, `TERM`, …) to a process the tests started.
pub fn signal(child: &Child, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
}
