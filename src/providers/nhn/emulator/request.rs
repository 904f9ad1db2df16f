//! Reading requests: path variables, query parameters, the JSON deploy body, and the host
//! the client called (for absolute URLs). Every failure is a `BAD_REQUEST` envelope, since
//! axum's own rejections are plain text no Deploy client would parse.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Query, RawPathParams};
use axum::http::header::HOST;
use axum::http::request::Parts;
use serde_json::Value;

use super::error::ApiError;
use crate::providers::nhn::wire::DeployRequest;

/// The path variables of a route, percent-decoded.
pub(super) struct Params(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
        Ok(Params(
            raw.iter()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
        ))
    }
}

impl Params {
    /// A text variable.
    pub(super) fn text(&self, key: &str) -> Result<&str, ApiError> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| ApiError::bad_request(format!("missing path variable {key}")))
    }

    /// A `Number` variable (`artifactId`, `binaryGroupKey`, …); anything else is 400.
    pub(super) fn number(&self, key: &str) -> Result<i64, ApiError> {
        let text = self.text(key)?;
        text.parse()
            .map_err(|_| ApiError::bad_request(format!("{key} must be a number, got {text:?}")))
    }
}

/// The query string as ordered pairs.
pub(super) struct QueryPairs(Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
        Ok(QueryPairs(pairs))
    }
}

impl QueryPairs {
    /// Query pairs built directly, for unit tests.
    #[cfg(test)]
    pub(super) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        QueryPairs(
            pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    /// The last value of a parameter; an empty value counts as absent (the default applies).
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }

    /// A number parameter of at least `min`, `default` when absent.
    pub(super) fn number(&self, key: &str, min: i64, default: i64) -> Result<i64, ApiError> {
        let Some(text) = self.get(key) else {
            return Ok(default);
        };
        match text.parse::<i64>() {
            Ok(value) if value >= min => Ok(value),
            _ => Err(ApiError::bad_request(format!(
                "{key} must be a number of at least {min}, got {text:?}"
            ))),
        }
    }

    /// `pageNum` and `pageSize`: each at least 1, defaults 1 and 20.
    pub(super) fn paging(&self) -> Result<Paging, ApiError> {
        Ok(Paging {
            page_num: self.number("pageNum", 1, 1)?,
            page_size: self.number("pageSize", 1, 20)?,
        })
    }
}

/// One page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paging {
    pub page_num: i64,
    pub page_size: i64,
}

impl Paging {
    /// The items of this page; empty past the end.
    pub(super) fn page<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        let skip = (self.page_num - 1).saturating_mul(self.page_size);
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        let take = usize::try_from(self.page_size).unwrap_or(usize::MAX);
        items.into_iter().skip(skip).take(take).collect()
    }
}

/// The run-deployment body, read as JSON whatever its content type (lenient where Spring
/// would answer 415). Empty means all defaults. Like Jackson, a number is accepted
/// where the document says String (`"scenarioIds": 401`); a negative `concurrentNum` is 400.
pub(super) fn deploy_body(body: Result<Bytes, BytesRejection>) -> Result<DeployRequest, ApiError> {
    let body = body.map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(DeployRequest::default());
    }
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
