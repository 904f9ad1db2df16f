//! The token endpoint and the `X-NHN-AUTHORIZATION` check.

use std::time::Duration;

use serde_json::json;

use super::super::testkit::{self, FAST, Nhn, assert_error, basic, success};
use crate::providers::nhn::emulator::demo;

#[tokio::test]
async fn issued_tokens_open_the_api() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let response = nhn
        .http
        .post(format!("{}/oauth2/token/create", nhn.base))
        .header(
            "authorization",
            basic(demo::NHN_ACCESS_KEY_ID, demo::NHN_SECRET_ACCESS_KEY),
        )
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 86_400);
    assert_ne!(body["access_token"].as_str().unwrap(), nhn.token);

    let artifacts = success(nhn.get("/artifacts").await);
    assert_eq!(artifacts["artifacts"].as_array().unwrap().len(), 2);

    let demo_token = Nhn {
        token: demo::NHN_TOKEN.to_owned(),
        ..nhn.clone()
    };
    success(demo_token.get("/artifacts").await);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_token_endpoint_refuses_bad_requests_in_the_oauth_shape() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let (status, body) = nhn.issue(demo::NHN_ACCESS_KEY_ID, "wrong-secret").await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "invalid_client");
    let (status, body) = nhn.issue("NOSUCHKEY", demo::NHN_SECRET_ACCESS_KEY).await;
    assert_eq!((status, &body["error"]), (401, &json!("invalid_client")));

    let url = format!("{}/oauth2/token/create", nhn.base);
    let unauthenticated = nhn
        .http
        .post(&url)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert!(unauthenticated.headers().contains_key("www-authenticate"));

    let authorization = basic(demo::NHN_ACCESS_KEY_ID, demo::NHN_SECRET_ACCESS_KEY);
    for (content_type, form, error) in [
        (
            "application/x-www-form-urlencoded",
            "grant_type=password",
            "unsupported_grant_type",
        ),
        ("application/x-www-form-urlencoded", "", "invalid_request"),
        (
            "application/json",
            r#"{"grant_type":"client_credentials"}"#,
            "invalid_request",
        ),
    ] {
        let response = nhn
            .http
            .post(&url)
            .header("authorization", &authorization)
            .header("content-type", content_type)
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{content_type} {form}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{body}");
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_refused_and_lifetime_applies_to_new_tokens() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let (status, body) = nhn
        .admin_put("/token-lifetime", json!({ "seconds": 0 }))
        .await;
    assert_eq!(
        (status, body),
        (200, json!({ "seconds": 0, "as_text": false }))
    );
    let expired = Nhn::connect(&sandbox).await;
    assert_error(
        &expired.get("/artifacts").await,
        401,
        "UNAUTHORIZED",
        "expired",
    );
    // The token issued before the change keeps its lifetime.
    success(nhn.get("/artifacts").await);

    nhn.admin_put("/token-lifetime", json!({ "seconds": 1 }))
        .await;
    let short = Nhn::connect(&sandbox).await;
    success(short.get("/artifacts").await);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_error(
        &short.get("/artifacts").await,
        401,
        "UNAUTHORIZED",
        "expired",
    );

    let (status, _) = nhn
        .admin_put("/token-lifetime", json!({ "seconds": 86_401 }))
        .await;
    assert_eq!(status, 400);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_token_must_come_in_x_nhn_authorization() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let url = nhn.api("/artifacts");
    let missing = nhn.http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    let body = missing.json().await.unwrap();
    assert_error(
        &(401, body),
        401,
        "UNAUTHORIZED",
        "missing header X-NHN-AUTHORIZATION",
    );

    let standard = nhn
        .http
        .get(&url)
        .bearer_auth(&nhn.token)
        .send()
        .await
        .unwrap();
    let body = standard.json().await.unwrap();
    assert_error(
        &(401, body),
        401,
        "UNAUTHORIZED",
        "standard Authorization header",
    );

    for (value, message) in [
        (format!("Token {}", nhn.token), "Bearer <token>"),
        (nhn.token.clone(), "Bearer <token>"),
        ("Bearer not-a-token".to_owned(), "unknown"),
    ] {
        let response = nhn
            .http
            .get(&url)
            .header("X-NHN-AUTHORIZATION", value)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap();
        assert_error(&(status, body), 401, "UNAUTHORIZED", message);
    }
    // Lower-case scheme and header name are fine.
    let response = nhn
        .http
        .get(&url)
        .header("x-nhn-authorization", format!("bearer {}", nhn.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn an_unknown_app_key_is_forbidden_after_authentication() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    let url = format!("{}/api/v2.1/projects/OtherAppKey/artifacts", nhn.base);
    let response = nhn
        .http
        .get(&url)
        .header("X-NHN-AUTHORIZATION", format!("Bearer {}", nhn.token))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let answer = (status, response.json().await.unwrap());
    assert_error(&answer, 403, "FORBIDDEN", "OtherAppKey");
    // Authentication comes first.
    let response = nhn.http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_answer_404_in_the_envelope_without_a_token() {
    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    // Upload on the plural path: a classic slip, the guide uses the singular.
    let url = nhn.api("/artifacts/101/binary-groups/301");
    let response = nhn.http.post(&url).send().await.unwrap();
    let status = response.status().as_u16();
    let answer = (status, response.json().await.unwrap());
    assert_error(&answer, 404, "GENERAL_EXCEPTION", "binary-groups/301");
    let response = nhn.http.delete(nhn.api("/artifacts")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    sandbox.shutdown().await;
}

/// The token document types `expires_in` as a string in its table and shows a number in
/// its sample: the emulator answers either way, and the client works with both.
#[tokio::test]
async fn token_lifetimes_are_answered_as_numbers_or_strings_and_both_are_read() {
    use crate::providers::http::{HttpClient, HttpConfig};
    use crate::providers::nhn::client::{NhnAuth, NhnClient};

    let sandbox = testkit::start_with(FAST).await;
    let nhn = Nhn::connect(&sandbox).await;
    for (as_text, expected) in [(true, json!("120")), (false, json!(120))] {
        let (status, body) = nhn
            .admin_put(
                "/token-lifetime",
                json!({"seconds": 120, "as_text": as_text}),
            )
            .await;
        assert_eq!((status, &body["as_text"]), (200, &json!(as_text)), "{body}");
        let (status, body) = nhn
            .issue(demo::NHN_ACCESS_KEY_ID, demo::NHN_SECRET_ACCESS_KEY)
            .await;
        assert_eq!((status, &body["expires_in"]), (200, &expected), "{body}");

        let client = NhnClient::new(
            &nhn.base,
            &nhn.base,
            demo::NHN_APP_KEY,
            NhnAuth::AccessKey {
                id: demo::NHN_ACCESS_KEY_ID.into(),
                secret: demo::NHN_SECRET_ACCESS_KEY.into(),
            },
            HttpClient::new(HttpConfig::default()),
        );
        assert_eq!(client.list_artifacts().await.unwrap().len(), 2);
    }
    sandbox.shutdown().await;
}
