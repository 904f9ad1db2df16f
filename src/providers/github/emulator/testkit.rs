//! Test helpers: a sandbox on a free port and a minimal GitHub REST client.
//!
//! Deliberately independent of the real client (`providers::github::client`), so emulator
//! tests pin the wire format from the outside, the way GitHub's documents state it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use crypto_box::PublicKey;
use crypto_box::aead::OsRng;
use serde_json::{Value, json};

use super::demo;
pub(crate) use crate::providers::common::testkit::start;
use crate::sandbox::{SandboxHandle, SandboxOptions};

pub(crate) use crate::providers::common::testkit::{Reply, TestClient};

/// GitHub's error shape, asserted on an answer.
pub(crate) trait GithubReply {
    /// Asserts a GitHub error: status, a message containing `message`, `documentation_url`.
    fn error(&self, status: u16, message: &str);
}

impl GithubReply for Reply {
    fn error(&self, status: u16, message: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let text = self.body["message"].as_str().unwrap_or_default();
        assert!(
            text.contains(message),
            "message {text:?} should mention {message:?}"
        );
        assert!(self.body["documentation_url"].is_string(), "{}", self.body);
    }
}

/// A GitHub client holding the demo token, on one of the two mounts.
#[derive(Clone)]
pub(crate) struct Gh {
    /// `http://127.0.0.1:PORT/github` or `…/github/api/v3`.
    pub base: String,
    /// `http://127.0.0.1:PORT/_sandbox/github`
    pub admin: String,
    pub http: reqwest::Client,
    /// The `Authorization` header sent; `None` sends none.
    pub authorization: Option<String>,
    /// Whether requests carry `X-GitHub-Api-Version` (Enterprise Server 3.8 refuses it).
    pub api_version: bool,
}

impl Gh {
    /// A client on the github.com mount.
    pub(crate) fn new(sandbox: &SandboxHandle) -> Self {
        Gh {
            base: sandbox.base_url(super::PROVIDER_TYPE),
            admin: format!("http://{}/_sandbox/{}", sandbox.addr, super::PROVIDER_TYPE),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            authorization: Some(format!("Bearer {}", demo::GITHUB_TOKEN)),
            api_version: true,
        }
    }

    /// The same client on the Enterprise Server mount.
    pub(crate) fn enterprise(&self) -> Self {
        Gh {
            base: format!("{}/api/v3", self.base),
            ..self.clone()
        }
    }

    /// Every item of a paged list, following `Link: rel="next"` verbatim; `key` picks the
    /// items out of a wrapped list (`None` for a bare array). Also the number of pages.
    pub(crate) async fn walk(&self, first: &str, key: Option<&str>) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut pages = 0;
        let mut next = Some(first.to_owned());
        while let Some(url) = next {
            let reply = self.get(&url).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            pages += 1;
            let list = match key {
                Some(key) => reply.body[key].clone(),
                None => reply.body.clone(),
            };
            items.extend(list.as_array().cloned().unwrap_or_default());
            next = reply.link("next");
            assert!(pages < 1000, "the Link chain does not end");
        }
        (items, pages)
    }

    /// Creates a deployment the deterministic way (`auto_merge: false`, no contexts).
    pub(crate) async fn deploy(&self, repo: &str, environment: &str, git_ref: &str) -> Value {
        let body = json!({ "ref": git_ref, "environment": environment, "auto_merge": false, "required_contexts": [] });
        self.post(&format!("/repos/{repo}/deployments"), body)
            .await
            .expect(201)
    }

    /// Posts a status on a deployment.
    pub(crate) async fn status(&self, repo: &str, id: &Value, body: Value) -> Value {
        self.post(&format!("/repos/{repo}/deployments/{id}/statuses"), body)
            .await
            .expect(201)
    }

    /// Seals `value` for an environment's public key: `(key_id, encrypted_value)`.
    pub(crate) async fn seal(&self, env_path: &str, value: &str) -> (String, String) {
        let key = self
            .get(&format!("{env_path}/secrets/public-key"))
            .await
            .expect(200);
        let bytes: [u8; 32] = STANDARD
            .decode(key["key"].as_str().expect("key"))
            .expect("base64")
            .try_into()
            .expect("32 bytes");
        let sealed = PublicKey::from(bytes)
            .seal(&mut OsRng, value.as_bytes())
            .expect("sealed");
        (
            key["key_id"].as_str().expect("key_id").to_owned(),
            STANDARD.encode(sealed),
        )
    }
}

impl TestClient for Gh {
    fn base(&self) -> &str {
        &self.base
    }

    fn admin_base(&self) -> &str {
        &self.admin
    }

    fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn decorate(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut request = request
            .header("accept", "application/vnd.github+json")
            .header("user-agent", "emulator-tests");
        if self.api_version {
            request = request.header("x-github-api-version", "2022-11-28");
        }
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        request
    }
}

/// A sandbox with in-memory state and a client on it.
pub(crate) async fn sandbox() -> (SandboxHandle, Gh) {
    let sandbox = start(SandboxOptions::default()).await;
    let gh = Gh::new(&sandbox);
    (sandbox, gh)
}
