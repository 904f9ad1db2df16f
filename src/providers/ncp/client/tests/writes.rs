//! Creates, edits, acknowledgements, deployments and response decoding.

use super::*;

#[tokio::test]
async fn headers_bodies_and_region() {
    let (fake, base) = start().await;
    fake.on(
        "POST /api/v1/project/1/stage",
        [ok(json!({"id": 5, "name": "dev"}))],
    );
    fake.on(
        "PATCH /api/v1/project/1/stage/5/scenario/9",
        [ok(json!({"id": 9, "name": "blue"}))],
    );
    let ncp = client_with(&base, SECRET, Some("KR"));
    let stage = StageRequest {
        name: Some("dev".into()),
        target_type: "Server".into(),
        config: StageConfig {
            server_no: Some(vec![1, 2]),
            ..StageConfig::default()
        },
    };
    assert_eq!(ncp.create_stage(1, &stage).await.unwrap().id, 5);
    let edit = ScenarioRequest {
        name: None,
        description: Some("d".into()),
        config: ScenarioConfig::default(),
    };
    assert_eq!(
        ncp.update_scenario(1, 5, 9, &edit).await.unwrap().name,
        "blue"
    );
    let rename = ScenarioRequest {
        name: Some("green".into()),
        ..edit
    };
    let err = ncp.update_scenario(1, 5, 9, &rename).await.unwrap_err();
    assert!(matches!(err, NcpError::InvalidRequest { .. }), "{err:?}");
    ncp.get_history(1, 4).await.unwrap_err();

    let seen = fake.seen();
    assert_eq!(seen.len(), 3, "the rename was refused before sending");
    assert!(
        seen.iter()
            .all(|s| s.signed && s.region.as_deref() == Some("KR"))
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen[0].body).unwrap(),
        json!({"name": "dev", "type": "Server", "config": {"serverNo": [1, 2]}})
    );
    assert_eq!(
        serde_json::from_str::<Value>(&seen[1].body).unwrap(),
        json!({"description": "d", "config": {}})
    );
    assert_eq!(seen[1].method, "PATCH");
    assert!(
        seen[..2]
            .iter()
            .all(|s| s.content_type.as_deref() == Some("application/json"))
    );
    assert_eq!(
        (seen[2].content_type.as_deref(), seen[2].body.as_str()),
        (None, "")
    );
}

#[tokio::test]
async fn acknowledgements_in_both_shapes() {
    let (fake, base) = start().await;
    fake.on(
        "DELETE /api/v1/project/1/stage/2",
        [ok(json!({"result": true}))],
    );
    fake.on(
        "POST /api/v1/project/1/history/8/approval/accept",
        [canned(200, json!({"result": true}))],
    );
    fake.on(
        "POST /api/v1/project/1/history/8/cancel",
        [ok(json!({"result": false}))],
    );
    fake.on(
        "POST /api/v1/project/1/history/8/canary/reject",
        [canned(200, Value::Null)],
    );
    let ncp = client(&base);
    ncp.delete_stage(1, 2).await.unwrap();
    ncp.approve_deploy(1, 8).await.unwrap();
    let err = ncp.cancel_deploy(1, 8).await.unwrap_err();
    assert!(matches!(err, NcpError::NotAcknowledged { .. }), "{err:?}");
    ncp.reject_canary(1, 8).await.unwrap();
    let err = ncp.reject_deploy(1, 8).await.unwrap_err();
    assert!(err.is_not_found());
}

#[tokio::test]
async fn deployments_history_and_canary_reports() {
    let (fake, base) = start().await;
    let scenario = "/api/v1/project/1/stage/2/scenario/3";
    fake.on(
        &format!("POST {scenario}/deploy"),
        [ok(json!({"historyId": "77"}))],
    );
    fake.on(
        &format!("POST {scenario}/deploy/request"),
        [ok(json!({"historyId": 78}))],
    );
    fake.on(
        "GET /api/v1/project/1/history",
        [ok(json!({"historyList": [{"id": 77, "status": "inprogress", "startTime": 1_700_000_000_000_i64,
                                     "stage": {"id": 2, "name": "dev"}, "scenario": {"id": 3, "name": "blue"}}]}))],
    );
    fake.on(
        "GET /api/v1/project/1/history/77",
        [ok(json!({"id": "77", "status": "success", "startTime": 1_700_000_000_000_i64, "endTime": 1_700_000_100_000_i64}))],
    );
    fake.on(
        "GET /api/v1/project/1/history/77/report",
        [ok(
            json!({"stageList": [1_748_333_308_000_i64, "1748333368000"]}),
        )],
    );
    fake.on(
        "GET /api/v1/project/1/history/77/report/1748333308000",
        [ok(json!({"status": "pass", "score": 97}))],
    );
    let ncp = client(&base);
    assert_eq!(ncp.start_deploy(1, 2, 3).await.unwrap(), 77);
    assert_eq!(ncp.request_deploy_approval(1, 2, 3).await.unwrap(), 78);
    let page = ncp.list_history_page(1, 2, 50).await.unwrap();
    assert_eq!((page[0].id, page[0].status.as_str()), (77, "inprogress"));
    let detail = ncp.get_history(1, 77).await.unwrap();
    assert_eq!(
        (detail.status.as_str(), detail.end_time),
        ("success", Some(1_700_000_100_000))
    );
    let times = ncp.canary_report_times(1, 77).await.unwrap();
    assert_eq!(times, [1_748_333_308_000, 1_748_333_368_000]);
    assert_eq!(
        ncp.canary_report(1, 77, times[0]).await.unwrap()["status"],
        "pass"
    );
    assert!(
        fake.uris()
            .contains(&"GET /api/v1/project/1/history?pageNo=2&pageSize=50".to_owned())
    );
    assert!(fake.seen().iter().all(|s| s.signed));
    let stats = ncp.http_stats();
    assert_eq!((stats.method("POST"), stats.method("GET")), (2, 4));
}

#[tokio::test]
async fn unexpected_bodies_are_decode_errors_with_a_redacted_snippet() {
    let (fake, base) = start().await;
    crate::redact::register(SECRET);
    fake.on(
        "GET /api/v1/project/1/stage/2",
        [canned(
            200,
            json!(format!("<html>proxy error {SECRET}</html>")),
        )],
    );
    fake.on(
        "GET /api/v1/project/1/stage/3",
        [canned(
            200,
            json!({"error": {"errorCode": 900, "message": "Unexpected Error"}}),
        )],
    );
    let ncp = client(&base);
    let err = ncp.get_stage(1, 2).await.unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, NcpError::Decode { status: 200, .. }),
        "{err:?}"
    );
    assert!(
        text.contains("proxy error (sensitive)") && !text.contains(SECRET),
        "{text}"
    );
    let err = ncp.get_stage(1, 3).await.unwrap_err();
    assert!(
        matches!(&err, NcpError::Api { status: 200, code, .. } if code == "900"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unusable_base_url_fails_every_call_without_sending() {
    for base in ["not a url", "ftp://host/x", "http://host/x?q=1"] {
        let err = client(base).list_projects().await.unwrap_err();
        assert!(
            matches!(err, NcpError::InvalidRequest { .. }),
            "{base}: {err:?}"
        );
    }
}

#[test]
fn credentials_debug_hides_the_secret() {
    let credentials = NcpCredentials {
        access_key: "AK1".into(),
        secret_key: "do-not-print-me".into(),
    };
    let text = format!("{credentials:?}");
    assert!(
        text.contains("AK1") && !text.contains("do-not-print-me"),
        "{text}"
    );
}
