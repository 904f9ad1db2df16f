//! The client against a small scripted fake of GitHub's REST API on loopback, mounted under
//! `/github` as the sandbox mounts it. The fake records every request (headers, raw path,
//! query, body), plays scripted answers first, and otherwise keeps deployments and their
//! statuses the way GitHub does (newest first, paged with `Link`), so that the tests can
//! count records after lost answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::*;
use crate::providers::common::fake::{self, Canned, Received as Seen, canned, http, respond};

mod enterprise;
mod errors;
mod limits;
mod paths;
mod reads;
mod writes;

const PREFIX: &str = "/github";
const TOKEN: &str = "ghp_fakeTokenValue0123456789abcdef";

#[derive(Default)]
struct Fake {
    seen: fake::Seen<Seen>,
    script: fake::Script<Canned>,
    next_id: AtomicI64,
    /// Deployments, oldest first.
    deployments: Mutex<Vec<Value>>,
    /// Statuses by deployment id, oldest first.
    statuses: Mutex<HashMap<i64, Vec<Value>>>,
    /// File created deployments under this environment name, as GitHub does when the
    /// environment exists with another spelling.
    environment_spelling: Mutex<Option<String>>,
    /// Answer 400 to any request carrying `X-GitHub-Api-Version`.
    refuse_version: AtomicBool,
    /// `X-GitHub-Enterprise-Version` on every answer, as an Enterprise Server sends it.
    enterprise: Mutex<Option<String>>,
    base: Mutex<String>,
}

impl Fake {
    fn deployments(&self) -> Vec<Value> {
        self.deployments.lock().unwrap().clone()
    }

    fn statuses(&self, id: i64) -> Vec<Value> {
        self.statuses
            .lock()
            .unwrap()
            .get(&id)
            .cloned()
            .unwrap_or_default()
    }

    fn id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// What the fake does unscripted: deployments and statuses as GitHub keeps them.
    fn default_answer(&self, method: &str, path: &str, seen: &Seen) -> Canned {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (method, segments.as_slice()) {
            ("POST", ["repos", _, _, "deployments"]) => {
                let mut body = seen.json();
                if let Some(spelling) = self.environment_spelling.lock().unwrap().clone() {
                    body["environment"] = json!(spelling);
                }
                let record = json!({
                    "id": self.id(), "node_id": "D", "sha": "a84d88e7554fc1fa21bcbc4efae3c782a70d2b9d",
                    "ref": body["ref"], "task": body["task"], "payload": body["payload"],
                    "environment": body["environment"], "description": body["description"],
                    "created_at": "2026-01-01T00:00:00Z", "creator": null
                });
                self.deployments.lock().unwrap().push(record.clone());
                canned(201, record)
            }
            ("GET", ["repos", _, _, "deployments"]) => {
                let wanted = |record: &&Value, key: &str| {
                    seen.query(key)
                        .is_none_or(|v| record[key].as_str() == Some(v))
                };
                let mut all: Vec<Value> = self
                    .deployments()
                    .iter()
                    .filter(|d| wanted(d, "environment") && wanted(d, "task"))
                    .cloned()
                    .collect();
                all.reverse();
                self.page(path, seen, all)
            }
            ("POST", ["repos", _, _, "deployments", id, "statuses"]) => {
                let id: i64 = id.parse().unwrap_or(0);
                let mut status = seen.json();
                status["id"] = json!(self.id());
                status["deployment_url"] = json!(format!("/deployments/{id}"));
                self.statuses
                    .lock()
                    .unwrap()
                    .entry(id)
                    .or_default()
                    .push(status.clone());
                canned(201, status)
            }
            ("GET", ["repos", _, _, "deployments", id, "statuses"]) => {
                let mut all = self.statuses(id.parse().unwrap_or(0));
                all.reverse();
                self.page(path, seen, all)
            }
            _ => canned(
                404,
                json!({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}),
            ),
        }
    }

    /// One page of `items` as `page` and `per_page` ask, with GitHub's `Link` header.
    fn page(&self, path: &str, seen: &Seen, items: Vec<Value>) -> Canned {
        let per_page: usize = seen
            .query("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(30);
        let page: usize = seen.query("page").and_then(|v| v.parse().ok()).unwrap_or(1);
        let start = (page - 1) * per_page;
        let slice: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
        let mut answer = canned(200, Value::Array(slice));
        if start + per_page < items.len() {
            let mut query: Vec<String> = seen
                .query
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            query.push(format!("page={}", page + 1));
            let base = self.base.lock().unwrap().clone();
            answer = answer.header(
                "link",
                format!("<{base}{path}?{}>; rel=\"next\"", query.join("&")),
            );
        }
        answer
    }
}

async fn handle(State(fake): State<Arc<Fake>>, request: Request) -> Response {
    let seen = Seen::read(PREFIX, request).await;
    fake.seen.push(seen.clone());
    if seen.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
        return respond(canned(
            401,
            json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        ));
    }
    if fake.refuse_version.load(Ordering::SeqCst) && seen.header("x-github-api-version").is_some() {
        return respond(canned(
            400,
            json!({"message": "The version you specified in the \"X-GitHub-Api-Version\" request header is not a supported version."}),
        ));
    }
    let answer = fake.script.answer(&seen, || {
        fake.default_answer(&seen.method, &seen.path, &seen)
    });
    match fake.enterprise.lock().unwrap().clone() {
        Some(release) => respond(answer.header("x-github-enterprise-version", release)),
        None => respond(answer),
    }
}

async fn start() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new().fallback(handle).with_state(Arc::clone(&fake));
    let addr = fake::serve(app).await;
    let base = format!("http://{addr}{PREFIX}");
    *fake.base.lock().unwrap() = base.clone();
    (fake, base)
}

fn client(base: &str) -> GithubClient {
    GithubClient::new(base, TOKEN, http()).unwrap()
}

fn repo() -> RepoRef {
    RepoRef::parse("octo-org/shop").unwrap()
}
