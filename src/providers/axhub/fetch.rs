//! Reading AxHub in three dependent rounds: the tenant by slug (once per instance); its
//! apps (one list, paged); then beside each other, per app the manifest names, its git
//! connection, and for an app with a release its releases and newest deployments. Slugs
//! AxHub does not know, and app states that would refuse a deploy (AxHub's 412s), are
//! collected and returned together as [`ProviderError::References`], each at its line,
//! before anything is written.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use tokio::task::JoinSet;

use super::client::{AxhubClient, AxhubError};
use super::lower::{KIND_APP, KIND_GIT_CONNECTION, KIND_RELEASE, KIND_STAGING, RELEASE_ATTRIBUTE};
use super::provider::{AxhubProvider, ReleaseTarget, Route};
use super::route::{Production, TO_STAGING, choose, last_attempt, production, staging};
use super::wire::{App, Deployment, GitConnection, Release};
use crate::model::{Address, RemoteObject, RemoteState, Resource, RunningDeployment};
use crate::providers::common::attributes::{flag, text};
use crate::providers::{ProviderError, ReferenceError, ReferenceKind};

/// How many of an app's newest deployments plan reads: the running one, the production
/// one in all but very old apps, and the succeeded builds a rollback can go back to.
pub(super) const HISTORY_DEPTH: usize = 100;

/// What the last round read of one app.
#[derive(Debug, Default)]
pub(super) struct AppRead {
    pub git: Option<GitConnection>,
    pub releases: Vec<Release>,
    pub deployments: Vec<Deployment>,
    /// The production deployment, read by id when neither list holds it.
    pub production: Option<Deployment>,
}

fn task_failed(err: tokio::task::JoinError) -> ProviderError {
    crate::providers::common::failure::task_failed("read AxHub", err)
}

pub(super) async fn fetch(
    provider: &AxhubProvider,
    desired: &[&Resource],
) -> Result<RemoteState, ProviderError> {
    let client = &provider.client;
    let tenant = tenant_id(provider).await?;
    let apps: HashMap<String, App> = (client.apps(&tenant).await?)
        .into_iter()
        .map(|app| (app.slug.clone(), app))
        .collect();
    let mut errors = unknown_slugs(desired, &apps);
    let declared = Declared::of(desired);

    let wanted = wanted(desired, &apps);
    let mut read = read_apps(client, &apps, &wanted).await?;
    read_production(client, &apps, &wanted, &mut read).await?;

    let mut state = RemoteState::default();
    let mut targets = HashMap::new();
    for resource in desired {
        let Some(app) = apps.get(slug_of(resource)) else {
            continue;
        };
        let empty = AppRead::default();
        let of_app = read.get(&app.slug).unwrap_or(&empty);
        if let Some(object) = object(resource, app, of_app) {
            state.objects.insert(object.address.clone(), object);
        }
        if resource.kind == KIND_RELEASE {
            let staging_on = declared
                .child(&resource.provider, &app.slug, KIND_STAGING)
                .map_or(app.staging_enabled, |s| flag(s, "enabled") == Some(true));
            let (object, target) = release(resource, app, of_app, staging_on);
            targets.insert(resource.address.clone(), target);
            state.objects.insert(object.address.clone(), object);
        }
    }
    errors.extend(super::checks::state_errors(
        desired, &declared, &apps, &read, &targets, &state,
    ));
    if !errors.is_empty() {
        return Err(ProviderError::References(errors));
    }
    let mut known = provider.known();
    known.apps = apps;
    known.releases.extend(targets);
    Ok(state)
}

/// The declared resources by address: an app's git connection or staging found at once, not
/// by a search of the manifest per release.
pub(super) struct Declared<'r>(HashMap<&'r Address, &'r Resource>);

impl<'r> Declared<'r> {
    fn of(desired: &[&'r Resource]) -> Self {
        Declared(desired.iter().map(|r| (&r.address, *r)).collect())
    }

    /// The `kind` child of app `slug` of instance `provider`, when the manifest declares it.
    pub(super) fn child(&self, provider: &str, slug: &str, kind: &str) -> Option<&'r Resource> {
        let address = Address::root(provider, KIND_APP, slug).child(kind, slug);
        self.0.get(&address).copied()
    }
}

/// The app a resource is about: its own slug, or a release's `app`.
pub(super) fn slug_of(resource: &Resource) -> &str {
    match resource.kind.as_str() {
        KIND_RELEASE => text(resource, "app"),
        _ => &resource.name,
    }
}

