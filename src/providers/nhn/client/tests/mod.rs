//! The client against a small fake Deploy API and token endpoint on loopback, mounted under
//! `/nhn-deploy` as the sandbox mounts it. The fake checks the bearer tokens it issued, so
//! these tests pin the token life cycle, the envelope handling, paging, what travels in an
//! upload and which failures are repeated.

use std::collections::{HashMap, HashSet, VecDeque};
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
use crate::providers::http::HttpConfig;

mod auth;
mod history;
mod reads;
mod transfer;

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
    file_len: u64,
    file_sha256: Vec<u8>,
}

#[derive(Default)]
struct Fake {
    seen: Mutex<Vec<Seen>>,
    /// Scripted answers by `METHOD /path-below-API`, served before the default behaviour.
    script: Mutex<HashMap<String, VecDeque<Canned>>>,
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
        let mut script = self.script.lock().unwrap();
        script.entry(key.to_owned()).or_default().extend(answers);
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
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
        self.seen.lock().unwrap().push(Seen {
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
        self.script
            .lock()
            .unwrap()
            .get_mut(key)
            .and_then(VecDeque::pop_front)
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    header(headers, "x-nhn-authorization")?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

/// A reader that yields `data`, then fails: a body cut off mid-way.
struct Cut(std::io::Cursor<Vec<u8>>);

impl tokio::io::AsyncRead for Cut {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.0.position() < self.0.get_ref().len() as u64 {
            return std::pin::Pin::new(&mut self.0).poll_read(cx, buf);
        }
        std::task::Poll::Ready(Err(std::io::Error::other("cut off")))
    }
}

fn respond(answer: Canned) -> Response {
    let response = Response::builder()
        .status(answer.status)
        .header("content-type", answer.content_type);
    match answer.cut_after {
        None => response.body(answer.body.into()).unwrap(),
        Some(n) => {
            let full = answer.body.len();
            let head = answer.body[..n.min(full)].to_vec();
            let stream = tokio_util::io::ReaderStream::new(Cut(std::io::Cursor::new(head)));
            response
                .header("content-length", full)
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }
}

fn unauthorized() -> Response {
    respond(refused(401, "UNAUTHORIZED", "invalid or expired token"))
}

async fn token(State(fake): State<Arc<Fake>>, headers: HeaderMap, body: String) -> Response {
    fake.token_calls.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(30)).await;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
    let form = header(&headers, "content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if header(&headers, "authorization") != Some(format!("Basic {basic}"))
        || body != "grant_type=client_credentials"
        || !form
    {
        return respond(canned(
            401,
            json!({"error": "invalid_client", "error_description": "Bad client credentials"}),
        ));
    }
    let life = match fake.expires_in.load(Ordering::SeqCst) {
        0 => 3600,
        n => n,
    };
    let mut issued = fake.issued.lock().unwrap();
    let token = format!("token-{}-{}", issued.len() + 1, "x".repeat(16));
    issued.push((token.clone(), Instant::now(), life));
    respond(canned(
        200,
        json!({"access_token": token, "token_type": "Bearer", "expires_in": life}),
    ))
}

async fn upload(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    // The whole body is read before answering, as a real server would.
    let mut received = Received::default();
    while let Ok(Some(mut field)) = multipart.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "binaryFile" {
            received.file_name = field.file_name().map(str::to_owned);
            let mut hasher = sha2::Sha256::new();
            while let Ok(Some(chunk)) = field.chunk().await {
                received.file_len += chunk.len() as u64;
                hasher.update(&chunk);
            }
            received.file_sha256 = hasher.finalize().to_vec();
        } else {
            received
                .fields
                .insert(name, field.text().await.unwrap_or_default());
        }
    }
    let key = fake.record(&method, &uri, &headers, String::new());
    if !fake.authorized(&headers) {
        return unauthorized();
    }
    fake.uploads.lock().unwrap().push(received.clone());
    if let Some(answer) = fake.scripted(&key) {
        return respond(answer);
    }
    respond(ok(
        json!({"downloadUrl": format!("http://x{API}{}/binaries/77", key.trim_start_matches("POST ")),
                      "binaryKey": 77}),
    ))
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = fake.record(
        &method,
        &uri,
        &headers,
        String::from_utf8_lossy(&body).into_owned(),
    );
    if !fake.authorized(&headers) {
        return unauthorized();
    }
    if let Some(answer) = fake.scripted(&key) {
        return respond(answer);
    }
    let seen = fake.seen().pop().unwrap();
    let q = |name: &str| seen.query.get(name).cloned().unwrap_or_default();
    let page = |items: Vec<Value>| {
        let number = |name: &str, default: usize| q(name).parse().unwrap_or(default);
        let cap = match fake.page_cap.load(Ordering::SeqCst) {
            0 => usize::MAX,
            n => n,
        };
        let size = number("pageSize", 20).min(cap);
        let total = items.len();
        let page: Vec<Value> = items
            .into_iter()
            .skip((number("pageNum", 1) - 1) * size)
            .take(size)
            .collect();
        (total, page)
    };
    let segments: Vec<&str> = seen.path.split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["", "artifacts"]) => {
            let filter = q("artifactName");
            let list: Vec<Value> = fake
                .artifacts
                .lock()
                .unwrap()
                .iter()
                .filter(|a| a["name"].as_str().unwrap().contains(&filter))
                .cloned()
                .collect();
            respond(ok(json!({"artifacts": list})))
        }
        ("GET", ["", "artifacts", _, "binary-groups", _, "binaries"]) => {
            let keyword = q("keyword");
            let list: Vec<Value> = fake
                .binaries
                .lock()
                .unwrap()
                .iter()
                .filter(|b| b["version"].as_str().unwrap().contains(&keyword))
                .cloned()
                .collect();
            let (total, items) = page(list);
            respond(ok(json!({"totalCount": total, "binaries": items})))
        }
        ("GET", ["", "artifacts", _, "deploy-histories"]) => {
            let (from, to) = (q("deploymentYearFrom"), q("deploymentYearTo"));
            let list: Vec<Value> = fake
                .histories
                .lock()
                .unwrap()
                .iter()
                .filter(|h| {
                    let date = &h["executeDate"].as_str().unwrap()[..10];
                    date >= from.as_str()
                        && date <= to.as_str()
                        && h["serverGroupId"].to_string() == q("serverGroupId")
                })
                .cloned()
                .collect();
            let (total, items) = page(list);
            respond(ok(json!({"totalCount": total, "deployHistories": items})))
        }
        ("GET", ["", "artifacts", _, "binary-group", _, "binaries", "77"]) => respond(Canned {
            status: 200,
            content_type: "application/octet-stream",
            body: fake.download.lock().unwrap().clone(),
            cut_after: None,
        }),
        _ => respond(refused(
            200,
            "NOT_FOUND_ARTIFACT_INFO",
            "artifact not found",
        )),
    }
}

async fn start() -> (Arc<Fake>, String) {
    let fake = Arc::new(Fake::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new()
        .route(&format!("{PREFIX}/oauth2/token/create"), post(token))
        .route(
            &format!("{PREFIX}{API}/artifacts/{{artifact}}/binary-group/{{group}}"),
            post(upload),
        )
        .fallback(handle)
        .layer(DefaultBodyLimit::disable())
        .with_state(Arc::clone(&fake));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, format!("http://{addr}{PREFIX}"))
}

fn http() -> HttpClient {
    HttpClient::new(HttpConfig {
        request_timeout: Duration::from_secs(5),
        sleep_on_retry: false,
        ..HttpConfig::default()
    })
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
