//! Typed AxHub API v1 client (api.axhub.ai, another base URL, the sandbox's `…/axhub`): one
//! method per operation the provider needs: tenants and apps (read only), an app's git
//! connection and staging, deployments, releases and diagnoses.
//!
//! What is decided here, once, so that the provider above only sees typed results:
//!
//! - **Base URL**: `https://api.axhub.ai` or the sandbox's `…/axhub`; the client adds
//!   `/api/v1`, and leaves a base already ending in it as it is.
//! - **Headers**: the token as `X-Api-Key`, a fresh 26-character `X-Request-ID` on every
//!   attempt (kept on the error beside the server's `request_id`), `Accept:
//!   application/json`, JSON bodies. The token is a registered secret from the start: no
//!   error, log line or `Debug` output shows it.
//! - **Redirects** are never followed (the shared HTTP client follows none): a 3xx is an
//!   error naming its `Location`, since the token would travel with the repeated request.
//! - **Retries**: reads and calls that set a state (PATCH, PUT, DELETE, cancel, rollback,
//!   the connect upsert) are retried on 429, 5xx and `retryable: true` (except a 401: the
//!   same token will not become valid); a 429 waits `Retry-After` (seconds or a date), else
//!   the body's `retry.after_seconds`, else AxHub's 60 s, up to a cap. Starting a deployment
//!   goes [exactly once](crate::providers::http::HttpClient::exactly_once), adopting the
//!   deployment a lost call started.
//! - **Paging** (`pages`): `limit` + `offset` until `total` or a short page; `next_cursor`
//!   is never followed.

mod apps;
mod deployments;
mod error;
mod pages;
mod request_id;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

pub use error::{AxhubError, Refusal};

use crate::providers::axhub::wire::ErrorPayload;
use crate::providers::common::percent::{api_url, path_segment};
use crate::providers::http::{HttpClient, HttpResponse, Limited, Retry, Signal, Throttle};
use crate::redact::redact;

/// The path every call starts with.
pub const API_PATH: &str = "/api/v1";
/// AxHub's wait for a 429 that names none (its rate limiter's window).
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// The least wait before repeating a `retryable` refusal that names none; it doubles.
const MIN_WAIT: Duration = Duration::from_secs(1);
/// The longest wait for one throttled answer, unless the client is told otherwise.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(5 * 60);

/// A personal access token, sent as `X-Api-Key`. Its text never leaves the client:
/// `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(pub String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The API base of an instance named by `endpoint`: `https://api.axhub.ai` becomes
/// `https://api.axhub.ai/api/v1`, the sandbox's `http://127.0.0.1:PORT/axhub` becomes
/// `…/axhub/api/v1`.
pub fn api_base(endpoint: &str) -> Result<reqwest::Url, AxhubError> {
    crate::providers::common::percent::api_base(endpoint, API_PATH, "an AxHub API")
        .map_err(AxhubError::Invalid)
}

/// `value` as one path segment; an id no URL can carry (empty, `.`, `..`) is refused
/// rather than sent to another path.
fn segment(what: &str, value: &str) -> Result<String, AxhubError> {
    path_segment(value).ok_or_else(|| {
        AxhubError::Invalid(
            redact(&format!(
                "{what} `{value}` cannot be addressed: it is empty, `.` or `..`"
            ))
            .into_owned(),
        )
    })
}

/// The AxHub client. Cloning is cheap; clones share connections and statistics.
#[derive(Clone)]
pub struct AxhubClient {
    inner: Arc<Inner>,
    /// The longest wait for one throttled answer.
    max_wait: Duration,
}

struct Inner {
    base: reqwest::Url,
    /// The base without a trailing `/`, ending in `/api/v1`.
    base_text: String,
    key: HeaderValue,
    http: HttpClient,
}

impl fmt::Debug for AxhubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AxhubClient")
            .field("base", &redact(&self.inner.base_text))
            .finish_non_exhaustive()
    }
}

impl AxhubClient {
    /// A client for the API at `base` (see [`api_base`]) with `token`, registered as a
    /// secret at once so that no output can show it. Requests count on a scoped handle of
    /// `http`.
    pub fn new(base: &str, token: Token, http: HttpClient) -> Result<Self, AxhubError> {
        let text = token.0.trim();
        crate::redact::register(&token.0);
        crate::redact::register(text);
        let base = api_base(base)?;
        if text.is_empty() {
            return Err(AxhubError::Invalid("the AxHub token is empty".to_owned()));
        }
        let mut key = HeaderValue::from_str(text).map_err(|_| {
            AxhubError::Invalid(
                "the AxHub token contains characters not allowed in a header".to_owned(),
            )
        })?;
        key.set_sensitive(true);
        Ok(AxhubClient {
            inner: Arc::new(Inner {
                base_text: base.as_str().trim_end_matches('/').to_owned(),
                base,
                key,
                http: http.scoped(),
            }),
            max_wait: DEFAULT_MAX_WAIT,
        })
    }

