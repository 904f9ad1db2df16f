//! The client against a small scripted fake of AxHub's API v1 on loopback, mounted under
//! `/axhub/api/v1` as the sandbox mounts it. The fake records every request, plays scripted
//! answers first, and otherwise keeps deployments the way AxHub does (newest first, paged
//! with `limit` and `offset`), so that the tests can count deployments after lost answers.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::*;
use crate::providers::common::fake::{self, Canned, Received as Seen, canned, http, respond, text};

mod errors;
mod reads;
mod writes;

const PREFIX: &str = "/axhub/api/v1";
const TOKEN: &str = "axhub_pat_fakeTokenValue0123456789abcd";
const SHA: &str = "0b4bc9a49b562e85de7cc9e834518ea6828729b9";
const APP: &str = "a0000000-0000-4000-8000-000000000001";
const TENANT: &str = "t0000000-0000-4000-8000-000000000001";

#[derive(Default)]
struct Fake {
    seen: fake::Seen<Seen>,
    script: fake::Script<Canned>,
    /// Deployments, newest first.
    deployments: Mutex<Vec<Value>>,
    next_id: AtomicUsize,
    /// Apps the tenant has.
    apps: AtomicUsize,
    /// Answer every list with its first page, whatever `offset` says.
    ignore_offset: AtomicBool,
}

impl Fake {
    fn deployments(&self) -> Vec<Value> {
        self.deployments.lock().unwrap().clone()
    }

    fn add_deployment(&self, commit: &str, trigger: &str, started_at: &str) -> Value {
        let n = self.next_id.fetch_add(1, Ordering::SeqCst) + 1;
        let record = json!({
            "id": format!("d0000000-0000-4000-8000-{n:012}"), "app_id": APP, "commit_sha": commit,
            "status": "pending", "current_stage": "pending", "trigger_source": trigger,
            "image_uri": null, "failure_reason": null, "started_at": started_at,
            "completed_at": null, "ci_status": "queued", "stages": []
        });
        self.deployments.lock().unwrap().insert(0, record.clone());
        record
    }

