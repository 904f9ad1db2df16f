//! Reading requests the way the gateway does: path ids, paging, name filters and JSON bodies,
//! every failure answered in SourceDeploy's error envelope (axum's own rejections are plain
//! text, which no NCP client would parse). The extractors are the sandbox's
//! ([`crate::sandbox::extract`]); this module says which gateway error each failure is.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::sandbox::extract::{self, Paging, RequestError, Unreadable};

/// Path parameters (`projectId`, `stageId`, …), read with `id` or `text`.
pub(super) type Params = extract::PathParams<ApiError>;
/// The query string: paging and name filters.
pub(super) type QueryPairs = extract::QueryPairs<ApiError>;

impl RequestError for ApiError {
    const PATH_PARAMETER: &'static str = "path parameter";

    /// 400 / 100, except an oversized body: 413 / 430.
    fn unreadable(part: Unreadable, details: String) -> Self {
        match part {
            Unreadable::BodyTooLarge => ApiError::too_large(details),
            Unreadable::Path | Unreadable::Query | Unreadable::Body => {
                ApiError::bad_request(details)
            }
        }
    }
}

impl QueryPairs {
    /// `pageNo` (from 1, default 1) and `pageSize` (1–100, default 100); out of range is 400.
    pub(super) fn paging(&self) -> Result<Paging, ApiError> {
        let number = |key: &str, default: usize, max: usize| -> Result<usize, ApiError> {
            extract::query_number(
                key,
                self.last(key),
                default,
                |value| (1..=max).contains(value),
                format_args!("a number from 1 to {max}"),
            )
        };
        Ok(Paging {
            number: number("pageNo", 1, usize::MAX)?,
            size: number("pageSize", 100, 100)?,
        })
    }

    /// A name filter: keeps names containing the parameter's value (case-sensitive, the
    /// documented "whole or partial" match). An empty value filters nothing.
    pub(super) fn name_filter<'a>(&'a self, key: &str) -> impl Fn(&str) -> bool + 'a {
        let needle = self.last(key).unwrap_or("").to_owned();
        move |name: &str| name.contains(needle.as_str())
    }
}

/// Parses a JSON body, whatever its content type (the gateway is lenient about it). Empty
/// and malformed bodies are 400, oversized ones 413.
pub(super) fn json_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let Some(body) = extract::body::<ApiError>(body)? else {
        return Err(ApiError::bad_request("a JSON request body is required"));
    };
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
            "{kind} name {name:?} contains {bad:?}; only ASCII letters, digits, '-' and '_' are allowed"
        )));
    }
    Ok(())
}
