//! Writes: what is sent, exactly-once starts, in-progress conflicts and retry classes.

use super::*;

const START: &str = "POST /apps/a0000000-0000-4000-8000-000000000001/deployments";
const LIST: &str = "GET /apps/a0000000-0000-4000-8000-000000000001/deployments";

#[tokio::test]
async fn a_start_sends_the_commit_and_returns_the_deployment() {
    let (fake, base) = start().await;
    let deployment = client(&base)
        .start_deployment(APP, SHA, true)
        .await
        .unwrap();
    assert_eq!(deployment.commit_sha, SHA);
    assert_eq!(
        deployment.status,
        crate::providers::axhub::wire::DeploymentStatus::Pending
    );
    let sent = fake.seen.all().pop().unwrap();
    assert_eq!(
        sent.json(),
        json!({"commit_sha": SHA, "force_rebuild": true})
    );
    client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap();
    assert_eq!(
        fake.seen.all().pop().unwrap().json(),
        json!({"commit_sha": SHA})
    );
}

#[tokio::test]
async fn a_start_whose_answer_is_lost_is_adopted_not_repeated() {
    let (fake, base) = start().await;
    let lost = canned(202, json!({"id": "never-seen", "status": "pending"}));
    fake.script.on(START, [lost.processed_then_cut()]);
    let deployment = client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap();
    assert_eq!(fake.deployments().len(), 1, "exactly one deployment");
    assert_eq!(deployment.id, fake.deployments()[0]["id"].as_str().unwrap());
    assert_eq!(fake.seen.hits(START), 1);
    assert_eq!(fake.seen.hits(LIST), 1);

    // A 502 after processing: the same.
    fake.script
        .on(START, [text(502, "bad gateway").processed()]);
    client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap();
    assert_eq!(fake.deployments().len(), 2);
    assert_eq!(fake.seen.hits(START), 2);
}

#[tokio::test]
async fn a_start_lost_before_processing_is_sent_again_once() {
    let (fake, base) = start().await;
    fake.script.on(START, [text(503, "unavailable")]);
    client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap();
    assert_eq!(fake.deployments().len(), 1);
    assert_eq!(fake.seen.hits(START), 2);
}

#[tokio::test]
async fn older_or_other_deployments_are_not_adopted() {
    let (fake, base) = start().await;
    fake.add_deployment(SHA, "manual", "2020-01-01T00:00:00Z");
    let now = jiff::Timestamp::now().to_string();
    fake.add_deployment(SHA, "webhook", &now);
    fake.add_deployment("1111111111111111111111111111111111111111", "manual", &now);
    fake.script.on(START, [text(500, "oops")]);
    let deployment = client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap();
    assert_eq!(fake.seen.hits(START), 2, "nothing adoptable: sent again");
    assert_eq!(deployment.id, fake.deployments()[0]["id"].as_str().unwrap());
}

#[tokio::test]
async fn a_conflict_is_in_progress_with_the_running_id_and_never_retried() {
    let (fake, base) = start().await;
    let running = "d9999999-0000-4000-8000-000000000009";
    let cases = [
        json!({"error": {"category": "conflict", "code": "conflict",
            "message": "deployment already in progress", "request_id": "srv-1",
            "retryable": false, "resource": format!("deployments/{running}")}}),
        json!({"error": {"category": "conflict", "code": "conflict",
            "message": format!("deployment {running} already in progress")}}),
        // The live service names it in an object, and not in the message.
        json!({"error": {"code": "conflict", "message": "deployment already in progress",
            "resource": {"type": "deployment", "id": running}}}),
        json!({"code": "conflict", "message": "deployment already in progress"}),
    ];
    for (i, body) in cases.into_iter().enumerate() {
        fake.script.on(START, [canned(409, body)]);
        let error = client(&base)
            .start_deployment(APP, SHA, false)
            .await
            .unwrap_err();
        let AxhubError::InProgress {
            running_deployment_id,
            refusal,
            ..
        } = &error
        else {
            panic!("{error:?}");
        };
        let expected = (i < 3).then(|| running.to_owned());
        assert_eq!(running_deployment_id, &expected, "case {i}");
        assert_eq!(refusal.code, "conflict");
        assert!(error.hint().unwrap().contains("one deployment per app"));
    }
    assert_eq!(fake.seen.hits(START), 4, "each 409 sent once");
    assert!(fake.deployments().is_empty());
    let first = "start a deployment of `0b4bc9a49b562e85de7cc9e834518ea6828729b9` on app \
                 `a0000000-0000-4000-8000-000000000001`: a deployment is already in progress";
    fake.script.on(
        START,
        [canned(409, json!({"code": "conflict", "message": "busy"}))],
    );
    let error = client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with(first), "{error}");
}

