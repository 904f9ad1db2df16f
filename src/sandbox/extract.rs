//! Reading requests for the emulators: path parameters, query parameters, paging and raw
//! bodies, with every failure answered in the emulator's own error shape.
//!
//! Why it exists: axum's own rejections are plain text, which no provider client would
//! parse, and every emulator needs the same extractors with a different error envelope.
//! The logic lives here once; each emulator's error type implements [`RequestError`] to say
//! which of its documented errors a bad path parameter, query parameter or body is.

use std::fmt::Display;
use std::marker::PhantomData;
use std::str::FromStr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Query, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;

/// The part of a request that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// A path parameter that is missing or not of its type.
    Path,
    /// The query string, or a query parameter that is malformed or out of range.
    Query,
    /// A body that could not be read.
    Body,
    /// A body larger than the emulator takes.
    BodyTooLarge,
}

/// An emulator's error for an unreadable request. `details` says what exactly was wrong;
/// the emulator chooses the status, code and envelope its provider's documents give.
pub(crate) trait RequestError: IntoResponse + Sized {
    /// What the provider's documents call a path parameter ("path parameter", "path
    /// variable"), for the message of a missing one.
    const PATH_PARAMETER: &'static str;

    /// The error answering an unreadable `part` of a request.
    fn unreadable(part: Unreadable, details: String) -> Self;
}

/// The path parameters of a route, percent-decoded; failures are `E`'s.
pub(crate) struct PathParams<E> {
    pairs: Vec<(String, String)>,
    error: PhantomData<fn() -> E>,
}

impl<E: RequestError> PathParams<E> {
    /// A text parameter.
    pub(crate) fn text(&self, key: &str) -> Result<&str, E> {
        self.pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| {
                E::unreadable(
                    Unreadable::Path,
                    format!("missing {} {key}", E::PATH_PARAMETER),
                )
            })
    }

    /// A numeric id parameter; anything else is bad input, not a missing object.
    pub(crate) fn id(&self, key: &str) -> Result<i64, E> {
        let text = self.text(key)?;
        text.parse().map_err(|_| {
            E::unreadable(
                Unreadable::Path,
                format!("{key} must be a number, got {text:?}"),
            )
        })
    }
}

impl<S: Send + Sync, E: RequestError> FromRequestParts<S> for PathParams<E> {
    type Rejection = E;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, E> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|rejection| E::unreadable(Unreadable::Path, rejection.body_text()))?;
        Ok(PathParams {
            pairs: raw
                .iter()
                .map(|(key, value)| (key.to_owned(), value.to_owned()))
                .collect(),
            error: PhantomData,
        })
    }
}

/// The query string as ordered pairs; failures are `E`'s.
pub(crate) struct QueryPairs<E> {
    pairs: Vec<(String, String)>,
    error: PhantomData<fn() -> E>,
}

impl<E> QueryPairs<E> {
    /// Query pairs built directly, for unit tests.
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        QueryPairs {
            pairs: pairs
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
            error: PhantomData,
        }
    }

    /// The last value of a parameter as sent (untrimmed, possibly empty), when present.
    pub(crate) fn last(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// The last value of a parameter when present and not empty: a filter left empty
    /// filters nothing.
    pub(crate) fn filter(&self, key: &str) -> Option<&str> {
        self.last(key).filter(|value| !value.is_empty())
    }
}

impl<S: Send + Sync, E: RequestError> FromRequestParts<S> for QueryPairs<E> {
    type Rejection = E;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, E> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| E::unreadable(Unreadable::Query, rejection.body_text()))?;
        Ok(QueryPairs {
            pairs,
            error: PhantomData,
        })
    }
}

/// A number query parameter: `default` when `text` is absent; otherwise it must parse (after
/// trimming) and pass `accept`, or it is the emulator's [`Unreadable::Query`] error
/// "`{key} must be {expected}, got {text:?}`".
pub(crate) fn query_number<T: FromStr, E: RequestError>(
    key: &str,
    text: Option<&str>,
    default: T,
    accept: impl FnOnce(&T) -> bool,
    expected: impl Display,
) -> Result<T, E> {
    let Some(text) = text else {
        return Ok(default);
    };
    match text.trim().parse::<T>() {
        Ok(value) if accept(&value) => Ok(value),
        _ => Err(E::unreadable(
            Unreadable::Query,
            format!("{key} must be {expected}, got {text:?}"),
        )),
    }
}

/// One page of a list: page `number` (from 1) of `size` items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub number: usize,
    pub size: usize,
}

impl Paging {
    /// The items of this page; empty past the end (lists carry no total).
    pub(crate) fn page<T>(&self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        let skip = self.number.saturating_sub(1).saturating_mul(self.size);
        items.into_iter().skip(skip).take(self.size).collect()
    }
}

