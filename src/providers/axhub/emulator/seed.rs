//! The seeded world, identical in every sandbox, and the deterministic ids it is built
//! from, so tests and the integration suite can name every object without asking.
//!
//! Ids are UUIDs made from a label (`uuid("app/shop")`), commits the first 40 hex digits
//! of SHA-256(`<owner/repo>\n<label>`) (labels `main-1` … `main-3`, then `main-4`… as the
//! admin API pushes).

use super::state::{App, Deployment, GitConnection, Repo, Status, Tenant};
use crate::providers::common::emulator::sha256_hex;

/// When the seeded objects were made (2026-01-01T00:00:00Z), so the seed never depends on
/// the clock.
pub(super) const SEEDED_AT: i64 = 1_767_225_600_000;

/// The seeded tenant's slug; the demo token's user is its admin.
pub(super) const TENANT: &str = "acme";

/// A UUID (version-5 layout) derived from `label`: stable across sandboxes.
pub(crate) fn uuid(label: &str) -> String {
    let hex = sha256_hex(&format!("axhub-sandbox:{label}"));
    format!(
        "{}-{}-5{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// The commit `label` of `repo`.
pub(crate) fn commit(repo: &str, label: &str) -> String {
    sha256_hex(&format!("{repo}\n{label}"))[..40].to_owned()
}

/// The image a build of `commit` for `app` is pushed as; `build` tells builds apart.
pub(super) fn image(app: &str, commit: &str, build: u64) -> String {
    format!(
        "asia-northeast3-docker.pkg.dev/axhub-sandbox/apps/{app}:{}-b{build}",
        &commit[..12]
    )
}

pub(super) fn tenants() -> Vec<Tenant> {
    vec![Tenant {
        id: uuid("tenant/acme"),
        slug: TENANT.into(),
        name: "Acme".into(),
    }]
}

/// A repository as the seed makes them: `main` at `main-3` (`main-1` → `main-3`).
pub(super) fn repo(full_name: &str) -> Repo {
    let commits: Vec<String> = (1..=3)
        .map(|n| commit(full_name, &format!("main-{n}")))
        .collect();
    Repo {
        full_name: full_name.to_owned(),
        default_branch: "main".into(),
        branches: vec![("main".into(), commits[2].clone())],
        commits,
    }
}

/// `acme/shop`, `acme/blog`, `acme/api` and `acme/portal`.
pub(super) fn repos() -> Vec<Repo> {
    ["shop", "blog", "api", "portal"]
        .into_iter()
        .map(|name| repo(&format!("{TENANT}/{name}")))
        .collect()
}

fn app(slug: &str, subdomain: bool, git: bool, staging_required: bool) -> App {
    App {
        id: uuid(&format!("app/{slug}")),
        tenant_id: uuid("tenant/acme"),
        slug: slug.into(),
        name: slug[..1].to_uppercase() + &slug[1..],
        subdomain: subdomain.then(|| slug.to_owned()),
        git: git.then(|| GitConnection {
            repo_full_name: format!("{TENANT}/{slug}"),
            branch: "main".into(),
            installation_id: 4242,
        }),
        staging_required,
        staging_enabled: false,
        production_deployment_id: None,
        staging_deployment_id: None,
        builds: 0,
        outcome: None,
        schema_skew: false,
        pending_rollback: None,
        created_at: SEEDED_AT,
    }
}

/// `shop` (ready), `blog` (no subdomain), `api` (no git connection) and `portal`
/// (reviewed: staging required, off).
pub(super) fn apps() -> Vec<App> {
    let mut apps = vec![
        app("shop", true, true, false),
        app("blog", false, true, false),
        app("api", true, false, false),
        app("portal", true, true, true),
    ];
    for app in &mut apps {
        if app.slug == "shop" || app.slug == "portal" {
            app.builds = 1;
            app.production_deployment_id = Some(uuid(&format!("deployment/{}-seed", app.slug)));
        }
    }
    apps
}

/// The earlier production deployment of `shop` and of `portal` (commit `main-2`, one
/// build, approved): what lets staging be enabled and a rollback have a target.
pub(super) fn deployments() -> Vec<Deployment> {
    ["shop", "portal"]
        .into_iter()
        .enumerate()
        .map(|(n, slug)| {
            let sha = commit(&format!("{TENANT}/{slug}"), "main-2");
            Deployment {
                id: uuid(&format!("deployment/{slug}-seed")),
                app_id: uuid(&format!("app/{slug}")),
                seq: n as u64 + 1,
                image_uri: Some(image(slug, &sha, 1)),
                commit_sha: sha,
                status: Status::Succeeded,
                current_stage: None,
                trigger_source: "webhook".into(),
                failure_reason: None,
                started_at: SEEDED_AT,
                completed_at: Some(SEEDED_AT + 90_000),
                cancel_requested_at: None,
                builds_image: true,
                to_staging: false,
                version: Some(1),
                approved: true,
                timed: None,
            }
        })
        .collect()
}
