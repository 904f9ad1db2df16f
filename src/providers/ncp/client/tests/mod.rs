//! The client against a small fake SourceDeploy on loopback. The fake is mounted under
//! `/prefix` (like the sandbox mounts each provider) and checks every signature against the
//! URI it received below that prefix, so these tests pin what is signed, what is sent, and
//! which failures are retried.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::*;

mod reads;
mod retries;
mod writes;
use crate::providers::common::fake::{self, http};
use crate::providers::http::{HttpConfig, HttpError};
use crate::providers::ncp::wire::{
    IdName, ScenarioConfig, ScenarioRequest, StageConfig, StageRequest,
};

const PREFIX: &str = "/prefix";
const ACCESS: &str = "AKIDTESTCLIENT000000";
const SECRET: &str = "SK-client-test-secret-0123456789abcdef";

/// One request as the fake saw it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path and query below the mount prefix: exactly what must have been signed.
    uri: String,
    signed: bool,
    region: Option<String>,
    content_type: Option<String>,
    accept: Option<String>,
    body: String,
}

struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: String,
    delay: Duration,
}

fn canned(status: u16, body: Value) -> Canned {
    Canned {
        status,
        headers: Vec::new(),
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
        delay: Duration::ZERO,
    }
}

#[derive(Default)]
struct Fake {
    seen: fake::Seen<Seen>,
    projects: Mutex<Vec<IdName>>,
    /// Scripted answers by `METHOD /path`, served before the default behaviour.
    script: fake::Script<Canned>,
}

impl Fake {
    fn on(&self, key: &str, answers: impl IntoIterator<Item = Canned>) {
        self.script.on(key, answers);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.all()
    }

    fn uris(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .map(|s| format!("{} {}", s.method, s.uri))
            .collect()
    }

    fn add_projects<'a>(&self, names: impl IntoIterator<Item = &'a str>) {
        let mut projects = self.projects.lock().unwrap();
        for name in names {
            let id = 1000 + projects.len() as i64;
            projects.push(IdName {
                id,
                name: name.to_owned(),
            });
        }
    }
}

async fn respond(answer: Canned) -> Response {
    tokio::time::sleep(answer.delay).await;
    let mut response = Response::builder()
        .status(answer.status)
        .header("content-type", "application/json");
    for (name, value) in &answer.headers {
        response = response.header(*name, value);
    }
    response.body(answer.body.into()).unwrap()
}

fn error(status: u16, code: &str, message: &str) -> Canned {
    canned(
        status,
        json!({"error": {"errorCode": code, "message": message, "details": ""}}),
    )
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let full = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let Some(below) = full.strip_prefix(PREFIX) else {
        return respond(error(404, "300", "not under the mount prefix")).await;
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let signed = match (
        header(signature::HEADER_TIMESTAMP),
        header(signature::HEADER_ACCESS_KEY),
        header(signature::HEADER_SIGNATURE_V2),
    ) {
        (Some(ts), Some(key), Some(sig)) => {
            key == ACCESS
                && ts
                    .parse::<u128>()
                    .is_ok_and(|t| t.abs_diff(now_ms()) < 60_000)
                && signature::verify(method.as_str(), below, &ts, &key, SECRET, &sig)
        }
        _ => false,
    };
    fake.seen.push(Seen {
        method: method.to_string(),
        uri: below.to_owned(),
        signed,
        region: header(signature::HEADER_REGION),
        content_type: header("content-type"),
        accept: header("accept"),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if !signed {
        return respond(canned(
            401,
            json!({"error": {"errorCode": "200", "message": "Authentication Failed",
                             "details": "Invalid authentication information."}}),
        ))
        .await;
    }
    let path = below.split('?').next().unwrap_or_default();
    let key = format!("{method} {path}");
    if let Some(answer) = fake.script.next(&key) {
        return respond(answer).await;
    }
    match key.as_str() {
        "GET /api/v1/project" => {
            let Query(q) = Query::<HashMap<String, String>>::try_from_uri(&uri).unwrap();
            let number =
                |k: &str, default: usize| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(default);
            let (page_no, page_size) = (number("pageNo", 1), number("pageSize", 100));
            let filter = q.get("projectName").cloned().unwrap_or_default();
            let answer = {
                let projects = fake.projects.lock().unwrap();
                let page: Vec<&IdName> = projects
                    .iter()
                    .filter(|p| p.name.contains(&filter))
                    .skip((page_no - 1) * page_size)
                    .take(page_size)
                    .collect();
                canned(200, json!({"result": {"projectList": page}}))
            };
            respond(answer).await
        }
        "POST /api/v1/project" => {
            let name = serde_json::from_slice::<Value>(&body).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned();
            fake.add_projects([name.as_str()]);
            let created = fake.projects.lock().unwrap().last().cloned().unwrap();
            respond(canned(200, json!({"result": created}))).await
        }
        _ => respond(error(404, "300", "Not Found Exception")).await,
    }
}

async fn start() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new().fallback(handle).with_state(Arc::clone(&fake));
    let addr = fake::serve(app).await;
    (fake, format!("http://{addr}{PREFIX}"))
}

fn client_with(base: &str, secret: &str, region: Option<&str>) -> NcpClient {
    let credentials = NcpCredentials {
        access_key: ACCESS.into(),
        secret_key: secret.into(),
    };
    NcpClient::new(base, region.map(str::to_owned), credentials, http())
}

fn client(base: &str) -> NcpClient {
    client_with(base, SECRET, None)
}

fn ok(result: Value) -> Canned {
    canned(200, json!({ "result": result }))
}
