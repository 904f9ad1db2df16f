//! Applies: a start refused because a deployment runs (followed when it is of the same
//! commit, named otherwise), a failure with its stage and reason, git connections and
//! staging.

use std::time::Duration;

use serde_json::json;

use super::*;
use crate::model::Action;
use crate::providers::ApplyContext;
use crate::providers::axhub::emulator::testkit::{self, Ax, TestClient, app_id};

/// Plans `resources` and executes every change in order, as apply would for one chain.
async fn apply_all(
    provider: &AxhubProvider,
    resources: &[Resource],
) -> Vec<Result<crate::providers::Outcome, ProviderError>> {
    let changes = plan_of(provider, resources).await.unwrap();
    let ctx = ApplyContext::for_tests();
    let mut results = Vec::new();
    for change in changes.iter().filter(|c| c.action.is_change()) {
        let desired = resources.iter().find(|r| r.address == change.address);
        results.push(provider.execute(change, desired, &ctx).await);
    }
    results
}

/// Ids of the shop's deployments of `commit`.
async fn deployments_of(ax: &Ax, commit: &str) -> Vec<String> {
    let listed = ax
        .get(&format!("/apps/{}/deployments?limit=100", app_id("shop")))
        .await
        .expect(200);
    (listed["items"].as_array().unwrap().iter())
        .filter(|d| d["commit_sha"] == commit)
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_start_refused_by_a_running_deployment_of_the_same_commit_follows_it() {
    let (sandbox, ax) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let commit = shop_commit("main-3");
    let resources = [release("shop", &commit)];
    let changes = plan_of(&ax_provider, &resources).await.unwrap();
    // Someone starts the same commit between plan and apply.
    let running = ax
        .deploy("shop", json!({ "commit_sha": commit }))
        .await
        .expect(202);
    let id = running["id"].as_str().unwrap().to_owned();
    let finisher = {
        let (ax, id) = (ax.clone(), id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            ax.control("shop", &id, "finish", json!({ "status": "success" }))
                .await;
        })
    };
    let ctx = ApplyContext::for_tests();
    let outcome = (ax_provider
        .execute(&changes[0], Some(&resources[0]), &ctx)
        .await)
        .unwrap();
    finisher.await.unwrap();
    assert_eq!(
        outcome.id.as_deref(),
        Some(id.as_str()),
        "{}",
        outcome.message
    );
    assert_eq!(deployments_of(&ax, &commit).await, [id]);
}

#[tokio::test]
async fn a_start_refused_by_a_running_deployment_of_another_commit_fails_naming_it() {
    let (sandbox, ax) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let commit = shop_commit("main-3");
    let resources = [release("shop", &commit)];
    let changes = plan_of(&ax_provider, &resources).await.unwrap();
    let other = ax
        .deploy("shop", json!({ "commit_sha": shop_commit("main-1") }))
        .await
        .expect(202);
    let other = other["id"].as_str().unwrap();
    let ctx = ApplyContext::for_tests();
    let error = (ax_provider
        .execute(&changes[0], Some(&resources[0]), &ctx)
        .await)
        .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains(other) && text.contains("already deploying"),
        "{text}"
    );
    assert!(deployments_of(&ax, &commit).await.is_empty());
}

#[tokio::test]
async fn a_failed_deployment_reports_its_stage_and_reason() {
    let (sandbox, ax) = testkit::timed().await;
    let ax_provider = provider(&sandbox);
    let failure = json!({
        "status": "fail", "stage": "healthcheck", "code": "healthcheck.rollout_timeout",
        "category": "deploy", "message": "pods did not become ready",
    });
    ax.outcome("shop", failure).await;
    let results = apply_all(&ax_provider, &[release("shop", &shop_commit("main-3"))]).await;
    let text = results[0].as_ref().unwrap_err().to_string();
    for part in ["`failed`", "healthcheck", "pods did not become ready"] {
        assert!(text.contains(part), "{text}");
    }
}

#[tokio::test]
async fn a_branch_changes_in_place_and_another_repository_reconnects() {
    let (sandbox, ax) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let git = |repository: &str, branch: &str| {
        [
            app("shop"),
            child(
                "shop",
                "git_connection",
                json!({ "repository": repository, "branch": branch, "installation": 4242 }),
            ),
        ]
    };
    let changes = plan_of(&ax_provider, &git("acme/shop", "release"))
        .await
        .unwrap();
    assert_eq!(
        change(&changes, "ax.app.shop.git_connection.shop").action,
        Action::Update
    );
    for result in apply_all(&ax_provider, &git("acme/shop", "release")).await {
        result.unwrap();
    }
    let read = |ax: Ax| async move {
        ax.get(&format!("/apps/{}/git-connection", app_id("shop")))
            .await
            .expect(200)
    };
    assert_eq!(read(ax.clone()).await["branch"], "release");
    let replaced = plan_of(&ax_provider, &git("acme/blog", "main"))
        .await
        .unwrap();
    assert_eq!(
        change(&replaced, "ax.app.shop.git_connection.shop").action,
        Action::Replace
    );
    for result in apply_all(&ax_provider, &git("acme/blog", "main")).await {
        result.unwrap();
    }
    assert_eq!(read(ax.clone()).await["repo_full_name"], "acme/blog");
    assert!(
        plan_of(&ax_provider, &git("acme/blog", "main"))
            .await
            .unwrap()
            .iter()
            .all(|c| !c.action.is_change())
    );
}