/// A body as read by axum's `Bytes` extractor (whatever its content type; the emulators are
/// lenient about it): `None` when empty or only whitespace. An oversized body is the
/// emulator's [`Unreadable::BodyTooLarge`] error, any other read failure [`Unreadable::Body`].
pub(crate) fn body<E: RequestError>(
    body: Result<Bytes, BytesRejection>,
) -> Result<Option<Bytes>, E> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            E::unreadable(Unreadable::BodyTooLarge, rejection.body_text())
        } else {
            E::unreadable(Unreadable::Body, rejection.body_text())
        }
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::extract::FromRequest;
    use axum::http::Request;
    use axum::response::Response;

    use super::*;

    /// An emulator error that says which part of the request failed.
    #[derive(Debug, PartialEq, Eq)]
    struct Failure(Unreadable, String);

    impl IntoResponse for Failure {
        fn into_response(self) -> Response {
            (StatusCode::IM_A_TEAPOT, format!("{self:?}")).into_response()
        }
    }

    impl RequestError for Failure {
        const PATH_PARAMETER: &'static str = "path thing";

        fn unreadable(part: Unreadable, details: String) -> Self {
            Failure(part, details)
        }
    }

    fn parts(uri: &str) -> Parts {
        Request::builder().uri(uri).body(()).unwrap().into_parts().0
    }

    #[tokio::test]
    async fn query_pairs_keep_order_and_bad_values_are_the_emulators_error() {
        let query: QueryPairs<Failure> =
            QueryPairs::from_request_parts(&mut parts("/x?pageSize=5&pageSize=%207%20&a="), &())
                .await
                .unwrap();
        assert_eq!(query.last("pageSize"), Some(" 7 "));
        assert_eq!(query.last("a"), Some(""));
        assert_eq!(
            (query.filter("a"), query.filter("pageSize")),
            (None, Some(" 7 "))
        );
        assert_eq!(query.last("missing"), None);

        let size = |text| {
            query_number(
                "pageSize",
                text,
                100,
                |value: &usize| (1..=100).contains(value),
                "a number from 1 to 100",
            )
        };
        assert_eq!(size(None), Ok(100));
        assert_eq!(size(query.last("pageSize")), Ok(7));
        assert_eq!(
            size(Some("500")),
            Err(Failure(
                Unreadable::Query,
                "pageSize must be a number from 1 to 100, got \"500\"".into()
            ))
        );
        assert_eq!(
            size(Some("")),
            Err(Failure(
                Unreadable::Query,
                "pageSize must be a number from 1 to 100, got \"\"".into()
            ))
        );
    }

    #[tokio::test]
    async fn path_params_failures_are_the_emulators_error() {
        // Outside a matched route there are no path parameters at all.
        let outside = PathParams::<Failure>::from_request_parts(&mut parts("/x"), &()).await;
        assert!(matches!(outside, Err(Failure(Unreadable::Path, _))));

        let params: PathParams<Failure> = PathParams {
            pairs: vec![
                ("projectId".into(), "12".into()),
                ("name".into(), "web".into()),
            ],
            error: PhantomData,
        };
        assert_eq!(params.id("projectId"), Ok(12));
        assert_eq!(params.text("name"), Ok("web"));
        assert_eq!(
            params.id("name"),
            Err(Failure(
                Unreadable::Path,
                "name must be a number, got \"web\"".into()
            ))
        );
        assert_eq!(
            params.text("stageId"),
            Err(Failure(
                Unreadable::Path,
                "missing path thing stageId".into()
            ))
        );
    }

    #[tokio::test]
    async fn bodies_blank_oversized_and_present() {
        let read = |bytes: Vec<u8>| async move {
            Bytes::from_request(Request::new(Body::from(bytes)), &()).await
        };
        assert_eq!(body::<Failure>(read(b" \n\t".to_vec()).await), Ok(None));
        assert_eq!(
            body::<Failure>(read(b"{}".to_vec()).await),
            Ok(Some(Bytes::from_static(b"{}")))
        );
        // Past axum's default limit of 2 MiB.
        let oversized = body::<Failure>(read(vec![b' '; 3 << 20]).await);
        assert!(matches!(
            oversized,
            Err(Failure(Unreadable::BodyTooLarge, _))
        ));
    }

    #[test]
    fn paging_slices_and_runs_empty_past_the_end() {
        let page = |number, size| Paging { number, size }.page(1..=5);
        assert_eq!(page(1, 2), vec![1, 2]);
        assert_eq!(page(3, 2), vec![5]);
        assert_eq!(page(4, 2), Vec::<i32>::new());
        assert_eq!(page(usize::MAX, usize::MAX), Vec::<i32>::new());
    }
}
