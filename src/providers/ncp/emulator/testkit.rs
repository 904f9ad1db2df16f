//! Test helpers: a sandbox on a free port and a minimal signing SourceDeploy client.
//!
//! Deliberately independent of the real client (`providers::ncp::client`) so emulator tests
//! pin the wire format from the outside, the way `providers.md` states it.

use serde_json::{Value, json};

use super::demo;
use crate::providers::common::testkit::read_answer;
pub(crate) use crate::providers::common::testkit::{Answer, start, start_with};
use crate::providers::ncp::signature;
use crate::sandbox::{DeployTiming, SandboxHandle};

/// A signing client for the emulator.
#[derive(Clone)]
pub(crate) struct Ncp {
    pub base: String,
    pub http: reqwest::Client,
    pub access_key: String,
    pub secret_key: String,
    /// Added to the real clock when stamping requests.
    pub skew_ms: i64,
    pub signature_header: &'static str,
}

impl Ncp {
    pub(crate) fn new(sandbox: &SandboxHandle) -> Self {
        Ncp {
            base: sandbox.base_url(super::PROVIDER_TYPE),
            http: reqwest::Client::new(),
            access_key: demo::ACCESS_KEY.to_owned(),
            secret_key: demo::SECRET_KEY.to_owned(),
            skew_ms: 0,
            signature_header: signature::HEADER_SIGNATURE_V2,
        }
    }

    /// Sends one signed request; `path_and_query` is what gets signed (no mount prefix).
    pub(crate) async fn try_call(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> reqwest::Result<Answer> {
        let timestamp = (jiff::Timestamp::now().as_millisecond() + self.skew_ms).to_string();
        let sig = signature::sign(
            method,
            path_and_query,
            &timestamp,
            &self.access_key,
            &self.secret_key,
        );
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("valid method");
        let mut request = self
            .http
            .request(method, format!("{}{path_and_query}", self.base))
            .header(signature::HEADER_TIMESTAMP, timestamp)
            .header(signature::HEADER_ACCESS_KEY, &self.access_key)
            .header(self.signature_header, sig);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read_answer(request.send().await?).await
    }

    pub(crate) async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<Value>,
    ) -> Answer {
        self.try_call(method, path_and_query, body)
            .await
            .expect("request answered")
    }

    pub(crate) async fn get(&self, path_and_query: &str) -> Answer {
        self.call("GET", path_and_query, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> Answer {
        self.call("POST", path, Some(body)).await
    }

    pub(crate) async fn post_empty(&self, path: &str) -> Answer {
        self.call("POST", path, None).await
    }

    pub(crate) async fn patch(&self, path: &str, body: Value) -> Answer {
        self.call("PATCH", path, Some(body)).await
    }

    pub(crate) async fn delete(&self, path: &str) -> Answer {
        self.call("DELETE", path, None).await
    }

    /// Creates a project and returns its id.
    pub(crate) async fn project(&self, name: &str) -> i64 {
        let (status, body) = self.post("/api/v1/project", json!({ "name": name })).await;
        assert_eq!(status, 200, "create project: {body}");
        body["result"]["id"].as_i64().expect("project id")
    }

    /// Creates a stage and returns its id.
    pub(crate) async fn stage(
        &self,
        project: i64,
        name: &str,
        target_type: &str,
        config: Value,
    ) -> i64 {
        let body = json!({ "name": name, "type": target_type, "config": config });
        let (status, body) = self
            .post(&format!("/api/v1/project/{project}/stage"), body)
            .await;
        assert_eq!(status, 200, "create stage: {body}");
        body["result"]["id"].as_i64().expect("stage id")
    }

    /// Creates a scenario and returns its id.
    pub(crate) async fn scenario(
        &self,
        project: i64,
        stage: i64,
        name: &str,
        config: Value,
    ) -> i64 {
        let path = format!("/api/v1/project/{project}/stage/{stage}/scenario");
        let (status, body) = self
            .post(&path, json!({ "name": name, "config": config }))
            .await;
        assert_eq!(status, 200, "create scenario: {body}");
        body["result"]["id"].as_i64().expect("scenario id")
    }

    /// A project `shop` with a Server stage `dev` (web-1, web-2) and scenario `deploy`.
    pub(crate) async fn server_setup(&self, project_name: &str) -> (i64, i64, i64) {
        let project = self.project(project_name).await;
        let stage = self
            .stage(
                project,
                "dev",
                "Server",
                json!({ "serverNo": [1011, 1012] }),
            )
            .await;
        let scenario = self
            .scenario(project, stage, "deploy", server_config())
            .await;
        (project, stage, scenario)
    }

    /// Starts a deployment and returns its history id.
    pub(crate) async fn deploy(&self, (project, stage, scenario): (i64, i64, i64)) -> i64 {
        let path = format!("/api/v1/project/{project}/stage/{stage}/scenario/{scenario}/deploy");
        let (status, body) = self.post_empty(&path).await;
        assert_eq!(status, 200, "deploy: {body}");
        body["result"]["historyId"].as_i64().expect("history id")
    }

    /// The status of one deployment.
    pub(crate) async fn status(&self, project: i64, history: i64) -> String {
        let (status, body) = self
            .get(&format!("/api/v1/project/{project}/history/{history}"))
            .await;
        assert_eq!(status, 200, "history detail: {body}");
        body["result"]["status"]
            .as_str()
            .expect("status")
            .to_owned()
    }

    /// Polls until the deployment reaches a terminal status (at most ten seconds).
    pub(crate) async fn wait_terminal(&self, project: i64, history: i64) -> String {
        for _ in 0..400 {
            let status = self.status(project, history).await;
            if crate::providers::ncp::wire::history_status::is_terminal(&status) {
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("deployment {history} did not finish");
    }
}

/// A valid Server scenario config (SourceBuild file).
pub(crate) fn server_config() -> Value {
    json!({
        "strategy": "normal",
        "file": { "type": "SourceBuild", "SourceBuild": { "id": 5001 } },
        "rollback": true,
        "cmd": {
            "pre": [{ "user": "root", "cmd": "echo pre" }],
            "deploy": [{ "sourcePath": "/", "deployPath": "/srv/shop" }],
            "post": [{ "user": "root", "cmd": "echo post" }]
        }
    })
}

/// Short timings for tests that watch a deployment finish.
pub(crate) const FAST: DeployTiming = DeployTiming::Timed {
    waiting_ms: 60,
    running_ms: 120,
};
