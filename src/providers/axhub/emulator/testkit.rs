//! Test helpers: a sandbox on a free port and a minimal AxHub client holding one token.
//! Deliberately independent of the real client, so the emulator tests pin the wire format
//! from the outside, as AxHub's documents and SDKs state it.

use reqwest::Method;
use serde_json::{Value, json};

use super::{demo, seed};
pub(crate) use crate::providers::common::testkit::{Reply, TestClient, start, start_with};
use crate::sandbox::{DeployTiming, SandboxHandle, SandboxOptions};

/// Short timings for tests that watch a deployment finish on the clock.
pub(crate) const FAST: DeployTiming = DeployTiming::Timed {
    waiting_ms: 30,
    running_ms: 90,
};

/// An AxHub client on the emulator.
#[derive(Clone)]
pub(crate) struct Ax {
    /// `http://127.0.0.1:PORT/axhub/api/v1`
    pub api: String,
    /// `http://127.0.0.1:PORT/_sandbox/axhub`
    pub admin: String,
    pub http: reqwest::Client,
    /// `X-Api-Key` (or `None`: no credential).
    pub token: Option<String>,
    /// `Authorization: Bearer` instead of `X-Api-Key`.
    pub bearer: bool,
}

/// A seeded app's id.
pub(crate) fn app_id(slug: &str) -> String {
    seed::uuid(&format!("app/{slug}"))
}

impl Ax {
    /// A client holding the demo token.
    pub(crate) fn new(sandbox: &SandboxHandle) -> Self {
        Ax {
            api: format!("{}/api/v1", sandbox.base_url(super::PROVIDER_TYPE)),
            admin: format!("http://{}/_sandbox/{}", sandbox.addr, super::PROVIDER_TYPE),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            token: Some(demo::AXHUB_TOKEN.to_owned()),
            bearer: false,
        }
    }

    /// The same client with another credential.
    pub(crate) fn with(&self, token: Option<&str>, bearer: bool) -> Self {
        Ax {
            token: token.map(str::to_owned),
            bearer,
            ..self.clone()
        }
    }

    /// `POST /apps/{app}/deployments` with `body`.
    pub(crate) async fn deploy(&self, slug: &str, body: Value) -> Reply {
        self.post(&format!("/apps/{}/deployments", app_id(slug)), body)
            .await
    }

    /// A deployment as the API shows it.
    pub(crate) async fn deployment(&self, slug: &str, id: &str) -> Value {
        self.get(&format!("/apps/{}/deployments/{id}", app_id(slug)))
            .await
            .expect(200)
    }

    /// An admin control on one deployment (`advance`, `finish`, …).
    pub(crate) async fn control(&self, slug: &str, id: &str, action: &str, body: Value) -> Value {
        self.admin(
            Method::POST,
            &format!("/apps/{slug}/deployments/{id}/{action}"),
            Some(body),
        )
        .await
        .expect(200)
    }

    /// The head of `main` of a seeded repository, read through the admin API.
    pub(crate) async fn head(&self, repo: &str) -> String {
        let repo = self
            .admin(Method::GET, &format!("/repos/{repo}"), None)
            .await
            .expect(200);
        repo["branches"]["main"].as_str().expect("main").to_owned()
    }

    /// Image builds since the seed.
    pub(crate) async fn builds(&self) -> u64 {
        let body = self.admin(Method::GET, "/builds", None).await.expect(200);
        body["builds"].as_u64().expect("builds")
    }

    /// Sets how the app's next deployments end.
    pub(crate) async fn outcome(&self, slug: &str, body: Value) {
        self.admin(Method::PUT, &format!("/apps/{slug}/outcome"), Some(body))
            .await
            .expect(200);
    }

    /// Polls a deployment until it is terminal (on the clock).
    pub(crate) async fn wait(&self, slug: &str, id: &str) -> Value {
        for _ in 0..200 {
            let deployment = self.deployment(slug, id).await;
            let status = deployment["status"].as_str().unwrap_or_default().to_owned();
            if ["succeeded", "failed", "cancelled"].contains(&status.as_str()) {
                return deployment;
            }
            tokio::time::sleep(std::time::Duration::from_millis(15)).await;
        }
        panic!("deployment {id} never finished");
    }
}

impl TestClient for Ax {
    fn base(&self) -> &str {
        &self.api
    }

    fn admin_base(&self) -> &str {
        &self.admin
    }

    fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn decorate(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = request.header("accept", "application/json");
        match (&self.token, self.bearer) {
            (Some(token), false) => request.header("x-api-key", token),
            (Some(token), true) => request.header("authorization", format!("Bearer {token}")),
            (None, _) => request,
        }
    }
}

/// A sandbox whose deployments move only by admin calls, and a client on it.
pub(crate) async fn manual() -> (SandboxHandle, Ax) {
    let sandbox = start_with(DeployTiming::Manual).await;
    let ax = Ax::new(&sandbox);
    (sandbox, ax)
}

/// A sandbox on [`FAST`] timings, and a client on it.
pub(crate) async fn timed() -> (SandboxHandle, Ax) {
    let sandbox = start(SandboxOptions {
        deploy_timing: FAST,
        ..SandboxOptions::default()
    })
    .await;
    let ax = Ax::new(&sandbox);
    (sandbox, ax)
}

/// An empty JSON body.
pub(crate) fn none() -> Value {
    json!({})
}
