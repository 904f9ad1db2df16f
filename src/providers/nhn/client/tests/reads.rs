//! Envelopes, lookups, paging and the deploy call.

use super::*;
use crate::providers::http::HttpError;
use crate::providers::nhn::wire::DeployRequest;

#[tokio::test]
async fn a_refusal_with_http_200_is_an_error_naming_the_call_and_code() {
    let (fake, base) = start().await;
    fake.on(
        "GET /artifacts/101/server-groups",
        [refused(
            200,
            "NOT_FOUND_ARTIFACT_INFO",
            "artifact not found",
        )],
    );
    let err = client(&base).list_server_groups(101).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "list server groups of artifact 101: NOT_FOUND_ARTIFACT_INFO (artifact not found)"
    );
    assert!(err.is_not_found());
    assert_eq!(err.result_code(), Some("NOT_FOUND_ARTIFACT_INFO"));
    // A business refusal is not repeated.
    assert_eq!(fake.seen().len(), 1);
}

#[tokio::test]
async fn envelopes_decode_and_odd_answers_are_reported() {
    let (fake, base) = start().await;
    let groups = json!({"serverGroups": [
        {"id": 7, "name": "web", "description": "prod", "osType": "LINUX", "serverCount": 3},
        {"id": 8, "name": "batch", "description": null, "osType": "WINDOWS", "serverCount": 1}]});
    let key = "GET /artifacts/101/server-groups";
    fake.on(key, [ok(groups)]);
    let nhn = client(&base);
    let list = nhn.list_server_groups(101).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|g| (g.id, g.name.as_str(), g.server_count))
            .collect::<Vec<_>>(),
        [(7, "web", 3), (8, "batch", 1)]
    );

    // An error status with an envelope; then HTML from a proxy; then a wrong body shape.
    fake.on(key, [refused(404, "NOT_FOUND_ARTIFACT_INFO", "gone")]);
    let err = nhn.list_server_groups(101).await.unwrap_err();
    assert!(
        matches!(&err, NhnError::Api { status: 404, .. }) && err.is_not_found(),
        "{err:?}"
    );
    fake.on(
        key,
        [Canned {
            status: 400,
            content_type: "text/html",
            body: b"<html>nope</html>".to_vec(),
            cut_after: None,
        }],
    );
    let err = nhn.list_server_groups(101).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "list server groups of artifact 101: HTTP 400 (Bad Request: <html>nope</html>)"
    );
    fake.on(key, [ok(json!({"serverGroups": [{"id": "seven"}]}))]);
    let err = nhn.list_server_groups(101).await.unwrap_err();
    assert!(matches!(err, NhnError::Decode { .. }), "{err:?}");
    fake.on(
        key,
        [canned(
            200,
            json!({"header": {"isSuccessful": true, "resultCode": "SUCCESS"}}),
        )],
    );
    let err = nhn.list_server_groups(101).await.unwrap_err();
    assert!(err.to_string().contains("without a `body`"), "{err}");
    // A 503 on a read is retried.
    fake.on(
        key,
        [
            refused(503, "GENERAL_EXCEPTION", "busy"),
            ok(json!({"serverGroups": []})),
        ],
    );
    assert!(nhn.list_server_groups(101).await.unwrap().is_empty());
}

#[tokio::test]
async fn find_artifact_compares_names_exactly() {
    let (fake, base) = start().await;
    *fake.artifacts.lock().unwrap() = ["my-web", "web-admin", "web", "webb"]
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"id": 100 + i, "name": name, "applicationType": "server"}))
        .collect();
    let nhn = client(&base);
    let found = nhn.find_artifact("web").await.unwrap().unwrap();
    assert_eq!((found.id, found.name.as_str()), (102, "web"));
    assert_eq!(
        fake.seen()[0].query.get("artifactName").map(String::as_str),
        Some("web")
    );
    assert!(nhn.find_artifact("we").await.unwrap().is_none());
    assert_eq!(nhn.list_artifacts().await.unwrap().len(), 4);
    assert!(fake.seen()[2].query.is_empty());
    // Two artifacts of the very same name are not guessed between.
    fake.artifacts
        .lock()
        .unwrap()
        .push(json!({"id": 200, "name": "web"}));
    let err = nhn.find_artifact("web").await.unwrap_err();
    assert!(err.to_string().contains("ids 102, 200"), "{err}");
}

#[tokio::test]
async fn find_binary_pages_until_the_exact_version() {
    let (fake, base) = start().await;
    fake.page_cap.store(3, Ordering::SeqCst); // the server pages by 3 whatever is asked
    *fake.binaries.lock().unwrap() = ["1.0.10", "1.0.11", "1.0.12", "2.1.0", "1.0.13", "1.0.1", "1.0.14"]
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"binaryKey": 500 + i, "version": v, "binaryName": format!("app-{v}.jar"), "binarySize": 10}))
        .collect();
    let nhn = client(&base);
    let found = nhn.find_binary(101, 5, "1.0.1").await.unwrap().unwrap();
    assert_eq!(
        (found.binary_key.as_str(), found.version.as_str()),
        ("505", "1.0.1")
    );
    let pages: Vec<_> = fake
        .seen()
        .iter()
        .map(|s| s.query["pageNum"].clone())
        .collect();
    assert_eq!(pages, ["1", "2"]);
    let first = &fake.seen()[0];
    assert_eq!(first.path, "/artifacts/101/binary-groups/5/binaries");
    assert_eq!(
        (
            first.query["keyword"].as_str(),
            first.query["pageSize"].as_str()
        ),
        ("1.0.1", "100")
    );

    // Absent: every page is read, up to the total count, and no more.
    assert!(nhn.find_binary(101, 5, "1.0").await.unwrap().is_none());
    let pages: Vec<_> = fake.seen()[2..]
        .iter()
        .map(|s| s.query["pageNum"].clone())
        .collect();
    assert_eq!(pages, ["1", "2", "3"]); // 7 near matches in pages of 3
    assert!(nhn.find_binary(101, 5, "9.9").await.unwrap().is_none());
    assert_eq!(fake.seen().len(), 6);
}

