//! Reading requests the way the gateway does: path ids, paging, name filters and JSON bodies,
//! every failure answered in SourceDeploy's error envelope (axum's own rejections are plain
//! text, which no NCP client would parse).

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Query, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// The path parameters of a route, percent-decoded.
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
    /// A text parameter.
    pub(super) fn text(&self, key: &str) -> Result<&str, ApiError> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| ApiError::bad_request(format!("missing path parameter {key}")))
    }

    /// A numeric id parameter; anything else is bad input (400), not a missing object.
    pub(super) fn id(&self, key: &str) -> Result<i64, ApiError> {
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
    /// The last value of a parameter, when present.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// `pageNo` (from 1, default 1) and `pageSize` (1–100, default 100); out of range is 400.
    pub(super) fn paging(&self) -> Result<Paging, ApiError> {
        let number = |key: &str, default: usize, max: usize| -> Result<usize, ApiError> {
            let Some(text) = self.get(key) else {
                return Ok(default);
            };
            match text.trim().parse::<usize>() {
                Ok(value) if (1..=max).contains(&value) => Ok(value),
                _ => Err(ApiError::bad_request(format!(
                    "{key} must be a number from 1 to {max}, got {text:?}"
                ))),
            }
        };
        Ok(Paging {
            page_no: number("pageNo", 1, usize::MAX)?,
            page_size: number("pageSize", 100, 100)?,
        })
    }

    /// A name filter: keeps names containing the parameter's value (case-sensitive, the
    /// documented "whole or partial" match). An empty value filters nothing.
    pub(super) fn name_filter<'a>(&'a self, key: &str) -> impl Fn(&str) -> bool + 'a {
        let needle = self.get(key).unwrap_or("").to_owned();
        move |name: &str| name.contains(needle.as_str())
    }
}

/// One page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paging {
    pub page_no: usize,
    pub page_size: usize,
}

impl Paging {
    /// The items of this page; an empty list past the end, with no total (as the API).
    pub(super) fn page<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        let skip = (self.page_no - 1).saturating_mul(self.page_size);
        items.into_iter().skip(skip).take(self.page_size).collect()
    }
}

/// Parses a JSON body, whatever its content type (the gateway is lenient about it). Empty
/// and malformed bodies are 400, oversized ones 413.
pub(super) fn json_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(rejection.body_text())
        } else {
            ApiError::bad_request(rejection.body_text())
        }
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("a JSON request body is required"));
    }
    serde_json::from_slice(&body)
        .map_err(|err| ApiError::bad_request(format!("invalid request body: {err}")))
}

/// Checks a project, stage or scenario name: 1–100 characters, letters, digits, `-`, `_`.
pub(super) fn check_name(kind: &str, name: &str) -> Result<(), ApiError> {
    let length = name.chars().count();
    if !(1..=100).contains(&length) {
        return Err(ApiError::bad_request(format!(
            "{kind} name must be 1 to 100 characters, got {length}"
        )));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(ApiError::bad_request(format!(
            "{kind} name {name:?} contains {bad:?}; only letters, digits, '-' and '_' are allowed"
        )));
    }
    Ok(())
}
