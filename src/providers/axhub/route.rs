//! What production runs, and how a release reaches another commit: a rollback to an image
//! AxHub kept (no new deployment, no build) when a succeeded deployment of the commit
//! still has one, otherwise a new deployment. Pure: decided from what plan read.

use super::fetch::AppRead;
use super::provider::Route;
use super::wire::{App, DeploymentStatus};

/// The deployment production runs, and its commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Production {
    pub deployment: String,
    pub commit: String,
}

/// What production runs: the release marked `active_production`, else the deployment the
/// app names as its production one, else the newest succeeded deployment.
pub(super) fn production(app: &App, read: &AppRead) -> Option<Production> {
    let of_release = |r: &super::wire::Release| {
        Some(Production {
            deployment: r.deployment_id.clone()?,
            commit: r.commit_sha.clone().filter(|c| !c.is_empty())?,
        })
    };
    let of_deployment = |d: &super::wire::Deployment| {
        Some(Production {
            deployment: d.id.clone(),
            commit: Some(d.commit_sha.clone()).filter(|c| !c.is_empty())?,
        })
    };
    if let Some(active) = read.releases.iter().find(|r| r.active_production) {
        return of_release(active);
    }
    if let Some(id) = &app.production_deployment_id {
        let listed = read
            .releases
            .iter()
            .find(|r| r.deployment_id.as_ref() == Some(id));
        if let Some(found) = listed.and_then(of_release) {
            return Some(found);
        }
        let deployments = read.deployments.iter().chain(read.production.iter());
        return deployments.filter(|d| &d.id == id).find_map(of_deployment);
    }
    read.deployments
        .iter()
        .filter(|d| d.status == DeploymentStatus::Succeeded)
        .find_map(of_deployment)
}

/// What staging runs: the release marked `active_staging`.
pub(super) fn staging(read: &AppRead) -> Option<Production> {
    let active = read.releases.iter().find(|r| r.active_staging)?;
    Some(Production {
        deployment: active.deployment_id.clone()?,
        commit: active.commit_sha.clone().filter(|c| !c.is_empty())?,
    })
}

/// What the plan says of a deploy to an app whose staging is on: AxHub puts the build in
/// staging, and changes production only by promoting it through its review.
pub(super) const TO_STAGING: &str = "a new deployment to staging: with staging on, AxHub changes production only by promotion (its review), so this release follows what staging runs";

/// What the plan says of a new deployment of `desired` when the newest one, of the same
/// commit, ended without success: that it was cancelled or failed, and where.
pub(super) fn last_attempt(read: &AppRead, desired: &str) -> Option<String> {
    let newest = read.deployments.first()?;
    let failed = matches!(
        newest.status,
        DeploymentStatus::Failed | DeploymentStatus::Cancelled
    );
    if !failed || !newest.commit_sha.eq_ignore_ascii_case(desired) {
        return None;
    }
    let mut note = format!(
        "a new deployment: the last one of this commit, `{}`, {}",
        newest.id,
        match newest.status {
            DeploymentStatus::Cancelled => "was cancelled",
            _ => "failed",
        }
    );
    if let Some(stage) = &newest.current_stage {
        note.push_str(&format!(" at stage `{stage}`"));
    }
    if let Some(reason) = &newest.failure_reason {
        note.push_str(&format!(" ({reason})"));
    }
    Some(note)
}

/// A succeeded build of the desired commit.
struct Built<'a> {
    deployment: &'a str,
    image: bool,
    /// A reviewed app rolls back to approved versions only; `None`: not known.
    approved: Option<bool>,
}

/// How apply reaches `desired` from `current`, and what the plan says about it when it is
/// not a plain new deployment.
pub(super) fn choose(
    app: &App,
    read: &AppRead,
    desired: &str,
    current: Option<&str>,
    force_rebuild: bool,
) -> (Route, Option<String>) {
    let same = |commit: &str| commit.eq_ignore_ascii_case(desired);
    if current.is_some_and(same) || force_rebuild || desired.is_empty() {
        return (Route::Build, None);
    }
    let mut built: Vec<Built<'_>> = Vec::new();
    for release in &read.releases {
        let (Some(id), Some(commit)) = (&release.deployment_id, &release.commit_sha) else {
            continue;
        };
        if same(commit) {
            built.push(Built {
                deployment: id,
                image: release.image_uri.is_some(),
                approved: Some(release.approved),
            });
        }
    }
    let succeeded = read.deployments.iter().chain(read.production.iter());
    for deployment in succeeded.filter(|d| d.status == DeploymentStatus::Succeeded) {
        if same(&deployment.commit_sha) && !built.iter().any(|b| b.deployment == deployment.id) {
            built.push(Built {
                deployment: &deployment.id,
                image: deployment.image_uri.is_some(),
                approved: None,
            });
        }
    }
    let allowed = |b: &&Built<'_>| !app.staging_required || b.approved == Some(true);
    if let Some(target) = built.iter().filter(|b| b.image).find(allowed) {
        return (
            Route::Rollback {
                deployment: target.deployment.to_owned(),
            },
            Some(format!(
                "rollback to deployment `{}` (its image is kept: no rebuild)",
                target.deployment
            )),
        );
    }
    if let Some(unapproved) = built.iter().find(|b| b.image) {
        return (
            Route::Build,
            Some(format!(
                "a new deployment: deployment `{}` built this commit, but a reviewed app rolls back only to approved versions",
                unapproved.deployment
            )),
        );
    }
    match built.first() {
        Some(gone) => (
            Route::Build,
            Some(format!(
                "a new build: deployment `{}` built this commit, but its image is gone, so there is nothing to roll back to",
                gone.deployment
            )),
        ),
        None => (Route::Build, None),
    }
}

#[cfg(test)]
#[path = "route_tests.rs"]
mod tests;
