//! Responses too large for memory (binary downloads of a gigabyte or more).
//!
//! [`HttpClient::send`] reads every final body into memory, up to [`MAX_BODY_BYTES`]. A
//! download instead needs the final response handed over *unread*, so that its body can go
//! to a file chunk by chunk. Everything up to the response head is the same as `send`: a
//! fresh request per attempt, the same [`Retry`] judgement of statuses and transport
//! failures, `Retry-After`, the in-flight limit and the accounting. The in-flight permit is
//! held until the streamed response is dropped, because the transfer is still in flight.
//!
//! A body that breaks off mid-way is reported by [`StreamingResponse::chunk`] as
//! [`HttpError::Transport`]; only the caller knows whether the partial output can be thrown
//! away and the whole download repeated.

use std::time::Instant;

use super::response::read_body;
use super::retry::{Failure, Verdict};
use super::{
    HttpClient, HttpError, HttpResponse, Last, MAX_BODY_BYTES, Retry, display_url, elapsed_ms,
    error_text, parse_retry_after,
};

/// A final response whose body has not been read yet.
pub struct StreamingResponse<'a> {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// How many attempts it took (1 when the first one answered).
    pub attempts: u32,
    response: reqwest::Response,
    method: String,
    url: String,
    /// Keeps the transfer counted against the client's in-flight limit.
    _permit: Option<tokio::sync::SemaphorePermit<'a>>,
}

impl std::fmt::Debug for StreamingResponse<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamingResponse")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl StreamingResponse<'_> {
    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The next piece of the body, or `None` at its end. A broken or timed-out body is a
    /// [`HttpError::Transport`].
    pub async fn chunk(&mut self) -> Result<Option<impl AsRef<[u8]> + use<>>, HttpError> {
        self.response
            .chunk()
            .await
            .map_err(|e| HttpError::Transport {
                method: self.method.clone(),
                url: self.url.clone(),
                cause: format!("reading the response body: {}", error_text(e)),
                attempts: self.attempts,
            })
    }

    /// Reads the whole body into memory, as [`HttpClient::send`] would have (for error
    /// answers, which are small envelopes).
    pub async fn into_response(mut self) -> Result<HttpResponse, HttpError> {
        match read_body(&mut self.response).await {
            Ok(Some(body)) => Ok(HttpResponse {
                status: self.status,
                headers: self.headers,
                body,
                attempts: self.attempts,
            }),
            Ok(None) => Err(HttpError::BodyTooLarge {
                method: self.method,
                url: self.url,
                limit: MAX_BODY_BYTES,
            }),
            Err(e) => Err(HttpError::Transport {
                cause: format!("reading the response body: {}", error_text(e)),
                method: self.method,
                url: self.url,
                attempts: self.attempts,
            }),
        }
    }
}

impl HttpClient {
    /// Like [`send`](Self::send), but the final response comes back with its body unread,
    /// to be streamed by the caller (see the module documentation).
    pub async fn send_streaming<F>(
        &self,
        retry: Retry,
        mut build: F,
    ) -> Result<StreamingResponse<'_>, HttpError>
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
            let permit = self.shared.permits.acquire().await.ok();
            let started = Instant::now();
            let (last, retry_after) = match client.execute(request).await {
                Ok(response) => {
                    self.record(&method, attempt);
                    let status = response.status().as_u16();
                    tracing::debug!(
                        %method,
                        %url,
                        attempt,
                        status,
                        elapsed_ms = elapsed_ms(started),
                        "response (body streamed)"
                    );
                    match retry.on_status(status) {
                        Verdict::Done => {
                            return Ok(StreamingResponse {
                                status,
                                headers: response.headers().clone(),
                                attempts: attempt,
                                response,
                                method,
                                url,
                                _permit: permit,
                            });
                        }
                        Verdict::Ambiguous => {
                            return Err(HttpError::Ambiguous {
                                method,
                                url,
                                reason: format!("the server answered HTTP {status}"),
                            });
                        }
                        Verdict::Again => {
                            let retry_after = response
                                .headers()
                                .get(reqwest::header::RETRY_AFTER)
                                .and_then(|value| value.to_str().ok())
                                .and_then(|value| parse_retry_after(value, jiff::Timestamp::now()));
                            (Last::Status(status), retry_after)
                        }
                    }
                }
                Err(e) => {
                    let failure = if e.is_connect() {
                        Failure::Connect
                    } else if e.is_timeout() {
                        Failure::Timeout
                    } else {
                        Failure::Broken
                    };
                    if failure != Failure::Connect {
                        self.record(&method, attempt);
                    }
                    let cause = error_text(e);
                    tracing::debug!(%method, %url, attempt, error = %cause, "request failed");
                    if retry.on_failure(failure) == Verdict::Ambiguous {
                        return Err(HttpError::Ambiguous {
                            method,
                            url,
                            reason: cause,
                        });
                    }
                    (Last::Failure(cause), None)
                }
            };
            drop(permit);
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
            tracing::debug!(%method, %url, attempt, delay_ms = delay.as_millis() as u64, "retrying request");
            if self.shared.config.sleep_on_retry && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }
}
