//! The AxHub provider instance: its client, its tenant, and what reading taught it
//! ([`Known`]) for [`super::fetch`] and [`super::execute`].

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;

use super::client::{AxhubClient, Token};
use super::config::{AxhubConfig, ENDPOINTS, ENV_TOKEN};
use super::emulator::demo;
use super::lower::{self, KIND_STAGING};
use super::wire::App;
use crate::model::{Address, Change, KindRules, RemoteState, Resource};
use crate::providers::common::instance::Instance;
use crate::providers::kind::Setup;
use crate::providers::{ApplyContext, ExportFilter, Exported, Outcome, Provider, ProviderError};

/// How apply brings a release to its commit, decided while reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Route {
    /// Start a deployment (AxHub builds the commit, or reuses an image it still has).
    Build,
    /// Swap production back to the image this succeeded deployment built: no new
    /// deployment, no build.
    Rollback { deployment: String },
}

/// What a release needs at apply time, read during the plan.
#[derive(Debug, Clone)]
pub(super) struct ReleaseTarget {
    pub app: String,
    pub route: Route,
}

/// What reading taught the instance, for the writes.
#[derive(Debug, Default)]
pub(super) struct Known {
    /// The tenant's id, read once.
    pub tenant: Option<String>,
    /// The tenant's apps by slug.
    pub apps: HashMap<String, App>,
    pub releases: HashMap<Address, ReleaseTarget>,
}

/// One `axhub` provider instance.
pub struct AxhubProvider {
    /// The instance's name (under `providers:`).
    pub(super) name: String,
    /// The tenant's slug, as the instance names it.
    pub(super) tenant: String,
    pub(super) client: AxhubClient,
    pub(super) known: Mutex<Known>,
}

impl AxhubProvider {
    pub fn from_config(
        name: &str,
        config: &AxhubConfig,
        setup: &Setup<'_>,
    ) -> Result<Self, ProviderError> {
        let (instance, base, _) = Instance::open(
            name,
            setup,
            config.endpoint.as_deref(),
            &ENDPOINTS,
            super::TYPE,
        )?;
        let written = config.credentials.token.as_deref();
        let token = (instance.token(written, demo::AXHUB_TOKEN, &[ENV_TOKEN]))
            .map(|(token, _)| token)
            .ok_or_else(|| {
            instance.error(
                "no AxHub token",
                Some(format!(
                    "export {ENV_TOKEN} (a personal access token made in AxHub's settings), or set `credentials: {{ token: ${{secret.…}} }}`"
                )),
            )
        })?;
        let client = AxhubClient::new(&base, Token(token), setup.http.clone())
            .map_err(|err| instance.error(err.to_string(), None))?;
        Ok(AxhubProvider {
            name: name.to_owned(),
            tenant: config.tenant.clone(),
            client,
            known: Mutex::new(Known::default()),
        })
    }

    pub(super) fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The app named `slug`, as read during the plan.
    pub(super) fn app(&self, slug: &str) -> Result<App, ProviderError> {
        self.known().apps.get(slug).cloned().ok_or_else(|| {
            ProviderError::Precondition(format!(
                "app `{slug}` was not read before apply: run `plan` again"
            ))
        })
    }
}

/// Disabling staging: AxHub drops the staging environment's schema with it.
const STAGING_DESTRUCTIVE: &[(&str, &str, &str)] = &[(
    "enabled",
    "false",
    "disabling staging drops the staging schema and the schema changes not yet promoted",
)];

#[async_trait]
impl Provider for AxhubProvider {
    fn rules(&self, kind: &str) -> KindRules {
        match kind {
            KIND_STAGING => KindRules {
                destructive: STAGING_DESTRUCTIVE,
                ..lower::rules(kind)
            },
            _ => lower::rules(kind),
        }
    }

    async fn fetch(
        &self,
        desired: &[&Resource],
        elsewhere: &BTreeSet<Address>,
    ) -> Result<RemoteState, ProviderError> {
        let _ = elsewhere;
        super::fetch::fetch(self, desired).await
    }

    async fn execute(
        &self,
        change: &Change,
        desired: Option<&Resource>,
        ctx: &ApplyContext,
    ) -> Result<Outcome, ProviderError> {
        super::execute::execute(self, change, desired, ctx).await
    }

    fn requests_sent(&self) -> u64 {
        self.client.requests_sent()
    }

    async fn export(&self, filter: &ExportFilter) -> Result<Exported, ProviderError> {
        super::export::export(&self.name, &self.client, &self.tenant, filter).await
    }
}
