//! App states that would make AxHub refuse a planned write (its 412s), found while
//! reading so that plan shows each at the manifest line it concerns instead of apply
//! failing half-way: a deploy to an app without subdomain or git connection, or to a
//! reviewed app whose staging is off; staging enabled before the app's first production
//! deploy; staging disabled without the manifest's consent to drop its schema.

use std::collections::{BTreeMap, HashMap};

use super::fetch::{AppRead, Declared};
use super::lower::{KIND_GIT_CONNECTION, KIND_RELEASE, KIND_STAGING, RELEASE_ATTRIBUTE};
use super::provider::{ReleaseTarget, Route};
use super::wire::{App, GitConnection};
use crate::model::{Address, RemoteState, Resource};
use crate::providers::common::attributes::{flag, text};
use crate::providers::{ReferenceError, ReferenceKind};

pub(super) fn state_errors(
    desired: &[&Resource],
    declared: &Declared<'_>,
    apps: &HashMap<String, App>,
    read: &BTreeMap<String, AppRead>,
    targets: &HashMap<Address, ReleaseTarget>,
    state: &RemoteState,
) -> Vec<ReferenceError> {
    let mut errors = Vec::new();
    for resource in desired {
        match resource.kind.as_str() {
            KIND_RELEASE => {
                let Some(app) = apps.get(text(resource, "app")) else {
                    continue;
                };
                let deployed = state
                    .objects
                    .get(&resource.address)
                    .and_then(|o| o.attributes.get(RELEASE_ATTRIBUTE))
                    .and_then(|c| c.as_str());
                let builds = targets
                    .get(&resource.address)
                    .is_some_and(|t| t.route == Route::Build);
                if deployed == Some(text(resource, RELEASE_ATTRIBUTE)) || !builds {
                    continue;
                }
                let git = declared.child(&resource.provider, &app.slug, KIND_GIT_CONNECTION);
                let staging = declared
                    .child(&resource.provider, &app.slug, KIND_STAGING)
                    .is_some_and(|s| flag(s, "enabled") == Some(true));
                let connection = read.get(&app.slug).and_then(|r| r.git.as_ref());
                errors.extend(deploy_refusals(
                    resource,
                    app,
                    connection,
                    git.is_some(),
                    staging,
                ));
            }
            KIND_STAGING if flag(resource, "enabled") == Some(false) => {
                let Some(app) = apps.get(&resource.name) else {
                    continue;
                };
                let consent = flag(resource, "confirm_discard_ops") == Some(true);
                if !app.staging_enabled || consent {
                    continue;
                }
                errors.push(ReferenceError {
                    kind: ReferenceKind::Conflict,
                    address: resource.address.clone(),
                    attribute: String::new(),
                    message: format!(
                        "disabling staging of app `{}` drops its staging schema",
                        app.slug
                    ),
                    label: "disables staging".into(),
                    help: Some(format!(
                        "AxHub discards the staging environment with its database schema and the schema changes not yet promoted; to go ahead, add `confirm_discard_ops: true` to app `{}`, or leave `staging` out to keep it as it is",
                        app.slug
                    )),
                });
            }
            KIND_STAGING if flag(resource, "enabled") == Some(true) => {
                let Some(app) = apps.get(&resource.name) else {
                    continue;
                };
                if app.staging_enabled || app.production_deployment_id.is_some() {
                    continue;
                }
                errors.push(ReferenceError {
                    kind: ReferenceKind::Conflict,
                    address: resource.address.clone(),
                    attribute: String::new(),
                    message: format!(
                        "staging of app `{}` can be enabled only after its first production deploy",
                        app.slug
                    ),
                    label: "the app was never deployed".into(),
                    help: Some("apply once with `staging` left out (a release deploys production first), then add `staging: true`".into()),
                });
            }
            _ => {}
        }
    }
    errors
}

/// Why AxHub would refuse to start a deployment of `app` for `release` (each a 412).
fn deploy_refusals(
    release: &Resource,
    app: &App,
    connection: Option<&GitConnection>,
    connection_declared: bool,
    staging_declared_on: bool,
) -> Vec<ReferenceError> {
    let slug = &app.slug;
    let refusal = |message: String, label: &str, help: String| ReferenceError {
        kind: ReferenceKind::Conflict,
        address: release.address.clone(),
        attribute: "app".into(),
        message,
        label: label.into(),
        help: Some(help),
    };
    let mut refusals = Vec::new();
    if app.subdomain.is_none() {
        refusals.push(refusal(
            format!("app `{slug}` has no subdomain yet: AxHub refuses to deploy it"),
            "no subdomain",
            "finish the app's setup in AxHub (it gives the app its subdomain), then plan again"
                .into(),
        ));
    }
    if let Some(GitConnection::Disconnected { install_url }) = connection
        && !connection_declared
    {
        let install = install_url
            .as_deref()
            .map(|url| format!(" (AxHub's GitHub App: {url})"))
            .unwrap_or_default();
        refusals.push(refusal(
            format!("app `{slug}` has no git connection: AxHub has nothing to build the commit from"),
            "no git connection",
            format!("declare `git: {{ repository, branch, installation }}` under `axhub: apps: {slug}:`, or connect the repository in AxHub{install}"),
        ));
    }
    if app.staging_required && !app.staging_enabled && !staging_declared_on {
        refusals.push(refusal(
            format!("app `{slug}` is reviewed: it deploys through staging, and its staging is off"),
            "staging required",
            format!(
                "declare `staging: true` under `axhub: apps: {slug}:`, or enable staging in AxHub"
            ),
        ));
    }
    refusals
}
