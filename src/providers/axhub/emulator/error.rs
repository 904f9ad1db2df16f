//! AxHub's error bodies (providers.md §5.2): `{"error": {category, code, message,
//! request_id, retryable, resource?, fields?, retry?}}`, or, for the 428s the SDK's
//! `parseError` reads at the root, the same keys un-wrapped. `request_id` is written by
//! [`super::request_id`] for every error, whichever handler produced it, so this module
//! leaves it empty.
//!
//! Every code but the 428's is in AxHub's own registry as its SDKs ship it (axhub-sdk
//! 0.13.0 `ERROR_CODES`: code → status, category, retryable), which names the specific
//! codes of staging and rollback refusals:
//!
//! | Status | code | category | retryable |
//! |---|---|---|---|
//! | 400 | `bad_request`, `invalid_format`, `invalid_value`, `required` | validation | no |
//! | 401 | `token_missing`, `token_invalid` | unauthenticated | yes |
//! | 403 | `forbidden`, `not_admin`, `version_not_approved` | permission_denied | no |
//! | 404 | `not_found` | not_found | no |
//! | 409 | `conflict`, `invalid_state_transition`, `staging_already_enabled` | conflict | no |
//! | 412 | `precondition_failed`, `staging_required`, `prod_deploy_required`, `confirm_required` | precondition_failed | no |
//! | 428 | `github_relogin_required` (un-wrapped; not in the registry) | precondition_failed | no |
//! | 429 / 503 | `temporarily_unavailable` | unavailable | yes |

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::extract::{RequestError, Unreadable};

/// A failed AxHub call.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub category: &'static str,
    pub message: String,
    pub retryable: bool,
    /// Boxed, as rare extras, so every `Result<_, ApiError>` stays small.
    pub resource: Option<Box<Value>>,
    pub fields: Option<Box<Value>>,
    /// Seconds a client waits (`Retry-After` and `retry.after_seconds`).
    pub retry_after: Option<u64>,
    /// Code and message at the root instead of under `error`.
    pub unwrapped: bool,
}

/// What every handler returns.
pub(super) type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    fn new(status: StatusCode, code: &'static str, category: &'static str, message: &str) -> Self {
        ApiError {
            status,
            code,
            category,
            message: message.to_owned(),
            retryable: matches!(category, "unauthenticated" | "unavailable"),
            resource: None,
            fields: None,
            retry_after: None,
            unwrapped: false,
        }
    }

    /// 400 with one offending field.
    pub(super) fn field(code: &'static str, field: &str, message: &str) -> Self {
        let mut error = Self::new(StatusCode::BAD_REQUEST, code, "validation", message);
        error.fields = Some(Box::new(json!([
            { "field": field, "code": code, "message": message }
        ])));
        error
    }

    pub(super) fn bad_request(message: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "validation",
            message,
        )
    }

    pub(super) fn unauthenticated(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, "unauthenticated", message)
    }

    pub(super) fn forbidden(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, "permission_denied", message)
    }

    pub(super) fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "not_found",
            &format!("{what} not found"),
        )
    }

    /// 409; `resource` names the object in the way (the running deployment).
    pub(super) fn conflict(code: &'static str, message: &str, resource: Option<Value>) -> Self {
        let mut error = Self::new(StatusCode::CONFLICT, code, "conflict", message);
        error.resource = resource.map(Box::new);
        error
    }

    pub(super) fn precondition(code: &'static str, message: &str) -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            code,
            "precondition_failed",
            message,
        )
    }

    /// 428 `github_relogin_required`, un-wrapped as the SDK's `parseError` expects.
    pub(super) fn relogin() -> Self {
        let mut error = Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "github_relogin_required",
            "precondition_failed",
            "GitHub authorization expired; sign in to GitHub again",
        );
        error.unwrapped = true;
        error
    }

    /// 429 (rate limit) or 503 (back end down) `temporarily_unavailable`.
    pub(super) fn unavailable(status: StatusCode, retry_after: Option<u64>) -> Self {
        let mut error = Self::new(
            status,
            "temporarily_unavailable",
            "unavailable",
            "the service is temporarily unavailable; retry later",
        );
        error.retry_after = retry_after;
        error
    }

    /// The JSON body (with an empty `request_id`, filled in on the way out).
    pub(super) fn body(&self) -> Value {
        let mut inner = json!({
            "category": self.category,
            "code": self.code,
            "message": self.message,
            "request_id": "",
            "retryable": self.retryable,
        });
        if let Some(resource) = &self.resource {
            inner["resource"] = (**resource).clone();
        }
        if let Some(fields) = &self.fields {
            inner["fields"] = (**fields).clone();
        }
        if let Some(seconds) = self.retry_after {
            inner["retry"] = json!({ "after_seconds": seconds });
        }
        if self.unwrapped {
            inner
        } else {
            json!({ "error": inner })
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// A path, query or body that does not parse is 400 in AxHub's envelope.
impl RequestError for ApiError {
    const PATH_PARAMETER: &'static str = "path parameter";

    fn unreadable(part: Unreadable, details: String) -> Self {
        match part {
            Unreadable::Path => ApiError::not_found("resource"),
            Unreadable::Query => ApiError::field("invalid_value", "query", &details),
            Unreadable::Body | Unreadable::BodyTooLarge => ApiError::bad_request(&details),
        }
    }
}

/// An unknown route, or a method a path does not take: 404 in the envelope.
pub(super) async fn no_such_route() -> ApiError {
    ApiError::not_found("route")
}
