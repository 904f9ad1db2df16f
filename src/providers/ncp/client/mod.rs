//! Typed client for NAVER Cloud SourceDeploy: one method per API operation.
//!
//! What is decided here, once, so that the provider code above only sees typed results:
//!
//! - **Signing.** Every attempt is signed anew (the gateway rejects timestamps more than five
//!   minutes off, and a retry may come much later). The signed URI is the request's path
//!   *below the base URL's own path* plus `?query` when there is one: with the base
//!   `http://127.0.0.1:PORT/ncp-sourcedeploy` (the sandbox) the signed string starts with
//!   `/api/v1/…`, exactly as with the real gateway. The query string is encoded here and the
//!   very same string is put on the URL; the final URL is checked against it, so that what is
//!   signed is always what travels.
//! - **Retry classes** (providers.md, Appendix B): reads, edits (PATCH) and deletes are
//!   [`Retry::Safe`](crate::providers::http::Retry::Safe); creates and the deploy /
//!   approval / cancel / canary POSTs are
//!   [`Retry::OnlyIfNotProcessed`](crate::providers::http::Retry::OnlyIfNotProcessed), so
//!   an ambiguous outcome comes back as [`NcpError::is_ambiguous`] for the engine to settle
//!   by re-reading.
//! - **Envelopes.** `{"result": …}` is unwrapped; `{"error": {errorCode, message, details}}`
//!   becomes [`NcpError::Api`]; anything else becomes [`NcpError::Decode`] with a short,
//!   redacted snippet of the body.
//! - **Pagination.** Lists carry no total: pages of 100 are read until a short one.

mod call;
mod endpoints;
mod envelope;
mod error;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde::de::DeserializeOwned;

use call::{Call, encode_query};
use envelope::decode;
pub use error::NcpError;

use super::signature;
use super::wire::Ack;
use crate::providers::http::{HttpClient, HttpResponse, HttpStats};
use crate::redact::{self, redact};

/// Items per page of every paginated list (the API's maximum).
const PAGE_SIZE: usize = 100;
/// Pages read at most from one list before assuming the server ignores `pageNo`.
const MAX_PAGES: u32 = 500;

/// An API key pair. `Debug` shows the access key (an identifier, needed to tell accounts
/// apart) but never the secret key.
#[derive(Clone)]
pub struct NcpCredentials {
    /// The access key id, sent in `x-ncp-iam-access-key`.
    pub access_key: String,
    /// The secret key that signs requests; never sent.
    pub secret_key: String,
}

impl fmt::Debug for NcpCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NcpCredentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &redact::MASK)
            .finish()
    }
}

/// The SourceDeploy client. Cloning is cheap; clones share connections and statistics.
#[derive(Clone)]
pub struct NcpClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// The base URL without a trailing `/`.
    base_url: String,
    /// The base URL's own path (`""` or e.g. `/ncp-sourcedeploy`), which is not signed; or
    /// why the base URL cannot be used.
    base_path: Result<String, String>,
    region: Option<String>,
    credentials: NcpCredentials,
    http: HttpClient,
}

impl fmt::Debug for NcpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NcpClient")
            .field("base_url", &redact(&self.inner.base_url))
            .field("region", &self.inner.region)
            .field("credentials", &self.inner.credentials)
            .finish()
    }
}

impl NcpClient {
    /// A client for the API at `base_url` (e.g. `https://vpcsourcedeploy.apigw.ntruss.com`,
    /// or the sandbox's `http://127.0.0.1:PORT/ncp-sourcedeploy`). `region` is sent as
    /// `x-ncp-region_code` when set. The client counts its own requests (see
    /// [`http_stats`](Self::http_stats)) on a scoped handle of `http`. An unusable base URL
    /// is reported by the first call.
    pub fn new(
        base_url: &str,
        region: Option<String>,
        credentials: NcpCredentials,
        http: HttpClient,
    ) -> Self {
        let base_url = base_url.trim().trim_end_matches('/').to_owned();
        let base_path = base_path_of(&base_url);
        NcpClient {
            inner: Arc::new(Inner {
                base_url,
                base_path,
                region,
                credentials,
                http: http.scoped(),
            }),
        }
    }

    /// The HTTP client this client sends through, for settling a creating call that failed
    /// ambiguously ([`HttpClient::exactly_once`]) under the same retry policy.
    pub fn http(&self) -> &HttpClient {
        &self.inner.http
    }

    /// Requests this client (and its clones) has sent.
    pub fn http_stats(&self) -> HttpStats {
        self.inner.http.stats()
    }

