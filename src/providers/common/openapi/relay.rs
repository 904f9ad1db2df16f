//! A recording relay between a real client and the sandbox, for holding the client to a
//! provider's description: it records each request as the client put it on the wire (after
//! its own serialization and path encoding) and passes it on, so the client still gets the
//! emulator's real answers to carry on with.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::providers::common::fake::{self, Seen};

/// One request as the client sent it: method, path (below the provider's sandbox mount,
/// still encoded) and JSON body (`Null` when there was none).
pub(crate) type Sent = (String, String, Value);

/// Passes requests on to the sandbox at `target`, recording each.
pub(crate) struct Relay {
    target: String,
    /// The provider's mount in the sandbox (`/github`), cut from the recorded paths.
    mount: String,
    http: reqwest::Client,
    seen: Seen<Sent>,
}

impl Relay {
    /// A relay to the sandbox at `sandbox` that records paths below `/{provider_type}`, and
    /// the address it listens on.
    pub(crate) async fn start(
        sandbox: SocketAddr,
        provider_type: &str,
    ) -> (Arc<Relay>, SocketAddr) {
        let relay = Arc::new(Relay {
            target: sandbox.to_string(),
            mount: format!("/{provider_type}"),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            seen: Seen::default(),
        });
        let addr = fake::serve(Router::new().fallback(pass).with_state(relay.clone())).await;
        (relay, addr)
    }

    /// Every request sent so far, in order.
    pub(crate) fn sent(&self) -> Vec<Sent> {
        self.seen.all()
    }
}

async fn pass(State(relay): State<Arc<Relay>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.expect("request body");
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::String("<not JSON>".into()))
    };
    let path = parts
        .uri
        .path()
        .strip_prefix(&relay.mount)
        .unwrap_or(parts.uri.path())
        .to_owned();
    relay.seen.push((parts.method.to_string(), path, json));
    let here = parts
        .headers
        .get(header::HOST)
        .and_then(|host| host.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut onward = relay.http.request(
        parts.method.clone(),
        format!("http://{}{path_and_query}", relay.target),
    );
    for (name, value) in &parts.headers {
        if name != header::HOST && name != header::CONTENT_LENGTH {
            onward = onward.header(name, value);
        }
    }
    let answer = onward
        .body(bytes.to_vec())
        .send()
        .await
        .expect("the sandbox answers");
    let mut response =
        Response::builder().status(StatusCode::from_u16(answer.status().as_u16()).expect("status"));
    for (name, value) in answer.headers() {
        if name == header::LINK || name == header::LOCATION {
            // URLs in answers point back at the relay, so paging stays on the client's host.
            let text = value
                .to_str()
                .unwrap_or_default()
                .replace(&relay.target, &here);
            response = response.header(name, HeaderValue::from_str(&text).expect("header"));
        } else if name != header::CONTENT_LENGTH && name != header::TRANSFER_ENCODING {
            response = response.header(name, value);
        }
    }
    let body = answer.bytes().await.expect("answer body");
    response.body(Body::from(body)).expect("response")
}
