//! The one HTTP client every provider talks through.
//!
//! Timeouts, retries, `Retry-After`, redaction and request accounting are the same problem
//! for every API, and solving it slightly differently per provider is how a deploy tool ends
//! up creating a duplicate deployment. So a provider client only says *what* to send and how
//! safe it is to repeat:
//!
//! - it passes a closure that builds a fresh request for every attempt, because some APIs
//!   sign a timestamp that must be new on each try;
//! - it passes a [`Retry`] class; this module decides whether to try again, how long to wait
//!   (exponential backoff with full jitter, or the server's `Retry-After`), and when the
//!   outcome of a non-idempotent call is unknown ([`HttpError::Ambiguous`]) so that the
//!   engine re-reads the remote instead of guessing;
//! - where an API throttles with more than 429 + `Retry-After` (403s, reset times, messages),
//!   it judges each answer with its own rules ([`HttpClient::send_throttled`], with
//!   [`RateLimit`] reading the usual headers); the loop still owns budget and waiting.
//!
//! It reads the whole body of the final response but never interprets it: envelopes and
//! error bodies belong to each provider's client. Logs carry the method, the redacted URL,
//! the status and the time taken, never headers or bodies.

mod error;
mod link;
mod once;
mod paging;
mod ratelimit;
mod response;
mod retry;
mod stats;
mod stream;
#[cfg(test)]
mod tests;

use std::error::Error as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use error::HttpError;
pub use link::{link_target, next_link};
pub use once::Ambiguity;
pub use paging::{MAX_PAGES, PageTrail, PagingError};
pub use ratelimit::{Limited, RateLimit, Signal, Throttle, resets_note};
use response::read_body;
pub use response::{HttpResponse, MAX_BODY_BYTES};
use retry::{Failure, Verdict};
pub use retry::{RETRY_AFTER_CAP, Retry, RetryPolicy, parse_retry_after};
use stats::Counters;
pub use stats::HttpStats;
pub use stream::StreamingResponse;

/// Settings of the shared client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Limit for opening a connection (TCP + TLS).
    pub connect_timeout: Duration,
    /// Limit for one whole attempt, from sending to the last byte of the body.
    pub request_timeout: Duration,
    /// How often and how patiently to retry.
    pub retry: RetryPolicy,
    /// Whether to actually wait between retries. Tests turn it off so that retry paths run
    /// instantly; the waits are still computed and logged.
    pub sleep_on_retry: bool,
    /// The `User-Agent` header sent with every request.
    pub user_agent: String,
    /// Requests in flight at once through this client and all its handles (`--parallelism`):
    /// a wide plan must not flood a provider into rate limiting.
    pub max_in_flight: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            sleep_on_retry: true,
            user_agent: concat!("deployplan/", env!("CARGO_PKG_VERSION")).to_owned(),
            max_in_flight: 10,
        }
    }
}

/// The shared HTTP client. Cloning is cheap (reference-counted) and clones share
/// connections, configuration and statistics.
#[derive(Clone)]
pub struct HttpClient {
    shared: Arc<Shared>,
    /// This handle's own counters first, then those of the handles it was scoped from.
    counters: Arc<[Arc<Counters>]>,
}

struct Shared {
    /// The reqwest client, or why it could not be built.
    client: Result<reqwest::Client, HttpError>,
    /// Bounds requests in flight to `config.max_in_flight`.
    permits: tokio::sync::Semaphore,
    config: HttpConfig,
}

impl Default for HttpClient {
    /// A client with [`HttpConfig::default`].
    fn default() -> Self {
        HttpClient::new(HttpConfig::default())
    }
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("config", &self.shared.config)
            .field("stats", &self.stats())
            .finish()
    }
}

/// Why an attempt is to be repeated; becomes the error if no attempts remain.
enum Last {
    Status(u16),
    Failure(String),
}