/// The tenant's id, read by slug the first time and kept.
async fn tenant_id(provider: &AxhubProvider) -> Result<String, ProviderError> {
    if let Some(id) = provider.known().tenant.clone() {
        return Ok(id);
    }
    let tenants = provider.client.tenants().await?;
    let Some(found) = tenants.iter().find(|t| t.slug == provider.tenant) else {
        let slugs: Vec<&str> = tenants.iter().map(|t| t.slug.as_str()).collect();
        let hint = match crate::suggest::did_you_mean(&provider.tenant, slugs.iter().copied()) {
            Some(guess) => format!("{guess} (the token's tenants: {})", listed(&slugs)),
            None => format!("the token's tenants: {}", listed(&slugs)),
        };
        return Err(ProviderError::Config {
            provider: provider.name.clone(),
            message: format!(
                "tenant `{}` does not exist, or the token is not a member of it",
                provider.tenant
            ),
            hint: Some(hint),
        });
    };
    provider.known().tenant = Some(found.id.clone());
    Ok(found.id.clone())
}

fn listed(names: &[&str]) -> String {
    match names {
        [] => "none".to_owned(),
        names => names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// Every app or release naming a slug the tenant does not have.
fn unknown_slugs(desired: &[&Resource], apps: &HashMap<String, App>) -> Vec<ReferenceError> {
    let mut slugs: Vec<&str> = apps.keys().map(String::as_str).collect();
    slugs.sort_unstable();
    desired
        .iter()
        .filter(|r| matches!(r.kind.as_str(), KIND_APP | KIND_RELEASE))
        .filter(|r| !apps.contains_key(slug_of(r)))
        .map(|resource| {
            let slug = slug_of(resource);
            let available = format!("the tenant's apps: {}", listed(&slugs));
            let help = match crate::suggest::did_you_mean(slug, slugs.iter().copied()) {
                Some(guess) => format!("{guess} ({available})"),
                None => format!("{available}; AxHub creates apps through its bootstrap flow, deployplan only reads them"),
            };
            ReferenceError {
                kind: ReferenceKind::UnknownName,
                address: resource.address.clone(),
                attribute: if resource.kind == KIND_RELEASE { "app".into() } else { String::new() },
                message: format!("app `{slug}` does not exist in the tenant"),
                label: "no such app".into(),
                help: Some(help),
            }
        })
        .collect()
}

/// Per app found: whether its git connection is read, and whether its history is.
fn wanted(desired: &[&Resource], apps: &HashMap<String, App>) -> BTreeMap<String, (bool, bool)> {
    let mut wanted: BTreeMap<String, (bool, bool)> = BTreeMap::new();
    for resource in desired {
        let slug = slug_of(resource);
        let Some(app) = apps.get(slug) else { continue };
        match resource.kind.as_str() {
            KIND_GIT_CONNECTION => wanted.entry(app.slug.clone()).or_default().0 = true,
            // A deploy needs a connection (412 without): read it for the plan to say so.
            KIND_RELEASE => *wanted.entry(app.slug.clone()).or_default() = (true, true),
            _ => {}
        }
    }
    wanted
}

/// One answer of the last round.
enum Answer {
    Git(String, GitConnection),
    Releases(String, Vec<Release>),
    Deployments(String, Vec<Deployment>),
}

async fn read_apps(
    client: &AxhubClient,
    apps: &HashMap<String, App>,
    wanted: &BTreeMap<String, (bool, bool)>,
) -> Result<BTreeMap<String, AppRead>, ProviderError> {
    let mut reads: JoinSet<Result<Answer, AxhubError>> = JoinSet::new();
    for (slug, (git, history)) in wanted {
        let Some(app) = apps.get(slug) else { continue };
        if *git {
            let (c, s, id) = (client.clone(), slug.clone(), app.id.clone());
            reads.spawn(async move { Ok(Answer::Git(s, c.git_connection(&id).await?)) });
        }
        if *history {
            let (c, s, id) = (client.clone(), slug.clone(), app.id.clone());
            reads.spawn(async move { Ok(Answer::Releases(s, c.releases(&id).await?)) });
            let (c, s, id) = (client.clone(), slug.clone(), app.id.clone());
            reads.spawn(async move {
                let newest = c.deployments(&id, HISTORY_DEPTH).await?;
                Ok(Answer::Deployments(s, newest))
            });
        }
    }
    let mut read: BTreeMap<String, AppRead> = BTreeMap::new();
    while let Some(joined) = reads.join_next().await {
        match joined.map_err(task_failed)?? {
            Answer::Git(slug, git) => read.entry(slug).or_default().git = Some(git),
            Answer::Releases(slug, list) => read.entry(slug).or_default().releases = list,
            Answer::Deployments(slug, list) => read.entry(slug).or_default().deployments = list,
        }
    }
    Ok(read)
}

/// Reads, by id, each production deployment neither list held (an app whose production
/// runs a build older than its newest [`HISTORY_DEPTH`] deployments): rare, so it costs
/// no round in the common case.
async fn read_production(
    client: &AxhubClient,
    apps: &HashMap<String, App>,
    wanted: &BTreeMap<String, (bool, bool)>,
    read: &mut BTreeMap<String, AppRead>,
) -> Result<(), ProviderError> {
    let mut reads = JoinSet::new();
    for (slug, of_app) in read.iter() {
        let history = wanted.get(slug).is_some_and(|(_, history)| *history);
        let Some(app) = apps.get(slug) else { continue };
        let Some(id) = &app.production_deployment_id else {
            continue;
        };
        let listed = of_app
            .releases
            .iter()
            .any(|r| r.deployment_id.as_ref() == Some(id))
            || of_app.deployments.iter().any(|d| &d.id == id);
        if !history || listed {
            continue;
        }
        let (c, s, app, id) = (client.clone(), slug.clone(), app.id.clone(), id.clone());
        reads.spawn(async move { (s, c.deployment(&app, &id).await) });
    }
    while let Some(joined) = reads.join_next().await {
        let (slug, deployment) = joined.map_err(task_failed)?;
        if let Some(of_app) = read.get_mut(&slug) {
            of_app.production = Some(deployment?);
        }
    }
    Ok(())
}

/// The remote object of a declared app, git connection or staging.
fn object(resource: &Resource, app: &App, read: &AppRead) -> Option<RemoteObject> {
    let attributes = match resource.kind.as_str() {
        KIND_APP => json!({}),
        KIND_GIT_CONNECTION => match read.git.as_ref()? {
            GitConnection::Connected {
                repository,
                branch,
                installation_id,
                ..
            } => json!({
                "repository": repository,
                "branch": branch,
                "installation": installation(installation_id.as_deref()),
            }),
            GitConnection::Disconnected { .. } => return None,
        },
        KIND_STAGING => json!({ "enabled": app.staging_enabled }),
        _ => return None,
    };
    Some(remote_object(resource, app.id.clone(), attributes))
}

/// An installation id as the manifest writes it: a number when it is one.
fn installation(id: Option<&str>) -> Value {
    match id {
        Some(id) => id
            .parse::<u64>()
            .map_or_else(|_| Value::from(id), Value::from),
        None => Value::Null,
    }
}

fn remote_object(resource: &Resource, id: String, attributes: Value) -> RemoteObject {
    RemoteObject {
        address: resource.address.clone(),
        kind: resource.kind.clone(),
        name: resource.name.clone(),
        parent: resource.parent.clone(),
        id,
        attributes,
        method: None,
        in_flight: None,
    }
}

/// A release's remote object — the commit production runs (staging, when staging is on:
/// deploys land there), a deployment still running — and how apply would reach the
/// desired commit.
fn release(
    resource: &Resource,
    app: &App,
    read: &AppRead,
    staging_on: bool,
) -> (RemoteObject, ReleaseTarget) {
    let running = read.deployments.iter().find(|d| !d.status.is_terminal());
    let live: Option<Production> = match staging_on {
        true => staging(read),
        false => production(app, read),
    };
    let mut attributes = json!({ "app": app.slug });
    if let Some(live) = &live {
        attributes[RELEASE_ATTRIBUTE] = Value::from(live.commit.to_ascii_lowercase());
    }
    let desired = text(resource, RELEASE_ATTRIBUTE);
    let current = live.as_ref().map(|l| l.commit.as_str());
    let force = flag(resource, "force_rebuild").unwrap_or(false);
    let (route, method) = match staging_on {
        true => (Route::Build, Some(TO_STAGING.to_owned())),
        false => choose(app, read, desired, current, force),
    };
    let differs = current.is_none_or(|c| !c.eq_ignore_ascii_case(desired));
    let method = method.or_else(|| last_attempt(read, desired).filter(|_| differs));
    let mut object = remote_object(resource, app.id.clone(), attributes);
    object.method = method;
    object.in_flight = running.map(|d| RunningDeployment {
        id: d.id.clone(),
        status: super::deploy::stage_of(d),
        deploys: Some(d.commit_sha.to_ascii_lowercase()).filter(|c| !c.is_empty()),
    });
    let target = ReleaseTarget {
        app: app.slug.clone(),
        route,
    };
    (object, target)
}
