//! Test helpers: a sandbox on a free port and a minimal GitLab REST client holding one
//! token. Deliberately independent of the real client (`providers::gitlab::client`), so
//! the emulator tests pin the wire format from the outside, as GitLab's documents state it.

use reqwest::Method;
use serde_json::{Value, json};

use super::demo;
use crate::providers::common::testkit::start;
pub(crate) use crate::providers::common::testkit::{Reply, TestClient};
use crate::sandbox::{SandboxHandle, SandboxOptions};

/// How a request authenticates.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    Private(String),
    Bearer(String),
    Job(String),
    None,
}

/// A GitLab client on the emulator.
#[derive(Clone)]
pub(crate) struct Gl {
    /// `http://127.0.0.1:PORT/gitlab/api/v4`
    pub api: String,
    /// `http://127.0.0.1:PORT/_sandbox/gitlab`
    pub admin: String,
    /// `http://127.0.0.1:PORT/_sandbox`
    pub sandbox: String,
    pub http: reqwest::Client,
    pub auth: Auth,
}

/// The shop project's URL-encoded path, as clients send it.
pub(crate) const SHOP: &str = "/projects/acme%2Fplatform%2Fshop";

impl Gl {
    /// A client holding the demo token.
    pub(crate) fn new(sandbox: &SandboxHandle) -> Self {
        Gl {
            api: format!("{}/api/v4", sandbox.base_url(super::PROVIDER_TYPE)),
            admin: format!("http://{}/_sandbox/{}", sandbox.addr, super::PROVIDER_TYPE),
            sandbox: format!("http://{}/_sandbox", sandbox.addr),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            auth: Auth::Private(demo::GITLAB_TOKEN.to_owned()),
        }
    }

    /// The same client with another credential.
    pub(crate) fn with(&self, auth: Auth) -> Self {
        Gl {
            auth,
            ..self.clone()
        }
    }

    /// The same client holding a personal token the admin API issued for `username`.
    pub(crate) async fn as_user(&self, username: &str) -> Self {
        let token = self
            .admin(
                Method::POST,
                "/tokens",
                Some(json!({ "username": username })),
            )
            .await
            .expect(200);
        self.with(Auth::Private(
            token["token"].as_str().expect("token").to_owned(),
        ))
    }

    /// Every item of a paged list, following `Link: rel="next"` verbatim and checking that
    /// `x-next-page` agrees; also the number of pages.
    pub(crate) async fn walk(&self, first: &str) -> (Vec<Value>, usize) {
        let (mut items, mut pages, mut next) = (Vec::new(), 0, Some(first.to_owned()));
        while let Some(url) = next.take() {
            let reply = self.get(&url).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            pages += 1;
            next = reply.link("next");
            assert_eq!(
                next.is_some(),
                !reply.header("x-next-page").unwrap_or_default().is_empty(),
                "{:?}",
                reply.headers
            );
            items.extend(reply.body.as_array().cloned().unwrap_or_default());
            assert!(pages < 1000, "the Link chain does not end");
        }
        (items, pages)
    }

    /// Creates an environment and returns it.
    pub(crate) async fn environment(&self, project: &str, body: Value) -> Value {
        self.post(&format!("{project}/environments"), body)
            .await
            .expect(201)
    }

    /// Records a deployment through the API.
    pub(crate) async fn deploy(
        &self,
        project: &str,
        environment: &str,
        git_ref: &str,
        sha: &str,
        status: &str,
    ) -> Reply {
        let body = json!({ "environment": environment, "ref": git_ref, "tag": git_ref.starts_with('v'), "sha": sha, "status": status });
        self.post(&format!("{project}/deployments"), body).await
    }

    /// A ref's commit, read through the admin API.
    pub(crate) async fn head(&self, project: &str, branch: &str) -> String {
        let repository = self
            .admin(
                Method::GET,
                &format!("/projects/{project}/repository"),
                None,
            )
            .await
            .expect(200);
        let sha = repository["branches"][branch]
            .as_str()
            .or_else(|| repository["tags"][branch].as_str());
        sha.expect("a known ref").to_owned()
    }
}

impl TestClient for Gl {
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
        match &self.auth {
            Auth::Private(token) => request.header("private-token", token),
            Auth::Bearer(token) => request.header("authorization", format!("Bearer {token}")),
            Auth::Job(token) => request.header("job-token", token),
            Auth::None => request,
        }
    }
}

/// A sandbox with in-memory state and a client on it.
pub(crate) async fn sandbox() -> (SandboxHandle, Gl) {
    let sandbox = start(SandboxOptions::default()).await;
    let gl = Gl::new(&sandbox);
    (sandbox, gl)
}
