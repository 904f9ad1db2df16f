//! Which failures are retried, which are reported, and which are ambiguous.

use super::*;

#[tokio::test]
async fn a_get_is_retried_after_429_with_retry_after() {
    let (fake, base) = start().await;
    let stage = json!({"id": 2, "name": "dev", "type": "Server", "config": {"serverNo": [11], "serverName": ["web-1"]}});
    fake.on(
        "GET /api/v1/project/1/stage/2",
        [
            Canned {
                headers: vec![("retry-after", "1".into())],
                ..error(429, "410", "Throttle Limited")
            },
            ok(stage),
        ],
    );
    let ncp = client(&base);
    let detail = ncp.get_stage(1, 2).await.unwrap();
    assert_eq!(
        (detail.name.as_str(), detail.config.server_no.clone()),
        ("dev", Some(vec![11]))
    );
    assert_eq!(fake.seen().len(), 2);
    assert!(fake.seen().iter().all(|s| s.signed));
    assert_eq!(ncp.http_stats().retries, 1);
}

#[tokio::test]
async fn a_get_is_retried_after_503() {
    let (fake, base) = start().await;
    fake.on(
        "GET /api/v1/project/1/stage/2/scenario",
        [
            error(503, "500", "Endpoint Error"),
            ok(json!({"scenarioList": [{"id": "7", "name": "blue"}]})),
        ],
    );
    let scenarios = client(&base).list_scenarios(1, 2).await.unwrap();
    assert_eq!(
        scenarios,
        [IdName {
            id: 7,
            name: "blue".into()
        }]
    );
    assert_eq!(
        fake.uris(),
        [
            "GET /api/v1/project/1/stage/2/scenario?pageNo=1&pageSize=100",
            "GET /api/v1/project/1/stage/2/scenario?pageNo=1&pageSize=100",
        ]
    );
}

#[tokio::test]
async fn a_create_answered_503_is_ambiguous_and_not_repeated() {
    let (fake, base) = start().await;
    fake.on(
        "POST /api/v1/project",
        [error(503, "500", "Endpoint Error")],
    );
    let err = client(&base).create_project("shop").await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert!(matches!(err, NcpError::Http(HttpError::Ambiguous { .. })));
    assert_eq!(fake.uris(), ["POST /api/v1/project"]);
}

#[tokio::test]
async fn a_create_answered_429_is_retried() {
    let (fake, base) = start().await;
    fake.on("POST /api/v1/project", [error(429, "420", "Rate Limited")]);
    let ncp = client(&base);
    let created = ncp.create_project("shop").await.unwrap();
    assert_eq!(
        created,
        IdName {
            id: 1000,
            name: "shop".into()
        }
    );
    assert_eq!(
        fake.uris(),
        ["POST /api/v1/project", "POST /api/v1/project"]
    );
    assert_eq!(ncp.http_stats().method("POST"), 2);
    let seen = fake.seen();
    assert_eq!(seen[1].body, r#"{"name":"shop"}"#);
    assert_eq!(seen[1].content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn a_deploy_that_times_out_is_ambiguous_and_not_repeated() {
    let (fake, base) = start().await;
    let http = HttpClient::new(HttpConfig {
        request_timeout: Duration::from_millis(300),
        sleep_on_retry: false,
        ..HttpConfig::default()
    });
    let credentials = NcpCredentials {
        access_key: ACCESS.into(),
        secret_key: SECRET.into(),
    };
    let ncp = NcpClient::new(&base, None, credentials, http);
    let slow = Canned {
        delay: Duration::from_secs(2),
        ..ok(json!({"historyId": 1}))
    };
    fake.on(
        "POST /api/v1/project/1/stage/2/scenario/3/deploy",
        [slow, ok(json!({"historyId": 2}))],
    );
    let err = ncp.start_deploy(1, 2, 3).await.unwrap_err();
    assert!(err.is_ambiguous(), "{err:?}");
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn auth_failures_are_not_retried() {
    let (fake, base) = start().await;
    let err = client_with(&base, "a-wrong-secret-key", None)
        .list_projects()
        .await
        .unwrap_err();
    let NcpError::Api {
        status,
        code,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (*status, code.as_str(), message.as_str()),
        (401, "200", "Authentication Failed")
    );
    assert!(err.is_auth() && !err.is_not_found() && !err.is_ambiguous());
    assert_eq!(fake.seen().len(), 1);
    assert!(
        err.to_string()
            .starts_with("GET /api/v1/project: HTTP 401, error 200: Authentication Failed"),
        "{err}"
    );
}

#[tokio::test]
async fn client_errors_are_not_retried_and_not_found_is_recognised() {
    let (fake, base) = start().await;
    fake.on(
        "PATCH /api/v1/project/1/stage/2",
        [error(400, "100", "Bad Request Exception")],
    );
    let ncp = client(&base);
    let body = StageRequest {
        name: None,
        target_type: "Server".into(),
        config: StageConfig::default(),
    };
    let err = ncp.update_stage(1, 2, &body).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    let err = ncp.get_scenario(1, 2, 3).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn a_delete_whose_retry_finds_nothing_has_succeeded() {
    let (fake, base) = start().await;
    fake.on(
        "DELETE /api/v1/project/4",
        [
            error(504, "510", "Endpoint Timeout"),
            error(404, "300", "Not Found Exception"),
        ],
    );
    let ncp = client(&base);
    ncp.delete_project(4).await.unwrap();
    // …but a first-attempt 404 is reported.
    assert!(ncp.delete_project(4).await.unwrap_err().is_not_found());
    assert_eq!(fake.seen().len(), 3);
}
