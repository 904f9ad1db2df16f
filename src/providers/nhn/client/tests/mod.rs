//! The client against a small fake Deploy API and token endpoint on loopback, mounted under
//! `/nhn-deploy` as the sandbox mounts it. The fake checks the bearer tokens it issued, so
//! these tests pin the token life cycle, the envelope handling, paging, what travels in an
//! upload and which failures are repeated.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::Digest as _;

use super::*;
use crate::providers::common::fake::{self, http};

mod auth;
mod history;
mod reads;
mod routes;
mod transfer;

use routes::{bearer, handle, header, token, upload};

const PREFIX: &str = "/nhn-deploy";
const API: &str = "/api/v2.1/projects/app-key-1";
const KEY_ID: &str = "UAK-TEST-ID-0001";
const KEY_SECRET: &str = "uak-test-secret-0123456789";
const STATIC_TOKEN: &str = "static-token-abcdef";

/// One API request as the fake saw it (token exchanges are counted apart).
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path below `API`.
    path: String,
    query: HashMap<String, String>,
    token: Option<String>,
    content_type: Option<String>,
    body: String,
}

/// A scripted answer. `cut_after` serves that many body bytes, then breaks the connection.
struct Canned {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    cut_after: Option<usize>,
}

fn canned(status: u16, body: Value) -> Canned {
    Canned {
        status,
        content_type: "application/json",
        body: body.to_string().into_bytes(),
        cut_after: None,
    }
}

/// A successful envelope around `body`.
fn ok(body: Value) -> Canned {
    canned(
        200,
        json!({"header": {"isSuccessful": true, "serverTime": 1, "resultCode": "SUCCESS",
                          "resultMessage": "success"}, "body": body}),
    )
}

/// A refusal envelope with HTTP `status`.
fn refused(status: u16, code: &str, message: &str) -> Canned {
    canned(
        status,
        json!({"header": {"isSuccessful": false, "serverTime": 1, "resultCode": code,
                          "resultMessage": message}}),
    )
}

/// What an upload delivered.
#[derive(Debug, Clone, Default)]
struct Received {
    fields: HashMap<String, String>,
    file_name: Option<String>,
    file_content_type: Option<String>,
    file_len: u64,
    file_sha256: Vec<u8>,
}

#[derive(Default)]
struct Fake {
    seen: fake::Seen<Seen>,
    /// Scripted answers by `METHOD /path-below-API`, served before the default behaviour.
    script: fake::Script<Canned>,
    token_calls: AtomicUsize,
    /// Lifetime of issued tokens in seconds (0 = the default, an hour).
    expires_in: AtomicU64,
    issued: Mutex<Vec<(String, Instant, u64)>>,
    revoked: Mutex<HashSet<String>>,
    artifacts: Mutex<Vec<Value>>,
    binaries: Mutex<Vec<Value>>,
    histories: Mutex<Vec<Value>>,
    /// The largest page the fake serves, whatever `pageSize` asks (0 = no limit).
    page_cap: AtomicUsize,
    uploads: Mutex<Vec<Received>>,
    download: Mutex<Vec<u8>>,
}

impl Fake {
    fn on(&self, key: &str, answers: impl IntoIterator<Item = Canned>) {
        self.script.on(key, answers);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.all()
    }

    fn paths(&self) -> Vec<String> {
        self.seen()
            .into_iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }

    fn token_calls(&self) -> usize {
        self.token_calls.load(Ordering::SeqCst)
    }

    fn revoke_all(&self) {
        let issued = self.issued.lock().unwrap();
        self.revoked
            .lock()
            .unwrap()
            .extend(issued.iter().map(|(t, _, _)| t.clone()));
    }

    /// Whether the request carries a token the fake issued and still honours.
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(token) = bearer(headers) else {
            return false;
        };
        if token == STATIC_TOKEN {
            return true;
        }
        if self.revoked.lock().unwrap().contains(&token) {
            return false;
        }
        let issued = self.issued.lock().unwrap();
        issued
            .iter()
            .any(|(t, at, life)| *t == token && at.elapsed() < Duration::from_secs(*life))
    }

    fn record(&self, method: &Method, uri: &Uri, headers: &HeaderMap, body: String) -> String {
        let path = uri
            .path()
            .strip_prefix(PREFIX)
            .unwrap_or("")
            .strip_prefix(API)
            .unwrap_or("")
            .to_owned();
        let query = reqwest::Url::parse(&format!("http://fake{uri}"))
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        self.seen.push(Seen {
            method: method.to_string(),
            path: path.clone(),
            query,
            token: bearer(headers),
            content_type: header(headers, "content-type"),
            body,
        });
        format!("{method} {path}")
    }

    fn scripted(&self, key: &str) -> Option<Canned> {
        self.script.next(key)
    }
}

async fn start() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let app = Router::new()
        .route(&format!("{PREFIX}/oauth2/token/create"), post(token))
        .route(
            &format!("{PREFIX}{API}/artifacts/{{artifact}}/binary-group/{{group}}"),
            post(upload),
        )
        .fallback(handle)
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::clone(&fake));
    let addr = fake::serve(app).await;
    (fake, format!("http://{addr}{PREFIX}"))
}

fn client_with(base: &str, auth: NhnAuth) -> NhnClient {
    NhnClient::new(base, base, "app-key-1", auth, http())
}

fn client(base: &str) -> NhnClient {
    client_with(
        base,
        NhnAuth::AccessKey {
            id: KEY_ID.into(),
            secret: KEY_SECRET.into(),
        },
    )
}
