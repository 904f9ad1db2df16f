//! `deployplan export` for AxHub: the apps of the instance's tenant, each with its git
//! connection and staging, written as the `axhub:` section declares them, so that adopting
//! the output plans as no changes. Read-only: one tenant list, one app list, then each
//! app's git connection, all beside each other (bounded by the HTTP client's in-flight
//! limit).
//!
//! Every app is checked before it is written ([`check`]): its entry must parse as the
//! manifest's own type and lower through the manifest's own rules without an error, into
//! exactly the attributes read from AxHub. An app that fails (a slug the manifest refuses,
//! a connection through another host than GitHub, a branch Git's rules refuse) is left out
//! with the reason, so the export never declares something that would plan as a change.
//!
//! Releases are deliberately not written: what a release runs is the commit CI built, not a
//! setting of the app. Staging is written as it is, on or off (`staging: false` of an app
//! whose staging is off disables nothing, so it needs no consent).

mod check;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use tokio::task::JoinSet;

use super::client::AxhubClient;
use super::lower::KIND_APP;
use super::lower::names::slug_problem;
use super::wire::{App, GitConnection};
use crate::model::Address;
use crate::providers::common::failure::task_failed;
use crate::providers::common::instance::config_error;
use crate::providers::{ExportFilter, ExportSkip, Exported, ProviderError};
use crate::redact::redact;
use crate::suggest::did_you_mean;

/// What the exported top-level objects are called.
const NOUN: &str = "apps";

/// Why releases are not in the output; goes into the document's header.
const RELEASES_NOTE: &str = "No `releases:` are exported: what a release runs is the commit CI built (typically `${env.GITHUB_SHA}`), not a setting of the app. Add them by hand once the apps are adopted.";

/// The section declaring the apps of `tenant` (a slug) that `filter` selects, as instance
/// `instance` reads them through `client`, and what had to be left out.
pub(super) async fn export(
    instance: &str,
    client: &AxhubClient,
    tenant: &str,
    filter: &ExportFilter,
) -> Result<Exported, ProviderError> {
    let tenant_id = tenant_id(instance, client, tenant).await?;
    let mut apps = client.apps(&tenant_id).await?;
    apps.sort_by(|a, b| a.slug.cmp(&b.slug).then_with(|| a.id.cmp(&b.id)));
    let mut available: Vec<String> = apps.iter().map(|a| a.slug.clone()).collect();
    available.dedup();
    let unmatched: Vec<String> = (filter.only.iter())
        .filter(|slug| !available.contains(slug))
        .cloned()
        .collect();
    if !unmatched.is_empty() {
        return Ok(Exported {
            unmatched,
            available,
            noun: NOUN,
            ..Exported::default()
        });
    }
    apps.retain(|app| filter.only.is_empty() || filter.only.contains(&app.slug));
    let mut skipped = Vec::new();
    let mut reads = JoinSet::new();
    let mut slugs: HashMap<&str, usize> = HashMap::new();
    for app in &apps {
        *slugs.entry(app.slug.as_str()).or_default() += 1;
    }
    for app in &apps {
        if let Some(reason) = unaddressable(app, slugs[app.slug.as_str()]) {
            skip(&mut skipped, instance, &app.slug, reason);
            continue;
        }
        let (client, app) = (client.clone(), app.clone());
        reads.spawn(async move {
            let git = client.git_connection(&app.id).await;
            (app, git)
        });
    }
    let mut read = Vec::new();
    while let Some(joined) = reads.join_next().await {
        let (app, git) = joined.map_err(|err| task_failed("read AxHub", err))?;
        read.push((app, git?));
    }
    read.sort_by(|(a, _), (b, _)| a.slug.cmp(&b.slug));
    let pin = filter.pin_instance.then_some(instance);
    let mut counts = Counts::default();
    let mut declared = Map::new();
    for (app, git) in &read {
        let entry = match entry_of(app, git, pin).and_then(|e| check::check(instance, app, git, e))
        {
            Ok(entry) => entry,
            Err(reason) => {
                skip(&mut skipped, instance, &app.slug, reason);
                continue;
            }
        };
        counts.apps += 1;
        counts.git += usize::from(entry.contains_key("git"));
        counts.staging += usize::from(app.staging_enabled);
        declared.insert(app.slug.clone(), Value::Object(entry));
    }
    skipped.sort_by(|a, b| a.address.cmp(&b.address));
    let notes = vec![RELEASES_NOTE.to_owned()];
    Ok(Exported {
        section: json!({ "apps": declared }),
        skipped,
        unmatched: Vec::new(),
        available,
        notes,
        summary: counts.summary(),
        noun: NOUN,
    })
}

