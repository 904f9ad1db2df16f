//! The retry loop against a real loopback server that plays back scripted answers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::*;

/// One scripted answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: &'static str,
    delay: Duration,
}

fn reply(status: u16) -> Reply {
    Reply {
        status,
        headers: Vec::new(),
        body: "",
        delay: Duration::ZERO,
    }
}

#[derive(Default)]
struct Script {
    replies: Mutex<HashMap<String, VecDeque<Reply>>>,
    hits: Mutex<Vec<String>>,
}

impl Script {
    fn on(&self, path: &str, replies: impl IntoIterator<Item = Reply>) {
        self.replies
            .lock()
            .unwrap()
            .entry(path.to_owned())
            .or_default()
            .extend(replies);
    }

    fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| *p == path)
            .count()
    }
}

async fn play(
    axum::extract::State(script): axum::extract::State<Arc<Script>>,
    method: Method,
    uri: Uri,
) -> Response {
    let path = uri.path().to_owned();
    script.hits.lock().unwrap().push(path.clone());
    let next = script
        .replies
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    let Some(reply) = next else {
        return (StatusCode::OK, format!("{method} default")).into_response();
    };
    tokio::time::sleep(reply.delay).await;
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    response.body(reply.body.into()).unwrap()
}

async fn serve() -> (String, Arc<Script>) {
    let script = Arc::new(Script::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().fallback(play).with_state(Arc::clone(&script));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), script)
}

fn client(sleep_on_retry: bool) -> HttpClient {
    HttpClient::try_new(HttpConfig {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(500),
        sleep_on_retry,
        ..HttpConfig::default()
    })
    .unwrap()
}

#[tokio::test]
async fn safe_requests_are_retried_on_5xx_and_429_until_they_succeed() {
    let (base, script) = serve().await;
    script.on(
        "/a",
        [
            reply(503),
            reply(502),
            Reply {
                headers: vec![("retry-after", "0".into())],
                ..reply(429)
            },
            Reply {
                body: "done",
                ..reply(200)
            },
        ],
    );
    let http = client(false);
    let mut built = 0;
    let response = http
        .send(Retry::Safe, |c| {
            built += 1;
            c.get(format!("{base}/a"))
        })
        .await
        .unwrap();
    assert_eq!((response.status, response.text().as_ref()), (200, "done"));
    assert_eq!(response.attempts, 4);
    assert_eq!(built, 4, "a fresh request is built for every attempt");
    assert_eq!(script.hits("/a"), 4);
    let stats = http.stats();
    assert_eq!((stats.total, stats.retries, stats.method("get")), (4, 3, 4));
}

