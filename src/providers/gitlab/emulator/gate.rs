//! What every API request passes before its route: the token and the rate limit.
//!
//! - Auth: `PRIVATE-TOKEN: <token>` or `Authorization: Bearer <token>` with
//!   [`demo::GITLAB_TOKEN`] (user `sandbox-demo`) or a personal token the admin API issued;
//!   `JOB-TOKEN: <token>` with a job token the admin API issued, accepted only on
//!   `GET /projects/:id` and under `/projects/:id/deployments` and
//!   `/projects/:id/environments` (and only for the job's own project). Anything else is
//!   401 `{"message":"401 Unauthorized"}`. Unknown routes answer 404 before any token check,
//!   as Grape routes first.
//! - Rate limit (off until the admin API sets one): `limit` requests per `window_secs` per
//!   user; past it, Rack::Attack's answer: 429, plain text `Retry later\n`, `Retry-After`
//!   (seconds to the window's end) and `RateLimit-Limit`, `-Observed`, `-Remaining`,
//!   `-Reset` (epoch seconds), `-ResetTime` (HTTP date). Counters live in memory only.
//!
//! [`demo::GITLAB_TOKEN`]: super::demo::GITLAB_TOKEN

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::GlState;
use super::{GitlabEmulator, demo, seed};

/// Who is calling: the user, and for a job token the project of its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Caller {
    pub user_id: i64,
    pub job_project: Option<i64>,
}

/// The rate limit the admin API set, counted per caller.
pub(super) use crate::providers::common::emulator::LimitSettings;
pub(super) type Limits = crate::providers::common::emulator::RateLimits<i64>;

/// Rack::Attack's 429: plain text and the `RateLimit-*` headers.
pub(super) fn retry_later(limit: u64, observed: u64, reset: u64, now: u64) -> Response {
    let mut response = (StatusCode::TOO_MANY_REQUESTS, "Retry later\n").into_response();
    let reset_time = jiff::Timestamp::from_second(i64::try_from(reset).unwrap_or(0))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    headers.insert(
        header::RETRY_AFTER,
        HeaderValue::from(reset.saturating_sub(now).max(1)),
    );
    headers.insert("ratelimit-limit", HeaderValue::from(limit));
    headers.insert("ratelimit-observed", HeaderValue::from(observed));
    headers.insert(
        "ratelimit-remaining",
        HeaderValue::from(limit.saturating_sub(observed)),
    );
    headers.insert("ratelimit-reset", HeaderValue::from(reset));
    if let Ok(value) = HeaderValue::from_str(&reset_time) {
        headers.insert("ratelimit-resettime", value);
    }
    response
}

/// The SHA-256 (hex) a token is kept as.
pub(super) use crate::providers::common::emulator::sha256_hex as token_hash;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

/// The caller a request's token names, if any token is valid for this path.
fn authenticate(state: &GlState, headers: &HeaderMap, method: &str, path: &str) -> Option<Caller> {
    if let Some(job) = header(headers, "job-token") {
        let token = state.tokens.iter().find(|t| t.sha256 == token_hash(job))?;
        let project = token.job_project_id?;
        return job_path(method, path).then_some(Caller {
            user_id: token.user_id,
            job_project: Some(project),
        });
    }
    let private = header(headers, "private-token").or_else(|| {
        let value = header(headers, header::AUTHORIZATION.as_str())?;
        let (scheme, token) = value.split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("bearer")
            .then_some(token.trim())
    })?;
    if private == demo::GITLAB_TOKEN {
        return Some(Caller {
            user_id: seed::DEMO_USER_ID,
            job_project: None,
        });
    }
    let token = state
        .tokens
        .iter()
        .find(|t| t.sha256 == token_hash(private))?;
    token.job_project_id.is_none().then_some(Caller {
        user_id: token.user_id,
        job_project: None,
    })
}

/// Whether a job token may call `path` (below `/api/v4`).
fn job_path(method: &str, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "v4", "projects", _] => method == "GET",
        [
            "api",
            "v4",
            "projects",
            _,
            "deployments" | "environments",
            ..,
        ] => true,
        _ => false,
    }
}

/// Middleware on every routed API request.
pub(super) async fn gate(
    State(emulator): State<Arc<GitlabEmulator>>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let caller =
        emulator.with_state(|state| authenticate(state, request.headers(), &method, &path));
    let Some(caller) = caller else {
        return ApiError::unauthorized().into_response();
    };
    if let Some(over) = emulator.limits.take(caller.user_id) {
        return retry_later(over.limit, over.observed, over.reset, over.now);
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}