#[tokio::test]
async fn staging_is_enabled_and_disabled_only_with_the_manifests_consent() {
    let (sandbox, ax) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let staging = |attributes| [app("shop"), child("shop", "staging", attributes)];
    for result in apply_all(&ax_provider, &staging(json!({ "enabled": true }))).await {
        result.unwrap();
    }
    let shop = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(shop["staging_enabled"], true);
    // Without the consent, plan refuses at the line, and nothing is sent.
    let before = sandbox.requests().len();
    let refused = super::refused(&ax_provider, &staging(json!({ "enabled": false }))).await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].address.as_str(), "ax.app.shop.staging.shop");
    assert!(
        refused[0]
            .help
            .as_deref()
            .unwrap()
            .contains("confirm_discard_ops: true")
    );
    assert!(
        sandbox.requests()[before..]
            .iter()
            .all(|r| r.method == "GET")
    );
    // Nor does apply send the disable without it, whatever the change says.
    let changes = plan_of(&ax_provider, &staging(json!({ "enabled": true })))
        .await
        .unwrap();
    let mut disable = change(&changes, "ax.app.shop.staging.shop").clone();
    disable.action = Action::Update;
    let unconsenting = child("shop", "staging", json!({ "enabled": false }));
    let ctx = ApplyContext::for_tests();
    let error = ax_provider
        .execute(&disable, Some(&unconsenting), &ctx)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("confirm_discard_ops"), "{error}");
    assert!(
        sandbox.requests()[before..]
            .iter()
            .all(|r| r.method == "GET")
    );
    let consent = json!({ "enabled": false, "confirm_discard_ops": true });
    for result in apply_all(&ax_provider, &staging(consent)).await {
        result.unwrap();
    }
    let shop = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(shop["staging_enabled"], false);
}

#[tokio::test]
async fn a_deployment_found_running_at_plan_is_followed_and_not_started_again() {
    let (sandbox, ax) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let commit = shop_commit("main-3");
    let running = ax
        .deploy("shop", json!({ "commit_sha": commit }))
        .await
        .expect(202);
    let id = running["id"].as_str().unwrap().to_owned();
    let resources = [release("shop", &commit)];
    let changes = plan_of(&ax_provider, &resources).await.unwrap();
    let following = changes[0].following.as_ref().expect("the plan follows it");
    assert_eq!(
        (following.id.as_str(), following.deploys.as_deref()),
        (id.as_str(), Some(commit.as_str()))
    );
    let finisher = {
        let (ax, id) = (ax.clone(), id.clone());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            ax.control("shop", &id, "finish", json!({ "status": "success" }))
                .await;
        })
    };
    let ctx = ApplyContext::for_tests();
    let outcome = (ax_provider
        .execute(&changes[0], Some(&resources[0]), &ctx)
        .await)
        .unwrap();
    finisher.await.unwrap();
    assert!(
        outcome.message.contains("no second deployment"),
        "{}",
        outcome.message
    );
    assert_eq!(deployments_of(&ax, &commit).await, [id]);
}

#[tokio::test]
async fn a_rollback_across_a_destructive_schema_change_needs_the_manifests_consent() {
    let (sandbox, ax) = testkit::timed().await;
    let ax_provider = provider(&sandbox);
    let (a, b) = (shop_commit("main-2"), shop_commit("main-3"));
    let started = ax
        .deploy("shop", json!({ "commit_sha": b }))
        .await
        .expect(202);
    ax.wait("shop", started["id"].as_str().unwrap()).await;
    let skew = Some(json!({ "destructive": true }));
    (ax.admin(reqwest::Method::PUT, "/apps/shop/schema-skew", skew)
        .await)
        .expect(200);
    let refused = apply_all(&ax_provider, &[release("shop", &a)]).await;
    let error = refused[0].as_ref().unwrap_err();
    let help = miette::Diagnostic::help(error)
        .map(|h| h.to_string())
        .unwrap_or_default();
    assert!(help.contains("allow_schema_skew: true"), "{error}: {help}");
    let mut consent = release("shop", &a);
    consent.attributes["allow_schema_skew"] = json!(true);
    let done = apply_all(&ax_provider, &[consent]).await;
    let outcome = done[0].as_ref().unwrap();
    assert!(
        outcome.message.contains("no rebuild"),
        "{}",
        outcome.message
    );
    let seeded = crate::providers::axhub::emulator::seed::uuid("deployment/shop-seed");
    let shop = ax
        .get(&format!("/apps/{}", app_id("shop")))
        .await
        .expect(200);
    assert_eq!(shop["production_deployment_id"], seeded.as_str());
}
