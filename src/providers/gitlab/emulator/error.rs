//! GitLab's error bodies, as its REST documentation gives them.
//!
//! | Status | Body | When |
//! |---|---|---|
//! | 400 | `{"error":"<param> is missing"}` / `{"error":"<param> does not have a valid value"}` | parameter validation (Grape) |
//! | 400 | `{"message":{"<field>":["<msg>"]}}` | model validation (duplicate name, unknown ref, …) |
//! | 400 | `{"message":"400 Bad request - <reason>"}` | a refused action (deleting a running deployment) |
//! | 401 | `{"message":"401 Unauthorized"}` | no or an unknown token; a job token outside its endpoints |
//! | 403 | `{"message":"403 Forbidden"}` | the role or tier does not allow it |
//! | 404 | `{"message":"404 Project Not Found"}`, `404 Not found`, … | the object is missing or hidden |
//! | 404 | `{"error":"404 Not Found"}` | an unknown route |
//! | 405 | `{"message":"Non GET methods are not allowed for moved projects"}` | a write on a moved project's old path |
//! | 409 | `{"message":"Protected environment '<name>' already exists"}` | protecting twice |
//! | 429 | `Retry later` (plain text) | the rate limit |

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::extract::{RequestError, Unreadable};

/// A failed GitLab call: a status and its JSON body.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    /// `Location` of a redirect (a moved project).
    pub location: Option<String>,
}

/// What every handler returns.
pub(super) type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    /// `{"message": "<text>"}`.
    pub(super) fn message(status: StatusCode, text: impl Into<String>) -> Self {
        ApiError {
            status,
            body: json!({ "message": text.into() }),
            location: None,
        }
    }

    /// 400 `{"error": "<text>"}`: a parameter Grape refuses.
    pub(super) fn param(text: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "error": text.into() }),
            location: None,
        }
    }

    /// 400 `{"error":"<name> is missing"}`.
    pub(super) fn missing(name: &str) -> Self {
        Self::param(format!("{name} is missing"))
    }

    /// 400 `{"error":"<name> does not have a valid value"}`.
    pub(super) fn invalid(name: &str) -> Self {
        Self::param(format!("{name} does not have a valid value"))
    }

    /// 400 `{"message":{"<field>":["<text>"]}}`: a model validation error.
    pub(super) fn field(field: &str, text: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: json!({ "message": { field: [text.into()] } }),
            location: None,
        }
    }

    /// 400 `{"message":"400 Bad request - <reason>"}`.
    pub(super) fn bad_request(reason: &str) -> Self {
        Self::message(
            StatusCode::BAD_REQUEST,
            format!("400 Bad request - {reason}"),
        )
    }

    pub(super) fn unauthorized() -> Self {
        Self::message(StatusCode::UNAUTHORIZED, "401 Unauthorized")
    }

    pub(super) fn forbidden() -> Self {
        Self::message(StatusCode::FORBIDDEN, "403 Forbidden")
    }

    /// 403 with GitLab's reason: `403 Forbidden - <reason>`.
    pub(super) fn forbidden_because(reason: &str) -> Self {
        Self::message(StatusCode::FORBIDDEN, format!("403 Forbidden - {reason}"))
    }

    /// 404 `{"message":"404 <what> Not Found"}` (`what` empty: `404 Not found`).
    pub(super) fn not_found(what: &str) -> Self {
        if what.is_empty() {
            Self::message(StatusCode::NOT_FOUND, "404 Not found")
        } else {
            Self::message(StatusCode::NOT_FOUND, format!("404 {what} Not Found"))
        }
    }

    pub(super) fn project_not_found() -> Self {
        Self::not_found("Project")
    }

    /// 301 to where a moved project now is.
    pub(super) fn moved(location: String) -> Self {
        ApiError {
            status: StatusCode::MOVED_PERMANENTLY,
            body: json!({ "message": "301 Moved Permanently" }),
            location: Some(location),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(value) = self.location.and_then(|to| HeaderValue::from_str(&to).ok()) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response
    }
}

/// A path id that is not a number names nothing (404 `Not found`); a bad query parameter
/// or body is 400 in Grape's words.
impl RequestError for ApiError {
    const PATH_PARAMETER: &'static str = "path parameter";

    fn unreadable(part: Unreadable, details: String) -> Self {
        match part {
            Unreadable::Path => ApiError::not_found(""),
            Unreadable::Query => ApiError::param(details),
            Unreadable::Body | Unreadable::BodyTooLarge => ApiError::message(
                StatusCode::BAD_REQUEST,
                format!("400 Bad request - {details}"),
            ),
        }
    }
}

/// An unknown route, or a known path with a method it does not take: Grape's
/// `{"error":"404 Not Found"}`.
pub(super) async fn no_such_route() -> ApiError {
    ApiError {
        status: StatusCode::NOT_FOUND,
        body: json!({ "error": "404 Not Found" }),
        location: None,
    }
}
