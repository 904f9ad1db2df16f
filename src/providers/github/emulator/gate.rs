//! What every API request passes before its route: the token, the secondary and primary
//! rate limits, the API version; and the headers every answer carries.
//!
//! - `User-Agent` is required: without one, 403 `Request forbidden by administrative rules…`,
//!   as GitHub refuses such requests before anything else.
//! - Auth: `Authorization: Bearer <token>` or `token <token>` with [`demo::GITHUB_TOKEN`];
//!   anything else is 401 `Bad credentials` (unknown routes too: the token is checked first).
//! - Primary limit: 5,000 requests per hour per user, counted from the user's first request
//!   of the window; every answer carries `x-ratelimit-limit`, `-remaining`, `-used`, `-reset`
//!   (epoch seconds) and `-resource: core` (401s count against an anonymous bucket of 60).
//!   Past the limit: 403 `API rate limit exceeded for user ID …` with remaining 0 until the
//!   reset. The admin API sets the limit and window, empties it, or resets it.
//!   `GET /rate_limit` answers the window without counting (and also when it is used up).
//! - Secondary limit (admin-armed for the next N requests): 403 `You have exceeded a
//!   secondary rate limit…` with `retry-after`; it does not count against the primary limit.
//! - `X-GitHub-Api-Version`: absent or `2022-11-28`; anything else is 400.
//! - Enterprise Server mode (`admin`, `PUT /server`), on the `/api/v3` mount only: every
//!   answer carries `X-GitHub-Enterprise-Version`; `X-GitHub-Api-Version` is 400 (3.8
//!   predates API versions); environment variables and secrets by owner and name are 404
//!   (only `/repositories/{id}/…` has them).
//!
//! The counters live in memory only: a restarted sandbox starts a fresh window, as a
//! client waiting for the reset would expect.
//!
//! [`demo::GITHUB_TOKEN`]: super::demo::GITHUB_TOKEN

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::error::ApiError;
use super::request::{Caller, GHES_PREFIX, Release};
use super::{GithubEmulator, demo, seed};
use crate::providers::common::emulator::{lock, now_ms};

/// The header naming the Enterprise Server release.
const ENTERPRISE_HEADER: &str = "x-github-enterprise-version";
/// The only API version served.
pub(super) const API_VERSION: &str = "2022-11-28";
/// The primary limit of an authenticated user per window.
pub(super) const DEFAULT_LIMIT: u64 = 5_000;
/// The primary limit of unauthenticated requests.
const ANONYMOUS_LIMIT: u64 = 60;
/// The window of the primary limit.
pub(super) const DEFAULT_WINDOW_SECS: u64 = 3_600;

/// The rate-limit settings and counters.
#[derive(Debug)]
pub(super) struct Limits {
    inner: Mutex<LimitState>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct LimitSettings {
    pub limit: u64,
    pub window_secs: u64,
}

#[derive(Debug)]
struct LimitState {
    settings: LimitSettings,
    /// Per login (`""` for anonymous requests).
    buckets: HashMap<String, Bucket>,
    secondary: Option<Secondary>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    used: u64,
    /// Epoch seconds.
    reset: u64,
}

/// The next `requests` API requests meet the secondary limit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) struct Secondary {
    pub requests: u32,
    #[serde(default = "default_retry_after")]
    pub retry_after: u64,
}

fn default_retry_after() -> u64 {
    60
}

/// A bucket as the headers show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(super) struct Window {
    pub limit: u64,
    pub used: u64,
    pub remaining: u64,
    pub reset: u64,
}

fn now_secs() -> u64 {
    u64::try_from(now_ms() / 1000).unwrap_or(0)
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            inner: Mutex::new(LimitState {
                settings: LimitSettings {
                    limit: DEFAULT_LIMIT,
                    window_secs: DEFAULT_WINDOW_SECS,
                },
                buckets: HashMap::new(),
                secondary: None,
            }),
        }
    }
}

