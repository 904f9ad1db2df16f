//! The final response handed to provider clients: status, headers and the whole body, read
//! here so that a body that breaks off mid-way is judged like any other transport failure
//! (retried for safe calls, ambiguous for the others).

use std::borrow::Cow;

/// The largest response body accepted; deployment APIs answer in kilobytes, so anything
/// near this is a misdirected request or a hostile server.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The final response of a request: status, headers and the complete body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
    /// The raw body (possibly empty).
    pub body: Vec<u8>,
    /// How many attempts it took (1 when the first one answered). Lets a client tell, for
    /// example, a 404 on a retried DELETE (the first attempt probably deleted it) from a
    /// plain 404.
    pub attempts: u32,
}

impl HttpResponse {
    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The body decoded as JSON `T`; the error says why, quoting the start of the body
    /// (redacted), so that a proxy's HTML page is recognisable in the message.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let quoted = crate::providers::common::snippet::snippet(&self.body);
            crate::redact::redact(&format!("{e} in `{quoted}`")).into_owned()
        })
    }

    /// The 2xx body decoded as `T`; another status is `refused`'s error, a body that does
    /// not decode `undecodable`'s (given the reason).
    pub fn decoded<T: serde::de::DeserializeOwned, E>(
        &self,
        refused: impl FnOnce(&Self) -> E,
        undecodable: impl FnOnce(String) -> E,
    ) -> Result<T, E> {
        if !self.is_success() {
            return Err(refused(self));
        }
        self.json().map_err(undecodable)
    }

    /// Like [`decoded`](Self::decoded), but a 404 is `None`: a read of something that may
    /// not exist.
    pub fn decoded_if_found<T: serde::de::DeserializeOwned, E>(
        &self,
        refused: impl FnOnce(&Self) -> E,
        undecodable: impl FnOnce(String) -> E,
    ) -> Result<Option<T>, E> {
        if self.status == 404 {
            return Ok(None);
        }
        self.decoded(refused, undecodable).map(Some)
    }

    /// Whether a DELETE is done: any 2xx, or a 404 after a repeated attempt (the first one
    /// most likely deleted it before its answer was lost).
    pub fn deleted(&self) -> bool {
        self.is_success() || (self.status == 404 && self.attempts > 1)
    }

    /// What an error answer says: the API's own `message` when it gave one, else the start
    /// of the body (a gateway's plain text), else the status's reason phrase; redacted.
    pub fn error_text(&self, message: Option<String>) -> String {
        let quoted = || {
            let blank = String::from_utf8_lossy(&self.body).trim().is_empty();
            (!blank).then(|| {
                crate::providers::common::snippet::snippet(&self.body)
                    .trim()
                    .to_owned()
            })
        };
        let text = message
            .filter(|m| !m.trim().is_empty())
            .or_else(quoted)
            .unwrap_or_else(|| {
                reqwest::StatusCode::from_u16(self.status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("no message")
                    .to_owned()
            });
        crate::redact::redact(&text).into_owned()
    }
}

/// Reads the whole body, or `None` if it exceeds [`MAX_BODY_BYTES`].
pub(super) async fn read_body(
    response: &mut reqwest::Response,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let announced = response.content_length();
    if announced.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Ok(None);
    }
    // Room for what the head announces, up to a size no answer here needs more than once;
    // an answer that announces more grows as it arrives.
    const RESERVED_AT_MOST: u64 = 1 << 20;
    let mut body = Vec::with_capacity(announced.unwrap_or(0).min(RESERVED_AT_MOST) as usize);
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}
