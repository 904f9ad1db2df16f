//! Test helpers: a sandbox on a free port and a minimal Deploy client.
//!
//! Deliberately independent of the real client (`providers::nhn::client`), so emulator tests
//! pin the wire format from the outside, the way the guide states it.

use base64::Engine;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use super::demo;
use crate::providers::common::testkit::read_answer;
pub(crate) use crate::providers::common::testkit::{Answer, start, start_with};
use crate::sandbox::{DeployTiming, SandboxHandle};

/// Short timings for tests that watch a deployment finish.
pub(crate) const FAST: DeployTiming = DeployTiming::Timed {
    waiting_ms: 20,
    running_ms: 80,
};

/// A Deploy client holding one bearer token.
#[derive(Clone)]
pub(crate) struct Nhn {
    /// `http://127.0.0.1:PORT/nhn-deploy`
    pub base: String,
    /// `http://127.0.0.1:PORT/_sandbox/nhn-deploy`
    pub admin: String,
    pub http: reqwest::Client,
    pub token: String,
}

/// `Authorization: Basic …` for a key pair.
pub(crate) fn basic(id: &str, secret: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    format!("Basic {encoded}")
}

async fn answer(response: reqwest::Response) -> Answer {
    read_answer(response).await.expect("body read")
}

impl Nhn {
    /// A client with a fresh token from the token endpoint.
    pub(crate) async fn connect(sandbox: &SandboxHandle) -> Self {
        let mut nhn = Nhn {
            base: sandbox.base_url(super::PROVIDER_TYPE),
            admin: format!("http://{}/_sandbox/{}", sandbox.addr, super::PROVIDER_TYPE),
            http: reqwest::Client::new(),
            token: String::new(),
        };
        let (status, body) = nhn
            .issue(demo::NHN_ACCESS_KEY_ID, demo::NHN_SECRET_ACCESS_KEY)
            .await;
        assert_eq!(status, 200, "token: {body}");
        nhn.token = body["access_token"].as_str().expect("token").to_owned();
        nhn
    }

    /// `POST /oauth2/token/create` with a key pair.
    pub(crate) async fn issue(&self, id: &str, secret: &str) -> Answer {
        let response = self
            .http
            .post(format!("{}/oauth2/token/create", self.base))
            .header("authorization", basic(id, secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("answered");
        answer(response).await
    }

    /// The full URL of `/api/v2.1/projects/{demo app key}{tail}`.
    pub(crate) fn api(&self, tail: &str) -> String {
        format!(
            "{}/api/v2.1/projects/{}{tail}",
            self.base,
            demo::NHN_APP_KEY
        )
    }

    fn authorized(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        builder.header("X-NHN-AUTHORIZATION", format!("Bearer {}", self.token))
    }

    pub(crate) async fn get(&self, tail: &str) -> Answer {
        let response = self.authorized(self.http.get(self.api(tail))).send().await;
        answer(response.expect("answered")).await
    }

    pub(crate) async fn post_json(&self, tail: &str, body: Value) -> Answer {
        let request = self.authorized(self.http.post(self.api(tail))).json(&body);
        answer(request.send().await.expect("answered")).await
    }

    /// Uploads a multipart form to a binary group.
    pub(crate) async fn upload(&self, artifact: i64, group: i64, form: Form) -> Answer {
        let url = self.api(&format!("/artifacts/{artifact}/binary-group/{group}"));
        let request = self.authorized(self.http.post(url)).multipart(form);
        answer(request.send().await.expect("answered")).await
    }

    /// Uploads `bytes` as version `version` of `shop-server`; the binary key.
    pub(crate) async fn upload_server(&self, version: &str, bytes: &[u8]) -> i64 {
        let form = server_form(version, "shop.tar.gz", bytes.to_vec());
        let (status, body) = self.upload(101, 301, form).await;
        assert_eq!(status, 200, "upload: {body}");
        body["body"]["binaryKey"]
            .as_str()
            .and_then(|key| key.parse().ok())
            .expect("binary key")
    }

    /// Runs a deployment on a server group of `shop`.
    pub(crate) async fn deploy(&self, group: i64, body: Value) -> Answer {
        self.post_json(&format!("/artifacts/101/server-group/{group}/deploy"), body)
            .await
    }

    /// The history of `shop` with extra query parameters.
    pub(crate) async fn history(&self, query: &str) -> Answer {
        self.get(&format!("/artifacts/101/deploy-histories{query}"))
            .await
    }

    /// The `totalResult` of one run in today's history.
    pub(crate) async fn total_result(&self, deploy_key: i64) -> String {
        let (status, body) = self.history("?pageSize=100").await;
        assert_eq!(status, 200, "history: {body}");
        body["body"]["deployHistories"]
            .as_array()
            .and_then(|entries| {
                entries
                    .iter()
                    .find(|entry| entry["deployKey"] == deploy_key)
            })
            .and_then(|entry| entry["totalResult"].as_str())
            .unwrap_or_else(|| panic!("deploy {deploy_key} not in history: {body}"))
            .to_owned()
    }

    pub(crate) async fn admin_put(&self, path: &str, body: Value) -> Answer {
        let request = self.http.put(format!("{}{path}", self.admin)).json(&body);
        answer(request.send().await.expect("answered")).await
    }

    pub(crate) async fn admin_post(&self, path: &str, body: Value) -> Answer {
        let request = self.http.post(format!("{}{path}", self.admin)).json(&body);
        answer(request.send().await.expect("answered")).await
    }

    pub(crate) async fn admin_get(&self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{path}", self.admin));
        answer(request.send().await.expect("answered")).await
    }

    /// Sets how `shop`'s group `group` deploys from now on.
    pub(crate) async fn set_outcome(&self, group: &str, outcome: &str, hosts: Option<Value>) {
        let mut rule = json!({ "artifact": "shop", "server_group": group, "outcome": outcome });
        if let Some(hosts) = hosts {
            rule["hosts"] = hosts;
        }
        let (status, body) = self.admin_put("/outcomes", rule).await;
        assert_eq!(status, 200, "outcome: {body}");
    }
}

/// A server upload form (`applicationType=server`, `version`, file `name`).
pub(crate) fn server_form(version: &str, name: &str, bytes: Vec<u8>) -> Form {
    Form::new()
        .text("applicationType", "server")
        .text("version", version.to_owned())
        .part(
            "binaryFile",
            Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .unwrap(),
        )
}

/// Asserts an error envelope: status, `isSuccessful: false`, result code, and a message
/// containing `message`.
pub(crate) fn assert_error((status, body): &Answer, http: u16, code: &str, message: &str) {
    assert_eq!(*status, http, "{body}");
    assert_eq!(body["header"]["isSuccessful"], false, "{body}");
    assert_eq!(body["header"]["resultCode"], code, "{body}");
    let text = body["header"]["resultMessage"].as_str().unwrap_or_default();
    assert!(
        text.contains(message),
        "resultMessage {text:?} should mention {message:?}"
    );
    assert!(
        body["header"]["serverTime"].as_i64().unwrap_or(0) > 0,
        "{body}"
    );
}

/// Asserts a success envelope and returns its body.
pub(crate) fn success((status, body): Answer) -> Value {
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["header"]["isSuccessful"], true, "{body}");
    assert_eq!(body["header"]["resultCode"], "SUCCESS", "{body}");
    assert_eq!(body["header"]["resultMessage"], "success", "{body}");
    body["body"].clone()
}
