//! Reading requests: path variables, query parameters, the JSON deploy body, and the host
//! the client called (for absolute URLs). Every failure is a `BAD_REQUEST` envelope, since
//! axum's own rejections are plain text no Deploy client would parse. The extractors are the
//! sandbox's ([`crate::sandbox::extract`]); this module says which Deploy error each failure
//! is.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header::HOST;
use serde_json::Value;

use super::error::ApiError;
use crate::providers::nhn::wire::DeployRequest;
use crate::sandbox::extract::{self, Paging, RequestError, Unreadable};

/// Every unreadable request is `BAD_REQUEST` (400), an oversized JSON body too:
/// `FILE_SIZE_CAPACITY_EXCEEDED` is for binary files.
impl RequestError for ApiError {
    const PATH_PARAMETER: &'static str = "path variable";

    fn unreadable(_: Unreadable, details: String) -> Self {
        ApiError::bad_request(details)
    }
}

/// The path variables of a route, percent-decoded; `Number` variables (`artifactId`,
/// `binaryGroupKey`, …) are read with `id`.
pub(super) type Params = extract::PathParams<ApiError>;

/// The query string as ordered pairs.
pub(super) type QueryPairs = extract::QueryPairs<ApiError>;

impl QueryPairs {
    /// The last value of a parameter, trimmed; an empty value counts as absent (the default
    /// applies).
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.last(key)
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }

    /// A number parameter of at least `min`, `default` when absent.
    pub(super) fn number(&self, key: &str, min: i64, default: i64) -> Result<i64, ApiError> {
        extract::query_number(
            key,
            self.get(key),
            default,
            |value| *value >= min,
            format_args!("a number of at least {min}"),
        )
    }

    /// `pageNum` and `pageSize`: each at least 1, defaults 1 and 20.
    pub(super) fn paging(&self) -> Result<Paging, ApiError> {
        let number = |key: &str, default: i64| -> Result<usize, ApiError> {
            let value = self.number(key, 1, default)?;
            Ok(usize::try_from(value).unwrap_or(usize::MAX))
        };
        Ok(Paging {
            number: number("pageNum", 1)?,
            size: number("pageSize", 20)?,
        })
    }
}

/// The run-deployment body, read as JSON whatever its content type (lenient where Spring
/// would answer 415). Empty means all defaults. Like Jackson, a number is accepted
/// where the document says String (`"scenarioIds": 401`); a negative `concurrentNum` is 400.
pub(super) fn deploy_body(body: Result<Bytes, BytesRejection>) -> Result<DeployRequest, ApiError> {
    let Some(body) = extract::body::<ApiError>(body)? else {
        return Ok(DeployRequest::default());
    };
    let mut value: Value = serde_json::from_slice(&body)
        .map_err(|err| ApiError::bad_request(format!("invalid JSON body: {err}")))?;
    let Some(object) = value.as_object_mut() else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    for key in ["targetServerHostnames", "deployNote", "scenarioIds"] {
        if let Some(number @ Value::Number(_)) = object.get(key) {
            let text = number.to_string();
            object.insert(key.to_owned(), Value::String(text));
        }
    }
    if let Some(concurrent) = object.get("concurrentNum").and_then(Value::as_i64)
        && concurrent < 0
    {
        return Err(ApiError::bad_request(format!(
            "concurrentNum must be 0 or more, got {concurrent}"
        )));
    }
    serde_json::from_value(value)
        .map_err(|err| ApiError::bad_request(format!("invalid deploy request: {err}")))
}

/// `http://HOST` as the client called it, for absolute URLs in answers.
pub(super) fn origin(headers: &axum::http::HeaderMap, uri: &axum::http::Uri) -> String {
    let host = uri
        .authority()
        .map(|authority| authority.as_str().to_owned())
        .or_else(|| {
            headers
                .get(HOST)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "localhost".to_owned());
    format!("http://{host}")
}