    /// Sets the longest wait for one throttled answer (default [`DEFAULT_MAX_WAIT`]); a
    /// longer one fails the call with the time the limit resets.
    pub fn with_max_rate_limit_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The API base requests go to (`…/api/v1`).
    pub fn base(&self) -> &reqwest::Url {
        &self.inner.base
    }

    /// Requests this client (and its clones) has sent, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.http.stats().total
    }

    /// The HTTP client this client sends through.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// The URL of `path` (starting with `/`, already encoded) with `query`.
    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<reqwest::Url, AxhubError> {
        api_url(&self.inner.base_text, path, query).map_err(AxhubError::Invalid)
    }

    /// Sends one request (`body` as JSON), waiting out throttling as [`judge`] says, and
    /// returns the final answer whatever its status, with the request id of its attempt.
    async fn send(
        &self,
        call: &str,
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<(HttpResponse, String), AxhubError> {
        let max_wait = self.max_wait;
        let judge =
            |response: &HttpResponse| judge(response, retry, jiff::Timestamp::now(), max_wait);
        let mut request_id = String::new();
        let sent = self
            .inner
            .http
            .send_throttled(retry, judge, |client| {
                request_id = request_id::fresh();
                let request = client
                    .request(method.clone(), url.clone())
                    .header(HeaderName::from_static("x-api-key"), self.inner.key.clone())
                    .header(HeaderName::from_static("x-request-id"), request_id.as_str())
                    .header(ACCEPT, "application/json");
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await;
        match sent {
            Ok(response) => Ok((response, request_id)),
            Err(source) => Err(AxhubError::Http {
                call: call.to_owned(),
                source: Box::new(source),
                request_id,
            }),
        }
    }

    /// A call whose 2xx answer is decoded as `T`; any other status is the error.
    async fn call<T: DeserializeOwned>(
        &self,
        (call, target): (&str, &str),
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, AxhubError> {
        let (response, id) = self.send(call, retry, method, url, body).await?;
        response.decoded(
            |r| AxhubError::from_response(call, target, &id, r),
            |reason| undecodable(call, reason),
        )
    }

    /// A call whose 2xx answer carries nothing the caller needs; `done` also accepts a
    /// non-2xx answer (a repeated attempt finding its own work done).
    async fn call_done(
        &self,
        (call, target): (&str, &str),
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
        done: impl Fn(&HttpResponse) -> bool,
    ) -> Result<(), AxhubError> {
        let (response, id) = self.send(call, retry, method, url, body).await?;
        if response.is_success() || done(&response) {
            return Ok(());
        }
        Err(AxhubError::from_response(call, target, &id, &response))
    }
}

/// AxHub's throttling rule for an answer to a `retry` request: a 429 waits `Retry-After`,
/// else the body's `retry.after_seconds`, else [`DEFAULT_RATE_LIMIT_WAIT`]; a safe request
/// refused with `retryable: true`, or with a code AxHub's registry marks retryable when the
/// body does not say (but not a 401: the token will not heal), waits the same signals, else
/// [`MIN_WAIT`] doubling. Never longer than `max_wait`.
fn judge(
    response: &HttpResponse,
    retry: Retry,
    now: jiff::Timestamp,
    max_wait: Duration,
) -> Throttle {
    let status = response.status;
    if status < 400 {
        return Throttle::Final;
    }
    let payload = ErrorPayload::parse(&response.body);
    // A body that does not say is read by AxHub's code table, as the SDKs read it.
    let told = payload
        .retryable
        .unwrap_or_else(|| payload.code.as_deref().is_some_and(error::retryable_code));
    let retryable = retry == Retry::Safe && status != 401 && told;
    if status != 429 && !retryable {
        return Throttle::Final;
    }
    let body_wait = payload
        .retry
        .and_then(|r| r.after_seconds)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(86_400.0)));
    let limited = Limited::from_headers(&response.headers, now)
        .or_else(|| {
            body_wait.map(|wait| Limited {
                signal: Signal::RetryAfter(wait),
                resets_at: None,
            })
        })
        .unwrap_or_else(|| match status {
            429 => Limited {
                signal: Signal::RetryAfter(DEFAULT_RATE_LIMIT_WAIT),
                resets_at: None,
            },
            _ => Limited::backoff(),
        });
    limited.judge(response.attempts, MIN_WAIT, max_wait)
}

/// The error of an answer AxHub's documents do not describe.
fn undecodable(call: &str, reason: String) -> AxhubError {
    AxhubError::Decode {
        call: call.to_owned(),
        reason,
    }
}

/// A value as JSON for a request body.
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