#[tokio::test]
async fn without_a_total_count_pages_are_read_until_a_short_one() {
    let (fake, base) = start().await;
    let key = "GET /artifacts/101/binary-groups/5/binaries";
    let binary = |i: usize| json!({"binaryKey": i, "version": format!("1.{i}")});
    let full: Vec<Value> = (0..100).map(binary).collect();
    fake.on(
        key,
        [
            ok(json!({"binaries": full})),
            ok(json!({"binaries": [binary(100), binary(101)]})),
        ],
    );
    let nhn = client(&base);
    assert!(nhn.find_binary(101, 5, "1").await.unwrap().is_none());
    assert_eq!(fake.seen().len(), 2, "a full page, then a short one");
    fake.on(key, [ok(json!({"binaries": [binary(7)]}))]);
    let found = nhn.find_binary(101, 5, "1.7").await.unwrap().unwrap();
    assert_eq!(found.binary_key, "7");
}

#[tokio::test]
async fn binary_groups_are_listed() {
    let (fake, base) = start().await;
    fake.on(
        "GET /artifacts/101/binary-groups",
        [ok(json!({"binaryGroups": [{"key": 5, "name": "release", "regionCode": "KR1", "createDate": "2025-01-01T00:00:00+09:00"}]}))],
    );
    let groups = client(&base).list_binary_groups(101).await.unwrap();
    assert_eq!((groups[0].key, groups[0].name.as_str()), (5, "release"));
}

#[tokio::test]
async fn deploy_sends_the_request_and_decodes_every_run() {
    let (fake, base) = start().await;
    let key = "POST /artifacts/101/server-group/7/deploy";
    fake.on(
        key,
        [ok(json!([
            {"deployKey": 192349, "deployStatus": "success",
             "deployResult": [{"deployKey": 192349, "hostname": "web-1", "status": "success", "taskResult": ["ok"]}],
             "deployResultLocation": "https://console/deploy/192349"},
            {"deployKey": 192350, "deployStatus": "fail", "deployResult": null, "deployResultLocation": "x"}
        ]))],
    );
    let request = DeployRequest {
        scenario_ids: Some("3".into()),
        deploy_note: Some("release 1.2.3".into()),
        concurrent_num: Some(1),
        ..Default::default()
    };
    let nhn = client(&base);
    let runs = nhn.deploy(101, 7, &request).await.unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        (runs[0].deploy_key, runs[0].deploy_status.as_str()),
        (192349, "success")
    );
    assert_eq!(runs[0].deploy_result[0].hostname, "web-1");
    assert!(runs[1].deploy_result.is_empty());
    let seen = &fake.seen()[0];
    assert_eq!(seen.content_type.as_deref(), Some("application/json"));
    let body: Value = serde_json::from_str(&seen.body).unwrap();
    assert_eq!(
        body,
        json!({"concurrentNum": 1, "deployNote": "release 1.2.3", "scenarioIds": "3"})
    );

    // A deploy answered 503 may have started: reported as ambiguous, not repeated.
    fake.on(key, [refused(503, "GENERAL_EXCEPTION", "busy")]);
    let err = nhn.deploy(101, 7, &request).await.unwrap_err();
    assert!(
        err.is_ambiguous() && matches!(err, NhnError::Http(HttpError::Ambiguous { .. })),
        "{err:?}"
    );
    // A deploy answered 429 certainly did not start: repeated.
    fake.on(
        key,
        [
            refused(429, "TOO_MANY", "slow down"),
            ok(json!([{"deployKey": 1, "deployStatus": "deploying"}])),
        ],
    );
    let runs = nhn
        .deploy(
            101,
            7,
            &DeployRequest {
                r#async: Some(true),
                ..request
            },
        )
        .await
        .unwrap();
    assert_eq!(runs[0].deploy_status, "deploying");
    assert_eq!(fake.paths().iter().filter(|p| *p == key).count(), 4);
}

#[tokio::test]
async fn a_history_page_carries_the_window_and_paging() {
    let (fake, base) = start().await;
    fake.histories.lock().unwrap().push(json!({"deployKey": 9, "serverGroupId": 7, "executeDate": "2025-03-01T12:00:00+09:00", "totalResult": "SUCCESS"}));
    let page = client(&base)
        .deploy_history_page(
            101,
            7,
            jiff::civil::date(2025, 2, 1),
            jiff::civil::date(2025, 3, 1),
            2,
            50,
        )
        .await
        .unwrap();
    assert_eq!(page.total_count, 1);
    assert!(page.deploy_histories.is_empty()); // page 2 of 1 item
    let q = &fake.seen()[0].query;
    let pairs = [
        "serverGroupId",
        "deploymentYearFrom",
        "deploymentYearTo",
        "pageNum",
        "pageSize",
    ]
    .map(|k| q[k].as_str());
    assert_eq!(pairs, ["7", "2025-02-01", "2025-03-01", "2", "50"]);
}
