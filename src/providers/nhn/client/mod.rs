//! Typed NHN Cloud Deploy client (API v2.1): one method per operation the engine needs.
//!
//! What is decided here, once, so that the provider above only sees typed results:
//!
//! - **Authentication** (`auth`): a fixed token, or a User Access Key exchanged for tokens
//!   that are cached, renewed before they expire, and renewed once more when a call is
//!   refused with HTTP 401 (the call is then repeated once).
//! - **Envelopes** (`envelope`): `header.isSuccessful: false` is an error even with HTTP
//!   200, and errors carry the call's name and the `resultCode`.
//! - **Retry classes** (providers.md, Appendix B): lookups and downloads are
//!   [`Retry::Safe`]; uploads and deploys are [`Retry::OnlyIfNotProcessed`], so an unknown
//!   outcome comes back as [`NhnError::is_ambiguous`] for the engine to settle by re-reading
//!   (the binary by version, the deploy history).
//! - **Large transfers** (`upload`): binaries are streamed from and to disk, never held in
//!   memory, and get a long timeout, as does a synchronous deploy (it answers only when the
//!   deployment has finished).
//! - **History** (`history`): there is no get-deployment-by-key, so deployments are found
//!   by searching date windows of the history, in Korean time.

mod auth;
mod endpoints;
mod envelope;
mod error;
mod history;
#[cfg(test)]
mod tests;
mod token_answer;
mod upload;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderValue};

use auth::Authenticator;
pub use auth::NhnAuth;
pub use error::NhnError;
pub use history::{LatestDeployments, executed_at};
pub use upload::Upload;

use crate::providers::common::percent::path_segment;
use crate::providers::http::{
    HttpClient, HttpError, HttpResponse, HttpStats, Retry, StreamingResponse,
};
use crate::redact::redact;

/// The header that carries the access token (not the standard `Authorization`).
const AUTH_HEADER: &str = "X-NHN-AUTHORIZATION";
/// Default limit for uploads, downloads and synchronous deploys.
const LONG_CALL_TIMEOUT: Duration = Duration::from_secs(3 * 3600);

/// The Deploy API client. Cloning is cheap; clones share connections, the token cache and
/// statistics.
#[derive(Clone)]
pub struct NhnClient {
    inner: Arc<Inner>,
    long_call_timeout: Duration,
}

struct Inner {
    /// `api_base` without a trailing `/`.
    api_base: String,
    app_key: String,
    auth: Authenticator,
    http: HttpClient,
}

impl fmt::Debug for NhnClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NhnClient")
            .field("api_base", &redact(&self.inner.api_base))
            .field("app_key", &redact(&self.inner.app_key))
            .field("auth", &self.inner.auth)
            .finish()
    }
}

impl NhnClient {
    /// A client for the Deploy project `app_key`.
    ///
    /// `api_base` is e.g. `https://api-tcd.nhncloudservice.com` or the sandbox's
    /// `http://127.0.0.1:PORT/nhn-deploy`; requests go to
    /// `api_base/api/v2.1/projects/{app_key}/…`. `oauth_base` is e.g.
    /// `https://oauth.api.nhncloudservice.com` (or the sandbox URL); tokens come from
    /// `oauth_base/oauth2/token/create`. The client counts its requests, token exchanges
    /// included, on a scoped handle of `http` (see [`http_stats`](Self::http_stats)). An
    /// unusable URL is reported by the first call.
    pub fn new(
        api_base: &str,
        oauth_base: &str,
        app_key: &str,
        auth: NhnAuth,
        http: HttpClient,
    ) -> Self {
        NhnClient {
            inner: Arc::new(Inner {
                api_base: api_base.trim().trim_end_matches('/').to_owned(),
                app_key: app_key.to_owned(),
                auth: Authenticator::new(auth, oauth_base),
                http: http.scoped(),
            }),
            long_call_timeout: LONG_CALL_TIMEOUT,
        }
    }

