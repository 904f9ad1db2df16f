//! Typed GitLab REST v4 client (gitlab.com, self-managed, the sandbox): one method per
//! operation the provider needs: the project, refs, users, groups and memberships (read
//! only); environments and their protection; deployment records.
//!
//! What is decided here, once, so that the provider above only sees typed results:
//!
//! - **Base URL**: an instance is named by `https://HOST` (or the sandbox's `…/gitlab`); the
//!   client adds `/api/v4`, and leaves a base already ending in it as it is.
//! - **Headers**: `PRIVATE-TOKEN` (personal, project or group token) or `JOB-TOKEN` (a CI
//!   job's token) on every request, `Accept: application/json`, JSON bodies. The token is a
//!   registered secret from the start: no error, log line or `Debug` output shows it.
//! - **Paths**: a project, group, branch, tag or environment name is one path segment
//!   (`acme%2Fplatform%2Fshop`, `release%2F1.x`); after [`GitlabClient::project`] the
//!   numeric id is used.
//! - **Rate limits**: a 429 is waited out as `Retry-After` or `RateLimit-Reset` say (else
//!   doubling from a few seconds), up to a cap; 5xx are retried for safe requests only.
//! - **Paging** (`pages`): `Link: rel="next"` as given on the same origin, else
//!   `x-next-page`; never `x-total` (GitLab omits it past 10,000 items).
//! - **Retry classes**: reads, PUTs that set a value, DELETEs and `stop` are safe to repeat;
//!   creating POSTs go [exactly once](crate::providers::http::HttpClient::exactly_once),
//!   adopting what a lost call created.

mod deployments;
mod environments;
mod error;
mod pages;
mod projects;
mod protection;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

pub use deployments::DeploymentQuery;
pub use error::GitlabError;
pub use protection::Protections;

use crate::providers::common::percent::{api_url, path_segment};
use crate::providers::http::{HttpClient, HttpResponse, Limited, Retry, Throttle};
use crate::redact::redact;

/// The path every REST v4 call starts with.
pub const API_PATH: &str = "/api/v4";
/// The least wait for a 429 that names none; it doubles with each further 429.
const MIN_WAIT: Duration = Duration::from_secs(5);
/// The longest wait for one throttled answer, unless the client is told otherwise.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(5 * 60);

/// The token a request carries. Its text never leaves the client: `Debug` shows the kind
/// only.
#[derive(Clone, PartialEq, Eq)]
pub enum Token {
    /// A personal, project or group access token: `PRIVATE-TOKEN`.
    Private(String),
    /// A CI job's `CI_JOB_TOKEN`: `JOB-TOKEN`. GitLab accepts it on fewer endpoints.
    Job(String),
}

impl Token {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Token::Private(text) => ("private-token", text),
            Token::Job(text) => ("job-token", text),
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Private(_) => f.write_str("Token::Private(<redacted>)"),
            Token::Job(_) => f.write_str("Token::Job(<redacted>)"),
        }
    }
}

/// The REST base of an instance named by `endpoint`: `https://HOST` becomes
/// `https://HOST/api/v4`, the sandbox's `http://127.0.0.1:PORT/gitlab` becomes
/// `…/gitlab/api/v4`, and a base already ending in `/api/v4` stays as it is.
pub fn api_base(endpoint: &str) -> Result<reqwest::Url, GitlabError> {
    crate::providers::common::percent::api_base(endpoint, API_PATH, "a GitLab instance")
        .map_err(GitlabError::Invalid)
}

/// `value` encoded as one path segment; a name no URL can carry (empty, `.`, `..`) is
/// refused rather than sent to another path.
fn segment(what: &str, value: &str) -> Result<String, GitlabError> {
    path_segment(value).ok_or_else(|| {
        GitlabError::Invalid(
            redact(&format!(
                "{what} `{value}` cannot be addressed: it is empty, `.` or `..`"
            ))
            .into_owned(),
        )
    })
}

/// The GitLab client. Cloning is cheap; clones share connections and statistics.
#[derive(Clone)]
pub struct GitlabClient {
    inner: Arc<Inner>,
    /// The longest wait for one throttled answer.
    max_wait: Duration,
}

struct Inner {
    /// The REST base without a trailing `/`, ending in `/api/v4`.
    base: reqwest::Url,
    base_text: String,
    auth: (HeaderName, HeaderValue),
    job_token: bool,
    http: HttpClient,
}

impl fmt::Debug for GitlabClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitlabClient")
            .field("base", &redact(&self.inner.base_text))
            .field("job_token", &self.inner.job_token)
            .finish_non_exhaustive()
    }
}