    /// Sends `call`, signed afresh on every attempt; returns the final response.
    async fn send(&self, call: &Call) -> Result<HttpResponse, NcpError> {
        let (url, signed_uri) = self.target(call)?;
        let Inner {
            credentials,
            region,
            http,
            ..
        } = &*self.inner;
        let response = http
            .send(call.retry, |client| {
                let timestamp = now_ms().to_string();
                let signature = signature::sign(
                    call.method.as_str(),
                    &signed_uri,
                    &timestamp,
                    &credentials.access_key,
                    &credentials.secret_key,
                );
                let mut request = client
                    .request(call.method.clone(), url.clone())
                    .header(signature::HEADER_TIMESTAMP, timestamp)
                    .header(signature::HEADER_ACCESS_KEY, &credentials.access_key)
                    .header(signature::HEADER_SIGNATURE_V2, signature)
                    .header(ACCEPT, "application/json");
                if let Some(region) = region {
                    request = request.header(signature::HEADER_REGION, region);
                }
                if let Some(body) = &call.body {
                    request = request
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                request
            })
            .await?;
        Ok(response)
    }

    /// The URL to request and the URI to sign, which is the URL's path below the base path
    /// plus its query. Refuses a call whose URL would not carry exactly the intended path
    /// and query (a `..` segment, say).
    fn target(&self, call: &Call) -> Result<(reqwest::Url, String), NcpError> {
        let invalid = |reason: String| NcpError::InvalidRequest {
            call: call.label(),
            reason: redact(&reason).into_owned(),
        };
        let base_path = self
            .inner
            .base_path
            .as_ref()
            .map_err(|e| invalid(e.clone()))?;
        let mut intended = call.path.clone();
        if !call.query.is_empty() {
            intended.push('?');
            intended.push_str(&encode_query(&call.query));
        }
        let url = reqwest::Url::parse(&format!("{}{intended}", self.inner.base_url))
            .map_err(|e| invalid(format!("invalid URL: {e}")))?;
        let signed = url
            .path()
            .strip_prefix(base_path.as_str())
            .map(|path| match url.query() {
                Some(query) if !query.is_empty() => format!("{path}?{query}"),
                _ => path.to_owned(),
            });
        match signed {
            Some(signed) if signed == intended => Ok((url, signed)),
            _ => Err(invalid(format!(
                "the URL would become `{}{}` instead of `{intended}`",
                url.path(),
                url.query().map(|q| format!("?{q}")).unwrap_or_default()
            ))),
        }
    }

    /// Sends `call` and unwraps the `result` of a successful answer.
    async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T, NcpError> {
        let response = self.send(&call).await?;
        decode(&call, &response)
    }

    /// Sends a call whose answer is an acknowledgement (`{"result": true}`, wrapped or not;
    /// an empty 2xx body counts too). A DELETE that answers 404 after a retry succeeded:
    /// an earlier attempt, whose answer was lost, deleted the object.
    async fn acknowledge(&self, call: Call) -> Result<(), NcpError> {
        let response = self.send(&call).await?;
        if call.method == Method::DELETE && response.status == 404 && response.attempts > 1 {
            tracing::debug!(call = %call.label(), "404 on a retried delete: already deleted");
            return Ok(());
        }
        if response.is_success() && response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let ack: Ack = decode(&call, &response)?;
        if ack.ok() {
            Ok(())
        } else {
            Err(NcpError::NotAcknowledged { call: call.label() })
        }
    }

    /// Reads every page of a list (optionally filtered by `filter` = (query name, value)),
    /// stopping after a short page, or after the page holding an item for which `done` is
    /// true.
    async fn pages<L, T>(
        &self,
        path: String,
        filter: Option<(&'static str, &str)>,
        items: impl Fn(L) -> Vec<T>,
        done: impl Fn(&T) -> bool,
    ) -> Result<Vec<T>, NcpError>
    where
        L: DeserializeOwned,
        T: PartialEq,
    {
        // Every page's call has this label (a label leaves the query out).
        let label = || redact(&format!("GET {path}")).into_owned();
        let mut all: Vec<T> = Vec::new();
        let mut previous_len = 0;
        for page_no in 1..=MAX_PAGES {
            let mut call = Call::get(path.clone());
            if let Some((name, value)) = filter {
                call = call.query(name, value);
            }
            let call = call.query("pageNo", page_no).query("pageSize", PAGE_SIZE);
            let page = items(self.fetch::<L>(call).await?);
            let (full, found) = (page.len() >= PAGE_SIZE, page.iter().any(&done));
            if page_no > 1 && !page.is_empty() && all[all.len() - previous_len..] == page[..] {
                return Err(NcpError::Pagination {
                    call: label(),
                    reason: format!("page {page_no} repeats page {}", page_no - 1),
                });
            }
            previous_len = page.len();
            all.extend(page);
            if !full || found {
                return Ok(all);
            }
        }
        Err(NcpError::Pagination {
            call: label(),
            reason: format!("still full pages after {MAX_PAGES} pages"),
        })
    }
}

/// The path of the base URL, without a trailing `/`; an error for a URL that cannot be a
/// base (no http(s) scheme, or with a query or fragment).
fn base_path_of(base_url: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(base_url).map_err(|e| format!("invalid base URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("base URL scheme `{}` is not http(s)", url.scheme()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("the base URL must not have a query or fragment".to_owned());
    }
    Ok(url.path().trim_end_matches('/').to_owned())
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}
