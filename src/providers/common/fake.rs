//! The pieces of a scripted fake API that each client's tests run against: answers queued
//! per `METHOD /path` (canned, or lost after being carried out), the requests it saw as they
//! came, a loopback server, and an HTTP client that does not sleep between retries. What
//! the fake checks (signatures, tokens) and answers by default is each provider's own, in
//! its `client/tests/`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::Value;

use crate::providers::http::{HttpClient, HttpConfig};

/// Answers queued by `METHOD /path`, each served once and in order, before the fake's
/// default behaviour for that route.
pub(crate) struct Script<A>(Mutex<HashMap<String, VecDeque<A>>>);

impl<A> Default for Script<A> {
    fn default() -> Self {
        Script(Mutex::new(HashMap::new()))
    }
}

impl<A> Script<A> {
    /// Queues `answers` for `key`, after any still queued.
    pub(crate) fn on(&self, key: &str, answers: impl IntoIterator<Item = A>) {
        let mut script = self.0.lock().unwrap();
        script.entry(key.to_owned()).or_default().extend(answers);
    }

    /// The next queued answer for `key`, if any.
    pub(crate) fn next(&self, key: &str) -> Option<A> {
        self.0
            .lock()
            .unwrap()
            .get_mut(key)
            .and_then(VecDeque::pop_front)
    }
}

impl Script<Canned> {
    /// The answer to `request`: the next one scripted for its `METHOD /path` (the request
    /// carried out by `default` first when the answer says so), else `default`'s own.
    pub(crate) fn answer(&self, request: &Received, default: impl Fn() -> Canned) -> Canned {
        match self.next(&format!("{} {}", request.method, request.path)) {
            Some(answer) => {
                if answer.process {
                    default();
                }
                answer
            }
            None => default(),
        }
    }
}

/// The requests a fake saw, in order.
pub(crate) struct Seen<T>(Mutex<Vec<T>>);

impl<T> Default for Seen<T> {
    fn default() -> Self {
        Seen(Mutex::new(Vec::new()))
    }
}

impl Seen<Received> {
    /// `METHOD /path` of every request so far.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect()
    }

    /// How many requests were `key` (`METHOD /path`).
    pub(crate) fn hits(&self, key: &str) -> usize {
        self.keys().iter().filter(|k| *k == key).count()
    }
}

impl<T: Clone> Seen<T> {
    /// Records one request, as the fake's handler saw it.
    pub(crate) fn push(&self, request: T) {
        self.0.lock().unwrap().push(request);
    }

    /// Every request so far.
    pub(crate) fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }
}

/// A header map of `pairs`, for answers built in tests.
pub(crate) fn headers(pairs: &[(&'static str, &str)]) -> reqwest::header::HeaderMap {
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in pairs {
        map.insert(
            *name,
            reqwest::header::HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

/// Serves `app` on a free loopback port until the test's runtime ends.
pub(crate) async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// The HTTP client of a client under test: a short timeout, and retries without the
/// backoff sleeps, so retry tests take no time.
pub(crate) fn http() -> HttpClient {
    HttpClient::new(HttpConfig {
        request_timeout: Duration::from_secs(5),
        sleep_on_retry: false,
        ..HttpConfig::default()
    })
}

/// One request as a fake saw it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    /// The raw (still encoded) path below the fake's prefix.
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    /// Header names in lower case.
    pub(crate) headers: HashMap<String, String>,
    pub(crate) body: String,
}

impl Received {
    /// Reads `request` whole; `prefix` is cut from its path.
    pub(crate) async fn read(prefix: &str, request: axum::extract::Request) -> Received {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let query = reqwest::Url::parse(&format!("http://fake{}", parts.uri))
            .map(|url| url.query_pairs().into_owned().collect())
            .unwrap_or_default();
        Received {
            method: parts.method.to_string(),
            path: parts
                .uri
                .path()
                .strip_prefix(prefix)
                .unwrap_or("")
                .to_owned(),
            query,
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// The first value of query parameter `key`.
    pub(crate) fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The value of header `name` (lower case).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The body as JSON (`null` when it is none).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// A scripted answer. With `process`, the fake first does what it does by default (creates
/// the record), then answers this instead: a lost answer. `cut_after` serves that many body
/// bytes, then breaks the connection.
#[derive(Debug, Clone)]
pub(crate) struct Canned {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) cut_after: Option<usize>,
    pub(crate) process: bool,
}

/// An answer with a JSON body.
pub(crate) fn canned(status: u16, body: Value) -> Canned {
    text(status, &body.to_string())
}

/// An answer whose body is text as given (a gateway's page, a rate limiter's `Retry later`).
pub(crate) fn text(status: u16, body: &str) -> Canned {
    Canned {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
        cut_after: None,
        process: false,
    }
}

impl Canned {
    /// The answer with one more header.
    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// The request is carried out, then the connection drops mid-answer.
    pub(crate) fn processed_then_cut(self) -> Self {
        Canned {
            cut_after: Some(2),
            process: true,
            ..self
        }
    }

    /// The request is carried out, and this is answered instead.
    pub(crate) fn processed(self) -> Self {
        Canned {
            process: true,
            ..self
        }
    }
}

/// Serves a canned answer (as JSON unless its headers say otherwise), cut off after
/// `cut_after` body bytes if set.
pub(crate) fn respond(answer: Canned) -> Response {
    let mut response = Response::builder().status(answer.status);
    if !answer
        .headers
        .iter()
        .any(|(name, _)| *name == "content-type")
    {
        response = response.header("content-type", "application/json; charset=utf-8");
    }
    for (name, value) in &answer.headers {
        response = response.header(*name, value);
    }
    match answer.cut_after {
        None => response.body(answer.body.into()).unwrap(),
        Some(n) => {
            let full = answer.body.len();
            let head = Bytes::from(answer.body[..n.min(full)].to_vec());
            let stream = futures_util::stream::iter([
                Ok::<_, std::io::Error>(head),
                Err(std::io::Error::other("connection dropped")),
            ]);
            response
                .header("content-length", full)
                .body(Body::from_stream(stream))
                .unwrap()
        }
    }
}
