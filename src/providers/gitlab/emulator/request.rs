//! Reading requests: the caller and the URLs answers are built from, query and path
//! parameters, bodies (JSON or form-encoded, coerced as Grape coerces them) and GitLab's
//! offset paging.
//!
//! Paging: `page` (default 1) and `per_page` (default 20, at most 100; larger values are
//! clamped, smaller than 1 is the default); a value that is not a number is 400
//! `{"error":"page is invalid"}`. Every list answers `x-page`, `x-per-page`, `x-next-page`
//! and `x-prev-page` (empty when there is none), `x-total`, `x-total-pages` and a `Link`
//! with `prev`/`next` (when they exist), `first` and `last`, built from the request URL
//! with only `page` replaced. Past 10,000 items, `x-total`, `x-total-pages` and
//! `rel="last"` are left out, as GitLab leaves them out for large collections.

use axum::body::Bytes;
use axum::extract::FromRequestParts;
use axum::extract::rejection::BytesRejection;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::gate::Caller;
use crate::providers::common::emulator::web;
use crate::sandbox::extract;

/// Path parameters, percent-decoded.
pub(super) type Params = extract::PathParams<ApiError>;
/// The query string.
pub(super) type QueryPairs = extract::QueryPairs<ApiError>;

/// The largest list GitLab still counts.
pub(super) const COUNTED: usize = 10_000;

/// Who called, how, and the URLs answers are built from.
#[derive(Debug, Clone)]
pub(super) struct Call {
    /// `http://HOST/gitlab`: where `web_url` fields point.
    pub web: String,
    /// The request URL as sent, for `Link` and redirects.
    pub url: String,
    pub method: Method,
    pub caller: Caller,
}

impl<S: Send + Sync> FromRequestParts<S> for Call {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let caller = *parts
            .extensions
            .get::<Caller>()
            .ok_or_else(ApiError::unauthorized)?;
        let called = web::called_url(parts);
        Ok(Call {
            web: called.mount,
            url: called.url,
            method: parts.method.clone(),
            caller,
        })
    }
}

/// One page of a list.
pub(super) type Page = extract::Paging;

impl QueryPairs {
    /// `page` and `per_page`.
    pub(super) fn page(&self) -> ApiResult<Page> {
        let param = |key: &str| integer(key, self.filter(key).map(Value::from).as_ref());
        let size = match param("per_page")? {
            Some(size) if size >= 1 => usize::try_from(size.min(100)).unwrap_or(100),
            _ => 20,
        };
        let number = param("page")?.map_or(1, |number| usize::try_from(number).unwrap_or(0).max(1));
        Ok(Page { number, size })
    }
}

/// This page of `all` as a JSON array, with GitLab's paging headers.
pub(super) fn paged(call: &Call, page: Page, all: Vec<Value>) -> Response {
    paged_by(call, page, all, |value| value)
}

/// This page of `all`, each item written by `view` (only the page's items are written).
pub(super) fn paged_by<T>(
    call: &Call,
    page: Page,
    all: Vec<T>,
    view: impl FnMut(T) -> Value,
) -> Response {
    let total = all.len();
    let last = total.div_ceil(page.size).max(1);
    let counted = total <= COUNTED;
    let items: Vec<Value> = page.page(all).into_iter().map(view).collect();
    let next = (page.number < last).then_some(page.number + 1);
    let prev = (page.number > 1).then(|| page.number - 1);
    let mut relations = Vec::new();
    relations.extend(prev.map(|at| ("prev", at)));
    relations.extend(next.map(|at| ("next", at)));
    relations.push(("first", 1));
    if counted {
        relations.push(("last", last));
    }
    let mut response = axum::Json(Value::Array(items)).into_response();
    let headers = response.headers_mut();
    let text = |value: Option<usize>| value.map(|v| v.to_string()).unwrap_or_default();
    let mut pairs = vec![
        ("x-page", page.number.to_string()),
        ("x-per-page", page.size.to_string()),
        ("x-next-page", text(next)),
        ("x-prev-page", text(prev)),
    ];
    if counted {
        pairs.push(("x-total", total.to_string()));
        pairs.push(("x-total-pages", last.to_string()));
    }
    pairs.extend(web::link_header(&call.url, &relations).map(|link| ("link", link)));
    for (name, value) in pairs {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// A request body: a JSON object, or form fields (`a=1&b[0][c]=2` is not nested: JSON
/// carries nested parameters). An empty body is an empty object.
pub(super) struct Body(pub Map<String, Value>);

impl Body {
    pub(super) fn parse(body: Result<Bytes, BytesRejection>) -> ApiResult<Body> {
        let Some(bytes) = extract::body::<ApiError>(body)? else {
            return Ok(Body(Map::new()));
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(object)) => Ok(Body(object)),
            Ok(_) => Err(ApiError::bad_request("the body must be a JSON object")),
            Err(_) => {
                let text = String::from_utf8_lossy(&bytes);
                let url = reqwest::Url::parse(&format!("http://form/?{text}"))
                    .map_err(|_| ApiError::bad_request("the body is neither JSON nor form data"))?;
                let fields = url
                    .query_pairs()
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())));
                Ok(Body(fields.collect()))
            }
        }
    }

    /// A field that is present and not `null`.
    pub(super) fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|value| !value.is_null())
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub(super) fn string(&self, key: &str) -> ApiResult<Option<String>> {
        string(key, self.get(key))
    }

    pub(super) fn required_string(&self, key: &str) -> ApiResult<String> {
        self.string(key)?
            .filter(|text| !text.is_empty())
            .ok_or_else(|| ApiError::missing(key))
    }

    pub(super) fn boolean(&self, key: &str) -> ApiResult<Option<bool>> {
        boolean(key, self.get(key))
    }
}

/// A text parameter; numbers and booleans are taken as their text, as Grape coerces them.
pub(super) fn string(key: &str, value: Option<&Value>) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
    }
}

/// A boolean parameter: `true`/`false` or their text.
pub(super) fn boolean(key: &str, value: Option<&Value>) -> ApiResult<Option<bool>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(Value::String(text)) if text == "true" || text == "false" => Ok(Some(text == "true")),
        Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
    }
}

/// An integer parameter: a number or its text.
pub(super) fn integer(key: &str, value: Option<&Value>) -> ApiResult<Option<i64>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::param(format!("{key} is invalid"))),
        Some(Value::String(text)) => text
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::param(format!("{key} is invalid"))),
        Some(_) => Err(ApiError::param(format!("{key} is invalid"))),
    }
}
