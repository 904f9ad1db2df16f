//! The Deploy envelope on every JSON answer, and which HTTP status goes with which
//! `resultCode`.
//!
//! The guide documents the result codes but no HTTP statuses, so the emulator answers each
//! failure with the status its code means (a Spring service annotating its exceptions would
//! do the same); clients must read the envelope on any status:
//!
//! | resultCode | HTTP | When (beyond the documented meaning) |
//! |---|---|---|
//! | `SUCCESS` | 200 | also for a sync deployment that ended `fail` (call-level success) |
//! | `BAD_REQUEST` | 400 | malformed input, an unknown server group / scenario / hostname |
//! | `NOT_FOUND_OS` | 400 | `osType` is not `iOS`, `Android` or `etc` |
//! | `INVALID_FILE_EXTENSION` | 400 | the file's extension does not fit its OS |
//! | `NOT_FOUND_ARTIFACT_INFO` / `NOT_FOUND_BINARY_GROUP` / `NOT_FOUND_BINARY_INFO` | 404 | |
//! | `ALREADY_UPLOADED_VERSION` | 409 | |
//! | `FILE_SIZE_CAPACITY_EXCEEDED` | 413 | |
//! | `GENERAL_EXCEPTION` | 500, or 404 for an unknown route or method, 429/503 for injected faults | |
//! | `UNAUTHORIZED` (undocumented) | 401 | missing, unknown or expired `X-NHN-AUTHORIZATION` token |
//! | `FORBIDDEN` (undocumented) | 403 | unknown `appKey` (the caller holds no Deploy role there) |
//!
//! Error answers carry `"body": null`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::providers::nhn::wire::{Envelope, Header, result_code};

/// Result code of authentication failures; the documents list none.
pub(super) const UNAUTHORIZED: &str = "UNAUTHORIZED";
/// Result code of a request for a project the caller has no role in; undocumented too.
pub(super) const FORBIDDEN: &str = "FORBIDDEN";

/// A failed Deploy call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, result_code::BAD_REQUEST, message)
    }

    pub(super) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, UNAUTHORIZED, message)
    }

    pub(super) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, FORBIDDEN, message)
    }

    pub(super) fn artifact_not_found(artifact_id: i64) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            result_code::NOT_FOUND_ARTIFACT_INFO,
            format!("artifact {artifact_id} does not exist"),
        )
    }

    pub(super) fn binary_group_not_found(artifact_id: i64, key: i64) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            result_code::NOT_FOUND_BINARY_GROUP,
            format!("binary group {key} does not exist in artifact {artifact_id}"),
        )
    }

    pub(super) fn binary_not_found(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            result_code::NOT_FOUND_BINARY_INFO,
            message,
        )
    }

    pub(super) fn already_uploaded(version: &str, group: i64) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            result_code::ALREADY_UPLOADED_VERSION,
            format!("version {version:?} is already uploaded to binary group {group}"),
        )
    }

    pub(super) fn too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            result_code::FILE_SIZE_CAPACITY_EXCEEDED,
            format!("the binary file is larger than the {limit} bytes allowed"),
        )
    }

    pub(super) fn os_not_found(os: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            result_code::NOT_FOUND_OS,
            format!("osType {os:?} is not one of iOS, Android, etc"),
        )
    }

    pub(super) fn invalid_extension(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            result_code::INVALID_FILE_EXTENSION,
            message,
        )
    }

    pub(super) fn general(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, result_code::GENERAL_EXCEPTION, message)
    }
}

/// The header of an answer sent now.
pub(super) fn header(successful: bool, code: &str, message: &str) -> Header {
    Header {
        is_successful: successful,
        server_time: crate::providers::common::emulator::now_ms(),
        result_code: code.to_owned(),
        result_message: message.to_owned(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let envelope: Envelope<()> = Envelope {
            header: header(false, self.code, &self.message),
            body: None,
        };
        (self.status, Json(envelope)).into_response()
    }
}

/// What every JSON handler returns: the success envelope or an error envelope.
pub(super) type ApiResult<T> = Result<Json<Envelope<T>>, ApiError>;

/// Wraps a body in the success envelope.
pub(super) fn ok<T: Serialize>(body: T) -> ApiResult<T> {
    Ok(Json(Envelope {
        header: header(true, result_code::SUCCESS, "success"),
        body: Some(body),
    }))
}

/// An unknown route, or a known path with the wrong method: 404 with the envelope, and
/// no authentication (the route is matched first).
pub(super) async fn no_such_route(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::general(
        StatusCode::NOT_FOUND,
        format!(
            "no Deploy API operation {method} {} (upload and download use `binary-group`, the lists `binary-groups`)",
            uri.path()
        ),
    )
}
