//! Responses too large for memory (binary downloads of a gigabyte or more).
//!
//! [`HttpClient::send`] reads every final body into memory, up to [`MAX_BODY_BYTES`]. A
//! download instead needs the final response handed over *unread*, so that its body can go
//! to a file chunk by chunk. Everything up to the response head is `send`'s own retry loop: a
//! fresh request per attempt, the same [`Retry`] judgement of statuses and transport
//! failures, `Retry-After`, the in-flight limit and the accounting. The in-flight permit is
//! held until the streamed response is dropped, because the transfer is still in flight.
//!
//! A body that breaks off mid-way is reported by [`StreamingResponse::chunk`] as
//! [`HttpError::Transport`]; only the caller knows whether the partial output can be thrown
//! away and the whole download repeated.

use super::response::read_body;
use super::{Answer, HttpClient, HttpError, HttpResponse, MAX_BODY_BYTES, Retry, error_text};

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

impl<'c> StreamingResponse<'c> {
    /// The final response of [`HttpClient::send_streaming`], body unread, keeping the
    /// attempt's in-flight permit.
    fn unread(answer: Answer<'c>) -> Self {
        StreamingResponse {
            status: answer.status,
            headers: answer.response.headers().clone(),
            attempts: answer.attempt,
            response: answer.response,
            method: answer.method.to_string(),
            url: super::display_url(&answer.url),
            _permit: answer.permit,
        }
    }
}

impl HttpClient {
    /// Like [`send`](Self::send), but the final response comes back with its body unread,
    /// to be streamed by the caller (see the module documentation).
    pub async fn send_streaming<F>(
        &self,
        retry: Retry,
        build: F,
    ) -> Result<StreamingResponse<'_>, HttpError>
    where
        F: FnMut(&reqwest::Client) -> reqwest::RequestBuilder,
    {
        self.retry_loop(retry, false, build, "response (body streamed)", |answer| {
            std::future::ready(Ok(StreamingResponse::unread(answer)))
        })
        .await
    }
}
