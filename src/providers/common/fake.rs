//! The pieces of a scripted fake API that each client's tests run against: answers queued
//! per `METHOD /path`, the requests it saw, a loopback server, and an HTTP client that does
//! not sleep between retries. What the fake checks (signatures, tokens) and answers by
//! default is each provider's own, in its `client/tests/`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;

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

/// The requests a fake saw, in order.
pub(crate) struct Seen<T>(Mutex<Vec<T>>);

impl<T> Default for Seen<T> {
    fn default() -> Self {
        Seen(Mutex::new(Vec::new()))
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
