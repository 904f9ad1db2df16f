//! API Gateway authentication: the signature-v2 check every SourceDeploy call goes through.
//!
//! The signed URI is the path the gateway receives — the sandbox has already stripped its
//! `/ncp-sourcedeploy` mount prefix — plus `?` and the raw query exactly as sent, only when
//! the query is non-empty (`providers.md` §1.2). The signature may come in
//! `x-ncp-apigw-signature-v2` (documented) or `x-ncp-apigw-signature-v1` (what NAVER's own
//! SDKs send, and the gateway accepts); v2 wins when both are present. The region header is
//! optional and any value is accepted, since the sandbox has one region.

use axum::extract::Request;
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::demo;
use super::error::ApiError;
use crate::providers::ncp::signature;

/// An account key pair the emulator knows, and the user it belongs to.
struct Credential {
    access_key: &'static str,
    secret_key: &'static str,
    user: &'static str,
}

const CREDENTIALS: &[Credential] = &[Credential {
    access_key: demo::ACCESS_KEY,
    secret_key: demo::SECRET_KEY,
    user: "sandbox-demo",
}];

/// The authenticated caller, shown as a deployment's `executor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Caller(pub &'static str);

/// Middleware: rejects unauthenticated requests with 401 / errorCode 200.
pub(super) async fn require_signature(mut request: Request, next: Next) -> Response {
    let path_and_query = match request.uri().query() {
        Some(query) if !query.is_empty() => format!("{}?{query}", request.uri().path()),
        _ => request.uri().path().to_owned(),
    };
    let checked = authenticate(
        request.method().as_str(),
        &path_and_query,
        request.headers(),
        crate::providers::common::emulator::now_ms(),
    );
    match checked {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(err) => err.into_response(),
    }
}

/// The gateway's checks, in its order: headers present, key known, clock close enough,
/// signature right.
fn authenticate(
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    now_ms: i64,
) -> Result<Caller, ApiError> {
    let header = |name: &str| -> Result<Option<&str>, ApiError> {
        match headers.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .map(|text| Some(text.trim()))
                .map_err(|_| ApiError::auth(format!("header {name} is not valid text"))),
        }
    };
    let required = |name: &str| -> Result<&str, ApiError> {
        header(name)?
            .filter(|value| !value.is_empty())
            .ok_or_else(|| ApiError::auth(format!("missing header {name}")))
    };
    let timestamp = required(signature::HEADER_TIMESTAMP)?;
    let access_key = required(signature::HEADER_ACCESS_KEY)?;
    let received = match header(signature::HEADER_SIGNATURE_V2)?.filter(|value| !value.is_empty()) {
        Some(value) => value,
        None => header(signature::HEADER_SIGNATURE_V1)?
            .filter(|value| !value.is_empty())
            .ok_or_else(|| {
                ApiError::auth(format!(
                    "missing header {} (or {})",
                    signature::HEADER_SIGNATURE_V2,
                    signature::HEADER_SIGNATURE_V1
                ))
            })?,
    };
    let credential = CREDENTIALS
        .iter()
        .find(|credential| credential.access_key == access_key)
        .ok_or_else(|| ApiError::auth(format!("unknown access key {access_key:?}")))?;
    let sent_ms: i64 = timestamp.parse().map_err(|_| {
        ApiError::auth(format!(
            "{} must be epoch milliseconds, got {timestamp:?}",
            signature::HEADER_TIMESTAMP
        ))
    })?;
    let skew = now_ms.abs_diff(sent_ms);
    if skew > signature::MAX_CLOCK_SKEW_MS.unsigned_abs() {
        return Err(ApiError::auth(format!(
            "timestamp {sent_ms} is {skew} ms away from the gateway clock ({now_ms}); at most {} ms is allowed",
            signature::MAX_CLOCK_SKEW_MS
        )));
    }
    if !signature::verify(
        method,
        path_and_query,
        timestamp,
        access_key,
        credential.secret_key,
        received,
    ) {
        return Err(ApiError::auth(format!(
            "signature does not match the string to sign for {method} {path_and_query}"
        )));
    }
    Ok(Caller(credential.user))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const NOW: i64 = 1_700_000_000_000;

    fn headers(timestamp: i64, secret: &str, signature_header: &'static str) -> HeaderMap {
        let ts = timestamp.to_string();
        let sig = signature::sign(
            "GET",
            "/api/v1/project?pageNo=1",
            &ts,
            demo::ACCESS_KEY,
            secret,
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            signature::HEADER_TIMESTAMP,
            HeaderValue::from_str(&ts).unwrap(),
        );
        headers.insert(
            signature::HEADER_ACCESS_KEY,
            HeaderValue::from_static(demo::ACCESS_KEY),
        );
        headers.insert(signature_header, HeaderValue::from_str(&sig).unwrap());
        headers
    }

    #[test]
    fn accepts_v2_and_v1_headers() {
        for name in [
            signature::HEADER_SIGNATURE_V2,
            signature::HEADER_SIGNATURE_V1,
        ] {
            let headers = headers(NOW, demo::SECRET_KEY, name);
            assert_eq!(
                authenticate("GET", "/api/v1/project?pageNo=1", &headers, NOW),
                Ok(Caller("sandbox-demo"))
            );
        }
    }

    #[test]
    fn skew_limit_is_inclusive_at_five_minutes() {
        let limit = signature::MAX_CLOCK_SKEW_MS;
        let headers = headers(
            NOW - limit,
            demo::SECRET_KEY,
            signature::HEADER_SIGNATURE_V2,
        );
        assert!(authenticate("GET", "/api/v1/project?pageNo=1", &headers, NOW).is_ok());
        let headers = headers_at(NOW - limit - 1);
        assert!(authenticate("GET", "/api/v1/project?pageNo=1", &headers, NOW).is_err());
    }

    fn headers_at(timestamp: i64) -> HeaderMap {
        headers(timestamp, demo::SECRET_KEY, signature::HEADER_SIGNATURE_V2)
    }

    #[test]
    fn signed_query_must_match() {
        let headers = headers_at(NOW);
        let err = authenticate("GET", "/api/v1/project?pageNo=2", &headers, NOW).unwrap_err();
        assert_eq!(
            err,
            ApiError::auth(
                "signature does not match the string to sign for GET /api/v1/project?pageNo=2"
            )
        );
    }
}
