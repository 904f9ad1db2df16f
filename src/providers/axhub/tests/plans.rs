//! Plans: what production runs, rollback against build, and every state AxHub would
//! refuse, located before any write.

use serde_json::json;

use super::*;
use crate::model::Action;
use crate::providers::ReferenceKind;
use crate::providers::axhub::emulator::testkit::{self, TestClient, app_id};

#[tokio::test]
async fn a_commit_whose_image_is_kept_plans_a_rollback_and_one_whose_image_is_gone_a_build() {
    let (sandbox, ax) = testkit::timed().await;
    let ax_provider = provider(&sandbox);
    let (a, b) = (shop_commit("main-2"), shop_commit("main-3"));
    let changes = plan_of(&ax_provider, &[release("shop", &a)]).await.unwrap();
    assert_eq!(
        change(&changes, "ax.release.shop-prod").action,
        Action::Noop
    );
    let to_b = plan_of(&ax_provider, &[release("shop", &b)]).await.unwrap();
    let deploy = change(&to_b, "ax.release.shop-prod");
    assert_eq!(
        (deploy.action, deploy.method.as_deref()),
        (Action::Deploy, None)
    );

    // Production moves to B; A's seeded build keeps its image: back to A is a rollback.
    let started = ax
        .deploy("shop", json!({ "commit_sha": b }))
        .await
        .expect(202);
    ax.wait("shop", started["id"].as_str().unwrap()).await;
    let back = plan_of(&ax_provider, &[release("shop", &a)]).await.unwrap();
    let rollback = change(&back, "ax.release.shop-prod");
    let seeded = crate::providers::axhub::emulator::seed::uuid("deployment/shop-seed");
    assert_eq!(rollback.action, Action::Deploy);
    assert!(
        rollback
            .reason
            .contains(&format!("rollback to deployment `{seeded}`")),
        "{}",
        rollback.reason
    );
    assert!(
        rollback.reason.contains("no rebuild"),
        "{}",
        rollback.reason
    );

    ax.control("shop", &seeded, "expire-image", json!({})).await;
    let gone = plan_of(&ax_provider, &[release("shop", &a)]).await.unwrap();
    let build = change(&gone, "ax.release.shop-prod");
    assert!(
        build.reason.contains("its image is gone"),
        "{}",
        build.reason
    );
}

#[tokio::test]
async fn every_state_axhub_would_refuse_is_located_at_once_before_any_write() {
    let (sandbox, _) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let resources = [
        release("blog", commit),
        release("api", commit),
        release("portal", commit),
        app("api"),
        child("api", "staging", json!({ "enabled": true })),
        release("shpo", commit),
    ];
    let errors = refused(&ax_provider, &resources).await;
    let found: Vec<(&str, &str, ReferenceKind)> = errors
        .iter()
        .map(|e| (e.address.as_str(), e.label.as_str(), e.kind))
        .collect();
    assert_eq!(
        found,
        [
            (
                "ax.release.shpo-prod",
                "no such app",
                ReferenceKind::UnknownName
            ),
            (
                "ax.release.blog-prod",
                "no subdomain",
                ReferenceKind::Conflict
            ),
            (
                "ax.release.api-prod",
                "no git connection",
                ReferenceKind::Conflict
            ),
            (
                "ax.release.portal-prod",
                "staging required",
                ReferenceKind::Conflict
            ),
            (
                "ax.app.api.staging.api",
                "the app was never deployed",
                ReferenceKind::Conflict
            ),
        ]
    );
    assert!(
        errors[0]
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `shop`?")
    );
    assert!(
        errors
            .iter()
            .filter(|e| e.kind == ReferenceKind::Conflict)
            .all(|e| e.help.is_some())
    );
    assert!(sandbox.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn a_connection_or_staging_the_manifest_brings_clears_the_refusal() {
    let (sandbox, _) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let commit = "0123456789abcdef0123456789abcdef01234567";
    let git = json!({ "repository": "acme/api", "branch": "main", "installation": 4242 });
    let resources = [
        app("api"),
        child("api", "git_connection", git),
        release("api", commit),
        app("portal"),
        child("portal", "staging", json!({ "enabled": true })),
        release("portal", commit),
    ];
    let changes = plan_of(&ax_provider, &resources).await.unwrap();
    assert_eq!(
        change(&changes, "ax.app.api.git_connection.api").action,
        Action::Create
    );
    assert_eq!(
        change(&changes, "ax.app.portal.staging.portal").action,
        Action::Update
    );
    // With staging on, a deploy lands in staging: the plan says so.
    let portal = change(&changes, "ax.release.portal-prod");
    assert!(portal.reason.contains("to staging"), "{}", portal.reason);
}

#[tokio::test]
async fn disabling_staging_is_a_destructive_update_and_enabling_is_not() {
    let (sandbox, ax) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let on = [
        app("shop"),
        child("shop", "staging", json!({ "enabled": true })),
    ];
    let changes = plan_of(&ax_provider, &on).await.unwrap();
    let enable = change(&changes, "ax.app.shop.staging.shop");
    assert_eq!(
        (enable.action, enable.is_destructive()),
        (Action::Update, false)
    );
    let reply = ax
        .put(&format!("/apps/{}/staging", app_id("shop")), json!({}))
        .await;
    reply.expect(202);
    let off = [
        app("shop"),
        child(
            "shop",
            "staging",
            json!({ "enabled": false, "confirm_discard_ops": true }),
        ),
    ];
    let changes = plan_of(&ax_provider, &off).await.unwrap();
    let disable = change(&changes, "ax.app.shop.staging.shop");
    assert_eq!(disable.action, Action::Update);
    assert!(disable.is_destructive(), "{}", disable.reason);
    assert!(
        disable.reason.contains("drops the staging schema"),
        "{}",
        disable.reason
    );
}

#[tokio::test]
async fn staging_declared_off_where_it_is_off_needs_no_consent() {
    let (sandbox, _) = testkit::manual().await;
    let ax_provider = provider(&sandbox);
    let off = [
        app("blog"),
        child("blog", "staging", json!({ "enabled": false })),
    ];
    let changes = plan_of(&ax_provider, &off).await.unwrap();
    assert!(changes.iter().all(|c| !c.action.is_change()), "{changes:?}");
}