    /// Sets the time limit of uploads, downloads and synchronous (`async: false`) deploys,
    /// which answer only when the transfer or the deployment is over (default 3 hours;
    /// other calls keep the HTTP client's `request_timeout`).
    pub fn with_long_call_timeout(mut self, timeout: Duration) -> Self {
        self.long_call_timeout = timeout;
        self
    }

    /// The HTTP client this client sends through, for settling a creating call that failed
    /// ambiguously ([`HttpClient::exactly_once`]) under the same retry policy.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Requests this client (and its clones) has sent, token exchanges included.
    pub fn http_stats(&self) -> HttpStats {
        self.inner.http.stats()
    }

    /// The URL of `path` (below `/api/v2.1/projects/{appKey}`, starting with `/`) with
    /// `query` appended.
    fn url(&self, path: &str, query: &[(&str, String)]) -> Result<reqwest::Url, NhnError> {
        // An app key `..` would address the parent path (a dot-segment): refused.
        let app_key = path_segment(&self.inner.app_key).ok_or_else(|| {
            NhnError::Http(HttpError::InvalidRequest {
                cause: "the app key cannot be empty, `.` or `..`".into(),
            })
        })?;
        let text = format!("{}/api/v2.1/projects/{app_key}{path}", self.inner.api_base);
        let mut url = reqwest::Url::parse(&text).map_err(|e| {
            NhnError::Http(HttpError::InvalidRequest {
                cause: redact(&format!("invalid NHN API URL `{text}`: {e}")).into_owned(),
            })
        })?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        Ok(url)
    }

    /// The value of [`AUTH_HEADER`] for a token, marked sensitive so that no debug output
    /// of the request shows it.
    fn bearer(token: &str) -> Result<HeaderValue, NhnError> {
        let mut value =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| NhnError::Auth {
                message: "the NHN access token contains characters not allowed in a header"
                    .to_owned(),
            })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Sends an authorized request built by `build` (once per attempt), with the long time
    /// limit if `long`; repeats it once with a new token if it is refused with HTTP 401.
    async fn send<F>(
        &self,
        retry: Retry,
        long: bool,
        mut build: F,
    ) -> Result<HttpResponse, NhnError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let Inner { auth, http, .. } = &*self.inner;
        let mut renewed = false;
        loop {
            let token = auth.token(http).await?;
            let bearer = Self::bearer(&token)?;
            let response = http
                .send(retry, |client| self.authorize(build(client), &bearer, long))
                .await?;
            if response.status == 401 && !renewed && auth.renewable() {
                renewed = true;
                auth.invalidate(&token).await;
                continue;
            }
            return Ok(response);
        }
    }

    /// [`send`](Self::send) for a response whose body is streamed by the caller.
    async fn send_streaming<F>(
        &self,
        retry: Retry,
        mut build: F,
    ) -> Result<StreamingResponse<'_>, NhnError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        let Inner { auth, http, .. } = &*self.inner;
        let mut renewed = false;
        loop {
            let token = auth.token(http).await?;
            let bearer = Self::bearer(&token)?;
            let response = http
                .send_streaming(retry, |client| self.authorize(build(client), &bearer, true))
                .await?;
            if response.status == 401 && !renewed && auth.renewable() {
                drop(response);
                renewed = true;
                auth.invalidate(&token).await;
                continue;
            }
            return Ok(response);
        }
    }

    fn authorize(
        &self,
        request: reqwest::RequestBuilder,
        bearer: &HeaderValue,
        long: bool,
    ) -> reqwest::RequestBuilder {
        let request = request.header(AUTH_HEADER, bearer.clone());
        if long {
            request.timeout(self.long_call_timeout)
        } else {
            request
        }
    }

    /// A GET of `path` with `query`, decoded from the envelope.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        call: &str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, NhnError> {
        let url = self.url(path, query)?;
        let response = self
            .send(Retry::Safe, false, |client| {
                client.get(url.clone()).header(ACCEPT, "application/json")
            })
            .await?;
        envelope::decode(call, &response)
    }
}
