//! Reading requests the way AxHub does: `limit` (1–100, default 20) and `offset` (≥ 0)
//! paging, where the `next_cursor` every list returns is never accepted back (a `cursor`
//! parameter is 400: list endpoints page by offset only), and JSON bodies whose unknown
//! keys are ignored but whose known keys must have their type.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::ApiError;
use crate::sandbox::extract::{QueryPairs, query_number};

/// Query parameters in AxHub's error shape.
pub(super) type Query = QueryPairs<ApiError>;

/// One page of a list: `{items, next_cursor, total}`.
pub(super) fn page(query: &Query, items: Vec<Value>) -> Result<Value, ApiError> {
    if query.last("cursor").is_some() {
        return Err(ApiError::field(
            "invalid_value",
            "cursor",
            "this list pages with limit and offset; cursor is not accepted",
        ));
    }
    let limit: usize = query_number::<usize, ApiError>(
        "limit",
        query.filter("limit"),
        20,
        |n| (1..=100).contains(n),
        "an integer from 1 to 100",
    )
    .map_err(|_| ApiError::field("invalid_value", "limit", "limit must be 1 to 100"))?;
    let offset: usize =
        query_number::<usize, ApiError>("offset", query.filter("offset"), 0, |_| true, "≥ 0")
            .map_err(|_| ApiError::field("invalid_value", "offset", "offset must be 0 or more"))?;
    let total = items.len();
    let end = offset.saturating_add(limit);
    let next_cursor = (end < total).then(|| format!("c{end:08x}"));
    let items: Vec<Value> = items.into_iter().skip(offset).take(limit).collect();
    Ok(json!({ "items": items, "next_cursor": next_cursor, "total": total }))
}

/// A JSON body (absent or blank: `T::default()`).
pub(super) fn body<T: DeserializeOwned + Default>(
    raw: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    match crate::sandbox::extract::body::<ApiError>(raw)? {
        None => Ok(T::default()),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map_err(|err| ApiError::bad_request(&format!("the body is not valid: {err}"))),
    }
}

/// Whether `text` is a 40-hex commit SHA.
pub(super) fn is_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A branch name git accepts (the subset AxHub checks: no spaces, `..`, control
/// characters, leading `-` or `/`, trailing `/` or `.lock`).
pub(super) fn is_branch(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with(['-', '/'])
        && !name.ends_with(['/', '.'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("//")
        && !name.contains("@{")
        && !name
            .chars()
            .any(|c| c.is_control() || " ~^:?*[\\".contains(c))
}
