//! Authentication: the OAuth2 token endpoint (User Access Key → bearer token) and the
//! `X-NHN-AUTHORIZATION` check on every API call.
//!
//! The token endpoint lives on its own host in reality
//! (`https://oauth.api.nhncloudservice.com/oauth2/token/create`); here it is
//! `POST /nhn-deploy/oauth2/token/create`, so one base URL serves both. It takes the key pair
//! only as HTTP Basic credentials (as the guide shows; RFC 6749 body credentials are
//! refused), and answers failures in the OAuth shape `{"error","error_description"}`, not the
//! Deploy envelope: 401 `invalid_client` for missing or wrong credentials, 400
//! `invalid_request` for a body that is not a form, 400 `unsupported_grant_type` for any
//! grant but `client_credentials`. Tokens live for the configured lifetime (admin
//! `PUT /token-lifetime`, default 86,400 s; a change affects newly issued tokens only, as in
//! the console) and survive a sandbox restart. `expires_in` is a number (the document's
//! sample) unless the admin control asks for a string (the document's table).
//!
//! API calls must send `X-NHN-AUTHORIZATION: Bearer <token>` — the standard `Authorization`
//! header is not read. A missing, malformed, unknown or expired token is 401 `UNAUTHORIZED`;
//! then an `appKey` other than the seeded project is 403 `FORBIDDEN` (the caller holds no
//! Deploy role there). [`demo::NHN_TOKEN`] is always accepted, as a shortcut for `curl`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Form, FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::error::ApiError;
use super::request::Params;
use super::state::IssuedToken;
use super::{NhnEmulator, seed};
use crate::providers::common::emulator::now_ms;
use crate::providers::nhn::emulator::demo;
use crate::providers::nhn::wire::{Seconds, TokenResponse};

/// The header API calls carry their token in.
pub(super) const TOKEN_HEADER: &str = "x-nhn-authorization";

/// The authenticated caller: `executeUser` of deployments, `uploader` of binaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Caller(pub String);

/// Expired tokens are forgotten this long after expiry (until then they are refused as
/// expired rather than unknown).
const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"oauth2\""),
        );
    }
    response
}

/// `POST /oauth2/token/create`
pub(super) async fn create_token(
    State(emulator): State<Arc<NhnEmulator>>,
    request: Request<Body>,
) -> Response {
    let user = match client_credentials(request.headers()) {
        Ok(user) => user,
        Err(description) => {
            return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &description);
        }
    };
    let form = match Form::<HashMap<String, String>>::from_request(request, &()).await {
        Ok(Form(form)) => form,
        Err(rejection) => {
            let description = format!(
                "expected an application/x-www-form-urlencoded body with grant_type=client_credentials: {}",
                rejection.body_text()
            );
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &description);
        }
    };
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type {other:?} is not supported; use client_credentials"),
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "missing grant_type=client_credentials",
            );
        }
    }
    let now = now_ms();
    let access_token = format!("{:032x}", fastrand::u128(..));
    let expires_in = emulator.with_state(|state| {
        let lifetime = state.token_lifetime_secs;
        let as_text = state.token_lifetime_as_text;
        let lifetime_ms = i64::try_from(lifetime.saturating_mul(1000)).unwrap_or(i64::MAX);
        state
            .tokens
            .retain(|token| token.expires_at.saturating_add(FORGET_AFTER_MS) > now);
        state.tokens.push(
            IssuedToken {
                token: access_token.clone(),
                user: user.to_owned(),
                expires_at: now.saturating_add(lifetime_ms),
            }
            .into(),
        );
        if as_text {
            Seconds::Text(lifetime.to_string())
        } else {
            Seconds::Number(lifetime)
        }
    });
    let mut response = Json(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in,
    })
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// The user of the Basic credentials, or why they are refused.
fn client_credentials(headers: &HeaderMap) -> Result<&'static str, String> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or("missing Authorization: Basic base64(UserAccessKeyID:SecretAccessKey)")?
        .to_str()
        .map_err(|_| "the Authorization header is not valid text")?;
    let encoded = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .map(|(_, encoded)| encoded.trim())
        .ok_or("the Authorization header must use the Basic scheme")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or("the Basic credentials are not valid base64 text")?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or("the Basic credentials must be UserAccessKeyID:SecretAccessKey")?;
    if id == demo::NHN_ACCESS_KEY_ID && secret == demo::NHN_SECRET_ACCESS_KEY {
        Ok(seed::DEMO_USER)
    } else {
        Err("unknown User Access Key ID or wrong Secret Access Key".to_owned())
    }
}

/// Middleware on every API route: a valid token, then a known `appKey`.
pub(super) async fn require_token(
    State(emulator): State<Arc<NhnEmulator>>,
    params: Params,
    mut request: Request,
    next: Next,
) -> Response {
    let caller = match authenticate(&emulator, request.headers(), now_ms()) {
        Ok(caller) => caller,
        Err(err) => return err.into_response(),
    };
    match params.text("appKey") {
        Ok(app_key) if app_key == seed::APP_KEY => {}
        Ok(app_key) => {
            return ApiError::forbidden(format!(
                "no Deploy project with app key {app_key:?} for {} (or no Deploy ADMIN/VIEWER role in it)",
                caller.0
            ))
            .into_response();
        }
        Err(err) => return err.into_response(),
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

fn authenticate(emulator: &NhnEmulator, headers: &HeaderMap, now: i64) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(TOKEN_HEADER) else {
        let hint = if headers.contains_key(header::AUTHORIZATION) {
            " (the standard Authorization header is not read)"
        } else {
            ""
        };
        return Err(ApiError::unauthorized(format!(
            "missing header X-NHN-AUTHORIZATION: Bearer <token>{hint}"
        )));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| ApiError::unauthorized("X-NHN-AUTHORIZATION must be `Bearer <token>`"))?;
    if token == demo::NHN_TOKEN {
        return Ok(Caller(seed::DEMO_USER.to_owned()));
    }
    emulator.with_state(|state| {
        let issued = state
            .tokens
            .iter()
            .find(|issued| issued.token == token)
            .ok_or_else(|| ApiError::unauthorized("unknown or revoked token"))?;
        if now >= issued.expires_at {
            return Err(ApiError::unauthorized(format!(
                "the token expired {} s ago; issue a new one",
                (now - issued.expires_at) / 1000
            )));
        }
        Ok(Caller(issued.user.clone()))
    })
}
