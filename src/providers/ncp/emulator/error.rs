//! SourceDeploy's error envelope and the gateway's common error codes.
//!
//! Every failure answers `{"error":{"errorCode","message","details"}}` with the HTTP status
//! and code pairs of NAVER's common API error table (`providers.md` §1.3): the message is
//! the table's fixed text, `details` says what exactly was wrong.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::providers::ncp::wire::{Envelope, ErrorBody, ErrorEnvelope};

/// A failed SourceDeploy call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: &'static str,
    details: String,
}

impl ApiError {
    /// 400 / 100: malformed or invalid input.
    pub(super) fn bad_request(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "100",
            "Bad Request Exception",
            details,
        )
    }

    /// 401 / 200: missing or wrong credentials, bad signature, skewed clock.
    pub(super) fn auth(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "200",
            "Authentication Failed",
            details,
        )
    }

    /// 401 / 210: authenticated, but the sub-account may not call this operation.
    pub(super) fn permission_denied(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "210",
            "Permission Denied",
            details,
        )
    }

    /// 404 / 300: the addressed object (or route) does not exist.
    pub(super) fn not_found(details: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "300", "Not Found Exception", details)
    }

    /// 413 / 430: the body is larger than the gateway takes.
    pub(super) fn too_large(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "430",
            "Request Entity Too Large",
            details,
        )
    }

    /// 429 / 420: the caller is being rate limited.
    pub(super) fn rate_limited(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "420",
            "Rate Limited",
            details,
        )
    }

    /// 503 / 500: the service behind the gateway failed.
    pub(super) fn endpoint_error(details: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "500",
            "Endpoint Error",
            details,
        )
    }

    /// What exactly was wrong.
    pub(super) fn details(&self) -> &str {
        &self.details
    }

    fn new(
        status: StatusCode,
        code: &'static str,
        message: &'static str,
        details: impl Into<String>,
    ) -> Self {
        ApiError {
            status,
            code,
            message,
            details: details.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                error_code: self.code.to_owned(),
                message: self.message.to_owned(),
                details: self.details,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// What every handler returns: `{"result": …}` or the error envelope.
pub(super) type ApiResult<T> = Result<Json<Envelope<T>>, ApiError>;

/// Wraps a payload in the success envelope.
pub(super) fn ok<T: Serialize>(result: T) -> ApiResult<T> {
    Ok(Json(Envelope { result }))
}

/// Answers an unknown route (or a known path with the wrong method) the way the gateway
/// does for a resource it does not publish: 404 / 300.
pub(super) async fn no_such_route(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no SourceDeploy operation {method} {}", uri.path()))
}
