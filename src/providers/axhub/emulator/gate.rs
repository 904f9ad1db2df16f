//! What every API request passes: its request id, its token and the rate limit.
//!
//! - Request id: the `X-Request-ID` the client sent (up to 128 visible ASCII characters),
//!   else a new 26-character id; it is echoed as the `X-Request-ID` response header and
//!   written into every error body's `request_id` ([`request_id`], outermost, so unknown
//!   routes and refused tokens carry it too).
//! - Auth: `X-Api-Key: <PAT>` or `Authorization: Bearer <token>` with
//!   [`demo::AXHUB_TOKEN`] (tenant `acme`'s admin) or a token the admin API issued (kept
//!   as SHA-256). None: 401 `token_missing`; unknown: 401 `token_invalid`.
//! - Rate limit (off until the admin API sets one): `limit` requests per `window_secs` per
//!   token; past it 429 `temporarily_unavailable` with `Retry-After` (seconds to the
//!   window's end) and `retry.after_seconds`. Counters live in memory only.
//!
//! [`demo::AXHUB_TOKEN`]: super::demo::AXHUB_TOKEN

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::error::ApiError;
use super::{AxhubEmulator, demo};
use crate::providers::common::emulator::{now_ms, sha256_hex};

/// Who is calling: the token's hash (the rate-limit bucket) and whether it is an admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Caller {
    pub key: String,
    pub admin: bool,
}

impl Caller {
    /// Refuses a write that needs the app's owner or a tenant admin.
    pub(super) fn require_admin(&self) -> Result<(), ApiError> {
        if self.admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "not_admin",
                "only the app owner or a tenant admin may do this",
            ))
        }
    }
}

/// The rate limit the admin API set, counted per caller.
pub(super) use crate::providers::common::emulator::LimitSettings;
pub(super) type Limits = crate::providers::common::emulator::RateLimits<String>;

/// A new 26-character request id (Crockford base32, like a ULID). Clients' ids are echoed
/// as sent, whatever their alphabet: axhub-sdk sends 13 digits of epoch ms and 13 hex.
pub(super) fn new_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let digest = sha256_hex(&format!("{}:{n}", now_ms()));
    digest
        .as_bytes()
        .chunks(2)
        .take(26)
        .map(|pair| {
            let byte = u8::from_str_radix(std::str::from_utf8(pair).unwrap_or("0"), 16);
            char::from(ALPHABET[usize::from(byte.unwrap_or(0) % 32)])
        })
        .collect()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

/// Outermost middleware: settles the request id and writes it into error bodies.
pub(super) async fn request_id(request: Request, next: Next) -> Response {
    let id = header(request.headers(), "x-request-id")
        .filter(|id| id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(new_request_id, str::to_owned);
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    if let Ok(value) = HeaderValue::from_str(&id) {
        parts.headers.insert("x-request-id", value);
    }
    if parts.status.as_u16() < 400 {
        return Response::from_parts(parts, body);
    }
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let Ok(mut document) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let target = match document.get_mut("error") {
        Some(inner) if inner.is_object() => inner,
        _ => &mut document,
    };
    if let Some(object) = target.as_object_mut() {
        object.insert("request_id".into(), Value::from(id));
    }
    let bytes = serde_json::to_vec(&document).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The caller a request's credentials name, or the 401.
fn authenticate(emulator: &AxhubEmulator, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let token = header(headers, "x-api-key").or_else(|| {
        let value = header(headers, header::AUTHORIZATION.as_str())?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    });
    let Some(token) = token else {
        return Err(ApiError::unauthenticated(
            "token_missing",
            "send a personal access token in X-Api-Key",
        ));
    };
    let key = sha256_hex(token);
    if token == demo::AXHUB_TOKEN {
        return Ok(Caller { key, admin: true });
    }
    let admin = emulator.with_state(|state| {
        state
            .tokens
            .iter()
            .find(|held| held.sha256 == key)
            .map(|held| held.admin)
    });
    match admin {
        Some(admin) => Ok(Caller { key, admin }),
        None => Err(ApiError::unauthenticated(
            "token_invalid",
            "the token is not valid",
        )),
    }
}

/// Middleware on every routed API request: the token, then the rate limit.
pub(super) async fn gate(
    State(emulator): State<Arc<AxhubEmulator>>,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match authenticate(&emulator, request.headers()) {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    if let Some(over) = emulator.limits.take(caller.key.clone()) {
        let limited =
            ApiError::unavailable(StatusCode::TOO_MANY_REQUESTS, Some(over.retry_after()));
        return limited.into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}