/// The id of the tenant with `slug`; an unknown slug is an error of the instance's
/// settings naming the tenants the token can see.
async fn tenant_id(
    instance: &str,
    client: &AxhubClient,
    slug: &str,
) -> Result<String, ProviderError> {
    let tenants = client.tenants().await?;
    if let Some(tenant) = tenants.iter().find(|t| t.slug == slug) {
        return Ok(tenant.id.clone());
    }
    let mut slugs: Vec<&str> = tenants.iter().map(|t| t.slug.as_str()).collect();
    slugs.sort_unstable();
    let hint = match did_you_mean(slug, slugs.iter().copied()) {
        Some(suggestion) => format!("{suggestion} (the token's tenants: {})", slugs.join(", ")),
        None if slugs.is_empty() => {
            "the token belongs to no tenant: use a token of a member of the tenant".to_owned()
        }
        None => format!(
            "the token's tenants: {}; set `tenant:` to one of them, or use a token of a member of `{slug}`",
            slugs.join(", ")
        ),
    };
    Err(config_error(
        instance,
        redact(&format!("tenant `{slug}` is not one the token can see")).into_owned(),
        Some(redact(&hint).into_owned()),
    ))
}

/// Why `app` cannot be a manifest key at all (before reading anything more of it): its
/// slug breaks the manifest's slug rule, or `same` apps of the tenant (more than this one)
/// have that slug.
fn unaddressable(app: &App, same: usize) -> Option<String> {
    if let Some(problem) = slug_problem(&app.slug, "an app slug") {
        return Some(format!(
            "its slug `{}` is not valid in a manifest: {problem}",
            app.slug
        ));
    }
    (same > 1).then(|| {
        format!(
            "{same} apps of the tenant have the slug `{}`: a manifest entry could name either",
            app.slug
        )
    })
}

/// The entry of `app` as a person writes it: `provider` when pinned, `git` when connected,
/// `staging` as it is; or why its connection cannot be declared.
fn entry_of(
    app: &App,
    git: &GitConnection,
    pin: Option<&str>,
) -> Result<Map<String, Value>, String> {
    let mut entry = Map::new();
    if let Some(instance) = pin {
        entry.insert("provider".into(), json!(instance));
    }
    if let Some(declared) = git_of(git)? {
        entry.insert("git".into(), declared);
    }
    entry.insert("staging".into(), json!(app.staging_enabled));
    Ok(entry)
}

/// A connection as `git:` declares it (`None`: nothing connected), or why the manifest
/// cannot declare it: it connects GitHub repositories, by a numeric installation id.
fn git_of(git: &GitConnection) -> Result<Option<Value>, String> {
    let GitConnection::Connected {
        provider,
        repository,
        branch,
        installation_id,
    } = git
    else {
        return Ok(None);
    };
    if provider != "github" {
        return Err(format!(
            "its git connection is through `{provider}`; the manifest declares GitHub connections only"
        ));
    }
    let installation = installation_id.as_deref().ok_or_else(|| {
        "its git connection names no GitHub App installation, which a manifest must give".to_owned()
    })?;
    let number = installation
        .parse::<i64>()
        .ok()
        .filter(|n| n.to_string() == installation)
        .ok_or_else(|| {
            format!("its git connection's installation `{installation}` is not a number a manifest can hold")
        })?;
    Ok(Some(json!({
        "repository": repository,
        "branch": branch,
        "installation": number,
    })))
}

/// Records that the app `slug` is left out, and why.
fn skip(skipped: &mut Vec<ExportSkip>, instance: &str, slug: &str, reason: String) {
    skipped.push(ExportSkip {
        address: Address::root(instance, KIND_APP, slug),
        reason,
    });
}

/// How many things were exported, for the summary line.
#[derive(Debug, Default)]
struct Counts {
    apps: usize,
    git: usize,
    staging: usize,
}

impl Counts {
    /// E.g. "3 apps, 2 git connections, 1 with staging".
    fn summary(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}, {} with staging",
            plural(self.apps, "app", "apps"),
            plural(self.git, "git connection", "git connections"),
            self.staging
        )
    }
}