/// An attempt that did not end in a final response, already judged against the request's
/// [`Retry`] class.
enum Miss {
    /// Worth another try: the status or the transport failure, and the server's wait.
    Again {
        last: Last,
        retry_after: Option<Duration>,
    },
    /// The caller's throttling rules (see [`HttpClient::send_throttled`]) ask to wait
    /// `wait`, taken as it is, before trying again; the attempts allowed are those of a 429.
    Throttled { status: u16, wait: Duration },
    /// The server may have acted; the reason.
    Ambiguous(String),
    /// Give up at once.
    Fatal(HttpError),
}

impl Miss {
    /// An attempt that produced no complete response, `cause` saying why.
    fn failed(retry: Retry, failure: Failure, cause: String) -> Miss {
        match retry.on_failure(failure) {
            Verdict::Ambiguous => Miss::Ambiguous(cause),
            Verdict::Again | Verdict::Done => Miss::Again {
                last: Last::Failure(cause),
                retry_after: None,
            },
        }
    }
}

/// A response the request's [`Retry`] class takes as final, its body not read yet. What
/// becomes of it is the caller's part of [`HttpClient::retry_loop`]: [`HttpClient::send`]
/// reads the body whole, [`HttpClient::send_streaming`] hands the response over unread.
struct Answer<'c> {
    response: reqwest::Response,
    status: u16,
    method: reqwest::Method,
    /// Shown through [`display_url`] only when a message needs it.
    url: reqwest::Url,
    attempt: u32,
    /// The attempt's place among the requests in flight, released with the answer unless
    /// kept by what it becomes.
    permit: Option<tokio::sync::SemaphorePermit<'c>>,
}

impl Answer<'_> {
    /// Reads the whole body (then releases the permit). A body that breaks off is a
    /// transport failure like any other, judged against `retry`.
    async fn read(mut self, retry: Retry) -> Result<HttpResponse, Miss> {
        match read_body(&mut self.response).await {
            Ok(Some(body)) => Ok(HttpResponse {
                status: self.status,
                // Taken, not copied: the response is dropped with its body read.
                headers: std::mem::take(self.response.headers_mut()),
                body,
                attempts: self.attempt,
            }),
            Ok(None) => Err(Miss::Fatal(HttpError::BodyTooLarge {
                method: self.method.to_string(),
                url: display_url(&self.url),
                limit: MAX_BODY_BYTES,
            })),
            Err(e) => {
                let failure = if e.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::Broken
                };
                Err(Miss::failed(
                    retry,
                    failure,
                    format!("reading the response body: {}", error_text(e)),
                ))
            }
        }
    }
}

impl HttpClient {
    /// Creates the client. If the TLS backend cannot be initialised (practically never),
    /// the failure is reported by every request instead; use [`try_new`](Self::try_new) to
    /// learn it up front.
    pub fn new(config: HttpConfig) -> Self {
        let client = build_client(&config);
        HttpClient::from_parts(client, config)
    }

    /// Creates the client, failing if the TLS backend cannot be initialised.
    pub fn try_new(config: HttpConfig) -> Result<Self, HttpError> {
        let client = build_client(&config)?;
        Ok(HttpClient::from_parts(Ok(client), config))
    }

    fn from_parts(client: Result<reqwest::Client, HttpError>, config: HttpConfig) -> Self {
        HttpClient {
            shared: Arc::new(Shared {
                client,
                permits: tokio::sync::Semaphore::new(config.max_in_flight.max(1)),
                config,
            }),
            counters: Arc::new([Arc::new(Counters::default())]),
        }
    }

    /// A handle that shares this client's connections and configuration but whose
    /// [`stats`](Self::stats) count only the requests sent through it (and its clones).
    /// Those requests still count in this handle's statistics too. Each provider instance
    /// takes one, so that per-provider and overall counts are both available.
    pub fn scoped(&self) -> HttpClient {
        let mut counters = vec![Arc::new(Counters::default())];
        counters.extend(self.counters.iter().cloned());
        HttpClient {
            shared: Arc::clone(&self.shared),
            counters: counters.into(),
        }
    }