#[tokio::test]
async fn safe_requests_give_up_with_the_last_status() {
    let (base, script) = serve().await;
    script.on("/busy", std::iter::repeat_n(reply(503), 10));
    let err = client(false)
        .send(Retry::Safe, |c| c.get(format!("{base}/busy")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            HttpError::TooManyRetries {
                status: 503,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(script.hits("/busy"), 4);
    assert!(
        err.to_string().contains("still HTTP 503 after 4 attempts"),
        "{err}"
    );
}

#[tokio::test]
async fn final_statuses_are_returned_not_retried() {
    let (base, script) = serve().await;
    for status in [400, 401, 404, 409, 501] {
        let path = format!("/s{status}");
        script.on(&path, [reply(status), reply(200)]);
        let response = client(false)
            .send(Retry::Safe, |c| c.delete(format!("{base}{path}")))
            .await
            .unwrap();
        assert_eq!((response.status, response.attempts), (status, 1));
        assert_eq!(script.hits(&path), 1);
    }
}

#[tokio::test]
async fn redirects_are_answers_not_detours() {
    let (base, script) = serve().await;
    script.on(
        "/moved",
        [Reply {
            headers: vec![("location", format!("{base}/elsewhere"))],
            ..reply(302)
        }],
    );
    let response = client(false)
        .send(Retry::Safe, |c| c.get(format!("{base}/moved")))
        .await
        .unwrap();
    assert_eq!(response.status, 302);
    assert_eq!(script.hits("/elsewhere"), 0);
}

#[tokio::test]
async fn creating_posts_are_ambiguous_on_5xx_and_sent_once() {
    let (base, script) = serve().await;
    for status in [500, 502, 503, 504] {
        let path = format!("/create{status}");
        script.on(&path, [reply(status), reply(201)]);
        let err = client(false)
            .send(Retry::OnlyIfNotProcessed, |c| {
                c.post(format!("{base}{path}"))
            })
            .await
            .unwrap_err();
        assert!(err.is_ambiguous(), "{err:?}");
        assert_eq!(script.hits(&path), 1, "HTTP {status} must not be retried");
    }
}

#[tokio::test]
async fn creating_posts_are_retried_on_429() {
    let (base, script) = serve().await;
    script.on(
        "/create",
        [
            Reply {
                headers: vec![("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT".into())],
                ..reply(429)
            },
            Reply {
                body: "{}",
                ..reply(201)
            },
        ],
    );
    let http = client(false);
    let response = http
        .send(Retry::OnlyIfNotProcessed, |c| {
            c.post(format!("{base}/create"))
        })
        .await
        .unwrap();
    assert_eq!((response.status, response.attempts), (201, 2));
    assert_eq!(http.stats().method("POST"), 2);
}

#[tokio::test]
async fn a_timed_out_post_is_ambiguous_but_a_timed_out_get_is_retried() {
    let (base, script) = serve().await;
    let slow = Reply {
        delay: Duration::from_secs(3),
        ..reply(200)
    };
    script.on("/slow-post", [slow.clone(), reply(201)]);
    let err = client(false)
        .send(Retry::OnlyIfNotProcessed, |c| {
            c.post(format!("{base}/slow-post"))
        })
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(script.hits("/slow-post"), 1);

    script.on("/slow-get", [slow, reply(200)]);
    let response = client(false)
        .send(Retry::Safe, |c| c.get(format!("{base}/slow-get")))
        .await
        .unwrap();
    assert_eq!((response.status, response.attempts), (200, 2));
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_posts_and_not_counted() {
    // A port that was just free: nothing listens there.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    crate::redact::register("tok-3141592653-secret");
    let http = client(false);
    let mut built = 0;
    let err = http
        .send(Retry::OnlyIfNotProcessed, |c| {
            built += 1;
            c.post(format!(
                "http://user:hunter22@{addr}/x?token=tok-3141592653-secret"
            ))
        })
        .await
        .unwrap_err();
    let HttpError::Transport {
        method,
        url,
        attempts,
        ..
    } = &err
    else {
        panic!("expected a transport error, got {err:?}");
    };
    assert_eq!((method.as_str(), *attempts, built), ("POST", 4, 4));
    assert_eq!(url, &format!("http://{addr}/x?token=(sensitive)"));
    let text = err.to_string();
    assert!(
        !text.contains("tok-3141592653") && !text.contains("hunter22"),
        "{text}"
    );
    assert_eq!(http.stats().total, 0, "nothing reached a server");
}

#[tokio::test]
async fn retry_after_is_honoured_when_sleeping() {
    let (base, script) = serve().await;
    script.on(
        "/throttled",
        [
            Reply {
                headers: vec![("retry-after", "1".into())],
                ..reply(429)
            },
            reply(200),
        ],
    );
    let started = Instant::now();
    let response = client(true)
        .send(Retry::Safe, |c| c.get(format!("{base}/throttled")))
        .await
        .unwrap();
    assert_eq!(response.status, 200);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
}

#[tokio::test]
async fn scoped_handles_count_their_own_requests_and_their_parents() {
    let (base, _script) = serve().await;
    let root = client(false);
    let (a, b) = (root.scoped(), root.scoped());
    for http in [&a, &a, &b] {
        http.send(Retry::Safe, |c| c.get(format!("{base}/x")))
            .await
            .unwrap();
    }
    a.clone()
        .send(Retry::Safe, |c| c.patch(format!("{base}/x")))
        .await
        .unwrap();
    assert_eq!(
        (a.stats().total, b.stats().total, root.stats().total),
        (3, 1, 4)
    );
    assert_eq!((a.stats().method("GET"), a.stats().method("PATCH")), (2, 1));
}

#[tokio::test]
async fn an_unbuildable_request_is_reported_without_sending() {
    let http = client(false);
    let err = http
        .send(Retry::Safe, |c| c.get("not a url"))
        .await
        .unwrap_err();
    assert!(matches!(err, HttpError::InvalidRequest { .. }), "{err:?}");
    assert_eq!(http.stats().total, 0);
}
