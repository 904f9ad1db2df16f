//! The client against a small scripted fake of GitLab's REST API on loopback, mounted under
//! `/gitlab/api/v4` as the sandbox mounts it. The fake records every request, plays
//! scripted answers first, and otherwise keeps environments,
//! protections and deployments the way GitLab does (paged with `x-next-page` and, unless
//! told otherwise, `Link`), so that the tests can count records after lost answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::*;
use crate::providers::common::fake::{self, Canned, Received as Seen, canned, http, respond, text};
use crate::providers::gitlab::wire::{DeploymentStatus, NewDeployment};

mod errors;
mod limits;
mod paging;
mod reads;
mod writes;

const PREFIX: &str = "/gitlab/api/v4";
const TOKEN: &str = "glpat-fakeTokenValue0123456789abcd";
const JOB: &str = "glcbt-64_fakeJobTokenValue987654321";
const SHA: &str = "0b4bc9a49b562e85de7cc9e834518ea6828729b9";

#[derive(Default)]
struct Fake {
    seen: fake::Seen<Seen>,
    script: fake::Script<Canned>,
    next_id: AtomicU64,
    /// Records by collection (`deployments`, `environments`, `protected_environments`),
    /// oldest first.
    records: Mutex<HashMap<&'static str, Vec<Value>>>,
    /// Leave `Link` out of list answers: only `x-next-page` names the next page.
    no_link: AtomicBool,
    base: Mutex<String>,
}

impl Fake {
    fn records(&self, collection: &'static str) -> Vec<Value> {
        self.records
            .lock()
            .unwrap()
            .get(collection)
            .cloned()
            .unwrap_or_default()
    }

    fn add(&self, collection: &'static str, mut record: Value) -> Value {
        if record.get("id").is_none_or(Value::is_null) {
            record["id"] = json!(self.next_id.fetch_add(1, Ordering::SeqCst) + 1);
        }
        self.records
            .lock()
            .unwrap()
            .entry(collection)
            .or_default()
            .push(record.clone());
        record
    }

    /// What the fake does unscripted.
    fn default_answer(&self, method: &str, path: &str, seen: &Seen) -> Canned {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let not_found =
            |what: &str| canned(404, json!({"message": format!("404 {what} Not Found")}));
        match (method, segments.as_slice()) {
            ("GET", ["projects", "acme%2Fplatform%2Fshop" | "7"]) => canned(200, project()),
            ("GET", ["projects", _]) => not_found("Project"),
            ("POST", ["projects", "7", "deployments"]) => {
                let body = seen.json();
                let record = json!({
                    "iid": self.records("deployments").len() + 1, "ref": body["ref"], "sha": body["sha"],
                    "status": body["status"], "deployable": null, "created_at": "2026-01-01T00:00:00Z",
                    "user": {"id": 1, "username": "deployer", "name": "Deployer", "state": "active"},
                    "environment": {"id": 1, "name": body["environment"], "external_url": null}
                });
                canned(201, self.add("deployments", record))
            }
            ("GET", ["projects", "7", "deployments"]) => {
                let mut all: Vec<Value> = self
                    .records("deployments")
                    .into_iter()
                    .filter(|d| {
                        seen.query("environment")
                            .is_none_or(|e| d["environment"]["name"] == e)
                    })
                    .collect();
                if seen.query("sort") == Some("desc") {
                    all.reverse();
                }
                self.page(path, seen, all)
            }
            ("POST", ["projects", "7", "environments"]) => {
                let body = seen.json();
                if self
                    .records("environments")
                    .iter()
                    .any(|e| e["name"] == body["name"])
                {
                    return canned(
                        400,
                        json!({"message": {"name": ["has already been taken"]}}),
                    );
                }
                let record =
                    json!({"name": body["name"], "state": "available", "tier": body["tier"]});
                canned(201, self.add("environments", record))
            }
            ("GET", ["projects", "7", "environments"]) => {
                let all: Vec<Value> = self
                    .records("environments")
                    .into_iter()
                    .filter(|e| seen.query("name").is_none_or(|n| e["name"] == n))
                    .collect();
                self.page(path, seen, all)
            }
            ("POST", ["projects", "7", "protected_environments"]) => {
                canned(201, self.add("protected_environments", seen.json()))
            }
            ("GET", ["projects", "7", "protected_environments"]) => {
                self.page(path, seen, self.records("protected_environments"))
            }
            ("GET", ["projects", "7", "protected_environments", name]) => {
                let name = decode(name);
                match self
                    .records("protected_environments")
                    .into_iter()
                    .find(|p| p["name"] == name)
                {
                    Some(found) => canned(200, found),
                    None => canned(404, json!({"message": "404 Not found"})),
                }
            }
            _ => canned(404, json!({"message": "404 Not Found"})),
        }
    }

    /// One page of `items` as `page` and `per_page` ask, with GitLab's paging headers.
    fn page(&self, path: &str, seen: &Seen, items: Vec<Value>) -> Canned {
        let per_page: usize = seen
            .query("per_page")
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        let page: usize = seen.query("page").and_then(|v| v.parse().ok()).unwrap_or(1);
        let start = (page - 1) * per_page;
        let slice: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
        let more = start + per_page < items.len();
        let next = if more {
            (page + 1).to_string()
        } else {
            String::new()
        };
        let mut answer = canned(200, Value::Array(slice))
            .header("x-page", page.to_string())
            .header("x-per-page", per_page.to_string())
            .header("x-next-page", next);
        if more && !self.no_link.load(Ordering::SeqCst) {
            let mut query: Vec<String> = seen
                .query
                .iter()
                .filter(|(k, _)| k != "page")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            query.push(format!("page={}", page + 1));
            let base = self.base.lock().unwrap().clone();
            let link = format!("<{base}{path}?{}>; rel=\"next\"", query.join("&"));
            answer = answer.header("link", link);
        }
        answer
    }
}

fn project() -> Value {
    json!({"id": 7, "name": "shop", "path": "shop", "path_with_namespace": "acme/platform/shop",
           "namespace": {"id": 3, "full_path": "acme/platform", "kind": "group"},
           "default_branch": "main", "web_url": "https://gitlab.example/acme/platform/shop",
           "shared_with_groups": [{"group_id": 9, "group_name": "release-managers",
                                   "group_full_path": "acme/release-managers", "group_access_level": 30}]})
}

/// A raw path segment, decoded.
fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

async fn handle(State(fake): State<Arc<Fake>>, request: Request) -> Response {
    let seen = Seen::read(PREFIX, request).await;
    fake.seen.push(seen.clone());
    let private = seen.header("private-token") == Some(TOKEN);
    let job = seen.header("job-token") == Some(JOB);
    if !private && !job {
        return respond(canned(401, json!({"message": "401 Unauthorized"})));
    }
    let answer = fake.script.answer(&seen, || {
        fake.default_answer(&seen.method, &seen.path, &seen)
    });
    respond(answer)
}

/// A fake on a free port; the second value is the instance URL a manifest would name.
async fn start() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new().fallback(handle).with_state(Arc::clone(&fake));
    let addr = fake::serve(app).await;
    *fake.base.lock().unwrap() = format!("http://{addr}{PREFIX}");
    (fake, format!("http://{addr}/gitlab"))
}

fn client(base: &str) -> GitlabClient {
    GitlabClient::new(base, Token::Private(TOKEN.to_owned()), http()).unwrap()
}

fn new_deployment(git_ref: &str, status: DeploymentStatus) -> NewDeployment {
    NewDeployment {
        environment: "production".into(),
        sha: SHA.into(),
        git_ref: git_ref.into(),
        tag: false,
        status,
    }
}
