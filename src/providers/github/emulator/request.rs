//! Reading requests: the caller and the URLs answers are built from, path and query
//! parameters, JSON bodies with GitHub's schema messages, and paging with the `Link` header.
//!
//! Paging follows GitHub: `per_page` defaults to 30 (10 for variables) and is clamped to the
//! list's maximum (100; 30 for variables), `page` counts from 1 and a page past the end is
//! empty; a value that is not a number falls back to the default. `Link` carries `first`,
//! `prev`, `next` and `last` built from the request URL with only `page` replaced, and is
//! absent when everything fits on one page.

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::rejection::BytesRejection;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::seed::User;
use crate::providers::common::emulator::web;
use crate::sandbox::extract;

/// Path parameters, percent-decoded.
pub(super) type Params = extract::PathParams<ApiError>;
/// The query string.
pub(super) type QueryPairs = extract::QueryPairs<ApiError>;

/// The authenticated user, put on the request by the gate.
#[derive(Debug, Clone, Copy)]
pub(super) struct Caller(pub &'static User);

/// Who called, and the bases of the URLs in answers.
#[derive(Debug, Clone)]
pub(super) struct Call {
    /// `http://HOST/github` or `http://HOST/github/api/v3`: where `url` fields point.
    pub api: String,
    /// `http://HOST/github`: where `html_url` fields point.
    pub web: String,
    /// The request URL as sent, for `Link`.
    pub url: String,
    pub user: &'static User,
    /// The Enterprise Server release the sandbox answers as on this mount, if any.
    pub enterprise: Option<String>,
}

/// The Enterprise Server release a request on the `/api/v3` mount is answered as, put on
/// the request by the gate.
#[derive(Debug, Clone)]
pub(super) struct Release(pub String);

/// The mount of the Enterprise Server paths.
pub(super) const GHES_PREFIX: &str = "/api/v3";

impl<S: Send + Sync> FromRequestParts<S> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let user = parts
            .extensions
            .get::<Caller>()
            .map(|caller| caller.0)
            .ok_or_else(ApiError::unauthorized)?;
        let called = web::called_url(parts);
        let api = if parts.uri.path().starts_with(GHES_PREFIX) {
            format!("{}{GHES_PREFIX}", called.mount)
        } else {
            called.mount.clone()
        };
        let (web, url) = (called.mount, called.url);
        let enterprise = parts
            .extensions
            .get::<Release>()
            .map(|release| release.0.clone());
        Ok(Call {
            api,
            web,
            url,
            user,
            enterprise,
        })
    }
}

/// One page of a list, as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Page {
    pub number: usize,
    pub size: usize,
}

impl QueryPairs {
    /// `page` and `per_page` with this list's default and maximum page size.
    pub(super) fn page(&self, default: usize, max: usize) -> Page {
        let read = |key: &str| {
            self.last(key)
                .and_then(|text| text.trim().parse::<i64>().ok())
        };
        let size = read("per_page").map_or(default, |size| size.clamp(1, max as i64) as usize);
        let number = read("page").map_or(1, |number| number.max(1) as usize);
        Page { number, size }
    }
}

impl Page {
    /// The items of this page and the `Link` header for a list of `items.len()`.
    pub(super) fn slice<T>(&self, items: Vec<T>, call: &Call) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let link = self.link(total, call);
        let page = extract::Paging {
            number: self.number,
            size: self.size,
        }
        .page(items);
        (page, link)
    }

    fn link(&self, total: usize, call: &Call) -> Option<String> {
        let last = total.div_ceil(self.size).max(1);
        if last == 1 && self.number == 1 {
            return None;
        }
        let mut relations = Vec::new();
        if self.number > 1 {
            relations.push(("prev", (self.number - 1).min(last)));
        }
        if self.number < last {
            relations.push(("next", self.number + 1));
        }
        relations.extend([("last", last), ("first", 1)]);
        web::link_header(&call.url, &relations)
    }
}

/// A bare list: this page of `all` as a JSON array, with its `Link`.
pub(super) fn array(call: &Call, page: Page, all: Vec<Value>) -> Response {
    let (items, link) = page.slice(all, call);
    listed(Value::Array(items), link)
}

/// A wrapped list: `{"total_count": N, "<key>": [this page]}`, with its `Link`.
pub(super) fn wrapped(call: &Call, page: Page, key: &str, all: Vec<Value>) -> Response {
    let total = all.len();
    let (items, link) = page.slice(all, call);
    let mut body = Map::new();
    body.insert("total_count".to_owned(), Value::from(total));
    body.insert(key.to_owned(), Value::Array(items));
    listed(Value::Object(body), link)
}

/// A JSON answer with an optional `Link` header.
pub(super) fn listed(body: Value, link: Option<String>) -> Response {
    let mut response = axum::Json(body).into_response();
    if let Some(value) = link.and_then(|link| HeaderValue::from_str(&link).ok()) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

/// A JSON object body. An empty body is an empty object; keys outside `permitted` (when
/// given) are refused as GitHub's schema validation refuses them.
pub(super) struct Body(pub Map<String, Value>);

impl Body {
    pub(super) fn parse(
        body: Result<Bytes, BytesRejection>,
        permitted: Option<&[&str]>,
    ) -> ApiResult<Body> {
        let Some(bytes) = extract::body::<ApiError>(body)? else {
            return Ok(Body(Map::new()));
        };
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|_| ApiError::bad_request("Problems parsing JSON"))?;
        let object = match value {
            Value::Object(object) => object,
            Value::Null => Map::new(),
            other => {
                return Err(schema(format!("{other} is not an object.")));
            }
        };
        if let Some(permitted) = permitted
            && let Some(key) = object.keys().find(|key| !permitted.contains(&key.as_str()))
        {
            return Err(schema(format!("\"{key}\" is not a permitted key.")));
        }
        Ok(Body(object))
    }

    /// A field that is present and not `null`.
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|value| !value.is_null())
    }

    pub(super) fn string(&self, key: &str) -> ApiResult<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(not_a(key, other, "a string")),
        }
    }

    pub(super) fn required_string(&self, key: &str) -> ApiResult<String> {
        self.string(key)?
            .ok_or_else(|| schema(format!("\"{key}\" wasn't supplied.")))
    }

    pub(super) fn boolean(&self, key: &str) -> ApiResult<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(not_a(key, other, "a boolean")),
        }
    }

    pub(super) fn integer(&self, key: &str) -> ApiResult<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => value
                .as_i64()
                .map(Some)
                .ok_or_else(|| not_a(key, value, "an integer")),
        }
    }

    pub(super) fn array(&self, key: &str) -> ApiResult<Option<&Vec<Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(not_a(key, other, "an array")),
        }
    }
}

/// GitHub's answer to a body its schema refuses: 422 `Invalid request.\n\n…`.
pub(super) fn schema(detail: String) -> ApiError {
    ApiError::unprocessable(format!("Invalid request.\n\n{detail}"))
}

pub(super) fn not_a(key: &str, value: &Value, kind: &str) -> ApiError {
    schema(format!("For 'properties/{key}', {value} is not {kind}."))
}
