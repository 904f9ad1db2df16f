//! GitHub's error bodies and statuses, as the REST documentation and its OpenAPI description
//! give them.
//!
//! | Status | Body | When |
//! |---|---|---|
//! | 400 | basic error | a malformed body or query, an unsupported `X-GitHub-Api-Version` |
//! | 401 | `Bad credentials` | a missing, malformed or unknown token |
//! | 403 | `API rate limit exceeded …` / `… secondary rate limit …` | the limits (see `limits.rs`) |
//! | 404 | `Not Found` | an unknown route, repository, environment, deployment, … |
//! | 409 | basic error, or `errors[]` naming failed contexts | a deployment's merge conflict or failed status checks |
//! | 422 | `{"message":"Validation Failed","errors":[{resource,field,code,message?}]}` | invalid input |
//!
//! Every body carries `documentation_url` and `status` (the code as a string), as GitHub's
//! answers since 2023 do.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::sandbox::extract::{RequestError, Unreadable};

/// Where GitHub's error answers point; the sandbox points at the same pages.
pub(super) const DOCS: &str = "https://docs.github.com/rest";

/// One entry of a validation error's `errors[]`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct FieldError {
    pub resource: &'static str,
    pub field: String,
    /// `missing_field`, `invalid`, `already_exists`, `custom`, …
    pub code: &'static str,
    pub message: Option<String>,
}

/// A failed GitHub call.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// `errors[]` of a validation error (and of a failed-contexts conflict).
    pub errors: Option<Vec<Value>>,
}

/// What every handler returns.
pub(super) type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    pub(super) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            errors: None,
        }
    }

    /// 404 `Not Found`, GitHub's answer for anything missing or hidden.
    pub(super) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(super) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Bad credentials")
    }

    /// 422 with a plain message (GitHub's answer for rule violations it does not tie to a
    /// field, such as deleting an active deployment).
    pub(super) fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 422 `Validation Failed` with one entry per problem.
    pub(super) fn validation(errors: Vec<FieldError>) -> Self {
        let errors = errors
            .into_iter()
            .map(|error| {
                let mut entry = json!({
                    "resource": error.resource,
                    "field": error.field,
                    "code": error.code,
                });
                if let Some(message) = error.message {
                    entry["message"] = Value::String(message);
                }
                entry
            })
            .collect();
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "Validation Failed".to_owned(),
            errors: Some(errors),
        }
    }

    /// 422 for one field.
    pub(super) fn invalid(
        resource: &'static str,
        field: &str,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::validation(vec![FieldError {
            resource,
            field: field.to_owned(),
            code,
            message: Some(message.into()),
        }])
    }

    /// 409 with a message and GitHub's `errors[]`.
    pub(super) fn conflict(message: impl Into<String>, errors: Option<Vec<Value>>) -> Self {
        ApiError {
            status: StatusCode::CONFLICT,
            message: message.into(),
            errors,
        }
    }

    /// The JSON body of this error.
    pub(super) fn body(&self) -> Value {
        let mut body = json!({ "message": self.message });
        if let Some(errors) = &self.errors {
            body["errors"] = Value::Array(errors.clone());
        }
        body["documentation_url"] = Value::String(DOCS.to_owned());
        body["status"] = Value::String(self.status.as_u16().to_string());
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

/// A path parameter that is not of its type names nothing that exists: 404, as GitHub
/// answers `/deployments/abc`. A bad query or body is 400 `Problems parsing JSON` (GitHub's
/// words for a body it cannot read).
impl RequestError for ApiError {
    const PATH_PARAMETER: &'static str = "path parameter";

    fn unreadable(part: Unreadable, details: String) -> Self {
        match part {
            Unreadable::Path => ApiError::not_found(),
            Unreadable::Query => ApiError::bad_request(details),
            Unreadable::Body | Unreadable::BodyTooLarge => {
                ApiError::bad_request(format!("Problems parsing JSON: {details}"))
            }
        }
    }
}

/// An unknown route, or a known path with a method it does not take.
pub(super) async fn no_such_route() -> ApiError {
    ApiError::not_found()
}