impl GitlabClient {
    /// A client for the instance at `base` (see [`api_base`]) with `token`, which is
    /// registered as a secret at once so that no output can show it. Requests count on a
    /// scoped handle of `http`.
    pub fn new(base: &str, token: Token, http: HttpClient) -> Result<Self, GitlabError> {
        let (name, text) = token.parts();
        crate::redact::register(text);
        crate::redact::register(text.trim());
        let base = api_base(base)?;
        if text.trim().is_empty() {
            return Err(GitlabError::Invalid("the GitLab token is empty".to_owned()));
        }
        let mut value = HeaderValue::from_str(text.trim()).map_err(|_| {
            GitlabError::Invalid(
                "the GitLab token contains characters not allowed in a header".to_owned(),
            )
        })?;
        value.set_sensitive(true);
        Ok(GitlabClient {
            inner: Arc::new(Inner {
                base_text: base.as_str().trim_end_matches('/').to_owned(),
                base,
                auth: (HeaderName::from_static(name), value),
                job_token: matches!(token, Token::Job(_)),
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

    /// The REST base requests go to (`…/api/v4`).
    pub fn base(&self) -> &reqwest::Url {
        &self.inner.base
    }

    /// Whether it speaks with a CI job's token, which GitLab accepts only for deployments,
    /// environments and reading the project (no branches, commits, users or groups).
    pub fn is_job_token(&self) -> bool {
        self.inner.job_token
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
    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<reqwest::Url, GitlabError> {
        api_url(&self.inner.base_text, path, query).map_err(GitlabError::Invalid)
    }

    /// Sends one request (`body` as JSON), waiting out 429s, and returns the final answer
    /// whatever its status.
    async fn send(
        &self,
        call: &str,
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<HttpResponse, GitlabError> {
        let (name, value) = &self.inner.auth;
        let max_wait = self.max_wait;
        let judge = |response: &HttpResponse| judge(response, jiff::Timestamp::now(), max_wait);
        self.inner
            .http
            .send_throttled(retry, judge, |client| {
                let request = client
                    .request(method.clone(), url.clone())
                    .header(name.clone(), value.clone())
                    .header(ACCEPT, "application/json");
                match body {
                    Some(body) => request.json(body),
                    None => request,
                }
            })
            .await
            .map_err(|source| GitlabError::Http {
                call: call.to_owned(),
                source,
            })
    }

    /// The error of an answer with an error status.
    fn refusal(&self, call: &str, target: &str, response: &HttpResponse) -> GitlabError {
        GitlabError::from_response(call, target, self.inner.job_token, response)
    }

    /// A call whose 2xx answer is decoded as `T`; any other status is the error.
    async fn call<T: DeserializeOwned>(
        &self,
        (call, target): (&str, &str),
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, GitlabError> {
        self.send(call, retry, method, url, body).await?.decoded(
            |r| self.refusal(call, target, r),
            |reason| undecodable(call, reason),
        )
    }

    /// A GET decoded as `T`, `None` when GitLab answers 404.
    async fn get_optional<T: DeserializeOwned>(
        &self,
        (call, target): (&str, &str),
        url: &reqwest::Url,
    ) -> Result<Option<T>, GitlabError> {
        self.send(call, Retry::Safe, Method::GET, url, None)
            .await?
            .decoded_if_found(
                |r| self.refusal(call, target, r),
                |reason| undecodable(call, reason),
            )
    }

    /// A DELETE: any 2xx is done, and so is a 404 on a repeated attempt (the first one most
    /// likely did it before its answer was lost).
    async fn delete(
        &self,
        (call, target): (&str, &str),
        url: &reqwest::Url,
    ) -> Result<(), GitlabError> {
        let response = self
            .send(call, Retry::Safe, Method::DELETE, url, None)
            .await?;
        if response.deleted() {
            return Ok(());
        }
        Err(self.refusal(call, target, &response))
    }
}

/// GitLab's throttling rule: a 429 is throttled, waited as `Retry-After` or an exhausted
/// `RateLimit-Reset` say, else [`MIN_WAIT`] doubling; never longer than `max_wait`.
fn judge(response: &HttpResponse, now: jiff::Timestamp, max_wait: Duration) -> Throttle {
    if response.status != 429 {
        return Throttle::Final;
    }
    Limited::from_headers(&response.headers, now)
        .unwrap_or_else(Limited::backoff)
        .judge(response.attempts, MIN_WAIT, max_wait)
}

/// Decodes a 2xx body.
fn decode<T: DeserializeOwned>(call: &str, response: &HttpResponse) -> Result<T, GitlabError> {
    response.json().map_err(|reason| undecodable(call, reason))
}

/// The error of an answer GitLab's documents do not describe.
fn undecodable(call: &str, reason: String) -> GitlabError {
    GitlabError::Decode {
        call: call.to_owned(),
        reason,
    }
}

/// A value as JSON for a request body.
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