impl Limits {
    /// Counts one request of `login` when `count` and the limit allows; the window after it
    /// and whether the request is allowed.
    fn take(&self, login: &str, count: bool) -> (Window, bool) {
        let mut state = lock(&self.inner);
        let now = now_secs();
        let limit = if login.is_empty() {
            ANONYMOUS_LIMIT
        } else {
            state.settings.limit
        };
        let window = state.settings.window_secs;
        let bucket = state.buckets.entry(login.to_owned()).or_insert(Bucket {
            used: 0,
            reset: now + window,
        });
        if now >= bucket.reset {
            *bucket = Bucket {
                used: 0,
                reset: now + window,
            };
        }
        let allowed = bucket.used < limit;
        if allowed && count {
            bucket.used += 1;
        }
        let view = Window {
            limit,
            used: bucket.used,
            remaining: limit.saturating_sub(bucket.used),
            reset: bucket.reset,
        };
        (view, allowed)
    }

    /// Takes one request of an armed secondary limit: its `retry-after`.
    fn secondary(&self) -> Option<u64> {
        let mut state = lock(&self.inner);
        let armed = state.secondary.as_mut()?;
        armed.requests = armed.requests.saturating_sub(1);
        let retry_after = armed.retry_after;
        if armed.requests == 0 {
            state.secondary = None;
        }
        Some(retry_after)
    }

    pub(super) fn settings(&self) -> LimitSettings {
        lock(&self.inner).settings.clone()
    }

    /// New settings; windows restart.
    pub(super) fn set(&self, settings: LimitSettings) {
        let mut state = lock(&self.inner);
        state.settings = settings;
        state.buckets.clear();
    }

    /// Uses up the demo user's current window.
    pub(super) fn exhaust(&self) -> Window {
        let mut state = lock(&self.inner);
        let now = now_secs();
        let (limit, window) = (state.settings.limit, state.settings.window_secs);
        let bucket = state
            .buckets
            .entry(seed::DEMO_USER.to_owned())
            .or_insert(Bucket {
                used: 0,
                reset: now + window,
            });
        if now >= bucket.reset {
            bucket.reset = now + window;
        }
        bucket.used = limit;
        Window {
            limit,
            used: limit,
            remaining: 0,
            reset: bucket.reset,
        }
    }

    /// Empties every bucket and disarms the secondary limit.
    pub(super) fn reset(&self) {
        let mut state = lock(&self.inner);
        state.buckets.clear();
        state.secondary = None;
    }

    pub(super) fn arm_secondary(&self, secondary: Secondary) {
        lock(&self.inner).secondary = (secondary.requests > 0).then_some(secondary);
    }

    /// The demo user's window now, without counting.
    pub(super) fn peek(&self) -> Window {
        self.take(seed::DEMO_USER, false).0
    }
}

/// The user a token belongs to.
fn authenticate(headers: &HeaderMap) -> Option<&'static seed::User> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let scheme_ok = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    (scheme_ok && token.trim() == demo::GITHUB_TOKEN)
        .then(|| seed::user(seed::DEMO_USER))
        .flatten()
}

/// Middleware on every API request, unknown routes included. In Enterprise Server mode
/// (`admin`), answers on the `/api/v3` mount carry `X-GitHub-Enterprise-Version`.
pub(super) async fn gate(
    State(emulator): State<Arc<GithubEmulator>>,
    request: Request,
    next: Next,
) -> Response {
    let release = request
        .uri()
        .path()
        .starts_with(GHES_PREFIX)
        .then(|| emulator.enterprise_release())
        .flatten();
    let mut response = admit(&emulator, request, next, release.clone()).await;
    if let Some(value) = release.and_then(|release| HeaderValue::from_str(&release).ok()) {
        response.headers_mut().insert(ENTERPRISE_HEADER, value);
    }
    response
}

/// Whether `path` (below the `/api/v3` mount) is an environment's variables or secrets by
/// owner and name, which Enterprise Server 3.8 does not have.
fn owner_scoped_variables_or_secrets(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        [
            "repos",
            _,
            _,
            "environments",
            _,
            "variables" | "secrets",
            ..
        ]
    )
}

