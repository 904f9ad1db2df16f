//! Typed GitHub REST client (github.com, GitHub Enterprise Server, the sandbox): one method
//! per operation the provider needs: the repository, refs, users and teams (read only);
//! environments with their branch policies, variables and secrets; deployments and their
//! statuses.
//!
//! What is decided here, once, so that the provider above only sees typed results:
//!
//! - **Headers**: `Authorization: Bearer`, `Accept: application/vnd.github+json` and
//!   `X-GitHub-Api-Version: 2022-11-28` on every request. A server that refuses the version
//!   header with a 400 (Enterprise Server before API versions) gets the request again
//!   without it, and this instance stops sending it.
//! - **Rate limits** (`throttle`): GitHub's rules decide which 403 and 429 answers to wait
//!   out and for how long; a plain 403 is a refusal and is never repeated.
//! - **Paging** (`pages`): `Link: rel="next"` is followed as given, on the same host only
//!   (the token is never sent elsewhere).
//! - **Retry classes**: reads, PUTs, PATCHes and DELETEs are [`Retry::Safe`]; creating
//!   POSTs go [exactly once](crate::providers::http::HttpClient::exactly_once): after an
//!   ambiguous failure the remote is re-read and what the lost call created is adopted
//!   (a deployment by this run's marker in its `payload`, a status by being the newest).
//! - **Server generation** (`server`): an Enterprise Server older than
//!   [`FIRST_OWNER_PATHS`] gets environment variables and secrets by repository id.
//! - **Errors** (`error`): GitHub's `message` and `errors[]` with a hint by status.

mod deployments;
mod environments;
mod error;
mod pages;
mod repos;
mod seal;
mod secrets;
mod server;
#[cfg(test)]
mod tests;
mod throttle;

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use serde::de::DeserializeOwned;

pub use deployments::{
    DeploymentFilter, MARKER_KEY, NewDeployment, NewStatus, RunMarker, marker_of,
};
pub use error::GithubError;
pub use pages::{Page, Pages};
pub use seal::seal;
pub use secrets::SecretWrite;
pub use server::FIRST_OWNER_PATHS;
pub use throttle::DEFAULT_MAX_WAIT;

use crate::providers::common::percent::{api_url, path_segment};
use crate::providers::http::{HttpClient, HttpResponse, HttpStats, RateLimit, Retry};
use crate::redact::redact;

/// The REST API version every request asks for.
pub const API_VERSION: &str = "2022-11-28";
/// The header that carries it.
const VERSION_HEADER: &str = "x-github-api-version";
/// The media type GitHub recommends.
const MEDIA_TYPE: &str = "application/vnd.github+json";

/// A repository by `owner/name`, both parts usable as path segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RepoRef {
    owner: String,
    name: String,
    /// `/repos/{owner}/{repo}`, both encoded.
    path: String,
}

impl RepoRef {
    /// Reads `owner/name`; `None` unless both parts are there and can be path segments
    /// (not empty, `.` or `..`, no further `/`).
    pub fn parse(full_name: &str) -> Option<RepoRef> {
        let (owner, name) = full_name.split_once('/')?;
        let path = format!(
            "/repos/{}/{}",
            path_segment(owner)?,
            path_segment(name).filter(|_| !name.contains('/'))?
        );
        Some(RepoRef {
            owner: owner.to_owned(),
            name: name.to_owned(),
            path,
        })
    }

    /// The owner (user or organization).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The repository's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn path(&self) -> &str {
        &self.path
    }
}

/// `value` encoded as one path segment; a name no URL can carry (empty, `.`, `..`) is
/// refused rather than sent to another path.
fn segment(what: &str, value: &str) -> Result<String, GithubError> {
    path_segment(value).ok_or_else(|| {
        GithubError::Invalid(
            redact(&format!(
                "{what} `{value}` cannot be addressed: it is empty, `.` or `..`"
            ))
            .into_owned(),
        )
    })
}

impl fmt::Display for RepoRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// The GitHub client. Cloning is cheap; clones share connections, statistics, the
/// remembered version-header choice, what the server's answers said of its generation (and
/// the repository ids an older Enterprise Server needs), and the last rate-limit reading.
#[derive(Clone)]
pub struct GithubClient {
    inner: Arc<Inner>,
    /// The longest wait for one throttled answer.
    max_wait: Duration,
}

struct Inner {
    /// The API base without a trailing `/`: `https://api.github.com`,
    /// `https://HOST/api/v3`, or the sandbox's `http://127.0.0.1:PORT/github`.
    base: reqwest::Url,
    base_text: String,
    bearer: HeaderValue,
    http: HttpClient,
    /// False once the server refused `X-GitHub-Api-Version`.
    versioned: AtomicBool,
    /// What the newest answer said about the rate limit.
    rate: Mutex<Option<RateLimit>>,
    /// The server's generation and the repository ids its older paths need.
    server: server::Server,
}