    /// What the fake does unscripted.
    fn default_answer(&self, seen: &Seen) -> Canned {
        let segments: Vec<&str> = seen.path.trim_start_matches('/').split('/').collect();
        let not_found = || {
            canned(
                404,
                json!({"error": {"category": "not_found", "code": "not_found",
                "message": "app not found", "request_id": seen.header("x-request-id"), "retryable": false}}),
            )
        };
        match (seen.method.as_str(), segments.as_slice()) {
            ("GET", ["tenants"]) => self.page(
                seen,
                vec![
                    json!({"id": TENANT, "slug": "acme", "name": "Acme", "plan": "team"}),
                    json!({"id": "t2", "slug": "other", "name": "Other"}),
                ],
            ),
            ("GET", ["tenants", TENANT, "apps"]) => {
                let apps = (0..self.apps.load(Ordering::SeqCst))
                    .map(|i| app(&format!("app-{i}"), &format!("slug-{i}")))
                    .collect();
                self.page(seen, apps)
            }
            ("GET", ["apps", APP]) => canned(200, app(APP, "shop")),
            ("GET", ["apps", APP, "git-connection"]) => canned(
                200,
                json!({
                "connected": true, "provider": "github", "repo_full_name": "acme/shop",
                "branch": "main", "installation_id": 12345, "webhook_active": true}),
            ),
            ("POST", ["apps", APP, "git", "github", "connect"]) => {
                let body = seen.json();
                canned(
                    201,
                    json!({"provider": "github", "repo_full_name": body["repo_full_name"],
                    "branch": body["branch"], "installation_id": body["installation_id"]}),
                )
            }
            ("PATCH", ["apps", APP, "git-connection"]) => {
                canned(200, json!({"branch": seen.json()["branch"]}))
            }
            ("DELETE", ["apps", APP, "git-connection"]) => text(204, ""),
            ("PUT", ["apps", APP, "staging"]) => canned(202, json!({"status": "seeding"})),
            ("DELETE", ["apps", APP, "staging"]) if seen.json()["confirm_discard_ops"] == true => {
                text(204, "")
            }
            ("DELETE", ["apps", APP, "staging"]) => canned(
                412,
                json!({"error": {
                "category": "precondition_failed", "code": "precondition_failed",
                "message": "confirm_discard_ops must be true", "retryable": false}}),
            ),
            ("GET", ["apps", APP, "deployments"]) => self.page(seen, self.deployments()),
            ("POST", ["apps", APP, "deployments"]) => {
                let commit = seen.json()["commit_sha"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let now = jiff::Timestamp::now().to_string();
                canned(202, self.add_deployment(&commit, "manual", &now))
            }
            ("GET", ["apps", APP, "deployments", id]) => {
                match self.deployments().into_iter().find(|d| d["id"] == *id) {
                    Some(found) => canned(200, found),
                    None => not_found(),
                }
            }
            ("POST", ["apps", APP, "deployments", _, "cancel"]) => text(204, ""),
            ("POST", ["apps", APP, "deployments", _, "rollback"]) => canned(202, json!({})),
            ("GET", ["apps", APP, "releases"]) => self.page(
                seen,
                vec![json!({
                "version": 3, "deployment_id": "d3", "commit_sha": SHA, "image_uri": "reg/x:3",
                "created_at": "2026-01-01T00:00:00Z", "active_production": true,
                "active_staging": false, "approved": true, "notes": "new key"})],
            ),
            ("GET", ["apps", APP, "deployments", _, "diagnoses"]) => canned(
                200,
                json!({
                "summary": "rollout timed out", "items": [{"kind": "pod", "reason": "CrashLoopBackOff"}]}),
            ),
            _ => not_found(),
        }
    }

    /// One page of `items` as `limit` and `offset` ask, with `total` and a `next_cursor`
    /// the client must not follow.
    fn page(&self, seen: &Seen, items: Vec<Value>) -> Canned {
        let limit: usize = seen
            .query("limit")
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        let offset: usize = match self.ignore_offset.load(Ordering::SeqCst) {
            true => 0,
            false => seen
                .query("offset")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        };
        let slice: Vec<Value> = items.iter().skip(offset).take(limit).cloned().collect();
        canned(
            200,
            json!({"items": slice, "total": items.len(), "next_cursor": "opaque-cursor"}),
        )
    }
}

fn app(id: &str, slug: &str) -> Value {
    json!({"id": id, "tenant_id": TENANT, "slug": slug, "name": "Shop", "subdomain": "shop",
           "status": "active", "last_deployment_status": "succeeded", "access_url": null,
           "production_deployment_id": null, "staging_enabled": false, "staging_required": null,
           "deploy_method": "dockerfile", "visibility": "private"})
}

async fn handle(State(fake): State<Arc<Fake>>, request: Request) -> Response {
    let seen = Seen::read(PREFIX, request).await;
    fake.seen.push(seen.clone());
    if seen.header("x-api-key") != Some(TOKEN) {
        return respond(canned(
            401,
            json!({"error": {"category": "unauthenticated",
            "code": "token_invalid", "message": "invalid token", "retryable": true}}),
        ));
    }
    let answer = fake.script.answer(&seen, || fake.default_answer(&seen));
    respond(answer)
}

/// A fake on a free port; the second value is the endpoint a manifest would name.
async fn start() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    fake.apps.store(3, Ordering::SeqCst);
    let app = Router::new().fallback(handle).with_state(Arc::clone(&fake));
    let addr = fake::serve(app).await;
    (fake, format!("http://{addr}/axhub"))
}

fn client(base: &str) -> AxhubClient {
    AxhubClient::new(base, Token(TOKEN.to_owned()), http()).unwrap()
}

/// An error envelope as AxHub sends it.
fn envelope(code: &str, category: &str, message: &str) -> Value {
    json!({"error": {"category": category, "code": code, "message": message,
                     "request_id": "srv-req-1", "retryable": false}})
}