async fn admit(
    emulator: &GithubEmulator,
    mut request: Request,
    next: Next,
    release: Option<String>,
) -> Response {
    let limits = &emulator.limits;
    if !request.headers().contains_key(header::USER_AGENT) {
        let (window, _) = limits.take("", false);
        let error = ApiError::new(
            StatusCode::FORBIDDEN,
            "Request forbidden by administrative rules. Please make sure your request has a User-Agent header.",
        );
        return with_headers(error.into_response(), window);
    }
    let Some(user) = authenticate(request.headers()) else {
        let (window, allowed) = limits.take("", true);
        let error = if allowed {
            ApiError::unauthorized()
        } else {
            exceeded(0)
        };
        return with_headers(error.into_response(), window);
    };
    if let Some(retry_after) = limits.secondary() {
        let (window, _) = limits.take(user.login, false);
        let mut response = ApiError::new(
            StatusCode::FORBIDDEN,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        return with_headers(response, window);
    }
    // `GET /rate_limit` neither counts nor is refused, as on GitHub.
    let free = request.uri().path().ends_with("/rate_limit");
    let (window, allowed) = limits.take(user.login, !free);
    if !allowed && !free {
        return with_headers(exceeded(user.id).into_response(), window);
    }
    if let Some(version) = request.headers().get("x-github-api-version") {
        let version = String::from_utf8_lossy(version.as_bytes()).into_owned();
        if version.trim() != API_VERSION {
            let error = ApiError::bad_request(format!(
                "Invalid API version provided. The version you specified in the \"X-GitHub-Api-Version\" request header, {version:?}, is not a supported version. The following versions are currently supported: \"{API_VERSION}\" (most recent)."
            ));
            return with_headers(error.into_response(), window);
        }
    }
    if let Some(release) = release {
        if request.headers().contains_key("x-github-api-version") {
            let error = ApiError::bad_request(format!(
                "This version of GitHub Enterprise Server ({release}) does not support API versions: remove the \"X-GitHub-Api-Version\" request header."
            ));
            return with_headers(error.into_response(), window);
        }
        let inner = request
            .uri()
            .path()
            .strip_prefix(GHES_PREFIX)
            .unwrap_or_default();
        if owner_scoped_variables_or_secrets(inner) {
            return with_headers(ApiError::not_found().into_response(), window);
        }
        request.extensions_mut().insert(Release(release));
    }
    request.extensions_mut().insert(Caller(user));
    request.extensions_mut().insert(window);
    with_headers(next.run(request).await, window)
}

/// `GET /rate_limit`: the caller's window, without counting it.
pub(super) async fn rate_limit(window: Option<Extension<Window>>) -> Json<Value> {
    let core = window.map_or(Value::Null, |Extension(window)| {
        json!({
            "limit": window.limit,
            "used": window.used,
            "remaining": window.remaining,
            "reset": window.reset,
            "resource": "core",
        })
    });
    Json(json!({ "resources": { "core": core }, "rate": core }))
}

fn exceeded(user_id: i64) -> ApiError {
    let who = if user_id == 0 {
        "your IP address".to_owned()
    } else {
        format!("user ID {user_id}")
    };
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!(
            "API rate limit exceeded for {who}. If you reach out to GitHub Support for help, please include the request ID."
        ),
    )
}

/// Adds the rate-limit and version headers to an answer.
pub(super) fn with_headers(mut response: Response, window: Window) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", window.limit),
        ("x-ratelimit-remaining", window.remaining),
        ("x-ratelimit-used", window.used),
        ("x-ratelimit-reset", window.reset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    headers.insert("x-ratelimit-resource", HeaderValue::from_static("core"));
    headers.insert(
        "x-github-api-version-selected",
        HeaderValue::from_static(API_VERSION),
    );
    headers.insert(
        "x-github-media-type",
        HeaderValue::from_static("github.v3; format=json"),
    );
    response
}