#[tokio::test]
async fn a_throttled_start_waits_and_is_sent_again() {
    let (fake, base) = start().await;
    let limited = canned(
        429,
        envelope("temporarily_unavailable", "unavailable", "slow down"),
    );
    fake.script.on(START, [limited.header("retry-after", "1")]);
    client(&base)
        .start_deployment(APP, SHA, false)
        .await
        .unwrap();
    assert_eq!(fake.seen.hits(START), 2);
    assert_eq!(fake.deployments().len(), 1);
}

#[tokio::test]
async fn settings_send_their_bodies_and_idempotent_answers_are_done() {
    let (fake, base) = start().await;
    let c = client(&base);
    let connected = c
        .connect_git(APP, 12345, "acme/shop", "main")
        .await
        .unwrap();
    assert_eq!(
        connected,
        crate::providers::axhub::wire::GitConnection::Connected {
            provider: "github".into(),
            repository: "acme/shop".into(),
            branch: "main".into(),
            installation_id: Some("12345".into()),
        }
    );
    let sent = fake.seen.all().pop().unwrap();
    assert_eq!(
        sent.json(),
        json!({"installation_id": 12345, "repo_full_name": "acme/shop", "branch": "main"})
    );
    c.set_git_branch(APP, "release").await.unwrap();
    assert_eq!(
        fake.seen.all().pop().unwrap().json(),
        json!({"branch": "release"})
    );
    c.disconnect_git(APP).await.unwrap();
    c.enable_staging(APP).await.unwrap();
    c.disable_staging(APP, true).await.unwrap();
    assert_eq!(
        fake.seen.all().pop().unwrap().json(),
        json!({"confirm_discard_ops": true})
    );
    let refused = c.disable_staging(APP, false).await.unwrap_err();
    assert!(
        refused
            .hint()
            .unwrap()
            .contains("confirm_discard_ops: true"),
        "{refused:?}"
    );
    c.cancel_deployment(APP, "d1").await.unwrap();
    c.rollback(APP, "d1", true).await.unwrap();
    assert_eq!(
        fake.seen.all().pop().unwrap().json(),
        json!({"confirm_schema_skew": true})
    );

    // A lost PUT repeated meets its own work: 409 on the second attempt is done.
    let staging = format!("PUT /apps/{APP}/staging");
    fake.script.on(
        &staging,
        [
            text(502, "").processed(),
            canned(409, envelope("conflict", "conflict", "already enabled")),
        ],
    );
    c.enable_staging(APP).await.unwrap();
    // …but a first-attempt 409 is reported.
    fake.script.on(
        &staging,
        [canned(
            409,
            envelope("conflict", "conflict", "already enabled"),
        )],
    );
    assert_eq!(c.enable_staging(APP).await.unwrap_err().status(), Some(409));
}

#[tokio::test]
async fn requests_sent_counts_every_attempt() {
    let (fake, base) = start().await;
    let c = client(&base);
    fake.script
        .on(&format!("GET /apps/{APP}"), [text(503, ""), text(503, "")]);
    c.app(APP).await.unwrap();
    assert_eq!(c.requests_sent(), 3);
}