    /// The configuration the client was built with.
    pub fn config(&self) -> &HttpConfig {
        &self.shared.config
    }

    /// Requests sent through this handle so far.
    pub fn stats(&self) -> HttpStats {
        self.counters[0].snapshot()
    }

    /// Sends a request, retrying as `retry` allows. `build` is called once per attempt and
    /// must return a complete request (URL, headers, body, fresh signature).
    ///
    /// Returns the final response whatever its status, unless it is one that was retried
    /// until the attempts ran out ([`HttpError::TooManyRetries`]), or the outcome is unknown
    /// ([`HttpError::Ambiguous`]), or no response came ([`HttpError::Transport`]).
    pub async fn send<F>(&self, retry: Retry, build: F) -> Result<HttpResponse, HttpError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        self.retry_loop(retry, false, build, "response", |answer| answer.read(retry))
            .await
    }

    /// The retry loop of [`send`](Self::send) and [`send_streaming`](Self::send_streaming),
    /// the one place where the retry rules are applied.
    ///
    /// Each attempt sends a fresh request from `build`, holding an in-flight permit for the
    /// attempt only, never across a retry wait, and judges the transport failure or the
    /// response head against `retry`. A final response head goes to `finish` with the permit;
    /// `finish` turns it into what the caller gets, or into a [`Miss`] of its own (a body
    /// that breaks off). A miss is tried again after the policy's delay while attempts
    /// remain, and otherwise becomes the error. `answered` is the log message for a response
    /// head. With `judged`, a 429 is a final head too: the caller's `finish` judges it
    /// (and any other answer) and asks for a wait with [`Miss::Throttled`].
    async fn retry_loop<'c, T, F, D, Fut>(
        &'c self,
        retry: Retry,
        judged: bool,
        mut build: F,
        answered: &'static str,
        mut finish: D,
    ) -> Result<T, HttpError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
        D: FnMut(Answer<'c>) -> Fut,
        Fut: Future<Output = Result<T, Miss>>,
    {
        let client = match &self.shared.client {
            Ok(client) => client,
            Err(error) => return Err(error.clone()),
        };
        let policy = &self.shared.config.retry;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = build(client)
                .build()
                .map_err(|e| HttpError::InvalidRequest {
                    cause: error_text(e),
                })?;
            // Kept as sent; made fit for messages (`display_url`) only when one is written.
            let method = request.method().clone();
            let url = request.url().clone();

            // Held for the attempt only: `finish` keeps it or it is dropped with the answer,
            // and a miss drops it before the retry wait.
            let permit = self.shared.permits.acquire().await.ok();
            let started = Instant::now();
            let head = match client.execute(request).await {
                Ok(response) => {
                    self.record(method.as_str(), attempt);
                    let status = response.status().as_u16();
                    tracing::debug!(
                        %method,
                        url = %display_url(&url),
                        attempt,
                        status,
                        elapsed_ms = elapsed_ms(started),
                        "{answered}"
                    );
                    match retry.on_status(status) {
                        Verdict::Done => Ok((response, status)),
                        Verdict::Again if judged && status == 429 => Ok((response, status)),
                        Verdict::Ambiguous => Err(Miss::Ambiguous(format!(
                            "the server answered HTTP {status}"
                        ))),
                        Verdict::Again => Err(Miss::Again {
                            last: Last::Status(status),
                            retry_after: retry_after_header(&response),
                        }),
                    }
                }
                Err(e) => {
                    let failure = failure_of(&e);
                    if failure != Failure::Connect {
                        self.record(method.as_str(), attempt);
                    }
                    let cause = error_text(e);
                    tracing::debug!(
                        %method,
                        url = %display_url(&url),
                        attempt,
                        elapsed_ms = elapsed_ms(started),
                        error = %cause,
                        "request failed"
                    );
                    Err(Miss::failed(retry, failure, cause))
                }
            };
            let outcome = match head {
                Ok((response, status)) => {
                    finish(Answer {
                        response,
                        status,
                        method: method.clone(),
                        url: url.clone(),
                        attempt,
                        permit,
                    })
                    .await
                }
                Err(miss) => {
                    drop(permit);
                    Err(miss)
                }
            };
            let (last, retry_after) = match outcome {
                Ok(done) => return Ok(done),
                Err(Miss::Fatal(error)) => return Err(error),
                Err(Miss::Throttled { status, wait }) => {
                    // `finish` hands back the last throttled answer itself once the budget
                    // is spent, so this check only guards against a `finish` that does not.
                    if policy.exhausted(attempt, Some(429)) {
                        return Err(HttpError::TooManyRetries {
                            method: method.to_string(),
                            url: display_url(&url),
                            status,
                            attempts: attempt,
                        });
                    }
                    tracing::debug!(
                        %method,
                        url = %display_url(&url),
                        attempt,
                        status,
                        delay_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        sleeping = self.shared.config.sleep_on_retry,
                        "throttled: retrying request"
                    );
                    if self.shared.config.sleep_on_retry && !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    continue;
                }
                Err(Miss::Ambiguous(reason)) => {
                    return Err(HttpError::Ambiguous {
                        method: method.to_string(),
                        url: display_url(&url),
                        reason,
                    });
                }
                Err(Miss::Again { last, retry_after }) => (last, retry_after),
            };
            let status = match &last {
                Last::Status(status) => Some(*status),
                Last::Failure(_) => None,
            };
            if policy.exhausted(attempt, status) {
                return Err(match last {
                    Last::Status(status) => HttpError::TooManyRetries {
                        method: method.to_string(),
                        url: display_url(&url),
                        status,
                        attempts: attempt,
                    },
                    Last::Failure(cause) => HttpError::Transport {
                        method: method.to_string(),
                        url: display_url(&url),
                        cause,
                        attempts: attempt,
                    },
                });
            }
            let delay = policy.delay(attempt, retry_after);
            tracing::debug!(
                %method,
                url = %display_url(&url),
                attempt,
                delay_ms = delay.as_millis() as u64,
                sleeping = self.shared.config.sleep_on_retry,
                "retrying request"
            );
            if self.shared.config.sleep_on_retry && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }

    fn record(&self, method: &str, attempt: u32) {
        for counters in self.counters.iter() {
            counters.record(method, attempt > 1);
        }
    }
}

fn build_client(config: &HttpConfig) -> Result<reqwest::Client, HttpError> {
    reqwest::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.request_timeout)
        .user_agent(config.user_agent.clone())
        // Redirects would replay signed or authenticated requests against another URL (and
        // custom auth headers are not stripped across hosts); no API used here redirects, so
        // a redirect is handed back as the answer it is.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| HttpError::Client {
            cause: error_text(e),
        })
}

/// A URL fit for logs and errors: no user-info, registered secrets masked.
pub fn display_url(url: &reqwest::Url) -> String {
    let mut url = url.clone();
    // Both fail only for URLs that cannot carry user-info, which then have none.
    let _ = url.set_password(None);
    let _ = url.set_username("");
    crate::redact::redact(url.as_str()).into_owned()
}

/// The text of a transport error and its causes, without the URL (callers add the redacted
/// one), redacted.
fn error_text(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    crate::redact::redact(&text).into_owned()
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// How a request that got no response failed.
fn failure_of(error: &reqwest::Error) -> Failure {
    if error.is_connect() {
        Failure::Connect
    } else if error.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Broken
    }
}

/// The wait the server asked for in `Retry-After`, if it sent one that parses.
fn retry_after_header(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, jiff::Timestamp::now()))
}