impl fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GithubClient")
            .field("base", &redact(&self.inner.base_text))
            .field("versioned", &self.inner.versioned.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl GithubClient {
    /// A client for the API at `base` (`https://api.github.com`, `https://HOST/api/v3`, or
    /// the sandbox URL) with `token`, which is registered as a secret at once so that no
    /// output can show it. Requests count on a scoped handle of `http`.
    pub fn new(base: &str, token: &str, http: HttpClient) -> Result<Self, GithubError> {
        crate::redact::register(token);
        crate::redact::register(token.trim());
        let base_text = base.trim().trim_end_matches('/').to_owned();
        let url = reqwest::Url::parse(&base_text)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| {
                GithubError::Invalid(
                    redact(&format!(
                        "`{base_text}` is not an http(s) URL of a GitHub API"
                    ))
                    .into_owned(),
                )
            })?;
        let mut bearer =
            HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| {
                GithubError::Invalid(
                    "the GitHub token contains characters not allowed in a header".to_owned(),
                )
            })?;
        bearer.set_sensitive(true);
        Ok(GithubClient {
            inner: Arc::new(Inner {
                base: url,
                base_text,
                bearer,
                http: http.scoped(),
                versioned: AtomicBool::new(true),
                rate: Mutex::new(None),
                server: server::Server::default(),
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

    /// The HTTP client this client sends through.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Requests this client (and its clones) has sent.
    pub fn http_stats(&self) -> HttpStats {
        self.inner.http.stats()
    }

    /// The rate-limit state the newest answer reported (`x-ratelimit-*`).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner
            .rate
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether requests still carry `X-GitHub-Api-Version` (false once a server refused it).
    pub fn sends_api_version(&self) -> bool {
        self.inner.versioned.load(Ordering::Relaxed)
    }

    /// The Enterprise Server release (`major`, `minor`) answers named, `None` for
    /// github.com.
    pub fn enterprise_version(&self) -> Option<(u32, u32)> {
        self.inner.server.enterprise()
    }

    /// The URL of `path` (starting with `/`, already encoded) with `query`.
    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<reqwest::Url, GithubError> {
        api_url(&self.inner.base_text, path, query).map_err(GithubError::Invalid)
    }

    /// Sends one request (`body` as JSON), waiting out rate limits, and returns the final
    /// answer whatever its status. A 400 refusing the version header sends it once more
    /// without the header, which this instance then never sends again.
    async fn send(
        &self,
        call: &str,
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<HttpResponse, GithubError> {
        let Inner {
            http,
            bearer,
            versioned,
            ..
        } = &*self.inner;
        let max_wait = self.max_wait;
        loop {
            let with_version = versioned.load(Ordering::Relaxed);
            let judge = |r: &HttpResponse| throttle::judge(r, jiff::Timestamp::now(), max_wait);
            let response = http
                .send_throttled(retry, judge, |client| {
                    let mut request = client
                        .request(method.clone(), url.clone())
                        .header(AUTHORIZATION, bearer.clone())
                        .header(ACCEPT, MEDIA_TYPE);
                    if with_version {
                        request = request.header(VERSION_HEADER, API_VERSION);
                    }
                    match body {
                        Some(body) => request.json(body),
                        None => request,
                    }
                })
                .await
                .map_err(|source| GithubError::Http {
                    call: call.to_owned(),
                    source,
                })?;
            self.note_rate_limit(&response);
            self.inner.server.note(&response.headers);
            if with_version && throttle::rejects_version(&response) {
                versioned.store(false, Ordering::Relaxed);
                tracing::info!(
                    base = %redact(&self.inner.base_text),
                    "the server refuses X-GitHub-Api-Version; sending requests without it"
                );
                continue;
            }
            return Ok(response);
        }
    }

    fn note_rate_limit(&self, response: &HttpResponse) {
        let Some(limit) = RateLimit::from_headers(&response.headers, jiff::Timestamp::now()) else {
            return;
        };
        if limit.remaining.is_some_and(|left| left < 100) {
            tracing::debug!(remaining = ?limit.remaining, reset = ?limit.reset, "GitHub rate limit running low");
        }
        *self.inner.rate.lock().unwrap_or_else(|p| p.into_inner()) = Some(limit);
    }

    /// A call whose 2xx answer is decoded as `T`; any other status is the error.
    async fn call<T: DeserializeOwned>(
        &self,
        call: &str,
        target: &str,
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<T, GithubError> {
        let response = self.send(call, retry, method, url, body).await?;
        response.decoded(
            |r| GithubError::from_response(call, target, r),
            |reason| decode_error(call, reason),
        )
    }

    /// A GET decoded as `T`, `None` when GitHub answers 404.
    async fn get_optional<T: DeserializeOwned>(
        &self,
        call: &str,
        target: &str,
        url: &reqwest::Url,
    ) -> Result<Option<T>, GithubError> {
        let response = self.send(call, Retry::Safe, Method::GET, url, None).await?;
        response.decoded_if_found(
            |r| GithubError::from_response(call, target, r),
            |reason| decode_error(call, reason),
        )
    }

    /// A write whose answer has no body worth reading: any 2xx is done (its status is
    /// returned), and so is a 404 on a repeated DELETE (the first attempt most likely did
    /// it before its answer was lost).
    async fn write(
        &self,
        call: &str,
        target: &str,
        retry: Retry,
        method: Method,
        url: &reqwest::Url,
        body: Option<&serde_json::Value>,
    ) -> Result<u16, GithubError> {
        let response = self.send(call, retry, method.clone(), url, body).await?;
        if response.is_success() || (method == Method::DELETE && response.deleted()) {
            return Ok(response.status);
        }
        Err(GithubError::from_response(call, target, &response))
    }
}

/// Decodes a 2xx body.
fn decode<T: DeserializeOwned>(call: &str, response: &HttpResponse) -> Result<T, GithubError> {
    response.json().map_err(|reason| decode_error(call, reason))
}

/// The error of a body that is not what GitHub documents.
fn decode_error(call: &str, reason: String) -> GithubError {
    GithubError::Decode {
        call: call.to_owned(),
        reason,
    }
}

/// A value as JSON for a request body.
fn json<T: serde::Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}
