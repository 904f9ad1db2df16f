//! Which commit production runs, and rollback against new build, over the shapes AxHub
//! answers in.

use serde_json::json;

use super::*;
use crate::providers::axhub::wire::{Deployment, Release};

const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn app(production: Option<&str>, staging_required: bool) -> App {
    serde_json::from_value(json!({
        "id": "app-1", "slug": "shop",
        "production_deployment_id": production,
        "staging_required": staging_required,
    }))
    .unwrap()
}

fn deployment(id: &str, commit: &str, status: &str, image: bool) -> Deployment {
    serde_json::from_value(json!({
        "id": id, "commit_sha": commit, "status": status,
        "image_uri": image.then(|| format!("registry/{id}")),
    }))
    .unwrap()
}

fn release(id: &str, commit: &str, active: bool, image: bool, approved: bool) -> Release {
    serde_json::from_value(json!({
        "version": 1, "deployment_id": id, "commit_sha": commit,
        "image_uri": image.then(|| format!("registry/{id}")),
        "active_production": active, "approved": approved,
    }))
    .unwrap()
}

#[test]
fn production_is_the_active_release_else_the_apps_pointer_else_the_newest_success() {
    let mut read = AppRead {
        releases: vec![
            release("d2", B, false, true, false),
            release("d1", A, true, true, false),
        ],
        deployments: vec![
            deployment("d3", B, "failed", false),
            deployment("d2", B, "succeeded", true),
        ],
        ..AppRead::default()
    };
    let found = |app: &App, read: &AppRead| production(app, read).map(|p| p.deployment);
    assert_eq!(found(&app(Some("d2"), false), &read).as_deref(), Some("d1"));
    read.releases[1].active_production = false;
    assert_eq!(found(&app(Some("d1"), false), &read).as_deref(), Some("d1"));
    // The pointer names a build neither list holds: the one read by id.
    read.production = Some(deployment("d0", A, "succeeded", true));
    assert_eq!(found(&app(Some("d0"), false), &read).as_deref(), Some("d0"));
    read.releases.clear();
    assert_eq!(found(&app(None, false), &read).as_deref(), Some("d2"));
    assert_eq!(found(&app(None, false), &AppRead::default()), None);
}

#[test]
fn a_kept_image_of_the_commit_is_a_rollback_and_anything_else_a_new_deployment() {
    let read = |image: bool, approved: bool| AppRead {
        releases: vec![
            release("d2", B, true, true, true),
            release("d1", A, false, image, approved),
        ],
        ..AppRead::default()
    };
    let plain = app(Some("d2"), false);
    let (route, method) = choose(&plain, &read(true, false), A, Some(B), false);
    assert_eq!(
        route,
        Route::Rollback {
            deployment: "d1".into()
        }
    );
    assert!(method.unwrap().contains("no rebuild"));
    // Upper-case commits from AxHub are the same commit.
    let (route, _) = choose(
        &plain,
        &read(true, false),
        &A.to_uppercase(),
        Some(B),
        false,
    );
    assert_eq!(
        route,
        Route::Rollback {
            deployment: "d1".into()
        }
    );
    let (route, method) = choose(&plain, &read(false, false), A, Some(B), false);
    assert_eq!(route, Route::Build);
    assert!(method.unwrap().contains("image is gone"));
    // `force_rebuild` builds, whatever AxHub kept.
    assert_eq!(
        choose(&plain, &read(true, false), A, Some(B), true),
        (Route::Build, None)
    );
    // A reviewed app rolls back to approved versions only.
    let reviewed = app(Some("d2"), true);
    let (route, method) = choose(&reviewed, &read(true, false), A, Some(B), false);
    assert_eq!(route, Route::Build);
    assert!(method.unwrap().contains("approved"));
    let (route, _) = choose(&reviewed, &read(true, true), A, Some(B), false);
    assert_eq!(
        route,
        Route::Rollback {
            deployment: "d1".into()
        }
    );
    // Never built, or already running: nothing to say.
    let c = "cccccccccccccccccccccccccccccccccccccccc";
    assert_eq!(
        choose(&plain, &read(true, true), c, Some(B), false),
        (Route::Build, None)
    );
    assert_eq!(
        choose(&plain, &read(true, true), B, Some(B), false),
        (Route::Build, None)
    );
}

#[test]
fn a_succeeded_deployment_missing_from_the_releases_list_is_a_rollback_target_too() {
    let read = AppRead {
        deployments: vec![
            deployment("d3", A, "failed", false),
            deployment("d2", B, "succeeded", true),
            deployment("d1", A, "succeeded", true),
        ],
        ..AppRead::default()
    };
    let (route, _) = choose(&app(None, false), &read, A, Some(B), false);
    assert_eq!(
        route,
        Route::Rollback {
            deployment: "d1".into()
        }
    );
}

#[test]
fn the_plan_says_when_the_last_deployment_of_the_commit_did_not_succeed() {
    let mut cancelled = deployment("d4", A, "cancelled", false);
    cancelled.current_stage = Some("building".to_owned().into());
    let read = AppRead {
        deployments: vec![cancelled, deployment("d2", B, "succeeded", true)],
        ..AppRead::default()
    };
    let note = last_attempt(&read, A).unwrap();
    assert!(
        note.contains("`d4`, was cancelled at stage `building`"),
        "{note}"
    );
    assert_eq!(last_attempt(&read, B), None);
    let failed: Deployment = serde_json::from_value(json!({
        "id": "d5", "commit_sha": A, "status": "failed", "current_stage": "healthcheck",
        "failure_reason": {"stage": "healthcheck", "code": "healthcheck.rollout_timeout", "message": "pods not ready"},
    }))
    .unwrap();
    let read = AppRead {
        deployments: vec![failed],
        ..AppRead::default()
    };
    let note = last_attempt(&read, A).unwrap();
    assert!(note.contains("failed at stage `healthcheck` (healthcheck/healthcheck.rollout_timeout: pods not ready)"), "{note}");
}
