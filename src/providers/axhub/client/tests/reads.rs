//! Reads: base URLs, headers, request ids, paging and lenient decoding.

use std::collections::HashSet;

use super::*;
use crate::providers::axhub::wire::{DeploymentStatus, FailureReason, GitConnection, Stage};

#[test]
fn the_api_path_is_added_once() {
    let cases = [
        ("https://api.axhub.ai", "https://api.axhub.ai/api/v1"),
        ("https://api.axhub.ai/", "https://api.axhub.ai/api/v1"),
        ("https://api.axhub.ai/api/v1", "https://api.axhub.ai/api/v1"),
        (
            "http://127.0.0.1:4000/axhub",
            "http://127.0.0.1:4000/axhub/api/v1",
        ),
    ];
    for (endpoint, expected) in cases {
        assert_eq!(api_base(endpoint).unwrap().as_str(), expected, "{endpoint}");
    }
    for bad in ["api.axhub.ai", "ftp://x", "https://x/?q=1", ""] {
        assert!(
            matches!(api_base(bad), Err(AxhubError::Invalid(_))),
            "{bad}"
        );
    }
    assert!(matches!(
        AxhubClient::new("https://api.axhub.ai", Token("  ".into()), http()),
        Err(AxhubError::Invalid(m)) if m == "the AxHub token is empty"
    ));
}

#[tokio::test]
async fn every_attempt_carries_the_key_and_a_fresh_request_id() {
    let (fake, base) = start().await;
    let c = client(&base);
    fake.script.on(&format!("GET /apps/{APP}"), [text(502, "")]);
    let app = c.app(APP).await.unwrap();
    assert_eq!(app.slug, "shop");
    c.tenants().await.unwrap();
    let all = fake.seen.all();
    assert_eq!(all.len(), 3);
    let ids: HashSet<&str> = all
        .iter()
        .map(|r| r.header("x-request-id").unwrap())
        .collect();
    assert_eq!(ids.len(), 3, "a new id per attempt");
    for request in &all {
        assert_eq!(request.header("x-api-key"), Some(TOKEN));
        assert_eq!(request.header("accept"), Some("application/json"));
        assert!(
            request
                .header("user-agent")
                .unwrap()
                .starts_with("deployplan/")
        );
        assert_eq!(request.header("x-request-id").unwrap().len(), 26);
        assert_eq!(request.header("authorization"), None);
    }
}

#[tokio::test]
async fn tenants_and_apps_are_read_by_offset_until_the_total() {
    let (fake, base) = start().await;
    let c = client(&base);
    assert_eq!(c.tenant_by_slug("acme").await.unwrap().unwrap().id, TENANT);
    assert_eq!(c.tenant_by_slug("nope").await.unwrap(), None);
    fake.apps.store(230, Ordering::SeqCst);
    let apps = c.apps(TENANT).await.unwrap();
    assert_eq!(apps.len(), 230);
    assert_eq!(apps[229].slug, "slug-229");
    let key = format!("GET /tenants/{TENANT}/apps");
    let pages: Vec<(Option<String>, Option<String>)> = fake
        .seen
        .all()
        .into_iter()
        .filter(|r| format!("{} {}", r.method, r.path) == key)
        .map(|r| {
            (
                r.query("limit").map(Into::into),
                r.query("offset").map(Into::into),
            )
        })
        .collect();
    let expected = [("100", "0"), ("100", "100"), ("100", "200")]
        .map(|(l, o)| (Some(l.to_owned()), Some(o.to_owned())));
    assert_eq!(pages, expected, "never the cursor");
    assert!(fake.seen.all().iter().all(|r| r.query("cursor").is_none()));

    // Exactly a full page: the total ends it without an empty read.
    fake.apps.store(100, Ordering::SeqCst);
    let before = fake.seen.hits(&key);
    assert_eq!(c.apps(TENANT).await.unwrap().len(), 100);
    assert_eq!(fake.seen.hits(&key) - before, 1);
}

#[tokio::test]
async fn a_server_ignoring_the_offset_is_stopped() {
    let (fake, base) = start().await;
    fake.apps.store(300, Ordering::SeqCst);
    fake.ignore_offset.store(true, Ordering::SeqCst);
    let error = client(&base).apps(TENANT).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "list apps of tenant `{TENANT}`: unexpected response: the server's next-page links go round in circles"
        )
    );
    assert_eq!(fake.seen.hits(&format!("GET /tenants/{TENANT}/apps")), 2);
}

#[tokio::test]
async fn deployments_are_read_leniently_and_limited() {
    let (fake, base) = start().await;
    for _ in 0..5 {
        fake.add_deployment(SHA, "manual", "2026-01-01T00:00:00Z");
    }
    let listed = format!("GET /apps/{APP}/deployments");
    fake.script.on(&listed, [canned(200, json!({"items": [
        {"id": "d1", "commit_sha": SHA, "status": "verifying", "current_stage": "healthcheck",
         "trigger_source": "schedule", "failure_reason": {"stage": "healthcheck",
         "code": "healthcheck.rollout_timeout", "category": "timeout", "message": "not ready"},
         "cloud_build_id": "cb", "services": [{"name": "web"}], "started_at": "2026-01-01T00:00:00Z"},
        {"id": "d2", "commit_sha": SHA, "status": "failed", "failure_reason": "build failed",
         "completed_at": null, "stages": null},
        {"id": "d3", "commit_sha": null, "status": "succeeded", "failure_reason": null}
    ], "total": 3, "next_cursor": null}))]);
    let c = client(&base);
    let read = c.deployments(APP, 20).await.unwrap();
    assert_eq!(read[0].status, DeploymentStatus::Other("verifying".into()));
    assert!(!read[0].status.is_terminal());
    assert_eq!(read[0].current_stage, Some(Stage::Healthcheck));
    assert_eq!(
        read[0].failure_reason.as_ref().unwrap().to_string(),
        "healthcheck/healthcheck.rollout_timeout: not ready"
    );
    assert_eq!(
        read[1].failure_reason,
        Some(FailureReason::Text("build failed".into()))
    );
    assert_eq!(read[2].failure_reason, None);
    let two = c.deployments(APP, 2).await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(fake.seen.all().pop().unwrap().query("limit"), Some("2"));
    let id = two[0].id.clone();
    assert_eq!(c.deployment(APP, &id).await.unwrap().id, id);
}

#[tokio::test]
async fn connections_releases_and_diagnoses_read_with_unknown_fields() {
    let (fake, base) = start().await;
    let c = client(&base);
    let GitConnection::Connected {
        repository,
        installation_id,
        ..
    } = c.git_connection(APP).await.unwrap()
    else {
        panic!("connected");
    };
    assert_eq!(
        (repository.as_str(), installation_id.as_deref()),
        ("acme/shop", Some("12345"))
    );
    let git = format!("GET /apps/{APP}/git-connection");
    fake.script.on(
        &git,
        [canned(
            200,
            json!({"connected": false, "install_url": "https://github.com/apps/axhub"}),
        )],
    );
    assert_eq!(
        c.git_connection(APP).await.unwrap(),
        GitConnection::Disconnected {
            install_url: Some("https://github.com/apps/axhub".into())
        }
    );
    let releases = c.releases(APP).await.unwrap();
    assert!(releases[0].active_production && !releases[0].active_staging && releases[0].approved);
    assert_eq!(releases[0].version, json!(3));
    let diagnoses = c.diagnoses(APP, "d1").await.unwrap();
    assert_eq!(diagnoses.summary.as_deref(), Some("rollout timed out"));
    assert_eq!(diagnoses.items.len(), 1);
}
