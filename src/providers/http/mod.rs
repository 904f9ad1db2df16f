//! The one HTTP client every provider talks through.
//!
//! Timeouts, retries, `Retry-After`, redaction and request accounting are the same problem
//! for every API, and solving it slightly differently per provider is how a deploy tool ends
//! up creating a duplicate deployment. So a provider client only says *what* to send and how
//! safe it is to repeat:
//!
//! - it passes a closure that builds a fresh request for every attempt, because some APIs
//!   (NCP) sign a timestamp that must be new on each try;
//! - it passes a [`Retry`] class; this module decides whether to try again, how long to wait
//!   (exponential backoff with full jitter, or the server's `Retry-After`), and when the
//!   outcome of a non-idempotent call is unknown ([`HttpError::Ambiguous`]) so that the
//!   engine re-reads the remote instead of guessing.
//!
//! It reads the whole body of the final response but never interprets it: envelopes and
//! error bodies belong to each provider's client. Logs carry the method, the redacted URL,
//! the status and the time taken, never headers or bodies.

mod error;
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

/// What one attempt came to, already judged against the request's [`Retry`] class.
enum Attempt {
    /// A final response, body read.
    Final(HttpResponse),
    /// Worth another try: the status or the transport failure, and the server's wait.
    Again {
        last: Last,
        retry_after: Option<Duration>,
    },
    /// The server may have acted; the reason.
    Ambiguous(String),
    /// Give up at once.
    Fatal(HttpError),
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
    pub async fn send<F>(&self, retry: Retry, mut build: F) -> Result<HttpResponse, HttpError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
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
            let method = request.method().as_str().to_owned();
            let url = display_url(request.url());

            // Held for the attempt only, not across retry waits.
            let permit = self.shared.permits.acquire().await;
            let outcome = self
                .attempt(client, request, retry, attempt, &method, &url)
                .await;
            drop(permit);
            let (last, retry_after) = match outcome {
                Attempt::Final(response) => return Ok(response),
                Attempt::Fatal(error) => return Err(error),
                Attempt::Ambiguous(reason) => {
                    return Err(HttpError::Ambiguous {
                        method,
                        url,
                        reason,
                    });
                }
                Attempt::Again { last, retry_after } => (last, retry_after),
            };
            let status = match &last {
                Last::Status(status) => Some(*status),
                Last::Failure(_) => None,
            };
            if policy.exhausted(attempt, status) {
                return Err(match last {
                    Last::Status(status) => HttpError::TooManyRetries {
                        method,
                        url,
                        status,
                        attempts: attempt,
                    },
                    Last::Failure(cause) => HttpError::Transport {
                        method,
                        url,
                        cause,
                        attempts: attempt,
                    },
                });
            }
            let delay = policy.delay(attempt, retry_after);
            tracing::debug!(
                %method,
                %url,
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

    /// Sends one attempt and judges what came back. Only a final response gets its body
    /// read; a response that will be retried or reported as ambiguous is dropped unread.
    async fn attempt(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        retry: Retry,
        attempt: u32,
        method: &str,
        url: &str,
    ) -> Attempt {
        let started = Instant::now();
        let judge_failure = |failure: Failure, cause: String| match retry.on_failure(failure) {
            Verdict::Ambiguous => Attempt::Ambiguous(cause),
            Verdict::Again | Verdict::Done => Attempt::Again {
                last: Last::Failure(cause),
                retry_after: None,
            },
        };
        let mut response = match client.execute(request).await {
            Ok(response) => response,
            Err(e) => {
                let failure = if e.is_connect() {
                    Failure::Connect
                } else if e.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::Broken
                };
                if failure != Failure::Connect {
                    self.record(method, attempt);
                }
                let cause = error_text(e);
                tracing::debug!(
                    method,
                    url,
                    attempt,
                    elapsed_ms = elapsed_ms(started),
                    error = %cause,
                    "request failed"
                );
                return judge_failure(failure, cause);
            }
        };
        self.record(method, attempt);
        let status = response.status().as_u16();
        tracing::debug!(
            method,
            url,
            attempt,
            status,
            elapsed_ms = elapsed_ms(started),
            "response"
        );
        match retry.on_status(status) {
            Verdict::Ambiguous => {
                return Attempt::Ambiguous(format!("the server answered HTTP {status}"));
            }
            Verdict::Again => {
                let retry_after = response
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| parse_retry_after(value, jiff::Timestamp::now()));
                return Attempt::Again {
                    last: Last::Status(status),
                    retry_after,
                };
            }
            Verdict::Done => {}
        }
        let headers = response.headers().clone();
        match read_body(&mut response).await {
            Ok(Some(body)) => Attempt::Final(HttpResponse {
                status,
                headers,
                body,
                attempts: attempt,
            }),
            Ok(None) => Attempt::Fatal(HttpError::BodyTooLarge {
                method: method.to_owned(),
                url: url.to_owned(),
                limit: MAX_BODY_BYTES,
            }),
            Err(e) => {
                let failure = if e.is_timeout() {
                    Failure::Timeout
                } else {
                    Failure::Broken
                };
                judge_failure(
                    failure,
                    format!("reading the response body: {}", error_text(e)),
                )
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
