//! The token life cycle: one exchange for many calls, renewal before expiry and after a
//! 401, and one clear error for wrong credentials.

use super::*;

fn add_artifacts(fake: &Fake, names: &[&str]) {
    let mut artifacts = fake.artifacts.lock().unwrap();
    for name in names {
        let id = 100 + artifacts.len() as i64;
        artifacts.push(json!({"id": id, "name": name, "applicationType": "server"}));
    }
}

#[tokio::test]
async fn one_token_exchange_serves_many_calls_and_concurrent_callers() {
    let (fake, base) = start().await;
    add_artifacts(&fake, &["web"]);
    let nhn = client(&base);
    let calls: Vec<_> = (0..8)
        .map(|_| {
            let nhn = nhn.clone();
            tokio::spawn(async move { nhn.list_artifacts().await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().len(), 1);
    }
    for _ in 0..3 {
        nhn.list_artifacts().await.unwrap();
    }
    assert_eq!(fake.token_calls(), 1);
    let seen = fake.seen();
    assert_eq!(seen.len(), 11);
    assert!(
        seen.iter()
            .all(|s| s.token.as_deref() == Some(format!("token-1-{}", "x".repeat(16)).as_str()))
    );
    // Token exchange counted with the API calls.
    assert_eq!(nhn.http_stats().method("POST"), 1);
    assert_eq!(nhn.http_stats().method("GET"), 11);
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let (fake, base) = start().await;
    fake.expires_in.store(1, Ordering::SeqCst); // renewed after half a second
    let nhn = client(&base);
    nhn.list_artifacts().await.unwrap();
    nhn.list_artifacts().await.unwrap();
    assert_eq!(fake.token_calls(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    nhn.list_artifacts().await.unwrap();
    assert_eq!(fake.token_calls(), 2);
    let tokens: Vec<_> = fake.seen().into_iter().map(|s| s.token.unwrap()).collect();
    assert!(tokens[2].starts_with("token-2-"), "{tokens:?}");
    // No call was ever refused: the renewal came before the expiry.
    assert_eq!(fake.seen().len(), 3);
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_call_repeated() {
    let (fake, base) = start().await;
    add_artifacts(&fake, &["web"]);
    let nhn = client(&base);
    nhn.list_artifacts().await.unwrap();
    fake.revoke_all();
    let artifacts = nhn.list_artifacts().await.unwrap();
    assert_eq!(artifacts.len(), 1);
    assert_eq!(fake.token_calls(), 2);
    assert_eq!(
        fake.paths(),
        ["GET /artifacts", "GET /artifacts", "GET /artifacts"]
    );
}

#[tokio::test]
async fn a_token_refused_even_when_new_is_one_auth_error() {
    let (fake, base) = start().await;
    fake.on(
        "GET /artifacts/101/server-groups",
        [
            refused(401, "UNAUTHORIZED", "no"),
            refused(401, "UNAUTHORIZED", "still no"),
        ],
    );
    let err = client(&base).list_server_groups(101).await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(matches!(err, NhnError::Auth { .. }));
    assert_eq!(
        err.to_string(),
        "list server groups of artifact 101: the API refused the access token (HTTP 401, UNAUTHORIZED: still no)"
    );
    assert_eq!(fake.token_calls(), 2);
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_one_clear_error_and_one_exchange() {
    let (fake, base) = start().await;
    let nhn = client_with(
        &base,
        NhnAuth::AccessKey {
            id: KEY_ID.into(),
            secret: "wrong-secret-value".into(),
        },
    );
    let err = nhn.list_artifacts().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("refused the User Access Key `UAK-TEST-ID-0001`: HTTP 401"),
        "{text}"
    );
    assert!(text.ends_with("HTTP 401 (invalid_client)"), "{text}");
    // The answer's free text is not shown.
    assert!(!text.contains("Bad client credentials"), "{text}");
    assert!(!text.contains("wrong-secret-value"), "{text}");
    // Later calls get the same answer without asking again.
    let again = nhn.list_server_groups(101).await.unwrap_err();
    assert_eq!(again, err);
    assert_eq!(fake.token_calls(), 1);
    assert!(fake.seen().is_empty());
}

#[tokio::test]
async fn a_static_token_is_sent_as_is_and_never_exchanged() {
    let (fake, base) = start().await;
    let nhn = client_with(&base, NhnAuth::Token(STATIC_TOKEN.into()));
    nhn.list_artifacts().await.unwrap();
    assert_eq!(fake.seen()[0].token.as_deref(), Some(STATIC_TOKEN));
    assert_eq!(fake.token_calls(), 0);
    // A refused static token cannot be renewed: one attempt, one error.
    fake.on("GET /artifacts", [refused(401, "UNAUTHORIZED", "expired")]);
    assert!(nhn.list_artifacts().await.unwrap_err().is_auth());
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn the_token_endpoint_is_below_the_oauth_base() {
    let (fake, base) = start().await;
    // API and OAuth on different bases: the API base is wrong, so only the token works.
    let nhn = NhnClient::new(
        &format!("{base}/elsewhere"),
        &base,
        "app-key-1",
        NhnAuth::AccessKey {
            id: KEY_ID.into(),
            secret: KEY_SECRET.into(),
        },
        http(),
    );
    let err = nhn.list_artifacts().await.unwrap_err();
    assert_eq!(fake.token_calls(), 1);
    assert!(matches!(err, NhnError::Api { .. }), "{err:?}");
}

#[tokio::test]
async fn client_futures_are_send() {
    fn send<T: Send>(_: &T) {}
    let nhn = client_with("http://127.0.0.1:1", NhnAuth::Token(STATIC_TOKEN.into()));
    let upload = Upload {
        file: "x".into(),
        application_type: "server".into(),
        version: "1".into(),
        description: None,
        os_type: None,
        fix: None,
        meta_file: None,
    };
    let date = jiff::civil::date(2025, 1, 1);
    send(&nhn.list_artifacts());
    send(&nhn.find_binary(1, 2, "1"));
    send(&nhn.upload_binary(1, 2, &upload));
    send(&nhn.download_binary(1, 2, "3", std::path::Path::new("x")));
    send(&nhn.deploy(1, 2, &Default::default()));
    send(&nhn.deploy_history_page(1, 2, date, date, 1, 20));
    send(&nhn.find_deployment(1, 2, 3, jiff::Timestamp::UNIX_EPOCH));
    send(&nhn.latest_deployments(1, 2));
    let debug = format!("{nhn:?}");
    assert!(!debug.contains(STATIC_TOKEN), "{debug}");
}

/// No part of a token answer is ever shown, whatever it holds and however it fails: the
/// error says what failed, the HTTP status and which field could not be read.
#[tokio::test]
async fn token_answers_are_never_shown() {
    let token = "tok-\"quoted\"-9f8e7d6c5b4a";
    let odd = |status, body: Value| {
        (
            status,
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        )
    };
    let cases = [
        (
            odd(200, json!({"access_token": token, "expires_in": "soon"})),
            "HTTP 200, but the answer could not be read: field `expires_in` is neither a whole number of seconds nor a string holding one (the answer is not shown: it may hold a token)",
        ),
        (
            odd(200, json!({"token": token})),
            "HTTP 200, but the answer could not be read: field `access_token` is missing",
        ),
        (
            (
                200,
                "text/plain",
                format!("access_token={token}").into_bytes(),
            ),
            "HTTP 200, but the answer could not be read: the answer is not JSON",
        ),
        (
            odd(
                503,
                json!({"error": "server_error", "error_description": token}),
            ),
            "HTTP 503",
        ),
        (
            odd(
                401,
                json!({"error": "invalid_client", "error_description": format!("key {KEY_SECRET} for {token}")}),
            ),
            "HTTP 401 (invalid_client)",
        ),
        (
            odd(
                200,
                json!({"header": {"isSuccessful": false, "resultCode": "UNAUTHORIZED", "resultMessage": token}}),
            ),
            "HTTP 200 (UNAUTHORIZED)",
        ),
        (
            odd(
                400,
                json!({"header": {"isSuccessful": false, "resultCode": token, "resultMessage": "no"}}),
            ),
            "HTTP 400",
        ),
    ];
    for ((status, content_type, body), expected) in cases {
        let (fake, base) = start().await;
        // As many as the client may try (a 5xx is tried again).
        let answers = (0..8).map(|_| Canned {
            status,
            content_type,
            body: body.clone(),
            cut_after: None,
        });
        fake.on("POST /oauth2/token/create", answers);
        let err = client(&base).list_artifacts().await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains(expected), "{expected}\n{text}");
        for leaked in ["tok-", "quoted", "9f8e7d", KEY_SECRET, "(sensitive)"] {
            assert!(!text.contains(leaked), "{leaked}: {text}");
        }
        assert!(fake.seen().is_empty());
    }
}

/// A lifetime sent as a string is honoured like a number: the token is renewed half-way
/// through a one-second life.
#[tokio::test]
async fn a_lifetime_sent_as_a_string_is_honoured() {
    let (fake, base) = start().await;
    let answer = |n: usize| Canned {
        status: 200,
        content_type: "application/json",
        body: serde_json::to_vec(
            &json!({"access_token": format!("token-{n}-{}", "x".repeat(16)), "expires_in": "1"}),
        )
        .unwrap(),
        cut_after: None,
    };
    fake.on("POST /oauth2/token/create", [answer(1), answer(2)]);
    fake.issued.lock().unwrap().extend([
        (format!("token-1-{}", "x".repeat(16)), Instant::now(), 60),
        (format!("token-2-{}", "x".repeat(16)), Instant::now(), 60),
    ]);
    let nhn = client(&base);
    nhn.list_artifacts().await.unwrap();
    nhn.list_artifacts().await.unwrap();
    assert_eq!(fake.token_calls(), 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    nhn.list_artifacts().await.unwrap();
    assert_eq!(fake.token_calls(), 2);
}

/// An app key a path segment cannot carry (URL parsers drop ``, `.` and `..`, so the
/// request would address another path) is refused before any request, the token's too.
#[tokio::test]
async fn an_app_key_that_is_a_dot_segment_is_refused_before_sending() {
    let (fake, base) = start().await;
    for app_key in ["", ".", ".."] {
        let nhn = NhnClient::new(
            &base,
            &base,
            app_key,
            NhnAuth::Token(STATIC_TOKEN.into()),
            http(),
        );
        let err = nhn.list_artifacts().await.unwrap_err();
        assert!(err.to_string().contains("app key cannot be"), "{err}");
    }
    assert!(fake.seen().is_empty());
}
